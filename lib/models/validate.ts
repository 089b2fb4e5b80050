/**
 * Checks shared by every model builder and every model input. A model fails fast, before any
 * tensor is allocated, with a message that names the bad value and the fix; data errors name
 * the row (or window and step) and the column by index and feature name.
 */
import type { Matrix, Windows } from "../runtime/matrix";
import { ACTIVATIONS, type Activation } from "./types";

/** Throw unless `value` is an integer >= min. */
export function checkInt(model: string, field: string, value: unknown, min = 1): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new Error(`${model}: ${field} must be an integer >= ${min}, got ${String(value)}.`);
  }
  return value;
}

/** Throw unless `value` is a finite number in [lo, hi] (or [lo, hi) when `hiOpen`). */
export function checkRange(
  model: string,
  field: string,
  value: unknown,
  lo: number,
  hi: number,
  hiOpen = false,
): number {
  const ok = typeof value === "number" && Number.isFinite(value) && value >= lo && (hiOpen ? value < hi : value <= hi);
  if (!ok) {
    throw new Error(`${model}: ${field} must be a number in [${lo}, ${hi}${hiOpen ? ")" : "]"}, got ${String(value)}.`);
  }
  return value as number;
}

/** Throw unless `value` is a known activation name. */
export function checkActivation(model: string, field: string, value: unknown): Activation {
  if (typeof value !== "string" || !(ACTIVATIONS as readonly string[]).includes(value)) {
    throw new Error(
      `${model}: ${field} "${String(value)}" is not a known activation. Use one of: ${ACTIVATIONS.join(", ")}.`,
    );
  }
  return value as Activation;
}

/** Throw unless `value` is a list of positive integer layer widths (may be empty when allowEmpty). */
export function checkWidths(model: string, field: string, value: unknown, allowEmpty: boolean): number[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) {
    throw new Error(
      `${model}: ${field} must be ${allowEmpty ? "an" : "a non-empty"} array of positive integers, got ${JSON.stringify(value)}.`,
    );
  }
  value.forEach((w, i) => {
    if (typeof w !== "number" || !Number.isInteger(w) || w < 1) {
      throw new Error(`${model}: ${field}[${i}] must be a positive integer, got ${String(w)}.`);
    }
  });
  return [...value] as number[];
}

/** Throw unless the feature names are non-empty, unique strings. */
export function checkFeatureNames(model: string, names: unknown): string[] {
  if (!Array.isArray(names) || names.length === 0) {
    throw new Error(
      `${model}: featureNames must be a non-empty array of column names (one per input feature); use defaultFeatureNames(n) when columns have no names.`,
    );
  }
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (typeof n !== "string" || n.length === 0)
      throw new Error(`${model}: featureNames[${i}] must be a non-empty string, got ${JSON.stringify(n)}.`);
    if (seen.has(n)) throw new Error(`${model}: featureNames has "${n}" twice; names must be unique.`);
    seen.add(n);
  });
  return [...names] as string[];
}

/** Throw unless the bottleneck is narrower than the input. */
export function checkLatent(model: string, latentDim: unknown, inputSize: number, inputLabel: string): number {
  const k = checkInt(model, "latentDim", latentDim);
  if (k >= inputSize) {
    throw new Error(
      `${model}: latentDim (${k}) must be smaller than the input size (${inputLabel} = ${inputSize}): ` +
        `a code as wide as its input can learn the identity and flags nothing. Use latentDim <= ${inputSize - 1}.`,
    );
  }
  return k;
}

/** Feature names f0..f(n-1) for unnamed columns. */
export function defaultFeatureNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `f${i}`);
}

/** Throw unless a seed is a usable integer. */
export function checkSeed(model: string, seed: unknown): number {
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0) {
    throw new Error(`${model}: seed must be a non-negative integer, got ${String(seed)}.`);
  }
  return seed;
}

/**
 * Check a row matrix against the model's features: column count and every value finite.
 * @param what label used in messages, e.g. "training data".
 */
export function checkMatrix(model: string, what: string, x: Matrix, featureNames: string[]): void {
  if (x.cols !== featureNames.length) {
    throw new Error(
      `${model}: ${what} has ${x.cols} columns but the model was built for ${featureNames.length} features (${featureNames.slice(0, 5).join(", ")}${featureNames.length > 5 ? ", ..." : ""}). Select the same feature columns in the same order.`,
    );
  }
  if (x.data.length !== x.rows * x.cols) {
    throw new Error(
      `${model}: ${what} buffer has ${x.data.length} values but shape [${x.rows}, ${x.cols}] needs ${x.rows * x.cols}.`,
    );
  }
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      const r = Math.floor(i / x.cols);
      const c = i % x.cols;
      throw new Error(
        `${model}: ${what} has ${d[i]} at row ${r}, column ${c} ("${featureNames[c]}"). Impute or drop non-finite values before training or scoring.`,
      );
    }
  }
}

/** Check a window stack against the model: window length, feature count and every value finite. */
export function checkWindows(
  model: string,
  what: string,
  w: Windows,
  featureNames: string[],
  windowLength: number,
): void {
  if (w.features !== featureNames.length) {
    throw new Error(
      `${model}: ${what} has ${w.features} features per step but the model was built for ${featureNames.length} (${featureNames.join(", ")}).`,
    );
  }
  if (w.length !== windowLength) {
    throw new Error(
      `${model}: ${what} has windows of length ${w.length} but the model was built with windowLength ${windowLength}. Cut windows with the model's windowLength.`,
    );
  }
  if (w.data.length !== w.n * w.length * w.features) {
    throw new Error(
      `${model}: ${what} buffer has ${w.data.length} values but shape [${w.n}, ${w.length}, ${w.features}] needs ${w.n * w.length * w.features}.`,
    );
  }
  const d = w.data;
  const perWindow = w.length * w.features;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      const win = Math.floor(i / perWindow);
      const step = Math.floor((i % perWindow) / w.features);
      const f = i % w.features;
      throw new Error(
        `${model}: ${what} has ${d[i]} in window ${win}, step ${step}, feature ${f} ("${featureNames[f]}"). Impute or drop non-finite values before cutting windows.`,
      );
    }
  }
}

/**
 * Indices of columns whose training values are all equal (zero variance). Such a feature is
 * kept: the decoder reproduces it through its output bias, so its reconstruction error tends
 * to zero and it never drives a score. fit() reports it in the history's warnings.
 * @param data row-major `[n, width]`.
 */
export function constantColumns(data: Float32Array, n: number, width: number): number[] {
  if (n === 0) return [];
  const out: number[] = [];
  for (let j = 0; j < width; j++) {
    const first = data[j]!;
    let constant = true;
    for (let i = 1; i < n; i++) {
      if (data[i * width + j] !== first) {
        constant = false;
        break;
      }
    }
    if (constant) out.push(j);
  }
  return out;
}
