/**
 * The default market stress index of a model: from per token-day anomaly scores to one
 * number per day that is high when MANY tokens NEWLY break their own behaviour and those
 * breaks add up to a FALL. Judged with the protocol of lib/anomaly/crash-protocol.ts like every index.
 *
 * Why not the share of tokens whose own score is high (the per-token stress score alone).
 * Measured on two real daily panels (21 exchange pairs 2017-2026, 50 aggregator coins
 * 2013-2021), the top-20 days of that index were filled by two kinds of day that are not
 * new market crashes:
 * - echoes: the days and weeks after a crash, when the features with a 5-30 day lookback
 *   (5- and 20-day returns, 10- and 30-day volatility, drawdown, beta, correlation) stay
 *   far from normal, so a token's error stays high for a month (e.g. 2020-04-02..11 after
 *   the 2020-03-12 crash took 10 of the top 20 days);
 * - scattered large moves: a day when many tokens are unusual, but some up and some down
 *   (rotation between tokens, a rally in one sector), which is not a market-wide move.
 * A crash is the opposite: on 2021-12-05 (aggregator prices) 40 of 44 tokens fell 3-19%,
 * each only a 1-3 sigma move for that token, and only the agreement of direction across
 * the cross-section makes the day stand out.
 *
 * The index, per day d, from a model's per token-day stress score z (lib/anomaly/crash-protocol
 * `stressScore`: robust z of the feature-normalised error against the token's own training
 * errors):
 * 1. onset: o = z_d - median(z over the token's previous `ONSET_WINDOW_DAYS` days), so a
 *    state that persisted from the days before (an echo) scores about zero;
 * 2. coherence: max(0, -mean over the day's tokens of sign(r) * min(3, max(0, o))), r the
 *    token's 1-day log return: breaks in the same direction add up, breaks in opposite
 *    directions cancel, one token's spike counts at most as a 3-sigma break of one token
 *    among the day's tokens (`COHERENCE_CAP_Z`), so breadth, not one token's size, ranks a
 *    day; and only a net FALL counts (`STRESS_DIRECTION`), see below.
 * The value is the same for every token of the day (a market-level index, as the market
 * move anchor), so the protocol's flag and share rank days by it.
 *
 * Why falls only. A model's error has no sign: a day on which every token jumps 15% breaks
 * the tokens' behaviour as much as a 15% fall. With the absolute value of the signed mean
 * (the index before), the top-20 days of the AE index held 10 net rises on the exchange
 * panel (e.g. the rebound of 2020-03-13, 2019-04-02, 2023-07-13) and 5 on the aggregator
 * panel, each pushing a crash day down. Counting net falls only, with three training seeds on both
 * development panels (5 models each, 30 model-panel pairs), hits rose for 17 pairs, fell for
 * 1 and stayed for 12 (sum 149 -> 165); the missed windows moved up too (2021-12-04 on the
 * aggregator panel: AE rank 116 -> 63; 2022-06-13 on the exchange panel: 117 -> 65).
 *
 * Also measured with falls only (same protocol, both panels, seeds 42, 7 and 123; sums of
 * hits over the models) and not adopted, since none raised hits on one panel without
 * lowering them on the other or by more than seed noise:
 * - a consensus of models (mean onset of AE, VAE, DAE and PCA per token-day, or the average
 *   rank of their daily indices): 5 of 6 and 7 of 9 at seed 42, as the AE alone;
 * - the latent code's distance from the training codes (Mahalanobis, per-token robust z),
 *   alone or as the larger of it and the error's z: exchange panel 77 -> 82 hits (4 row
 *   models), aggregator panel 59 -> 56 (it finds 2021-12-05 there but loses 2017-09-04 and
 *   2018-01-16, days with 11-18 coins);
 * - onset windows of 5, 7, 14 and 20 days (aggregator / exchange sums over 5 models: 63/98,
 *   69/96, 68/93, 68/92; 10 days: 70/95) and a cap of 2 sigma (70/97 against 70/95, but one
 *   model-seed pair lower);
 * - the largest feature error, or the mean of the 3 largest, instead of the mean over features.
 */
