import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  applyGroupThresholds,
  applyThreshold,
  fitThreshold,
  gpdFit,
  gpdLogLikelihood,
  gpdTailQuantile,
  groupThresholds,
  madThreshold,
  percentileThreshold,
  potThreshold,
} from "../../lib/anomaly/thresholds";
import { Rng } from "../../lib/runtime/rng";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

/** n draws from GPD(shape, scale) by the inverse CDF. */
function gpdSample(n: number, shape: number, scale: number, seed: number): number[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => {
    const u = r.uniform();
    return shape === 0 ? -scale * Math.log1p(-u) : (scale / shape) * (Math.pow(1 - u, -shape) - 1);
  });
}

describe("percentileThreshold", () => {
  test("linear interpolation (numpy percentile)", () => {
    // numpy.percentile(1..10, 95) = 9.55; scores above it: only 10.
    const t = percentileThreshold([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95);
    close(t.threshold, 9.55);
    close(t.expectedRate, 0.05);
    assert.equal(t.trainRate, 0.1);
    assert.equal(t.nTrain, 10);
    assert.equal(t.method, "percentile");
  });
  test("all-equal scores: threshold is the value, with a warning", () => {
    const t = percentileThreshold([2, 2, 2, 2], 0.99);
    assert.equal(t.threshold, 2);
    assert.equal(t.trainRate, 0);
    assert.match(t.warnings[0]!, /All 4 training scores equal 2/);
  });
  test("ties at the threshold are reported", () => {
    const scores = [...new Array(95).fill(1), 2, 3, 4, 5, 6];
    const t = percentileThreshold(scores, 0.9);
    assert.equal(t.threshold, 1);
    assert.equal(t.trainRate, 0.05);
    const t2 = percentileThreshold([...new Array(900).fill(0), ...new Array(100).fill(1)], 0.95);
    assert.equal(t2.trainRate, 0);
    assert.match(t2.warnings.join(" "), /Ties at the threshold/);
  });
  test("bad input", () => {
    assert.throws(() => percentileThreshold([1, 2], 95), /pass 0.99/);
    assert.throws(() => percentileThreshold([], 0.9), /trainScores is empty/);
    assert.throws(() => percentileThreshold([1, NaN], 0.9), /trainScores\[1\] is NaN/);
  });
});

describe("madThreshold", () => {
  test("median + k * 1.4826 * MAD by hand", () => {
    // [1, 2, 3, 4, 100]: median 3, |dev| = [2, 1, 0, 1, 97] -> MAD 1; k = 3 -> 3 + 4.4478.
    const t = madThreshold([1, 2, 3, 4, 100], 3);
    close(t.threshold, 3 + 3 * 1.4826);
    assert.equal(t.params.median, 3);
    assert.equal(t.params.mad, 1);
    assert.equal(t.trainRate, 0.2);
    close(t.expectedRate, 0.0013498980316301, 1e-8);
  });
  test("MAD 0 and all-equal scores warn instead of dividing by zero", () => {
    const t = madThreshold([5, 5, 5, 5, 9], 3);
    assert.equal(t.threshold, 5);
    assert.match(t.warnings[0]!, /MAD is 0/);
    const e = madThreshold([1, 1, 1], 2);
    assert.equal(e.threshold, 1);
    assert.match(e.warnings[0]!, /All 3 training scores equal 1/);
  });
  test("normal scores flag about the normal tail", () => {
    const r = new Rng(3);
    const s = Array.from({ length: 50000 }, () => r.normal());
    const t = madThreshold(s, 2);
    // P(Z > 2) = 0.02275.
    assert.ok(Math.abs(t.trainRate - 0.02275) < 0.003, `rate ${t.trainRate}`);
  });
  test("bad k", () => {
    assert.throws(() => madThreshold([1, 2], 0), /k must be a positive/);
  });
});

describe("gpdFit", () => {
  test("recovers shape 0.2 and scale 1 from 5000 draws", () => {
    const f = gpdFit(gpdSample(5000, 0.2, 1, 11));
    // Standard errors ~ (1 + xi) / sqrt(n) = 0.017 (shape) and ~0.022 (scale).
    assert.ok(Math.abs(f.shape - 0.2) < 0.05, `shape ${f.shape}`);
    assert.ok(Math.abs(f.scale - 1) < 0.1, `scale ${f.scale}`);
    assert.equal(f.n, 5000);
  });
  test("recovers an exponential (shape 0) and a bounded tail (shape -0.3)", () => {
    const e = gpdFit(gpdSample(5000, 0, 2, 12));
    assert.ok(Math.abs(e.shape) < 0.05, `shape ${e.shape}`);
    assert.ok(Math.abs(e.scale - 2) < 0.2, `scale ${e.scale}`);
    const b = gpdFit(gpdSample(5000, -0.3, 1, 13));
    assert.ok(Math.abs(b.shape + 0.3) < 0.05, `shape ${b.shape}`);
    assert.ok(Math.abs(b.scale - 1) < 0.1, `scale ${b.scale}`);
  });
  test("reaches at least scipy's likelihood on a fixed sample", () => {
    // Quasi-random GPD(0.25, 2) sample; scipy.stats.genpareto.fit(y, floc=0) gives
    // c = 0.24951303893576265, scale = 2.008045202641099, log-likelihood -778.672590894055.
    const y = Array.from({ length: 400 }, (_, k) => {
      const u = ((k + 1) * 0.6180339887498949) % 1.0;
      return (2 / 0.25) * (Math.pow(1 - u, -0.25) - 1);
    });
    const f = gpdFit(y);
    close(f.shape, 0.24951303893576265, 2e-3);
    close(f.scale, 2.008045202641099, 2e-3);
    assert.ok(f.logLikelihood >= -778.672590894055 - 1e-9, `ll ${f.logLikelihood}`);
    close(f.logLikelihood, gpdLogLikelihood(y, f.shape, f.scale), 1e-9);
  });
  test("log-likelihood is -Infinity outside the support", () => {
    assert.equal(gpdLogLikelihood([1, 5], -0.5, 1), -Infinity);
    // Exponential with scale 1: -sum(y).
    close(gpdLogLikelihood([1, 2], 0, 1), -3);
  });
  test("bad input", () => {
    assert.throws(() => gpdFit([1]), /at least 2/);
    assert.throws(() => gpdFit([0, 0, 0]), /All 3 excesses are 0/);
    assert.throws(() => gpdFit([1, -1]), /excesses\[1\] is -1/);
  });
});

describe("potThreshold", () => {
  test("tail quantile formula and its shape-0 limit", () => {
    // u = 10, 5% above u, target 0.5%: ratio 0.1.
    close(gpdTailQuantile(10, 0.5, 2, 0.05, 0.005), 10 + (2 / 0.5) * (Math.pow(0.1, -0.5) - 1));
    close(gpdTailQuantile(10, 0, 2, 0.05, 0.005), 10 + 2 * Math.log(10));
    close(gpdTailQuantile(10, 1e-12, 2, 0.05, 0.005), 10 + 2 * Math.log(10), 1e-9);
  });
  test("on exact GPD data the threshold is near the true quantile", () => {
    // Scores GPD(0.2, 1) from 0: P(X > x) = (1 + 0.2 x)^-5. The 1e-4 quantile is 5 (10^0.8 - 1) = 26.55.
    const scores = gpdSample(100000, 0.2, 1, 21);
    const t = potThreshold(scores, { targetRate: 1e-4, initialQuantile: 0.95 });
    assert.equal(t.fallback, undefined);
    assert.equal(t.nExceedances, 5000);
    assert.ok(Math.abs(t.shape - 0.2) < 0.06, `shape ${t.shape}`);
    const truth = 5 * (Math.pow(10, 0.8) - 1);
    assert.ok(Math.abs(t.threshold - truth) / truth < 0.15, `threshold ${t.threshold} vs ${truth}`);
    assert.equal(t.expectedRate, 1e-4);
    assert.ok(t.trainRate < 5e-4);
    assert.deepEqual(t.warnings, []);
  });
  test("falls back to the empirical quantile with too few excesses", () => {
    const scores = Array.from({ length: 300 }, (_, i) => i);
    const t = potThreshold(scores, { targetRate: 0.01, initialQuantile: 0.98 });
    // u = 0.98 * 299 = 293.02: the 6 scores 294..299 exceed it, fewer than 20.
    assert.equal(t.nExceedances, 6);
    assert.match(t.fallback!, /only 6 training scores exceed/);
    assert.match(t.warnings[0]!, /fell back to the empirical 99.000% quantile/);
    close(t.threshold, 0.99 * 299);
    assert.ok(Number.isNaN(t.shape));
  });
  test("falls back when the target rate is not in the tail", () => {
    const scores = gpdSample(2000, 0.1, 1, 5);
    const t = potThreshold(scores, { targetRate: 0.05, initialQuantile: 0.98 });
    assert.match(t.fallback!, /not in the tail/);
  });
  test("all-equal scores: threshold is the value, no division by zero", () => {
    const t = potThreshold(new Array(1000).fill(0.5), { targetRate: 0.001 });
    assert.equal(t.threshold, 0.5);
    assert.equal(t.nExceedances, 0);
    assert.match(t.fallback!, /all 1000 training scores equal 0.5/);
  });
  test("bad options", () => {
    assert.throws(() => potThreshold([1, 2, 3], { targetRate: 0 }), /targetRate/);
    assert.throws(() => potThreshold([1, 2, 3], { targetRate: 0.01, initialQuantile: 1 }), /initialQuantile/);
    assert.throws(() => potThreshold([1, 2, 3], { targetRate: 0.01, minExceedances: 1 }), /minExceedances/);
  });
});

describe("applying thresholds", () => {
  test("flags strictly above, observed vs expected rate", () => {
    const thr = percentileThreshold([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.8);
    // Threshold 8.2: of [1, 9, 8.2, 20] flags 9 and 20.
    const a = applyThreshold([1, 9, 8.2, 20], thr);
    close(thr.threshold, 8.2);
    assert.deepEqual([...a.flags], [0, 1, 0, 1]);
    assert.equal(a.observedRate, 0.5);
    close(a.expectedRate, 0.2);
  });
  test("NaN scores are counted, not flagged; bare numbers work", () => {
    const a = applyThreshold([NaN, 5, 1, Infinity], 2);
    assert.deepEqual([...a.flags], [0, 1, 0, 1]);
    assert.equal(a.nNaN, 1);
    close(a.observedRate, 2 / 3);
    assert.ok(Number.isNaN(a.expectedRate));
  });
  test("empty scores and NaN threshold throw", () => {
    assert.throws(() => applyThreshold([], 1), /empty/);
    assert.throws(() => applyThreshold([1], NaN), /threshold is NaN/);
  });
  test("fitThreshold dispatches on the spec", () => {
    const s = [1, 2, 3, 4, 5];
    assert.equal(fitThreshold(s, { method: "percentile", q: 0.5 }).threshold, 3);
    assert.equal(fitThreshold(s, { method: "mad", k: 1 }).method, "mad");
    assert.throws(() => fitThreshold(s, { method: "zscore" } as never), /Unknown threshold method "zscore"/);
  });
});

describe("per-group thresholds", () => {
  // Group 0: 300 rows on scale 1; group 1: 300 rows on scale 10; group 2: 50 rows (small).
  const scores: number[] = [];
  const groups: number[] = [];
  const r = new Rng(8);
  for (const [g, n, scale] of [
    [0, 300, 1],
    [1, 300, 10],
    [2, 50, 5],
  ] as const) {
    for (let i = 0; i < n; i++) {
      scores.push(scale * r.uniform());
      groups.push(g);
    }
  }
  const gt = groupThresholds(scores, groups, { method: "percentile", q: 0.9 }, { minGroupSize: 100 });
  test("own threshold for large groups, global fallback for small ones", () => {
    assert.deepEqual(
      gt.groups.map((g) => g.source),
      ["group", "group", "global"],
    );
    assert.equal(gt.nGlobalFallback, 1);
    assert.ok(gt.groups[0]!.threshold > 0.8 && gt.groups[0]!.threshold < 1);
    assert.ok(gt.groups[1]!.threshold > 8 && gt.groups[1]!.threshold < 10);
    assert.equal(gt.groups[2]!.threshold, gt.global.threshold);
    assert.match(gt.groups[2]!.reason!, /50 training rows < minGroupSize 100/);
  });
  test("applied per group, unseen groups use the global threshold", () => {
    const a = applyGroupThresholds([0.95, 0.5, 9.5, 5, 1e6, NaN], [0, 0, 1, 1, 7, 7], gt);
    assert.deepEqual([...a.flags], [1, 0, 1, 0, 1, 0]);
    assert.equal(a.nUnseenGroupRows, 2);
    assert.equal(a.nNaN, 1);
    close(a.observedRate, 3 / 5);
    assert.deepEqual(
      a.perGroup.map((p) => [p.group, p.n, p.nFlagged]),
      [
        [0, 2, 1],
        [1, 2, 1],
        [7, 2, 1],
      ],
    );
    close(a.perGroup[2]!.observedRate, 1);
    close(a.expectedRate, 0.1, 1e-12);
  });
  test("training rates match the rule on the training data", () => {
    const a = applyGroupThresholds(scores, groups, gt);
    assert.ok(Math.abs(a.observedRate - 0.1) < 0.03, `rate ${a.observedRate}`);
  });
  test("POT groups whose fit falls back use the global threshold", () => {
    const p = groupThresholds(
      scores,
      groups,
      { method: "pot", targetRate: 0.001, initialQuantile: 0.9 },
      { minGroupSize: 10 },
    );
    // Groups 0 and 1 have 30 excesses over their 90% quantile; group 2 (50 rows) has 5 (< 20).
    assert.deepEqual(
      p.groups.map((g) => g.source),
      ["group", "group", "global"],
    );
    assert.match(p.groups[2]!.reason!, /only 5 training scores exceed/);
    assert.equal(p.groups[2]!.own!.method, "pot");
  });
  test("bad input", () => {
    assert.throws(() => groupThresholds([1, 2], [0], { method: "mad", k: 3 }), /align/);
    assert.throws(() => groupThresholds([1, 2], [0, 0.5], { method: "mad", k: 3 }), /trainGroups\[1\] is 0.5/);
    assert.throws(() => groupThresholds([1, 2], [0, 0], { method: "mad", k: 3 }, { minGroupSize: 0 }), /minGroupSize/);
    assert.throws(() => applyGroupThresholds([1], [0, 1], gt), /align/);
  });
});
