import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as ds from "../../lib/stages/10-downstream/index";
import { ridgeProbe } from "../../lib/stats/ridge";
import { rocAuc } from "../../lib/stats/roc";
import { fitLogistic, logisticProbe, predictLogistic } from "../../lib/stats/logistic";
import { makeRng } from "../../lib/runtime/rng";
import type { Panel, TokenInfo } from "../../lib/data/panel";
import type { Matrix } from "../../lib/runtime/matrix";
import { generateMarket } from "../../lib/data/synthetic";
import { prepareDataset } from "../../lib/features/dataset";

const close = (a: number, b: number, tol = 1e-9): boolean => Math.abs(a - b) <= tol;

/**
 * Two tokens. Token A: days 100..107 without day 104 (a missing day); closes 100, 110, 121,
 * 110, [missing], 99, 100, 101; high = close * 1.02, low = close / 1.02 (range ln(1.02^2)).
 * Token B: days 100..102, closes 10, 20, 10.
 */
function tinyPanel(): Panel {
  const tokens: TokenInfo[] = [
    { id: "a", symbol: "A", name: "A", sector: "defi" },
    { id: "b", symbol: "B", name: "B", sector: "meme" },
  ];
  const rows: [number, number, number][] = [
    [0, 100, 100],
    [0, 101, 110],
    [0, 102, 121],
    [0, 103, 110],
    [0, 105, 99],
    [0, 106, 100],
    [0, 107, 101],
    [1, 100, 10],
    [1, 101, 20],
    [1, 102, 10],
  ];
  const n = rows.length;
  const c = Float64Array.from(rows, (r) => r[2]);
  return {
    tokens,
    token: Int32Array.from(rows, (r) => r[0]),
    day: Int32Array.from(rows, (r) => r[1]),
    open: c.slice(),
    high: c.map((v) => v * 1.02),
    low: c.map((v) => v / 1.02),
    close: c,
    volume: new Float64Array(n).fill(1),
    marketCap: new Float64Array(n).fill(NaN),
    anomalyKind: null,
    events: null,
    source: "test",
  };
}

describe("forward targets", () => {
  const p = tinyPanel();
  const t = ds.forwardTargets(p, [1, 2]);
  const dayVol = 2 * Math.log(1.02) * ds.PARKINSON_SCALE;

  test("returns and vols use only the following days, and stop at gaps and token ends", () => {
    assert.ok(close(t.forwardReturn[1]![0]!, Math.log(110 / 100)));
    assert.ok(close(t.forwardReturn[2]![0]!, Math.log(121 / 100)));
    assert.ok(close(t.forwardVol[1]![0]!, dayVol));
    assert.ok(close(t.forwardVol[2]![1]!, dayVol));
    // Day 103 (row 3): day 104 is missing, so no 1- or 2-day future.
    assert.ok(Number.isNaN(t.forwardReturn[1]![3]!) && Number.isNaN(t.forwardVol[1]![3]!));
    // Day 102 (row 2): the 2-day future crosses the gap.
    assert.ok(Number.isFinite(t.forwardReturn[1]![2]!) && Number.isNaN(t.forwardReturn[2]![2]!));
    // The last row of token A must not look into token B.
    assert.ok(Number.isNaN(t.forwardReturn[1]![6]!) && Number.isNaN(t.nextReturn[6]!));
    assert.ok(close(t.nextReturn[7]!, Math.log(2)));
    assert.deepEqual(t.missing, { 1: 3, 2: 6 });
  });

  test("changing a row's own day or its past leaves its targets unchanged (no leakage); changing the next day does not", () => {
    const q = tinyPanel();
    q.high[0] = 300;
    q.low[0] = 1;
    q.close[0] = 100; // row 0's own range
    const u = ds.forwardTargets(q, [1, 2]);
    assert.equal(u.forwardVol[1]![0], t.forwardVol[1]![0]);
    assert.equal(u.forwardVol[2]![1], t.forwardVol[2]![1]);
    q.high[1] = 200;
    const v = ds.forwardTargets(q, [1, 2]);
    assert.notEqual(v.forwardVol[1]![0], t.forwardVol[1]![0]);
  });

  test("the close-to-close estimator uses absolute log returns", () => {
    const c = ds.forwardTargets(p, [1], "close");
    assert.ok(close(c.forwardVol[1]![0]!, Math.log(1.1)));
  });

  test("bad input throws", () => {
    assert.throws(() => ds.forwardTargets(p, [0]), /positive integer/);
    const q = tinyPanel();
    q.day[1] = 100;
    assert.throws(() => ds.forwardTargets(q, [1]), /not sorted/);
  });

  test("PanelIndex finds rows by key", () => {
    const idx = new ds.PanelIndex(p);
    assert.equal(idx.row(0, 105), 4);
    assert.equal(idx.row(0, 104), -1);
    assert.equal(idx.row(1, 99), -1);
    assert.equal(idx.row(5, 100), -1);
    assert.deepEqual(Array.from(idx.rows(Int32Array.of(1, 0), Int32Array.of(102, 100))), [9, 0]);
    const q = tinyPanel();
    q.day[1] = 100;
    assert.throws(() => new ds.PanelIndex(q), /two rows/);
  });
});

