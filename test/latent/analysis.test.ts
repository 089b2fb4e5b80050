/**
 * The latent-space stage (lib/latent/analysis.ts): loading and aligning df_latents,
 * the shared neighbour graphs and UMAP, the comparison metrics, probes, market variables,
 * correlations, traversals, findings and the chart specs, on small hand-made inputs.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig } from "../../lib/config";
import { ArtifactStore } from "../../lib/runtime/artifacts";
import { matrix, takeRows, type Matrix } from "../../lib/runtime/matrix";
import { Rng } from "../../lib/runtime/rng";
import { isoToDay, type Panel, type TokenInfo } from "../../lib/data/panel";
import type { Dataset } from "../../lib/features/dataset";
import { latentFrame, latentFrameTable, type LatentFrame } from "../../lib/models/latents";
import { compileSpec } from "../../lib/viz/render";
import * as la from "../../lib/stages/06-latent-space/index";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

const TOKENS: TokenInfo[] = [
  { id: "T0", symbol: "AAA", name: "A", sector: "layer-1" },
  { id: "T1", symbol: "BBB", name: "B", sector: "defi" },
  { id: "T2", symbol: "CCC", name: "C", sector: "stablecoin" },
  { id: "T3", symbol: "DDD", name: "D", sector: "defi" },
];
const D0 = isoToDay("2022-01-01");
const DAYS = 40;
const FEATURES = ["logret_1d", "vol_30d", "beta_30d"];

/**
 * A dataset of 4 tokens x 40 days: days 0-23 train, 24-27 gap, 28-31 validation, 32-39
 * test. Raw features: vol_30d grows with the day (so terciles follow time), the others
 * are seeded noise; X = raw.
 */
function makeDataset(): Dataset {
  const rng = new Rng(5);
  const token: number[] = [],
    day: number[] = [],
    split: number[] = [];
  const raw: number[] = [];
  for (let t = 0; t < TOKENS.length; t++) {
    for (let k = 0; k < DAYS; k++) {
      token.push(t);
      day.push(D0 + k);
      split.push(k < 24 ? 0 : k < 28 ? 3 : k < 32 ? 1 : 2);
      raw.push(rng.normal() * 0.02, 0.01 + k * 0.001 + t * 0.0001, rng.normal());
    }
  }
  const n = token.length;
  const X = matrix(Float32Array.from(raw), n, FEATURES.length);
  const pick = (c: number) => Int32Array.from(split.flatMap((s, i) => (s === c ? [i] : [])));
  return {
    meta: { featureNames: FEATURES } as Dataset["meta"],
    tokens: TOKENS,
    token: Int32Array.from(token),
    day: Int32Array.from(day),
    split: Int8Array.from(split),
    anomaly: null,
    raw: X,
    X,
    idx: { train: pick(0), validation: pick(1), test: pick(2) },
  };
}

/** A row model's frame over the dataset's split rows: latents = [sector code + noise, day index / 10]. */
function rowFrame(d: Dataset, model: string, seed: number): LatentFrame {
  const rng = new Rng(seed);
  const rows = Array.from(d.split.keys()).filter((i) => d.split[i]! < 3);
  const code = (t: number) => ["layer-1", "defi", "stablecoin"].indexOf(TOKENS[t]!.sector!);
  const data = Float32Array.from(
    rows.flatMap((i) => [code(d.token[i]!) * 3 + rng.normal() * 0.3, (d.day[i]! - D0) / 10 + rng.normal() * 0.1]),
  );
  return latentFrame({
    model,
    latents: matrix(data, rows.length, 2),
    token: Int32Array.from(rows, (i) => d.token[i]!),
    day: Int32Array.from(rows, (i) => d.day[i]!),
    tokens: TOKENS,
    split: rows.map((i) => ["train", "validation", "test"][d.split[i]!]!),
  });
}

/** A window model's frame: one window per token every 2nd day of each split (keyed by its end day), 3-D latents. */
function windowFrame(d: Dataset): LatentFrame {
  const rows = Array.from(d.split.keys()).filter((i) => d.split[i]! < 3 && (d.day[i]! - D0) % 2 === 1);
  const data = Float32Array.from(rows.flatMap((i) => [d.token[i]!, (d.day[i]! - D0) / 5, Math.sin(i)]));
  return latentFrame({
    model: "conv1d",
    latents: matrix(data, rows.length, 3),
    token: Int32Array.from(rows, (i) => d.token[i]!),
    day: Int32Array.from(rows, (i) => d.day[i]!),
    tokens: TOKENS,
  });
}

