/**
 * Validation: raw rows of any source -> a Panel plus a report of everything done to them.
 *
 * Every loader ends here, so every source gets the same rules and the same accounting.
 * Rows are never lost silently: each drop, repair and flag is counted with up to
 * MAX_EXAMPLES examples that point at file:line, and
 *
 *     rowsRead = rowsKept + rowsMerged + sum of the counts of "dropped" entries,
 *
 * where rowsMerged counts intraday bars folded into daily rows (0 for daily sources).
 *
 * The rules, in order:
 *  1. Row checks. Non-finite open/high/low/close (NaN, missing, Infinity): dropped.
 *     Price <= 0: dropped (no log return exists). Non-finite volume: dropped. Negative
 *     volume: dropped (a corrupt row; guessing a value would invent data, and NaN would
 *     poison every volume feature downstream). Prices or volumes beyond the plausible
 *     magnitudes of limits.ts (1e308, 5e-324): dropped, so no sum or square overflows.
 *     Dates before 2009-01-03 or after the time of loading: dropped. Market cap <= 0,
 *     infinite or implausibly large: set to NaN (unknown) and counted as a repair, since
 *     several sources write 0 for "unknown".
 *  2. Order. Tokens are ordered by id, rows by (token, day) (by exact time for intraday
 *     bars). Rows that came earlier than the row before them (same token) are counted as
 *     "unsorted" (info); the sort is stable, so file order decides among equal keys.
 *  3. Duplicates. A row equal in every value to another row with the same key is dropped.
 *     The same key with different values is a hard DataError naming both lines, unless
 *     `duplicates: "keep-last"`: then the row latest in file order wins, the key is counted
 *     as repaired and the rows it replaced as dropped ("superseded duplicate").
 *  4. OHLC invariants. high < low: the two are swapped (a column mix-up is the usual
 *     cause). Then high is raised to max(open, close) and low lowered to min(open, close)
 *     where needed, so low <= min(open, close) and max(open, close) <= high always hold.
 *  5. Intraday aggregation (intraday sources): bars form UTC days with open = first,
 *     high = max, low = min, close = last, volume = sum (or last for rolling 24 h
 *     volumes), market cap = last known. Days with fewer bars than the interval implies
 *     are flagged as incomplete.
 *     Close-only tokens (one price per row, RawRows "closes"): intraday closes become daily
 *     OHLC from the closes (counted as "daily OHLC from closes"); daily closes keep open,
 *     high and low unknown (NaN, counted as "price only"). Tokens without volume keep NaN
 *     volumes (counted as "no volume"); their volume is not checked.
 *  6. Day-level flags (nothing changed): gaps (missing days inside a token's life, counted
 *     not filled), stale prices (runs of >= staleRunDays identical closes), extreme jumps
 *     (|log(close_t / close_t-1)| > jumpLogThreshold between consecutive rows).
 *  7. Token classes (taxonomy.ts): every token gets its class; stablecoin, fiat, leveraged,
 *     wrapped and commodity tokens are counted ("non-market tokens").
 *
 * validateRows runs one named step per rule; rules 5 and 6 live in validate-days.ts and the
 * state the steps share (raw columns, report book, row names) in validate-context.ts.
 */
import {
  MAX_PLAUSIBLE_MARKET_CAP,
  MAX_PLAUSIBLE_PRICE,
  MAX_PLAUSIBLE_VOLUME,
  MIN_PLAUSIBLE_PRICE,
  MIN_PLAUSIBLE_TIME_MS,
  maxPlausibleTimeMs,
} from "./limits";
import { MS_PER_DAY, dayToIso, type Panel, type TokenInfo } from "./panel";
import type { RawRows, ValidationEntry } from "./raw";
import { classSummary, INCLUDE_CLASSES_ENV } from "./taxonomy";
import { type Ctx, type Ordered, rowContext, type Settings, show } from "./validate-context";
import {
  type CloseOnlyCounts,
  closeOnlyPrices,
  type DailyRows,
  type DayFlags,
  dailyRows,
  flagDays,
  presentTokens,
} from "./validate-days";
import { type Book, MAX_EXAMPLES, type ValidationReport } from "./validate-report";

/** Re-exported from raw.ts, where it lives so that raw.ts and validate.ts do not import each other. */
export type { ValidationEntry } from "./raw";
/** The report type and its formatting live in validate-report.ts; re-exported for callers. */
export { MAX_EXAMPLES, accountedRows, formatValidationReport } from "./validate-report";
export type { ValidationReport } from "./validate-report";

