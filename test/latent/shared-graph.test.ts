/**
 * Neighbour metrics from a graph computed once: `neighbourOverlap` on precomputed
 * neighbour matrices and `trustworthiness` with `lowNeighbours` must give exactly what the
 * searching versions give.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { knnOverlap, neighbourOverlap, trustworthiness } from "../../lib/latent/metrics";
import { computeKnn, knnNeighbourMatrix } from "../../lib/latent/umap";
import { matrix, type Matrix } from "../../lib/runtime/matrix";
import { Rng } from "../../lib/runtime/rng";

function randomMatrix(n: number, d: number, seed: number): Matrix {
  const r = new Rng(seed);
  return matrix(
    Float32Array.from({ length: n * d }, () => r.normal()),
    n,
    d,
  );
}

/** The first two columns of X plus noise: a distorted 2-D view of X. */
function distorted(X: Matrix, noise: number, seed: number): Matrix {
  const r = new Rng(seed);
  return matrix(
    Float32Array.from(
      { length: X.rows * 2 },
      (_, p) => X.data[Math.floor(p / 2) * X.cols + (p % 2)]! + noise * r.normal(),
    ),
    X.rows,
    2,
  );
}

const neighbours = (X: Matrix, k: number) => knnNeighbourMatrix(computeKnn(X, k + 1, { method: "exact" }), k);

describe("neighbourOverlap", () => {
  const X = randomMatrix(150, 5, 1);
  const Y = distorted(X, 0.3, 2);

  test("equals knnOverlap on the same points", () => {
    for (const k of [1, 5, 15]) {
      const fast = neighbourOverlap(neighbours(X, k), neighbours(Y, k), k);
      const slow = knnOverlap(X, Y, k);
      assert.ok(Math.abs(fast.overlap - slow.overlap) < 1e-12, `k=${k}: ${fast.overlap} vs ${slow.overlap}`);
      assert.ok(Math.abs(fast.jaccard - slow.jaccard) < 1e-12);
      assert.equal(fast.n, 150);
    }
  });

  test("identical spaces overlap fully; hand case", () => {
    const a = neighbours(X, 4);
    assert.equal(neighbourOverlap(a, a, 4).overlap, 1);
    // 3 points, k = 1: point 0 -> 1 vs 2 (miss), 1 -> 0 vs 0 (hit), 2 -> 1 vs 1 (hit).
    const r = neighbourOverlap(Int32Array.from([1, 0, 1]), Int32Array.from([2, 0, 1]), 1);
    assert.ok(Math.abs(r.overlap - 2 / 3) < 1e-12);
    assert.ok(Math.abs(r.jaccard - 2 / 3) < 1e-12);
  });

  test("bad shapes and indices are rejected", () => {
    assert.throws(() => neighbourOverlap(new Int32Array(6), new Int32Array(4), 2), /both must be \[n, k\] with k = 2/);
    assert.throws(
      () => neighbourOverlap(Int32Array.from([1, 5]), Int32Array.from([1, 0]), 1),
      /a\[1\]\[0\] = 5 is not a row index in 0\.\.1/,
    );
    assert.throws(() => neighbourOverlap(new Int32Array(2), new Int32Array(2), 0), /k must be a positive integer/);
  });
});

describe("trustworthiness with precomputed low-space neighbours", () => {
  const X = randomMatrix(200, 6, 3);
  const low = distorted(X, 0.5, 4);

  test("equals the searching version, exact and sampled", () => {
    for (const k of [3, 15]) {
      const nb = neighbours(low, k);
      const a = trustworthiness(X, low, k);
      const b = trustworthiness(X, low, k, { lowNeighbours: nb });
      assert.ok(Math.abs(a.value - b.value) < 1e-12, `k=${k}: ${a.value} vs ${b.value}`);
      assert.ok(a.value < 1);
      const sa = trustworthiness(X, low, k, { maxExact: 50, sampleSize: 60, rng: 7 });
      const sb = trustworthiness(X, low, k, { maxExact: 50, sampleSize: 60, rng: 7, lowNeighbours: nb });
      assert.ok(sa.sampled && Math.abs(sa.value - sb.value) < 1e-12);
    }
  });

  test("1 for an isometry given its own graph", () => {
    const two = matrix(Float32Array.from(X.data.filter((_, p) => p % 6 < 2)), 200, 2);
    assert.equal(trustworthiness(two, two, 10, { lowNeighbours: neighbours(two, 10) }).value, 1);
  });

  test("a graph of the wrong size or holding the point itself is rejected", () => {
    assert.throws(
      () => trustworthiness(X, low, 5, { lowNeighbours: new Int32Array(10) }),
      /lowNeighbours must be an Int32Array \[n, k\] = \[200, 5\]/,
    );
    const nb = neighbours(low, 5);
    nb[5 * 3] = 3; // point 3's first neighbour is itself
    assert.throws(
      () => trustworthiness(X, low, 5, { lowNeighbours: nb }),
      /lowNeighbours\[3\]\[0\] = 3 is not another point's row/,
    );
  });
});
