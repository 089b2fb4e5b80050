/**
 * Dates and epoch timestamps of price files, turned into UTC epoch milliseconds.
 *
 * Sources disagree: Kaggle writes "2017-10-02 23:59:59", CoinGecko "2013-04-28 00:00:00
 * UTC", hand-made files "2022-01-31T09:00:00+02:00", and Binance epoch numbers whose unit
 * changed from milliseconds to microseconds in 2025 (some tools write seconds). The parser
 * here reads all of them from raw bytes without building strings, converts offsets to UTC,
 * detects an epoch number's unit from its magnitude, refuses a file that mixes units, and
 * keeps counts of the formats it saw so that the validation report can say "mixed date
 * formats" or "time zone offsets converted" instead of hiding it.
 */
import * as path from "node:path";
import { DataError, quoteCell } from "./errors";
import { MS_PER_DAY } from "./panel";
import type { ValidationEntry } from "./validate";

/** Units of epoch numbers. */
export type EpochUnit = "s" | "ms" | "us";

/**
 * Magnitude bounds of epoch numbers: [1e8, 1e11) seconds, [1e11, 1e14) milliseconds,
 * [1e14, 1e17) microseconds. Each band covers 1973-03-03 to the year 5138 in its unit, so
 * every real market timestamp falls in exactly one band.
 */
export const EPOCH_BANDS: readonly { unit: EpochUnit; min: number; max: number; toMs: number }[] = [
  { unit: "s", min: 1e8, max: 1e11, toMs: 1000 },
  { unit: "ms", min: 1e11, max: 1e14, toMs: 1 },
  { unit: "us", min: 1e14, max: 1e17, toMs: 1e-3 },
];

/** Readable unit names for messages. */
export const EPOCH_UNIT_NAMES: Record<EpochUnit, string> = { s: "seconds", ms: "milliseconds", us: "microseconds" };

/** The unit of a positive epoch number from its magnitude, or null when it fits no band. */
export function epochUnitOf(v: number): EpochUnit | null {
  for (const b of EPOCH_BANDS) if (v >= b.min && v < b.max) return b.unit;
  return null;
}

