/**
 * Thresholds that turn anomaly scores into flags, computed once from training scores and
 * outside the models (every detector shares these rules).
 *
 * Three rules, each reporting the false-alarm rate it expects on normal data so that the
 * rate observed on new data can be checked against it:
 * - percentile: the empirical q-quantile of training scores (expected rate 1 - q);
 * - MAD: median + k * 1.4826 * MAD, a robust "k sigma" (expected rate from the normal tail);
 * - POT (peaks over threshold, Siffer et al. 2017 "SPOT"): fit a generalised Pareto
 *   distribution to the excesses over a high initial quantile and extrapolate to a target
 *   false-alarm rate far beyond what the empirical quantile resolves. With too few excesses
 *   it falls back to the empirical quantile and says so.
 * A row is flagged when its score is strictly greater than the threshold. Per-group
 * (per-token) thresholds use the same rules with a global fallback for small groups.
 *
 * Training scores must be finite (a NaN score is an upstream bug); the error names the index.
 */

import { normalSurvival, quantileSorted, toFinite64, type NumericVector } from "../stats/descriptive";

/** Consistency constant making the MAD estimate sigma for normal data: 1 / Phi^-1(3/4). */
export const MAD_TO_SIGMA = 1.4826;

/** Default initial quantile of POT: above it the tail is assumed generalised-Pareto. */
export const POT_INITIAL_QUANTILE = 0.98;

/**
 * Fewest excesses over the initial threshold for a GPD fit. The shape estimate's standard
 * error is about (1 + shape) / sqrt(n); with n = 20 that is already ~0.25, so fewer
 * excesses give thresholds dominated by noise.
 */
export const POT_MIN_EXCEEDANCES = 20;

/**
 * Fewest training rows a group needs for its own threshold; smaller groups use the global
 * one. 250 is about one year of daily rows: a 99th percentile then rests on 2-3 rows.
 */
export const MIN_GROUP_SIZE = 250;

/** Lowest GPD shape considered: below -1 the likelihood is unbounded at the sample maximum. */
export const GPD_MIN_SHAPE = -1;

/** How a threshold was derived. */
export type ThresholdMethod = "percentile" | "mad" | "pot";

/** A fitted threshold and what it promises. */
export interface ThresholdResult {
  method: ThresholdMethod;
  /** Flag rows whose score is strictly greater than this. */
  threshold: number;
  /** False-alarm rate the rule expects on normal data (fraction of rows flagged). */
  expectedRate: number;
  /** Fraction of the training scores above the threshold. */
  trainRate: number;
  /** Training scores used. */
  nTrain: number;
  /** The rule's parameters, for manifests. */
  params: Record<string, number>;
  /** Caveats in plain words (ties, degenerate data, fallbacks); empty when none. */
  warnings: string[];
}

/** A POT threshold with its fitted tail. */
export interface PotThresholdResult extends ThresholdResult {
  method: "pot";
  /** The initial threshold u (the `initialQuantile` of training scores). */
  initialThreshold: number;
  /** GPD shape xi of the excesses (NaN when the fit fell back). */
  shape: number;
  /** GPD scale sigma of the excesses (NaN when the fit fell back). */
  scale: number;
  /** Training scores strictly above u. */
  nExceedances: number;
  /** Why the empirical quantile was used instead of the GPD, when it was. */
  fallback?: string;
}

function checkTrain(trainScores: NumericVector): Float64Array {
  const s = toFinite64(trainScores, "trainScores");
  s.sort();
  return s;
}

function rateAbove(sorted: Float64Array, t: number): number {
  // Binary search for the first value > t.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! > t) hi = mid;
    else lo = mid + 1;
  }
  return (sorted.length - lo) / sorted.length;
}

function allEqualWarning(sorted: Float64Array): string[] {
  return sorted[0] === sorted[sorted.length - 1]
    ? [
        `All ${sorted.length} training scores equal ${sorted[0]}; the threshold is that value and flags only higher scores.`,
      ]
    : [];
}

/**
 * Empirical quantile threshold: the q-quantile of training scores by linear interpolation
 * between order statistics (numpy's default, Hyndman & Fan type 7:
 * `h = (n - 1) q`, `x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h])`).
 * Expected rate 1 - q; ties at the threshold can make the training rate lower.
 * @param trainScores `[n]` finite training scores.
 * @param q quantile level in [0, 1], e.g. 0.99.
 */
