/**
 * The evaluation stage (notebook 08): cluster-bootstrap summaries, the latent sweep and its
 * PCA crossover, noise robustness, market regimes, drift, walk-forward folds and the ranking.
 * Data are small and hand-made (or drawn from a seeded Rng) so every expected value is known.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../lib/runtime/backend";
import { Rng } from "../../lib/runtime/rng";
import { clusterBootstrapCI } from "../../lib/stats/bootstrap";
import { createModel } from "../../lib/models/load";
import type { Autoencoder, ScoreMode, ScoreResult } from "../../lib/models/types";
import type { Matrix } from "../../lib/runtime/matrix";
import type { Dataset } from "../../lib/features/dataset";
import { dayToIso, isoToDay } from "../../lib/data/panel";
import * as ev from "../../lib/stages/08-evaluation/index";

before(async () => {
  await initBackend();
});

const FEATURES = ["logret_1d", "f2", "f3"];

/** An error frame with `nTokens` tokens x `perToken` rows; mse = token effect + noise; split by row position. */
function makeFrame(model: string, nTokens: number, perToken: number, seed: number, shift = 0): ev.ErrorFrame {
  const rng = new Rng(seed);
  const n = nTokens * perToken;
  const token = new Int32Array(n),
    day = new Int32Array(n),
    split = new Int8Array(n);
  const mse = new Float64Array(n),
    mae = new Float64Array(n);
  const perFeature = FEATURES.map(() => new Float64Array(n));
  for (let t = 0; t < nTokens; t++) {
    const effect = 0.5 + t * 0.1;
    for (let k = 0; k < perToken; k++) {
      const i = t * perToken + k;
      token[i] = t;
      day[i] = 18000 + k;
      split[i] = k < perToken * 0.6 ? 0 : k < perToken * 0.8 ? 1 : 2;
      let s = 0;
      FEATURES.forEach((_, j) => {
        const e = (Math.abs(effect + shift + 0.2 * rng.normal()) * (j + 1)) / 2;
        perFeature[j]![i] = e;
        s += e;
      });
      mse[i] = s / FEATURES.length;
      mae[i] = Math.sqrt(mse[i]!);
    }
  }
  return { model, unit: "token-day", token, day, split, mse, mae, featureNames: [...FEATURES], perFeature };
}

function meanOf(v: ArrayLike<number>, rows?: ArrayLike<number>): number {
  let s = 0;
  const n = rows ? rows.length : v.length;
  for (let q = 0; q < n; q++) s += v[rows ? rows[q]! : q]!;
  return s / n;
}

describe("clusterMeanCI", () => {
  test("matches clusterBootstrapCI draw for draw (same seed), on all rows and on a subset", () => {
    const f = makeFrame("ae", 12, 30, 1);
    const fast = ev.clusterMeanCI(f.mse, f.token, { nBoot: 300, rng: 7 });
    const slow = clusterBootstrapCI(f.mse, f.token, { nBoot: 300, rng: 7 });
    assert.ok(Math.abs(fast.estimate - slow.estimate) < 1e-12);
    assert.ok(
      Math.abs(fast.lo - slow.lo) < 1e-9 && Math.abs(fast.hi - slow.hi) < 1e-9,
      `${fast.lo},${fast.hi} vs ${slow.lo},${slow.hi}`,
    );
    assert.equal(fast.resampled, "clusters");
    assert.equal(fast.nUnits, 12);
    const rows = ev.rowsOfSplits(f, [2]);
    const sub = ev.clusterMeanCI(f.mse, f.token, { nBoot: 200, rng: 3, rows });
    const ref = clusterBootstrapCI(
      Array.from(rows, (i) => f.mse[i]!),
      Array.from(rows, (i) => f.token[i]!),
      { nBoot: 200, rng: 3 },
    );
    assert.ok(Math.abs(sub.lo - ref.lo) < 1e-9 && Math.abs(sub.hi - ref.hi) < 1e-9);
  });
  test("seeded: same seed same interval, other seed other interval", () => {
    const f = makeFrame("ae", 10, 20, 2);
    const a = ev.clusterMeanCI(f.mse, f.token, { nBoot: 200, rng: 11 });
    const b = ev.clusterMeanCI(f.mse, f.token, { nBoot: 200, rng: 11 });
    const c = ev.clusterMeanCI(f.mse, f.token, { nBoot: 200, rng: 12 });
    assert.deepEqual(a, b);
    assert.notEqual(a.lo, c.lo);
    assert.ok(a.lo < a.estimate && a.estimate < a.hi);
  });
  test("few clusters warn in terms of clusters; NaN values and empty selections throw", () => {
    const r = ev.clusterMeanCI([1, 2, 3, 4], [0, 0, 1, 1], { nBoot: 50, rng: 1 });
    assert.match(r.warnings.join(" "), /Only 2 clusters were resampled/);
    assert.throws(() => ev.clusterMeanCI([1, NaN], [0, 1], { nBoot: 10, rng: 1 }), /row 1 is NaN/);
    assert.throws(() => ev.clusterMeanCI([1, 2], [0, 1], { nBoot: 10, rng: 1, rows: [] }), /no rows selected/);
    assert.throws(() => ev.clusterMeanCI([1, 2], [0], { nBoot: 10, rng: 1 }), /align them/);
  });
});