function scratchStore(): ArtifactStore {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "cae-latent-stage-"));
  return new ArtifactStore(loadConfig({ CAE_OUT: out, CAE_PROFILE: "ci" }));
}

describe("loadAllLatents", () => {
  test("every missing model is named with the notebook that writes it", () => {
    const store = scratchStore();
    const d = makeDataset();
    store.writeTable("latents-ae", latentFrameTable(rowFrame(d, "ae", 1), TOKENS));
    assert.throws(
      () => la.loadAllLatents(store, TOKENS, ["ae", "vae", "conv1d"]),
      (e: Error) => {
        assert.match(e.message, /Missing latents of 2 model\(s\)/);
        assert.match(e.message, /vae \(.*latents-vae\.parquet, written by notebook 03-train-vae\)/);
        assert.match(e.message, /conv1d .*05-train-conv1d-ae/);
        assert.match(e.message, /npm run notebook -- 03 05/);
        return true;
      },
    );
  });

  test("rows with NaN or infinite latents are dropped and counted; all-NaN is an error", () => {
    const store = scratchStore();
    const d = makeDataset();
    const f = rowFrame(d, "ae", 1);
    f.latents.data[3] = NaN; // row 1
    f.latents.data[10] = Infinity; // row 5
    store.writeTable("latents-ae", latentFrameTable(f, TOKENS));
    const { frames, cleaning } = la.loadAllLatents(store, TOKENS, ["ae"]);
    assert.deepEqual(cleaning, [
      { model: "ae", rows: f.token.length, latentDim: 2, dropped: 2, kept: f.token.length - 2 },
    ]);
    assert.equal(frames[0]!.token.length, f.token.length - 2);
    for (const v of frames[0]!.latents.data) assert.ok(Number.isFinite(v));
    const bad = rowFrame(d, "vae", 2);
    bad.latents.data.fill(NaN);
    store.writeTable("latents-vae", latentFrameTable(bad, TOKENS));
    assert.throws(
      () => la.loadAllLatents(store, TOKENS, ["vae"]),
      /All \d+ latent rows of vae are NaN or infinite.*03-train-vae/,
    );
  });
});

describe("alignLatents", () => {
  const d = makeDataset();
  const ae = rowFrame(d, "ae", 1);
  const conv = windowFrame(d);

  test("keeps the window end days common to all models, in dataset order, with their features", () => {
    const a = la.alignLatents([ae, conv], d);
    assert.equal(a.n, conv.token.length);
    assert.deepEqual(a.models, ["ae", "conv1d"]);
    for (let i = 0; i < a.n; i++) {
      assert.equal((a.day[i]! - D0) % 2, 1);
      assert.ok(a.split[i]! < 3);
      const r = a.datasetRow[i]!;
      assert.equal(d.token[r], a.token[i]);
      assert.equal(d.day[r], a.day[i]);
      assert.deepEqual(
        Array.from(a.features.data.subarray(i * 3, i * 3 + 3)),
        Array.from(d.X.data.subarray(r * 3, r * 3 + 3)),
      );
      if (i > 0) assert.ok(a.datasetRow[i]! > a.datasetRow[i - 1]!);
    }
    // The latents follow their keys: conv1d latent 0 is the token index.
    for (let i = 0; i < a.n; i++) assert.equal(a.latents.conv1d!.data[i * 3], a.token[i]);
    assert.deepEqual(
      a.counts.map((c) => [c.model, c.aligned]),
      [
        ["ae", a.n],
        ["conv1d", a.n],
      ],
    );
    assert.match(a.note, /windows are keyed by their last day/);
  });

  test("a duplicate key and a disjoint model are clear errors", () => {
    const dup = latentFrame({
      model: "vae",
      latents: matrix(new Float32Array(4), 2, 2),
      token: Int32Array.from([1, 1]),
      day: Int32Array.from([D0 + 3, D0 + 3]),
      tokens: TOKENS,
    });
    assert.throws(
      () => la.alignLatents([ae, dup], d),
      /latents-vae holds two rows for token T1 on 2022-01-04 \(rows 0 and 1\)/,
    );
    const gapOnly = latentFrame({
      model: "vae",
      latents: matrix(new Float32Array(2), 1, 2),
      token: Int32Array.from([0]),
      day: Int32Array.from([D0 + 25]),
      tokens: TOKENS,
    });
    assert.throws(() => la.alignLatents([ae, gapOnly], d), /No token-day is common/);
  });

  test("too few points for UMAP: the error says how to get more", () => {
    assert.throws(
      () => la.checkEnoughPoints(12, 15),
      /Only 12 token-days .* nNeighbors = 15 .* at least 31.*CAE_PROFILE=default/,
    );
    assert.doesNotThrow(() => la.checkEnoughPoints(31, 15));
  });
});

