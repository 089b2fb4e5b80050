import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig } from "../../lib/config";
import { ArtifactStore } from "../../lib/runtime/artifacts";
import { matrix } from "../../lib/runtime/matrix";
import type { TokenInfo } from "../../lib/data/panel";
import { isoToDay } from "../../lib/data/panel";
import {
  embeddingTable,
  latentArtifactName,
  latentFrame,
  latentFrameTable,
  readLatentFrame,
  takeFrameRows,
} from "../../lib/models/latents";

const tokens: TokenInfo[] = [
  { id: "bitcoin", symbol: "BTC", name: "Bitcoin", sector: "layer-1" },
  { id: "tether", symbol: "USDT", name: "Tether", sector: "stablecoin" },
  { id: "mystery", symbol: "<b>M</b>", name: "Mystery", sector: null },
];

const d0 = isoToDay("2023-03-30");
const frame = latentFrame({
  model: "ae",
  latents: matrix(Float32Array.from([0.5, -1.25, 3e-7, 1, 2, 3, -0.1, 0.2, 0.3, 7, 8, 9, 1e6, -1e-6, 0]), 5, 3),
  token: Int32Array.from([0, 0, 1, 2, 2]),
  day: Int32Array.from([d0, d0 + 1, d0, d0 + 2, d0 + 3]),
  tokens,
  split: ["train", "train", "validation", "test", "test"],
});

function scratchStore(): ArtifactStore {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "cae-latent-"));
  return new ArtifactStore(loadConfig({ CAE_OUT: out, CAE_PROFILE: "ci" }));
}

describe("df_latents", () => {
  test("table layout: keys, ISO dates, unknown sector, z columns", () => {
    const t = latentFrameTable(frame, tokens);
    assert.deepEqual(Object.keys(t), ["token", "symbol", "sector", "day", "date", "split", "z0", "z1", "z2"]);
    assert.deepEqual(t.token, ["bitcoin", "bitcoin", "tether", "mystery", "mystery"]);
    assert.deepEqual(t.symbol, ["BTC", "BTC", "USDT", "<b>M</b>", "<b>M</b>"]);
    assert.deepEqual(t.sector, ["layer-1", "layer-1", "stablecoin", "unknown", "unknown"]);
    assert.deepEqual(t.date, ["2023-03-30", "2023-03-31", "2023-03-30", "2023-04-01", "2023-04-02"]);
    assert.ok(t.z1 instanceof Float32Array);
    assert.deepEqual(Array.from(t.z1 as Float32Array), [-1.25, 2, 0.2, 8, -1e-6].map(Math.fround));
  });

  test("round trip through the artifact store", () => {
    const store = scratchStore();
    store.writeTable(latentArtifactName("ae"), latentFrameTable(frame, tokens));
    const back = readLatentFrame(store, "ae", tokens);
    assert.equal(back.model, "ae");
    assert.deepEqual(back.token, frame.token);
    assert.ok(back.day instanceof Int32Array);
    assert.deepEqual(back.day, frame.day);
    assert.equal(back.latents.rows, 5);
    assert.equal(back.latents.cols, 3);
    assert.deepEqual(back.latents.data, frame.latents.data);
    assert.deepEqual(back.split, frame.split);
  });

  test("reading with a reordered token list maps ids, an unknown id is named", () => {
    const store = scratchStore();
    store.writeTable(latentArtifactName("vae"), latentFrameTable({ ...frame, model: "vae" }, tokens));
    const reordered = [tokens[2]!, tokens[0]!, tokens[1]!];
    const back = readLatentFrame(store, "vae", reordered);
    assert.deepEqual(Array.from(back.token), [1, 1, 2, 0, 0]);
    assert.throws(
      () => readLatentFrame(store, "vae", tokens.slice(0, 2)),
      /latents-vae .*row 3: token id "mystery" is not in the token list/,
    );
  });

  test("a missing table names the notebook that writes it, for every model", () => {
    const store = scratchStore();
    const expected: Record<string, string> = {
      ae: "02-train-ae",
      vae: "03-train-vae",
      dae: "04-train-dae",
      conv1d: "05-train-conv1d-ae",
      pca: "02-train-ae",
    };
    for (const [model, nb] of Object.entries(expected)) {
      assert.throws(
        () => readLatentFrame(store, model, tokens),
        new RegExp(
          `Missing artifact "latents-${model}" .*Run notebook ${nb} first \\(npm run notebook -- ${nb.slice(0, 2)}\\)`,
        ),
      );
    }
    assert.throws(
      () => readLatentFrame(store, "tsne", tokens),
      /No notebook is known to write latents of "tsne" \(known models: ae, vae, dae, conv1d, pca\)/,
    );
    assert.throws(() => readLatentFrame(store, "../ae", tokens), /cannot name an artifact/);
  });

  test("inconsistent frames are rejected", () => {
    const latents = matrix(new Float32Array(6), 3, 2);
    assert.throws(
      () => latentFrame({ model: "ae", latents, token: new Int32Array(2), day: new Int32Array(3), tokens }),
      /3 rows but token has 2 and day has 3/,
    );
    assert.throws(
      () => latentFrame({ model: "ae", latents, token: Int32Array.from([0, 3, 1]), day: new Int32Array(3), tokens }),
      /row 1: token index 3 is not in the token list \(0..2\)/,
    );
  });
});

describe("emb_df", () => {
  test("same keys plus model and u0, u1 for the embedded rows", () => {
    const sample = takeFrameRows(frame, [1, 3, 4]);
    assert.deepEqual(Array.from(sample.token), [0, 2, 2]);
    assert.deepEqual(sample.split, ["train", "test", "test"]);
    assert.deepEqual(Array.from(sample.latents.data), [1, 2, 3, 7, 8, 9, 1e6, -1e-6, 0].map(Math.fround));
    const emb = matrix(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2);
    const t = embeddingTable(sample, emb, tokens);
    assert.deepEqual(Object.keys(t), ["model", "token", "symbol", "sector", "day", "date", "split", "u0", "u1"]);
    assert.deepEqual(t.model, ["ae", "ae", "ae"]);
    assert.deepEqual(t.token, ["bitcoin", "mystery", "mystery"]);
    assert.deepEqual(Array.from(t.u0 as Float32Array), [1, 3, 5]);
    assert.deepEqual(Array.from(t.u1 as Float32Array), [2, 4, 6]);
    const store = scratchStore();
    store.writeTable("embedding-ae", t);
    assert.deepEqual(store.readTable("embedding-ae").date, ["2023-03-31", "2023-04-01", "2023-04-02"]);
  });

  test("an embedding of other rows is rejected", () => {
    assert.throws(
      () => embeddingTable(frame, matrix(new Float32Array(4), 2, 2), tokens),
      /embedding has 2 rows but the ae frame has 5/,
    );
    assert.throws(() => takeFrameRows(frame, [0, 5]), /rows\[1\] = 5 is not a row of the ae frame \(0..4\)/);
  });
});
