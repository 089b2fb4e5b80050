/**
 * What the price loaders share: their options, the list of supported formats (for error
 * messages), finding input files in a folder, reading JSON numbers, reading a CSV row's
 * time and OHLCV cells, and the hand-over of the raw rows to validation.
 *
 * A loader takes a folder or one file. In a folder it reads every file of its layout
 * (sorted by path, subfolders included) and names the files it skipped in the report,
 * so that a stray README or a forgotten .zip is visible rather than silently ignored.
 * Pipes, devices, broken links and link loops are skipped and listed (fswalk.ts), and a
 * JSON file is bounded in size and nesting depth (limits.ts) before it is parsed.
 */
import * as path from "node:path";
import { DataError, quoteCell } from "../errors";
import { type CsvRow, parseNumberText } from "../csv";
import { readRegularFile, targetKind, walkFolder } from "../fswalk";
import {
  MAX_EXAMPLE_CHARS,
  MAX_JSON_BYTES,
  MAX_JSON_DEPTH,
  clipMiddle,
  describeJsonValue,
  jsonNestingDepth,
} from "../limits";
import type { RawRows } from "../raw";
import type { DateParser } from "../timestamps";
import type { ValidationEntry, ValidationResult } from "../validate";
import { MAX_EXAMPLES, validateRows } from "../validate";

/** Options shared by the price loaders (all optional). */
export interface LoadOptions {
  /** Same token and day with different values: "error" (default) or "keep-last". */
  duplicates?: "error" | "keep-last";
  /** Flag runs of at least this many identical closes (default STALE_RUN_DAYS = 5). */
  staleRunDays?: number;
  /** Flag |log return| above this (default JUMP_LOG_THRESHOLD = ln 3). */
  jumpLogThreshold?: number;
  /**
   * Sectors for tokens: true (default) uses the built-in map of well-known symbols;
   * false leaves sectors null (unless a long CSV has a sector column); an object maps
   * symbols or names to sectors and is consulted before the built-in map.
   */
  sectors?: boolean | Record<string, string>;
  /** Binance: token symbol for REST JSON files whose name does not carry one. */
  symbol?: string;
  /** Long CSV: field delimiter (default ","). */
  delimiter?: string;
  /** Long CSV: rows are intraday bars to aggregate into UTC days (default false). */
  intraday?: boolean;
}

/** The supported sources and their file layouts, for error messages and docs. */
export const SUPPORTED_FORMATS: readonly string[] = [
  'kaggle: Kaggle "Cryptocurrency Historical Prices" coin_<Name>.csv (SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap)',
  "binance: Binance klines CSV <SYMBOL>-<interval>-<date>.csv with or without header (open_time,open,high,low,close,volume,close_time,...), " +
    "daily <SYMBOL>.csv (timestamp,open,high,low,close,volume), or a REST /api/v3/klines .json response",
  "coingecko: CoinGecko <coin>-usd-max.csv (snapped_at,price,market_cap,total_volume) or a market_chart .json ({prices, market_caps, total_volumes})",
  "csv: long CSV token,date,open,high,low,close,volume[,market_cap][,symbol][,name][,sector]",
  "close: close-only <TOKEN>.csv per token, time,close[,volume] at any interval (e.g. open_time,close hourly); the binance source reads these too",
];

/** Deepest folder level searched below the given folder (vendor downloads nest symbol/interval folders). */
const MAX_FOLDER_DEPTH = 6;

/** Sector lookup settings derived from LoadOptions.sectors. */
export function sectorSettings(options: LoadOptions): { custom: Record<string, string> | undefined; builtin: boolean } {
  const s = options.sectors ?? true;
  if (s === true) return { custom: undefined, builtin: true };
  if (s === false) return { custom: undefined, builtin: false };
  return { custom: s, builtin: true };
}

/**
 * The input files of a loader: `target` itself when it is a file, else every file below
 * the folder whose name `accept`s, sorted by path. Throws a DataError when the path does
 * not exist, when a single file is not of the layout, or when a folder holds none.
 * Skipped files are returned as an "ignored files" info entry.
 */
