import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  correlationMatrix,
  knnIndices,
  knnOverlap,
  linearCKA,
  silhouette,
  trainTestSplit,
  trustworthiness,
} from "../../lib/latent/metrics";
import { ridgeProbe } from "../../lib/stats/ridge";
import { classificationScores, logisticProbe } from "../../lib/stats/logistic";
import { pearson } from "../../lib/stats/descriptive";
import { column, fromRows, matrix, type Matrix, takeRows } from "../../lib/runtime/matrix";
import { Rng } from "../../lib/runtime/rng";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

function randomMatrix(n: number, d: number, seed: number): Matrix {
  const r = new Rng(seed);
  return matrix(
    Float32Array.from({ length: n * d }, () => r.normal()),
    n,
    d,
  );
}

/** A random orthogonal d x d matrix (Gram-Schmidt of a Gaussian matrix), row-major. */
function randomOrthogonal(d: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const q = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    const v = Array.from({ length: d }, () => r.normal());
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += v[i]! * q[i * d + p]!;
      for (let i = 0; i < d; i++) v[i] -= dot * q[i * d + p]!;
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < d; i++) q[i * d + c] = v[i]! / norm;
  }
  return q;
}

/** X Q + shift, times scale. */
function transform(X: Matrix, q: Float64Array, scale = 1, shift = 0): Matrix {
  const d = X.cols;
  const out = new Float32Array(X.rows * d);
  for (let i = 0; i < X.rows; i++)
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X.data[i * d + k]! * q[k * d + c]!;
      out[i * d + c] = scale * s + shift;
    }
  return matrix(out, X.rows, d);
}

/** Deterministic test points shared with the sklearn reference: ((i (j + 3) mult + 17 j) mod 101) / 10. */
function modular(n: number, d: number, mult: number): Matrix {
  return fromRows(
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: d }, (_, j) => ((i * (j + 3) * mult + j * 17) % 101) / 10),
    ),
  );
}

describe("linearCKA", () => {
  const X = randomMatrix(500, 8, 1);
  test("CKA(X, X) = 1", () => close(linearCKA(X, X), 1, 1e-12));
  test("invariant to orthogonal rotation, isotropic scaling and translation", () => {
    close(linearCKA(X, transform(X, randomOrthogonal(8, 2))), 1, 1e-5);
    close(linearCKA(X, transform(X, randomOrthogonal(8, 3), 3.5, 7)), 1, 1e-5);
  });
  test("1-D case equals the squared correlation", () => {
    // x = [1, 2, 3], y = [1, 0, 2]: centred [-1, 0, 1] and [0, -1, 1], corr = 1 / 2 -> CKA 1/4.
    close(linearCKA(fromRows([[1], [2], [3]]), fromRows([[1], [0], [2]])), 0.25);
  });
  test("low for independent random matrices, partial for a projection", () => {
    const a = randomMatrix(2000, 8, 4);
    const b = randomMatrix(2000, 8, 5);
    assert.ok(linearCKA(a, b) < 0.02, `cka ${linearCKA(a, b)}`);
    const proj = fromRows(Array.from({ length: 2000 }, (_, i) => [a.data[i * 8]!, a.data[i * 8 + 1]!]));
    // Keeping 2 of 8 independent unit-variance columns: ||Y^T X||^2 = 2 n^2, ||X^T X|| = sqrt(8) n, ||Y^T Y|| = sqrt(2) n -> 0.5.
    close(linearCKA(a, proj), 0.5, 0.03);
  });
  test("bad input", () => {
    assert.throws(() => linearCKA(X, randomMatrix(10, 8, 1)), /500 rows but Y has 10/);
    assert.throws(() => linearCKA(fromRows([[1], [1]]), fromRows([[1], [2]])), /X is constant/);
    assert.throws(() => linearCKA(fromRows([[1], [NaN]]), fromRows([[1], [2]])), /X\[row 1, col 0\] is NaN/);
    assert.throws(() => linearCKA(fromRows([[1]]), fromRows([[1]])), /at least 2 points/);
  });
});

