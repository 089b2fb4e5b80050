import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mean, pearson, pearsonComplete, quantileSorted, spearman, std } from "../../lib/stats/descriptive";
import { rocAuc, prAuc, weightedRocAuc } from "../../lib/stats/roc";
import { choleskySolve, crossProduct } from "../../lib/stats/linalg";
import { ridgePath, ridgeProbe } from "../../lib/stats/ridge";
import { Rng } from "../../lib/runtime/rng";
import { lbfgs } from "../../lib/stats/optimise";
import { fitLogistic, predictLogistic } from "../../lib/stats/logistic";
import { percentileInterval } from "../../lib/stats/bootstrap";
import { matrix } from "../../lib/runtime/matrix";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe("descriptive edge cases", () => {
  test("mean and std: empty gives NaN, NaN propagates", () => {
    assert.ok(Number.isNaN(mean([])));
    assert.ok(Number.isNaN(std([3], 1)));
    assert.ok(Number.isNaN(mean([1, NaN, 3])));
    close(std([1, 2, 3, 4], 1), Math.sqrt(5 / 3));
  });

  test("quantileSorted: empty throws, single value, interpolation", () => {
    assert.throws(() => quantileSorted([], 0.5), /empty/);
    assert.throws(() => quantileSorted([1, 2], 1.5), /\[0, 1\]/);
    assert.equal(quantileSorted([7], 0.9), 7);
    assert.equal(quantileSorted([10, 20, 30, 40], 0.5), 25);
  });

  test("spearman: ties get average ranks, empty and NaN throw, constant gives NaN", () => {
    close(spearman([1, 2, 2, 3], [1, 3, 3, 4]), 1);
    close(spearman([1, 2, 3], [3, 2, 1]), -1);
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
    assert.throws(() => spearman([], []), /empty/);
    assert.throws(() => spearman([1, NaN], [1, 2]));
  });
});

describe("ROC and PR", () => {
  test("all tied scores give AUC 0.5; empty labels give null; NaN scores throw", () => {
    assert.equal(rocAuc([0.3, 0.3, 0.3, 0.3], [0, 1, 0, 1]), 0.5);
    assert.equal(rocAuc([1, 2], null), null);
    assert.equal(prAuc([1, 2], [0, 0]), null);
    assert.throws(() => rocAuc([1, NaN], [0, 1]));
  });

  test("weightedRocAuc with unit weights equals rocAuc; weights act as multiplicities", () => {
    const s = Float64Array.from([0.1, 0.4, 0.35, 0.8, 0.4, 0.2]);
    const y = Float64Array.from([0, 0, 1, 1, 1, 0]);
    const order = Int32Array.from({ length: 6 }, (_, i) => i).sort((a, b) => s[a]! - s[b]!);
    close(weightedRocAuc(order, s, y, new Float64Array(6).fill(1)), rocAuc(s, y)!, 1e-12);
    const w = Float64Array.from([2, 1, 1, 1, 3, 1]);
    const rep = (v: Float64Array) => Array.from(v).flatMap((x, i) => Array<number>(w[i]!).fill(x));
    close(weightedRocAuc(order, s, y, w), rocAuc(rep(s), rep(y))!, 1e-12);
    assert.ok(Number.isNaN(weightedRocAuc(order, s, new Float64Array(6), w)));
  });
});

