/**
 * A fast, streaming CSV reader for large price files.
 *
 * Ten million rows must load in seconds, so the reader never builds a string per line:
 * it reads the file in chunks into one reusable Buffer, finds line ends with the native
 * `indexOf`, records field boundaries as byte offsets, and parses numbers straight from
 * the bytes (an exact fast path for up to 15 significant digits, `Number()` otherwise).
 * Strings are made only for the cells a loader asks for as text.
 *
 * It handles RFC 4180 quoting (quoted delimiters, doubled quotes, line breaks inside
 * quotes), CRLF and LF line ends, a UTF-8 byte-order mark, blank lines and a missing
 * final newline. Every row carries its 1-based line number so that errors point at the
 * cell: `prices.csv:14: column "close": "abc" is not a number. Fix the value or remove the row.`
 */
import * as fs from "node:fs";
import { DataError, quoteCell } from "./errors";
import { openRegularFile } from "./fswalk";
import { MAX_HINT_CELL_CHARS, MAX_LINE_BYTES, MAX_LISTED_COLUMNS } from "./limits";

/** Bytes read per chunk: 1 MiB keeps the working set in cache and the read calls few. */
export const CHUNK_BYTES = 1 << 20;

/** Powers of ten that are exact in float64 (10^22 is the largest): the fast-path divisors. */
const POW10 = new Float64Array(23).map((_, i) => 10 ** i);

/** Most significant digits the fast number path keeps exact (10^15 < 2^53). */
const FAST_DIGITS = 15;

const QUOTE = 34; // "
const LF = 10; // \n
const CR = 13; // \r

/** Cell texts read as a missing value (NaN), compared lower-case. */
const MISSING_TOKENS = new Set(["nan", "-nan", "na", "n/a", "null", "none", "#n/a"]);
/** Cell texts read as +Infinity / -Infinity, compared lower-case. */
const POS_INF_TOKENS = new Set(["inf", "+inf", "infinity", "+infinity"]);
const NEG_INF_TOKENS = new Set(["-inf", "-infinity"]);
/** A decimal number in plain or scientific notation. */
const DECIMAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Exact fast path: parse a plain decimal from bytes `[start, end)`. Returns NaN when the
 * text is not a plain decimal with at most 15 significant digits and a small exponent;
 * the caller then falls back to `parseNumberText`. Exact because the mantissa and the
 * power of ten are both exact doubles, so the one multiplication or division rounds once.
 */
export function parseNumberFast(b: Uint8Array, start: number, end: number): number {
  let i = start;
  let neg = false;
  if (i < end && (b[i] === 45 || b[i] === 43)) {
    neg = b[i] === 45;
    i++;
  }
  let m = 0;
  let nd = 0;
  let pend = 0;
  let frac = 0;
  let seen = false;
  let afterDot = false;
  let exp = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      seen = true;
      if (afterDot) frac++;
      if (d === 0) {
        if (m !== 0) pend++;
      } else {
        if (nd + pend + 1 > FAST_DIGITS) return NaN;
        m = pend === 0 ? m * 10 + d : m * POW10[pend + 1]! + d;
        nd += pend + 1;
        pend = 0;
      }
    } else if (c === 46 && !afterDot) {
      afterDot = true;
    } else if ((c === 101 || c === 69) && seen) {
      i++;
      let eneg = false;
      if (i < end && (b[i] === 45 || b[i] === 43)) {
        eneg = b[i] === 45;
        i++;
      }
      if (i >= end) return NaN;
      for (; i < end; i++) {
        const ed = b[i]! - 48;
        if (ed < 0 || ed > 9 || exp > 1000) return NaN;
        exp = exp * 10 + ed;
      }
      if (eneg) exp = -exp;
      break;
    } else {
      return NaN;
    }
  }
  if (!seen) return NaN;
  if (m === 0) return neg ? -0 : 0;
  const e10 = pend - frac + exp;
  let v: number;
  if (e10 >= 0) {
    if (e10 > 22) return NaN;
    v = m * POW10[e10]!;
  } else {
    if (e10 < -22) return NaN;
    v = m / POW10[-e10]!;
  }
  return neg ? -v : v;
}

