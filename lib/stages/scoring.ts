/**
 * Scoring every token-day of the history with a trained model.
 *
 * Training, thresholds and evaluation metrics use the train / validation / test splits
 * only; the 31-day gaps between them stay out of all three. SCORING covers every
 * token-day, gap days included, so that a crash inside a gap still shows in the stress
 * index and in the agreement of models over the history. The Conv1D model scores the window
 * of `length` contiguous days ENDING on each token-day (whatever splits it covers: it is a
 * reading of the past, not a training example); the first length - 1 days of every run of
 * contiguous days end no window and stay unscored. Windows are scored in chunks, so the
 * stack of all of them never has to exist at once.
 */
import type { Autoencoder } from "../models/types";
import type { Matrix, Windows } from "../runtime/matrix";
import { takeRows } from "../runtime/matrix";
import { windowEndRows, windowsEndingAt } from "../features/windows";
import type { Dataset } from "../features/dataset";

/**
 * Windows scored per chunk: 16,384 windows of 30 days x 17 features are 33 MB of float32
 * input, a few times that inside the model; small against memory, large enough that the
 * per-call overhead of the backend does not matter.
 */
export const SCORE_CHUNK_WINDOWS = 16_384;

/** Keys of the rows a model scores (indices into the dataset rows). */
export interface ScoredRows {
  /** `[m]` dataset row index of each scored row (ascending). */
  rows: Int32Array;
}

/** Every dataset row, gap days included. */
export function allDatasetRows(d: Dataset): Int32Array {
  return Int32Array.from({ length: d.day.length }, (_, i) => i);
}

/** The dataset rows that end a window of `length` contiguous days of their token. */
export function windowEndDatasetRows(d: Dataset, length: number): Int32Array {
  return windowEndRows(d.token, d.day, length);
}

/** What scoring produces per scored row. */
export interface ChunkedScores {
  latents: Matrix;
  mse: Float64Array;
  mae: Float64Array;
  elbo: Float64Array | null;
  /** `[m, nFeatures]` per-feature squared error (Conv1D: averaged over the window's steps). */
  perFeature: Matrix;
}

/**
 * Encode and score `n` inputs built chunk by chunk (`make(from, to)` returns inputs
 * from..to-1), concatenating the results.
 */
export function scoreInChunks<X>(
  model: Autoencoder<X>,
  n: number,
  make: (from: number, to: number) => X,
  chunk = SCORE_CHUNK_WINDOWS,
): ChunkedScores {
  const mse = new Float64Array(n);
  const mae = new Float64Array(n);
  const elbo = model.kind === "vae" ? new Float64Array(n) : null;
  let latents: Float32Array | null = null;
  let perFeature: Float32Array | null = null;
  let fCols = 0;
  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk);
    const x = make(from, to);
    const z = model.encode(x);
    const s = model.score(x, "mse");
    if (!latents) latents = new Float32Array(n * z.cols);
    if (!perFeature) {
      fCols = s.perFeature.cols;
      perFeature = new Float32Array(n * fCols);
    }
    latents.set(z.data.subarray(0, (to - from) * z.cols), from * z.cols);
    perFeature.set(s.perFeature.data.subarray(0, (to - from) * fCols), from * fCols);
    mse.set(s.perRow, from);
    mae.set(model.score(x, "mae").perRow, from);
    if (elbo) elbo.set(model.score(x, "elbo").perRow, from);
  }
  const zc = latents && n ? latents.length / n : model.latentDim;
  return {
    latents: { data: latents ?? new Float32Array(0), rows: n, cols: zc },
    mse,
    mae,
    elbo,
    perFeature: { data: perFeature ?? new Float32Array(0), rows: n, cols: fCols },
  };
}

/** Score a row model on the given dataset rows (default: every row, gap days included). */
export function scoreRowModel(model: Autoencoder<Matrix>, d: Dataset, rows = allDatasetRows(d)): ChunkedScores {
  return scoreInChunks(model, rows.length, (from, to) => takeRows(d.X, rows.subarray(from, to)));
}

/** Score a window model on the window ending at each of `endRows` (default: every row that ends one). */
export function scoreWindowModel(
  model: Autoencoder<Windows>,
  d: Dataset,
  length: number,
  endRows = windowEndDatasetRows(d, length),
): ChunkedScores {
  return scoreInChunks(model, endRows.length, (from, to) => windowsEndingAt(d.X, endRows.subarray(from, to), length));
}

/**
 * Spread scores of some rows onto all dataset rows: `[nRows]` with NaN where a row is not
 * among `rows`.
 */
export function onDatasetRows(d: Dataset, rows: Int32Array, values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(d.day.length).fill(Number.NaN);
  for (let k = 0; k < rows.length; k++) out[rows[k]!] = values[k]!;
  return out;
}

/** The per-row columns of an error frame (structural: the evaluation's ErrorFrame qualifies). */
export interface RowFrame {
  token: Int32Array;
  day: Int32Array;
  split: Int8Array;
  mse: Float64Array;
  mae: Float64Array;
  perFeature: Float64Array[];
}

/**
 * Keep the rows of a frame whose (token, day) is in `keep` (keys `token|day`), in order:
 * evaluation metrics use the rows of the train / validation / test splits (and, for
 * Conv1D, the windows inside a split), while the saved tables also score gap days.
 */
export function restrictFrame<F extends RowFrame>(
  frame: F,
  keep: (token: number, day: number, split: number) => boolean,
): F {
  const idx: number[] = [];
  for (let i = 0; i < frame.token.length; i++) if (keep(frame.token[i]!, frame.day[i]!, frame.split[i]!)) idx.push(i);
  return {
    ...frame,
    token: Int32Array.from(idx, (i) => frame.token[i]!),
    day: Int32Array.from(idx, (i) => frame.day[i]!),
    split: Int8Array.from(idx, (i) => frame.split[i]!),
    mse: Float64Array.from(idx, (i) => frame.mse[i]!),
    mae: Float64Array.from(idx, (i) => frame.mae[i]!),
    perFeature: frame.perFeature.map((c) => Float64Array.from(idx, (i) => c[i]!)),
  };
}