/** Options of validateRows. */
export interface ValidateOptions {
  /** Source label stored in Panel.source and the report. */
  source: string;
  /**
   * Treat every token's rows as intraday bars to aggregate into UTC days (keys are exact
   * times, not days). Default false: each token follows its TokenMeta.intraday.
   */
  intraday?: boolean;
  /** Same key with different values: "error" (default) throws; "keep-last" keeps the later row. */
  duplicates?: "error" | "keep-last";
  /** Flag runs of at least this many identical closes. Default STALE_RUN_DAYS. */
  staleRunDays?: number;
  /** Flag |log return| above this. Default JUMP_LOG_THRESHOLD. */
  jumpLogThreshold?: number;
}

/** A Panel and its report. */
export interface ValidationResult {
  panel: Panel;
  report: ValidationReport;
}

/**
 * A close unchanged for 5 consecutive days is stale: liquid tokens move every day, and a
 * working week of identical prints points at a frozen feed (stablecoins may trip it; it
 * only flags).
 */
export const STALE_RUN_DAYS = 5;

/**
 * |log return| above ln 3 (a move to more than 3x or below 1/3 in one step) is flagged:
 * the worst daily moves of large tokens (about -50%, +100%) stay inside it, while bad
 * prints and unit errors (x1000) fall outside.
 */
export const JUMP_LOG_THRESHOLD = Math.log(3);

/** The valid `duplicates` policies. */
export const DUPLICATE_POLICIES = ["error", "keep-last"] as const;