/**
 * Parse a numeric cell's text. Empty and missing markers (NaN, NA, null, ...) give NaN,
 * inf/Infinity give ±Infinity (validation later drops or repairs such values and counts
 * them); anything else that is not a decimal number gives null.
 */
export function parseNumberText(text: string): number | null {
  const t = text.trim();
  if (t === "") return NaN;
  if (DECIMAL_RE.test(t)) return Number(t);
  const lower = t.toLowerCase();
  if (MISSING_TOKENS.has(lower)) return NaN;
  if (POS_INF_TOKENS.has(lower)) return Infinity;
  if (NEG_INF_TOKENS.has(lower)) return -Infinity;
  return null;
}

/**
 * Parse a numeric cell or throw a DataError naming file, line and column.
 * For values that do not come from a CsvRow (JSON strings, tests).
 */
export function parseNumberCell(
  text: string,
  file: string | null,
  line: number | null,
  column: string | number | null,
): number {
  const v = parseNumberText(text);
  if (v === null) throw notANumber(text, file, line, column);
  return v;
}

function notANumber(text: string, file: string | null, line: number | null, column: string | number | null): DataError {
  return new DataError(file, line, column, `${quoteCell(text)} is not a number. Fix the value or remove the row.`);
}

/**
 * One parsed row. The object is reused for every row of a reader and its offsets point
 * into the reader's buffer, so read what you need before asking for the next row.
 */
export class CsvRow {
  /** The bytes the field offsets point into. */
  data: Buffer = Buffer.alloc(0);
  /** 1-based line number of the row's first line (the header is line 1). */
  line = 0;
  /** Number of fields in this row. */
  count = 0;
  /** Field i spans `data[starts[i], ends[i])` (quotes removed). */
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  /** 1 when field i was quoted and contains doubled quotes to unescape. */
  escaped = new Uint8Array(64);

  constructor(
    /** The file the row comes from, for error messages. */
    readonly file: string,
    private readonly names: () => string[] | null,
  ) {}

  /** Column label for messages: its header name, or its 1-based index without a header. */
  columnName(i: number): string | number {
    const h = this.names();
    return h && i < h.length ? h[i]! : i + 1;
  }

  /** Field i as text (UTF-8, quotes removed and unescaped). */
  text(i: number): string {
    const s = this.data.toString("utf8", this.starts[i]!, this.ends[i]!);
    return this.escaped[i] ? s.replace(/""/g, '"') : s;
  }

  /** True when field i is empty. */
  isEmpty(i: number): boolean {
    return this.starts[i] === this.ends[i];
  }

  /**
   * Field i as a number: NaN for an empty or missing-marker cell, ±Infinity for inf;
   * throws a DataError naming file, line and column for any other non-numeric text.
   */
  num(i: number): number {
    const v = parseNumberFast(this.data, this.starts[i]!, this.ends[i]!);
    if (!Number.isNaN(v)) return v;
    const text = this.text(i);
    const slow = parseNumberText(text);
    if (slow === null) throw notANumber(text, this.file, this.line, this.columnName(i));
    return slow;
  }

  /** True when field i holds exactly the first `len` bytes of `bytes`. */
  fieldEquals(i: number, bytes: Uint8Array, len: number): boolean {
    const s = this.starts[i]!;
    if (this.ends[i]! - s !== len || this.escaped[i]) return false;
    const d = this.data;
    for (let k = 0; k < len; k++) if (d[s + k] !== bytes[k]) return false;
    return true;
  }

  /** A DataError located at field i of this row. */
  error(i: number | null, detail: string): DataError {
    return new DataError(this.file, this.line, i === null ? null : this.columnName(i), detail);
  }

  /** @internal grow the field arrays. */
  grow(): void {
    const n = this.starts.length * 2;
    const s = new Int32Array(n);
    s.set(this.starts);
    const e = new Int32Array(n);
    e.set(this.ends);
    const q = new Uint8Array(n);
    q.set(this.escaped);
    this.starts = s;
    this.ends = e;
    this.escaped = q;
  }
}