export function percentileThreshold(trainScores: NumericVector, q: number): ThresholdResult {
  if (!(q >= 0 && q <= 1))
    throw new Error(`percentileThreshold: q must be in [0, 1], got ${q} (pass 0.99 for the 99th percentile).`);
  const s = checkTrain(trainScores);
  const threshold = quantileSorted(s, q);
  const trainRate = rateAbove(s, threshold);
  const warnings = allEqualWarning(s);
  // Warn when ties halve the promised rate, but only when at least 2 rows were expected
  // above the threshold (with fewer, rounding alone explains the gap).
  if (warnings.length === 0 && trainRate < (1 - q) / 2 && s.length * (1 - q) >= 2) {
    warnings.push(
      `Ties at the threshold: ${(trainRate * 100).toFixed(3)}% of training scores exceed it, expected ${((1 - q) * 100).toFixed(3)}%.`,
    );
  }
  return { method: "percentile", threshold, expectedRate: 1 - q, trainRate, nTrain: s.length, params: { q }, warnings };
}

/**
 * Robust threshold median + k * 1.4826 * MAD (MAD = median absolute deviation from the
 * median). The expected rate is the normal upper tail P(Z > k): exact only for normal
 * scores, so compare it with the observed rate. When MAD is 0 (more than half the scores
 * equal the median) the threshold is the median and a warning says so.
 * @param k number of robust standard deviations, > 0 (e.g. 3).
 */
export function madThreshold(trainScores: NumericVector, k: number): ThresholdResult {
  if (!(k > 0) || !Number.isFinite(k))
    throw new Error(`madThreshold: k must be a positive number of robust sigmas, got ${k}.`);
  const s = checkTrain(trainScores);
  const med = quantileSorted(s, 0.5);
  const dev = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) dev[i] = Math.abs(s[i]! - med);
  dev.sort();
  const mad = quantileSorted(dev, 0.5);
  const threshold = med + k * MAD_TO_SIGMA * mad;
  const warnings = allEqualWarning(s);
  if (mad === 0 && warnings.length === 0) {
    warnings.push(
      `MAD is 0 (at least half the ${s.length} training scores equal the median ${med}); the threshold is the median.`,
    );
  }
  return {
    method: "mad",
    threshold,
    expectedRate: normalSurvival(k),
    trainRate: rateAbove(s, threshold),
    nTrain: s.length,
    params: { k, median: med, mad },
    warnings,
  };
}

/** A generalised Pareto fit of excesses. */
export interface GpdFit {
  /** Shape xi (0 = exponential tail, > 0 heavy tail, < 0 bounded tail). */
  shape: number;
  /** Scale sigma > 0. */
  scale: number;
  /** Log-likelihood at the fit. */
  logLikelihood: number;
  /** Excesses used. */
  n: number;
}

/**
 * GPD log density summed over excesses, for shape xi and scale sigma (NaN-free: -Infinity
 * outside the support).
 */
export function gpdLogLikelihood(excesses: NumericVector, shape: number, scale: number): number {
  const n = excesses.length;
  if (!(scale > 0)) return -Infinity;
  let s = 0;
  if (shape === 0) {
    for (let i = 0; i < n; i++) s += excesses[i]!;
    return -n * Math.log(scale) - s / scale;
  }
  for (let i = 0; i < n; i++) {
    const z = 1 + (shape * excesses[i]!) / scale;
    if (!(z > 0)) return -Infinity;
    s += Math.log(z);
  }
  return -n * Math.log(scale) - (1 + 1 / shape) * s;
}

/**
 * Profile log-likelihood of Grimshaw (1993): with theta = xi / sigma, the likelihood is
 * maximised over xi in closed form, xi(theta) = mean(log(1 + theta y)), leaving a 1-D
 * problem in theta. theta = 0 is the exponential limit (xi = 0, sigma = mean y).
 */
function profile(y: Float64Array, theta: number, meanY: number): { shape: number; scale: number; ll: number } {
  const n = y.length;
  if (theta === 0) return { shape: 0, scale: meanY, ll: -n * Math.log(meanY) - n };
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log1p(theta * y[i]!);
  const shape = s / n;
  const scale = shape / theta;
  if (!(scale > 0) || !Number.isFinite(scale)) return { shape, scale, ll: -Infinity };
  return { shape, scale, ll: -n * Math.log(scale) - n * shape - n };
}

