/** regimes.ts */

import { quantileSorted } from "../stats/descriptive";
import { dayToIso, isoToDay } from "../data/panel";
import { marketTokenMask } from "../data/taxonomy";
import { SPLIT_NAMES, type Dataset } from "../features/dataset";
import { type ErrorFrame, type SummaryOptions, clusterRatioCI, rowsOfSplits } from "./evaluation";

// ---------------------------------------------------------------------------------------
// Temporal robustness: regimes, months, drift, walk-forward
// ---------------------------------------------------------------------------------------

/** Market regimes, calm to crash. */
export const REGIME_NAMES = ["calm", "volatile", "crash"] as const;
export type RegimeName = (typeof REGIME_NAMES)[number];

/** Realised-volatility window: 20 days, long enough for a stable estimate, short enough to mark a crash within weeks. */
export const MARKET_VOL_WINDOW = 20;
/** Days at or below the training median of realised volatility are calm. */
export const CALM_QUANTILE = 0.5;
/** Days above the training 90th percentile are the crash (stress) regime: one training day in ten. */
export const CRASH_QUANTILE = 0.9;
/** Fewest tokens with a return on a day for the market return to exist (a median of fewer is one token's noise). */
export const MIN_MARKET_TOKENS = 3;

/** Regime per day from realised market volatility. */
export interface MarketRegimes {
  /** `[nDays]` days with a market return, ascending. */
  days: Int32Array;
  /** `[nDays]` market return: median 1-day log return over tokens (non-market tokens excluded). */
  marketReturn: Float64Array;
  /** `[nDays]` realised volatility: std of the last `window` market returns (NaN while warming up). */
  vol: Float64Array;
  /** `[nDays]` regime code (index into REGIME_NAMES), -1 where vol is undefined. */
  regime: Int8Array;
  /** Volatility thresholds from the training days. */
  thresholds: { calm: number; crash: number };
  window: number;
  /** Days in the training period that defined the thresholds. */
  trainDays: number;
  /** Regime code of a day (-1 when unknown). */
  regimeOf(day: number): number;
}

/**
 * Market regimes from realised volatility: the market return of a day is the median 1-day
 * log return over tokens (raw feature `logret_1d`, non-market tokens excluded), its realised
 * volatility the std of the last `window` market returns, and the thresholds are
 * percentiles over the training period only (calm <= CALM_QUANTILE, crash > CRASH_QUANTILE,
 * volatile between), so the test period is judged by the training period's yardstick.
 */
export function marketRegimes(
  d: Dataset,
  o: { window?: number; calmQuantile?: number; crashQuantile?: number; returnFeature?: string } = {},
): MarketRegimes {
  const window = o.window ?? MARKET_VOL_WINDOW;
  const calmQ = o.calmQuantile ?? CALM_QUANTILE,
    crashQ = o.crashQuantile ?? CRASH_QUANTILE;
  if (!(calmQ > 0 && calmQ < crashQ && crashQ < 1))
    throw new Error(`marketRegimes: need 0 < calmQuantile (${calmQ}) < crashQuantile (${crashQ}) < 1.`);
  if (!Number.isInteger(window) || window < 2)
    throw new Error(`marketRegimes: window must be an integer >= 2, got ${window}.`);
  const feature = o.returnFeature ?? "logret_1d";
  const j = d.meta.featureNames.indexOf(feature);
  if (j < 0)
    throw new Error(
      `marketRegimes: the dataset has no feature "${feature}" (features: ${d.meta.featureNames.join(", ")}); pass returnFeature.`,
    );
  // Non-market tokens (stablecoins, fiat, leveraged, wrapped, gold; lib/data/taxonomy.ts) are
  // pegged or derived and would pull the median towards 0 or double-count a major.
  const market = marketTokenMask(d);
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < d.day.length; i++) {
    if (!market[d.token[i]!]) continue;
    const v = d.raw.data[i * d.raw.cols + j]!;
    if (!Number.isFinite(v)) continue;
    let list = byDay.get(d.day[i]!);
    if (!list) byDay.set(d.day[i]!, (list = []));
    list.push(v);
  }
  const days = Int32Array.from([...byDay.keys()].filter((k) => byDay.get(k)!.length >= MIN_MARKET_TOKENS)).sort();
  if (days.length < window + 1)
    throw new Error(
      `marketRegimes: only ${days.length} days have a market return (>= ${MIN_MARKET_TOKENS} tokens); need more than the ${window}-day window.`,
    );
  const marketReturn = Float64Array.from(days, (k) => {
    const v = Float64Array.from(byDay.get(k)!).sort();
    return quantileSorted(v, 0.5);
  });
  const vol = new Float64Array(days.length).fill(NaN);
  for (let t = window - 1; t < days.length; t++) {
    // Only a full window of calendar days counts: a gap in the market series would stretch it.
    if (days[t]! - days[t - window + 1]! !== window - 1) continue;
    let s = 0,
      s2 = 0;
    for (let u = t - window + 1; u <= t; u++) {
      s += marketReturn[u]!;
      s2 += marketReturn[u]! ** 2;
    }
    const m = s / window;
    vol[t] = Math.sqrt(Math.max(0, (s2 - window * m * m) / (window - 1)));
  }
  const b = d.meta.boundaries;
  const t0 = isoToDay(b.trainStart),
    t1 = isoToDay(b.trainEnd);
  const trainVol = Float64Array.from(
    Array.from(days)
      .map((k, t) => (k >= t0 && k <= t1 ? vol[t]! : NaN))
      .filter(Number.isFinite),
  ).sort();
  if (trainVol.length < 10)
    throw new Error(
      `marketRegimes: only ${trainVol.length} training days have a realised volatility; the ${window}-day window is too long for this training period (${b.trainStart} to ${b.trainEnd}).`,
    );
  const thresholds = { calm: quantileSorted(trainVol, calmQ), crash: quantileSorted(trainVol, crashQ) };
  const regime = Int8Array.from(vol, (v) =>
    !Number.isFinite(v) ? -1 : v <= thresholds.calm ? 0 : v <= thresholds.crash ? 1 : 2,
  );
  const index = new Map<number, number>();
  days.forEach((k, t) => index.set(k, t));
  return {
    days,
    marketReturn,
    vol,
    regime,
    thresholds,
    window,
    trainDays: trainVol.length,
    regimeOf: (day: number) => {
      const t = index.get(day);
      return t === undefined ? -1 : regime[t]!;
    },
  };
}