/** A representation with y = 2 x0 - x1 + noise over train/validation/test rows. */
function linearProblem(n: number, noise: number, seed: number): { rep: ds.Representation; y: Float64Array } {
  const rng = makeRng(seed);
  const data = new Float32Array(n * 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) data[i * 3 + j] = rng.normal();
    y[i] = 2 * data[i * 3]! - data[i * 3 + 1]! + noise * rng.normal();
  }
  const split = Int8Array.from({ length: n }, (_, i) => (i < n * 0.6 ? 0 : i < n * 0.8 ? 1 : 2));
  return {
    rep: {
      name: "lin",
      X: { data, rows: n, cols: 3 },
      token: new Int32Array(n),
      day: Int32Array.from({ length: n }, (_, i) => i),
      split,
    },
    y,
  };
}

describe("prediction probes", () => {
  test("ridgePredict reproduces ridgeProbe's test error", () => {
    const { rep, y } = linearProblem(300, 0.5, 1);
    const tr = Int32Array.from({ length: 200 }, (_, i) => i);
    const te = Int32Array.from({ length: 100 }, (_, i) => 200 + i);
    const take = (rows: Int32Array): Matrix => ({
      data: Float32Array.from(Array.from(rows).flatMap((i) => Array.from(rep.X.data.subarray(i * 3, i * 3 + 3)))),
      rows: rows.length,
      cols: 3,
    });
    const fit = ridgeProbe(
      take(tr),
      Array.from(tr, (i) => y[i]!),
      take(te),
      Array.from(te, (i) => y[i]!),
      { alpha: 3 },
    );
    const pred = ds.ridgePredict(fit, rep.X, tr);
    let mse = 0;
    for (const i of te) mse += (y[i]! - pred[i]!) ** 2;
    assert.ok(close(mse / te.length, fit.mse, 1e-9));
    assert.ok(close(ds.rSquared(y, pred, te), fit.r2, 1e-9));
  });

  test("regressionProbe finds a linear signal, with an interval around it; pure noise gives R² near zero", () => {
    const { rep, y } = linearProblem(600, 0.5, 2);
    const out = ds.regressionProbe(rep, y, { rng: makeRng(1), nBoot: 100, blockDays: 5 });
    assert.ok(out.testR2 > 0.9, `R² ${out.testR2}`);
    assert.ok(out.ci[0] <= out.testR2 && out.testR2 <= out.ci[1]);
    assert.equal(out.nTrain + out.nValidation + out.nTest, 600);
    const noise = Float64Array.from({ length: 600 }, () => 0).map((_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
    const none = ds.regressionProbe(rep, noise, { rng: makeRng(1), nBoot: 100 });
    assert.ok(none.testR2 < 0.05, `noise R² ${none.testR2}`);
    assert.throws(
      () => ds.regressionProbe(rep, y.subarray(0, 10), { rng: makeRng(1) }),
      /has 600 rows but the target has 10/,
    );
  });

  test("NaN targets are skipped, not used", () => {
    const { rep, y } = linearProblem(300, 0.5, 3);
    const holed = y.slice();
    for (let i = 0; i < 300; i += 3) holed[i] = NaN;
    const out = ds.regressionProbe(rep, holed, { rng: makeRng(1), nBoot: 20 });
    assert.equal(out.nTrain + out.nValidation + out.nTest, 200);
  });

  test("the Newton logistic fit agrees with the project's L-BFGS probe", () => {
    const rng = makeRng(4);
    const n = 400;
    const data = new Float32Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      data[i * 2] = rng.normal();
      data[i * 2 + 1] = rng.normal();
      y[i] = rng.uniform() < 1 / (1 + Math.exp(-(1.5 * data[i * 2]! - 0.5 * data[i * 2 + 1]!))) ? 1 : 0;
    }
    const X: Matrix = { data, rows: n, cols: 2 };
    const rows = Int32Array.from({ length: 300 }, (_, i) => i);
    const fit = fitLogistic(X, y, rows);
    assert.ok(fit.converged);
    const p = predictLogistic(fit, X);
    let correct = 0;
    for (let i = 300; i < n; i++) if ((p[i]! > 0.5 ? 1 : 0) === y[i]) correct++;
    const ref = logisticProbe(
      { data: data.subarray(0, 600), rows: 300, cols: 2 },
      y.subarray(0, 300),
      { data: data.subarray(600), rows: 100, cols: 2 },
      y.subarray(300),
    );
    assert.ok(close(correct / 100, ref.accuracy, 0.011), `Newton ${correct / 100} vs L-BFGS ${ref.accuracy}`);
    assert.throws(() => fitLogistic(X, new Float64Array(n), rows), /both classes/);
  });

  test("classificationProbe: skill on a learnable label, none on a coin flip", () => {
    const { rep, y } = linearProblem(1000, 0.3, 5);
    const up = y.map((v) => (v > 0 ? 1 : 0));
    const good = ds.classificationProbe(rep, up, { rng: makeRng(1), nBoot: 100, blockDays: 10 });
    assert.ok(good.accuracy > 0.85 && good.edge > 0.3 && good.edgeCi[0] > 0 && good.auc > 0.9);
    // The probe's AUC (computed on resampling weights) equals the plain rank AUC of the same fit.
    const tr = Int32Array.from({ length: 600 }, (_, i) => i);
    const p = predictLogistic(fitLogistic(rep.X, up, tr, { l2: ds.BINARY_PROBE_L2 }), rep.X);
    const te = Array.from({ length: 200 }, (_, k) => 800 + k);
    assert.ok(
      close(
        good.auc,
        rocAuc(
          te.map((i) => p[i]!),
          te.map((i) => up[i]!),
        )!,
        1e-12,
      ),
    );
    const rng = makeRng(9);
    const coin = y.map(() => (rng.uniform() < 0.5 ? 1 : 0));
    const bad = ds.classificationProbe(rep, coin, { rng: makeRng(1), nBoot: 200, blockDays: 10 });
    assert.ok(bad.aucCi[0] < 0.5 && bad.aucCi[1] > 0.5, `coin-flip AUC interval ${bad.aucCi}`);
  });
});

describe("clustering", () => {
  test("k-means recovers well-separated blobs, reproducibly, with stable numbering", () => {
    const rng = makeRng(2);
    const centres = [
      [0, 0],
      [10, 0],
      [0, 10],
    ];
    const truth: number[] = [];
    const data = new Float32Array(90 * 2);
    for (let i = 0; i < 90; i++) {
      const c = i % 3;
      truth.push(c);
      data[i * 2] = centres[c]![0]! + rng.normal() * 0.5;
      data[i * 2 + 1] = centres[c]![1]! + rng.normal() * 0.5;
    }
    const X: Matrix = { data, rows: 90, cols: 2 };
    const a = ds.kmeans(X, 3, makeRng(1));
    assert.equal(ds.adjustedRandIndex(a.labels, truth), 1);
    assert.deepEqual(Array.from(a.labels.subarray(0, 3)), [0, 1, 2], "clusters are numbered by first appearance");
    assert.deepEqual(a, ds.kmeans(X, 3, makeRng(1)));
    assert.ok(a.converged);
    assert.throws(() => ds.kmeans(X, 91, makeRng(1)), /cannot form 91 clusters/);
    assert.throws(() => ds.kmeans({ data: Float32Array.of(NaN, 1), rows: 1, cols: 2 }, 1, makeRng(1)), /NaN/);
  });

  test("adjusted Rand index matches sklearn", () => {
    assert.ok(close(ds.adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]), 0.5714285714285714));
    assert.ok(close(ds.adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]), -0.5));
    assert.ok(close(ds.adjustedRandIndex([0, 0, 0, 1, 1, 1, 2, 2], [1, 1, 0, 0, 2, 2, 2, 2]), 0.18181818181818182));
    assert.equal(ds.adjustedRandIndex(["x", "x", "y"], [5, 5, 7]), 1);
  });

  test("token profiles average the training rows of each token", () => {
    const rep: ds.Representation = {
      name: "r",
      X: { data: Float32Array.of(1, 2, 3, 4, 100, 100, 5, 6), rows: 4, cols: 2 },
      token: Int32Array.of(0, 0, 0, 1),
      day: Int32Array.of(1, 2, 3, 1),
      split: Int8Array.of(0, 0, 2, 0),
    };
    const p = ds.tokenProfiles(rep);
    assert.deepEqual(Array.from(p.tokens), [0, 1]);
    assert.deepEqual(Array.from(p.profiles.data), [2, 3, 5, 6]);
    assert.deepEqual(Array.from(ds.tokenProfiles(rep, { minRows: 2 }).tokens), [0]);
  });
});

