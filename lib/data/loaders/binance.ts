/**
 * Loader for Binance klines (candlesticks), in the three shapes people have on disk:
 *
 *  - bulk CSV from data.binance.vision, <SYMBOL>-<interval>-<date>.csv, 12 columns
 *    (open_time, open, high, low, close, volume, close_time, quote_volume, count,
 *    taker_buy_volume, taker_buy_quote_volume, ignore), with or without a header row;
 *  - a simple daily layout <SYMBOL>.csv: timestamp,open,high,low,close,volume with ISO dates;
 *  - a REST /api/v3/klines JSON response (an array of 12-element arrays, prices as strings).
 *
 * Timestamps may be epoch milliseconds, microseconds (Binance spot files from 2025 on) or
 * seconds: the unit is read from the magnitude, per file, and a file that mixes units (or
 * whose close_time unit differs from its open_time unit) is refused with a DataError.
 * Any interval from 1s to 1d is accepted; intraday bars are aggregated to UTC days by
 * validation (open = first, high = max, low = min, close = last, volume = sum), and days
 * with fewer bars than the interval implies are flagged as incomplete.
 *
 * A CSV whose header has a time and a close column but no open, high or low is read as a
 * close-only file (loaders/close-only.ts): its closes become daily OHLC from the closes
 * (intraday) or price-only days, with no volume unless it has a volume column.
 *
 * The token id is the symbol part of the file name ("BTCUSDT-1h-2022-01.csv" -> "BTCUSDT",
 * "DOGEUSDT_1d.csv" -> "DOGEUSDT": interval suffixes are dropped); monthly or daily files of
 * one symbol join into one token.
 */
import { CsvReader, findColumns, type ColumnSpec } from "../csv";
import { DataError } from "../errors";
import { MS_PER_DAY } from "../panel";
import { RawRows } from "../raw";
import { sectorFor } from "../sectors";
import { DateParser } from "../timestamps";
import type { ValidationResult } from "../validate";
import { isCloseOnlyHeader, readCloseOnlyCsv } from "./close-only";
import {
  jsonNumber,
  listInputFiles,
  readJsonFile,
  sectorSettings,
  tokenIdFromFileName,
  type LoadOptions,
  rowTime,
  validateLoaded,
  pushOhlcvRow,
  ohlcvColumns,
} from "./common";

/** Layout name used in messages. */
export const BINANCE_LAYOUT = "Binance klines";

/** Bulk file names: SYMBOL-<n><unit>-<date>.csv, e.g. BTCUSDT-1h-2022-01.csv, ADABTC-1m-2021-11-27.csv. */
const BULK_NAME_RE = /^([A-Za-z0-9]+)-(\d+)([smhdwM])-/;

/** Milliseconds per interval unit letter; "M" (month) has no fixed length. */
const INTERVAL_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: MS_PER_DAY, w: 7 * MS_PER_DAY };

/** Columns when the CSV has a header (names normalised; Binance's own header is "open_time" or "Opentime"). */
export const BINANCE_COLUMNS: readonly ColumnSpec[] = [
  { key: "time", names: ["open_time", "opentime", "timestamp", "date", "time", "datetime"], required: true },
  { key: "open", names: ["open"], required: true },
  { key: "high", names: ["high"], required: true },
  { key: "low", names: ["low"], required: true },
  { key: "close", names: ["close"], required: true },
  { key: "volume", names: ["volume"], required: true },
  { key: "closeTime", names: ["close_time", "closetime"], required: false },
];

/** Positions of the bulk layout without a header. */
const BULK_POSITIONS = { time: 0, open: 1, high: 2, low: 3, close: 4, volume: 5, closeTime: 6 };

/** Fewest fields a headerless kline row can have (open_time .. volume). */
const MIN_KLINE_FIELDS = 6;