describe("knnIndices", () => {
  test("points on a line, ties to the lower index", () => {
    // Positions 0, 1, 3, 6, 10. Point 2 (at 3) is 3 away from both point 0 and point 3 -> 0 first.
    const X = fromRows([[0], [1], [3], [6], [10]]);
    assert.deepEqual([...knnIndices(X, 2)], [1, 2, 0, 2, 1, 0, 2, 4, 3, 2]);
    assert.deepEqual([...knnIndices(X, 1, [4, 0])], [3, 1]);
  });
  test("all-rows search equals per-query search, with many ties", () => {
    const X = modular(300, 3, 7919);
    const all = knnIndices(X, 7);
    const order = Array.from({ length: 300 }, (_, i) => 299 - i);
    const per = knnIndices(X, 7, order);
    for (let q = 0; q < 300; q++) {
      assert.deepEqual([...per.subarray(q * 7, q * 7 + 7)], [...all.subarray((299 - q) * 7, (299 - q) * 7 + 7)]);
    }
  });
  test("bad k and queries", () => {
    const X = fromRows([[0], [1], [2]]);
    assert.throws(() => knnIndices(X, 3), /k must be an integer in 1..2/);
    assert.throws(() => knnIndices(X, 0), /k must be/);
    assert.throws(() => knnIndices(X, 1, [3]), /queries\[0\] = 3/);
  });
});

describe("knnOverlap", () => {
  test("identical or rotated spaces overlap fully", () => {
    const X = randomMatrix(400, 6, 7);
    const r = knnOverlap(X, X, 10);
    assert.equal(r.overlap, 1);
    assert.equal(r.jaccard, 1);
    assert.equal(r.sampled, false);
    assert.equal(r.nQueries, 400);
    close(knnOverlap(X, transform(X, randomOrthogonal(6, 8), 2, 1), 10).overlap, 1, 1e-9);
  });
  test("hand case: fraction and Jaccard", () => {
    // X positions [0, 1, 2, 3], Y positions [0, 1, 3, 2], k = 1 (ties to lower index):
    // NN_X = [1, 0, 1, 2], NN_Y = [1, 0, 3, 1] -> overlaps 1, 1, 0, 0.
    const r = knnOverlap(fromRows([[0], [1], [2], [3]]), fromRows([[0], [1], [3], [2]]), 1);
    assert.equal(r.overlap, 0.5);
    assert.equal(r.jaccard, 0.5);
  });
  test("unrelated spaces overlap about k / n", () => {
    const r = knnOverlap(randomMatrix(500, 4, 9), randomMatrix(500, 4, 10), 10);
    assert.ok(r.overlap < 0.06, `overlap ${r.overlap}`);
  });
  test("large n samples queries, says so, and stays close to the exact value", () => {
    const X = randomMatrix(2500, 3, 11);
    const noisy = matrix(
      Float32Array.from(X.data, (v, i) => v + 0.3 * Math.sin(i * 12.9898)),
      2500,
      3,
    );
    const exact = knnOverlap(X, noisy, 10, { maxExact: 5000 });
    const sampled = knnOverlap(X, noisy, 10, { maxExact: 1000, sampleSize: 400, rng: 3 });
    assert.equal(sampled.sampled, true);
    assert.equal(sampled.nQueries, 400);
    assert.equal(sampled.seed, 3);
    assert.ok(Math.abs(sampled.overlap - exact.overlap) < 0.05, `${sampled.overlap} vs ${exact.overlap}`);
    assert.deepEqual(knnOverlap(X, noisy, 10, { maxExact: 1000, sampleSize: 400, rng: 3 }), sampled);
  });
});

