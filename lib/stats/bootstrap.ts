/**
 * Bootstrap confidence intervals, plain and clustered.
 *
 * Rows of a market panel are not independent: days of one token share its regime, so a
 * plain bootstrap over rows understates uncertainty. The cluster bootstrap resamples whole
 * groups (tokens) with replacement and keeps every row of a drawn group together. Intervals
 * are percentile intervals (quantiles of the replicates, linear interpolation). All draws
 * come from a seeded stream: the same seed gives the same interval.
 */

import { quantileSorted, toFinite64, toRng, mean, std, type NumericVector, type RngLike } from "./descriptive";

/** Default number of bootstrap replicates: Monte-Carlo error of a 95% percentile bound ~0.01 sd. */
export const DEFAULT_N_BOOT = 1000;

/** Default two-sided error rate: 95% intervals. */
export const DEFAULT_ALPHA = 0.05;

/** Options shared by every bootstrap. */
export interface BootstrapOptions {
  /** Replicates. Default DEFAULT_N_BOOT. */
  nBoot?: number;
  /** Two-sided error rate; the interval covers 1 - alpha. Default DEFAULT_ALPHA. */
  alpha?: number;
  /** Stream or seed for the resampling. */
  rng: RngLike;
}

/** A percentile bootstrap interval. */
export interface BootstrapResult {
  /** The statistic on the original sample. */
  estimate: number;
  /** Lower bound: the alpha/2 quantile of the replicates. */
  lo: number;
  /** Upper bound: the 1 - alpha/2 quantile of the replicates. */
  hi: number;
  /** Standard deviation of the replicates (bootstrap standard error). */
  se: number;
  alpha: number;
  nBoot: number;
  /** Replicates whose statistic was finite (NaN replicates are dropped and counted here). */
  nValid: number;
  /** Units resampled: rows, or groups for a cluster bootstrap. */
  nUnits: number;
  /** "rows" or "clusters". */
  resampled: "rows" | "clusters";
  warnings: string[];
}

function checkOptions(options: BootstrapOptions): { nBoot: number; alpha: number } {
  const nBoot = options.nBoot ?? DEFAULT_N_BOOT;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  if (!(Number.isInteger(nBoot) && nBoot >= 2))
    throw new Error(`nBoot must be an integer >= 2, got ${nBoot} (e.g. 1000).`);
  if (!(alpha > 0 && alpha < 1)) throw new Error(`alpha must be in (0, 1), got ${alpha} (0.05 gives a 95% interval).`);
  if (options.rng === undefined || options.rng === null)
    throw new Error("bootstrap needs options.rng (an Rng or a seed) so that intervals are reproducible.");
  return { nBoot, alpha };
}

function summarise(
  estimate: number,
  reps: number[],
  nBoot: number,
  alpha: number,
  nUnits: number,
  resampled: "rows" | "clusters",
): BootstrapResult {
  const warnings: string[] = [];
  const valid = Float64Array.from(reps.filter((v) => Number.isFinite(v)));
  valid.sort();
  if (valid.length < nBoot) {
    warnings.push(`${nBoot - valid.length} of ${nBoot} replicates gave a non-finite statistic and were dropped.`);
  }
  if (valid.length === 0) {
    return { estimate, lo: NaN, hi: NaN, se: NaN, alpha, nBoot, nValid: 0, nUnits, resampled, warnings };
  }
  if (nUnits < 10)
    warnings.push(`Only ${nUnits} ${resampled} were resampled; percentile intervals are unreliable below ~10.`);
  return {
    estimate,
    lo: quantileSorted(valid, alpha / 2),
    hi: quantileSorted(valid, 1 - alpha / 2),
    se: valid.length > 1 ? std(valid, 1) : NaN,
    alpha,
    nBoot,
    nValid: valid.length,
    nUnits,
    resampled,
    warnings,
  };
}

/**
 * Generic bootstrap over `nUnits` exchangeable units: each replicate draws `nUnits` unit
 * indices with replacement and calls `statistic(indices)`. Use it for paired or multi-array
 * statistics (e.g. ROC-AUC of resampled rows: index into scores and labels together).
 * @param statistic receives `[nUnits]` indices (with repeats) and returns a number; NaN
 *   results are dropped and counted. The index array is reused between calls: copy it to
 *   keep it.
 */