/** Options of a CsvReader. */
export interface CsvReadOptions {
  /** Field separator (one ASCII character). Default ",". */
  delimiter?: string;
  /**
   * Whether the first non-blank row is a header. "auto": it is a header when its first
   * cell is not a number (e.g. Binance bulk files come with and without one). Default true.
   */
  header?: boolean | "auto";
  /** Require every row to have as many fields as the header (extra empty fields are allowed). Default true. */
  strictWidth?: boolean;
  /** Bytes per read. Default CHUNK_BYTES. */
  chunkBytes?: number;
}

const NEED_MORE = -1;

/**
 * Streaming CSV reader over one file. The constructor reads the header (or, without one,
 * the first row); `rows()` then yields the data rows once, in file order.
 *
 * Throws DataError for an empty file, a header with no data rows, an unterminated quote
 * and rows whose field count differs from the header.
 */
export class CsvReader {
  /** Header names (trimmed) or null when the file has no header. */
  readonly header: string[] | null;
  /** Fields per row: the header's width, or the first row's without a header. */
  readonly width: number;
  /** File size in bytes. */
  readonly size: number;

  private fd: number | null;
  private buf: Buffer;
  private data: Buffer;
  private pos = 0;
  /** File offset of buf[0]. */
  private base = 0;
  private eof = false;
  private quotePos = -1;
  private line = 0;
  private readonly delim: number;
  private readonly chunk: number;
  private readonly strict: boolean;
  private readonly row: CsvRow;
  private pending = false;
  private consumed = false;