describe("clusterRatioCI", () => {
  test("estimate is the ratio of the two means; the interval covers it; seeded", () => {
    const f = makeFrame("ae", 15, 40, 4);
    const te = ev.rowsOfSplits(f, [2]),
      tr = ev.rowsOfSplits(f, [0]);
    const r = ev.clusterRatioCI(f.mse, f.token, te, tr, { nBoot: 300, rng: 5 });
    assert.ok(Math.abs(r.estimate - meanOf(f.mse, te) / meanOf(f.mse, tr)) < 1e-12);
    assert.ok(r.lo < r.estimate && r.estimate < r.hi);
    assert.deepEqual(r, ev.clusterRatioCI(f.mse, f.token, te, tr, { nBoot: 300, rng: 5 }));
  });
  test("clusters only in the denominator still count, and an empty row set throws", () => {
    // Token 1 has only denominator rows: draws of only token 1 give NaN and are dropped.
    const values = [2, 1, 1];
    const groups = [0, 0, 1];
    const r = ev.clusterRatioCI(values, groups, [0], [1, 2], { nBoot: 400, rng: 2 });
    assert.equal(r.estimate, 2);
    assert.equal(r.nUnits, 2);
    assert.ok(r.nValid < 400 && r.nValid > 200, `nValid ${r.nValid}`);
    assert.throws(() => ev.clusterRatioCI(values, groups, [], [1], { nBoot: 10, rng: 1 }), /at least one row/);
  });
});

describe("summaries", () => {
  const f = makeFrame("ae", 8, 25, 6);
  const g = makeFrame("pca", 8, 25, 6, -0.2);
  test("splitErrorSummary: plain means per split, token counts, intervals around them, independent of other frames", () => {
    const rows = ev.splitErrorSummary([f, g], { nBoot: 100, rng: new Rng(1) });
    assert.equal(rows.length, 6);
    for (const r of rows) {
      const frame = r.model === "ae" ? f : g;
      const idx = ev.rowsOfSplits(frame, [["train", "validation", "test"].indexOf(r.split)]);
      assert.ok(Math.abs(r.mse - meanOf(frame.mse, idx)) < 1e-12);
      assert.ok(Math.abs(r.mae - meanOf(frame.mae, idx)) < 1e-12);
      assert.equal(r.tokens, 8);
      assert.ok(r.mseLo <= r.mse && r.mse <= r.mseHi);
    }
    const alone = ev.splitErrorSummary([g], { nBoot: 100, rng: new Rng(1) });
    assert.deepEqual(
      alone,
      rows.filter((r) => r.model === "pca"),
    );
  });
  test("nBoot 0 gives means without intervals", () => {
    const rows = ev.splitErrorSummary([f], { nBoot: 0, rng: new Rng(1) });
    assert.ok(rows.every((r) => Number.isNaN(r.mseLo) && Number.isFinite(r.mse)));
  });
  test("groupedErrorSummary: groups in the given order, null labels skipped, row filter applied", () => {
    const labels = Array.from(f.token, (t) => (t === 0 ? null : t % 2 === 0 ? "even" : "odd"));
    const rows = ev.groupedErrorSummary(f, labels, {
      nBoot: 50,
      rng: new Rng(2),
      order: ["odd", "even"],
      rows: ev.rowsOfSplits(f, [2]),
    });
    assert.deepEqual(
      rows.map((r) => r.group),
      ["odd", "even"],
    );
    const test = ev.rowsOfSplits(f, [2]);
    const odd = Array.from(test).filter((i) => f.token[i]! % 2 === 1);
    assert.equal(rows[0]!.rows, odd.length);
    assert.ok(Math.abs(rows[0]!.value - meanOf(f.mse, odd)) < 1e-12);
    assert.equal(rows[1]!.tokens, 3); // tokens 2, 4, 6 (token 0 has a null label)
    assert.throws(() => ev.groupedErrorSummary(f, ["a"], { nBoot: 0, rng: new Rng(1) }), /one label per row/);
  });
  test("featureErrorSummary: one row per feature with the feature's mean", () => {
    const rows = ev.featureErrorSummary(f, { nBoot: 50, rng: new Rng(3) });
    const test = ev.rowsOfSplits(f, [2]);
    assert.deepEqual(
      rows.map((r) => r.feature),
      FEATURES,
    );
    rows.forEach((r, j) => assert.ok(Math.abs(r.mse - meanOf(f.perFeature[j]!, test)) < 1e-12));
  });
  test("pairedDifference: mean of per-row differences; verdict from the interval; row mismatch throws", () => {
    const p = ev.pairedDifference(f, g, { nBoot: 200, rng: new Rng(4) });
    const test = ev.rowsOfSplits(f, [2]);
    assert.ok(Math.abs(p.difference - (meanOf(f.mse, test) - meanOf(g.mse, test))) < 1e-12);
    assert.ok(p.difference > 0 && p.lo > 0);
    assert.equal(ev.differenceVerdict(p), "higher");
    assert.equal(ev.differenceVerdict({ lo: -0.1, hi: 0.2 }), "not different");
    assert.equal(ev.differenceVerdict({ lo: -0.3, hi: -0.1 }), "lower");
    const other = { ...g, day: Int32Array.from(g.day, (d, i) => (i === 5 ? d + 1 : d)) };
    assert.throws(() => ev.pairedDifference(f, other, { nBoot: 10, rng: new Rng(1) }), /differ at row 5/);
  });
  test("formatCI, pivotRows and rowsToTable", () => {
    assert.equal(ev.formatCI(0.12345, 0.1, 0.15), "0.1235 [0.1000, 0.1500]");
    assert.equal(ev.formatCI(0.5, NaN, NaN, 2), "0.50");
    const wide = ev.pivotRows(
      [
        { a: "x", b: "m1", v: 1 },
        { a: "x", b: "m2", v: 2 },
        { a: "y", b: "m1", v: 3 },
      ],
      (r) => r.a,
      (r) => r.b,
      (r) => r.v,
      "row",
    );
    assert.deepEqual(wide, [
      { row: "x", m1: 1, m2: 2 },
      { row: "y", m1: 3 },
    ]);
    const t = ev.rowsToTable([
      { m: "ae", v: 1 },
      { m: "pca", v: null },
    ]);
    assert.deepEqual(t.m, ["ae", "pca"]);
    assert.ok(t.v instanceof Float64Array && Number.isNaN((t.v as Float64Array)[1]));
  });
});