/** Grid points per side (negative / positive theta) of the profile search, 10 per decade. */
const GPD_GRID_PER_SIDE = 160;
/** Decades spanned by the positive-theta grid around 1 / mean(y) (theta * mean(y) in 1e-8..1e8). */
const GPD_GRID_DECADES = 16;
/** Bisection steps for the lowest theta: halving 1 / ymax 200 times reaches the double-precision limit (the loop also stops when the midpoint stops moving). */
const GPD_BISECTION_ITERATIONS = 200;
/** Golden-section iterations refining the best grid cell (0.618^80 ~ 1e-17 of the cell). */
const GPD_GOLDEN_ITERATIONS = 80;

/**
 * Maximum-likelihood fit of a generalised Pareto distribution to excesses over a threshold
 * (location 0), by Grimshaw's profile likelihood in theta = shape / scale: a log-spaced grid
 * over both signs of theta (plus theta = 0, the exponential) followed by golden-section
 * refinement of the best cell. Shapes below -1 (where the likelihood is unbounded) are
 * excluded. Equivalent to scipy.stats.genpareto.fit(y, floc=0) on well-behaved data.
 * @param excesses `[n]` values >= 0 (score minus threshold), n >= 2, not all 0.
 */
export function gpdFit(excesses: NumericVector): GpdFit {
  const y = toFinite64(excesses, "excesses");
  const n = y.length;
  if (n < 2) throw new Error(`gpdFit needs at least 2 excesses, got ${n}.`);
  let ymax = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (y[i]! < 0) throw new Error(`excesses[${i}] is ${y[i]}; excesses are score minus threshold and must be >= 0.`);
    if (y[i]! > ymax) ymax = y[i]!;
    sum += y[i]!;
  }
  if (ymax === 0) throw new Error(`All ${n} excesses are 0; a GPD needs some spread above the threshold.`);
  const meanY = sum / n;

  // Lower bound on theta: 1 + theta * ymax > 0 and shape(theta) >= GPD_MIN_SHAPE.
  // shape(theta) increases with theta, so bisect for shape(theta) = GPD_MIN_SHAPE.
  let lo = -1 / ymax;
  let hi = 0;
  for (let it = 0; it < GPD_BISECTION_ITERATIONS; it++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (profile(y, mid, meanY).shape < GPD_MIN_SHAPE) lo = mid;
    else hi = mid;
  }
  const thetaMin = hi;

  // Candidate thetas, ascending: negative side, 0, positive side.
  const thetas: number[] = [];
  for (let k = 0; k <= GPD_GRID_PER_SIDE; k++) thetas.push(thetaMin * Math.pow(10, (-8 * k) / GPD_GRID_PER_SIDE));
  thetas.push(0);
  for (let k = 0; k <= GPD_GRID_PER_SIDE; k++) {
    thetas.push(Math.pow(10, -8 + (GPD_GRID_DECADES * k) / GPD_GRID_PER_SIDE) / meanY);
  }
  let best = 0;
  let bestLl = -Infinity;
  for (let i = 0; i < thetas.length; i++) {
    const ll = profile(y, thetas[i]!, meanY).ll;
    if (ll > bestLl) {
      bestLl = ll;
      best = i;
    }
  }

  // Golden-section search on the cell around the best grid point.
  let a = thetas[Math.max(0, best - 1)]!;
  let b = thetas[Math.min(thetas.length - 1, best + 1)]!;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = profile(y, c, meanY).ll;
  let fd = profile(y, d, meanY).ll;
  for (let it = 0; it < GPD_GOLDEN_ITERATIONS; it++) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = profile(y, c, meanY).ll;
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = profile(y, d, meanY).ll;
    }
  }
  let bestTheta = thetas[best]!;
  for (const [t, f] of [
    [c, fc],
    [d, fd],
  ] as const) {
    if (f > bestLl) {
      bestLl = f;
      bestTheta = t;
    }
  }
  const p = profile(y, bestTheta, meanY);
  return { shape: p.shape, scale: p.scale, logLikelihood: p.ll, n };
}

/**
 * Quantile of the tail model: the score exceeded with probability `rate` overall, given
 * that a fraction `exceedRate` of rows exceed u and excesses are GPD(shape, scale):
 * `u + scale / shape * ((rate / exceedRate)^(-shape) - 1)` (the `u - scale * ln(rate /
 * exceedRate)` limit at shape 0), computed with expm1 so small shapes stay accurate.
 */
export function gpdTailQuantile(u: number, shape: number, scale: number, exceedRate: number, rate: number): number {
  const logR = Math.log(rate / exceedRate);
  if (shape === 0) return u - scale * logR;
  return u + (scale / shape) * Math.expm1(-shape * logR);
}

