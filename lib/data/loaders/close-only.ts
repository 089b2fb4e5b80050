/**
 * Loader for close-only price files: one file per token (or pair) with a time column and a
 * close column, at any interval, e.g. hourly
 *
 *     open_time,close
 *     2021-01-01 00:00:00,28995.13
 *
 * Accepted headers (case-insensitive): time as open_time, timestamp, date, datetime, time or
 * snapped_at (ISO dates, ISO date-times without an offset read as UTC, or epoch s/ms/us);
 * price as close or price; an optional volume column (volume, total_volume). Other columns
 * are ignored.
 *
 * The interval is the smallest step between consecutive rows of a file. Finer than a day:
 * rows are intraday closes that validation aggregates to UTC days as OHLC from the closes
 * (open = first, high = highest, low = lowest, close = last close; counted as "daily OHLC
 * from closes") and days with fewer closes than the interval implies are flagged. Daily or
 * coarser: each row is a day's close and open, high and low stay unknown (NaN, "price
 * only"). Without a volume column the volume is NaN ("no volume") and volume features are
 * left out; nothing is invented.
 *
 * The token id is the file name without its interval or export suffix
 * ("BTCUSDT.csv", "BTCUSDT_1h.csv" -> "BTCUSDT"; see tokenIdFromFileName).
 *
 * Memory: RawRows keeps only time and close (and volume when a file has one), 28 bytes
 * per row instead of 68, so 10 million hourly closes take about 0.3 GB before validation.
 */
import { CsvReader, findColumns, normaliseHeaderName, type ColumnSpec } from "../csv";
import { DataError } from "../errors";
import { MS_PER_DAY } from "../panel";
import { RawRows, type RawColumnName } from "../raw";
import { sectorFor } from "../sectors";
import { DateParser } from "../timestamps";
import type { ValidationResult } from "../validate";
import {
  listInputFiles,
  sectorSettings,
  tokenIdFromFileName,
  type LoadOptions,
  rowTime,
  validateLoaded,
} from "./common";

/** Layout name used in messages. */
export const CLOSE_ONLY_LAYOUT = "close-only";

/** Columns of a close-only file. */
export const CLOSE_ONLY_COLUMNS: readonly ColumnSpec[] = [
  {
    key: "time",
    names: ["open_time", "opentime", "timestamp", "date", "datetime", "time", "snapped_at"],
    required: true,
  },
  { key: "close", names: ["close", "price"], required: true },
  { key: "volume", names: ["volume", "total_volume"], required: false },
];

/** Bytes read to see a file's header before the real pass (a header line is far shorter). */
const HEADER_PEEK_BYTES = 4096;

/** Header names that mean a file has a full bar (not close-only). */
const BAR_COLUMNS = ["open", "high", "low"];

/**
 * True when a header is a close-only layout: it has a time and a close (or price) column
 * and none of open, high, low. Used by loadBinance to read such files without a separate
 * source setting.
 */
export function isCloseOnlyHeader(header: readonly string[]): boolean {
  const norm = header.map(normaliseHeaderName);
  const has = (names: string[]): boolean => names.some((n) => norm.includes(n));
  return (
    has(CLOSE_ONLY_COLUMNS[0]!.names) && has(CLOSE_ONLY_COLUMNS[1]!.names) && !BAR_COLUMNS.some((c) => norm.includes(c))
  );
}

/**
 * Read one close-only CSV into `raw` (the caller opened the reader and checked the header).
 * Registers the token under `key` with id `id`, pushes each row's close as
 * open = high = low = close (RawRows "closes") and sets the token's interval from the
 * smallest step (capped at a day: coarser rows are days). Throws a DataError when files of
 * one token differ in interval or in having a volume column.
 */
export function readCloseOnlyCsv(
  raw: RawRows,
  reader: CsvReader,
  dates: DateParser,
  options: LoadOptions,
  key: string,
  id: string,
): void {
  const file = reader.file;
  const col = findColumns(reader.header!, CLOSE_ONLY_COLUMNS as ColumnSpec[], file, CLOSE_ONLY_LAYOUT);
  const sectors = sectorSettings(options);
  const fi = raw.addFile(file);
  const iTime = col.time!;
  const iClose = col.close!;
  const iVol = col.volume!;
  const known = raw.findToken(key);
  const tok = raw.token(
    key,
    { symbol: id, name: id, sector: sectorFor(id, undefined, sectors.custom, sectors.builtin) },
    { intervalMs: null, volume: iVol >= 0 ? "sum" : "none", prices: "closes" },
    id,
  );
  const meta = raw.tokenMeta[tok]!;
  if (known >= 0 && (meta.volume === "none") !== iVol < 0) {
    reader.close();
    throw new DataError(
      file,
      1,
      null,
      `holds ${id} ${iVol < 0 ? "without" : "with"} a volume column, but an earlier file of ${id} did the opposite. Give every file of a token the same columns.`,
    );
  }
  let prev = NaN;
  let minStep = Infinity;
  for (const row of reader.rows()) {
    const t = rowTime(dates, row, iTime);
    if (t > prev && t - prev < minStep) minStep = t - prev;
    prev = t;
    const c = row.num(iClose);
    raw.push(tok, t, c, c, c, c, iVol >= 0 ? row.num(iVol) : NaN, NaN, fi, row.line);
  }
  const interval = minStep < Infinity ? Math.min(minStep, MS_PER_DAY) : MS_PER_DAY;
  if (meta.intervalMs === null) {
    meta.intervalMs = interval;
    meta.intraday = interval < MS_PER_DAY;
  } else if (meta.intervalMs !== interval && minStep < Infinity) {
    throw new DataError(
      file,
      null,
      null,
      `holds ${id} at a step of ${interval / 60_000} min but an earlier file holds it at ${meta.intervalMs / 60_000} min. Load one interval per token: move the other files to another folder.`,
    );
  }
}

/**
 * Load close-only files (a folder of <TOKEN>.csv or one file) into a validated Panel.
 * See the module comment for the layout, the interval rule and the id rule.
 */
export function loadCloseOnly(target: string, options: LoadOptions = {}): ValidationResult {
  const { files, notes } = listInputFiles(
    target,
    (n) => /\.(csv|txt)$/i.test(n),
    CLOSE_ONLY_LAYOUT,
    "close-only CSV files (time,close[,volume])",
  );
  // Store volume only when some file has it (28 bytes per row without, 36 with).
  const stored: RawColumnName[] = ["time", "close"];
  for (const file of files) {
    const peek = new CsvReader(file, { header: true, chunkBytes: HEADER_PEEK_BYTES });
    peek.close();
    if (findColumns(peek.header!, CLOSE_ONLY_COLUMNS as ColumnSpec[], file, CLOSE_ONLY_LAYOUT).volume! >= 0) {
      stored.push("volume");
      break;
    }
  }
  const raw = new RawRows({ stored });
  raw.notes.push(...notes);
  const dates = new DateParser();
  for (const file of files) {
    const reader = new CsvReader(file, { header: true });
    try {
      dates.startFile(file);
      const id = tokenIdFromFileName(file);
      readCloseOnlyCsv(raw, reader, dates, options, `close:${id}`, id);
    } finally {
      reader.close();
    }
  }
  return validateLoaded(raw, dates, `close:${target}`, options);
}