describe("error frames", () => {
  const d = makeDataset();
  test("errorFrameFromTable maps token ids and splits, and names what is missing", () => {
    const n = 4;
    const table = {
      token: ["T0", "T1", "T1", "T2"],
      day: Int32Array.from([1, 2, 3, 4]),
      split: ["train", "validation", "test", "train"],
      mse: Float64Array.from([1, 2, 3, 4]),
      mae: Float64Array.from([1, 1, 1, 1]),
      e_logret_1d: new Float32Array(n),
      e_f2: new Float32Array(n),
      e_f3: Float32Array.from([0, 0, 0, 9]),
    };
    const f = ev.errorFrameFromTable("ae", table, d, "token-day");
    assert.deepEqual(Array.from(f.token), [0, 1, 1, 2]);
    assert.deepEqual(Array.from(f.split), [0, 1, 2, 0]);
    assert.equal(f.perFeature[2]![3], 9);
    assert.throws(
      () => ev.errorFrameFromTable("ae", { ...table, token: ["T0", "T9", "T1", "T2"] }, d, "token-day"),
      /row 1 names token "T9".*02-train-ae/,
    );
    assert.throws(
      () => ev.errorFrameFromTable("ae", { ...table, split: ["train", "x", "test", "train"] }, d, "token-day"),
      /split "x"/,
    );
    const { e_f2: _drop, ...noF2 } = table;
    assert.throws(() => ev.errorFrameFromTable("vae", noF2, d, "token-day"), /"e_f2".*03-train-vae/);
  });
  test("errorFrameFromModel averages flattened-window feature errors over the window's days", () => {
    // A fake model over 2-day windows of 3 features: perFeature = column index + 1 on day 0, 3x on day 1.
    const fake = {
      score(x: Matrix, mode: ScoreMode = "mse"): ScoreResult {
        const data = new Float32Array(x.rows * x.cols);
        for (let i = 0; i < x.rows; i++)
          for (let c = 0; c < x.cols; c++) data[i * x.cols + c] = ((c % 3) + 1) * (c < 3 ? 1 : 3);
        return {
          perRow: new Float64Array(x.rows).fill(mode === "mse" ? 2 : 1),
          perFeature: { data, rows: x.rows, cols: x.cols },
        };
      },
    } as unknown as Autoencoder<Matrix>;
    const x: Matrix = { data: new Float32Array(2 * 6), rows: 2, cols: 6 };
    const keys = { token: Int32Array.from([0, 1]), day: Int32Array.from([5, 6]), split: Int8Array.from([0, 2]) };
    const f = ev.errorFrameFromModel("pca-windows", fake, x, keys, FEATURES, "window", 2);
    assert.deepEqual(
      f.perFeature.map((c) => c[0]),
      [2, 4, 6],
    );
    assert.equal(f.mse[1], 2);
    assert.equal(f.mae[0], 1);
    assert.throws(() => ev.errorFrameFromModel("p", fake, x, keys, FEATURES, "window", 3), /expected 3 x 3 features/);
  });
  test("errorFrameFromModel scores in blocks: windows cut block by block give the frame of the whole matrix", async () => {
    // More rows than one block, so that block edges are crossed; PCA over 2-day windows of 3 features.
    const n = ev.SCORE_BLOCK_ROWS + 37;
    const rng = new Rng(4);
    const X: Matrix = { data: Float32Array.from({ length: (n + 1) * 3 }, () => rng.normal()), rows: n + 1, cols: 3 };
    const ends = Int32Array.from({ length: n }, (_, i) => i + 1);
    const pca = createModel("pca", { featureNames: ["a@0", "b@0", "c@0", "a@1", "b@1", "c@1"], latentDim: 2 });
    const whole = ev.windowRowsEndingAt(X, ends, 2).block(0, n);
    await pca.fit(whole, whole, {});
    const keys = {
      token: new Int32Array(n),
      day: Int32Array.from(ends),
      split: new Int8Array(n),
    };
    const a = ev.errorFrameFromModel("pca-windows", pca as Autoencoder<Matrix>, whole, keys, FEATURES, "window", 2);
    const b = ev.errorFrameFromModel(
      "pca-windows",
      pca as Autoencoder<Matrix>,
      ev.windowRowsEndingAt(X, ends, 2),
      keys,
      FEATURES,
      "window",
      2,
    );
    const direct = pca.score(whole, "mse");
    for (const i of [0, ev.SCORE_BLOCK_ROWS - 1, ev.SCORE_BLOCK_ROWS, n - 1]) {
      assert.equal(a.mse[i], direct.perRow[i]);
      assert.equal(b.mse[i], a.mse[i]);
      assert.equal(b.mae[i], a.mae[i]);
      assert.equal(b.perFeature[1]![i], a.perFeature[1]![i]);
      assert.ok(a.mse[i]! > 0);
    }
  });
});

