/**
 * No-model anchors for the market stress index: scores per token-day computed from prices
 * alone, judged with the same protocol as the models (lib/anomaly/stress.ts). A model's
 * stress index is only worth its training when it finds crash days at least as well as
 * these.
 *
 * - Return shock: |r_d| / sd(r over the previous 30 calendar days), with r the 1-day log
 *   return. The anchor's flag is the classic "a move beyond 3 trailing standard
 *   deviations" (`RETURN_SHOCK_K`), so its stress index is the share of tokens with a 3σ
 *   move that day.
 * - Market move: the absolute leave-nothing-out cross-sectional median of the day's 1-day
 *   log returns over its own trailing 30-day sd, the same for every token of the day: a
 *   one-number market-level index, ranked directly.
 */

/** Trailing window of the return standard deviation, calendar days: about a month. */
export const ANCHOR_WINDOW_DAYS = 30;
/** Share of the window that must hold returns (as the features' 0.8 coverage rule): 24 of 30 days. */
export const ANCHOR_MIN_COVERAGE = 0.8;
/** The return-shock anchor flags |r| above this many trailing standard deviations. */
export const RETURN_SHOCK_K = 3;
/** Floor of the trailing sd: one basis point a day (a stablecoin's tick), so a flat series gives a finite z. */
export const ANCHOR_STD_FLOOR = 1e-4;

/** Rows of a price panel sorted by (token, day): the part of a Panel the anchors read. */
export interface PriceRows {
  token: ArrayLike<number>;
  day: ArrayLike<number>;
  close: ArrayLike<number>;
}

/** Per-row 1-day log return (NaN when the previous calendar day is missing or a price is not positive). */
export function dailyLogReturns(p: PriceRows): Float64Array {
  const n = p.close.length;
  const r = new Float64Array(n).fill(Number.NaN);
  for (let i = 1; i < n; i++) {
    if (p.token[i] !== p.token[i - 1]) continue;
    if (p.day[i]! < p.day[i - 1]! || (p.day[i] === p.day[i - 1] && p.token[i] === p.token[i - 1]))
      throw new Error(`Price rows must be sorted by (token, day): row ${i} is not after row ${i - 1}.`);
    if (p.day[i]! - p.day[i - 1]! !== 1) continue;
    const a = p.close[i - 1]!;
    const b = p.close[i]!;
    if (a > 0 && b > 0) r[i] = Math.log(b / a);
  }
  return r;
}

/**
 * Trailing z of a per-row series: x_d / sd(x over days d-window .. d-1 of the same token),
 * NaN without `coverage` of the window observed. The mean is not subtracted: daily returns
 * have a mean far below their sd, and a crash is a move away from zero.
 */
export function trailingZ(
  token: ArrayLike<number>,
  day: ArrayLike<number>,
  x: ArrayLike<number>,
  window = ANCHOR_WINDOW_DAYS,
  coverage = ANCHOR_MIN_COVERAGE,
): Float64Array {
  const n = x.length;
  const out = new Float64Array(n).fill(Number.NaN);
  const need = Math.max(2, Math.ceil(coverage * window));
  let start = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && token[i] !== token[i - 1]) start = i;
    // Window rows: same token, day in [day_i - window, day_i - 1].
    let s = 0;
    let s2 = 0;
    let c = 0;
    for (let j = i - 1; j >= start && day[j]! >= day[i]! - window; j--) {
      const v = x[j]!;
      if (!Number.isFinite(v)) continue;
      s += v;
      s2 += v * v;
      c++;
    }
    if (c < need || !Number.isFinite(x[i]!)) continue;
    const m = s / c;
    const sd = Math.sqrt(Math.max(0, s2 / c - m * m) * (c / (c - 1)));
    out[i] = x[i]! / Math.max(sd, ANCHOR_STD_FLOOR);
  }
  return out;
}

/**
 * Return-shock score per row: |r_d| / trailing 30-day sd of r. Flag it above
 * RETURN_SHOCK_K (not a training quantile) for the anchor of the issue protocol.
 */
export function returnShockScore(p: PriceRows): Float64Array {
  const z = trailingZ(p.token, p.day, dailyLogReturns(p));
  return z.map(Math.abs);
}

/** Flags of a fixed threshold: 1 above, 0 at or below, -1 for non-finite scores. */
export function flagAbove(score: ArrayLike<number>, threshold: number): Int8Array {
  const out = new Int8Array(score.length);
  for (let i = 0; i < score.length; i++) {
    const s = score[i]!;
    out[i] = Number.isFinite(s) ? (s > threshold ? 1 : 0) : -1;
  }
  return out;
}

/**
 * Market-move score per row: the absolute cross-sectional median 1-day log return of the
 * row's day over the trailing 30-day sd of that median (one value per day, repeated on
 * every row of the day; NaN where the token has no return that day). Days with fewer than
 * `minTokens` returns get NaN.
 */
export function marketMoveScore(p: PriceRows, minTokens = 3): Float64Array {
  const r = dailyLogReturns(p);
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < r.length; i++) {
    if (!Number.isFinite(r[i]!)) continue;
    let l = byDay.get(p.day[i]!);
    if (!l) byDay.set(p.day[i]!, (l = []));
    l.push(r[i]!);
  }
  const days = [...byDay.keys()].filter((d) => byDay.get(d)!.length >= minTokens).sort((a, b) => a - b);
  const med = days.map((d) => {
    const l = byDay.get(d)!.sort((a, b) => a - b);
    const k = l.length;
    return k % 2 ? l[(k - 1) >> 1]! : (l[k / 2 - 1]! + l[k / 2]!) / 2;
  });
  const z = trailingZ(
    days.map(() => 0),
    days,
    med,
  );
  const zOf = new Map(days.map((d, k) => [d, Math.abs(z[k]!)]));
  return Float64Array.from(r, (v, i) => (Number.isFinite(v) ? (zOf.get(p.day[i]!) ?? Number.NaN) : Number.NaN));
}