/** Options of `potThreshold`. */
export interface PotOptions {
  /** Quantile of training scores used as the initial threshold u. Default POT_INITIAL_QUANTILE. */
  initialQuantile?: number;
  /** Target false-alarm rate (fraction of normal rows flagged), e.g. 0.001. */
  targetRate: number;
  /** Fewest excesses for a GPD fit, else empirical fallback. Default POT_MIN_EXCEEDANCES. */
  minExceedances?: number;
}

/**
 * Peaks-over-threshold threshold: fit a GPD to excesses over the `initialQuantile` of
 * training scores and return the score exceeded with probability `targetRate`.
 * Falls back to the empirical (1 - targetRate)-quantile, with `fallback` and a warning
 * saying why, when: all scores are equal; fewer than `minExceedances` excesses; or the
 * target rate is not in the tail (targetRate >= fraction above u).
 */
export function potThreshold(trainScores: NumericVector, options: PotOptions): PotThresholdResult {
  const initialQuantile = options.initialQuantile ?? POT_INITIAL_QUANTILE;
  const minExceedances = options.minExceedances ?? POT_MIN_EXCEEDANCES;
  const { targetRate } = options;
  if (!(initialQuantile > 0 && initialQuantile < 1)) {
    throw new Error(`potThreshold: initialQuantile must be in (0, 1), got ${initialQuantile} (e.g. 0.98).`);
  }
  if (!(targetRate > 0 && targetRate < 1)) {
    throw new Error(`potThreshold: targetRate must be a false-alarm rate in (0, 1), got ${targetRate} (e.g. 0.001).`);
  }
  if (!(Number.isInteger(minExceedances) && minExceedances >= 2)) {
    throw new Error(`potThreshold: minExceedances must be an integer >= 2, got ${minExceedances}.`);
  }
  const s = checkTrain(trainScores);
  const n = s.length;
  const u = quantileSorted(s, initialQuantile);
  const excess: number[] = [];
  for (let i = n - 1; i >= 0 && s[i]! > u; i--) excess.push(s[i]! - u);
  const nExceedances = excess.length;
  const params = { initialQuantile, targetRate, minExceedances };
  const base = {
    method: "pot" as const,
    expectedRate: targetRate,
    nTrain: n,
    params,
    initialThreshold: u,
    nExceedances,
  };

  const fallbackTo = (reason: string): PotThresholdResult => {
    const threshold = quantileSorted(s, 1 - targetRate);
    return {
      ...base,
      threshold,
      trainRate: rateAbove(s, threshold),
      shape: NaN,
      scale: NaN,
      fallback: reason,
      warnings: [`POT fell back to the empirical ${(100 * (1 - targetRate)).toFixed(3)}% quantile: ${reason}`],
    };
  };

  if (s[0] === s[n - 1]) {
    const threshold = s[0]!;
    const reason = `all ${n} training scores equal ${threshold}; there is no tail to fit.`;
    return {
      ...base,
      threshold,
      trainRate: 0,
      shape: NaN,
      scale: NaN,
      fallback: reason,
      warnings: [...allEqualWarning(s), `POT: ${reason}`],
    };
  }
  if (nExceedances < minExceedances) {
    return fallbackTo(
      `only ${nExceedances} training scores exceed the initial threshold ${u} (need ${minExceedances}); ` +
        `use more training rows or a lower initialQuantile.`,
    );
  }
  const exceedRate = nExceedances / n;
  if (targetRate >= exceedRate) {
    return fallbackTo(
      `targetRate ${targetRate} is not in the tail (only ${exceedRate.toFixed(5)} of scores exceed u); ` +
        `use a higher initialQuantile or a lower targetRate.`,
    );
  }
  let fit: GpdFit;
  try {
    fit = gpdFit(excess);
  } catch (err) {
    return fallbackTo(`the GPD fit failed (${(err as Error).message})`);
  }
  const threshold = gpdTailQuantile(u, fit.shape, fit.scale, exceedRate, targetRate);
  if (!Number.isFinite(threshold))
    return fallbackTo(`the fitted tail gives a non-finite threshold (shape ${fit.shape}).`);
  const warnings: string[] = [];
  // Smith (1985): maximum likelihood is regular only for shape > -0.5.
  if (fit.shape <= -0.5) {
    warnings.push(
      `Fitted GPD shape ${fit.shape.toFixed(3)} <= -0.5: a short bounded tail, where maximum likelihood is irregular.`,
    );
  }
  return { ...base, threshold, trainRate: rateAbove(s, threshold), shape: fit.shape, scale: fit.scale, warnings };
}