describe("latent sweep", () => {
  test("nestedPcaMse equals the MSE of PCA fitted at each size", async () => {
    const x = lowRank(300, 6, 3, 0.3, 1);
    const names = ["a", "b", "c", "d", "e", "f"];
    const big = createModel("pca", { featureNames: names, latentDim: 5 });
    await big.fit(x, x, { maxEpochs: 1, batchSize: 32, patience: 1 });
    const nested = ev.nestedPcaMse(big, x, [1, 2, 4, 5]);
    for (const [i, k] of [1, 2, 4, 5].entries()) {
      const p = createModel("pca", { featureNames: names, latentDim: k });
      await p.fit(x, x, { maxEpochs: 1, batchSize: 32, patience: 1 });
      const direct = p.score(x, "mse").perRow.reduce((a, b) => a + b, 0) / x.rows;
      assert.ok(Math.abs(nested[i]! - direct) < 1e-4 * Math.max(1, direct), `k=${k}: ${nested[i]} vs ${direct}`);
      p.dispose();
    }
    assert.ok(nested[0]! > nested[1]! && nested[1]! > nested[2]!);
    assert.throws(() => ev.nestedPcaMse(big, x, [6]), /outside 1..5/);
    big.dispose();
  });
  test("latentSweep trains each spec at each size and scores PCA on the same rows", async () => {
    const names = ["a", "b", "c", "d", "e", "f"];
    const train = lowRank(200, 6, 2, 0.2, 2),
      val = lowRank(60, 6, 2, 0.2, 3),
      test = lowRank(60, 6, 2, 0.2, 4);
    const spec: ev.SavedModelSpec = {
      name: "ae",
      kind: "ae",
      options: { featureNames: names, latentDim: 4, hiddenUnits: [8], seed: 1 },
    };
    const seen: string[] = [];
    const points = await ev.latentSweep(
      [spec],
      { train, validation: val, test },
      {
        latentDims: [4, 2],
        fit: { maxEpochs: 2, batchSize: 32, patience: 1, seed: 1 },
        unit: "token-day",
        referenceName: "pca",
        toMatrix: (m) => m,
        pcaFeatureNames: names,
        onPoint: (p) => seen.push(`${p.model}-${p.latentDim}`),
      },
    );
    assert.deepEqual(seen, ["pca-2", "pca-4", "ae-2", "ae-4"]);
    const pca2 = points.find((p) => p.model === "pca" && p.latentDim === 2)!;
    assert.ok(pca2.explained > 0.8, `PCA-2 explains ${pca2.explained} of rank-2 data`);
    assert.ok(
      points.every(
        (p) => p.baselineMse === pca2.baselineMse && Math.abs(p.explained - (1 - p.testMse / p.baselineMse)) < 1e-12,
      ),
    );
    assert.equal(points.find((p) => p.model === "ae")!.epochs, 2);
    await assert.rejects(
      ev.latentSweep(
        [],
        { train, validation: val, test },
        {
          latentDims: [7],
          fit: { maxEpochs: 1, batchSize: 8, patience: 1 },
          unit: "token-day",
          referenceName: "pca",
          toMatrix: (m) => m,
          pcaFeatureNames: names,
        },
      ),
      /exceed what PCA can give \(6/,
    );
  });
  test("sweepBudgetSentences compares the sweep at the saved size with the saved model", () => {
    const p: ev.SweepPoint = {
      model: "ae",
      reference: "pca",
      unit: "token-day",
      latentDim: 8,
      testMse: 0.06,
      baselineMse: 1,
      explained: 0.94,
      epochs: 20,
      stopReason: "",
      seconds: 0,
    };
    const [s1] = ev.sweepBudgetSentences([p], { ae: { latentDim: 8, testMse: 0.03 } });
    assert.match(s1!, /0\.0600 after 20 epochs, against 0\.0300.*2\.00×.*under-trains/);
    const [s2] = ev.sweepBudgetSentences([p], { ae: { latentDim: 8, testMse: 0.058 } });
    assert.match(s2!, /close to the full one/);
    assert.deepEqual(ev.sweepBudgetSentences([p], { ae: { latentDim: 4, testMse: 0.03 } }), []);
  });
  test("sweepModelOptions keeps the architecture, renames, and scales the VAE warm-up", () => {
    const o = ev.sweepModelOptions(
      { name: "vae", kind: "vae", options: { latentDim: 8, hiddenUnits: [32, 16], warmupEpochs: 10 } },
      2,
      12,
    );
    assert.deepEqual([o.latentDim, o.name, o.hiddenUnits, o.warmupEpochs], [2, "vae-z2", [32, 16], 2]);
  });
  test("pcaCrossover: never, always, and stops-beating-from cases", () => {
    const pt = (model: string, k: number, mse: number): ev.SweepPoint => ({
      model,
      reference: "pca",
      unit: "token-day",
      latentDim: k,
      testMse: mse,
      baselineMse: 1,
      explained: 1 - mse,
      epochs: 1,
      stopReason: "",
      seconds: 0,
    });
    const points = [
      pt("pca", 2, 0.5),
      pt("pca", 4, 0.3),
      pt("pca", 8, 0.1),
      pt("pca", 16, 0.001),
      pt("ae", 2, 0.4),
      pt("ae", 4, 0.25),
      pt("ae", 8, 0.2),
      pt("ae", 16, 0.2), // beats at 2, 4; stops from 8
      pt("vae", 2, 0.6),
      pt("vae", 4, 0.4),
      pt("vae", 8, 0.2),
      pt("vae", 16, 0.1), // never
      pt("dae", 2, 0.4),
      pt("dae", 4, 0.35),
      pt("dae", 8, 0.05),
      pt("dae", 16, 0.0005), // loses at 4 only, beats at 16
    ];
    const c = Object.fromEntries(ev.pcaCrossover(points).map((x) => [x.model, x]));
    assert.equal(c.ae!.stopsBeatingAt, 8);
    assert.deepEqual(c.ae!.beatsAt, [2, 4]);
    assert.match(c.ae!.sentence, /stops beating it from latent size \*\*8\*\*/);
    assert.equal(c.vae!.stopsBeatingAt, 2);
    assert.match(c.vae!.sentence, /never beats PCA/);
    assert.equal(c.dae!.stopsBeatingAt, null);
    assert.match(c.dae!.sentence, /still at the largest \(16/);
    assert.ok(Math.abs(c.ae!.ratios[0]! - 0.8) < 1e-12);
  });
});

describe("noise robustness", () => {
  test("applyCorruption: Gaussian noise has the requested std, masking the requested share; seeded", () => {
    const x: Matrix = { data: new Float32Array(20000), rows: 2000, cols: 10 };
    const noisy = ev.applyCorruption(x, { kind: "gaussian", level: 0.5, label: "noise 0.5" }, new Rng(1));
    const sd = Math.sqrt(meanOf(Array.from(noisy.data, (v) => v * v)));
    assert.ok(Math.abs(sd - 0.5) < 0.01, `sd ${sd}`);
    assert.deepEqual(noisy, ev.applyCorruption(x, { kind: "gaussian", level: 0.5, label: "noise 0.5" }, new Rng(1)));
    const ones: Matrix = { data: new Float32Array(1000).fill(1), rows: 100, cols: 10 };
    const masked = ev.applyCorruption(ones, { kind: "mask", level: 0.25, label: "mask 25%" }, new Rng(2));
    assert.equal(masked.data.filter((v) => v === 0).length, 250);
    assert.equal(ones.data[0], 1, "input untouched");
    assert.deepEqual(
      ev.corruptionGrid([0.1], [0.5]).map((c) => c.label),
      ["noise 0.1", "mask 50%"],
    );
  });
  test("an identity model passes the noise through; a constant model ignores it", () => {
    const x = lowRank(500, 4, 2, 0.5, 5);
    const identity = { reconstruct: (m: Matrix) => ({ ...m, data: Float32Array.from(m.data) }) };
    const zero = { reconstruct: (m: Matrix) => ({ ...m, data: new Float32Array(m.data.length) }) };
    const r = ev.noiseRobustness(
      [
        { name: "id", model: identity },
        { name: "zero", model: zero },
      ],
      x,
      [{ kind: "gaussian", level: 0.3, label: "noise 0.3" }],
      new Rng(3),
    );
    const id = r.rows.find((q) => q.model === "id")!,
      z = r.rows.find((q) => q.model === "zero")!;
    assert.equal(id.cleanMse, 0);
    assert.ok(Math.abs(id.noisyMse - 0.09) < 0.01, `identity: error vs clean = noise variance, got ${id.noisyMse}`);
    // The constant model's reconstruction does not move, so its error against the clean input
    // does not either; its anomaly score is the input's own size, which the noise reorders a little.
    assert.equal(z.degradation, 1);
    assert.ok(z.spearman > 0.8 && z.spearman < 1, `spearman ${z.spearman}`);
    assert.ok(z.topRetained > 0.5 && z.topRetained <= 1);
    assert.ok(Number.isNaN(id.spearman), "an identity model scores every row 0: no ranking to compare");
    assert.equal(r.perRow.get("zero|noise 0.3")!.length, 500);
    const cmp = ev.compareUnderNoise(
      r,
      "id",
      "zero",
      "noise 0.3",
      new Int32Array(500).map((_, i) => i % 10),
      { nBoot: 100, rng: new Rng(1) },
    );
    assert.ok(Math.abs(cmp.difference - (id.noisyMse - z.noisyMse)) < 1e-9 && cmp.hi < 0);
    assert.throws(
      () => ev.compareUnderNoise(r, "dae", "zero", "noise 0.3", new Int32Array(500), { nBoot: 10, rng: new Rng(1) }),
      /no per-row errors for dae/,
    );
  });
});

function lowRank(n: number, d: number, rank: number, noise: number, seed: number): Matrix {
  const a = new Rng(99);
  const load = Array.from({ length: rank * d }, () => a.normal());
  const r = new Rng(seed);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: rank }, () => r.normal());
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += z[k]! * load[k * d + j]!;
      data[i * d + j] = s / Math.sqrt(rank) + noise * r.normal();
    }
  }
  return { data, rows: n, cols: d };
}