  constructor(
    readonly file: string,
    options: CsvReadOptions = {},
  ) {
    const delimiter = options.delimiter ?? ",";
    if (
      delimiter.length !== 1 ||
      delimiter.charCodeAt(0) > 127 ||
      delimiter === '"' ||
      delimiter === "\n" ||
      delimiter === "\r"
    ) {
      throw new Error(
        `CSV delimiter must be one ASCII character other than a quote or line break, got ${JSON.stringify(delimiter)}.`,
      );
    }
    this.delim = delimiter.charCodeAt(0);
    this.chunk = Math.max(1024, options.chunkBytes ?? CHUNK_BYTES);
    this.strict = options.strictWidth ?? true;
    this.buf = Buffer.allocUnsafe(this.chunk);
    this.data = this.buf.subarray(0, 0);
    // Regular files only, opened without blocking: a FIFO or a device is a DataError, not a hang.
    const opened = openRegularFile(file, "a CSV file");
    this.fd = opened.fd;
    this.size = opened.size;
    let header: string[] | null = null;
    this.row = new CsvRow(file, () => header);
    try {
      this.fill();
      if (this.data.length >= 3 && this.data[0] === 0xef && this.data[1] === 0xbb && this.data[2] === 0xbf)
        this.pos = 3;
      this.refuseCrOnly();
      if (!this.next()) {
        throw new DataError(
          file,
          null,
          null,
          "the file is empty. Expected a header line followed by one data row per line.",
        );
      }
      const r = this.row;
      let isHeader = options.header ?? true;
      if (isHeader === "auto")
        isHeader =
          r.count > 0 &&
          Number.isNaN(parseNumberFast(r.data, r.starts[0]!, r.ends[0]!)) &&
          parseNumberText(r.text(0)) === null;
      if (isHeader) {
        header = [];
        for (let i = 0; i < r.count; i++) header.push(r.text(i).trim());
      } else {
        this.pending = true;
      }
      this.header = header;
      this.width = r.count;
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /**
   * Old Mac files end lines with a lone CR: read as LF text they are one giant line (a
   * header and no rows). Refused with the fix, judged on the first line of the first chunk.
   */
  private refuseCrOnly(): void {
    const d = this.data;
    const cr = d.indexOf(CR, this.pos);
    if (cr === -1) return;
    const lf = d.indexOf(LF, this.pos);
    if ((lf === -1 || lf > cr) && cr + 1 < d.length && d[cr + 1] !== LF) {
      throw new DataError(
        this.file,
        null,
        null,
        "ends its lines with a lone carriage return (CR, old Mac style); the reader needs LF or CRLF line ends. Convert the file (e.g. tr '\\r' '\\n' < in.csv > out.csv).",
      );
    }
  }

  /** A DataError for a line longer than MAX_LINE_BYTES (line = the line it starts on). */
  private tooLong(line: number): DataError {
    return new DataError(
      this.file,
      line,
      null,
      `is longer than ${MAX_LINE_BYTES} bytes (the limit per line; real rows are under 1 KB). Check that this is a text file of one row per line.`,
    );
  }

  /** Release the file handle (also done when `rows()` finishes or is abandoned). */
  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Bytes consumed so far (for progress reports). */
  get bytesRead(): number {
    return this.base + Math.min(this.pos, this.data.length);
  }

  /**
   * The data rows, in order. The yielded CsvRow is reused: copy what you need.
   * Throws a DataError at the end when the file had a header but no data rows.
   */
  *rows(): Generator<CsvRow, void, undefined> {
    if (this.consumed) throw new Error(`CsvReader.rows() of ${this.file} can be iterated only once.`);
    this.consumed = true;
    let n = 0;
    try {
      if (this.pending) {
        this.pending = false;
        n++;
        yield this.row;
      }
      while (this.next()) {
        this.checkWidth();
        n++;
        yield this.row;
      }
      if (n === 0) {
        throw new DataError(
          this.file,
          null,
          null,
          `has a header (${listHeader(this.header ?? [], true)}) but no data rows. Add data or point the loader at another file.`,
        );
      }
    } finally {
      this.close();
    }
  }

  private checkWidth(): void {
    const r = this.row;
    if (!this.strict || r.count === this.width) return;
    if (r.count > this.width) {
      let extraEmpty = true;
      for (let i = this.width; i < r.count; i++) if (!r.isEmpty(i)) extraEmpty = false;
      if (extraEmpty) {
        r.count = this.width;
        return;
      }
    }
    const what = this.header
      ? `the header has ${this.width} (${listHeader(this.header, true)})`
      : `the first row has ${this.width}`;
    throw new DataError(
      this.file,
      r.line,
      null,
      `this row has ${r.count} fields but ${what}. Check for an unquoted comma or a missing value.`,
    );
  }

  /** Read the next chunk, keeping the unparsed tail [pos, len) at the buffer start. */
  private fill(): void {
    if (this.fd === null) {
      this.eof = true;
      return;
    }
    const keep = Math.max(0, this.data.length - this.pos);
    if (keep > 0 && this.pos > 0) this.buf.copy(this.buf, 0, this.pos, this.data.length);
    this.base += this.data.length - keep;
    this.pos = 0;
    if (this.buf.length - keep < this.chunk / 2) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, keep);
      this.buf = bigger;
    }
    const got = fs.readSync(this.fd, this.buf, keep, this.buf.length - keep, null);
    if (got === 0) this.eof = true;
    this.data = this.buf.subarray(0, keep + got);
    this.row.data = this.data;
    this.quotePos = -1;
  }

  /** Parse the next non-blank row into `this.row`; false at the end of the file. */
  private next(): boolean {
    for (;;) {
      if (this.pos >= this.data.length) {
        if (this.eof) return false;
        this.fill();
        if (this.pos >= this.data.length && this.eof) return false;
        continue;
      }
      const nextPos = this.parseRow(this.pos);
      if (nextPos === NEED_MORE) {
        if (this.data.length - this.pos > MAX_LINE_BYTES) throw this.tooLong(this.line + 1);
        this.fill();
        continue;
      }
      this.pos = nextPos;
      if (this.row.count > 0) return true;
    }
  }