/** Epoch number in `unit` to milliseconds. */
export function epochToMs(v: number, unit: EpochUnit): number {
  return unit === "ms" ? v : unit === "s" ? v * 1000 : Math.floor(v / 1000);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function civilToDays(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Earliest and latest calendar year accepted (prices before 1900 or after 2999 are typos). */
const MIN_YEAR = 1900;
const MAX_YEAR = 2999;

// Format code bits (a small integer per distinct layout, for counting).
const F_EPOCH = 1;
const F_SLASH = 2;
const F_TIME_SPACE = 4;
const F_TIME_T = 8;
const F_SECONDS = 16;
const F_FRACTION = 32;
const F_ZONE_Z = 64;
const F_ZONE_WORD = 128;
const F_ZONE_OFFSET = 256;
/** Positions of the digits in "YYYY-MM-DD". */
const DATE_DIGIT_OFFSETS = [0, 1, 2, 3, 5, 6, 8, 9];
/** Number of distinct format codes (bits above). */
const FORMAT_CODES = 512;

/** Human-readable name of a format code, e.g. "YYYY-MM-DDThh:mm:ss+hh:mm". */
function formatName(code: number): string {
  if (code & F_EPOCH) return `epoch ${EPOCH_UNIT_NAMES[(["s", "ms", "us"] as const)[code >> 1]!]}`;
  let s = code & F_SLASH ? "YYYY/MM/DD" : "YYYY-MM-DD";
  if (code & (F_TIME_SPACE | F_TIME_T)) {
    s += (code & F_TIME_T ? "T" : " ") + "hh:mm" + (code & F_SECONDS ? ":ss" : "") + (code & F_FRACTION ? ".fff" : "");
  }
  if (code & F_ZONE_Z) s += "Z";
  if (code & F_ZONE_WORD) s += " UTC";
  if (code & F_ZONE_OFFSET) s += "+hh:mm";
  return s;
}

const BAD_DATE_FIX =
  "Write dates as ISO 8601 (2022-01-31, 2022-01-31 13:00:00, 2022-01-31T13:00:00+02:00) or as epoch seconds, milliseconds or microseconds.";

/**
 * Parses one date column across the files of a source and remembers what it saw.
 * Call `startFile` before each file; epoch units must be consistent within a file.
 */
export class DateParser {
  private file: string | null = null;
  private fileUnit: EpochUnit | null = null;
  private fileUnitLine: number | null = null;
  // format counts of the current file (reset per file; `touched` lists the codes seen)
  private readonly counts = new Int32Array(FORMAT_CODES);
  private readonly examples: (string | undefined)[] = new Array(FORMAT_CODES);
  private touched: number[] = [];
  // files that mixed formats
  private mixedFiles = 0;
  private mixedRows = 0;
  private readonly mixedExamples: string[] = [];
  private offsetRows = 0;
  private readonly offsetExamples: string[] = [];
  private lastCode = 0;
  private lastOffsetMinutes = 0;

  /** Start a new file: epoch units are checked per file (Binance files use one unit each). */
  startFile(file: string): void {
    this.closeFile();
    this.file = file;
    this.fileUnit = null;
    this.fileUnitLine = null;
  }

  /** The epoch unit of the current file, once an epoch number was seen. */
  get unit(): EpochUnit | null {
    return this.fileUnit;
  }

  /**
   * An epoch number to milliseconds, checking its unit against the file's earlier rows.
   * Throws a DataError for a number that fits no unit or a unit that differs within the file.
   */
  epoch(v: number, line: number | null, column: string | number | null, countFormat = true): number {
    const unit = epochUnitOf(v);
    if (unit === null) {
      throw new DataError(
        this.file,
        line,
        column,
        `${v} is not an epoch time in seconds, milliseconds or microseconds (expected 1e8..1e17). ${BAD_DATE_FIX}`,
      );
    }
    if (this.fileUnit === null) {
      this.fileUnit = unit;
      this.fileUnitLine = line;
    } else if (unit !== this.fileUnit) {
      throw new DataError(
        this.file,
        line,
        column,
        `${v} looks like epoch ${EPOCH_UNIT_NAMES[unit]} but this file's first timestamp${this.fileUnitLine !== null ? ` (line ${this.fileUnitLine})` : ""} is in ${EPOCH_UNIT_NAMES[this.fileUnit]}. ` +
          "A file must use one unit (Binance spot files switched from milliseconds to microseconds in 2025): split the file by unit or convert the timestamps.",
      );
    }
    if (countFormat) this.count(F_EPOCH | ((unit === "s" ? 0 : unit === "ms" ? 1 : 2) << 1), line);
    return epochToMs(v, unit);
  }

  /** Check that a companion timestamp (e.g. Binance close_time) has the file's unit. */
  checkSameUnit(v: number, line: number | null, column: string | number | null): void {
    const unit = epochUnitOf(v);
    if (unit !== this.fileUnit) {
      throw new DataError(
        this.file,
        line,
        column,
        `${v} is ${unit ? `in epoch ${EPOCH_UNIT_NAMES[unit]}` : "not an epoch time"} but this row's open time is in ${this.fileUnit ? EPOCH_UNIT_NAMES[this.fileUnit] : "no known unit"}. ` +
          "Open and close times must use the same unit: the file is damaged or assembled from mixed sources.",
      );
    }
  }

  /** Parse a date cell given as text (JSON, tests). */
  text(text: string, line: number | null, column: string | number | null): number {
    const b = Buffer.from(text, "utf8");
    return this.bytes(b, 0, b.length, line, column);
  }

  /**
   * Parse a date or epoch cell from bytes `[start, end)` to UTC epoch milliseconds.
   * Throws a DataError naming file, line and column when the text is not a date.
   */
  bytes(b: Uint8Array, start: number, end: number, line: number | null, column: string | number | null): number {
    while (start < end && b[start] === 32) start++;
    while (end > start && b[end - 1] === 32) end--;
    const ms = this.calendar(b, start, end);
    if (!Number.isNaN(ms)) {
      this.count(this.lastCode, line);
      if (this.lastOffsetMinutes !== 0) {
        this.offsetRows++;
        if (this.offsetExamples.length < 5)
          this.offsetExamples.push(`${this.where(line)} ${Buffer.from(b.subarray(start, end)).toString("utf8")}`);
      }
      return ms;
    }
    // all digits (with at most one dot): an epoch number
    let digits = 0;
    let dots = 0;
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c >= 48 && c <= 57) digits++;
      else if (c === 46) dots++;
      else {
        digits = -1;
        break;
      }
    }
    if (digits > 0 && dots <= 1) {
      const v = Number(Buffer.from(b.subarray(start, end)).toString("latin1"));
      return this.epoch(v, line, column);
    }
    const text = Buffer.from(b.subarray(start, end)).toString("utf8");
    const dayFirst = /^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}/.test(text)
      ? " Day-first and month-first dates (31/01/2022, 01/31/2022) are ambiguous and not read."
      : "";
    throw new DataError(this.file, line, column, `${quoteCell(text)} is not a date.${dayFirst} ${BAD_DATE_FIX}`);
  }

  private where(line: number | null): string {
    return `${this.file ? path.basename(this.file) : "?"}${line !== null ? `:${line}` : ""}`;
  }

  private count(code: number, line: number | null): void {
    if (this.counts[code]++ === 0) {
      this.examples[code] = this.where(line);
      this.touched.push(code);
    }
  }

  /** Close the current file's format counts: a file with several date formats is recorded. */
  private closeFile(): void {
    const seen = this.touched;
    if (seen.length > 1) {
      seen.sort((a, b) => this.counts[b]! - this.counts[a]! || a - b);
      this.mixedFiles++;
      for (const c of seen.slice(1)) {
        this.mixedRows += this.counts[c]!;
        if (this.mixedExamples.length < 5)
          this.mixedExamples.push(
            `${this.examples[c]} ${formatName(c)} (${this.counts[c]} rows; most rows of the file: ${formatName(seen[0]!)})`,
          );
      }
    }
    for (const c of seen) this.counts[c] = 0;
    this.touched = [];
  }

  /** Read 1..maxDigits digits at this.p (at least minDigits); -1 when there are too few. */
  private digits(b: Uint8Array, e: number, maxDigits: number, minDigits: number): number {
    let v = 0;
    let n = 0;
    let i = this.p;
    while (n < maxDigits && i < e) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
      n++;
    }
    this.p = i;
    return n >= minDigits ? v : -1;
  }

  private p = 0;

  /** Calendar forms; NaN when the bytes are not one (sets lastCode / lastOffsetMinutes). */
  private calendar(b: Uint8Array, s: number, e: number): number {
    // fast path: exactly YYYY-MM-DD
    if (e - s === 10 && b[s + 4] === 45 && b[s + 7] === 45) {
      const y = (b[s]! - 48) * 1000 + (b[s + 1]! - 48) * 100 + (b[s + 2]! - 48) * 10 + (b[s + 3]! - 48);
      const mo = (b[s + 5]! - 48) * 10 + (b[s + 6]! - 48);
      const d = (b[s + 8]! - 48) * 10 + (b[s + 9]! - 48);
      let ok = true;
      for (const k of DATE_DIGIT_OFFSETS) {
        const c = b[s + k]!;
        if (c < 48 || c > 57) ok = false;
      }
      if (ok && y >= MIN_YEAR && y <= MAX_YEAR && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo)) {
        this.lastCode = 0;
        this.lastOffsetMinutes = 0;
        return civilToDays(y, mo, d) * MS_PER_DAY;
      }
      return NaN;
    }
    this.p = s;
    const y = this.digits(b, e, 4, 4);
    if (y < 0 || this.p >= e) return NaN;
    const sep = b[this.p];
    if (sep !== 45 && sep !== 47) return NaN;
    let code = sep === 47 ? F_SLASH : 0;
    this.p++;
    const mo = this.digits(b, e, 2, 1);
    if (mo < 0 || this.p >= e || b[this.p] !== sep) return NaN;
    this.p++;
    const d = this.digits(b, e, 2, 1);
    if (d < 0) return NaN;
    if (y < MIN_YEAR || y > MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
    let ms = civilToDays(y, mo, d) * MS_PER_DAY;
    let offset = 0;
    let i = this.p;
    if (i < e && (b[i] === 84 || b[i] === 32) && i + 1 < e && b[i + 1]! >= 48 && b[i + 1]! <= 57) {
      code |= b[i] === 84 ? F_TIME_T : F_TIME_SPACE;
      this.p = i + 1;
      const hh = this.digits(b, e, 2, 2);
      if (hh < 0 || hh > 23 || this.p >= e || b[this.p] !== 58) return NaN;
      this.p++;
      const mm = this.digits(b, e, 2, 2);
      if (mm < 0 || mm > 59) return NaN;
      let ss = 0;
      let frac = 0;
      if (this.p < e && b[this.p] === 58) {
        this.p++;
        code |= F_SECONDS;
        ss = this.digits(b, e, 2, 2);
        if (ss < 0 || ss > 60) return NaN;
        if (this.p < e && b[this.p] === 46) {
          this.p++;
          code |= F_FRACTION;
          let scale = 100;
          const fs = this.p;
          while (this.p < e && b[this.p]! >= 48 && b[this.p]! <= 57) {
            frac += (b[this.p]! - 48) * scale;
            scale /= 10;
            this.p++;
          }
          if (this.p === fs) return NaN;
          frac = Math.floor(frac);
        }
      }
      ms += hh * 3_600_000 + mm * 60_000 + ss * 1000 + frac;
      i = this.p;
    }
    if (i < e) {
      if (b[i] === 32) i++;
      const c = b[i];
      if (c === 90 && i + 1 === e) {
        code |= F_ZONE_Z;
        i++;
      } else if (
        e - i === 3 &&
        ((b[i] === 85 && b[i + 1] === 84 && b[i + 2] === 67) || (b[i] === 71 && b[i + 1] === 77 && b[i + 2] === 84))
      ) {
        code |= F_ZONE_WORD;
        i += 3;
      } else if (c === 43 || c === 45) {
        this.p = i + 1;
        const oh = this.digits(b, e, 2, 2);
        if (oh < 0 || oh > 14) return NaN;
        if (this.p < e && b[this.p] === 58) this.p++;
        let om = 0;
        if (this.p < e) {
          om = this.digits(b, e, 2, 2);
          if (om < 0 || om > 59) return NaN;
        }
        offset = (c === 45 ? -1 : 1) * (oh * 60 + om);
        code |= F_ZONE_OFFSET;
        i = this.p;
      } else {
        return NaN;
      }
      if (i !== e) return NaN;
    }
    this.lastCode = code;
    this.lastOffsetMinutes = offset;
    return ms - offset * 60_000;
  }

  /**
   * Report entries (action "info") about what was seen: files that mix several date
   * formats, and rows whose time zone offset was converted to UTC.
   */
  entries(): ValidationEntry[] {
    this.closeFile();
    const out: ValidationEntry[] = [];
    if (this.mixedFiles > 0) {
      out.push({
        check: "mixed date formats",
        action: "info",
        count: this.mixedRows,
        detail:
          `${this.mixedFiles} file(s) mix several date formats; all were read as UTC (offsets applied). count = rows not in their file's most common format. ` +
          "Check that such files were not assembled from different exports.",
        examples: this.mixedExamples.slice(),
      });
    }
    if (this.offsetRows > 0) {
      out.push({
        check: "time zone offsets",
        action: "info",
        count: this.offsetRows,
        detail:
          "timestamps with a UTC offset were converted to UTC before taking the day (2022-01-01T01:00:00+02:00 belongs to 2021-12-31).",
        examples: this.offsetExamples.slice(),
      });
    }
    return out;
  }
}