/**
 * A small dataset: 6 tokens (T5 a stablecoin) x 300 days from 2021-01-01; logret_1d with
 * std 0.01 on days 0-99, 0.08 on days 100-119 (a crash), 0.02 after; train = days 0-179,
 * validation 190-229, test 240-299.
 */
function makeDataset(): Dataset {
  const start = isoToDay("2021-01-01");
  const nTokens = 6,
    nDays = 300;
  const rng = new Rng(42);
  const token: number[] = [],
    day: number[] = [],
    split: number[] = [],
    raw: number[] = [];
  for (let t = 0; t < nTokens; t++) {
    for (let k = 0; k < nDays; k++) {
      const sd = t === 5 ? 0.001 : k < 100 ? 0.01 : k < 120 ? 0.08 : 0.02;
      token.push(t);
      day.push(start + k);
      split.push(k < 180 ? 0 : k < 190 ? 3 : k < 230 ? 1 : k < 240 ? 3 : 2);
      raw.push(rng.normal(0, sd), rng.normal(), rng.normal());
    }
  }
  const n = token.length;
  const X: Matrix = { data: Float32Array.from(raw), rows: n, cols: 3 };
  const pick = (c: number) => Int32Array.from(split.map((s, i) => (s === c ? i : -1)).filter((i) => i >= 0));
  return {
    meta: {
      featureNames: [...FEATURES],
      boundaries: {
        trainStart: dayToIso(start),
        trainEnd: dayToIso(start + 179),
        validationStart: dayToIso(start + 190),
        validationEnd: dayToIso(start + 229),
        testStart: dayToIso(start + 240),
        testEnd: dayToIso(start + 299),
      },
      gapDays: 10,
    } as unknown as Dataset["meta"],
    tokens: Array.from({ length: nTokens }, (_, t) => ({
      id: `T${t}`,
      symbol: `S${t}`,
      name: `Token ${t}`,
      sector: t === 5 ? "stablecoin" : "layer-1",
    })),
    token: Int32Array.from(token),
    day: Int32Array.from(day),
    split: Int8Array.from(split),
    anomaly: null,
    raw: X,
    X: { ...X, data: Float32Array.from(X.data) },
    idx: { train: pick(0), validation: pick(1), test: pick(2) },
  };
}