import type { Panel } from "../data/panel";
import { stressScore } from "./crash-protocol";

/**
 * Trailing days whose median stress score is the token's baseline in `stressOnset`: 10
 * calendar days, shorter than the 20-30 day lookbacks that carry a crash's echo (so the
 * baseline has already risen on echo days) and long enough for a median over a week of
 * trading days. Also measured: 5, 20 and 30 (crash hits within ±1 window of 10 on both
 * development panels, no window size better on both).
 */
export const ONSET_WINDOW_DAYS = 10;

/**
 * Most a token-day adds to `coherentStress`, in robust sigmas of its score: 3, the usual
 * "3-sigma" line (as the 3-sigma anchor), beyond which a break is a break whatever its size.
 * Without it one token's 50-sigma spike outranked a crash that moved every token 3 sigma
 * (measured on an invented panel in the tests); on the development panels the cap changed
 * AE hits from 6 to 7 of 9 (exchange pairs) and 5 to 5 of 6 (aggregator coins); caps of 5
 * and 10 were measured too and changed nothing.
 */
export const COHERENCE_CAP_Z = 3;

/**
 * Which net direction of the day's signed breaks `coherentStress` counts: "down" (a crash
 * index: a net fall of the day's tokens; a net rise scores 0) or "both" (the absolute value:
 * rallies rank like crashes, the index before).
 */
export type StressDirection = "down" | "both";

/** The default direction: "down", since the documented events a stress index must find are falls (see the module note). */
export const STRESS_DIRECTION: StressDirection = "down";

/** Rows of each token in day order (indices into the row arrays). */
function rowsByToken(token: ArrayLike<number>, day: ArrayLike<number>): number[][] {
  const by = new Map<number, number[]>();
  for (let i = 0; i < token.length; i++) {
    let l = by.get(token[i]!);
    if (!l) by.set(token[i]!, (l = []));
    l.push(i);
  }
  const out = [...by.values()];
  for (const l of out) l.sort((a, b) => day[a]! - day[b]!);
  return out;
}

/** Median of a non-empty list (sorts it). */
function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const k = values.length;
  return k % 2 ? values[(k - 1) >> 1]! : (values[k / 2 - 1]! + values[k / 2]!) / 2;
}

/**
 * Onset of a per token-day score: z minus the median of the same token's finite scores on
 * the `window` calendar days before (days d - window .. d - 1). A row without any earlier
 * score in the window keeps z (no baseline to subtract); NaN scores stay NaN. Rows may come
 * in any order.
 * @throws when the arrays differ in length or window is not a positive integer.
 */
export function stressOnset(
  token: ArrayLike<number>,
  day: ArrayLike<number>,
  z: ArrayLike<number>,
  window = ONSET_WINDOW_DAYS,
): Float64Array {
  const n = z.length;
  if (token.length !== n || day.length !== n)
    throw new Error(
      `stressOnset: ${n} scores but ${token.length} tokens and ${day.length} days; align them row by row.`,
    );
  if (!Number.isInteger(window) || window < 1)
    throw new Error(`stressOnset: window must be a positive integer of days, got ${window}.`);
  const out = new Float64Array(n).fill(Number.NaN);
  for (const rows of rowsByToken(token, day)) {
    let from = 0;
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k]!;
      if (!Number.isFinite(z[i]!)) continue;
      while (day[rows[from]!]! < day[i]! - window) from++;
      const prior: number[] = [];
      for (let j = from; j < k; j++) {
        const v = z[rows[j]!]!;
        if (Number.isFinite(v) && day[rows[j]!]! < day[i]!) prior.push(v);
      }
      out[i] = prior.length ? z[i]! - median(prior) : z[i]!;
    }
  }
  return out;
}

