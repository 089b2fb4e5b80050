/**
 * Save/load: round trips reproduce outputs exactly, the files are a standard TensorFlow.js
 * LayersModel, meta.json carries what the project needs, feature names are checked, and
 * writes are atomic.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { initBackend } from "../../lib/runtime/backend";
import {
  createModel,
  defaultFeatureNames,
  loadModel,
  loadRowModel,
  loadWindowModel,
  type AnyAutoencoder,
  type RowModel,
} from "../../lib/models";
import type { ModelMeta } from "../../lib/train/types";
import { directoryLoadHandler, writeDirectoryAtomic } from "../../lib/train/persist";
import type { Matrix, Windows } from "../../lib/runtime/matrix";
import { lowRankRows, maxAbsDiff, patternWindows, tempDir } from "./helpers";

const NAMES = defaultFeatureNames(6);
const ROWS = lowRankRows(50, 6, 2, 0.1, 51);
const WINDOWS = patternWindows(20, 10, 2, 0.1, 52);
const tmp = tempDir("cae-models-");

before(async () => {
  await initBackend();
});
after(() => tmp.cleanup());

async function trained(kind: "ae" | "vae" | "dae" | "pca" | "conv1d"): Promise<AnyAutoencoder> {
  const fit = { maxEpochs: 2, batchSize: 16, patience: 2 };
  if (kind === "conv1d") {
    const m = createModel("conv1d", {
      featureNames: ["p", "q"],
      windowLength: 10,
      latentDim: 3,
      filters: [3, 4],
      name: "conv",
    });
    await m.fit(WINDOWS, WINDOWS, fit);
    return m;
  }
  const m = createModel(kind, {
    featureNames: NAMES,
    latentDim: 2,
    hiddenUnits: [5, 4],
    dropout: 0.1,
    name: `m-${kind}`,
  } as never);
  await (m as { fit: (a: Matrix, b: Matrix, o: typeof fit) => Promise<unknown> }).fit(ROWS, ROWS, fit);
  return m;
}

function outputs(m: AnyAutoencoder): Float32Array[] {
  const x = (m.kind === "conv1d" ? WINDOWS : ROWS) as Matrix & Windows;
  const r = m.reconstruct(x) as Matrix | Windows;
  const s = m.score(x, "mae");
  const out = [m.encode(x).data, r.data, Float32Array.from(s.perRow), s.perFeature.data];
  if (m.kind === "vae") out.push(Float32Array.from(m.score(x, "elbo").perRow));
  return out;
}

describe("round trip", () => {
  for (const kind of ["ae", "vae", "dae", "pca", "conv1d"] as const) {
    test(`${kind}: a loaded model reproduces encode, reconstruct and score exactly`, async () => {
      const model = await trained(kind);
      const dir = path.join(tmp.dir, "models", model.name);
      await model.save(dir, { scaler: { mean: [1, 2], std: [3, 4] } });
      assert.deepEqual(fs.readdirSync(dir).sort(), ["meta.json", "model.json", "weights.bin"]);
      const loaded = await loadModel(dir, model.featureNames);
      assert.equal(loaded.kind, kind);
      assert.equal(loaded.constructor, model.constructor);
      const a = outputs(model);
      const b = outputs(loaded);
      a.forEach((arr, i) => assert.deepEqual(Array.from(b[i]!), Array.from(arr), `output ${i} differs after loading`));
      assert.deepEqual(loaded.history, JSON.parse(JSON.stringify(model.history)));
      model.dispose();
      loaded.dispose();
    });
  }

  test("meta.json holds kind, resolved options, feature names, seed, backend, metrics and extras", async () => {
    const model = await trained("dae");
    const dir = path.join(tmp.dir, "models", "meta-check");
    await model.save(dir, { scaler: { mean: [0.5], std: [2] }, split: "2024-01-01" });
    const meta = JSON.parse(fs.readFileSync(path.join(dir, "meta.json"), "utf8")) as ModelMeta;
    assert.equal(meta.kind, "dae");
    assert.equal(meta.name, "m-dae");
    assert.deepEqual(meta.featureNames, NAMES);
    assert.equal(meta.seed, model.seed);
    assert.equal(meta.backend, tf.getBackend());
    assert.deepEqual(meta.options.hiddenUnits, [5, 4]);
    assert.equal(meta.options.noiseStd, 0.2, "defaults are written out");
    assert.equal(meta.metrics.epochs, 2);
    assert.equal(meta.metrics.bestEpoch, model.history!.bestEpoch);
    assert.deepEqual(meta.extra, { scaler: { mean: [0.5], std: [2] }, split: "2024-01-01" });
    model.dispose();
  });
});

describe("TensorFlow.js format", () => {
  for (const kind of ["ae", "vae", "pca", "conv1d"] as const) {
    test(`${kind}: tf.loadLayersModel opens the directory and predicts the same reconstruction`, async () => {
      const model = await trained(kind);
      const dir = path.join(tmp.dir, "tfjs", kind);
      await model.save(dir);
      const json = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
      assert.equal(json.format, "layers-model");
      assert.deepEqual(json.weightsManifest[0].paths, ["weights.bin"]);
      const layers = await tfl.loadLayersModel(directoryLoadHandler(dir));
      const x = (kind === "conv1d" ? WINDOWS : ROWS) as Matrix & Windows;
      const input =
        kind === "conv1d"
          ? tf.tensor3d(WINDOWS.data, [WINDOWS.n, WINDOWS.length, WINDOWS.features])
          : tf.tensor2d(ROWS.data, [ROWS.rows, ROWS.cols]);
      const pred = layers.predict(input);
      const recon = (Array.isArray(pred) ? pred[0]! : pred).dataSync();
      const ours = (model.reconstruct(x) as Matrix | Windows).data;
      // Same kernels for the networks; PCA's own path runs in float64 from the float32 weights.
      const tolerance = kind === "pca" ? 1e-5 : 1e-6;
      assert.ok(maxAbsDiff(recon, ours) < tolerance, `max difference ${maxAbsDiff(recon, ours)}`);
      tf.dispose([input, pred]);
      layers.dispose();
      model.dispose();
    });
  }
});

describe("loading errors", () => {
  test("different feature names -> error naming the first difference", async () => {
    const model = await trained("ae");
    const dir = path.join(tmp.dir, "models", "names");
    await model.save(dir);
    const swapped = [...NAMES];
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    await assert.rejects(
      loadModel(dir, swapped),
      /was trained on features \[f0, f1, f2, .*column 1 is "f1" in the model but "f2" in the data.*same order, or retrain/,
    );
    await assert.rejects(loadModel(dir, NAMES.slice(0, 5)), /6 saved features vs 5 given/);
    await assert.rejects(loadWindowModel(dir), /holds a model of kind "ae", which scores rows.*use loadRowModel/);
    const ok = await loadRowModel(dir, NAMES);
    ok.dispose();
    model.dispose();
  });

  test("missing or damaged files -> clear errors", async () => {
    await assert.rejects(
      loadModel(path.join(tmp.dir, "nowhere")),
      /has no meta\.json: it was not saved by this project/,
    );
    const model = await trained("ae");
    const dir = path.join(tmp.dir, "models", "damaged");
    await model.save(dir);
    const bin = path.join(dir, "weights.bin");
    fs.writeFileSync(bin, fs.readFileSync(bin).subarray(0, 40));
    await assert.rejects(
      loadModel(dir),
      /weights hold 40 bytes but the manifest describes \d+; the files are truncated/,
    );
    const metaPath = path.join(dir, "meta.json");
    const meta = JSON.parse(fs.readFileSync(metaPath, "utf8"));
    fs.writeFileSync(metaPath, JSON.stringify({ ...meta, formatVersion: 99 }));
    await assert.rejects(loadModel(dir), /formatVersion 99; this code reads version 1/);
    model.dispose();
  });
});

describe("atomic writes", () => {
  test("saving over a model replaces it whole and leaves no temporary directories", async () => {
    const a = (await trained("ae")) as RowModel;
    const parent = path.join(tmp.dir, "atomic");
    const dir = path.join(parent, "m");
    await a.save(dir);
    const first = fs.readFileSync(path.join(dir, "weights.bin"));
    await a.fit(ROWS, ROWS, { maxEpochs: 1, batchSize: 16, patience: 1, learningRate: 0.05 });
    await a.save(dir);
    assert.notDeepEqual(fs.readFileSync(path.join(dir, "weights.bin")), first);
    assert.deepEqual(fs.readdirSync(parent), ["m"]);
    a.dispose();
  });

  test("a failed write keeps the previous directory intact", () => {
    const dir = path.join(tmp.dir, "atomic2", "m");
    writeDirectoryAtomic(dir, { "a.txt": "old" });
    assert.throws(() => writeDirectoryAtomic(dir, { "b.txt": "new", "../escape": "x" }), /Bad file name/);
    assert.deepEqual(fs.readdirSync(path.dirname(dir)), ["m"]);
    assert.equal(fs.readFileSync(path.join(dir, "a.txt"), "utf8"), "old");
  });
});