/** A run of consecutive days in one regime (for shading a time axis). */
export interface RegimeSegment {
  regime: string;
  /** ISO date of the first day. */
  start: string;
  /** ISO date of the day after the last day (so adjacent segments touch). */
  end: string;
  days: number;
}

/** Contiguous runs of one regime over consecutive days; unknown days (-1) end a run. */
export function regimeSegments(
  days: ArrayLike<number>,
  codes: ArrayLike<number>,
  names: readonly string[] = REGIME_NAMES,
): RegimeSegment[] {
  const out: RegimeSegment[] = [];
  let t = 0;
  while (t < days.length) {
    const c = codes[t]!;
    if (c < 0) {
      t++;
      continue;
    }
    let u = t + 1;
    while (u < days.length && codes[u] === c && days[u]! === days[u - 1]! + 1) u++;
    out.push({
      regime: names[c] ?? String(c),
      start: dayToIso(days[t]!),
      end: dayToIso(days[u - 1]! + 1),
      days: u - t,
    });
    t = u;
  }
  return out;
}

/** Regimes of the simulated market (market-truth.json): name per day, plus the crash days. */
export interface TruthRegimes {
  names: string[];
  /** Regime name of a day, or null outside the simulated span. */
  regimeOf(day: number): string | null;
  crashDays: number[];
}

/** Read market-truth.json's regimes (synthetic source only); null for real data or when absent. */
export function truthRegimes(truth: unknown): TruthRegimes | null {
  const t = truth as {
    kind?: string;
    regimeNames?: string[];
    regimes?: number[];
    startDay?: number;
    crashDays?: string[];
  } | null;
  if (
    t?.kind !== "synthetic" ||
    !Array.isArray(t.regimes) ||
    !Array.isArray(t.regimeNames) ||
    typeof t.startDay !== "number"
  )
    return null;
  const names = t.regimeNames,
    regimes = t.regimes,
    start = t.startDay;
  return {
    names,
    regimeOf: (day: number) => {
      const k = day - start;
      return k >= 0 && k < regimes.length ? (names[regimes[k]!] ?? null) : null;
    },
    crashDays: (t.crashDays ?? []).map(isoToDay),
  };
}

/** "2021-03": the calendar month of a UTC day. */
export function monthOf(day: number): string {
  return dayToIso(day).slice(0, 7);
}

/** Mean error of one model in one calendar month. */
export interface MonthRow {
  model: string;
  month: string;
  /** ISO date of the month's 15th (where the chart puts the point). */
  date: string;
  /** The split most rows of that month belong to. */
  split: string;
  rows: number;
  mse: number;
  /** mse ÷ the model's mean training-split MSE (1 = as good as in training). */
  index: number;
}

