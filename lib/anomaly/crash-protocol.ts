/**
 * A market stress index from per token-day anomaly scores, and the crash-window check that
 * judges it against documented market-wide events.
 *
 * Protocol (the same for every model and every no-model anchor):
 * 1. a token-day is flagged when its score exceeds the 99th percentile of the scores of
 *    the training token-days (`flagAboveFitQuantile`);
 * 2. the stress of a day is the share of that day's scored tokens that are flagged, ties
 *    broken by the day's mean score intensity (`dailyStress`);
 * 3. only days with at least `minTokens` scored tokens are ranked (`stressMinTokens`
 *    scales the usual 10 down for small panels);
 * 4. a documented crash window counts as hit when one of the top 20 days lies within
 *    ±1 day of it (`crashWindowHits`).
 *
 * Why per-token scaling. A reconstruction error measures how unusual a row is for the
 * POOLED training data: illiquid, noisy tokens are unusual every week and take most of a
 * pooled 99th percentile, so a day on which every large token falls together (a market
 * crash) flags few tokens. `perTokenRobustZ` measures each token's error against its OWN
 * training errors (robust z of the log error), so "unusual for this token" is what gets
 * flagged and a market-wide move lights up many tokens at once.
 */
import { MAD_TO_SIGMA } from "./thresholds";
import { quantileSorted } from "../stats/descriptive";
import type { EventDays } from "../data/market-events";
import { dayToIso } from "../data/panel";

/** Quantile of training scores above which a token-day is flagged: the protocol's 99th percentile. */
export const STRESS_FLAG_QUANTILE = 0.99;
/** Days ranked as the top of the stress index. */
export const STRESS_TOP_DAYS = 20;
/** Tolerance of the crash-window check: a top day within ±1 day of the window (a crash late in a UTC day shows in the next day's row). */
export const CRASH_TOLERANCE_DAYS = 1;
/** Fewest scored tokens a day needs to be ranked on a big panel (10: one flagged token then moves the share by at most 10%). */
export const MAX_STRESS_MIN_TOKENS = 10;
/** Fewest scored tokens on any panel: a share of fewer than 3 tokens is one token's story. */
export const MIN_STRESS_MIN_TOKENS = 3;
/** Share of the widest cross-section a small panel must score on a day: a quarter. */
export const STRESS_MIN_TOKEN_SHARE = 0.25;
/**
 * Fewest training rows of a token for its own error statistics in `perTokenRobustZ`;
 * tokens with fewer use the pooled median and MAD. 60 days: two months, enough for a
 * median and a MAD of a skewed score to settle within a few percent.
 */
export const MIN_TOKEN_FIT_ROWS = 60;
/** Floor of the log-score MAD (as a robust sigma): 1e-3, a 0.1% change of the error, so a constant score cannot divide by zero. */
export const LOG_MAD_FLOOR = 1e-3;
/** Floor of a score before its log: errors are sums of squares, exact zeros happen on constant features. */
export const SCORE_LOG_FLOOR = 1e-12;

/**
 * Fewest scored tokens a day needs for the stress ranking: 10 on big panels, a quarter of
 * the widest daily cross-section on small ones, never below 3.
 * @param tokensPerDay scored tokens of each day (any order).
 */
export function stressMinTokens(tokensPerDay: ArrayLike<number>): number {
  let widest = 0;
  for (let i = 0; i < tokensPerDay.length; i++) widest = Math.max(widest, tokensPerDay[i]!);
  return Math.max(MIN_STRESS_MIN_TOKENS, Math.min(MAX_STRESS_MIN_TOKENS, Math.ceil(STRESS_MIN_TOKEN_SHARE * widest)));
}

/** Type-7 quantile of ascending values (lib/stats), NaN when there are none. */
function quantileOf(sorted: Float64Array, q: number): number {
  return sorted.length ? quantileSorted(sorted, q) : Number.NaN;
}

/** Median and robust sigma (1.4826 MAD, floored) of finite values. */
function robustCentre(values: number[]): { centre: number; scale: number } {
  const s = Float64Array.from(values).sort();
  const centre = quantileOf(s, 0.5);
  const dev = Float64Array.from(values, (v) => Math.abs(v - centre)).sort();
  return { centre, scale: Math.max(LOG_MAD_FLOOR, MAD_TO_SIGMA * quantileOf(dev, 0.5)) };
}