describe("market regimes", () => {
  const d = makeDataset();
  const start = isoToDay("2021-01-01");
  test("thresholds come from the training days; the crash period is the crash regime", () => {
    const r = ev.marketRegimes(d, { window: 10 });
    assert.equal(r.days.length, 300);
    assert.ok(r.thresholds.calm < r.thresholds.crash);
    // Realised vol of the median return over 5 tokens: ~0.01 before day 100, ~0.08 x median shrinkage in the crash.
    assert.equal(r.regimeOf(start + 115), 2);
    assert.equal(r.regimeOf(start + 50), 0);
    assert.equal(r.regimeOf(start + 3), -1, "warm-up days have no volatility");
    assert.equal(r.regimeOf(start - 5), -1, "unknown day");
    assert.equal(r.trainDays, 171);
    assert.throws(() => ev.marketRegimes(d, { calmQuantile: 0.9, crashQuantile: 0.5 }), /calmQuantile/);
    assert.throws(() => ev.marketRegimes(d, { returnFeature: "close" }), /no feature "close"/);
  });
  test("the stablecoin is left out of the market return", () => {
    const onlyStable = { ...d, tokens: d.tokens.map((t) => ({ ...t, sector: "stablecoin" })) };
    assert.throws(() => ev.marketRegimes(onlyStable), /only 0 days have a market return/);
  });
  test("regimeSegments: runs of one regime over consecutive days; gaps and unknown days split them", () => {
    const segs = ev.regimeSegments([10, 11, 12, 13, 15, 16], [0, 0, 2, -1, 2, 2]);
    assert.deepEqual(
      segs.map((s) => [s.regime, s.start, s.end, s.days]),
      [
        ["calm", dayToIso(10), dayToIso(12), 2],
        ["crash", dayToIso(12), dayToIso(13), 1],
        ["crash", dayToIso(15), dayToIso(17), 2],
      ],
    );
  });
  test("truthRegimes reads the simulated regimes and is null for real data", () => {
    const t = ev.truthRegimes({
      kind: "synthetic",
      regimeNames: ["calm", "bull", "bear"],
      regimes: [0, 2, 1],
      startDay: 100,
      crashDays: ["1970-04-11"],
    })!;
    assert.deepEqual(
      [t.regimeOf(100), t.regimeOf(101), t.regimeOf(102), t.regimeOf(103), t.regimeOf(99)],
      ["calm", "bear", "bull", null, null],
    );
    assert.deepEqual(t.crashDays, [100]);
    assert.equal(ev.truthRegimes({ kind: "real", crashDays: [] }), null);
  });
  test("monthlyErrors indexes each month on the model's training mean", () => {
    const f = makeFrame("ae", 2, 60, 9);
    f.mse.fill(1);
    for (let i = 0; i < f.mse.length; i++) if (f.split[i] === 2) f.mse[i] = 3;
    const rows = ev.monthlyErrors(f);
    assert.equal(rows[0]!.index, 1);
    assert.equal(rows[rows.length - 1]!.index, 3);
    assert.equal(rows[rows.length - 1]!.split, "test");
    assert.equal(rows[0]!.month, dayToIso(18000).slice(0, 7));
  });
});