describe("embedModels: one graph per model, shared", () => {
  const d = makeDataset();
  const a = la.alignLatents([rowFrame(d, "ae", 1), rowFrame(d, "pca", 2)], d);
  const sample = Int32Array.from({ length: 60 }, (_, i) => i * 2);

  test("UMAP reuses the latent graph; same seed, identical embeddings; emb_df keys", async () => {
    const e1 = await la.embedModels(a, sample, { rng: new Rng(3), nEpochs: 40 });
    const e2 = await la.embedModels(a, sample, { rng: new Rng(3), nEpochs: 40 });
    assert.equal(e1.length, 2);
    for (const [k, e] of e1.entries()) {
      assert.deepEqual([e.umap.embedding.rows, e.umap.embedding.cols], [60, 2]);
      assert.equal(e.knn.k, la.METRIC_K + 1);
      assert.equal(e.neighbours.length, 60 * la.METRIC_K);
      assert.equal(e.umap.knnSeconds, 0, "UMAP must not search neighbours again");
      // UMAP's graph is the shared one, cut to its 15 neighbours.
      assert.deepEqual(e.umap.knn.indices[7], e.knn.indices[7]!.slice(0, 15));
      assert.deepEqual(Array.from(e.umap.embedding.data), Array.from(e2[k]!.umap.embedding.data));
      const table = la.embeddingArtifact(a, e, sample, TOKENS);
      assert.deepEqual(Object.keys(table), ["model", "token", "symbol", "sector", "day", "date", "split", "u0", "u1"]);
      assert.equal((table.day as Int32Array)[5], a.day[sample[5]!]);
    }
  });

  test("fewer sampled points than UMAP needs is refused before any work", async () => {
    await assert.rejects(la.embedModels(a, Int32Array.from([0, 1, 2, 3, 4]), { rng: new Rng(1) }), /Only 5 token-days/);
  });
});

