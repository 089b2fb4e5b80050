/**
 * Feature scaling fitted on the training split only.
 *
 * Normalisation statistics are part of the model: they are fitted on train rows, saved next
 * to the weights (`toJSON`) and applied unchanged to validation, test and new data
 * (`fromJSON`). Fitting on all rows would leak the test period's level and spread into
 * training.
 *
 * - StandardScaler: (x - mean) / std, population std (ddof 0, as scikit-learn).
 * - RobustScaler: (x - median) / IQR with IQR = q75 - q25 (linear interpolation between
 *   order statistics, numpy's default), as scikit-learn; robust to the fat tails and the
 *   anomalies that crypto returns are full of.
 *
 * A feature whose spread is zero on train (constant column) would divide by zero: its scale
 * is set to 1 (values are only centred) and a warning naming the feature is recorded in
 * `warnings`. Spreads below float32 resolution of the centre count as zero (see
 * ZERO_SCALE_RELATIVE). Optional clipping bounds the scaled values to [-clip, clip] so that a
 * single bad print cannot dominate a loss; every clipped value is counted.
 * NaN or infinite input is an error naming the row, column and feature.
 */
import type { Matrix } from "../runtime/matrix";
import { quantileSorted } from "../stats/descriptive";

/** Spread treated as zero: below float32 resolution (2^-23 ~ 1.19e-7) of max(1, |centre|). */
export const ZERO_SCALE_RELATIVE = 1.1920928955078125e-7;
/** A typical clip for standardised values: beyond 10 sd a value is an outlier whatever its size. */
export const DEFAULT_CLIP = 10;

/** Kinds of scaler. */
export type ScalerKind = "standard" | "robust";

/** Options of a scaler. */
export interface ScalerOptions {
  /** Names of the columns (default f0, f1, ...); saved with the statistics and checked on load. */
  featureNames?: readonly string[];
  /** Clip scaled values to [-clip, clip] (e.g. DEFAULT_CLIP = 10); null or absent: no clipping. */
  clip?: number | null;
}

/** The saved form of a fitted scaler (plain JSON). */
export interface ScalerJSON {
  kind: ScalerKind;
  featureNames: string[];
  /** Per feature: mean (standard) or median (robust). */
  center: number[];
  /** Per feature: std (standard) or IQR (robust); 1 where the spread was zero. */
  scale: number[];
  clip: number | null;
  /** Number of rows the statistics were fitted on. */
  nFitRows: number;
  warnings: string[];
}

/** Result of a transform with its clipping counts. */
export interface TransformReport {
  /** `[rows, cols]` scaled values. */
  X: Matrix;
  /** Values clipped in total. */
  clipped: number;
  /** Values clipped per feature. */
  clippedPerFeature: number[];
}

function checkFinite(X: Matrix, rows: ArrayLike<number> | null, names: readonly string[] | null, what: string): void {
  const { data, cols } = X;
  const m = rows ? rows.length : X.rows;
  for (let q = 0; q < m; q++) {
    const i = rows ? rows[q]! : q;
    const p = i * cols;
    for (let j = 0; j < cols; j++) {
      if (!Number.isFinite(data[p + j]!)) {
        const name = names ? ` ("${names[j]}")` : "";
        throw new Error(
          `${what}: value ${data[p + j]} at row ${i}, column ${j}${name} is not finite. Drop or repair that row before scaling.`,
        );
      }
    }
  }
}

/** Common machinery of the two scalers: centre/scale per feature, clip, JSON. */
export abstract class Scaler {
  /** Which statistics this scaler uses. */
  abstract readonly kind: ScalerKind;
  /** Column names (set at fit time when not given). */
  featureNames: string[] | null;
  /** Per-feature centre (mean or median), or null before fit. */
  center: Float64Array | null = null;
  /** Per-feature scale (std or IQR, 1 where zero), or null before fit. */
  scale: Float64Array | null = null;
  /** Clip bound for scaled values, or null. */
  readonly clip: number | null;
  /** Rows used by the last fit. */
  nFitRows = 0;
  /** Warnings of the last fit (zero-spread features). */
  warnings: string[] = [];

  /** @param options column names and optional clip bound. */
  constructor(options: ScalerOptions = {}) {
    this.featureNames = options.featureNames ? [...options.featureNames] : null;
    const clip = options.clip ?? null;
    if (clip !== null && !(clip > 0 && Number.isFinite(clip))) {
      throw new Error(`Scaler clip must be a positive finite number (e.g. ${DEFAULT_CLIP}) or null, got ${clip}.`);
    }
    this.clip = clip;
  }