describe("drift and walk-forward", () => {
  test("driftSummary: a change of regime mix alone gives a raw ratio above 1 and a regime-adjusted ratio of 1", () => {
    // Train: 90 calm rows (error 1) + 10 crash rows (error 3); test: 50 + 50 with the same errors.
    const n = 200;
    const f = makeFrame("ae", 4, 50, 1);
    const regime = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const train = i < 100;
      f.split[i] = train ? 0 : 2;
      const crash = train ? i % 10 === 0 : i % 2 === 0;
      regime[i] = crash ? 2 : 0;
      f.mse[i] = crash ? 3 : 1;
      f.token[i] = i % 20;
    }
    const r = ev.driftSummary(f, { nBoot: 200, rng: new Rng(1), regimeOfRow: regime });
    assert.ok(Math.abs(r.ratio - 2 / 1.2) < 1e-12);
    assert.ok(Math.abs(r.regimeAdjustedRatio - 1) < 1e-12);
    assert.ok(r.lo <= r.ratio && r.ratio <= r.hi);
    assert.match(ev.driftSentence([r]), /AE 1\.67 \[.*\].*significantly \*\*worse\*\*.*AE 1\.00/);
    const better = { ...r, model: "pca", ratio: 0.8, lo: 0.7, hi: 0.9 };
    const flat = { ...r, model: "vae", ratio: 1, lo: 0.9, hi: 1.1 };
    assert.match(
      ev.driftSentence([better, flat]),
      /PCA reconstructs it significantly \*\*better\*\*.*VAE shows no significant change/,
    );
  });
  test("expandingFolds: equal blocks, expanding training periods, a purge gap; too-short blocks throw", () => {
    const folds = ev.expandingFolds(0, 99, 3, 5);
    assert.deepEqual(
      folds.map((f) => [f.trainStart, f.trainEnd, f.testStart, f.testEnd]),
      [
        [0, 19, 25, 49],
        [0, 44, 50, 74],
        [0, 69, 75, 99],
      ],
    );
    assert.throws(() => ev.expandingFolds(0, 20, 4, 5), /too short/);
    assert.throws(() => ev.expandingFolds(0, 99, 0, 5), /positive integer/);
  });
  test("walkForward refits per fold on past rows only and scores the next block", async () => {
    const d = makeDataset();
    const folds = ev.expandingFolds(d.day[0]!, d.day[299]!, 2, 10);
    const spec: ev.SavedModelSpec = {
      name: "pca",
      kind: "pca",
      options: { featureNames: [...FEATURES], latentDim: 2 },
    };
    const rows = await ev.walkForward(d, [spec], {
      folds,
      maxTrainRows: 200,
      fit: { maxEpochs: 1, batchSize: 32, patience: 1 },
      rng: new Rng(1),
    });
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows.map((r) => r.trainRows),
      [200, 200],
    );
    assert.deepEqual(
      rows.map((r) => r.testRows),
      [600, 600],
    );
    for (const r of rows)
      assert.ok(r.testMse < r.meanMse, `PCA-2 of 3 features beats the mean (${r.testMse} vs ${r.meanMse})`);
    assert.match(ev.walkForwardSentence(rows), /2 expanding folds/);
  });
});

