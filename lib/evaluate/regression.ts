/**
 * Reconstruction and regression errors: MSE, MAE and R^2, overall, per row (one anomaly
 * score per row) and per column (which features a model reconstructs badly).
 *
 * Inputs are Matrices `[rows, cols]` (Float32 model outputs) or plain vectors; sums run in
 * Float64. Non-finite values throw with their row and column: a NaN reconstruction means a
 * diverged model, and averaging it away would hide that.
 */

import type { Matrix } from "../runtime/matrix";
import type { NumericVector } from "../stats/descriptive";

/** A matrix `[rows, cols]` or a vector (treated as one column). */
export type Values = Matrix | NumericVector;

function isMatrix(v: Values): v is Matrix {
  const m = v as Matrix;
  return (
    m !== null &&
    typeof m === "object" &&
    m.data instanceof Float32Array &&
    typeof m.rows === "number" &&
    typeof m.cols === "number"
  );
}

interface Shaped {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

function shape(v: Values, name: string): Shaped {
  if (isMatrix(v)) {
    if (v.data.length !== v.rows * v.cols) {
      throw new Error(`${name} has ${v.data.length} values but shape [${v.rows}, ${v.cols}]; build it with matrix().`);
    }
    return v;
  }
  if (v == null || typeof (v as NumericVector).length !== "number")
    throw new Error(`${name} must be a Matrix or an array of numbers.`);
  return { data: v, rows: v.length, cols: 1 };
}

function pair(yTrue: Values, yPred: Values): [Shaped, Shaped] {
  const a = shape(yTrue, "yTrue");
  const b = shape(yPred, "yPred");
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new Error(`yTrue has shape [${a.rows}, ${a.cols}] but yPred has [${b.rows}, ${b.cols}]; they must match.`);
  }
  if (a.rows === 0 || a.cols === 0)
    throw new Error(`yTrue is empty (shape [${a.rows}, ${a.cols}]); pass at least one value.`);
  return [a, b];
}

function finite(v: number, name: string, idx: number, cols: number): number {
  if (!Number.isFinite(v)) {
    const where = cols === 1 ? `[${idx}]` : `[row ${Math.floor(idx / cols)}, col ${idx % cols}]`;
    throw new Error(
      `${name}${where} is ${v}; errors need finite values (a NaN reconstruction means the model diverged).`,
    );
  }
  return v;
}

type Reducer = (d: number) => number;
const SQUARED: Reducer = (d) => d * d;
const ABSOLUTE: Reducer = (d) => Math.abs(d);

function perRow(yTrue: Values, yPred: Values, f: Reducer): Float64Array {
  const [a, b] = pair(yTrue, yPred);
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let j = 0; j < a.cols; j++) {
      const k = i * a.cols + j;
      s += f(finite(a.data[k]!, "yTrue", k, a.cols) - finite(b.data[k]!, "yPred", k, a.cols));
    }
    out[i] = s / a.cols;
  }
  return out;
}

function perColumn(yTrue: Values, yPred: Values, f: Reducer): Float64Array {
  const [a, b] = pair(yTrue, yPred);
  const out = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) {
      const k = i * a.cols + j;
      out[j] += f(finite(a.data[k]!, "yTrue", k, a.cols) - finite(b.data[k]!, "yPred", k, a.cols));
    }
  }
  for (let j = 0; j < a.cols; j++) out[j] /= a.rows;
  return out;
}

function overall(yTrue: Values, yPred: Values, f: Reducer): number {
  const [a, b] = pair(yTrue, yPred);
  let s = 0;
  const n = a.rows * a.cols;
  for (let k = 0; k < n; k++) s += f(finite(a.data[k]!, "yTrue", k, a.cols) - finite(b.data[k]!, "yPred", k, a.cols));
  return s / n;
}

/** Mean squared error over all values. */
export function mse(yTrue: Values, yPred: Values): number {
  return overall(yTrue, yPred, SQUARED);
}

/** Mean absolute error over all values. */
export function mae(yTrue: Values, yPred: Values): number {
  return overall(yTrue, yPred, ABSOLUTE);
}

/** Root mean squared error over all values. */
export function rmse(yTrue: Values, yPred: Values): number {
  return Math.sqrt(mse(yTrue, yPred));
}

/** MSE of each row (mean over columns): the reconstruction-error anomaly score. `[rows]`. */
export function msePerRow(yTrue: Values, yPred: Values): Float64Array {
  return perRow(yTrue, yPred, SQUARED);
}

/** MAE of each row (mean over columns). `[rows]`. */
export function maePerRow(yTrue: Values, yPred: Values): Float64Array {
  return perRow(yTrue, yPred, ABSOLUTE);
}

/** MSE of each column (mean over rows): which features reconstruct badly. `[cols]`. */
export function msePerColumn(yTrue: Values, yPred: Values): Float64Array {
  return perColumn(yTrue, yPred, SQUARED);
}

/** MAE of each column (mean over rows). `[cols]`. */
export function maePerColumn(yTrue: Values, yPred: Values): Float64Array {
  return perColumn(yTrue, yPred, ABSOLUTE);
}

/**
 * Coefficient of determination of each column, 1 - SS_res / SS_tot with SS_tot about the
 * column mean of yTrue (sklearn.metrics.r2_score, multioutput="raw_values"). A constant
 * yTrue column gets 1 when predicted exactly and 0 otherwise (sklearn's force_finite).
 * @returns `[cols]`.
 */
export function r2PerColumn(yTrue: Values, yPred: Values): Float64Array {
  const [a, b] = pair(yTrue, yPred);
  const { rows, cols } = a;
  const meanCol = new Float64Array(cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      meanCol[j] += finite(a.data[k]!, "yTrue", k, cols);
    }
  for (let j = 0; j < cols; j++) meanCol[j] /= rows;
  const ssRes = new Float64Array(cols);
  const ssTot = new Float64Array(cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      const t = a.data[k]!;
      const d = t - finite(b.data[k]!, "yPred", k, cols);
      const c = t - meanCol[j]!;
      ssRes[j] += d * d;
      ssTot[j] += c * c;
    }
  const out = new Float64Array(cols);
  for (let j = 0; j < cols; j++) out[j] = ssTot[j]! > 0 ? 1 - ssRes[j]! / ssTot[j]! : ssRes[j] === 0 ? 1 : 0;
  return out;
}

/**
 * R^2 (coefficient of determination). For a vector, 1 - SS_res / SS_tot; for a matrix, the
 * unweighted mean of per-column R^2 (sklearn's multioutput="uniform_average"). Can be
 * negative (worse than predicting the mean). Constant targets: see `r2PerColumn`.
 */
export function r2(yTrue: Values, yPred: Values): number {
  const per = r2PerColumn(yTrue, yPred);
  let s = 0;
  for (let j = 0; j < per.length; j++) s += per[j]!;
  return s / per.length;
}
