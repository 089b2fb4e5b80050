import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { knnTree } from "../../lib/latent/knn-tree";
import { knnAll } from "../../lib/latent/metrics";
import { makeRng } from "../../lib/runtime/rng";

function same(x: Float64Array, n: number, d: number, k: number): void {
  const tree = knnTree(x, n, d, k);
  const brute = knnAll(x, n, d, k);
  assert.deepEqual(tree.idx, brute.idx);
  assert.deepEqual(tree.dist, brute.dist);
}

describe("knnTree", () => {
  test("equals the brute force on clustered data, bit for bit", () => {
    const rng = makeRng(3);
    for (const [n, d] of [
      [700, 8],
      [500, 3],
      [300, 20],
    ] as const) {
      const centres = Array.from({ length: 6 }, () => Array.from({ length: d }, () => rng.normal(0, 3)));
      const x = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        const c = rng.int(6);
        for (let j = 0; j < d; j++) x[i * d + j] = centres[c]![j]! + rng.normal(0, 0.5);
      }
      same(x, n, d, 14);
    }
  });

  test("ties and duplicates go to the lower row number, as in the brute force", () => {
    // Points on a small integer grid: many equal distances and repeated points.
    const rng = makeRng(8);
    const n = 600;
    const d = 3;
    const x = new Float64Array(n * d);
    for (let p = 0; p < x.length; p++) x[p] = rng.int(5);
    same(x, n, d, 10);
    // One dimension, and all points equal (one leaf that cannot be split).
    same(
      Float64Array.from({ length: 200 }, (_, i) => i % 7),
      200,
      1,
      5,
    );
    same(new Float64Array(100 * 2).fill(1.5), 100, 2, 9);
  });

  test("bad k or shape is rejected with the value", () => {
    const x = new Float64Array(20);
    assert.throws(() => knnTree(x, 10, 2, 10), /k must be an integer in 1\.\.9 .* got 10/);
    assert.throws(() => knnTree(x, 10, 2, 0), /got 0/);
    assert.throws(() => knnTree(x, 10, 3, 2), /x has 20 values, expected n \* d = 30/);
  });
});
