/**
 * The symmetric eigensolver and the blocked covariance: against hand results, against their
 * defining equations on random matrices (A v = λ v, VᵀV = I, trace kept), against a naive
 * covariance, and on the edge cases (1 x 1, zero and diagonal matrices, repeated eigenvalues,
 * non-finite input).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { covarianceMatrix, symmetricEigen } from "../../lib/stats/eigen";
import { Rng } from "../../lib/runtime/rng";
import { matrix } from "../../lib/runtime/matrix";

function randomSymmetric(d: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * d + j] = v;
      a[j * d + i] = v;
    }
  return a;
}

/** Largest |A v - λ v|, largest |VᵀV - I| and |trace A - Σλ|, all relative to the largest |λ|. */
function defects(a: Float64Array, d: number, values: Float64Array, vectors: Float64Array) {
  const scale = Math.max(...Array.from(values, Math.abs), 1e-300);
  let residual = 0;
  let orthogonality = 0;
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < d; i++) {
      let av = 0;
      for (let k = 0; k < d; k++) av += a[i * d + k]! * vectors[k * d + j]!;
      residual = Math.max(residual, Math.abs(av - values[j]! * vectors[i * d + j]!) / scale);
    }
    for (let j2 = 0; j2 < d; j2++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += vectors[k * d + j]! * vectors[k * d + j2]!;
      orthogonality = Math.max(orthogonality, Math.abs(dot - (j === j2 ? 1 : 0)));
    }
  }
  let trace = 0;
  for (let i = 0; i < d; i++) trace += a[i * d + i]!;
  const traceGap = Math.abs(trace - values.reduce((s, v) => s + v, 0)) / scale;
  return { residual, orthogonality, traceGap };
}

describe("symmetricEigen", () => {
  test("known 3 x 3 matrix: eigenvalues 5, 3, 1 in that order, vectors up to sign", () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    assert.deepEqual(
      Array.from(values, (v) => Number(v.toFixed(12))),
      [5, 3, 1],
    );
    const col = (j: number) => [0, 1, 2].map((i) => Math.abs(vectors[i * 3 + j]!));
    assert.deepEqual(
      col(0).map((v) => Number(v.toFixed(12))),
      [0, 0, 1],
    );
    assert.deepEqual(
      col(1).map((v) => Number(v.toFixed(12))),
      [Math.SQRT1_2, Math.SQRT1_2, 0].map((v) => Number(v.toFixed(12))),
    );
  });

  for (const d of [1, 2, 5, 17, 64, 150]) {
    test(`random symmetric ${d} x ${d}: A v = λ v, orthonormal vectors, trace kept, descending`, () => {
      const a = randomSymmetric(d, 100 + d);
      const { values, vectors } = symmetricEigen(a, d);
      const x = defects(a, d, values, vectors);
      assert.ok(x.residual < 1e-12, `residual ${x.residual}`);
      assert.ok(x.orthogonality < 1e-12, `orthogonality ${x.orthogonality}`);
      assert.ok(x.traceGap < 1e-12, `trace ${x.traceGap}`);
      for (let i = 1; i < d; i++) assert.ok(values[i]! <= values[i - 1]!);
    });
  }

  test("zero, diagonal and repeated eigenvalues", () => {
    const zero = symmetricEigen(new Float64Array(16), 4);
    assert.deepEqual(Array.from(zero.values), [0, 0, 0, 0]);
    assert.ok(defects(new Float64Array(16), 4, zero.values, zero.vectors).orthogonality < 1e-15);
    const diag = Float64Array.from([1, 0, 0, 0, 7, 0, 0, 0, -2]);
    assert.deepEqual(Array.from(symmetricEigen(diag, 3).values), [7, 1, -2]);
    // A rank-1 update of the identity: eigenvalue 1 three times and 1 + 4 once.
    const u = [1, 1, 1, 1];
    const a = Float64Array.from({ length: 16 }, (_, k) => (k % 5 === 0 ? 1 : 0) + u[Math.floor(k / 4)]! * u[k % 4]!);
    const r = symmetricEigen(a, 4);
    assert.deepEqual(
      Array.from(r.values, (v) => Number(v.toFixed(12))),
      [5, 1, 1, 1],
    );
    const x = defects(a, 4, r.values, r.vectors);
    assert.ok(x.residual < 1e-13 && x.orthogonality < 1e-13);
  });

  test("a non-finite entry or a wrong size is an error that names it", () => {
    assert.throws(
      () => symmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2),
      /entry \[0, 1\] is NaN; the matrix must be finite/,
    );
    assert.throws(() => symmetricEigen(new Float64Array(5), 2), /expected a 2 x 2 matrix \(4 values\), got 5 values/);
  });
});

describe("covarianceMatrix", () => {
  test("equals the two-pass textbook covariance (n - 1 divisor), across block boundaries", () => {
    const rng = new Rng(7);
    for (const [n, d] of [
      [1, 3],
      [2, 1],
      [1500, 7],
      [2049, 5],
    ] as const) {
      const data = Float32Array.from({ length: n * d }, (_, k) => rng.normal() * (1 + (k % d)) + (k % d));
      const { mean, cov } = covarianceMatrix(matrix(data, n, d));
      for (let j = 0; j < d; j++) {
        let m = 0;
        for (let i = 0; i < n; i++) m += data[i * d + j]!;
        m /= n;
        assert.ok(Math.abs(mean[j]! - m) < 1e-12 * Math.max(1, Math.abs(m)));
      }
      for (let j = 0; j < d; j++)
        for (let k = 0; k < d; k++) {
          let c = 0;
          for (let i = 0; i < n; i++) c += (data[i * d + j]! - mean[j]!) * (data[i * d + k]! - mean[k]!);
          c /= Math.max(1, n - 1);
          assert.ok(Math.abs(cov[j * d + k]! - c) < 1e-10 * Math.max(1, Math.abs(c)), `[${j},${k}] n=${n}`);
          assert.equal(cov[j * d + k], cov[k * d + j]);
        }
    }
  });

  test("chosen rows with the population divisor equal the covariance of those rows alone (divided by n)", () => {
    const rng = new Rng(11);
    const [n, d] = [2500, 4];
    const data = Float32Array.from({ length: n * d }, (_, k) => rng.normal() * (1 + (k % d)));
    // Every third row, in a shuffled order, across block boundaries.
    const rows = Array.from({ length: Math.ceil(n / 3) }, (_, i) => 3 * i).reverse();
    const picked = new Float32Array(rows.length * d);
    rows.forEach((r, i) => picked.set(data.subarray(r * d, r * d + d), i * d));
    const sub = covarianceMatrix(matrix(data, n, d), { rows, population: true });
    const ref = covarianceMatrix(matrix(picked, rows.length, d));
    const scale = (rows.length - 1) / rows.length;
    for (let j = 0; j < d; j++) assert.ok(Math.abs(sub.mean[j]! - ref.mean[j]!) < 1e-12);
    for (let k = 0; k < d * d; k++)
      assert.ok(Math.abs(sub.cov[k]! - ref.cov[k]! * scale) < 1e-10 * Math.max(1, Math.abs(ref.cov[k]!)), `entry ${k}`);
  });

  test("no rows is an error", () => {
    assert.throws(() => covarianceMatrix(matrix(new Float32Array(0), 0, 3)), /the matrix has no rows/);
    assert.throws(() => covarianceMatrix(matrix(new Float32Array(6), 2, 3), { rows: [] }), /the matrix has no rows/);
  });
});
