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
 */
import * as path from "node:path";
import { DataError } from "./errors";
import {
  MAX_PLAUSIBLE_MARKET_CAP,
  MAX_PLAUSIBLE_PRICE,
  MAX_PLAUSIBLE_VOLUME,
  MIN_PLAUSIBLE_PRICE,
  MIN_PLAUSIBLE_TIME_MS,
  maxPlausibleTimeMs,
} from "./limits";
import { MS_PER_DAY, dayToIso, type Panel, type TokenColumns, type TokenInfo } from "./panel";
import type { RawColumns, RawRows, ValidationEntry } from "./raw";
import { classSummary, classifyToken, INCLUDE_CLASSES_ENV } from "./taxonomy";
import { Book, MAX_EXAMPLES, type ValidationReport } from "./validate-report";

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

/** A number for an example: shortest round-trip text. */
function show(v: number): string {
  return String(v);
}

/**
 * Validate raw rows into a Panel (see the module comment for the rules). Throws a
 * DataError for conflicting duplicates (unless keep-last) and when no valid row is left.
 */
export function validateRows(raw: RawRows, options: ValidateOptions): ValidationResult {
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
  const allIntraday = options.intraday ?? false;

  const c: RawColumns = raw.columns();
  const n = c.length;
  const tokensIn = raw.tokens;
  const nTok = tokensIn.length;
  const book = new Book();
  const baseNames = raw.files.map((f) => path.basename(f));
  const loc = (r: number): string => {
    const f = c.file[r]!;
    return raw.fileKinds[f] === "item" ? `${baseNames[f]} item ${c.line[r]}` : `${baseNames[f]}:${c.line[r]}`;
  };
  const tokIntraday = new Uint8Array(nTok);
  raw.tokenMeta.forEach((m, t) => (tokIntraday[t] = allIntraday || m.intraday ? 1 : 0));
  const intraday = tokIntraday.includes(1);
  // Close-only and volume-less tokens: 1 where the token's rows are single prices / carry no volume.
  const tokCloses = Uint8Array.from(raw.tokenMeta, (m) => (m.prices === "closes" ? 1 : 0));
  const tokNoVolume = Uint8Array.from(raw.tokenMeta, (m) => (m.volume === "none" ? 1 : 0));
  const tid = (r: number): string => tokensIn[c.token[r]!]!.id;
  const when = (r: number): string =>
    tokIntraday[c.token[r]!] ? new Date(c.time[r]!).toISOString() : dayToIso(Math.floor(c.time[r]! / MS_PER_DAY));
  const errorAt = (r: number, detail: string): DataError => {
    const f = c.file[r]!;
    const isItem = raw.fileKinds[f] === "item";
    return new DataError(raw.files[f] ?? null, isItem ? null : c.line[r]!, isItem ? `item ${c.line[r]}` : null, detail);
  };

  // 1. Row checks
  const eNonFinite = book.define(
    "non-finite price",
    "dropped",
    "open, high, low or close was missing, NaN or infinite; the row was dropped.",
  );
  const eNonPos = book.define(
    "non-positive price",
    "dropped",
    "open, high, low or close was <= 0, which no market trades at (log returns would be undefined); the row was dropped.",
  );
  const eVolNF = book.define(
    "non-finite volume",
    "dropped",
    "volume was missing, NaN or infinite; the row was dropped.",
  );
  const eVolNeg = book.define(
    "negative volume",
    "dropped",
    "volume was < 0, which marks a corrupt row; the row was dropped rather than given an invented volume.",
  );
  const eMcap = book.define(
    "market cap not positive",
    "repaired",
    `market cap <= 0, infinite or above ${MAX_PLAUSIBLE_MARKET_CAP} was set to unknown (NaN); several sources write 0 for unknown.`,
  );
  const eMagnitude = book.define(
    "implausible magnitude",
    "dropped",
    `a price outside [${MIN_PLAUSIBLE_PRICE}, ${MAX_PLAUSIBLE_PRICE}] or a volume above ${MAX_PLAUSIBLE_VOLUME} (a corrupt cell: no market trades there, and such values overflow sums and squares); the row was dropped.`,
  );
  const eDate = book.define(
    "implausible date",
    "dropped",
    `a date before ${new Date(MIN_PLAUSIBLE_TIME_MS).toISOString().slice(0, 10)} (Bitcoin's first block; no crypto price exists earlier) or more than 2 days after the time of loading (a typo or an epoch unit mix-up); the row was dropped.`,
  );
  const maxTime = maxPlausibleTimeMs();
  const keep = new Uint8Array(n);
  let nKeep = 0;
  for (let i = 0; i < n; i++) {
    const o = c.open[i]!;
    const h = c.high[i]!;
    const l = c.low[i]!;
    const cl = c.close[i]!;
    if (!(Number.isFinite(o) && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(cl))) {
      book.hit(
        eNonFinite,
        () => `${loc(i)} ${tid(i)} ${when(i)}: open=${show(o)} high=${show(h)} low=${show(l)} close=${show(cl)}`,
      );
      continue;
    }
    if (o <= 0 || h <= 0 || l <= 0 || cl <= 0) {
      book.hit(
        eNonPos,
        () => `${loc(i)} ${tid(i)} ${when(i)}: open=${show(o)} high=${show(h)} low=${show(l)} close=${show(cl)}`,
      );
      continue;
    }
    const v = c.volume[i]!;
    if (tokNoVolume[c.token[i]!]) {
      // no volume in the source: NaN stays, nothing to check
    } else if (!Number.isFinite(v)) {
      book.hit(eVolNF, () => `${loc(i)} ${tid(i)} ${when(i)}: volume=${show(v)}`);
      continue;
    } else if (v < 0) {
      book.hit(eVolNeg, () => `${loc(i)} ${tid(i)} ${when(i)}: volume=${show(v)}`);
      continue;
    }
    if (
      !(o >= MIN_PLAUSIBLE_PRICE && o <= MAX_PLAUSIBLE_PRICE) ||
      !(h >= MIN_PLAUSIBLE_PRICE && h <= MAX_PLAUSIBLE_PRICE) ||
      !(l >= MIN_PLAUSIBLE_PRICE && l <= MAX_PLAUSIBLE_PRICE) ||
      !(cl >= MIN_PLAUSIBLE_PRICE && cl <= MAX_PLAUSIBLE_PRICE) ||
      v > MAX_PLAUSIBLE_VOLUME
    ) {
      book.hit(
        eMagnitude,
        () =>
          `${loc(i)} ${tid(i)} ${when(i)}: open=${show(o)} high=${show(h)} low=${show(l)} close=${show(cl)} volume=${show(v)}`,
      );
      continue;
    }
    const ti = c.time[i]!;
    if (!(ti >= MIN_PLAUSIBLE_TIME_MS && ti <= maxTime)) {
      book.hit(eDate, () => `${loc(i)} ${tid(i)}: ${Number.isFinite(ti) ? new Date(ti).toISOString() : String(ti)}`);
      continue;
    }
    const mc = c.marketCap[i]!;
    if (!Number.isNaN(mc) && !(mc > 0 && mc <= MAX_PLAUSIBLE_MARKET_CAP)) {
      book.hit(eMcap, () => `${loc(i)} ${tid(i)} ${when(i)}: market cap=${show(mc)}`);
      c.marketCap[i] = NaN;
    }
    keep[i] = 1;
    nKeep++;
  }

  // 2. Order: tokens by id, rows by (token, key), stable
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

  // 3. Duplicates
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
        const t = tokensIn[c.token[r2]!]!;
        throw errorAt(
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

  // 4. OHLC invariants (on every kept row or bar)
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

  // 5. Output rows (aggregating bars to days when intraday)
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
  const gapCounts = new Map<number, Map<number, number>>();
  const inferredInterval = new Map<number, number>();
  const eIncomplete = book.define(
    "incomplete days",
    "flagged",
    "UTC days with fewer bars than the interval implies (e.g. < 24 hourly bars): kept, but their OHLC covers part of the day.",
  );
  let intradayBars = 0;
  let intradayDays = 0;
  // When nothing was dropped, merged or moved (a clean, sorted daily file: the common case
  // for big inputs) the raw columns become the Panel's columns, saving a second copy.
  let identity = !intraday && nOut === n;
  for (let q = 0; identity && q < u; q++) if (uniq[q] !== q) identity = false;
  const outTokRank = new Int32Array(nOut);
  let outDay: Int32Array;
  let open: Float64Array;
  let high: Float64Array;
  let low: Float64Array;
  let close: Float64Array;
  let volume: Float64Array;
  let marketCap: Float64Array;
  let src: Int32Array | null = null;
  if (identity) {
    for (let o = 0; o < nOut; o++) outTokRank[o] = rank[c.token[o]!]!;
    outDay = day;
    open = c.open;
    high = c.high;
    low = c.low;
    close = c.close;
    volume = c.volume;
    marketCap = c.marketCap;
  } else {
    outDay = new Int32Array(nOut);
    open = new Float64Array(nOut);
    high = new Float64Array(nOut);
    low = new Float64Array(nOut);
    close = new Float64Array(nOut);
    volume = new Float64Array(nOut);
    marketCap = new Float64Array(nOut);
    const first = new Int32Array(nOut);
    src = first;
    // Sources that do not state their bar interval (a long CSV of intraday bars): take the
    // most common spacing between a token's consecutive bars, so incomplete days are still found.
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
    let bars = 0;
    let o = -1;
    for (let q = 0; q < u; q++) {
      const r = uniq[q]!;
      const p = q > 0 ? uniq[q - 1]! : -1;
      if (q === 0 || c.token[r] !== c.token[p] || day[r] !== day[p]) {
        if (o >= 0) finishDay(o, bars, first[o]!);
        o++;
        outTokRank[o] = rank[c.token[r]!]!;
        outDay[o] = day[r]!;
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
  }
  /** Raw row behind output row o (the first bar of an aggregated day). */
  const srcOf = (o: number): number => (src === null ? o : src[o]!);
  function finishDay(o: number, nBars: number, first: number): void {
    if (!tokIntraday[c.token[first]!]) return;
    intradayBars += nBars;
    intradayDays++;
    const interval = raw.tokenMeta[c.token[first]!]!.intervalMs ?? inferredInterval.get(c.token[first]!) ?? null;
    if (interval === null || interval >= MS_PER_DAY) return;
    const expected = Math.round(MS_PER_DAY / interval);
    if (nBars < expected)
      book.hit(
        eIncomplete,
        () => `${tid(first)} ${dayToIso(outDay[o]!)}: ${nBars} of ${expected} bars (${loc(first)})`,
      );
  }
  const rowsMerged = u - nOut;

  // Close-only tokens: intraday closes made daily OHLC above (open = first close, high = max,
  // low = min, close = last); daily closes have no open, high or low: NaN, never a stand-in.
  let closeBars = 0;
  let closeDays = 0;
  let priceOnlyRows = 0;
  const closeTokens = new Set<number>();
  const priceOnlyTokens = new Set<number>();
  if (tokCloses.includes(1)) {
    for (let q = 0; q < u; q++) {
      const t = c.token[uniq[q]!]!;
      if (tokCloses[t] && tokIntraday[t]) closeBars++;
    }
    let detached = false;
    for (let o = 0; o < nOut; o++) {
      const t = c.token[srcOf(o)]!;
      if (!tokCloses[t]) continue;
      if (tokIntraday[t]) {
        closeDays++;
        closeTokens.add(t);
        continue;
      }
      if (!detached) {
        // the identity path may share one array for open, high, low and close (close-only RawRows)
        if (open === close || high === close || low === close) {
          open = Float64Array.from(open);
          high = Float64Array.from(high);
          low = Float64Array.from(low);
        }
        detached = true;
      }
      open[o] = high[o] = low[o] = NaN;
      priceOnlyRows++;
      priceOnlyTokens.add(t);
    }
  }

  // tokens that kept rows, in id order, re-indexed densely
  const present = new Uint8Array(nTok);
  for (let o = 0; o < nOut; o++) present[outTokRank[o]!] = 1;
  const newIndex = new Int32Array(nTok).fill(-1);
  const tokens: TokenInfo[] = [];
  const dropped: string[] = [];
  for (let r = 0; r < nTok; r++) {
    const t = tokensIn[byId[r]!]!;
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
  const token = new Int32Array(nOut);
  for (let o = 0; o < nOut; o++) token[o] = newIndex[outTokRank[o]!]!;

  // 6. Day-level flags
  const eStale = book.define(
    "stale prices",
    "flagged",
    `runs of >= ${staleRun} consecutive rows with an identical close (a frozen feed or a peg); kept. count = runs.`,
  );
  const eJump = book.define(
    "extreme jumps",
    "flagged",
    `|log(close / previous close)| > ${jumpThr.toFixed(3)} (a move beyond x${Math.exp(jumpThr).toFixed(2)} or /${Math.exp(jumpThr).toFixed(2)} in one step); kept. count = rows.`,
  );
  let missingDays = 0;
  let gapRuns = 0;
  let longest = 0;
  let tokensWithGaps = 0;
  const gapExamples: string[] = [];
  let lastGapToken = -1;
  let runStart = 0;
  const outId = (o: number): string => tokens[token[o]!]!.id;
  const closeRun = (endExclusive: number): void => {
    const len = endExclusive - runStart;
    if (len >= staleRun) {
      const s0 = runStart;
      book.hit(
        eStale,
        () =>
          `${outId(s0)} ${dayToIso(outDay[s0]!)}..${dayToIso(outDay[endExclusive - 1]!)}: close ${show(close[s0]!)} x${len} (${loc(srcOf(s0))})`,
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
      missingDays += gap;
      gapRuns++;
      if (gap > longest) longest = gap;
      if (lastGapToken !== token[o]) {
        tokensWithGaps++;
        lastGapToken = token[o]!;
      }
      if (gapExamples.length < MAX_EXAMPLES) {
        gapExamples.push(
          `${outId(o)} ${dayToIso(outDay[o - 1]! + 1)}..${dayToIso(outDay[o]! - 1)}: ${gap} day(s) missing before ${loc(srcOf(o))}`,
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
        eJump,
        () =>
          `${outId(oo)} ${dayToIso(outDay[oo]!)}: close ${show(close[oo - 1]!)} -> ${show(close[oo]!)} (log return ${lr.toFixed(2)}) at ${loc(srcOf(oo))}`,
      );
    }
  }
  closeRun(nOut);

  // report
  const entries: ValidationEntry[] = [...raw.notes];
  const renamed = raw.renamedEntry();
  if (renamed) entries.push(renamed);
  const notIn = (e: ValidationEntry): boolean => e !== eStale && e !== eJump && e !== eIncomplete;
  for (const e of book.list) if (e.count > 0 && notIn(e)) entries.push(e);
  if (intraday) {
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
  if (closeBars > 0) {
    entries.push({
      check: "daily OHLC from closes",
      action: "info",
      count: closeBars,
      detail:
        `${closeBars} intraday closes of ${closeTokens.size} close-only token(s) made ${closeDays} daily rows: open = first close, high = highest close, ` +
        "low = lowest close, close = last close of the UTC day (the range between bars is not seen, so ranges are a lower bound).",
      examples: [...closeTokens].slice(0, MAX_EXAMPLES).map((t) => tokensIn[t]!.id),
    });
  }
  if (priceOnlyRows > 0) {
    entries.push({
      check: "price only",
      action: "info",
      count: priceOnlyRows,
      detail:
        `${priceOnlyTokens.size} token(s) give one price per day: open, high and low are unknown (NaN in the Panel, not copies of the close), ` +
        "so features that need them (range, candle body and shadows) are left out.",
      examples: [...priceOnlyTokens].slice(0, MAX_EXAMPLES).map((t) => tokensIn[t]!.id),
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
  if (eIncomplete.count > 0) entries.push(eIncomplete);
  if (missingDays > 0) {
    entries.push({
      check: "gaps",
      action: "flagged",
      count: missingDays,
      detail: `${missingDays} day(s) missing inside token histories, in ${gapRuns} gap(s) over ${tokensWithGaps} token(s); longest ${longest} day(s). Counted, not filled.`,
      examples: gapExamples,
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
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for (let o = 0; o < nOut; o++) {
    const d = outDay[o]!;
    if (d < firstDay) firstDay = d;
    if (d > lastDay) lastDay = d;
  }
  const panel: Panel = {
    tokens,
    token,
    day: outDay,
    open,
    high,
    low,
    close,
    volume,
    marketCap,
    anomalyKind: null,
    events: null,
    source: options.source,
  };
  const report: ValidationReport = {
    source: options.source,
    files: raw.files.slice(),
    rowsRead: n,
    rowsKept: nOut,
    rowsMerged,
    tokens: tokens.length,
    firstDay: dayToIso(firstDay),
    lastDay: dayToIso(lastDay),
    entries,
    gaps: { count: missingDays, tokensWithGaps, longest },
  };
  return { panel, report };
}