  /** Per-column (centre, spread) over the given rows; spread may be 0. */
  protected abstract statistics(X: Matrix, rows: ArrayLike<number>): { center: Float64Array; spread: Float64Array };

  /**
   * Fit the statistics on `rows` of X (the train split), or on every row when omitted.
   * @param X `[rows, cols]` feature matrix.
   * @param rows indices of the training rows.
   * @throws on non-finite values in the fitted rows, no rows, or a column-name mismatch.
   */
  fit(X: Matrix, rows?: ArrayLike<number>): this {
    if (this.featureNames && this.featureNames.length !== X.cols) {
      throw new Error(
        `Scaler has ${this.featureNames.length} feature names but X has ${X.cols} columns. Pass names matching the columns.`,
      );
    }
    let idx: ArrayLike<number>;
    if (rows) {
      for (let q = 0; q < rows.length; q++) {
        const i = rows[q]!;
        if (!Number.isInteger(i) || i < 0 || i >= X.rows)
          throw new Error(`Scaler fit: row index ${i} (position ${q}) is outside 0..${X.rows - 1}.`);
      }
      idx = rows;
    } else {
      const all = new Int32Array(X.rows);
      for (let i = 0; i < X.rows; i++) all[i] = i;
      idx = all;
    }
    if (idx.length === 0) throw new Error("Scaler fit got no rows: pass the (non-empty) train row indices.");
    const names = this.featureNames ?? Array.from({ length: X.cols }, (_, j) => `f${j}`);
    checkFinite(X, idx, names, `Scaler fit`);
    const { center, spread } = this.statistics(X, idx);
    const warnings: string[] = [];
    for (let j = 0; j < X.cols; j++) {
      if (!(spread[j]! > ZERO_SCALE_RELATIVE * Math.max(1, Math.abs(center[j]!)))) {
        warnings.push(
          `Feature "${names[j]}" has zero spread on the ${idx.length} fit rows (constant ${center[j]}): scale set to 1, values are only centred.`,
        );
        spread[j] = 1;
      }
    }
    this.featureNames = names;
    this.center = center;
    this.scale = spread;
    this.nFitRows = idx.length;
    this.warnings = warnings;
    return this;
  }

  private fitted(X: Matrix): { center: Float64Array; scale: Float64Array } {
    if (!this.center || !this.scale)
      throw new Error(`${this.kind} scaler is not fitted: call fit(X, trainRows) or fromJSON first.`);
    if (X.cols !== this.center.length) {
      throw new Error(
        `${this.kind} scaler was fitted on ${this.center.length} features (${this.featureNames!.join(", ")}) but X has ${X.cols} columns.`,
      );
    }
    return { center: this.center, scale: this.scale };
  }

  /**
   * Scale X and count clipped values.
   * @param X `[rows, cols]`; every value must be finite.
   * @param inPlace overwrite X's buffer instead of allocating (halves memory on big tables).
   */
  transformWithReport(X: Matrix, inPlace = false): TransformReport {
    const { center, scale } = this.fitted(X);
    checkFinite(X, null, this.featureNames, `${this.kind} scaler transform`);
    const cols = X.cols;
    const out = inPlace ? X.data : new Float32Array(X.data.length);
    const inv = scale.map((s) => 1 / s);
    const clip = this.clip;
    const clippedPerFeature = new Array<number>(cols).fill(0);
    for (let p = 0, j = 0; p < X.data.length; p++) {
      let v = (X.data[p]! - center[j]!) * inv[j]!;
      if (clip !== null) {
        if (v > clip) {
          v = clip;
          clippedPerFeature[j]!++;
        } else if (v < -clip) {
          v = -clip;
          clippedPerFeature[j]!++;
        }
      }
      out[p] = v;
      if (++j === cols) j = 0;
    }
    const clipped = clippedPerFeature.reduce((s, c) => s + c, 0);
    return { X: { data: out, rows: X.rows, cols }, clipped, clippedPerFeature };
  }

  /** Scale X: `(x - center) / scale`, clipped when `clip` is set. Returns a new matrix unless inPlace. */
  transform(X: Matrix, inPlace = false): Matrix {
    return this.transformWithReport(X, inPlace).X;
  }

  /** Undo the scaling: `z * scale + center` (clipped values come back at the clip bound). */
  inverseTransform(Z: Matrix): Matrix {
    const { center, scale } = this.fitted(Z);
    const out = new Float32Array(Z.data.length);
    const cols = Z.cols;
    for (let p = 0, j = 0; p < Z.data.length; p++) {
      out[p] = Z.data[p]! * scale[j]! + center[j]!;
      if (++j === cols) j = 0;
    }
    return { data: out, rows: Z.rows, cols };
  }

