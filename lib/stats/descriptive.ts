/**
 * Numeric building blocks shared by the evaluation, anomaly and latent-space metrics.
 *
 * Every metric in the project reads scores from Float32 model outputs or plain arrays; doing
 * the arithmetic in Float64 here once (copy, finiteness check, average ranks, interpolated
 * quantiles) keeps the metrics consistent with each other and with numpy/scipy/sklearn, whose
 * definitions they follow. Non-finite input is an error that names the array and the index:
 * a NaN score means a bug upstream, and silently dropping it would bias every metric.
 */

import { Rng } from "../runtime/rng";

/** A vector of numbers in any of the shapes the project produces. */
export type NumericVector = ArrayLike<number>;

/** A dense Float64 matrix `[rows, cols]`, row-major (results of metrics, never trained on). */
export interface Matrix64 {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** Either a stream or a seed to create one from. */
export type RngLike = Rng | number;

/** Turn an `RngLike` into a stream (a number is a seed). */
export function toRng(rng: RngLike): Rng {
  return typeof rng === "number" ? new Rng(rng) : rng;
}

/**
 * Copy a vector into a Float64Array, checking every value is finite.
 * @param name how the caller calls the array, used in the error message.
 * @throws when the vector is empty (unless `allowEmpty`) or holds NaN/Infinity.
 */
export function toFinite64(values: NumericVector, name: string, allowEmpty = false): Float64Array {
  if (values == null || typeof values.length !== "number") {
    throw new Error(`${name} must be an array of numbers, got ${values === null ? "null" : typeof values}.`);
  }
  const n = values.length;
  if (n === 0 && !allowEmpty) throw new Error(`${name} is empty; pass at least one value.`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new Error(`${name}[${i}] is ${v}; remove or repair non-finite values before computing this metric.`);
    }
    out[i] = v;
  }
  return out;
}

/** Throw unless two arrays have the same length. */
export function assertSameLength(a: { length: number }, b: { length: number }, nameA: string, nameB: string): void {
  if (a.length !== b.length) {
    throw new Error(`${nameA} has ${a.length} values but ${nameB} has ${b.length}; they must be aligned row by row.`);
  }
}

/** Arithmetic mean (Float64 accumulation). Empty -> NaN. */
export function mean(values: NumericVector): number {
  const n = values.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i]!;
  return s / n;
}

/**
 * Variance with `ddof` delta degrees of freedom (0: population, 1: sample), two-pass.
 * Returns NaN when `n - ddof <= 0`.
 */
export function variance(values: NumericVector, ddof = 0): number {
  const n = values.length;
  if (n - ddof <= 0) return NaN;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - m;
    s += d * d;
  }
  return s / (n - ddof);
}

/** Standard deviation, `sqrt(variance(values, ddof))`. */
export function std(values: NumericVector, ddof = 0): number {
  return Math.sqrt(variance(values, ddof));
}

/** Ascending sorted Float64 copy (typed-array numeric sort). */
export function sortedCopy(values: NumericVector): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  out.sort();
  return out;
}

/**
 * Quantile of already sorted values by linear interpolation between order statistics:
 * `h = (n - 1) q`, result `x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])`.
 * This is numpy's default (`method="linear"`) and Hyndman & Fan's type 7.
 * @param sorted ascending values, non-empty.
 * @param q in [0, 1].
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error("quantile of an empty array is undefined; pass at least one value.");
  if (!(q >= 0 && q <= 1))
    throw new Error(`quantile level must be in [0, 1], got ${q} (pass 0.99 for the 99th percentile).`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1]!;
  const frac = h - lo;
  const a = sorted[lo]!;
  const b = sorted[lo + 1]!;
  return frac === 0 ? a : a + frac * (b - a);
}

/** Quantile (linear interpolation, see `quantileSorted`) of finite values. */
export function quantile(values: NumericVector, q: number, name = "values"): number {
  const x = toFinite64(values, name);
  x.sort();
  return quantileSorted(x, q);
}

/** Median (average of the two middle values for even n) of finite values. */
export function median(values: NumericVector, name = "values"): number {
  return quantile(values, 0.5, name);
}

/**
 * Indices that sort `values` ascending; ties keep their original order (stable), so results
 * never depend on the engine's sort algorithm.
 */
export function argsort(values: ArrayLike<number>, descending = false): Int32Array {
  const n = values.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const sign = descending ? -1 : 1;
  // Int32Array.prototype.sort with a comparator is not guaranteed stable; break ties by index.
  idx.sort((a, b) => {
    const d = values[a]! - values[b]!;
    return d !== 0 ? sign * d : a - b;
  });
  return idx;
}

/**
 * Ranks 1..n with ties given the average of the ranks they span ("average" method, as in
 * scipy.stats.rankdata). Example: [10, 20, 20, 30] -> [1, 2.5, 2.5, 4].
 * @throws on NaN/Infinity (named by index).
 */
export function averageRanks(values: NumericVector, name = "values"): Float64Array {
  const x = toFinite64(values, name, true);
  const n = x.length;
  const order = argsort(x);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && x[order[j]!] === x[order[i]!]) j++;
    // Positions i..j-1 (0-based) hold equal values: ranks i+1..j, average (i + 1 + j) / 2.
    const r = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) ranks[order[t]!] = r;
    i = j;
  }
  return ranks;
}

/**
 * Pearson correlation of two equal-length vectors. NaN when either is constant (the
 * correlation is undefined there, as in numpy/scipy).
 */
export function pearson(a: NumericVector, b: NumericVector): number {
  assertSameLength(a, b, "a", "b");
  const n = a.length;
  if (n < 2) return NaN;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  const r = sab / Math.sqrt(saa * sbb);
  // Rounding can push |r| a hair over 1.
  return Math.max(-1, Math.min(1, r));
}

/**
 * Pearson correlation over the positions `from .. to - 1` where both series have a value
 * (pairs with a NaN on either side are skipped: "pairwise complete", as pandas' corr).
 * One pass of running sums, so series with gaps need no copies. `r` is NaN when fewer than
 * `minPairs` pairs remain or either side is constant there; it is not clamped to [-1, 1].
 */
export function pearsonComplete(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  minPairs: number,
  from = 0,
  to = a.length,
): { r: number; n: number } {
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let k = from; k < to; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    n++;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  if (n < minPairs) return { r: Number.NaN, n };
  const cov = sab - (sa * sb) / n;
  const va = saa - (sa * sa) / n;
  const vb = sbb - (sb * sb) / n;
  return { r: va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : Number.NaN, n };
}

/**
 * Standard normal upper-tail probability P(Z > z), via erfc with a Chebyshev fit whose
 * relative error is below 1.2e-7 everywhere (Numerical Recipes' erfcc).
 */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Complementary error function (fractional error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  // The approximation's relative error (< 1.2e-7) can push it just above 1 at x = 0: clamp to erfc's range.
  const clamped = Math.min(r, 1);
  return x >= 0 ? clamped : 2 - clamped;
}

/**
 * Spearman rank correlation: Pearson correlation of average ranks (ties get the mean of
 * the ranks they span, as scipy.stats.spearmanr). NaN when either vector is constant.
 * @throws on empty input, a length mismatch or non-finite values.
 */
export function spearman(a: NumericVector, b: NumericVector): number {
  if (a.length === 0) throw new Error("spearman: a is empty; pass at least two values.");
  assertSameLength(a, b, "a", "b");
  return pearson(averageRanks(a, "a"), averageRanks(b, "b"));
}