/**
 * Per-token robust z of the log score: (log s - median_token) / (1.4826 MAD_token), with the
 * token's median and MAD taken over its rows in `fitMask` (the training rows). Tokens with
 * fewer than `minFitRows` fit rows use the pooled statistics of all fit rows.
 *
 * @param token `[n]` token index per row.
 * @param score `[n]` non-negative scores (NaN = not scored, stays NaN).
 * @param fitMask `[n]` 1 for rows whose scores define the statistics (training rows).
 * @throws when no fit row has a finite score.
 */
export function perTokenRobustZ(
  token: ArrayLike<number>,
  score: ArrayLike<number>,
  fitMask: ArrayLike<number>,
  minFitRows = MIN_TOKEN_FIT_ROWS,
): Float64Array {
  const n = score.length;
  if (token.length !== n || fitMask.length !== n)
    throw new Error(`perTokenRobustZ: ${n} scores but ${token.length} tokens and ${fitMask.length} mask entries.`);
  const logs = new Float64Array(n);
  const byToken = new Map<number, number[]>();
  const pooled: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = score[i]!;
    logs[i] = Number.isFinite(s) ? Math.log(Math.max(SCORE_LOG_FLOOR, s)) : Number.NaN;
    if (!fitMask[i] || !Number.isFinite(logs[i]!)) continue;
    pooled.push(logs[i]!);
    let list = byToken.get(token[i]!);
    if (!list) byToken.set(token[i]!, (list = []));
    list.push(logs[i]!);
  }
  if (pooled.length === 0)
    throw new Error("perTokenRobustZ: no fit row (training row) has a finite score; score the training split first.");
  const all = robustCentre(pooled);
  const stats = new Map<number, { centre: number; scale: number }>();
  for (const [t, list] of byToken) if (list.length >= minFitRows) stats.set(t, robustCentre(list));
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const st = stats.get(token[i]!) ?? all;
    z[i] = (logs[i]! - st.centre) / st.scale;
  }
  return z;
}

/**
 * Flags of the protocol: 1 when a score exceeds the `q` quantile of the finite scores of
 * the `fitMask` rows, 0 when it does not, -1 when the row has no finite score.
 * @throws when no fit row has a finite score or q is outside (0, 1).
 */
export function flagAboveFitQuantile(
  score: ArrayLike<number>,
  fitMask: ArrayLike<number>,
  q = STRESS_FLAG_QUANTILE,
): { flags: Int8Array; threshold: number } {
  if (!(q > 0 && q < 1)) throw new Error(`Flag quantile must be in (0, 1), got ${q}.`);
  const fit: number[] = [];
  for (let i = 0; i < score.length; i++) if (fitMask[i] && Number.isFinite(score[i]!)) fit.push(score[i]!);
  if (fit.length === 0)
    throw new Error(
      "flagAboveFitQuantile: no fit row (training row) has a finite score; nothing to set a threshold on.",
    );
  const threshold = quantileOf(Float64Array.from(fit).sort(), q);
  const flags = new Int8Array(score.length);
  for (let i = 0; i < score.length; i++) {
    const s = score[i]!;
    flags[i] = Number.isFinite(s) ? (s > threshold ? 1 : 0) : -1;
  }
  return { flags, threshold };
}

/** One day of a stress index. */
export interface DailyStress {
  day: number;
  date: string;
  /** Tokens scored that day. */
  tokens: number;
  /** Tokens flagged that day. */
  flagged: number;
  /** flagged / tokens: the index. */
  share: number;
  /** Mean intensity of the scored tokens (tie-break between days of equal share; NaN without one). */
  intensity: number;
}

/**
 * Per day: scored tokens, flagged tokens, their share, and the mean `intensity` (e.g. the
 * per-token robust z) of the scored tokens. Rows with a negative flag are not scored.
 * @returns days ascending.
 */