  /** Parse one row starting at `pos`; returns the position after it or NEED_MORE. */
  private parseRow(pos: number): number {
    const d = this.data;
    const len = d.length;
    let lineEnd = d.indexOf(LF, pos);
    if (lineEnd === -1) {
      if (!this.eof) return NEED_MORE;
      lineEnd = len;
    }
    if (this.quotePos < pos) {
      const q = d.indexOf(QUOTE, pos);
      this.quotePos = q === -1 ? len : q;
    }
    if (lineEnd - pos > MAX_LINE_BYTES) throw this.tooLong(this.line + 1);
    if (this.quotePos < lineEnd) return this.parseQuoted(pos);
    const r = this.row;
    let end = lineEnd;
    if (end > pos && d[end - 1] === CR) end--;
    this.line++;
    r.line = this.line;
    if (end === pos) {
      r.count = 0;
      return lineEnd + 1;
    }
    const delim = this.delim;
    let starts = r.starts;
    let ends = r.ends;
    let count = 0;
    let s = pos;
    for (let i = pos; i < end; i++) {
      if (d[i] === delim) {
        if (count + 2 >= starts.length) {
          r.grow();
          starts = r.starts;
          ends = r.ends;
        }
        starts[count] = s;
        ends[count] = i;
        r.escaped[count] = 0;
        count++;
        s = i + 1;
      }
    }
    starts[count] = s;
    ends[count] = end;
    r.escaped[count] = 0;
    r.count = count + 1;
    return lineEnd + 1;
  }

  /** Slow path for a row that contains a quote: a small state machine over the bytes. */
  private parseQuoted(pos: number): number {
    const d = this.data;
    const len = d.length;
    const delim = this.delim;
    const r = this.row;
    let i = pos;
    let count = 0;
    let extraLines = 0;
    for (;;) {
      if (count + 2 >= r.starts.length) r.grow();
      let s: number;
      let e: number;
      let esc = 0;
      if (i < len && d[i] === QUOTE) {
        i++;
        s = i;
        for (;;) {
          if (i >= len) {
            if (!this.eof) return NEED_MORE;
            throw new DataError(
              this.file,
              this.line + 1,
              count + 1,
              'a quoted field is never closed. Add the closing quote (") or remove the stray one.',
            );
          }
          const c = d[i]!;
          if (c === QUOTE) {
            if (i + 1 >= len && !this.eof) return NEED_MORE;
            if (i + 1 < len && d[i + 1] === QUOTE) {
              esc = 1;
              i += 2;
              continue;
            }
            e = i;
            i++;
            break;
          }
          if (c === LF) extraLines++;
          i++;
        }
        if (i < len && d[i] === CR && (i + 1 >= len || d[i + 1] === LF)) i++;
        if (i < len && d[i] !== delim && d[i] !== LF) {
          throw new DataError(
            this.file,
            this.line + 1 + extraLines,
            count + 1,
            'unexpected text after a closing quote. Quote the whole field and double any quote inside it ("").',
          );
        }
      } else {
        s = i;
        while (i < len) {
          const c = d[i]!;
          if (c === delim || c === LF) break;
          if (c === CR && (i + 1 >= len || d[i + 1] === LF)) break;
          i++;
        }
        if (i >= len && !this.eof) return NEED_MORE;
        e = i;
        if (i < len && d[i] === CR) i++;
      }
      r.starts[count] = s;
      r.ends[count] = e;
      r.escaped[count] = esc;
      count++;
      if (i < len && d[i] === delim) {
        i++;
        continue;
      }
      // end of row: at LF or at the end of the file
      if (i < len && d[i] === LF) i++;
      else if (i >= len && !this.eof) return NEED_MORE;
      break;
    }
    if (i - pos > MAX_LINE_BYTES) throw this.tooLong(this.line + 1);
    this.line++;
    r.line = this.line;
    this.line += extraLines;
    r.count = count;
    this.quotePos = -1;
    return i;
  }
}

/** One expected column: a key for code and the header names it may have (normalised). */
export interface ColumnSpec {
  key: string;
  /** Accepted header names, normalised (see normaliseHeaderName); the first is canonical. */
  names: string[];
  required: boolean;
  /** How messages spell the column (default: the first name). */
  label?: string;
}