describe("ranking and sentences", () => {
  test("rankModels: 1 = best, ties share ranks, unmeasured models get null and are left out of the mean", () => {
    const criteria: ev.Criterion[] = [
      { label: "error", better: "lower", values: { ae: 0.2, pca: 0.1, vae: 0.2 }, note: "" },
      { label: "stability", better: "higher", values: { ae: 0.9, pca: 0.5, vae: 0.7 }, note: "" },
      { label: "walk-forward", better: "lower", values: { ae: 0.3, pca: 0.2, vae: NaN }, note: "" },
    ];
    const r = ev.rankModels(criteria, ["ae", "pca", "vae"]);
    assert.deepEqual(r.ranks[0], { ae: 2.5, pca: 1, vae: 2.5 });
    assert.deepEqual(r.ranks[1], { ae: 1, pca: 3, vae: 2 });
    assert.equal(r.ranks[2]!.vae, null);
    assert.equal(r.measured.vae, 2);
    assert.ok(Math.abs(r.meanRank.ae! - (2.5 + 1 + 2) / 3) < 1e-12);
    assert.deepEqual(r.order, ["pca", "ae", "vae"]);
    const table = ev.rankingTable(criteria, r);
    assert.equal(table.length, 4);
    assert.equal(table[0]!.best, "PCA");
    assert.equal(table[2]!.VAE, "—");
    assert.equal(table[3]!.criterion, "mean rank");
    const sentences = ev.rankingSentences(criteria, r);
    assert.match(sentences[1]!, /\*\*AE\*\* ranks first \(0\.900\), PCA last/);
    assert.match(sentences[sentences.length - 1]!, /PCA \(1\.67\) < AE/);
  });
  test("robustnessClaim counts significant wins and losses and words the verdict from them", () => {
    const comp = (label: string, lo: number, hi: number): ev.NoiseComparison => ({
      a: "dae",
      b: "ae",
      label,
      meanA: 1,
      meanB: 1,
      difference: (lo + hi) / 2,
      lo,
      hi,
    });
    const rows = (label: string, sa: number, sb: number): ev.RobustnessRow[] => [
      {
        model: "dae",
        corruption: "gaussian",
        level: 1,
        label,
        rows: 1,
        cleanMse: 1,
        noisyMse: 1,
        degradation: 1,
        spearman: sa,
        topRetained: 1,
      },
      {
        model: "ae",
        corruption: "gaussian",
        level: 1,
        label,
        rows: 1,
        cleanMse: 1,
        noisyMse: 1,
        degradation: 1,
        spearman: sb,
        topRetained: 1,
      },
    ];
    const holds = ev.robustnessClaim(
      "dae",
      "ae",
      [comp("a", -2, -1), comp("b", -3, -1), comp("c", -1, 1)],
      [...rows("a", 0.9, 0.8), ...rows("b", 0.9, 0.8), ...rows("c", 0.7, 0.8)],
    );
    assert.deepEqual([holds.closer, holds.farther, holds.tied, holds.moreStable], [2, 0, 1, 2]);
    assert.match(holds.sentence, /\*\*holds\*\*/);
    const fails = ev.robustnessClaim(
      "dae",
      "ae",
      [comp("a", 1, 2), comp("b", -1, 1)],
      [...rows("a", 0.5, 0.8), ...rows("b", 0.5, 0.8)],
    );
    assert.match(fails.sentence, /\*\*does not hold\*\*/);
  });
  test("evaluationBudget: ci is smaller than default; unknown profiles throw; dense sizes leave compression for 17 features", () => {
    const ci = ev.evaluationBudget("ci"),
      def = ev.evaluationBudget("default");
    assert.ok(ci.sweepTrainRows < def.sweepTrainRows && ci.sweepEpochs < def.sweepEpochs && ci.nBoot <= def.nBoot);
    assert.ok(def.latentDims.every((k) => k < 17));
    assert.throws(() => ev.evaluationBudget("huge" as never), /No evaluation budget/);
  });
  test("subsampleRows is capped, stratified and seeded", () => {
    const d = makeDataset();
    const a = ev.subsampleRows(d, "train", 100, new Rng(1));
    const b = ev.subsampleRows(d, "train", 100, new Rng(1));
    assert.equal(a.x.rows, 100);
    assert.deepEqual(a.rows, b.rows);
    assert.ok(Array.from(a.rows).every((i) => d.split[i] === 0));
    assert.equal(new Set(Array.from(a.rows, (i) => d.token[i])).size, 6);
    assert.equal(ev.subsampleRows(d, "test", 10_000, new Rng(1)).x.rows, d.idx.test.length);
  });
});