describe("group risk", () => {
  /** 4 tokens over 60 days: tokens 0 and 1 share one factor, 2 and 3 another (independent of the first). */
  function grid(): ds.ReturnGrid {
    const rng = makeRng(3);
    const nd = 60;
    const returns = new Float64Array(4 * nd);
    for (let q = 0; q < nd; q++) {
      const f = rng.normal() * 0.02,
        g = rng.normal() * 0.05;
      returns[q] = f + rng.normal() * 0.002;
      returns[nd + q] = f + rng.normal() * 0.002;
      returns[2 * nd + q] = g + rng.normal() * 0.002;
      returns[3 * nd + q] = g + rng.normal() * 0.002;
    }
    return { days: Int32Array.from({ length: nd }, (_, q) => q), tokens: Int32Array.of(0, 1, 2, 3), returns };
  }

  test("the right grouping has high within- and low between-group correlation, and beats random groupings", () => {
    const g = grid();
    const corr = ds.pairwiseCorrelations(g);
    const right = ds.groupingRisk(g, [0, 0, 1, 1], corr);
    const wrong = ds.groupingRisk(g, [0, 1, 0, 1], corr);
    assert.ok(right.withinCorrelation > 0.95 && Math.abs(right.betweenCorrelation) < 0.3);
    assert.ok(wrong.withinCorrelation < 0.3);
    assert.ok(right.volDispersion > 0.5, "the 0.05-vol pair and the 0.02-vol pair have different portfolio vols");
    assert.equal(right.groups.length, 2);
    assert.ok(right.groups[1]!.annualVol > right.groups[0]!.annualVol);
    const random = ds.randomGroupingBaseline(g, [0, 0, 1, 1], corr, 50, makeRng(1));
    assert.ok(random.within.mean < right.withinCorrelation);
    assert.throws(() => ds.groupingRisk(g, [0, 0, 1], corr), /3 labels for 4 tokens/);
  });

  test("max drawdown and portfolio returns", () => {
    assert.ok(close(ds.maxDrawdown([0.1, -0.5, 0.2]), 0.5));
    assert.equal(ds.maxDrawdown([0.1, 0.2]), 0);
    const g: ds.ReturnGrid = {
      days: Int32Array.of(0, 1),
      tokens: Int32Array.of(0, 1),
      returns: Float64Array.of(Math.log(1.1), NaN, Math.log(0.9), Math.log(1.2)),
    };
    const port = ds.groupPortfolioReturns(g, [0, 0]);
    assert.ok(close(port[0]![0]!, 0) && close(port[0]![1]!, 0.2), "day 0 averages +10% and -10%; day 1 has one member");
  });

  test("dominantLabel names the most frequent member label", () => {
    assert.equal(ds.dominantLabel([0, 0, 1, 0], 0, ["x", "y", "z", "y"]), "y (2/3)");
  });
});