describe("trustworthiness", () => {
  test("1 for an isometry", () => {
    const X = randomMatrix(300, 5, 12);
    close(trustworthiness(X, transform(X, randomOrthogonal(5, 13), 1, 4), 5).value, 1, 1e-12);
  });
  test("hand case: two points swapped on a line", () => {
    // X = [0, 1, 2, 3, 4], embedding puts points 1 and 2 at 2 and 1; k = 1.
    // Penalties r - k: point 0 -> 1, point 1 -> 1, point 2 -> 2, point 3 -> 2, point 4 -> 0; sum 6.
    // T = 1 - 2 / (5 * 1 * (10 - 3 - 1)) * 6 = 0.6 (sklearn agrees).
    close(trustworthiness(fromRows([[0], [1], [2], [3], [4]]), fromRows([[0], [2], [1], [3], [4]]), 1).value, 0.6);
  });
  test("matches sklearn.manifold.trustworthiness", () => {
    const Xh = modular(40, 5, 7919);
    close(trustworthiness(Xh, modular(40, 2, 104729), 3).value, 0.6190476190476191);
    const proj = fromRows(Array.from({ length: 40 }, (_, i) => [Xh.data[i * 5]!, Xh.data[i * 5 + 1]!]));
    close(trustworthiness(Xh, proj, 5).value, 0.7965625000000001);
  });
  test("sampled estimate is close to the exact value", () => {
    const X = randomMatrix(2000, 6, 14);
    const low = fromRows(
      Array.from({ length: 2000 }, (_, i) => [X.data[i * 6]!, X.data[i * 6 + 1]!, X.data[i * 6 + 2]!]),
    );
    const exact = trustworthiness(X, low, 10);
    const sampled = trustworthiness(X, low, 10, { maxExact: 500, sampleSize: 400, rng: 1 });
    assert.equal(sampled.sampled, true);
    assert.ok(exact.value > 0.6 && exact.value < 0.95, `exact ${exact.value}`);
    assert.ok(Math.abs(sampled.value - exact.value) < 0.02, `${sampled.value} vs ${exact.value}`);
  });
  test("k must be below n / 2", () => {
    const X = fromRows([[0], [1], [2], [3]]);
    assert.throws(() => trustworthiness(X, X, 2), /k < n \/ 2 = 2/);
  });
});

describe("silhouette", () => {
  test("matches sklearn, including a singleton cluster (s = 0)", () => {
    const X = fromRows([
      [0, 0],
      [0, 1],
      [1, 0],
      [5, 5],
      [5, 6],
      [6, 5],
      [10, 0],
    ]);
    close(silhouette(X, [0, 0, 0, 1, 1, 1, 2]).score, 0.7163280643624282);
    close(silhouette(X, ["a", "a", "a", "b", "b", "b", "c"]).score, 0.7163280643624282);
    const Y = modular(50, 3, 7919);
    close(
      silhouette(
        Y,
        Array.from({ length: 50 }, (_, i) => (i * 11) % 3),
      ).score,
      -0.060165250973615025,
    );
  });
  test("hand case: two tight pairs", () => {
    // Points 0, 1 (label a) and 10, 11 (label b). Point 0: a = 1, b = (10 + 11) / 2 = 10.5, s = 9.5 / 10.5.
    // Point 1: a = 1, b = 9.5, s = 8.5 / 9.5. Symmetric for b.
    const s = silhouette(fromRows([[0], [1], [10], [11]]), [0, 0, 1, 1]);
    close(s.score, (9.5 / 10.5 + 8.5 / 9.5) / 2);
    assert.equal(s.nClusters, 2);
  });
  test("sampled queries against all points", () => {
    const r = new Rng(15);
    const n = 1500;
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const X = fromRows(labels.map((l) => [l * 2 + r.normal(), r.normal()]));
    const exact = silhouette(X, labels);
    const sampled = silhouette(X, labels, { maxExact: 500, sampleSize: 500, rng: 2 });
    assert.equal(sampled.sampled, true);
    assert.equal(sampled.nQueries, 500);
    assert.ok(Math.abs(sampled.score - exact.score) < 0.03, `${sampled.score} vs ${exact.score}`);
  });
  test("bad input", () => {
    const X = fromRows([[0], [1], [2]]);
    assert.throws(() => silhouette(X, [0, 0, 0]), /between 2 and n - 1 = 2 distinct labels, got 1/);
    assert.throws(() => silhouette(X, [0, 1, 2]), /got 3/);
    assert.throws(() => silhouette(X, [0, 1]), /labels has 2 values but X has 3 rows/);
    assert.throws(() => silhouette(X, [0, NaN, 1]), /labels\[1\] is NaN/);
  });
});

