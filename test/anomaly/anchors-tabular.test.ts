/**
 * No-model anchors: the Mahalanobis distance against a hand-computed case and against
 * mean z² on uncorrelated columns, the ridge on a singular covariance, fit rows taken from
 * a subset, and the errors for bad input.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fitMahalanobis, fitMeanZ2, RIDGE_RELATIVE } from "../../lib/anomaly/anchors-tabular";
import { cholesky } from "../../lib/stats/linalg";
import { fromRows } from "../../lib/runtime/matrix";
import { makeRng } from "../../lib/runtime/rng";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

describe("Mahalanobis anchor", () => {
  test("cholesky reproduces A = L Lᵀ and refuses a matrix that is not positive definite", () => {
    const A = Float64Array.from([4, 2, 2, 3]);
    const L = cholesky(A, 2);
    assert.deepEqual(Array.from(L), [2, 0, 1, Math.sqrt(2)]);
    assert.throws(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2), /not positive definite/);
  });

  test("a hand-computed 2-D case: d² = vᵀ Σ⁻¹ v with the population covariance", () => {
    // Points (±1, ±1) with x = y on two of them: mean 0, var 1 each, cov 0.5.
    const X = fromRows([
      [1, 1],
      [-1, -1],
      [1, -1],
      [-1, 1],
      [1, 1],
      [-1, -1],
    ]);
    const a = fitMahalanobis(X, undefined, { ridge: 1e-12 });
    // Σ = [[1, 1/3], [1/3, 1]]; Σ⁻¹ = 9/8 [[1, -1/3], [-1/3, 1]].
    const d2 = (x: number, y: number) => (9 / 8) * (x * x + y * y - (2 / 3) * x * y);
    const s = a.score(
      fromRows([
        [2, 0],
        [1, 1],
        [1, -1],
      ]),
    );
    close(s[0]!, d2(2, 0), 1e-9, "(2, 0)");
    close(s[1]!, d2(1, 1), 1e-9, "(1, 1)");
    close(s[2]!, d2(1, -1), 1e-9, "(1, -1)");
    assert.ok(s[2]! > s[1]!, "a point against the correlation is farther than one along it");
    assert.equal(a.nFitRows, 6);
  });

  test("on uncorrelated columns it is d × mean z²; the fit rows can be a subset", () => {
    const rng = makeRng(3);
    const rows = Array.from({ length: 4000 }, () => [rng.normal() * 3, rng.normal(), rng.normal() * 0.1 + 5]);
    rows.push([100, 100, 100]); // outside the fit rows
    const X = fromRows(rows);
    const fit = Int32Array.from({ length: 4000 }, (_, i) => i);
    const m = fitMahalanobis(X, fit);
    const z = fitMeanZ2(X, fit);
    const test = fromRows([
      [3, 0, 5],
      [0, 2, 5.1],
      [-6, 1, 4.8],
    ]);
    const ms = m.score(test);
    const zs = z.score(test);
    for (let i = 0; i < 3; i++) close(ms[i]!, 3 * zs[i]!, 0.05 * ms[i]! + 0.05, `row ${i}`);
    assert.equal(m.nFitRows, 4000);
    const all = m.score(X, [4000]);
    assert.ok(all[0]! > 1e5, "the excluded extreme row scores far out");
  });

  test("a constant column: the ridge keeps it invertible and any deviation from it counts heavily", () => {
    const X = fromRows([
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    const m = fitMahalanobis(X);
    const s = m.score(
      fromRows([
        [1.5, 1],
        [1.5, 1.1],
      ]),
    );
    assert.ok(Number.isFinite(s[0]!) && s[0]! < 0.01);
    assert.ok(s[1]! > 100 * (s[0]! + 0.01), `${s[1]} should dwarf ${s[0]}`);
    const z = fitMeanZ2(X).score(fromRows([[1.5, 1.1]]));
    close(z[0]!, (0 + 0.1 * 0.1) / 2, 1e-6, "constant column: raw deviation (scale 1)");
  });

  test("bad input: too few rows, non-finite values, other columns, bad ridge", () => {
    assert.throws(() => fitMahalanobis(fromRows([[1, 2]])), /at least 2 fit rows/);
    assert.throws(
      () =>
        fitMeanZ2(
          fromRows([
            [1, NaN],
            [2, 3],
          ]),
        ),
      /row 0, column 1 is not finite/,
    );
    const m = fitMahalanobis(
      fromRows([
        [1, 2],
        [2, 1],
        [0, 0],
      ]),
    );
    assert.throws(() => m.score(fromRows([[1, 2, 3]])), /fitted on 2 columns.*3/);
    assert.throws(() => fitMahalanobis(fromRows([[1], [2]]), undefined, { ridge: 0 }), /ridge must be a positive/);
    assert.throws(() => fitMahalanobis(fromRows([[1], [2]]), [0, 5]), /fit row 5/);
    assert.ok(RIDGE_RELATIVE > 0 && RIDGE_RELATIVE < 0.01);
  });
});