describe("VaR backtest", () => {
  test("Kupiec's statistic and p-value match scipy", () => {
    const a = ds.kupiecTest(250, 10, 0.05);
    assert.ok(close(a.lr, 0.5633529100175991, 1e-9) && close(a.pValue, 0.4529124499351952, 1e-6));
    const b = ds.kupiecTest(500, 40, 0.05);
    assert.ok(close(b.lr, 8.079040952278433, 1e-9) && close(b.pValue, 0.004478013824518449, 1e-6));
    assert.equal(ds.kupiecTest(100, 5, 0.05).pValue, 1);
    assert.ok(ds.kupiecTest(100, 0, 0.05).lr > 0);
    assert.throws(() => ds.kupiecTest(10, 11, 0.05), /exceedances 11/);
  });

  /** Returns r = sigma z with z ~ N(0,1), sigma varying by row; forecasts log sigma (+ bias). */
  function varData(bias: number) {
    const rng = makeRng(11);
    const n = 6000;
    const logVol = new Float64Array(n),
      next = new Float64Array(n),
      sig = new Float64Array(n);
    const split = Int8Array.from({ length: n }, (_, i) => (i < 2000 ? 0 : i < 4000 ? 1 : 2));
    const token = Int32Array.from({ length: n }, (_, i) => i % 20);
    const day = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 20));
    for (let i = 0; i < n; i++) {
      sig[i] = 0.01 + 0.05 * rng.uniform();
      next[i] = sig[i]! * rng.normal();
      // On the test split the forecast is off by `bias` in logs; validation is calibrated.
      logVol[i] = Math.log(sig[i]!) + (split[i] === 2 ? bias : 0);
    }
    return { logVol, next, split, token, day };
  }

  test("a calibrated forecast passes, a too-low one is rejected with more exceedances", () => {
    const ok = varData(0);
    const good = ds.varBacktest("good", ok.logVol, ok.next, ok.split, ok.token, ok.day);
    assert.ok(Math.abs(good.rate - 0.05) < 0.015 && good.kupiecP > 0.01, `rate ${good.rate}, p ${good.kupiecP}`);
    assert.ok(close(good.zQuantile, -1.645, 0.15));
    assert.ok(good.esRatio > 0.8 && good.esRatio < 1.25);
    const low = varData(Math.log(0.6));
    const bad = ds.varBacktest("low", low.logVol, low.next, low.split, low.token, low.day);
    assert.ok(bad.rate > 0.1 && bad.kupiecP < 1e-6);
    assert.ok(bad.tokensRejected > good.tokensRejected);
    assert.throws(
      () => ds.varBacktest("x", ok.logVol, ok.next.subarray(1), ok.split, ok.token, ok.day),
      /different lengths/,
    );
  });
});