describe("comparison metrics", () => {
  const rng = new Rng(9);
  const X = matrix(
    Float32Array.from({ length: 200 * 3 }, () => rng.normal()),
    200,
    3,
  );
  const rotated = (() => {
    const c = Math.cos(0.7),
      s = Math.sin(0.7);
    const out = new Float32Array(X.data.length);
    for (let i = 0; i < 200; i++) {
      const [x, y, z] = [X.data[i * 3]!, X.data[i * 3 + 1]!, X.data[i * 3 + 2]!];
      out[i * 3] = 2.5 * (c * x - s * y);
      out[i * 3 + 1] = 2.5 * (s * x + c * y);
      out[i * 3 + 2] = 2.5 * z;
    }
    return matrix(out, 200, 3);
  })();

  test("CKA pairs: 1 on the diagonal and for a rotated, scaled copy; symmetric; low for noise", () => {
    const noise = matrix(
      Float32Array.from({ length: 200 * 3 }, () => rng.normal()),
      200,
      3,
    );
    const pairs = la.ckaPairs([
      { name: "a", X },
      { name: "b", X: rotated },
      { name: "c", X: noise },
    ]);
    const get = (p: string, q: string) => pairs.find((v) => v.a === p && v.b === q)!.value;
    close(get("a", "a"), 1);
    close(get("a", "b"), 1, 1e-6);
    assert.equal(get("a", "c"), get("c", "a"));
    assert.ok(get("a", "c") < 0.1);
    assert.equal(pairs.length, 9);
    assert.equal(la.uniquePairs(pairs, ["a", "b", "c"]).length, 3);
    const table = la.pairTable(pairs, ["a", "b", "c"]);
    assert.deepEqual(Object.keys(table[0]!), ["", "a", "b", "c"]);
  });

  test("kNN overlap of identical (or rotated) spaces is 1, and graphs give trustworthiness 1 for an isometry", () => {
    const g1 = la.neighbourGraph(X),
      g2 = la.neighbourGraph(rotated);
    const ov = la.overlapPairs([
      { name: "x", neighbours: g1.neighbours },
      { name: "r", neighbours: g2.neighbours },
    ]);
    close(ov.find((p) => p.a === "x" && p.b === "r")!.value, 1);
    const X2 = takeRows(
      matrix(
        Float32Array.from({ length: 200 * 2 }, (_, i) => X.data[Math.floor(i / 2) * 3 + (i % 2)]!),
        200,
        2,
      ),
      Int32Array.from({ length: 200 }, (_, i) => i),
    );
    const g = la.neighbourGraph(X2);
    const fake: la.ModelEmbedding = {
      model: "iso",
      latents: X2,
      knn: g.knn,
      neighbours: g.neighbours,
      umap: { embedding: X2, knn: g.knn, seconds: 0, knnSeconds: 0, nEpochs: 1, nNeighbors: 15, minDist: 0.1 },
      embeddingNeighbours: g.neighbours,
    };
    const q = la.embeddingQuality(fake, null);
    close(q.trustworthiness, 1);
    close(q.umapOverlap, 1);
    assert.ok(Number.isNaN(q.silhouetteLatent) && Number.isNaN(q.sectorPurity));
  });

  test("same-label share and its chance level on a hand case", () => {
    // 4 points, k = 1: neighbours 1, 0, 3, 0; labels a a b b -> same for points 0, 1, 2 -> 3/4.
    close(la.sameLabelShare(Int32Array.from([1, 0, 3, 0]), 1, ["a", "a", "b", "b"]), 0.75);
    // Two labels of 2: chance another point shares the label = 1/3.
    close(la.chanceSameLabelShare(["a", "a", "b", "b"]), 1 / 3);
    assert.throws(() => la.sameLabelShare(Int32Array.from([1, 0]), 1, ["a", "a", "b"]), /expected 3 x 1/);
  });

  test("sector separation: clear sectors give a high silhouette and purity", () => {
    const pts = matrix(
      Float32Array.from({ length: 60 * 2 }, (_, i) => (Math.floor(i / 2) < 30 ? 0 : 10) + ((i * 7919) % 13) / 13),
      60,
      2,
    );
    const labels = Array.from({ length: 60 }, (_, i) => (i < 30 ? "defi" : "meme"));
    const sep = la.sectorSeparation(pts, la.neighbourGraph(pts).neighbours, labels);
    assert.ok(sep.silhouette > 0.8, `silhouette ${sep.silhouette}`);
    close(sep.purity, 1);
    close(sep.chance, 29 / 59);
  });
});