export function dailyStress(
  day: ArrayLike<number>,
  flags: ArrayLike<number>,
  intensity?: ArrayLike<number>,
): DailyStress[] {
  if (day.length !== flags.length || (intensity && intensity.length !== day.length))
    throw new Error(
      `dailyStress: ${day.length} days, ${flags.length} flags${intensity ? ` and ${intensity.length} intensities` : ""}; align them row by row.`,
    );
  const acc = new Map<number, { tokens: number; flagged: number; sum: number; nSum: number }>();
  for (let i = 0; i < day.length; i++) {
    const f = flags[i]!;
    if (!(f >= 0)) continue;
    let a = acc.get(day[i]!);
    if (!a) acc.set(day[i]!, (a = { tokens: 0, flagged: 0, sum: 0, nSum: 0 }));
    a.tokens++;
    if (f > 0) a.flagged++;
    const v = intensity ? intensity[i]! : Number.NaN;
    if (Number.isFinite(v)) {
      a.sum += v;
      a.nSum++;
    }
  }
  return [...acc.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([d, a]) => ({
      day: d,
      date: dayToIso(d),
      tokens: a.tokens,
      flagged: a.flagged,
      share: a.flagged / a.tokens,
      intensity: a.nSum ? a.sum / a.nSum : Number.NaN,
    }));
}

/**
 * The days of a stress index in rank order: days with at least `minTokens` scored tokens,
 * highest share first, then highest intensity, then more flagged tokens, then earlier day.
 */
export function rankStress(days: readonly DailyStress[], minTokens: number): DailyStress[] {
  const key = (x: number) => (Number.isFinite(x) ? x : -Infinity);
  return days
    .filter((d) => d.tokens >= minTokens)
    .sort((a, b) => b.share - a.share || key(b.intensity) - key(a.intensity) || b.flagged - a.flagged || a.day - b.day);
}

/** Outcome of the crash-window check for one event. */
export interface CrashWindowHit {
  event: string;
  startDay: number;
  endDay: number;
  /** True when some ranked day lies in [start - tolerance, end + tolerance]: the index could see it. */
  scorable: boolean;
  /** Best rank (1-based) of a ranked day in the widened window, or null when none is ranked. */
  bestRank: number | null;
  /** That day (ISO), or null. */
  bestDay: string | null;
  /** bestRank <= topN. */
  hit: boolean;
}

/**
 * For each event, the best rank of a ranked day within ±`tolerance` days of its window;
 * a hit when that rank is within the top `topN`.
 * @param ranked days in rank order (`rankStress`).
 */
export function crashWindowHits(
  ranked: readonly DailyStress[],
  events: readonly EventDays[],
  options: { topN?: number; tolerance?: number } = {},
): CrashWindowHit[] {
  const topN = options.topN ?? STRESS_TOP_DAYS;
  const tol = options.tolerance ?? CRASH_TOLERANCE_DAYS;
  return events.map((e) => {
    let bestRank: number | null = null;
    let bestDay: string | null = null;
    for (let r = 0; r < ranked.length; r++) {
      const d = ranked[r]!.day;
      if (d >= e.startDay - tol && d <= e.endDay + tol) {
        bestRank = r + 1;
        bestDay = ranked[r]!.date;
        break;
      }
    }
    return {
      event: e.label,
      startDay: e.startDay,
      endDay: e.endDay,
      scorable: bestRank !== null,
      bestRank,
      bestDay,
      hit: bestRank !== null && bestRank <= topN,
    };
  });
}

/** The whole protocol on one score column: flags, daily index, ranking and crash-window hits. */
export interface StressProtocolResult {
  /** Flag threshold (in the score's units). */
  threshold: number;
  /** `[n]` flags (1, 0, -1 = not scored). */
  flags: Int8Array;
  days: DailyStress[];
  ranked: DailyStress[];
  minTokens: number;
  hits: CrashWindowHit[];
  /** Events hit, and events that had a ranked day at all. */
  nHit: number;
  nScorable: number;
}

/**
 * Run the protocol on one score per token-day: flag above the fit rows' `q` quantile, the
 * daily share flagged (intensity = the score itself unless given), rank days with at least
 * `minTokens` scored tokens (default `stressMinTokens`), check the events.
 */
export function runStressProtocol(
  input: {
    day: ArrayLike<number>;
    score: ArrayLike<number>;
    fitMask: ArrayLike<number>;
    intensity?: ArrayLike<number>;
  },
  events: readonly EventDays[],
  options: { q?: number; minTokens?: number; topN?: number; tolerance?: number } = {},
): StressProtocolResult {
  const { flags, threshold } = flagAboveFitQuantile(input.score, input.fitMask, options.q);
  return stressProtocolFromFlags(input.day, flags, input.intensity ?? input.score, events, { ...options, threshold });
}