describe("representations and suites on a simulated market", () => {
  const { panel } = generateMarket({ nTokens: 16, nDays: 360, anomalyRate: 0 }, 7);
  const { dataset: d } = prepareDataset(panel, { windowLength: 8 });

  test("a frame without a split is refused; concatenation aligns by key", () => {
    assert.throws(
      () =>
        ds.representationFromFrame(
          {
            model: "ae",
            token: new Int32Array(1),
            day: new Int32Array(1),
            latents: { data: new Float32Array(1), rows: 1, cols: 1 },
          },
          "AE",
        ),
      /no split column/,
    );
    const raw = ds.featureRepresentation(d, "raw");
    const har = ds.harRepresentation({
      raw: d.raw,
      token: d.token,
      day: d.day,
      split: d.split,
      featureNames: d.meta.featureNames,
    });
    const sub = ds.subsetRows(
      har,
      Int32Array.from({ length: 50 }, (_, i) => i * 3),
    );
    const both = ds.concatRepresentations(raw, sub, "both");
    assert.equal(both.X.rows, 50);
    assert.equal(both.X.cols, raw.X.cols + 3);
    const k = 7;
    const rawRow = raw.token.findIndex((t, i) => t === both.token[k] && raw.day[i] === both.day[k]);
    assert.deepEqual(
      Array.from(both.X.data.subarray(k * both.X.cols, k * both.X.cols + raw.X.cols)),
      Array.from(raw.X.data.subarray(rawRow * raw.X.cols, (rawRow + 1) * raw.X.cols)),
    );
    assert.throws(
      () =>
        ds.harRepresentation({
          raw: d.raw,
          token: d.token,
          day: d.day,
          split: d.split,
          featureNames: d.meta.featureNames.map((f) => f + "_x"),
        }),
      /hl_range, vol_10d, vol_30d are missing/,
    );
  });

  test("prediction suite: HAR forecasts volatility out of sample; a representation holding the target itself is perfect", () => {
    const index = new ds.PanelIndex(panel);
    const targets = ds.forwardTargets(panel, [1, 5]);
    const keep = (t: number) => panel.tokens[t]!.sector !== "stablecoin";
    const har = ds.filterTokens(
      ds.harRepresentation({
        raw: d.raw,
        token: d.token,
        day: d.day,
        split: d.split,
        featureNames: d.meta.featureNames,
      }),
      keep,
    );
    // An oracle: the 5-day log-vol target itself as the input (what a leak would look like).
    const oracleY = ds.rowTargets(har, targets, index).logVol[5]!;
    const finite = Int32Array.from(Array.from(oracleY.keys()).filter((i) => Number.isFinite(oracleY[i]!)));
    const base = ds.subsetRows(har, finite);
    const oracle: ds.Representation = {
      ...base,
      name: "oracle",
      X: { data: Float32Array.from(finite, (i) => oracleY[i]!), rows: finite.length, cols: 1 },
    };
    const suite = ds.predictionSuite([har, oracle], har, targets, index, {
      rng: makeRng(1),
      nBoot: 50,
      volHorizons: [1, 5],
      directionHorizon: 5,
    });
    const h5 = suite.volatility.find((v) => v.horizon === 5)!;
    assert.ok(h5.alone[0]!.testR2 > 0.1, `HAR 5-day R² ${h5.alone[0]!.testR2}`);
    assert.ok(h5.alone[1]!.testR2 > 0.99);
    assert.ok(h5.withBenchmark[0]!.gain > 0.3 && h5.withBenchmark[0]!.gainCi[0] > 0);
    assert.equal(suite.direction.length, 2);
    const vars = ds.varSuite(suite.forecasts);
    assert.equal(vars[0]!.representation, "constant (no model)");
    assert.equal(vars.length, 1 + suite.forecasts.length);
    assert.ok(vars.every((v) => v.nTest > 0));
  });

  test("risk suite: sector groups of a factor market are more coherent than random groups", () => {
    const raw = ds.featureRepresentation(d, "raw");
    const b = d.meta.boundaries;
    const day = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
    const r = ds.riskSuite(
      [raw],
      panel,
      (t) => panel.tokens[t]!.sector ?? "unknown",
      day(b.testStart),
      day(b.testEnd),
      { rng: makeRng(1), randomDraws: 50, minTrainRows: 10 },
    );
    assert.equal(r.groupings.length, 2);
    assert.equal(r.groupings[0]!.name, "sectors");
    assert.ok(
      r.groupings[0]!.risk.withinCorrelation > r.random.within.mean,
      `sectors ${r.groupings[0]!.risk.withinCorrelation} vs random ${r.random.within.mean}`,
    );
    assert.equal(r.groupings[1]!.labels.length, r.grid.tokens.length);
    assert.ok(r.k >= 2);
  });
});