describe("probe targets and probes", () => {
  const d = makeDataset();
  const a = la.alignLatents([rowFrame(d, "ae", 1)], d);

  test("volatility terciles: cut points from the train split only", () => {
    const v = la.volatilityTarget(a, d)!;
    const train = Array.from(v.values)
      .filter((_, i) => a.split[i] === 0)
      .sort((x, y) => x - y);
    close(v.cuts[0], train[Math.floor(train.length / 3)]!);
    close(v.cuts[1], train[Math.floor((2 * train.length) / 3)]!);
    // vol_30d grows with the day: every test row is above the train split's upper cut.
    for (let i = 0; i < a.n; i++) if (a.split[i] === 2) assert.equal(v.labels[i], 2);
    assert.deepEqual(v.classes, ["low vol", "mid vol", "high vol"]);
    assert.equal(la.volatilityTarget(a, d, "no_such_feature"), null);
  });

  test("market regime by day, -1 outside the truth; null for a real market", () => {
    const truth: la.MarketTruth = {
      kind: "synthetic",
      regimeNames: ["calm", "bull", "bear"],
      regimes: Array.from({ length: 30 }, (_, k) => (k < 10 ? 0 : k < 20 ? 1 : 2)),
      startDay: D0,
    };
    const r = la.regimeTarget(a, truth)!;
    for (let i = 0; i < a.n; i++) {
      const k = a.day[i]! - D0;
      assert.equal(r.labels[i], k >= 30 ? -1 : k < 10 ? 0 : k < 20 ? 1 : 2);
    }
    assert.equal(la.regimeTarget(a, { kind: "real" }), null);
  });

  test("sector target: known sectors only; null with fewer than two sectors", () => {
    const s = la.sectorTarget(a, TOKENS)!;
    assert.deepEqual(s.classes, ["defi", "layer-1", "stablecoin"]);
    const oneSector = TOKENS.map((t) => ({ ...t, sector: t.id === "T0" ? "defi" : null }));
    assert.equal(la.sectorTarget(a, oneSector), null);
  });

  test("a probe reads a sector the latents encode; a one-class target is skipped with the reason", () => {
    const sector = la.sectorTarget(a, TOKENS)!;
    const constant: la.ProbeTarget = {
      name: "constant",
      labels: new Int32Array(a.n),
      classes: ["only"],
      description: "",
    };
    const noise = matrix(
      Float32Array.from({ length: a.n * 2 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1),
      a.n,
      2,
    );
    const out = la.runProbes(
      a,
      [
        { name: "ae", X: a.latents.ae! },
        { name: "noise", X: noise },
      ],
      [sector, constant],
      { rng: new Rng(1) },
    );
    const ae = out.rows.find((r) => r.representation === "ae")!;
    const nz = out.rows.find((r) => r.representation === "noise")!;
    assert.equal(ae.target, "sector");
    assert.ok(ae.balancedAccuracy > 0.95, `ae ${ae.balancedAccuracy}`);
    assert.ok(nz.balancedAccuracy < ae.balancedAccuracy);
    close(ae.chance, 1 / 3);
    assert.equal(ae.nTest, 32);
    assert.deepEqual(out.skipped, [
      { target: "constant", reason: "the train split holds only one class (only), so no classifier can be fitted" },
    ]);
    assert.match(out.note, /fitted on all 96 train-split rows, scored on all 32 test-split rows/);
    const small = la.runProbes(a, [{ name: "ae", X: a.latents.ae! }], [sector], { rng: new Rng(1), maxTrain: 40 });
    assert.equal(small.rows[0]!.nTrain, 40);
    assert.match(small.note, /fitted on 40 of 96 rows, stratified/);
    const pivot = la.probePivot(out.rows, ["ae", "noise"]);
    assert.deepEqual(
      pivot.map((r) => r.representation),
      ["AE", "noise", "chance (1 / classes)"],
    );
  });
});

describe("unseen-token probe target", () => {
  const d = makeDataset();
  const a = la.alignLatents([rowFrame(d, "ae", 1)], d);
  const sector = la.sectorTarget(a, TOKENS)!;

  test("trains on other tokens' train rows and scores held-out tokens' test rows only", () => {
    const u = la.heldOutTokenTarget(sector, a, { rng: new Rng(3), fraction: 0.5 })!;
    assert.equal(u.name, "sector, unseen tokens");
    const trainTokens = new Set<number>(),
      testTokens = new Set<number>();
    for (let i = 0; i < a.n; i++) {
      if (u.labels[i]! < 0) continue;
      assert.equal(u.labels[i], sector.labels[i], "kept labels are the original ones");
      assert.ok(a.split[i] === 0 || a.split[i] === 2, "only train and test rows are labelled");
      (a.split[i] === 0 ? trainTokens : testTokens).add(a.token[i]!);
    }
    for (const t of testTokens) assert.ok(!trainTokens.has(t), `token ${t} is both trained on and scored`);
    // Only "defi" has two tokens (T1, T3): one is held out; single-token sectors stay in training.
    assert.equal(testTokens.size, 1);
    assert.ok([1, 3].includes([...testTokens][0]!));
    assert.ok(trainTokens.has(0) && trainTokens.has(2));
    assert.match(u.description, /1 of 4 tokens \(50% of each class\) held out/);
  });

  test("same seed, same tokens; no class with two tokens gives null; bad fraction throws", () => {
    const a1 = la.heldOutTokenTarget(sector, a, { rng: new Rng(9) })!;
    const a2 = la.heldOutTokenTarget(sector, a, { rng: new Rng(9) })!;
    assert.deepEqual(Array.from(a1.labels), Array.from(a2.labels));
    const single = { ...sector, labels: Int32Array.from(sector.labels, (y, i) => (a.token[i] === 3 ? -1 : y)) };
    assert.equal(la.heldOutTokenTarget(single, a, { rng: new Rng(1) }), null);
    assert.throws(
      () => la.heldOutTokenTarget(sector, a, { rng: new Rng(1), fraction: 1 }),
      /fraction must be in \(0, 1\)/,
    );
  });
});

describe("market variables, correlations, traversals", () => {
  /** Two tokens and a stablecoin over 30 days; token prices grow 1% and 3% a day, the stablecoin 50%. */
  function panel(): Panel {
    const tokens: TokenInfo[] = [TOKENS[0]!, TOKENS[1]!, TOKENS[2]!];
    const token: number[] = [],
      day: number[] = [],
      close: number[] = [],
      volume: number[] = [];
    const growth = [0.01, 0.03, 0.5];
    for (let t = 0; t < 3; t++)
      for (let k = 0; k < 30; k++) {
        if (t === 1 && k === 10) continue; // a missing day: no return on day 10 or 11 for this token
        token.push(t);
        day.push(D0 + k);
        close.push(Math.exp(growth[t]! * k));
        volume.push(k < 25 ? 100 : 1000);
      }
    const f = (v: number[]) => Float64Array.from(v);
    return {
      tokens,
      token: Int32Array.from(token),
      day: Int32Array.from(day),
      open: f(close),
      high: f(close),
      low: f(close),
      close: f(close),
      volume: f(volume),
      marketCap: f(close.map(() => NaN)),
      anomalyKind: null,
      events: null,
      source: "test",
    };
  }

  test("market return excludes stablecoins and needs consecutive days; volatility and volume z are causal", () => {
    const m = la.marketSeries(panel());
    assert.equal(m.day0, D0);
    assert.ok(Number.isNaN(m.marketReturn[0]!));
    close(m.marketReturn[5]!, (0.01 + 0.03) / 2);
    close(m.marketReturn[10]!, 0.01);
    close(m.marketReturn[11]!, 0.01);
    assert.ok(Number.isNaN(m.marketVol[18]!), "fewer than MARKET_MIN_OBS returns");
    assert.ok(Number.isFinite(m.marketVol[21]!));
    assert.ok(Number.isNaN(m.marketVolumeZ[19]!));
    // Day 25: total volume jumps from 300 (200 on day 10, when a token is missing) to 3,000; z against days 0-24.
    const past = Array.from({ length: 25 }, (_, k) => Math.log10(k === 10 ? 200 : 300));
    const mu = past.reduce((x, y) => x + y, 0) / 25;
    const sdv = Math.sqrt(past.reduce((x, y) => x + (y - mu) ** 2, 0) / 24);
    close(m.marketVolumeZ[25]!, (Math.log10(3000) - mu) / sdv, 1e-9);
  });

  test("interpretation variables and correlations: a latent equal to a feature correlates 1", () => {
    const d = makeDataset();
    const f = rowFrame(d, "ae", 1);
    // Make z1 the raw vol_30d of each row.
    for (let i = 0; i < f.token.length; i++) {
      const r = Array.from(d.split.keys()).find((k) => d.token[k] === f.token[i] && d.day[k] === f.day[i])!;
      f.latents.data[i * 2 + 1] = d.raw.data[r * 3 + 1]!;
    }
    const a = la.alignLatents([f], d);
    const vars = la.interpretationVariables(a, d, panelFor(d), null);
    assert.deepEqual(vars.names.slice(0, 3), FEATURES);
    assert.ok(vars.names.includes("market return") && vars.names.includes("sector: stablecoin"));
    assert.equal(vars.groups[vars.names.indexOf("sector: defi")], "sector");
    assert.equal(vars.kept.length + vars.dropped, a.n);
    const corr = la.latentCorrelations(a, vars, "ae");
    close(corr.find((c) => c.dim === "z1" && c.variable === "vol_30d")!.r, 1, 1e-5);
    assert.equal(la.strongestCorrelation(corr, "input feature")!.variable, "vol_30d");
    // z0 encodes the sector: it correlates with the stablecoin indicator.
    assert.ok(corr.find((c) => c.dim === "z0" && c.variable === "sector: stablecoin")!.r > 0.8);
  });

  test("traversal of a linear decoder: effects, active dimensions, the feature moved most", () => {
    // decode(z) = [z0, -3 z1, 0]: z2 is unused.
    const decoder: la.LatentDecoder = {
      name: "lin",
      latentDim: 3,
      featureNames: ["f0", "f1", "f2"],
      decodeLatents: (z: Matrix) =>
        matrix(
          Float32Array.from({ length: z.rows * 3 }, (_, p) => {
            const i = Math.floor(p / 3),
              c = p % 3;
            return c === 0 ? z.data[i * 3]! : c === 1 ? -3 * z.data[i * 3 + 1]! : 0;
          }),
          z.rows,
          3,
        ),
    };
    const latents = matrix(Float32Array.from([0, 0, 5, 2, 2, 5, 4, 4, 5]), 3, 3); // sd 2 for z0 and z1, 0 for z2
    const t = la.latentTraversal(decoder, latents);
    assert.equal(t.rows.length, 3 * la.TRAVERSAL_STEPS * 3);
    const e0 = t.effects[0]!,
      e1 = t.effects[1]!,
      e2 = t.effects[2]!;
    close(e0.sd, 2);
    close(e0.effect, (2 * 2 * 2) / 3, 1e-6); // moves f0 by 4 sd of 2 = 8, mean over 3 features
    assert.equal(e1.topFeature, "f1");
    close(e1.topDelta, -24, 1e-5);
    assert.equal(e2.effect, 0);
    assert.equal(t.activeDims, 2);
    assert.throws(
      () => la.latentTraversal(decoder, matrix(new Float32Array(4), 2, 2)),
      /2 columns but lin has latentDim 3/,
    );
    assert.throws(() => la.latentTraversal(decoder, latents, { steps: 1 }), /steps must be an integer >= 2/);
  });

  test("loadDecoder names the notebook to run when the model is missing", async () => {
    await assert.rejects(
      la.loadDecoder(fs.mkdtempSync(path.join(os.tmpdir(), "cae-models-")), "vae", FEATURES),
      /No saved model in .*vae\. Run notebook 03-train-vae first/,
    );
  });
});

/** A panel consistent with makeDataset's tokens and days (prices drift per token). */
function panelFor(d: Dataset): Panel {
  const n = d.token.length;
  const close = Float64Array.from(
    { length: n },
    (_, i) => 100 * Math.exp(0.01 * (d.day[i]! - D0) * (d.token[i]! + 1) + 0.02 * Math.sin(i)),
  );
  return {
    tokens: d.tokens,
    token: d.token,
    day: d.day,
    open: close,
    high: close,
    low: close,
    close,
    volume: Float64Array.from({ length: n }, (_, i) => 1000 + 100 * Math.cos(i)),
    marketCap: new Float64Array(n).fill(NaN),
    anomalyKind: null,
    events: null,
    source: "test",
  };
}

describe("findings and charts", () => {
  const models = ["ae", "vae"];
  const cka: la.PairValue[] = [
    { a: "ae", b: "ae", value: 1 },
    { a: "ae", b: "vae", value: 0.4 },
    { a: "vae", b: "ae", value: 0.4 },
    { a: "vae", b: "vae", value: 1 },
    { a: "ae", b: "features", value: 0.7 },
    { a: "features", b: "ae", value: 0.7 },
    { a: "vae", b: "features", value: 0.55 },
    { a: "features", b: "vae", value: 0.55 },
  ];
  const q = (model: string, tw: number, sil: number): la.EmbeddingQuality => ({
    model,
    points: 100,
    trustworthiness: tw,
    umapOverlap: 0.5,
    silhouetteLatent: sil,
    silhouetteUmap: sil + 0.1,
    sectorPurity: 0.3,
    sectorPurityChance: 0.2,
    umapSeconds: 1,
    knnSeconds: 0.1,
  });
  const probe = (representation: string, target: string, b: number): la.ProbeRow => ({
    representation,
    target,
    balancedAccuracy: b,
    accuracy: b,
    macroF1: b,
    majorityAccuracy: 0.3,
    chance: target === "sector" ? 1 / 7 : 1 / 3,
    nTrain: 10_000,
    // Enough test rows for 0.41 vs 0.33 to be told apart (the findings compare intervals).
    nTest: 10_000,
  });
  const input: la.LatentFindingsInput = {
    models,
    cka,
    overlap: cka.map((p) => ({ ...p, value: p.a === p.b ? 1 : p.value / 4 })),
    quality: [q("ae", 0.97, 0.05), q("vae", 0.91, -0.12)],
    featuresSeparation: { silhouette: 0.01, purity: 0.32, chance: 0.2 },
    probes: [
      probe("ae", "sector", 0.41),
      probe("vae", "sector", 0.33),
      probe("features", "sector", 0.45),
      probe("ae", "volatility tercile", 0.8),
      probe("features", "volatility tercile", 0.9),
    ],
    skippedProbes: [
      {
        target: "market regime",
        reason: "the train split holds only one class (bear), so no classifier can be fitted",
      },
    ],
    correlations: [
      { model: "ae", dim: "z1", variable: "vol_30d", group: "input feature", r: -0.91 },
      { model: "ae", dim: "z0", variable: "market return", group: "market", r: 0.44 },
      { model: "vae", dim: "z3", variable: "logret_1d", group: "input feature", r: 0.7 },
    ],
    traversals: [],
    nSectors: 7,
    synthetic: true,
  };

  test("findings and headline quote the measured numbers", () => {
    const { headline, findings } = la.latentFindings(input);
    const text = findings.join("\n");
    assert.equal(headline["CKA between models"], "0.40 - 0.40");
    assert.equal(headline["UMAP trustworthiness"], "0.910 - 0.970");
    assert.equal(headline["best sector silhouette (latent)"], "0.050 (AE)");
    assert.equal(headline["best sector probe (balanced accuracy)"], "0.41 (AE)");
    assert.match(text, /On the synthetic market the 7 sectors are known/);
    assert.match(
      text,
      /AE 0\.41, VAE 0\.33; the raw input features give 0\.45 and guessing 0\.14\. No latent space makes sectors more linearly readable than the day's input features/,
    );
    assert.match(text, /AE z1 with vol_30d \(r = -0\.91\)/);
    assert.match(text, /The market regime probe was not run: the train split holds only one class \(bear\)/);
    assert.doesNotMatch(text, /NaN|undefined/);
    const rows = la.sectorRecoveryRows(input);
    assert.deepEqual(
      rows.map((r) => r.representation),
      ["AE", "VAE", "input features", "chance"],
    );
  });

  test("without sectors no sector sentence or headline is written", () => {
    const { headline, findings } = la.latentFindings({
      ...input,
      nSectors: 0,
      featuresSeparation: null,
      probes: input.probes.filter((p) => p.target !== "sector"),
    });
    assert.equal(headline["best sector silhouette (latent)"], undefined);
    assert.doesNotMatch(findings.join(" "), /sector/i);
  });

  test("chart specs compile; UMAP rows carry the tooltips' fields; by-token rows hold all points of the top tokens", async () => {
    const d = makeDataset();
    const a = la.alignLatents([rowFrame(d, "ae", 1)], d);
    const sample = Int32Array.from({ length: 40 }, (_, i) => i * 3);
    const [e] = await la.embedModels(a, sample, { rng: new Rng(2), nEpochs: 20 });
    const plotRows = la.umapPlotRows(
      a,
      sample,
      [e!],
      Int32Array.from({ length: 10 }, (_, i) => i * 4),
      TOKENS,
      { volatility: Array.from({ length: a.n }, () => "low vol") },
    );
    assert.equal(plotRows.length, 10);
    for (const key of ["model", "u0", "u1", "symbol", "sector", "date", "volatility"])
      assert.ok(key in plotRows[0]!, key);
    assert.equal(plotRows[1]!.date, "2022-01-" + String(1 + a.day[sample[4]!]! - D0).padStart(2, "0"));
    // By token: all 40 sampled points of the top tokens (4 tokens here, all "top"), none grey.
    const byToken = la.umapTokenRows(
      a,
      sample,
      [e!],
      Int32Array.from({ length: 10 }, (_, i) => i * 4),
      TOKENS,
    );
    assert.equal(byToken.topTokens.length, 4);
    assert.equal(byToken.rows.length, 40);
    assert.ok(byToken.rows.every((r) => r.token !== la.OTHER_TOKENS && String(r.token).startsWith(String(r.symbol))));
    const specs = [
      la.umapSmallMultiples(
        plotRows,
        { field: "sector", type: "nominal", title: "sector" },
        { title: "t", models: ["ae"] },
      ),
      la.umapSmallMultiples(
        byToken.rows,
        { field: "token", type: "nominal", title: "token" },
        { title: "t", models: ["ae"] },
      ),
      la.umapSmallMultiples(
        plotRows,
        { field: "date", type: "temporal", title: "date", scheme: "viridis" },
        { title: "t", models: ["ae"] },
      ),
      la.pairHeatmap(cka, ["ae", "vae", "features"], { title: "t", valueTitle: "CKA" }),
      la.correlationHeatmaps(input.correlations, models, ["vol_30d", "logret_1d", "market return"], { title: "t" }),
    ];
    for (const s of specs) assert.ok(compileSpec(s), "spec compiles");
    assert.deepEqual(la.traversalColours([-2, -1, 0, 1, 2]), ["#08519c", "#6baed6", "#444444", "#fb6a4a", "#a50f15"]);
  });
});