/** One threshold rule and its parameters (for `fitThreshold` and per-group thresholds). */
export type ThresholdSpec =
  | { method: "percentile"; q: number }
  | { method: "mad"; k: number }
  | ({ method: "pot" } & PotOptions);

/** Fit the rule described by `spec` to training scores. */
export function fitThreshold(trainScores: NumericVector, spec: ThresholdSpec): ThresholdResult {
  switch (spec.method) {
    case "percentile":
      return percentileThreshold(trainScores, spec.q);
    case "mad":
      return madThreshold(trainScores, spec.k);
    case "pot":
      return potThreshold(trainScores, spec);
    default:
      throw new Error(
        `Unknown threshold method "${(spec as { method: string }).method}"; use "percentile", "mad" or "pot".`,
      );
  }
}

/** Flags from applying a threshold, with the observed rate to compare with the expected. */
export interface AppliedThreshold {
  /** `[n]` 1 where score > threshold. NaN scores are never flagged (counted in nNaN). */
  flags: Uint8Array;
  nFlagged: number;
  /** nFlagged / (n - nNaN). */
  observedRate: number;
  /** The rule's expected rate (NaN for a bare number threshold). */
  expectedRate: number;
  /** Scores that were NaN (not scorable, not flagged). */
  nNaN: number;
  n: number;
}

/**
 * Flag scores strictly above a threshold and report the observed flag rate.
 * NaN scores are not flagged and are counted in `nNaN`; +Infinity is flagged.
 * @param thr a fitted threshold or a bare number.
 */
export function applyThreshold(scores: NumericVector, thr: ThresholdResult | number): AppliedThreshold {
  const n = scores.length;
  if (n === 0) throw new Error("applyThreshold: scores is empty; pass one score per row.");
  const t = typeof thr === "number" ? thr : thr.threshold;
  if (Number.isNaN(t)) throw new Error("applyThreshold: the threshold is NaN; fit it on finite training scores.");
  const flags = new Uint8Array(n);
  let nFlagged = 0;
  let nNaN = 0;
  for (let i = 0; i < n; i++) {
    const v = scores[i]!;
    if (Number.isNaN(v)) nNaN++;
    else if (v > t) {
      flags[i] = 1;
      nFlagged++;
    }
  }
  return {
    flags,
    nFlagged,
    observedRate: n - nNaN > 0 ? nFlagged / (n - nNaN) : NaN,
    expectedRate: typeof thr === "number" ? NaN : thr.expectedRate,
    nNaN,
    n,
  };
}

/** A group's threshold and where it came from. */
export interface GroupThreshold {
  group: number;
  /** Training rows of this group. */
  nTrain: number;
  /** "group": fitted on the group's rows; "global": the global fallback. */
  source: "group" | "global";
  /** The group's own fit (also when it was rejected in favour of the global one), or null if too small to fit. */
  own: ThresholdResult | null;
  /** The threshold applied to this group. */
  threshold: number;
  expectedRate: number;
  /** Why the global threshold is used, when it is. */
  reason?: string;
}

/** Per-group thresholds with their global fallback. */
export interface GroupThresholds {
  spec: ThresholdSpec;
  global: ThresholdResult;
  /** One entry per group seen in training, ascending by group id. */
  groups: GroupThreshold[];
  minGroupSize: number;
  /** Groups that use the global threshold. */
  nGlobalFallback: number;
}

/**
 * Thresholds per group (e.g. per token), each fitted on that group's training scores with
 * the same rule. A group uses the global threshold (fitted on all rows) when it has fewer
 * than `minGroupSize` rows or when its own POT fit fell back.
 * @param trainScores `[n]` finite scores.
 * @param trainGroups `[n]` integer group ids aligned with the scores.
 */