/**
 * The protocol's second half, for flags made elsewhere (e.g. a no-model anchor's rule):
 * daily share flagged, rank days with at least `minTokens` scored tokens (default
 * `stressMinTokens`), check the events. `threshold` is reported as given (NaN: none).
 */
export function stressProtocolFromFlags(
  day: ArrayLike<number>,
  flags: Int8Array,
  intensity: ArrayLike<number>,
  events: readonly EventDays[],
  options: { minTokens?: number; topN?: number; tolerance?: number; threshold?: number } = {},
): StressProtocolResult {
  const days = dailyStress(day, flags, intensity);
  const minTokens = options.minTokens ?? stressMinTokens(days.map((d) => d.tokens));
  const ranked = rankStress(days, minTokens);
  const hits = crashWindowHits(ranked, events, options);
  return {
    threshold: options.threshold ?? Number.NaN,
    flags,
    days,
    ranked,
    minTokens,
    hits,
    nHit: hits.filter((h) => h.hit).length,
    nScorable: hits.filter((h) => h.scorable).length,
  };
}

/**
 * Rank (1-based) of each row's score among all finite scores, highest first (ties share
 * the better rank); NaN for rows without a finite score. For "where does LUNA's collapse
 * rank among all token-days".
 */
export function descendingRanks(score: ArrayLike<number>): Float64Array {
  const idx: number[] = [];
  for (let i = 0; i < score.length; i++) if (Number.isFinite(score[i]!)) idx.push(i);
  idx.sort((a, b) => score[b]! - score[a]!);
  const out = new Float64Array(score.length).fill(Number.NaN);
  idx.forEach((i, k) => {
    const prev = idx[k - 1];
    out[i] = prev !== undefined && score[prev] === score[i] ? out[prev]! : k + 1;
  });
  return out;
}

/** Floor of a feature's mean training squared error: below it the feature is reconstructed exactly (constant), and dividing would blow up noise. */
export const FEATURE_ERROR_FLOOR = 1e-8;

/**
 * Feature-normalised reconstruction error: each feature's squared error divided by that
 * feature's mean squared error on the `fitMask` rows, averaged over features. A diagonal
 * Mahalanobis distance of the residual: every feature's surprise counts the same, so a
 * feature the model reconstructs closely on normal days (the returns, tied to each other
 * by identities) weighs as much when it fails (a crash) as a feature that is always noisy
 * (volume). Rows of `perFeature` are `[n, nFeatures]`.
 * @throws when shapes disagree or no fit row exists.
 */
export function featureNormalisedError(
  perFeature: { data: ArrayLike<number>; rows: number; cols: number },
  fitMask: ArrayLike<number>,
): Float64Array {
  const { rows: n, cols: F, data } = perFeature;
  if (fitMask.length !== n)
    throw new Error(`featureNormalisedError: ${n} rows of errors but ${fitMask.length} mask entries.`);
  const mean = new Float64Array(F);
  let nFit = 0;
  for (let i = 0; i < n; i++) {
    if (!fitMask[i]) continue;
    nFit++;
    for (let f = 0; f < F; f++) mean[f]! += data[i * F + f]!;
  }
  if (nFit === 0) throw new Error("featureNormalisedError: no fit row (training row); score the training split first.");
  for (let f = 0; f < F; f++) mean[f] = Math.max(FEATURE_ERROR_FLOOR, mean[f]! / nFit);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let f = 0; f < F; f++) s += data[i * F + f]! / mean[f]!;
    out[i] = s / F;
  }
  return out;
}

/**
 * The default stress score of a model's token-day: the per-token robust z
 * (`perTokenRobustZ`) of the feature-normalised error (`featureNormalisedError`), both
 * fitted on the training rows. On the development panels it found more documented crash
 * windows than the raw pooled MSE for every autoencoder (see notebook 07's crash table).
 */
export function stressScore(
  token: ArrayLike<number>,
  perFeature: { data: ArrayLike<number>; rows: number; cols: number },
  fitMask: ArrayLike<number>,
): Float64Array {
  return perTokenRobustZ(token, featureNormalisedError(perFeature, fitMask), fitMask);
}