/** Interval label of a length in ms ("1h", "15m", "1d"). */
export function intervalLabel(ms: number): string {
  for (const [u, size] of [
    ["d", MS_PER_DAY],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${u}`;
  }
  return `${ms}ms`;
}

/** Symbol and interval from a bulk file name, or nulls. */
export function parseBinanceFileName(file: string): {
  symbol: string | null;
  intervalMs: number | null;
  intervalText: string | null;
} {
  const base = file.replace(/^.*[\\/]/, "");
  const m = BULK_NAME_RE.exec(base);
  if (!m) return { symbol: null, intervalMs: null, intervalText: null };
  const unit = m[3]!;
  const ms = unit === "M" ? Infinity : Number(m[2]) * INTERVAL_UNIT_MS[unit]!;
  return { symbol: m[1]!.toUpperCase(), intervalMs: ms, intervalText: `${m[2]}${unit}` };
}

/** Load Binance klines (folder or file: bulk CSV, daily CSV or REST JSON) into a validated Panel. */
export function loadBinance(target: string, options: LoadOptions = {}): ValidationResult {
  const { files, notes } = listInputFiles(
    target,
    (n) => /\.(csv|json)$/i.test(n),
    BINANCE_LAYOUT,
    "Binance klines .csv or .json files",
  );
  const raw = new RawRows();
  raw.notes.push(...notes);
  const dates = new DateParser();
  const sectors = sectorSettings(options);
  const intervalFile = new Map<number, string>();
  let closeOnlyFiles = 0;
  const closeOnlyNames: string[] = [];

  const tokenFor = (file: string, fromName: string | null, isJson: boolean): number => {
    const symbol = fromName ?? (isJson ? options.symbol : undefined) ?? tokenIdFromFileName(file);
    return raw.token(symbol, {
      symbol,
      name: symbol,
      sector: sectorFor(symbol, undefined, sectors.custom, sectors.builtin),
    });
  };

  /** Settle a file's interval (name, else smallest step seen) and check it against the token's. */
  const settleInterval = (
    file: string,
    tok: number,
    named: ReturnType<typeof parseBinanceFileName>,
    minStep: number,
    isoDates: boolean,
  ): void => {
    let interval: number | null = named.intervalMs;
    if (interval === null) interval = minStep < Infinity ? minStep : isoDates ? MS_PER_DAY : null;
    // Without an interval in the name, steps of whole days are daily rows with missing days
    // (validation counts the gaps), not a coarser interval: "2d" would refuse a sparse daily file.
    if (named.intervalMs === null && interval !== null && interval > MS_PER_DAY && interval % MS_PER_DAY === 0)
      interval = MS_PER_DAY;
    if (interval !== null && interval > MS_PER_DAY) {
      throw new DataError(
        file,
        null,
        null,
        `holds klines at interval ${named.intervalText ?? intervalLabel(interval)}, coarser than a day. A daily Panel needs 1d or finer klines: download the 1d (or 1h) files instead.`,
      );
    }
    const meta = raw.tokenMeta[tok]!;
    const t = raw.tokens[tok]!;
    if (meta.intervalMs === null) {
      meta.intervalMs = interval;
      meta.intraday = interval !== null && interval < MS_PER_DAY;
      intervalFile.set(tok, file);
    } else if (interval !== null && interval !== meta.intervalMs) {
      throw new DataError(
        file,
        null,
        null,
        `holds ${t.symbol} at interval ${intervalLabel(interval)} but ${intervalFile.get(tok)} holds it at ${intervalLabel(meta.intervalMs)}. ` +
          "Load one interval per symbol: move the other interval's files to another folder.",
      );
    }
  };

  for (const file of files) {
    dates.startFile(file);
    const named = parseBinanceFileName(file);
    if (/\.json$/i.test(file)) {
      const fi = raw.addFile(file, "item");
      const doc = readJsonFile(file);
      if (
        !Array.isArray(doc) ||
        doc.length === 0 ||
        !doc.every((k) => Array.isArray(k) && k.length >= MIN_KLINE_FIELDS)
      ) {
        throw new DataError(
          file,
          null,
          null,
          `is not a Binance /api/v3/klines response: expected a non-empty array of arrays [open_time, open, high, low, close, volume, close_time, ...]${
            Array.isArray(doc) && doc.length === 0 ? " (the array is empty)" : ""
          }. Save the REST response as is, or use a CSV layout.`,
        );
      }
      const tok = tokenFor(file, named.symbol, true);
      let prev = NaN;
      let minStep = Infinity;
      doc.forEach((k: unknown[], idx) => {
        const item = idx + 1;
        const where = (f: string): string => `item ${item}, ${f}`;
        const ot = jsonNumber(k[0], file, where("open_time"));
        const t = dates.epoch(ot, null, where("open_time"), false);
        if (k.length > 6) {
          const ct = jsonNumber(k[6], file, where("close_time"));
          dates.checkSameUnit(ct, null, where("close_time"));
        }
        if (t > prev && t - prev < minStep) minStep = t - prev;
        prev = t;
        raw.push(
          tok,
          t,
          jsonNumber(k[1], file, where("open")),
          jsonNumber(k[2], file, where("high")),
          jsonNumber(k[3], file, where("low")),
          jsonNumber(k[4], file, where("close")),
          jsonNumber(k[5], file, where("volume")),
          NaN,
          fi,
          item,
        );
      });
      settleInterval(file, tok, named, minStep, false);
      continue;
    }

    const reader = new CsvReader(file, { header: "auto" });
    let col: Record<string, number>;
    if (reader.header && isCloseOnlyHeader(reader.header)) {
      // time,close[,volume] files (no open/high/low): read as close-only, see loaders/close-only.ts
      const symbol = named.symbol ?? tokenIdFromFileName(file);
      readCloseOnlyCsv(raw, reader, dates, options, symbol, symbol);
      closeOnlyFiles++;
      closeOnlyNames.push(file.replace(/^.*[\\/]/, ""));
      continue;
    }
    if (reader.header) {
      col = findColumns(reader.header, BINANCE_COLUMNS as ColumnSpec[], file, BINANCE_LAYOUT);
    } else {
      if (reader.width < MIN_KLINE_FIELDS) {
        reader.close();
        throw new DataError(
          file,
          1,
          null,
          `has ${reader.width} field(s) per row and no header. Binance klines have 12 (open_time, open, high, low, close, volume, close_time, quote_volume, count, ` +
            "taker_buy_volume, taker_buy_quote_volume, ignore); the daily layout needs the header timestamp,open,high,low,close,volume.",
        );
      }
      col = { ...BULK_POSITIONS, closeTime: reader.width > BULK_POSITIONS.closeTime ? BULK_POSITIONS.closeTime : -1 };
    }
    const fi = raw.addFile(file);
    const tok = tokenFor(file, named.symbol, false);
    const iTime = col.time!;
    const ohlcv = ohlcvColumns(col);
    const iCt = col.closeTime!;
    let prev = NaN;
    let minStep = Infinity;
    let isoDates = false;
    let first = true;
    for (const row of reader.rows()) {
      const t = rowTime(dates, row, iTime);
      if (first) {
        isoDates = dates.unit === null;
        first = false;
      }
      if (iCt >= 0 && dates.unit !== null && !row.isEmpty(iCt))
        dates.checkSameUnit(row.num(iCt), row.line, row.columnName(iCt));
      if (t > prev && t - prev < minStep) minStep = t - prev;
      prev = t;
      pushOhlcvRow(raw, tok, t, row, ohlcv, fi);
    }
    settleInterval(file, tok, named, minStep, isoDates);
  }
  if (closeOnlyFiles > 0) {
    raw.notes.push({
      check: "close-only files",
      action: "info",
      count: closeOnlyFiles,
      detail:
        "files with a time and a close column but no open, high or low were read as close-only prices (no volume unless the file has one). count = files.",
      examples: closeOnlyNames.slice(0, 5),
    });
  }
  return validateLoaded(raw, dates, `binance:${target}`, options);
}