export function groupThresholds(
  trainScores: NumericVector,
  trainGroups: ArrayLike<number>,
  spec: ThresholdSpec,
  options: { minGroupSize?: number } = {},
): GroupThresholds {
  const minGroupSize = options.minGroupSize ?? MIN_GROUP_SIZE;
  if (!(Number.isInteger(minGroupSize) && minGroupSize >= 1)) {
    throw new Error(`groupThresholds: minGroupSize must be a positive integer, got ${minGroupSize}.`);
  }
  const s = toFinite64(trainScores, "trainScores");
  if (trainGroups.length !== s.length) {
    throw new Error(
      `trainGroups has ${trainGroups.length} values but trainScores has ${s.length}; align them row by row.`,
    );
  }
  const global = fitThreshold(s, spec);
  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < s.length; i++) {
    const g = trainGroups[i]!;
    if (!Number.isInteger(g))
      throw new Error(`trainGroups[${i}] is ${g}; group ids must be integers (e.g. token indices).`);
    let list = byGroup.get(g);
    if (!list) byGroup.set(g, (list = []));
    list.push(s[i]!);
  }
  const groups: GroupThreshold[] = [];
  let nGlobalFallback = 0;
  for (const g of [...byGroup.keys()].sort((a, b) => a - b)) {
    const values = byGroup.get(g)!;
    if (values.length < minGroupSize) {
      nGlobalFallback++;
      groups.push({
        group: g,
        nTrain: values.length,
        source: "global",
        own: null,
        threshold: global.threshold,
        expectedRate: global.expectedRate,
        reason: `${values.length} training rows < minGroupSize ${minGroupSize}`,
      });
      continue;
    }
    const own = fitThreshold(values, spec);
    const fallback = (own as PotThresholdResult).fallback;
    if (fallback !== undefined) {
      nGlobalFallback++;
      groups.push({
        group: g,
        nTrain: values.length,
        source: "global",
        own,
        threshold: global.threshold,
        expectedRate: global.expectedRate,
        reason: fallback,
      });
    } else {
      groups.push({
        group: g,
        nTrain: values.length,
        source: "group",
        own,
        threshold: own.threshold,
        expectedRate: own.expectedRate,
      });
    }
  }
  return { spec, global, groups, minGroupSize, nGlobalFallback };
}

/** Flags from per-group thresholds, with observed rates overall and per group. */
export interface AppliedGroupThresholds extends AppliedThreshold {
  /** Rows whose group had no training rows (they used the global threshold). */
  nUnseenGroupRows: number;
  /** Per group seen in these scores: rows, flagged, observed and expected rate. */
  perGroup: { group: number; n: number; nFlagged: number; observedRate: number; expectedRate: number }[];
}

/**
 * Apply per-group thresholds: each row is compared with its group's threshold, or with the
 * global one when its group was not in training (counted in `nUnseenGroupRows`).
 * NaN scores are not flagged and are counted in `nNaN`.
 */
export function applyGroupThresholds(
  scores: NumericVector,
  groups: ArrayLike<number>,
  gt: GroupThresholds,
): AppliedGroupThresholds {
  const n = scores.length;
  if (n === 0) throw new Error("applyGroupThresholds: scores is empty; pass one score per row.");
  if (groups.length !== n)
    throw new Error(`groups has ${groups.length} values but scores has ${n}; align them row by row.`);
  const lookup = new Map<number, GroupThreshold>();
  for (const g of gt.groups) lookup.set(g.group, g);
  const flags = new Uint8Array(n);
  const stats = new Map<number, { n: number; nFinite: number; nFlagged: number; expectedRate: number }>();
  let nFlagged = 0;
  let nNaN = 0;
  let nUnseen = 0;
  let expectedSum = 0;
  for (let i = 0; i < n; i++) {
    const g = groups[i]!;
    const entry = lookup.get(g);
    if (!entry) nUnseen++;
    const t = entry ? entry.threshold : gt.global.threshold;
    const expected = entry ? entry.expectedRate : gt.global.expectedRate;
    let st = stats.get(g);
    if (!st) stats.set(g, (st = { n: 0, nFinite: 0, nFlagged: 0, expectedRate: expected }));
    st.n++;
    const v = scores[i]!;
    if (Number.isNaN(v)) {
      nNaN++;
      continue;
    }
    st.nFinite++;
    expectedSum += expected;
    if (v > t) {
      flags[i] = 1;
      nFlagged++;
      st.nFlagged++;
    }
  }
  const perGroup = [...stats.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([group, st]) => ({
      group,
      n: st.n,
      nFlagged: st.nFlagged,
      observedRate: st.nFinite > 0 ? st.nFlagged / st.nFinite : NaN,
      expectedRate: st.expectedRate,
    }));
  const nFinite = n - nNaN;
  return {
    flags,
    nFlagged,
    observedRate: nFinite > 0 ? nFlagged / nFinite : NaN,
    expectedRate: nFinite > 0 ? expectedSum / nFinite : NaN,
    nNaN,
    n,
    nUnseenGroupRows: nUnseen,
    perGroup,
  };
}