  /** The statistics and names as plain JSON, to save next to a model. */
  toJSON(): ScalerJSON {
    if (!this.center || !this.scale)
      throw new Error(`${this.kind} scaler is not fitted: nothing to save. Call fit first.`);
    return {
      kind: this.kind,
      featureNames: [...this.featureNames!],
      center: Array.from(this.center),
      scale: Array.from(this.scale),
      clip: this.clip,
      nFitRows: this.nFitRows,
      warnings: [...this.warnings],
    };
  }

  /** Load statistics saved by toJSON into this scaler (kind and lengths are checked). */
  protected load(json: ScalerJSON): this {
    if (json.kind !== this.kind)
      throw new Error(`Saved scaler is "${json.kind}", cannot load it into a ${this.kind} scaler. Use scalerFromJSON.`);
    const k = json.featureNames.length;
    if (json.center.length !== k || json.scale.length !== k) {
      throw new Error(
        `Saved ${json.kind} scaler is inconsistent: ${k} names, ${json.center.length} centres, ${json.scale.length} scales.`,
      );
    }
    json.scale.forEach((s, j) => {
      if (!(s > 0) || !Number.isFinite(s))
        throw new Error(
          `Saved ${json.kind} scaler has scale ${s} for "${json.featureNames[j]}": scales must be positive and finite.`,
        );
    });
    json.center.forEach((c, j) => {
      if (!Number.isFinite(c))
        throw new Error(
          `Saved ${json.kind} scaler has centre ${c} for "${json.featureNames[j]}": centres must be finite.`,
        );
    });
    this.featureNames = [...json.featureNames];
    this.center = Float64Array.from(json.center);
    this.scale = Float64Array.from(json.scale);
    this.nFitRows = json.nFitRows;
    this.warnings = [...json.warnings];
    return this;
  }
}

/** Standardise each feature to mean 0, std 1 on the training rows. */
export class StandardScaler extends Scaler {
  readonly kind = "standard" as const;

  protected statistics(X: Matrix, rows: ArrayLike<number>): { center: Float64Array; spread: Float64Array } {
    const cols = X.cols;
    const sum = new Float64Array(cols);
    for (let q = 0; q < rows.length; q++) {
      const p = rows[q]! * cols;
      for (let j = 0; j < cols; j++) sum[j] += X.data[p + j]!;
    }
    const mean = sum.map((s) => s / rows.length);
    // Two-pass variance: no cancellation on features with a large mean.
    const ss = new Float64Array(cols);
    for (let q = 0; q < rows.length; q++) {
      const p = rows[q]! * cols;
      for (let j = 0; j < cols; j++) {
        const d = X.data[p + j]! - mean[j]!;
        ss[j] += d * d;
      }
    }
    return { center: mean, spread: ss.map((s) => Math.sqrt(s / rows.length)) };
  }

  /** A StandardScaler with statistics saved by toJSON. */
  static fromJSON(json: ScalerJSON): StandardScaler {
    return new StandardScaler({ clip: json.clip }).load(json);
  }
}

/** Centre each feature on its training median and divide by its training IQR. */
export class RobustScaler extends Scaler {
  readonly kind = "robust" as const;

  protected statistics(X: Matrix, rows: ArrayLike<number>): { center: Float64Array; spread: Float64Array } {
    const cols = X.cols;
    const center = new Float64Array(cols);
    const spread = new Float64Array(cols);
    const colValues = new Float64Array(rows.length);
    for (let j = 0; j < cols; j++) {
      for (let q = 0; q < rows.length; q++) colValues[q] = X.data[rows[q]! * cols + j]!;
      colValues.sort();
      center[j] = quantileSorted(colValues, 0.5);
      spread[j] = quantileSorted(colValues, 0.75) - quantileSorted(colValues, 0.25);
    }
    return { center, spread };
  }

  /** A RobustScaler with statistics saved by toJSON. */
  static fromJSON(json: ScalerJSON): RobustScaler {
    return new RobustScaler({ clip: json.clip }).load(json);
  }
}

/** Rebuild whichever scaler `json.kind` names from its saved statistics. */
export function scalerFromJSON(json: ScalerJSON): StandardScaler | RobustScaler {
  if (json.kind === "standard") return StandardScaler.fromJSON(json);
  if (json.kind === "robust") return RobustScaler.fromJSON(json);
  throw new Error(
    `Unknown scaler kind "${String((json as { kind: unknown }).kind)}" in saved statistics: expected "standard" or "robust".`,
  );
}
