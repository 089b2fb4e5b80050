/**
 * Reconstruction-error scores standardised per feature by the error a model makes on the
 * normal rows it was fitted on.
 *
 * A raw reconstruction MSE adds up squared errors of every feature with equal weight, so
 * the features a model rebuilds worst on normal rows (the noisy, heavy-tailed ones) dominate
 * the score, and a fraud's large error on a feature that normal rows reproduce almost
 * exactly counts no more than ordinary noise elsewhere. Dividing each feature's error by its
 * spread on the normal fit rows puts every feature on the scale of "how unusual is this
 * error for a normal row": the mean over features of the squared residual z-scores,
 *
 *   score(x) = (1/d) Σⱼ ((rⱼ - m̄ⱼ) / sⱼ)²,  r = x - reconstruct(x),
 *
 * with m̄ⱼ and sⱼ the mean and standard deviation of feature j's residual on the fit rows.
 * It is the mean-z² detector applied to residuals; for PCA with every axis kept it is
 * undefined (zero residual), with few axes it is close to the Mahalanobis distance over the
 * minor components. Fitting needs only the normal training rows, no labels.
 */
import type { Matrix } from "../runtime/matrix";
import { fitMeanZ2, type TabularAnchor } from "./anchors-tabular";

/** What the scorer needs of a model: its name and a row reconstruction (every RowModel has both). */
export interface Reconstructor {
  readonly name: string;
  reconstruct(x: Matrix): Matrix;
}

/** Rows reconstructed per call: bounds the tensors of one call (~4 MB at 32 features). */
export const RESIDUAL_CHUNK_ROWS = 32_768;

/**
 * Residuals x - reconstruct(x) of every row of X (or of `rows`), reconstructed in chunks.
 * @returns `[n, cols]` residual matrix.
 */
export function residualMatrix(model: Reconstructor, X: Matrix, rows?: ArrayLike<number>): Matrix {
  const n = rows ? rows.length : X.rows;
  const d = X.cols;
  const out = new Float32Array(n * d);
  for (let start = 0; start < n; start += RESIDUAL_CHUNK_ROWS) {
    const end = Math.min(n, start + RESIDUAL_CHUNK_ROWS);
    const chunk = new Float32Array((end - start) * d);
    for (let q = start; q < end; q++) {
      const i = rows ? rows[q]! : q;
      chunk.set(X.data.subarray(i * d, (i + 1) * d), (q - start) * d);
    }
    const input: Matrix = { data: chunk, rows: end - start, cols: d };
    const recon = model.reconstruct(input);
    for (let k = 0; k < chunk.length; k++) out[start * d + k] = chunk[k]! - recon.data[k]!;
  }
  for (let k = 0; k < out.length; k++)
    if (!Number.isFinite(out[k]!))
      throw new Error(
        `Model ${model.name} gave a non-finite reconstruction for row ${rows ? rows[Math.floor(k / d)] : Math.floor(k / d)}: training diverged; check its history.`,
      );
  return { data: out, rows: n, cols: d };
}

/** A model's standardised reconstruction error, fitted on its normal training rows. */
export interface StandardisedErrorScorer {
  /** Name of the model. */
  readonly model: string;
  /** Residual mean and spread per feature on the fit rows (as a mean-z² anchor over residuals). */
  readonly residualStats: TabularAnchor;
  /** Scores of rows of X (all, or `rows`), higher = more anomalous. */
  score(X: Matrix, rows?: ArrayLike<number>): Float64Array;
}

/**
 * Fit the per-feature residual spread of `model` on the fit rows of X (the normal training
 * rows it learned) and return a scorer of the standardised error.
 * @throws with fewer than 2 fit rows.
 */
export function fitStandardisedError(
  model: Reconstructor,
  X: Matrix,
  fitRows?: ArrayLike<number>,
): StandardisedErrorScorer {
  const residualStats = fitMeanZ2(residualMatrix(model, X, fitRows), undefined, `${model.name} residual z²`);
  return {
    model: model.name,
    residualStats,
    score(Xs: Matrix, rows?: ArrayLike<number>): Float64Array {
      return residualStats.score(residualMatrix(model, Xs, rows));
    },
  };
}