export function listInputFiles(
  target: string,
  accept: (name: string) => boolean,
  layout: string,
  expected: string,
): { files: string[]; notes: ValidationEntry[] } {
  const what = `a folder of ${expected} or at one such file`;
  if (targetKind(target, what) === "file") {
    if (!accept(path.basename(target))) {
      throw new DataError(
        target,
        null,
        null,
        `is not a ${layout} file (expected ${expected}). Supported formats: ${SUPPORTED_FORMATS.join("; ")}.`,
      );
    }
    return { files: [target], notes: [] };
  }
  const { files, ignored, skipped, repeated } = walkFolder(target, accept, MAX_FOLDER_DEPTH);
  if (files.length === 0) {
    const found = [...ignored, ...skipped];
    const shown = found.length
      ? found
          .slice(0, 10)
          .map((f) => quoteCell(f))
          .join(", ") + (found.length > 10 ? ", ..." : "")
      : "nothing";
    throw new DataError(
      target,
      null,
      null,
      `holds no ${expected} (found: ${shown}). Supported formats: ${SUPPORTED_FORMATS.join("; ")}.`,
    );
  }
  const notes: ValidationEntry[] = [];
  if (ignored.length > 0) {
    const zips = ignored.filter((f) => /\.zip$/i.test(f)).length;
    notes.push({
      check: "ignored files",
      action: "info",
      count: ignored.length,
      detail: `files in the folder that are not ${expected} were not read${zips ? ` (${zips} .zip archive(s): unzip them first)` : ""}.`,
      examples: ignored.slice(0, MAX_EXAMPLES).map(clipExample),
    });
  }
  if (skipped.length > 0) {
    notes.push({
      check: "skipped entries",
      action: "flagged",
      count: skipped.length,
      detail:
        "folder entries that are not regular files (named pipes, devices, sockets, broken or looping symbolic links, unreadable entries) were not opened; the other files were read.",
      examples: skipped.slice(0, MAX_EXAMPLES).map(clipExample),
    });
  }
  if (repeated.length > 0) {
    notes.push({
      check: "links to files already read",
      action: "info",
      count: repeated.length,
      detail:
        "symbolic links to a folder or file that the walk had already visited were not followed again, so no file is read twice.",
      examples: repeated.slice(0, MAX_EXAMPLES).map(clipExample),
    });
  }
  return { files, notes };
}

/** A report example cut to MAX_EXAMPLE_CHARS. */
function clipExample(text: string): string {
  return clipMiddle(text, MAX_EXAMPLE_CHARS);
}

/**
 * Read and parse a JSON file: refuses non-regular files, files above MAX_JSON_BYTES and
 * nesting deeper than MAX_JSON_DEPTH (checked before parsing), and turns a syntax error
 * into a DataError for that file.
 */
export function readJsonFile(file: string): unknown {
  const text = readRegularFile(file, "a JSON file", MAX_JSON_BYTES).toString("utf8");
  if (text.trim() === "") throw new DataError(file, null, null, "the file is empty. Expected a JSON document.");
  if (jsonNestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new DataError(
      file,
      null,
      null,
      `nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; the supported JSON layouts nest 3 levels. Re-download the file or check what wrote it.`,
    );
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new DataError(
      file,
      null,
      null,
      `is not valid JSON (${clipMiddle((e as Error).message, 200)}). Re-download the file or check that it was saved completely.`,
    );
  }
}

/**
 * A JSON value as a number: numbers as they are, numeric strings parsed (Binance sends
 * prices as strings), null as NaN (dropped and counted later). Anything else throws a
 * DataError at `where` (e.g. "item 3, open") that shows the value in bounded form.
 */
export function jsonNumber(v: unknown, file: string, where: string): number {
  if (typeof v === "number") return v;
  if (v === null) return NaN;
  if (typeof v === "string") {
    const n = parseNumberText(v.length > MAX_NUMBER_TEXT_CHARS ? "x" : v);
    if (n !== null) return n;
  }
  const text = typeof v === "string" ? quoteCell(v) : describeJsonValue(v);
  throw new DataError(file, null, where, `${text} is not a number. Fix the value or remove the item.`);
}

