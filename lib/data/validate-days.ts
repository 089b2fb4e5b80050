/**
 * Validation rules 5 and 6 (see validate.ts): the output rows, one per token and UTC day
 * (intraday bars aggregated), close-only prices, the tokens that kept rows, and the
 * day-level flags (gaps, stale closes, extreme jumps).
 */
import { DataError } from "./errors";
import { MS_PER_DAY, dayToIso, type TokenColumns, type TokenInfo } from "./panel";
import type { ValidationEntry } from "./raw";
import { classifyToken } from "./taxonomy";
import { type Ctx, type Ordered, type Settings, show } from "./validate-context";
import { MAX_EXAMPLES } from "./validate-report";

/** The output rows (one per token and day), before token re-indexing. */
export interface DailyRows {
  nOut: number;
  /** Token rank (id order) of each output row. */
  tokRank: Int32Array;
  day: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  marketCap: Float64Array;
  /** Raw row behind output row o (the first bar of an aggregated day); null: raw row o itself. */
  src: Int32Array | null;
  intradayBars: number;
  intradayDays: number;
  eIncomplete: ValidationEntry;
}

/** What the close-only step did, for the report. */
export interface CloseOnlyCounts {
  closeBars: number;
  closeDays: number;
  priceOnlyRows: number;
  closeTokens: Set<number>;
  priceOnlyTokens: Set<number>;
}

/** Gap statistics and the stale/jump entries of the day-level flags. */
export interface DayFlags {
  eStale: ValidationEntry;
  eJump: ValidationEntry;
  missingDays: number;
  gapRuns: number;
  longest: number;
  tokensWithGaps: number;
  gapExamples: string[];
}

/**
 * Rule 5, output rows: one per token and day (bars aggregated when intraday). When nothing
 * was dropped, merged or moved (a clean, sorted daily file: the common case for big inputs)
 * the raw columns become the Panel's columns, saving a second copy.
 * @throws DataError when no valid row is left.
 */
export function dailyRows(ctx: Ctx, ordered: Ordered, uniq: Int32Array, u: number): DailyRows {
  const { c, n, raw, book, intraday } = ctx;
  const { day, rank } = ordered;
  let nOut = 0;
  for (let q = 0; q < u; q++) {
    const r = uniq[q]!;
    const p = q > 0 ? uniq[q - 1]! : -1;
    if (q === 0 || c.token[r] !== c.token[p] || day[r] !== day[p]) nOut++;
  }
  if (nOut === 0) {
    const drops = book.list.filter((e) => e.action === "dropped" && e.count > 0).map((e) => `${e.check}: ${e.count}`);
    throw new DataError(
      raw.files.length === 1 ? raw.files[0]! : null,
      null,
      null,
      `no valid rows: all ${n} rows read from ${raw.files.length} file(s) were dropped${drops.length ? ` (${drops.join("; ")})` : ""}. Check the file layout and values.`,
    );
  }
  const eInferred = book.define(
    "bar interval inferred",
    "info",
    "tokens whose source does not state a bar interval: the most common spacing between consecutive bars was taken as the interval (for the incomplete-day check).",
  );
  const eIncomplete = book.define(
    "incomplete days",
    "flagged",
    "UTC days with fewer bars than the interval implies (e.g. < 24 hourly bars): kept, but their OHLC covers part of the day.",
  );
  let identity = !intraday && nOut === n;
  for (let q = 0; identity && q < u; q++) if (uniq[q] !== q) identity = false;
  if (!identity) {
    const inferred = inferIntervals(ctx, uniq, u, eInferred);
    return aggregateDays(ctx, ordered, uniq, u, nOut, inferred, eIncomplete);
  }
  const tokRank = new Int32Array(nOut);
  for (let o = 0; o < nOut; o++) tokRank[o] = rank[c.token[o]!]!;
  return {
    nOut,
    tokRank,
    day,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    marketCap: c.marketCap,
    src: null,
    intradayBars: 0,
    intradayDays: 0,
    eIncomplete,
  };
}

/**
 * Sources that do not state their bar interval (a long CSV of intraday bars): the most
 * common spacing between a token's consecutive bars, so incomplete days are still found.
 */
