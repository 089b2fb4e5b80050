/** stress.ts */

import { dayToIso, tokenRanges, type Panel } from "../data/panel";
import { eventStudy, type EventRef, type EventStudyOptions, type EventStudyResult } from "./eventstudy";
import {
  crashDayEvents,
  KNOWN_MARKET_EVENTS,
  marketEventDays,
  type EventDays,
  type MarketEvent,
} from "../data/market-events";

/**
 * Fewest tokens scored on a day for it to enter the stress ranking: with fewer, one flag is
 * already a 20%+ "share" and noise would top the ranking.
 */
export const MIN_STRESS_TOKENS = 5;

/** Stress days listed (and counted as "top" in the crash-day check). */
export const TOP_STRESS_DAYS = 10;

/**
 * Days after a documented event that still count as the event: a daily row closes at
 * 00:00 UTC, so a crash late in a day shows partly in the next day's returns and volume.
 */
export const EVENT_LAG_DAYS = 1;

// ---------------------------------------------------------------------------------------
// Economic meaning: stress index, crash days, event study
// ---------------------------------------------------------------------------------------

/** One day of the stress index. */
export interface StressDay {
  day: number;
  date: string;
  /** Tokens scored that day. */
  tokens: number;
  /** Tokens flagged that day. */
  flagged: number;
  /** flagged / tokens. */
  share: number;
}

/**
 * Market stress index: per day, the share of scored tokens that are flagged.
 * @param flags `[n]` 1 flagged, 0 not, negative = not scored (left out).
 * @returns days ascending.
 */
export function stressIndex(day: ArrayLike<number>, flags: ArrayLike<number>, rowMask?: Uint8Array): StressDay[] {
  if (day.length !== flags.length)
    throw new Error(`stressIndex: ${day.length} days but ${flags.length} flags; align them row by row.`);
  const byDay = new Map<number, { tokens: number; flagged: number }>();
  for (let i = 0; i < day.length; i++) {
    const f = flags[i]!;
    if (f < 0 || Number.isNaN(f) || (rowMask && !rowMask[i])) continue;
    let d = byDay.get(day[i]!);
    if (!d) byDay.set(day[i]!, (d = { tokens: 0, flagged: 0 }));
    d.tokens++;
    if (f > 0) d.flagged++;
  }
  return [...byDay.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([d, v]) => ({
      day: d,
      date: dayToIso(d),
      tokens: v.tokens,
      flagged: v.flagged,
      share: v.flagged / v.tokens,
    }));
}

/**
 * Rank days by stress (highest share first; ties by more flagged tokens) with competition
 * ranking: tied days share the better rank ("1, 2, 2, 4"). Days with fewer than
 * `minTokens` scored tokens are not ranked.
 */
export function rankStressDays(
  days: readonly StressDay[],
  minTokens = MIN_STRESS_TOKENS,
): { ranked: StressDay[]; rankOf: Map<number, number> } {
  const ranked = days
    .filter((d) => d.tokens >= minTokens)
    .sort((a, b) => b.share - a.share || b.flagged - a.flagged || a.day - b.day);
  const rankOf = new Map<number, number>();
  ranked.forEach((d, i) => {
    const prev = ranked[i - 1];
    rankOf.set(d.day, prev && prev.share === d.share && prev.flagged === d.flagged ? rankOf.get(prev.day)! : i + 1);
  });
  return { ranked, rankOf };
}

/** Where a documented (or simulated) event lands in the stress ranking. */
export interface EventCheck {
  event: string;
  startDay: number;
  endDay: number;
  /** Days ranked in the window [start, end + lag]. */
  rankedDays: number;
  /** Best rank of a day within [start, end], that day and its share of tokens flagged, or null when none is ranked. */
  rank: number | null;
  day: string | null;
  share: number | null;
  /** Best rank within [start, end + lagDays] and that day. */
  rankWithLag: number | null;
  dayWithLag: string | null;
  /** Share of tokens flagged on dayWithLag. */
  shareWithLag: number | null;
  /** Days ranked in total. */
  of: number;
  /** rankWithLag as a top fraction (rank / of), or null. */
  topFraction: number | null;
  /** rankWithLag <= topN. */
  inTop: boolean;
}

/**
 * For each event, the best stress rank among its days (and with `lagDays` extra days after
 * it), against all ranked days. Events outside the scored days are reported with nulls.
 */
