/**
 * No-model anchors for tabular anomaly detection: scores that need no training loop, fitted
 * on the normal training rows only, against which every autoencoder is judged.
 *
 * - Mahalanobis distance: d²(x) = (x - μ)ᵀ (Σ + λD)⁻¹ (x - μ) with the mean μ and covariance
 *   Σ of the fit rows and D = diag(Σ), λ = RIDGE_RELATIVE: each variance grows by the same
 *   small share, which keeps Σ invertible when features are collinear and, unlike a ridge
 *   λI, keeps the distance independent of each feature's unit. A constant column has no
 *   variance to scale: it gets λ × the mean variance (or λ when every column is constant),
 *   so any deviation from the constant counts heavily, as it should. It is the
 *   log-likelihood score of a Gaussian fitted to the normal rows, and the score that a
 *   linear autoencoder (PCA) with its latent and residual parts both whitened reduces to.
 * - Mean z²: (1/d) Σⱼ ((xⱼ - μⱼ)/σⱼ)², the Mahalanobis distance with the correlations
 *   ignored (a diagonal covariance), i.e. a per-feature z-score detector.
 *
 * Both return the squared distance (monotone in the distance, so ROC and PR are the same).
 * Computation is in Float64; inputs are the project's Float32 matrices.
 */
import type { Matrix } from "../runtime/matrix";
import { covarianceMatrix } from "../stats/eigen";
import { cholesky, solveLower, standardiser } from "../stats/linalg";

/** Ridge relative to each variance: 1e-3 changes well-conditioned distances by about 0.1% and keeps the correlation matrix's smallest eigenvalue >= 1e-3 relative to its diagonal. */
export const RIDGE_RELATIVE = 1e-3;

/** A fitted anchor: scores rows of a matrix with the same columns. */
export interface TabularAnchor {
  /** Short name for tables ("Mahalanobis", "mean z²"). */
  readonly name: string;
  /** Number of columns it was fitted on. */
  readonly cols: number;
  /** Rows it was fitted on. */
  readonly nFitRows: number;
  /**
   * Score rows of X (all rows, or `rows`), higher = more anomalous.
   * @returns `[n]` squared distances.
   */
  score(X: Matrix, rows?: ArrayLike<number>): Float64Array;
}

function checkFit(what: string, X: Matrix, rows: ArrayLike<number> | undefined, minRows: number): number {
  const n = rows ? rows.length : X.rows;
  if (n < minRows)
    throw new Error(
      `${what}: needs at least ${minRows} fit rows to estimate a mean and spread, got ${n}; use a larger training split.`,
    );
  if (rows)
    for (let q = 0; q < rows.length; q++) {
      const i = rows[q]!;
      if (!(Number.isInteger(i) && i >= 0 && i < X.rows))
        throw new Error(`${what}: fit row ${i} (position ${q}) is outside 0..${X.rows - 1}.`);
    }
  for (let q = 0; q < n; q++) {
    const i = rows ? rows[q]! : q;
    for (let j = 0; j < X.cols; j++) {
      const v = X.data[i * X.cols + j]!;
      if (!Number.isFinite(v))
        throw new Error(`${what}: value ${v} at row ${i}, column ${j} is not finite; clean the features first.`);
    }
  }
  return n;
}

function checkScore(what: string, X: Matrix, cols: number): void {
  if (X.cols !== cols)
    throw new Error(
      `${what}: fitted on ${cols} columns but asked to score a matrix with ${X.cols}; use the same features.`,
    );
}

/** Squared norm of L⁻¹v (forward substitution): vᵀ(LLᵀ)⁻¹v. `work` is a scratch buffer of length d. */
function whitenedSquaredNorm(L: Float64Array, d: number, v: Float64Array, work: Float64Array): number {
  const y = solveLower(L, v, d, work);
  let s2 = 0;
  for (let i = 0; i < d; i++) s2 += y[i]! * y[i]!;
  return s2;
}

/** Options of `fitMahalanobis`. */
export interface MahalanobisOptions {
  /** Ridge added to the diagonal, relative to the mean variance (default RIDGE_RELATIVE). */
  ridge?: number;
  /** Name shown in tables (default "Mahalanobis"). */
  name?: string;
}

/**
 * Fit the Mahalanobis anchor on rows of X (all rows, or `rows`): mean, covariance with
 * the population normalisation (1/n), each variance raised by the share `ridge`.
 * @throws with fewer than 2 fit rows or a non-finite value.
 */
export function fitMahalanobis(X: Matrix, rows?: ArrayLike<number>, options: MahalanobisOptions = {}): TabularAnchor {
  const ridge = options.ridge ?? RIDGE_RELATIVE;
  if (!(Number.isFinite(ridge) && ridge > 0))
    throw new Error(`fitMahalanobis: ridge must be a positive number (e.g. ${RIDGE_RELATIVE}), got ${ridge}.`);
  const name = options.name ?? "Mahalanobis";
  const n = checkFit(name, X, rows, 2);
  const d = X.cols;
  const { mean, cov } = covarianceMatrix(X, { rows, population: true });
  let trace = 0;
  for (let a = 0; a < d; a++) trace += cov[a * d + a]!;
  // Constant columns have no variance to scale: the mean variance (1 when every column is constant).
  const fallback = trace > 0 ? trace / d : 1;
  for (let a = 0; a < d; a++) {
    const v = cov[a * d + a]!;
    cov[a * d + a] = v + ridge * (v > 0 ? v : fallback);
  }
  const L = cholesky(cov, d);
  return {
    name,
    cols: d,
    nFitRows: n,
    score(Xs: Matrix, scoreRows?: ArrayLike<number>): Float64Array {
      checkScore(name, Xs, d);
      const m = scoreRows ? scoreRows.length : Xs.rows;
      const out = new Float64Array(m);
      const v = new Float64Array(d);
      const work = new Float64Array(d);
      for (let q = 0; q < m; q++) {
        const o = (scoreRows ? scoreRows[q]! : q) * d;
        for (let j = 0; j < d; j++) v[j] = Xs.data[o + j]! - mean[j]!;
        out[q] = whitenedSquaredNorm(L, d, v, work);
      }
      return out;
    },
  };
}

/**
 * Fit the mean-z² anchor on rows of X: per-feature mean and population standard deviation
 * (a zero spread becomes 1, so a constant column counts its raw deviation).
 * @throws with fewer than 2 fit rows or a non-finite value.
 */
export function fitMeanZ2(X: Matrix, rows?: ArrayLike<number>, name = "mean z²"): TabularAnchor {
  const n = checkFit(name, X, rows, 2);
  const d = X.cols;
  const { mean, sd } = standardiser(X, rows);
  return {
    name,
    cols: d,
    nFitRows: n,
    score(Xs: Matrix, scoreRows?: ArrayLike<number>): Float64Array {
      checkScore(name, Xs, d);
      const m = scoreRows ? scoreRows.length : Xs.rows;
      const out = new Float64Array(m);
      for (let q = 0; q < m; q++) {
        const o = (scoreRows ? scoreRows[q]! : q) * d;
        let s = 0;
        for (let j = 0; j < d; j++) {
          const z = (Xs.data[o + j]! - mean[j]!) / sd[j]!;
          s += z * z;
        }
        out[q] = s / d;
      }
      return out;
    },
  };
}