/** Equal, with NaN equal to NaN. */
function same(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Validate raw rows into a Panel (see the module comment for the rules). Throws a
 * DataError for conflicting duplicates (unless keep-last) and when no valid row is left.
 */
export function validateRows(raw: RawRows, options: ValidateOptions): ValidationResult {
  const settings = checkOptions(options);
  const ctx = rowContext(raw, settings.allIntraday);
  const { keep, nKeep } = checkRows(ctx);
  const ordered = orderRows(ctx, keep, nKeep);
  const { uniq, u } = dropDuplicates(ctx, ordered, nKeep, settings.policy);
  enforceOhlc(ctx, uniq, u);
  const rows = dailyRows(ctx, ordered, uniq, u);
  const closeOnly = closeOnlyPrices(ctx, rows, uniq, u);
  const { tokens, token, dropped } = presentTokens(ctx, ordered.byId, rows);
  const flags = flagDays(ctx, rows, tokens, token, settings);
  const entries = reportEntries(ctx, rows, tokens, dropped, closeOnly, flags);
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for (let o = 0; o < rows.nOut; o++) {
    const d = rows.day[o]!;
    if (d < firstDay) firstDay = d;
    if (d > lastDay) lastDay = d;
  }
  const panel: Panel = {
    tokens,
    token,
    day: rows.day,
    open: rows.open,
    high: rows.high,
    low: rows.low,
    close: rows.close,
    volume: rows.volume,
    marketCap: rows.marketCap,
    anomalyKind: null,
    events: null,
    source: options.source,
  };
  const report: ValidationReport = {
    source: options.source,
    files: raw.files.slice(),
    rowsRead: ctx.n,
    rowsKept: rows.nOut,
    rowsMerged: u - rows.nOut,
    tokens: tokens.length,
    firstDay: dayToIso(firstDay),
    lastDay: dayToIso(lastDay),
    entries,
    gaps: { count: flags.missingDays, tokensWithGaps: flags.tokensWithGaps, longest: flags.longest },
  };
  return { panel, report };
}

/** Options checked, defaults filled in. */
function checkOptions(options: ValidateOptions): Settings {
  const policy = options.duplicates ?? "error";
  if (!(DUPLICATE_POLICIES as readonly string[]).includes(policy)) {
    throw new Error(
      `Unknown duplicates policy ${JSON.stringify(policy)}. Use one of: ${DUPLICATE_POLICIES.join(", ")}.`,
    );
  }
  const staleRun = options.staleRunDays ?? STALE_RUN_DAYS;
  if (!Number.isInteger(staleRun) || staleRun < 2)
    throw new Error(`staleRunDays must be an integer >= 2, got ${staleRun}.`);
  const jumpThr = options.jumpLogThreshold ?? JUMP_LOG_THRESHOLD;
  if (!(jumpThr > 0)) throw new Error(`jumpLogThreshold must be > 0, got ${jumpThr}.`);
  return { policy, staleRun, jumpThr, allIntraday: options.intraday ?? false };
}

/** The report entries of rule 1, defined in report order. */
function defineRowChecks(book: Book) {
  return {
    nonFinite: book.define(
      "non-finite price",
      "dropped",
      "open, high, low or close was missing, NaN or infinite; the row was dropped.",
    ),
    nonPositive: book.define(
      "non-positive price",
      "dropped",
      "open, high, low or close was <= 0, which no market trades at (log returns would be undefined); the row was dropped.",
    ),
    volumeNonFinite: book.define(
      "non-finite volume",
      "dropped",
      "volume was missing, NaN or infinite; the row was dropped.",
    ),
    volumeNegative: book.define(
      "negative volume",
      "dropped",
      "volume was < 0, which marks a corrupt row; the row was dropped rather than given an invented volume.",
    ),
    marketCap: book.define(
      "market cap not positive",
      "repaired",
      `market cap <= 0, infinite or above ${MAX_PLAUSIBLE_MARKET_CAP} was set to unknown (NaN); several sources write 0 for unknown.`,
    ),
    magnitude: book.define(
      "implausible magnitude",
      "dropped",
      `a price outside [${MIN_PLAUSIBLE_PRICE}, ${MAX_PLAUSIBLE_PRICE}] or a volume above ${MAX_PLAUSIBLE_VOLUME} (a corrupt cell: no market trades there, and such values overflow sums and squares); the row was dropped.`,
    ),
    date: book.define(
      "implausible date",
      "dropped",
      `a date before ${new Date(MIN_PLAUSIBLE_TIME_MS).toISOString().slice(0, 10)} (Bitcoin's first block; no crypto price exists earlier) or more than 2 days after the time of loading (a typo or an epoch unit mix-up); the row was dropped.`,
    ),
  };
}

/** A price inside the plausible magnitudes of limits.ts. */
function plausiblePrice(v: number): boolean {
  return v >= MIN_PLAUSIBLE_PRICE && v <= MAX_PLAUSIBLE_PRICE;
}

/** Rule 1, row checks: keep[i] = 1 for rows that pass; bad market caps become NaN in place. */
function checkRows(ctx: Ctx): { keep: Uint8Array; nKeep: number } {
  const { c, n, book, loc, tid, when, tokNoVolume } = ctx;
  const e = defineRowChecks(book);
  const maxTime = maxPlausibleTimeMs();
  const keep = new Uint8Array(n);
  let nKeep = 0;
  for (let i = 0; i < n; i++) {
    const o = c.open[i]!;
    const h = c.high[i]!;
    const l = c.low[i]!;
    const cl = c.close[i]!;
    const prices = () =>
      `${loc(i)} ${tid(i)} ${when(i)}: open=${show(o)} high=${show(h)} low=${show(l)} close=${show(cl)}`;
    if (!(Number.isFinite(o) && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(cl))) {
      book.hit(e.nonFinite, prices);
      continue;
    }
    if (o <= 0 || h <= 0 || l <= 0 || cl <= 0) {
      book.hit(e.nonPositive, prices);
      continue;
    }
    const v = c.volume[i]!;
    if (tokNoVolume[c.token[i]!]) {
      // no volume in the source: NaN stays, nothing to check
    } else if (!Number.isFinite(v)) {
      book.hit(e.volumeNonFinite, () => `${loc(i)} ${tid(i)} ${when(i)}: volume=${show(v)}`);
      continue;
    } else if (v < 0) {
      book.hit(e.volumeNegative, () => `${loc(i)} ${tid(i)} ${when(i)}: volume=${show(v)}`);
      continue;
    }
    if (
      !plausiblePrice(o) ||
      !plausiblePrice(h) ||
      !plausiblePrice(l) ||
      !plausiblePrice(cl) ||
      v > MAX_PLAUSIBLE_VOLUME
    ) {
      book.hit(e.magnitude, () => `${prices()} volume=${show(v)}`);
      continue;
    }
    const ti = c.time[i]!;
    if (!(ti >= MIN_PLAUSIBLE_TIME_MS && ti <= maxTime)) {
      book.hit(e.date, () => `${loc(i)} ${tid(i)}: ${Number.isFinite(ti) ? new Date(ti).toISOString() : String(ti)}`);
      continue;
    }
    const mc = c.marketCap[i]!;
    if (!Number.isNaN(mc) && !(mc > 0 && mc <= MAX_PLAUSIBLE_MARKET_CAP)) {
      book.hit(e.marketCap, () => `${loc(i)} ${tid(i)} ${when(i)}: market cap=${show(mc)}`);
      c.marketCap[i] = NaN;
    }
    keep[i] = 1;
    nKeep++;
  }
  return { keep, nKeep };
}

/** Rule 2, order: tokens by id, kept rows by (token, key), stable; out-of-order rows counted. */
function orderRows(ctx: Ctx, keep: Uint8Array, nKeep: number): Ordered {
  const { c, n, nTok, raw, tokIntraday, intraday, book, loc, tid, when } = ctx;
  const tokensIn = raw.tokens;
  const byId = Array.from({ length: nTok }, (_, t) => t).sort((a, b) =>
    tokensIn[a]!.id < tokensIn[b]!.id ? -1 : tokensIn[a]!.id > tokensIn[b]!.id ? 1 : 0,
  );
  const rank = new Int32Array(nTok);
  byId.forEach((t, r) => (rank[t] = r));
  const start = new Int32Array(nTok + 1);
  for (let i = 0; i < n; i++) if (keep[i]) start[rank[c.token[i]!]! + 1]!++;
  for (let r = 0; r < nTok; r++) start[r + 1]! += start[r]!;
  const order = new Int32Array(nKeep);
  {
    const pos = start.slice(0, nTok);
    for (let i = 0; i < n; i++) if (keep[i]) order[pos[rank[c.token[i]!]!]!++] = i;
  }
  const day = new Int32Array(n);
  for (let i = 0; i < n; i++) day[i] = Math.floor(c.time[i]! / MS_PER_DAY);
  // sort key: exact time for intraday tokens, the day (as ms) for daily ones
  let key: Float64Array | Int32Array = day;
  if (intraday) {
    const k = new Float64Array(n);
    for (let i = 0; i < n; i++) k[i] = tokIntraday[c.token[i]!] ? c.time[i]! : day[i]! * MS_PER_DAY;
    key = k;
  }
  const keyName = intraday ? "day (exact time for intraday bars)" : "day";
  const eUnsorted = book.define(
    "unsorted rows",
    "info",
    `rows that came before the previous row of the same token; all rows were put in (token, ${keyName}) order.`,
  );
  for (let r = 0; r < nTok; r++) {
    const a = start[r]!;
    const b = start[r + 1]!;
    let desc = 0;
    for (let j = a + 1; j < b; j++) {
      const cur = order[j]!;
      const prev = order[j - 1]!;
      if (key[cur]! < key[prev]!) {
        desc++;
        if (eUnsorted.examples.length < MAX_EXAMPLES)
          eUnsorted.examples.push(`${loc(cur)} ${tid(cur)} ${when(cur)} after ${when(prev)} (${loc(prev)})`);
      }
    }
    if (desc > 0) {
      eUnsorted.count += desc;
      order.subarray(a, b).sort((x, y) => key[x]! - key[y]! || x - y);
    }
  }
  return { byId, rank, order, day, key, keyName };
}

/** Rule 3, duplicates: one raw row per (token, key) in uniq[0..u), or a DataError for a conflict. */
function dropDuplicates(
  ctx: Ctx,
  { order, key, keyName }: Ordered,
  nKeep: number,
  policy: Settings["policy"],
): { uniq: Int32Array; u: number } {
  const { c, book, loc, tid, when, raw, tokIntraday } = ctx;
  const eExact = book.define(
    "exact duplicate",
    "dropped",
    `a row repeating another row of the same token and ${keyName} in every value was dropped (the first copy is kept).`,
  );
  const eConflict = book.define(
    "conflicting duplicates",
    "repaired",
    `keys (token, ${keyName}) with rows of different values: the row latest in file order was kept (duplicates: "keep-last"); count = keys.`,
  );
  const eSuperseded = book.define(
    "superseded duplicate",
    "dropped",
    `rows replaced by a later row with the same token and ${keyName} (duplicates: "keep-last").`,
  );
  const sameRow = (x: number, y: number): boolean =>
    same(c.open[x]!, c.open[y]!) &&
    same(c.high[x]!, c.high[y]!) &&
    same(c.low[x]!, c.low[y]!) &&
    same(c.close[x]!, c.close[y]!) &&
    same(c.volume[x]!, c.volume[y]!) &&
    same(c.marketCap[x]!, c.marketCap[y]!);
  const uniq = new Int32Array(nKeep);
  let u = 0;
  for (let j = 0; j < nKeep; ) {
    const rj = order[j]!;
    const kj = key[rj]!;
    let k = j + 1;
    while (k < nKeep && key[order[k]!] === kj && c.token[order[k]!] === c.token[rj]) k++;
    if (k === j + 1) {
      uniq[u++] = rj;
    } else {
      const distinct: number[] = [];
      for (let q = j; q < k; q++) {
        const r = order[q]!;
        const twin = distinct.find((d) => sameRow(d, r));
        if (twin !== undefined) book.hit(eExact, () => `${loc(r)} repeats ${loc(twin)} (${tid(r)} ${when(r)})`);
        else distinct.push(r);
      }
      if (distinct.length === 1) {
        uniq[u++] = distinct[0]!;
      } else if (policy === "error") {
        const r1 = distinct[0]!;
        const r2 = distinct[1]!;
        const t = raw.tokens[c.token[r2]!]!;
        throw ctx.errorAt(
          r2,
          `token ${JSON.stringify(t.symbol)} (id ${t.id}) has two different rows for ${tokIntraday[c.token[r2]!] ? "time" : "day"} ${when(r2)}: this one and ${loc(r1)} ` +
            `(close ${show(c.close[r2]!)} vs ${show(c.close[r1]!)}). Remove one of them, or load with duplicates: "keep-last" to keep the later row.`,
        );
      } else {
        const last = distinct[distinct.length - 1]!;
        uniq[u++] = last;
        book.hit(
          eConflict,
          () => `${tid(last)} ${when(last)}: kept ${loc(last)}, replaced ${distinct.slice(0, -1).map(loc).join(", ")}`,
        );
        for (const r of distinct.slice(0, -1)) book.hit(eSuperseded, () => `${loc(r)} replaced by ${loc(last)}`);
      }
    }
    j = k;
  }
  return { uniq, u };
}

/** Rule 4, OHLC invariants on every kept row or bar, repaired in place. */
function enforceOhlc(ctx: Ctx, uniq: Int32Array, u: number): void {
  const { c, book, loc, tid, when } = ctx;
  const eSwap = book.define(
    "high below low",
    "repaired",
    "high < low: high and low were swapped (a column mix-up is the usual cause); then the range check applied.",
  );
  const eWiden = book.define(
    "open/close outside high-low",
    "repaired",
    "high was raised to max(open, close) and/or low lowered to min(open, close), so that low <= open, close <= high.",
  );
  for (let q = 0; q < u; q++) {
    const r = uniq[q]!;
    let h = c.high[r]!;
    let l = c.low[r]!;
    if (h < l) {
      const hh = h;
      const ll = l;
      book.hit(eSwap, () => `${loc(r)} ${tid(r)} ${when(r)}: high=${show(hh)} low=${show(ll)}`);
      h = ll;
      l = hh;
    }
    const o = c.open[r]!;
    const cl = c.close[r]!;
    const mx = Math.max(o, cl);
    const mn = Math.min(o, cl);
    if (h < mx || l > mn) {
      const hh = h;
      const ll = l;
      book.hit(
        eWiden,
        () => `${loc(r)} ${tid(r)} ${when(r)}: open=${show(o)} high=${show(hh)} low=${show(ll)} close=${show(cl)}`,
      );
      if (h < mx) h = mx;
      if (l > mn) l = mn;
    }
    c.high[r] = h;
    c.low[r] = l;
  }
}

/** The report's entries, in pipeline order: source notes, row-level entries, then summaries. */
function reportEntries(
  ctx: Ctx,
  rows: DailyRows,
  tokens: TokenInfo[],
  dropped: string[],
  closeOnly: CloseOnlyCounts,
  flags: DayFlags,
): ValidationEntry[] {
  const { raw, book } = ctx;
  const { eIncomplete } = rows;
  const { eStale, eJump } = flags;
  const entries: ValidationEntry[] = [...raw.notes];
  const renamed = raw.renamedEntry();
  if (renamed) entries.push(renamed);
  const notIn = (e: ValidationEntry): boolean => e !== eStale && e !== eJump && e !== eIncomplete;
  for (const e of book.list) if (e.count > 0 && notIn(e)) entries.push(e);
  entries.push(...columnEntries(ctx, rows, tokens, closeOnly));
  if (eIncomplete.count > 0) entries.push(eIncomplete);
  if (flags.missingDays > 0) {
    entries.push({
      check: "gaps",
      action: "flagged",
      count: flags.missingDays,
      detail: `${flags.missingDays} day(s) missing inside token histories, in ${flags.gapRuns} gap(s) over ${flags.tokensWithGaps} token(s); longest ${flags.longest} day(s). Counted, not filled.`,
      examples: flags.gapExamples,
    });
  }
  if (eStale.count > 0) entries.push(eStale);
  if (eJump.count > 0) entries.push(eJump);
  if (dropped.length > 0) {
    entries.push({
      check: "tokens without valid rows",
      action: "info",
      count: dropped.length,
      detail: "tokens whose rows were all dropped are left out of the Panel (their rows are counted above).",
      examples: dropped.slice(0, MAX_EXAMPLES),
    });
  }
  const classes = classSummary(tokens);
  const nonMarket = tokens.length - classes.counts.market;
  if (nonMarket > 0) {
    const parts = Object.entries(classes.counts)
      .filter(([k, v]) => k !== "market" && v > 0)
      .map(([k, v]) => `${v} ${k}`);
    entries.push({
      check: "non-market tokens",
      action: "info",
      count: nonMarket,
      detail:
        `${parts.join(", ")} token(s), recognised by symbol rules and listed symbols: kept in the Panel, left out of market-wide statistics ` +
        `and the stress index by default (set ${INCLUDE_CLASSES_ENV} to include classes). count = tokens.`,
      examples: classes.examples.slice(0, MAX_EXAMPLES),
    });
  }
  return entries;
}

/** Info entries on what the columns are made of: intraday aggregation, close-only prices, missing volume. */
function columnEntries(ctx: Ctx, rows: DailyRows, tokens: TokenInfo[], k: CloseOnlyCounts): ValidationEntry[] {
  const tokensIn = ctx.raw.tokens;
  const entries: ValidationEntry[] = [];
  const { intradayBars, intradayDays } = rows;
  if (ctx.intraday) {
    entries.push({
      check: "intraday aggregation",
      action: "info",
      count: intradayBars,
      detail:
        `${intradayBars} intraday bars made ${intradayDays} daily rows (${intradayBars - intradayDays} bars merged): open = first bar, high = max, low = min, close = last bar of the UTC day; ` +
        "volume = sum of bars (or the last value for rolling 24 h volumes); market cap = last known.",
      examples: [],
    });
  }
  if (k.closeBars > 0) {
    entries.push({
      check: "daily OHLC from closes",
      action: "info",
      count: k.closeBars,
      detail:
        `${k.closeBars} intraday closes of ${k.closeTokens.size} close-only token(s) made ${k.closeDays} daily rows: open = first close, high = highest close, ` +
        "low = lowest close, close = last close of the UTC day (the range between bars is not seen, so ranges are a lower bound).",
      examples: [...k.closeTokens].slice(0, MAX_EXAMPLES).map((t) => tokensIn[t]!.id),
    });
  }
  if (k.priceOnlyRows > 0) {
    entries.push({
      check: "price only",
      action: "info",
      count: k.priceOnlyRows,
      detail:
        `${k.priceOnlyTokens.size} token(s) give one price per day: open, high and low are unknown (NaN in the Panel, not copies of the close), ` +
        "so features that need them (range, candle body and shadows) are left out.",
      examples: [...k.priceOnlyTokens].slice(0, MAX_EXAMPLES).map((t) => tokensIn[t]!.id),
    });
  }
  const noVolume = tokens.filter((t) => t.columns && !t.columns.volume);
  if (noVolume.length > 0) {
    entries.push({
      check: "no volume",
      action: "info",
      count: noVolume.length,
      detail:
        "tokens whose source has no volume column: volume is NaN in the Panel and volume features are left out. count = tokens.",
      examples: noVolume.slice(0, MAX_EXAMPLES).map((t) => t.id),
    });
  }
  return entries;
}