export function bootstrapStatistic(
  nUnits: number,
  statistic: (indices: Int32Array) => number,
  options: BootstrapOptions,
): BootstrapResult {
  const { nBoot, alpha } = checkOptions(options);
  if (!(Number.isInteger(nUnits) && nUnits >= 1)) throw new Error(`bootstrap needs at least one unit, got ${nUnits}.`);
  const rng = toRng(options.rng);
  const identity = new Int32Array(nUnits);
  for (let i = 0; i < nUnits; i++) identity[i] = i;
  const estimate = statistic(identity);
  const reps: number[] = [];
  const idx = new Int32Array(nUnits);
  for (let b = 0; b < nBoot; b++) {
    for (let i = 0; i < nUnits; i++) idx[i] = rng.int(nUnits);
    reps.push(statistic(idx));
  }
  return summarise(estimate, reps, nBoot, alpha, nUnits, "rows");
}

/**
 * Percentile bootstrap interval of a statistic of one sample (default: the mean).
 * @param values `[n]` finite values.
 * @param options.statistic maps a resampled `[n]` Float64Array to a number. Default mean.
 */
export function bootstrapCI(
  values: NumericVector,
  options: BootstrapOptions & { statistic?: (sample: Float64Array) => number },
): BootstrapResult {
  const x = toFinite64(values, "values");
  const stat = options.statistic ?? mean;
  const sample = new Float64Array(x.length);
  return bootstrapStatistic(
    x.length,
    (idx) => {
      for (let i = 0; i < idx.length; i++) sample[i] = x[idx[i]!]!;
      return stat(sample);
    },
    options,
  );
}

/**
 * Cluster bootstrap with a statistic over rows: each replicate draws as many groups as
 * there are, with replacement, and passes the row indices of the drawn groups
 * (concatenated, a group drawn twice appears twice) to `statistic`.
 * @param groups `[n]` group id per row (e.g. token index); any integers or strings.
 * @param statistic receives row indices and returns a number; NaN results are dropped.
 */
export function clusterBootstrapStatistic(
  groups: ArrayLike<number | string>,
  statistic: (rowIndices: Int32Array) => number,
  options: BootstrapOptions,
): BootstrapResult {
  const { nBoot, alpha } = checkOptions(options);
  const n = groups.length;
  if (n === 0) throw new Error("clusterBootstrap: groups is empty; pass one group id per row.");
  const rng = toRng(options.rng);
  const members = new Map<number | string, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups[i]!;
    if (typeof g === "number" && Number.isNaN(g)) throw new Error(`groups[${i}] is NaN; every row needs a group id.`);
    let list = members.get(g);
    if (!list) members.set(g, (list = []));
    list.push(i);
  }
  const clusters = [...members.values()].map((l) => Int32Array.from(l));
  const nClusters = clusters.length;
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const estimate = statistic(all);
  const reps: number[] = [];
  let buffer = new Int32Array(n);
  for (let b = 0; b < nBoot; b++) {
    let len = 0;
    for (let c = 0; c < nClusters; c++) {
      const rows = clusters[rng.int(nClusters)]!;
      if (len + rows.length > buffer.length) {
        const bigger = new Int32Array(Math.max(buffer.length * 2, len + rows.length));
        bigger.set(buffer.subarray(0, len));
        buffer = bigger;
      }
      buffer.set(rows, len);
      len += rows.length;
    }
    reps.push(statistic(buffer.slice(0, len)));
  }
  return summarise(estimate, reps, nBoot, alpha, nClusters, "clusters");
}

/**
 * Cluster bootstrap interval of a statistic of per-row values (default: the mean over all
 * rows of the drawn groups, so large groups weigh more, as in the original sample).
 * @param values `[n]` finite values.
 * @param groups `[n]` group id per row.
 */
export function clusterBootstrapCI(
  values: NumericVector,
  groups: ArrayLike<number | string>,
  options: BootstrapOptions & { statistic?: (sample: Float64Array) => number },
): BootstrapResult {
  const x = toFinite64(values, "values");
  if (groups.length !== x.length)
    throw new Error(`groups has ${groups.length} values but values has ${x.length}; align them row by row.`);
  const stat = options.statistic ?? mean;
  return clusterBootstrapStatistic(
    groups,
    (rows) => {
      const sample = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) sample[i] = x[rows[i]!]!;
      return stat(sample);
    },
    options,
  );
}

/**
 * Percentile interval of replicate values computed elsewhere (NaN replicates dropped), the
 * same interval `bootstrapStatistic` reports: quantiles alpha/2 and 1 - alpha/2.
 */
export function percentileInterval(estimate: number, reps: number[], alpha: number): Interval {
  const valid = Float64Array.from(reps.filter((v) => Number.isFinite(v))).sort();
  if (valid.length === 0) return { estimate, lo: NaN, hi: NaN };
  return { estimate, lo: quantileSorted(valid, alpha / 2), hi: quantileSorted(valid, 1 - alpha / 2) };
}

// ---------------------------------------------------------------------------------------
// Metrics and bootstrap
// ---------------------------------------------------------------------------------------

/** An estimate with a percentile bootstrap interval. */
export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}