/** Lower-case, trim, and turn runs of spaces, dashes and dots into "_": "Quote asset volume" -> "quote_asset_volume". */
export function normaliseHeaderName(name: string): string {
  return name
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase()
    .replace(/[\s\-.]+/g, "_");
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment), for header
 * names: "clsoe" is one edit from "close".
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Int32Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}

/** Largest edit distance still offered as "did you mean": two typos, or a third of the name. */
function closeEnough(a: string, b: string): boolean {
  // Bounded cost: a giant header cell is never compared (edit distance is length x length).
  if (a.length > MAX_HINT_CELL_CHARS || b.length > MAX_HINT_CELL_CHARS) return false;
  const limit = Math.max(1, Math.min(2, Math.floor(Math.max(a.length, b.length) / 3)));
  if (Math.abs(a.length - b.length) > limit && a.replace(/_/g, "") !== b.replace(/_/g, "")) return false;
  return editDistance(a, b) <= limit || (a.length >= 4 && b.replace(/_/g, "") === a.replace(/_/g, ""));
}

/**
 * Map expected columns to their indices in a header (case-insensitive, see
 * normaliseHeaderName). Missing optional columns map to -1. A missing required column
 * throws a DataError listing what the layout expects and what the file has, with a
 * "did you mean" for a near miss.
 */
export function findColumns(
  header: string[],
  specs: ColumnSpec[],
  file: string,
  layout: string,
): Record<string, number> {
  const norm = header.map(normaliseHeaderName);
  const out: Record<string, number> = {};
  const missing: string[] = [];
  const hints: string[] = [];
  for (const spec of specs) {
    let idx = -1;
    for (const name of spec.names) {
      idx = norm.indexOf(name);
      if (idx >= 0) break;
    }
    out[spec.key] = idx;
    if (idx >= 0) {
      // Two columns with one name (a second "close", a second "V1"): which one is meant is a guess, so refuse.
      const again = norm.indexOf(norm[idx]!, idx + 1);
      if (again >= 0) {
        throw new DataError(
          file,
          1,
          null,
          `the header names column ${quoteCell(header[idx]!)} twice (columns ${idx + 1} and ${again + 1}; names are case-insensitive). ` +
            "Rename or remove one of them so that each column has one meaning.",
        );
      }
    }
    if (idx === -1 && spec.required) {
      const label = spec.label ?? spec.names[0]!;
      missing.push(label);
      const used = new Set(specs.flatMap((s) => s.names));
      const near = header.find((_h, k) => !used.has(norm[k]!) && spec.names.some((n) => closeEnough(norm[k]!, n)));
      if (near !== undefined) hints.push(`"${label}" (did you mean ${quoteCell(near)}?)`);
      else hints.push(`"${label}"`);
    }
  }
  if (missing.length > 0) {
    const expected = specs.map((s) => (s.required ? (s.label ?? s.names[0]) : `[${s.label ?? s.names[0]}]`)).join(", ");
    throw new DataError(
      file,
      1,
      null,
      `missing column${missing.length > 1 ? "s" : ""} ${hints.join(", ")}. The ${layout} layout expects columns ${expected} ` +
        `(names are case-insensitive; [..] = optional); this file has: ${listHeader(header)}. Rename the header or pick the right source.`,
    );
  }
  return out;
}

/**
 * Header cells for a message, at most MAX_LISTED_COLUMNS of them, each cut to a readable
 * length: quoted and comma-space separated, or `plain` (as the header line reads).
 */
function listHeader(header: string[], plain = false): string {
  if (header.length === 0) return "(nothing)";
  const cells = header.slice(0, MAX_LISTED_COLUMNS);
  const shown = plain ? cells.map((h) => quoteCell(h).slice(1, -1)).join(",") : cells.map(quoteCell).join(", ");
  return header.length > MAX_LISTED_COLUMNS ? `${shown}, ... (${header.length} columns)` : shown;
}