describe("classification probes", () => {
  test("classificationScores matches sklearn", () => {
    // sklearn: balanced_accuracy 0.5416666666666666, f1 macro 0.42 (class 4 only predicted).
    const s = classificationScores([0, 0, 1, 1, 2, 2, 2, 3], [0, 1, 1, 1, 2, 0, 2, 4]);
    close(s.accuracy, 5 / 8);
    close(s.balancedAccuracy, 0.5416666666666666);
    close(s.macroF1, 0.42);
    assert.throws(() => classificationScores([], []), /empty/);
    assert.throws(() => classificationScores([1], [1, 2]), /yPred has 2 labels but yTrue has 1/);
  });
  // Three Gaussian blobs in 4-D (one constant column) with centres 4 apart.
  function blobs(n: number, seed: number): { X: Matrix; y: number[] } {
    const r = new Rng(seed);
    const y = Array.from({ length: n }, (_, i) => [3, 7, 9][i % 3]!);
    const X = fromRows(
      y.map((c) => [c === 3 ? 4 : 0, c === 7 ? 4 : 0, 1, 0].map((m, j) => (j === 3 ? 5 : m + r.normal()))),
    );
    return { X, y };
  }
  test("logistic probe separates blobs", () => {
    const tr = blobs(600, 1);
    const te = blobs(300, 2);
    const res = logisticProbe(tr.X, tr.y, te.X, te.y);
    assert.deepEqual(res.classes, [3, 7, 9]);
    assert.ok(res.accuracy > 0.95, `accuracy ${res.accuracy}`);
    assert.ok(res.balancedAccuracy > 0.95 && res.macroF1 > 0.95);
    assert.ok(res.converged, `iterations ${res.iterations}`);
    close(res.majorityAccuracy, 1 / 3);
    // Deterministic: no randomness in the fit.
    assert.deepEqual(logisticProbe(tr.X, tr.y, te.X, te.y), res);
  });
  test("logistic probe on labels unrelated to X is near chance", () => {
    const tr = blobs(600, 3);
    const te = blobs(600, 4);
    const r = new Rng(5);
    const yTr = tr.y.map(() => r.int(3));
    const yTe = te.y.map(() => r.int(3));
    const res = logisticProbe(tr.X, yTr, te.X, yTe);
    assert.ok(res.balancedAccuracy < 0.42, `balanced accuracy ${res.balancedAccuracy}`);
  });
  test("unseen test classes count as errors; one training class is an error", () => {
    const tr = blobs(90, 6);
    const te = blobs(9, 7);
    const yTe = te.y.map((c, i) => (i === 0 ? 42 : c));
    const res = logisticProbe(tr.X, tr.y, te.X, yTe);
    assert.equal(res.nUnseenTestLabels, 1);
    assert.ok(res.accuracy <= 8 / 9);
    assert.throws(
      () =>
        logisticProbe(
          tr.X,
          tr.y.map(() => 1),
          te.X,
          te.y,
        ),
      /at least 2 classes/,
    );
    assert.throws(() => logisticProbe(tr.X, tr.y.slice(1), te.X, te.y), /yTrain has 89 labels/);
  });
});