function inferIntervals(ctx: Ctx, uniq: Int32Array, u: number, eInferred: ValidationEntry): Map<number, number> {
  const { c, raw, tokIntraday, book } = ctx;
  const gapCounts = new Map<number, Map<number, number>>();
  const inferredInterval = new Map<number, number>();
  for (let q = 1; q < u; q++) {
    const r = uniq[q]!,
      p = uniq[q - 1]!;
    const t = c.token[r]!;
    if (t !== c.token[p] || !tokIntraday[t] || raw.tokenMeta[t]!.intervalMs !== null) continue;
    const gap = c.time[r]! - c.time[p]!;
    if (gap <= 0) continue;
    let counts = gapCounts.get(t);
    if (!counts) gapCounts.set(t, (counts = new Map()));
    counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  for (const [t, counts] of gapCounts) {
    let best = 0,
      bestN = 0;
    for (const [gap, k] of counts)
      if (k > bestN || (k === bestN && gap < best)) {
        best = gap;
        bestN = k;
      }
    inferredInterval.set(t, best);
    book.hit(
      eInferred,
      () =>
        `${raw.tokens[t]!.id}: ${best / 60_000} min (${bestN} of ${[...counts.values()].reduce((a, b) => a + b, 0)} spacings)`,
    );
  }
  return inferredInterval;
}

/** Copy the unique rows into output columns, merging bars of one token and UTC day. */
function aggregateDays(
  ctx: Ctx,
  { day, rank }: Ordered,
  uniq: Int32Array,
  u: number,
  nOut: number,
  inferredInterval: Map<number, number>,
  eIncomplete: ValidationEntry,
): DailyRows {
  const { c, raw, tokIntraday, book, tid, loc } = ctx;
  const rows: DailyRows = {
    nOut,
    tokRank: new Int32Array(nOut),
    day: new Int32Array(nOut),
    open: new Float64Array(nOut),
    high: new Float64Array(nOut),
    low: new Float64Array(nOut),
    close: new Float64Array(nOut),
    volume: new Float64Array(nOut),
    marketCap: new Float64Array(nOut),
    src: new Int32Array(nOut),
    intradayBars: 0,
    intradayDays: 0,
    eIncomplete,
  };
  const { open, high, low, close, volume, marketCap } = rows;
  const first = rows.src!;
  const finishDay = (o: number, nBars: number, f: number): void => {
    if (!tokIntraday[c.token[f]!]) return;
    rows.intradayBars += nBars;
    rows.intradayDays++;
    const interval = raw.tokenMeta[c.token[f]!]!.intervalMs ?? inferredInterval.get(c.token[f]!) ?? null;
    if (interval === null || interval >= MS_PER_DAY) return;
    const expected = Math.round(MS_PER_DAY / interval);
    if (nBars < expected)
      book.hit(eIncomplete, () => `${tid(f)} ${dayToIso(rows.day[o]!)}: ${nBars} of ${expected} bars (${loc(f)})`);
  };
  let bars = 0;
  let o = -1;
  for (let q = 0; q < u; q++) {
    const r = uniq[q]!;
    const p = q > 0 ? uniq[q - 1]! : -1;
    if (q === 0 || c.token[r] !== c.token[p] || day[r] !== day[p]) {
      if (o >= 0) finishDay(o, bars, first[o]!);
      o++;
      rows.tokRank[o] = rank[c.token[r]!]!;
      rows.day[o] = day[r]!;
      open[o] = c.open[r]!;
      high[o] = c.high[r]!;
      low[o] = c.low[r]!;
      close[o] = c.close[r]!;
      volume[o] = c.volume[r]!;
      marketCap[o] = c.marketCap[r]!;
      first[o] = r;
      bars = 1;
    } else {
      // a further bar of the same token and day (intraday only: daily keys are unique)
      if (c.high[r]! > high[o]!) high[o] = c.high[r]!;
      if (c.low[r]! < low[o]!) low[o] = c.low[r]!;
      close[o] = c.close[r]!;
      const agg = raw.tokenMeta[c.token[r]!]!.volume;
      if (agg === "sum") volume[o] = volume[o]! + c.volume[r]!;
      else if (agg === "last") volume[o] = c.volume[r]!;
      if (!Number.isNaN(c.marketCap[r]!)) marketCap[o] = c.marketCap[r]!;
      bars++;
    }
  }
  finishDay(o, bars, first[o]!);
  return rows;
}

/** Raw row behind output row o (the first bar of an aggregated day). */
function srcOf(rows: DailyRows, o: number): number {
  return rows.src === null ? o : rows.src[o]!;
}

/**
 * Close-only tokens: intraday closes were made daily OHLC above (open = first close,
 * high = max, low = min, close = last); daily closes have no open, high or low: NaN, never
 * a stand-in. Changes rows' open/high/low (copies them first if they share the close array).
 */
export function closeOnlyPrices(ctx: Ctx, rows: DailyRows, uniq: Int32Array, u: number): CloseOnlyCounts {
  const { c, tokCloses, tokIntraday } = ctx;
  const counts: CloseOnlyCounts = {
    closeBars: 0,
    closeDays: 0,
    priceOnlyRows: 0,
    closeTokens: new Set<number>(),
    priceOnlyTokens: new Set<number>(),
  };
  if (!tokCloses.includes(1)) return counts;
  for (let q = 0; q < u; q++) {
    const t = c.token[uniq[q]!]!;
    if (tokCloses[t] && tokIntraday[t]) counts.closeBars++;
  }
  let detached = false;
  for (let o = 0; o < rows.nOut; o++) {
    const t = c.token[srcOf(rows, o)]!;
    if (!tokCloses[t]) continue;
    if (tokIntraday[t]) {
      counts.closeDays++;
      counts.closeTokens.add(t);
      continue;
    }
    if (!detached) {
      // the identity path may share one array for open, high, low and close (close-only RawRows)
      if (rows.open === rows.close || rows.high === rows.close || rows.low === rows.close) {
        rows.open = Float64Array.from(rows.open);
        rows.high = Float64Array.from(rows.high);
        rows.low = Float64Array.from(rows.low);
      }
      detached = true;
    }
    rows.open[o] = rows.high[o] = rows.low[o] = NaN;
    counts.priceOnlyRows++;
    counts.priceOnlyTokens.add(t);
  }
  return counts;
}

/** Tokens that kept rows, in id order, re-indexed densely (with their class and columns). */
export function presentTokens(
  ctx: Ctx,
  byId: number[],
  rows: DailyRows,
): { tokens: TokenInfo[]; token: Int32Array; dropped: string[] } {
  const { nTok, raw, tokIntraday } = ctx;
  const present = new Uint8Array(nTok);
  for (let o = 0; o < rows.nOut; o++) present[rows.tokRank[o]!] = 1;
  const newIndex = new Int32Array(nTok).fill(-1);
  const tokens: TokenInfo[] = [];
  const dropped: string[] = [];
  for (let r = 0; r < nTok; r++) {
    const t = raw.tokens[byId[r]!]!;
    if (present[r]) {
      newIndex[r] = tokens.length;
      const meta = raw.tokenMeta[byId[r]!]!;
      const out: TokenInfo = { ...t, tokenClass: classifyToken(t).tokenClass };
      const ohlcFromCloses = meta.prices === "closes" && tokIntraday[byId[r]!] === 1;
      if (meta.prices === "closes" || meta.volume === "none") {
        const cols: TokenColumns = { ohlc: meta.prices === "bars" || ohlcFromCloses, volume: meta.volume !== "none" };
        if (ohlcFromCloses) cols.ohlcFrom = "intraday closes";
        out.columns = cols;
      }
      tokens.push(out);
    } else dropped.push(t.id);
  }
  const token = new Int32Array(rows.nOut);
  for (let o = 0; o < rows.nOut; o++) token[o] = newIndex[rows.tokRank[o]!]!;
  return { tokens, token, dropped };
}

/** Rule 6, day-level flags: gaps inside token histories, stale closes, extreme jumps. */
export function flagDays(ctx: Ctx, rows: DailyRows, tokens: TokenInfo[], token: Int32Array, s: Settings): DayFlags {
  const { book, loc } = ctx;
  const { staleRun, jumpThr } = s;
  const { close, day: outDay, nOut } = rows;
  const f: DayFlags = {
    eStale: book.define(
      "stale prices",
      "flagged",
      `runs of >= ${staleRun} consecutive rows with an identical close (a frozen feed or a peg); kept. count = runs.`,
    ),
    eJump: book.define(
      "extreme jumps",
      "flagged",
      `|log(close / previous close)| > ${jumpThr.toFixed(3)} (a move beyond x${Math.exp(jumpThr).toFixed(2)} or /${Math.exp(jumpThr).toFixed(2)} in one step); kept. count = rows.`,
    ),
    missingDays: 0,
    gapRuns: 0,
    longest: 0,
    tokensWithGaps: 0,
    gapExamples: [],
  };
  let lastGapToken = -1;
  let runStart = 0;
  const outId = (o: number): string => tokens[token[o]!]!.id;
  const closeRun = (endExclusive: number): void => {
    const len = endExclusive - runStart;
    if (len >= staleRun) {
      const s0 = runStart;
      book.hit(
        f.eStale,
        () =>
          `${outId(s0)} ${dayToIso(outDay[s0]!)}..${dayToIso(outDay[endExclusive - 1]!)}: close ${show(close[s0]!)} x${len} (${loc(srcOf(rows, s0))})`,
      );
    }
  };
  for (let o = 0; o < nOut; o++) {
    const newTok = o === 0 || token[o] !== token[o - 1];
    if (newTok) {
      if (o > 0) closeRun(o);
      runStart = o;
      continue;
    }
    const gap = outDay[o]! - outDay[o - 1]! - 1;
    if (gap > 0) {
      f.missingDays += gap;
      f.gapRuns++;
      if (gap > f.longest) f.longest = gap;
      if (lastGapToken !== token[o]) {
        f.tokensWithGaps++;
        lastGapToken = token[o]!;
      }
      if (f.gapExamples.length < MAX_EXAMPLES) {
        f.gapExamples.push(
          `${outId(o)} ${dayToIso(outDay[o - 1]! + 1)}..${dayToIso(outDay[o]! - 1)}: ${gap} day(s) missing before ${loc(srcOf(rows, o))}`,
        );
      }
    }
    if (close[o] !== close[o - 1]) {
      closeRun(o);
      runStart = o;
    }
    const lr = Math.log(close[o]! / close[o - 1]!);
    if (Math.abs(lr) > jumpThr) {
      const oo = o;
      book.hit(
        f.eJump,
        () =>
          `${outId(oo)} ${dayToIso(outDay[oo]!)}: close ${show(close[oo - 1]!)} -> ${show(close[oo]!)} (log return ${lr.toFixed(2)}) at ${loc(srcOf(rows, oo))}`,
      );
    }
  }
  closeRun(nOut);
  return f;
}