/**
 * Coherence of the day's breaks: per day, with m = sum over rows of sign(r) * min(cap,
 * max(0, s)) / (rows), over the rows with a finite `s` and a finite return `r`: max(0, -m)
 * for `direction` "down" (a net fall), |m| for "both"; the day's value on each of those rows,
 * NaN on the others (so the protocol counts only them as scored).
 * With s = |r| / sd (a trailing z) this is the capped mean signed z of the day, a no-model
 * anchor.
 * @throws when the arrays differ in length, cap is not positive or direction is unknown.
 */
export function coherentStress(
  day: ArrayLike<number>,
  s: ArrayLike<number>,
  ret: ArrayLike<number>,
  cap = COHERENCE_CAP_Z,
  direction: StressDirection = STRESS_DIRECTION,
): Float64Array {
  const n = s.length;
  if (day.length !== n || ret.length !== n)
    throw new Error(
      `coherentStress: ${n} scores but ${day.length} days and ${ret.length} returns; align them row by row.`,
    );
  if (!(cap > 0)) throw new Error(`coherentStress: cap must be positive (Infinity for none), got ${cap}.`);
  if (direction !== "down" && direction !== "both")
    throw new Error(`coherentStress: direction must be "down" or "both", got ${JSON.stringify(direction)}.`);
  const acc = new Map<number, { sum: number; rows: number }>();
  const ok = (i: number) => Number.isFinite(s[i]!) && Number.isFinite(ret[i]!);
  for (let i = 0; i < n; i++) {
    if (!ok(i)) continue;
    let a = acc.get(day[i]!);
    if (!a) acc.set(day[i]!, (a = { sum: 0, rows: 0 }));
    a.sum += Math.sign(ret[i]!) * Math.min(cap, Math.max(0, s[i]!));
    a.rows++;
  }
  const out = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    if (!ok(i)) continue;
    const a = acc.get(day[i]!)!;
    const m = a.sum / a.rows;
    out[i] = direction === "down" ? Math.max(0, -m) : Math.abs(m);
  }
  return out;
}

/**
 * 1-day log return of each (token, day) row from the panel's closes: log(close_d /
 * close_{d-1}) of the same token, NaN when the previous calendar day is missing or a close
 * is not positive. `token` indexes `panel.tokens`; rows and panel may be in any order.
 */
export function rowReturns(panel: Panel, token: ArrayLike<number>, day: ArrayLike<number>): Float64Array {
  const span = 1 + panel.day.reduce((a, b) => Math.max(a, b), 0) - panel.day.reduce((a, b) => Math.min(a, b), 0);
  const first = panel.day.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const close = new Map<number, number>();
  const key = (t: number, d: number) => t * (span + 2) + (d - first + 1);
  for (let i = 0; i < panel.day.length; i++) close.set(key(panel.token[i]!, panel.day[i]!), panel.close[i]!);
  return Float64Array.from({ length: token.length }, (_, i) => {
    const d = day[i]!;
    if (d < first || d >= first + span) return Number.NaN;
    const b = close.get(key(token[i]!, d));
    const a = d > first ? close.get(key(token[i]!, d - 1)) : undefined;
    return a !== undefined && b !== undefined && a > 0 && b > 0 ? Math.log(b / a) : Number.NaN;
  });
}

/**
 * The default market stress score of a model's token-days: `coherentStress` (net falls by
 * default, `direction`) of the `stressOnset` of the per-token `stressScore`, with the
 * token-day returns `ret` (`rowReturns`). One value per day, repeated on the day's scored rows.
 */
export function marketStressScore(
  rows: { token: ArrayLike<number>; day: ArrayLike<number> },
  perFeature: { data: ArrayLike<number>; rows: number; cols: number },
  fitMask: ArrayLike<number>,
  ret: ArrayLike<number>,
  window = ONSET_WINDOW_DAYS,
  direction: StressDirection = STRESS_DIRECTION,
): Float64Array {
  const z = stressScore(rows.token, perFeature, fitMask);
  return coherentStress(rows.day, stressOnset(rows.token, rows.day, z, window), ret, COHERENCE_CAP_Z, direction);
}