describe("linear algebra and optimisers", () => {
  test("choleskySolve solves an SPD system; singular matrices throw or clamp", () => {
    const A = Float64Array.from([4, 2, 2, 3]);
    const x = choleskySolve(A, Float64Array.from([2, 1]), 2);
    close(4 * x[0]! + 2 * x[1]!, 2);
    close(2 * x[0]! + 3 * x[1]!, 1);
    const singular = Float64Array.from([1, 1, 1, 1]);
    assert.throws(() => choleskySolve(singular, Float64Array.from([1, 1]), 2, { context: "probe" }), /^Error: probe: /);
    const clamped = choleskySolve(singular, Float64Array.from([1, 1]), 2, { singular: "clamp" });
    assert.equal(clamped.length, 2);
  });

  test("lbfgs finds the minimum of a convex quadratic", () => {
    const f = (v: Float64Array, g: Float64Array) => {
      g[0] = 2 * (v[0]! - 3);
      g[1] = 20 * (v[1]! + 1);
      return (v[0]! - 3) ** 2 + 10 * (v[1]! + 1) ** 2;
    };
    const r = lbfgs(f, new Float64Array(2), 100, 1e-10);
    assert.ok(r.converged);
    close(r.x[0]!, 3, 1e-6);
    close(r.x[1]!, -1, 1e-6);
  });

  test("fitLogistic separates a noisy 1-D problem and rejects a single class", () => {
    const xs = Array.from({ length: 40 }, (_, i) => i / 4 - 5);
    const y = xs.map((v, i) => (v + (i % 3 === 0 ? 0.7 : -0.4) > 0 ? 1 : 0));
    const X = matrix(Float32Array.from(xs), 40, 1);
    const rows = Int32Array.from({ length: 40 }, (_, i) => i);
    const fit = fitLogistic(X, y, rows);
    assert.ok(fit.converged && fit.weights[0]! > 0);
    const p = predictLogistic(fit, X);
    assert.ok(p[0]! < 0.1 && p[39]! > 0.9);
    assert.throws(() => fitLogistic(X, new Array(40).fill(1), rows), /both classes/);
  });
});

describe("cross products and the ridge path", () => {
  const rng = new Rng(3);
  const n = 40,
    d = 4;
  const x = Float64Array.from({ length: n * d }, () => rng.normal());
  test("AᵀA (symmetric path) equals the general AᵀB with a copy of A", () => {
    const sym = crossProduct(x, d, x, d, n);
    const general = crossProduct(x, d, Float64Array.from(x), d, n);
    for (let k = 0; k < d * d; k++) assert.ok(Math.abs(sym[k]! - general[k]!) < 1e-12);
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) assert.equal(sym[r * d + c], sym[c * d + r]);
  });
  test("ridgePath.probe gives what ridgeProbe gives, for every penalty", () => {
    const X = matrix(Float32Array.from(x), n, d);
    const y = Float64Array.from({ length: n }, (_, i) => x[i * d]! - 2 * x[i * d + 2]! + 0.1 * rng.normal());
    const Xt = matrix(Float32Array.from(x.subarray(0, 20 * d)), 20, d);
    const yt = y.subarray(0, 20);
    const path = ridgePath(X, y);
    for (const alpha of [0, 0.1, 10, 1000]) {
      const a = path.probe(alpha, Xt, yt);
      const b = ridgeProbe(X, y, Xt, yt, { alpha });
      assert.equal(a.r2, b.r2);
      assert.deepEqual(Array.from(a.coefficients), Array.from(b.coefficients));
    }
    assert.throws(() => path.probe(-1, Xt, yt), /alpha must be >= 0, got -1/);
    assert.throws(() => path.probe(1, Xt, y), /yTest has 40 values but Xtest has 20 rows/);
  });
});

describe("bootstrap percentile interval", () => {
  test("NaN replicates are dropped; none left gives NaN bounds", () => {
    const i = percentileInterval(1, [NaN, 0, 1, 2, 3, 4], 0.5);
    assert.equal(i.lo, 1);
    assert.equal(i.hi, 3);
    const none = percentileInterval(1, [NaN], 0.05);
    assert.ok(Number.isNaN(none.lo) && Number.isNaN(none.hi));
  });
});

describe("pearsonComplete", () => {
  test("skips pairs with a gap on either side and matches pearson on the rest", () => {
    const a = [1, 2, Number.NaN, 4, 5, 7];
    const b = [2, 1, 3, Number.NaN, 6, 8];
    const { r, n } = pearsonComplete(a, b, 3);
    assert.equal(n, 4);
    assert.ok(Math.abs(r - pearson([1, 2, 5, 7], [2, 1, 6, 8])) < 1e-12);
  });
  test("NaN below minPairs, for a constant side, and outside the window", () => {
    assert.ok(Number.isNaN(pearsonComplete([1, 2, 3], [3, 2, 1], 4).r));
    assert.ok(Number.isNaN(pearsonComplete([1, 1, 1, 1], [1, 2, 3, 4], 2).r));
    const w = pearsonComplete([9, 1, 2, 3, -9], [0, 1, 2, 3, 0], 3, 1, 4);
    assert.equal(w.n, 3);
    assert.ok(Math.abs(w.r - 1) < 1e-12);
  });
});
