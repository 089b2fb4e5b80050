/**
 * Linear algebra shared by the probes and regressions: Float64 copies of matrices, cross
 * products, column standardisation, the Cholesky factor and a Cholesky solver for symmetric
 * positive definite systems.
 */

import type { Matrix } from "../runtime/matrix";

/** Copy a Matrix to Float64, checking shape and finiteness. */
export function toF64(X: Matrix, name: string): Float64Array {
  if (!X || !(X.data instanceof Float32Array || (X.data as unknown) instanceof Float64Array)) {
    throw new Error(`${name} must be a Matrix {data, rows, cols}.`);
  }
  if (X.data.length !== X.rows * X.cols) {
    throw new Error(`${name} has ${X.data.length} values but shape [${X.rows}, ${X.cols}]; build it with matrix().`);
  }
  if (X.rows === 0 || X.cols === 0)
    throw new Error(`${name} is empty (shape [${X.rows}, ${X.cols}]); pass at least one point and one dimension.`);
  const out = new Float64Array(X.data.length);
  for (let k = 0; k < out.length; k++) {
    const v = X.data[k]!;
    if (!Number.isFinite(v)) {
      throw new Error(
        `${name}[row ${Math.floor(k / X.cols)}, col ${k % X.cols}] is ${v}; remove or repair non-finite rows first.`,
      );
    }
    out[k] = v;
  }
  return out;
}

/** A^T B for row-major A `[n, p]` and B `[n, q]` -> `[p, q]`. */
export function crossProduct(a: Float64Array, p: number, b: Float64Array, q: number, n: number): Float64Array {
  const out = new Float64Array(p * q);
  if (a === b && p === q) {
    // AᵀA is symmetric: accumulate the upper triangle, then mirror it (half the products).
    for (let i = 0; i < n; i++) {
      const ai = i * p;
      for (let r = 0; r < p; r++) {
        const v = a[ai + r]!;
        if (v === 0) continue;
        const o = r * p;
        for (let c = r; c < p; c++) out[o + c] += v * a[ai + c]!;
      }
    }
    for (let r = 0; r < p; r++) for (let c = r + 1; c < p; c++) out[c * p + r] = out[r * p + c]!;
    return out;
  }
  for (let i = 0; i < n; i++) {
    const ai = i * p;
    const bi = i * q;
    for (let r = 0; r < p; r++) {
      const v = a[ai + r]!;
      if (v === 0) continue;
      const o = r * q;
      for (let c = 0; c < q; c++) out[o + c] += v * b[bi + c]!;
    }
  }
  return out;
}

/** Column means and standard deviations of training rows (constant columns get sd 1). */
export interface Standardiser {
  mean: Float64Array;
  sd: Float64Array;
}

/** (x - mean) / sd per column of row-major x `[n, d]`, with a standardiser from `standardiser`. */
export function standardise(x: Float64Array, n: number, d: number, st: Standardiser): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j]! - st.mean[j]!) / st.sd[j]!;
  return out;
}

/** What `choleskySolve` does with a pivot at rounding level (a singular or near-singular matrix). */
export interface CholeskyOptions {
  /**
   * "throw" (default): a pivot below 1e-12 x max(1, diagonal) means A is singular; throw
   * an error starting with `context`. "clamp": clamp pivots to 1e-300 and carry on (for a
   * Newton step whose Hessian is positive definite by construction up to rounding).
   */
  singular?: "throw" | "clamp";
  /** Name of the caller and the fix, put in the error message (default "choleskySolve"). */
  context?: string;
}

/**
 * Checks (and may replace) the pivot `s` of row `i` before its square root is taken;
 * returns the pivot to use or throws. `A` is the matrix being factorised.
 */
export type CholeskyPivot = (i: number, s: number, A: Float64Array) => number;

/** The default pivot check of `cholesky`: the matrix must be positive definite. */
const POSITIVE_PIVOT: CholeskyPivot = (i, s) => {
  if (!(s > 0))
    throw new Error(`cholesky: pivot ${i} is ${s}; the matrix is not positive definite (increase the ridge).`);
  return s;
};

/**
 * Cholesky factor L (lower, row-major `[d, d]`) of a symmetric positive-definite matrix.
 * @param pivot checks each pivot (default: it must be > 0).
 * @throws when a pivot is not positive (the matrix is not positive definite).
 */
export function cholesky(A: Float64Array, d: number, pivot: CholeskyPivot = POSITIVE_PIVOT): Float64Array {
  if (A.length !== d * d) throw new Error(`cholesky: expected ${d}×${d} = ${d * d} values, got ${A.length}.`);
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j]!;
      for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!;
      if (i === j) L[i * d + i] = Math.sqrt(pivot(i, s, A));
      else L[i * d + j] = s / L[j * d + j]!;
    }
  }
  return L;
}

/**
 * Solve A x = b for symmetric positive definite A `[d, d]` (row-major) by Cholesky:
 * A = L L^T (`cholesky`), then forward and back substitution. O(d^3).
 * @throws with `singular: "throw"` when a pivot is at rounding level.
 */
export function choleskySolve(
  A: Float64Array,
  b: Float64Array,
  d: number,
  options: CholeskyOptions = {},
): Float64Array {
  const clamp = options.singular === "clamp";
  const L = cholesky(A, d, (i, s) => {
    if (clamp) return Math.max(s, 1e-300);
    // A pivot at rounding level relative to the diagonal means A is singular.
    if (!(s > 1e-12 * Math.max(1, A[i * d + i]!))) {
      throw new Error(
        `${options.context ?? "choleskySolve"}: the matrix is singular (collinear or constant inputs); use a ridge penalty (alpha > 0).`,
      );
    }
    return s;
  });
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * d + k]! * z[k]!;
    z[i] = s / L[i * d + i]!;
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < d; k++) s -= L[k * d + i]! * x[k]!;
    x[i] = s / L[i * d + i]!;
  }
  return x;
}

// ---------------------------------------------------------------------------------------
// Ridge regression with predictions

/**
 * Column means and population standard deviations (constant columns get 1), as ridgeProbe
 * standardises, over the rows `rows` of X (default every row).
 */
export function standardiser(X: Matrix, rows?: ArrayLike<number>): Standardiser {
  const d = X.cols;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  const n = rows ? rows.length : X.rows;
  for (let k = 0; k < n; k++) {
    const o = (rows ? rows[k]! : k) * d;
    for (let j = 0; j < d; j++) mean[j] += X.data[o + j]!;
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let k = 0; k < n; k++) {
    const o = (rows ? rows[k]! : k) * d;
    for (let j = 0; j < d; j++) {
      const c = X.data[o + j]! - mean[j]!;
      sd[j] += c * c;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(sd[j]! / n);
    sd[j] = s > 0 ? s : 1;
  }
  return { mean, sd };
}

/** Solve L x = b for lower-triangular L `[n, n]` (row-major); `out` (length n) avoids an allocation per call. */
export function solveLower(
  L: Float64Array,
  b: ArrayLike<number>,
  n: number,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  const x = out;
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

/** Solve Lᵀ x = b for lower-triangular L `[n, n]` (row-major). */
export function solveUpperT(L: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}