/** Longest string read as a JSON number (a float64 needs at most 24 characters; 400 allows long zero runs). */
const MAX_NUMBER_TEXT_CHARS = 400;

/** File name without its last extension. */
export function stemOf(file: string): string {
  return path.basename(file).replace(/\.[^.]*$/, "");
}

/**
 * File-name suffixes that name an interval or an export, not the token: "_1d", "-1h",
 * "_15m", "-daily", "_hourly", "-ohlcv", "_klines", "-usd-max" (CoinGecko). Stripped from the
 * end of a file stem, repeatedly ("BTCUSDT_1h_ohlcv" -> "BTCUSDT").
 */
export const FILE_SUFFIX_PATTERNS: readonly RegExp[] = [
  /[_-]\d+(?:s|m|h|d|w|mo|min|mins|hour|hours|day|days|week)$/i,
  /[_-](?:daily|hourly|minutely|weekly|monthly|ohlc|ohlcv|kline|klines|candles|prices|price|close|closes|data|history|historical)$/i,
  /-[a-z]{3,4}-(?:max|\d+)$/i,
];

/**
 * The token id a file name gives, upper case, with interval and export suffixes removed
 * (FILE_SUFFIX_PATTERNS): "DOGEUSDT_1d.csv" -> "DOGEUSDT", "btc-usd-max.csv" -> "BTC",
 * "ETHUSDT.csv" -> "ETHUSDT". A stem that would become empty is kept whole.
 */
export function tokenIdFromFileName(file: string): string {
  let stem = stemOf(file);
  for (let changed = true; changed; ) {
    changed = false;
    for (const re of FILE_SUFFIX_PATTERNS) {
      const next = stem.replace(re, "");
      if (next !== stem && next !== "") {
        stem = next;
        changed = true;
      }
    }
  }
  return stem.toUpperCase();
}

/** The time in column `i` of a CSV row, in UTC ms (DateParser rules; errors name file, line and column). */
export function rowTime(dates: DateParser, row: CsvRow, i: number): number {
  return dates.bytes(row.data, row.starts[i]!, row.ends[i]!, row.line, row.columnName(i));
}

/** Column positions of the OHLCV cells of a CSV layout; marketCap -1 when the layout has none. */
export interface OhlcvColumns {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  marketCap: number;
}

/**
 * The OHLCV positions of a column map (findColumns, or fixed positions) with keys open, high,
 * low, close and volume; the market cap under `marketCapKey` (none: -1).
 */
export function ohlcvColumns(col: Record<string, number>, marketCapKey?: string): OhlcvColumns {
  return {
    open: col.open!,
    high: col.high!,
    low: col.low!,
    close: col.close!,
    volume: col.volume!,
    marketCap: marketCapKey === undefined ? -1 : col[marketCapKey]!,
  };
}

/** Push one CSV row's open, high, low, close, volume (and market cap, else NaN) at time t for token tok of file fi. */
export function pushOhlcvRow(raw: RawRows, tok: number, t: number, row: CsvRow, cols: OhlcvColumns, fi: number): void {
  raw.push(
    tok,
    t,
    row.num(cols.open),
    row.num(cols.high),
    row.num(cols.low),
    row.num(cols.close),
    row.num(cols.volume),
    cols.marketCap >= 0 ? row.num(cols.marketCap) : NaN,
    fi,
    row.line,
  );
}

/**
 * The end of every loader: the date parser's notes join the raw rows' notes, and the rows
 * are validated with the loader's duplicate, stale and jump options under the source label
 * `source`. `intraday`: every token's rows are bars (else each token's TokenMeta decides).
 */
export function validateLoaded(
  raw: RawRows,
  dates: DateParser,
  source: string,
  options: LoadOptions,
  intraday = false,
): ValidationResult {
  raw.notes.push(...dates.entries());
  return validateRows(raw, {
    source,
    intraday,
    duplicates: options.duplicates,
    staleRunDays: options.staleRunDays,
    jumpLogThreshold: options.jumpLogThreshold,
  });
}