export function checkEventDays(
  days: readonly StressDay[],
  events: readonly EventDays[],
  options: { minTokens?: number; lagDays?: number; topN?: number } = {},
): EventCheck[] {
  const lag = options.lagDays ?? EVENT_LAG_DAYS;
  const topN = options.topN ?? TOP_STRESS_DAYS;
  const { ranked, rankOf } = rankStressDays(days, options.minTokens);
  const best = (from: number, to: number) => {
    let r: number | null = null;
    let d: StressDay | null = null;
    for (const s of ranked) {
      if (s.day < from || s.day > to) continue;
      const k = rankOf.get(s.day)!;
      if (r === null || k < r) {
        r = k;
        d = s;
      }
    }
    return { r, d };
  };
  return events.map((e) => {
    const exact = best(e.startDay, e.endDay);
    const withLag = best(e.startDay, e.endDay + lag);
    const rankedDays = ranked.filter((s) => s.day >= e.startDay && s.day <= e.endDay + lag).length;
    return {
      event: e.label,
      startDay: e.startDay,
      endDay: e.endDay,
      rankedDays,
      rank: exact.r,
      day: exact.d?.date ?? null,
      share: exact.d?.share ?? null,
      rankWithLag: withLag.r,
      dayWithLag: withLag.d?.date ?? null,
      shareWithLag: withLag.d?.share ?? null,
      of: ranked.length,
      topFraction: withLag.r !== null && ranked.length ? withLag.r / ranked.length : null,
      inTop: withLag.r !== null && withLag.r <= topN,
    };
  });
}

/** Per-token close-to-close log returns of a panel, with the day of each row. */
export interface PanelReturns {
  /** One `[rows of token]` array per token: log(close[t] / close[t-1]) between consecutive rows, NaN on the first row. */
  returnsByToken: Float64Array[];
  /** One `[rows of token]` array of UTC days per token. */
  daysByToken: Int32Array[];
}

/**
 * Log returns between consecutive rows of each token (over a missing day the return spans
 * the gap, as the event study counts rows, not calendar days). Non-positive closes give NaN.
 */
export function panelReturns(panel: Panel): PanelReturns {
  const { start, end } = tokenRanges(panel);
  const returnsByToken: Float64Array[] = [];
  const daysByToken: Int32Array[] = [];
  for (let t = 0; t < panel.tokens.length; t++) {
    const a = start[t]!,
      b = end[t]!;
    const r = new Float64Array(b - a).fill(NaN);
    for (let i = a + 1; i < b; i++) {
      const p0 = panel.close[i - 1]!,
        p1 = panel.close[i]!;
      r[i - a] = p0 > 0 && p1 > 0 ? Math.log(p1 / p0) : NaN;
    }
    returnsByToken.push(r);
    daysByToken.push(panel.day.slice(a, b));
  }
  return { returnsByToken, daysByToken };
}

/**
 * Events (token, row in the token's returns) of flagged token-days.
 * @param token `[n]` token indices (same token list as the panel), `day` `[n]`, `flags` `[n]` (> 0 = event).
 * @returns the events and how many flagged token-days have no price row (should be 0).
 */
export function eventRefsFromFlags(
  pr: PanelReturns,
  token: ArrayLike<number>,
  day: ArrayLike<number>,
  flags: ArrayLike<number>,
  rowMask?: Uint8Array,
): { events: EventRef[]; nMissing: number } {
  const lookup = pr.daysByToken.map((days) => new Map(Array.from(days, (d, i) => [d, i])));
  const events: EventRef[] = [];
  let nMissing = 0;
  for (let i = 0; i < flags.length; i++) {
    if (!(flags[i]! > 0) || (rowMask && !rowMask[i])) continue;
    const k = lookup[token[i]!]?.get(day[i]!);
    if (k === undefined) nMissing++;
    else events.push({ token: token[i]!, index: k });
  }
  return { events, nMissing };
}

/**
 * Event study of flagged token-days: forward returns and realised volatility after each
 * flag against matched non-flagged days of the same token (see lib/anomaly/eventstudy.ts).
 * @returns the study, or null (with the reason) when no flag has a price row.
 */
export function eventStudyOfFlags(
  pr: PanelReturns,
  token: ArrayLike<number>,
  day: ArrayLike<number>,
  flags: ArrayLike<number>,
  options: EventStudyOptions & { rowMask?: Uint8Array },
): { result: EventStudyResult | null; nEvents: number; nMissing: number; reason: string | null } {
  const { events, nMissing } = eventRefsFromFlags(pr, token, day, flags, options.rowMask);
  if (events.length === 0)
    return {
      result: null,
      nEvents: 0,
      nMissing,
      reason: "no flagged token-day has a price row, so there is nothing to study",
    };
  return { result: eventStudy(pr.returnsByToken, events, options), nEvents: events.length, nMissing, reason: null };
}

/**
 * The events to check the stress index against: the simulated crash days of a synthetic
 * market (market-truth.json), or the documented market-wide events inside the data's span.
 * @param documented override of the documented events (default KNOWN_MARKET_EVENTS).
 */
export function stressCheckEvents(
  truth: { kind?: string; crashDays?: string[] } | null,
  span: { fromDay: number; toDay: number },
  documented: readonly MarketEvent[] = KNOWN_MARKET_EVENTS,
): { events: EventDays[]; kind: "simulated" | "documented" } {
  if (truth && truth.kind === "synthetic") return { events: crashDayEvents(truth.crashDays ?? []), kind: "simulated" };
  return { events: marketEventDays(documented, span), kind: "documented" };
}