describe("ridgeProbe", () => {
  test("hand case y = 2x + 1", () => {
    // Train x = 0..3 (mean 1.5, population sd sqrt(1.25)), z = (x - 1.5) / sd; y - 4 = 2 sd z.
    // alpha = 0: w = 2 sd. alpha = 1: sum z^2 = 4 and sum z (y - 4) = 2 sd sum z^2 = 8 sd,
    // so w = 8 sd / (4 + 1) = 0.8 * 2 sd.
    const Xtr = fromRows([[0], [1], [2], [3]]);
    const Xte = fromRows([[10], [11]]);
    const exact = ridgeProbe(Xtr, [1, 3, 5, 7], Xte, [21, 23], { alpha: 0 });
    close(exact.coefficients[0]!, 2 * Math.sqrt(1.25), 1e-12);
    close(exact.intercept, 4);
    close(exact.r2, 1, 1e-12);
    close(exact.trainR2, 1, 1e-12);
    const shrunk = ridgeProbe(Xtr, [1, 3, 5, 7], Xte, [21, 23], { alpha: 1 });
    close(shrunk.coefficients[0]!, 0.8 * 2 * Math.sqrt(1.25), 1e-12);
    assert.ok(shrunk.r2 < 1);
  });
  test("noisy linear target: R^2 near its ceiling; unrelated target near 0", () => {
    const X = randomMatrix(3000, 6, 20);
    const T = randomMatrix(1000, 6, 21);
    const r = new Rng(22);
    const f = (m: Matrix, i: number) => 2 * m.data[i * 6]! - m.data[i * 6 + 3]!;
    const y = Array.from({ length: 3000 }, (_, i) => f(X, i) + r.normal());
    const yt = Array.from({ length: 1000 }, (_, i) => f(T, i) + r.normal());
    // Signal variance 5, noise 1 -> R^2 ceiling 5/6.
    const res = ridgeProbe(X, y, T, yt);
    assert.ok(Math.abs(res.r2 - 5 / 6) < 0.04, `r2 ${res.r2}`);
    const noise = ridgeProbe(
      X,
      y.map(() => r.normal()),
      T,
      yt.map(() => r.normal()),
    );
    assert.ok(noise.r2 < 0.02 && noise.r2 > -0.05, `r2 ${noise.r2}`);
  });
  test("collinear inputs need alpha > 0", () => {
    const X = fromRows([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    assert.throws(() => ridgeProbe(X, [1, 2, 3], X, [1, 2, 3], { alpha: 0 }), /singular.*alpha > 0/);
    assert.ok(ridgeProbe(X, [1, 2, 3], X, [1, 2, 3], { alpha: 0.01 }).r2 > 0.99);
  });
});

describe("trainTestSplit", () => {
  test("disjoint, complete, seeded", () => {
    const s = trainTestSplit(100, 0.25, 1);
    assert.equal(s.test.length, 25);
    assert.equal(s.train.length, 75);
    assert.deepEqual(
      [...new Set([...s.train, ...s.test])].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(trainTestSplit(100, 0.25, 1), s);
    assert.notDeepEqual(trainTestSplit(100, 0.25, 2).test, s.test);
  });
  test("stratified keeps class proportions", () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i < 90 ? "normal" : "rare"));
    const s = trainTestSplit(100, 0.2, 3, labels);
    assert.equal([...s.test].filter((i) => labels[i] === "rare").length, 2);
    assert.equal(s.test.length, 20);
  });
  test("bad input", () => {
    assert.throws(() => trainTestSplit(1, 0.5, 1), /n >= 2/);
    assert.throws(() => trainTestSplit(10, 1, 1), /testFraction/);
  });
});

describe("correlationMatrix", () => {
  test("entries are Pearson correlations of column pairs", () => {
    const A = randomMatrix(200, 3, 30);
    const B = fromRows(
      Array.from({ length: 200 }, (_, i) => [A.data[i * 3]! * 2 + 1, -A.data[i * 3 + 1]!, Math.sin(i), 5]),
    );
    const c = correlationMatrix(A, B);
    assert.equal(c.rows, 3);
    assert.equal(c.cols, 4);
    close(c.data[0]!, 1, 1e-9);
    close(c.data[1 * 4 + 1]!, -1, 1e-9);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        close(c.data[i * 4 + j]!, pearson(column(A, i), column(B, j)), 1e-9);
      }
    // Constant column: undefined.
    assert.ok(Number.isNaN(c.data[3]!));
  });
  test("hand case", () => {
    // a = [1, 2, 3, 4], b = [1, 3, 2, 4]: r = 0.8.
    close(correlationMatrix(fromRows([[1], [2], [3], [4]]), fromRows([[1], [3], [2], [4]])).data[0]!, 0.8, 1e-12);
  });
  test("bad input", () => {
    assert.throws(() => correlationMatrix(fromRows([[1]]), fromRows([[1]])), /at least 2 rows/);
    assert.throws(
      () => correlationMatrix(fromRows([[1], [2]]), takeRows(fromRows([[1], [2], [3]]), [0, 1, 2])),
      /2 rows but B has 3/,
    );
  });
});