/** Mean MSE by calendar month, and as an index over the model's own training-split mean. */
export function monthlyErrors(frame: ErrorFrame): MonthRow[] {
  const acc = new Map<string, { s: number; n: number; split: number[] }>();
  let trainS = 0,
    trainN = 0;
  for (let i = 0; i < frame.mse.length; i++) {
    const sc = frame.split[i]!;
    if (sc > 2) continue;
    const m = monthOf(frame.day[i]!);
    let a = acc.get(m);
    if (!a) acc.set(m, (a = { s: 0, n: 0, split: [0, 0, 0] }));
    a.s += frame.mse[i]!;
    a.n++;
    a.split[sc]!++;
    if (sc === 0) {
      trainS += frame.mse[i]!;
      trainN++;
    }
  }
  if (trainN === 0) throw new Error(`monthlyErrors: ${frame.model} has no training rows to index against.`);
  const trainMean = trainS / trainN;
  return [...acc.keys()].sort().map((m) => {
    const a = acc.get(m)!;
    const sc = a.split.indexOf(Math.max(...a.split));
    return {
      model: frame.model,
      month: m,
      date: `${m}-15`,
      split: SPLIT_NAMES[sc]!,
      rows: a.n,
      mse: a.s / a.n,
      index: a.s / a.n / trainMean,
    };
  });
}

/** Drift of a model's error from the training period into the test period. */
export interface DriftRow {
  model: string;
  trainMse: number;
  validationMse: number;
  testMse: number;
  /** testMse ÷ trainMse with a cluster-bootstrap interval over tokens. */
  ratio: number;
  lo: number;
  hi: number;
  /**
   * Test ÷ train ratio within each regime, averaged with the test period's regime shares:
   * the drift left once the test period's different mix of calm and volatile days is
   * accounted for (NaN when a regime of the test period has no training rows).
   */
  regimeAdjustedRatio: number;
}

/**
 * Error drift from train to test. `regimeOfRow` (regime code per row, -1 unknown) adds the
 * regime-adjusted ratio.
 */
export function driftSummary(frame: ErrorFrame, o: SummaryOptions & { regimeOfRow?: ArrayLike<number> }): DriftRow {
  const tr = rowsOfSplits(frame, [0]),
    va = rowsOfSplits(frame, [1]),
    te = rowsOfSplits(frame, [2]);
  if (tr.length === 0 || te.length === 0)
    throw new Error(`driftSummary: ${frame.model} needs train and test rows (has ${tr.length} and ${te.length}).`);
  const m = (rows: Int32Array) => {
    let s = 0;
    for (let q = 0; q < rows.length; q++) s += frame.mse[rows[q]!]!;
    return rows.length ? s / rows.length : NaN;
  };
  const trainMse = m(tr),
    testMse = m(te);
  let lo = NaN,
    hi = NaN;
  if (o.nBoot >= 2) {
    const r = clusterRatioCI(frame.mse, frame.token, te, tr, {
      nBoot: o.nBoot,
      alpha: o.alpha,
      rng: o.rng.fork(`${frame.model}|drift`),
    });
    lo = r.lo;
    hi = r.hi;
  }
  let adjusted = NaN;
  if (o.regimeOfRow) {
    const reg = o.regimeOfRow;
    const sums = [0, 0, 0].map(() => ({ trS: 0, trN: 0, teS: 0, teN: 0 }));
    for (let q = 0; q < tr.length; q++) {
      const c = reg[tr[q]!]!;
      if (c >= 0) {
        sums[c]!.trS += frame.mse[tr[q]!]!;
        sums[c]!.trN++;
      }
    }
    for (let q = 0; q < te.length; q++) {
      const c = reg[te[q]!]!;
      if (c >= 0) {
        sums[c]!.teS += frame.mse[te[q]!]!;
        sums[c]!.teN++;
      }
    }
    const nTest = sums.reduce((a, s) => a + s.teN, 0);
    if (nTest > 0 && sums.every((s) => s.teN === 0 || s.trN > 0)) {
      adjusted = sums.reduce((a, s) => (s.teN ? a + ((s.teN / nTest) * (s.teS / s.teN)) / (s.trS / s.trN) : a), 0);
    }
  }
  return {
    model: frame.model,
    trainMse,
    validationMse: m(va),
    testMse,
    ratio: testMse / trainMse,
    lo,
    hi,
    regimeAdjustedRatio: adjusted,
  };
}
