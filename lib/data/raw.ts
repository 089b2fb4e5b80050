/**
 * The common form every loader fills before validation: raw rows as typed columns.
 *
 * Loaders differ in layout; once a row's token, timestamp and prices are read, they all
 * push it here with its file and line, so that one validation step (validate.ts) can
 * drop, repair, sort, aggregate and report the same way for every source, and so that
 * every report example can point at the line it came from.
 *
 * Rows are stored once, column by column, in typed arrays that double when full
 * (GrowableColumn), so `columns()` hands the very arrays to validation without copying them.
 * Memory: 68 bytes per row (7 float64 + 3 int32 columns), about 0.7 GB for 10M rows; 28
 * bytes for close-only sources, which store only time and close (see RawRowsOptions). While
 * the columns double, the old arrays wait for garbage collection, so loading can briefly
 * hold the rows read so far twice; validation then adds ~21 bytes per row of its own.
 */
import { MAX_TOKEN_TEXT_CHARS, clipMiddle } from "./limits";
import type { TokenInfo } from "./panel";

/** One thing validation did or noticed, with its count and up to MAX_EXAMPLES examples. */
export interface ValidationEntry {
  /** Short name of the check, e.g. "non-positive price". */
  check: string;
  /** dropped: rows removed; repaired: values changed; flagged: suspicious, kept; info: a fact. */
  action: "dropped" | "repaired" | "flagged" | "info";
  /** Rows (or tokens, days, runs: the detail says which) concerned. */
  count: number;
  /** What the rule is and what was done. */
  detail: string;
  /** Up to MAX_EXAMPLES examples, each with file:line. */
  examples: string[];
}

/**
 * Most rows of one source: 2^29 (536,870,912), a 4 GiB float64 column; at 28-68 bytes per
 * row that is 15-36 GB of rows, beyond any machine this runs on, and it keeps every index
 * well inside an int32.
 */
export const MAX_RAW_ROWS = 2 ** 29;

/** Rows of the first allocation: 65,536 (0.5 MB per float column); capacity then doubles. */
const FIRST_ROWS = 1 << 16;

/** Float64Array or Int32Array: the element types of RawRows' columns. */
type ColumnArray = Float64Array | Int32Array;

/**
 * One growable column: a typed array that doubles when full, copying the rows it holds, so
 * each row is copied about once on average and the rows live in one array that `take`
 * hands over as it is (a view of the first n rows, no copy). The part past the last row
 * was never written: on Linux those pages are not resident.
 */
class GrowableColumn<T extends ColumnArray> {
  private data: T | null = null;
  constructor(private readonly make: (length: number) => T) {}

  /** Room for `rows` rows, keeping the first `used`; returns the new array. */
  grow(rows: number, used: number): T {
    const next = this.make(rows);
    if (this.data !== null) next.set(this.data.subarray(0, used));
    this.data = next;
    return next;
  }

  /** The first `n` rows, without copying (the column lets go of its array). */
  take(n: number): T {
    const out = this.data === null ? this.make(0) : (this.data.subarray(0, n) as T);
    this.data = null;
    return out;
  }
}

/** Longest token id kept (ids also name files and chart series). */
export const MAX_TOKEN_ID_LENGTH = 64;

/** How a file's rows are located in messages: by text line, or by item of a JSON array. */
export type LocatorKind = "line" | "item";

/**
 * How intraday bars of a token combine into a day's volume: "sum" for per-bar volumes,
 * "last" for rolling 24 h totals, "none" when the source has no volume (rows carry NaN,
 * the Panel keeps NaN and volume features are left out).
 */
export type VolumeAggregation = "sum" | "last" | "none";

/**
 * What a row's prices are: "bars" (the source's own open/high/low/close) or "closes" (one
 * price per row, pushed as open = high = low = close). Intraday closes are aggregated to
 * daily OHLC from the closes; daily closes leave open, high and low unknown (NaN).
 */
export type PriceKind = "bars" | "closes";

/** Per-token facts that validation needs beyond TokenInfo. */
export interface TokenMeta {
  /** Bar interval in ms when known (for incomplete-day checks), else null. */
  intervalMs: number | null;
  /** "sum" for per-bar volumes (klines), "last" for rolling 24 h volumes (CoinGecko market_chart). */
  volume: VolumeAggregation;
  /** Rows are intraday bars (keyed by exact time, aggregated to days), not daily rows. */
  intraday: boolean;
  /** "bars" (default) or "closes": see PriceKind. */
  prices: PriceKind;
}

/** Flat raw columns, one entry per row read. */
export interface RawColumns {
  length: number;
  /** Row -> index into RawRows.tokens. */
  token: Int32Array;
  /** UTC epoch milliseconds. */
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** NaN when unknown. */
  marketCap: Float64Array;
  /** Row -> index into RawRows.files. */
  file: Int32Array;
  /** 1-based line (or JSON item) number of the row in its file. */
  line: Int32Array;
}

const RESERVED_DEVICE_NAMES = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * A token id that is safe as a file name and as a key: letters, digits, ".", "_" and "-"
 * only, not starting with "." or "-", at most MAX_TOKEN_ID_LENGTH characters. Other
 * characters become "_" ("../etc/passwd" -> "etc_passwd", "<b>X</b>" -> "b_X_b").
 */
export function safeTokenId(raw: string): string {
  let id = raw
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._-]+/, "")
    .replace(/_+$/, "");
  id = id.slice(0, MAX_TOKEN_ID_LENGTH);
  if (id === "") id = "token";
  if (RESERVED_DEVICE_NAMES.test(id)) id = `t_${id}`;
  return id;
}

/** True when `id` is what safeTokenId would leave unchanged. */
export function isSafeTokenId(id: string): boolean {
  return (
    /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(id) &&
    id.length <= MAX_TOKEN_ID_LENGTH &&
    !RESERVED_DEVICE_NAMES.test(id) &&
    !id.endsWith("_")
  );
}

const COLUMN_NAMES = ["time", "open", "high", "low", "close", "volume", "marketCap"] as const;

/** A stored float column of RawRows. */
export type RawColumnName = (typeof COLUMN_NAMES)[number];

/** Options of RawRows. */
export interface RawRowsOptions {
  /**
   * Float columns kept (default all). A close-only source keeps ["time", "close"] (and
   * "volume" when it has one): pushed values of other columns are discarded, and columns()
   * gives open = high = low = the close column (one array) and NaN for volume and market cap.
   * 28 instead of 68 bytes per row.
   */
  stored?: readonly RawColumnName[];
}

/** Raw rows of one source, as loaders push them. */
export class RawRows {
  /** Files read, in order; rows refer to them by index. */
  readonly files: string[] = [];
  /** How each file locates rows (text line or JSON item). */
  readonly fileKinds: LocatorKind[] = [];
  /** Token metadata; rows refer to it by index. `id` is safe and unique. */
  readonly tokens: TokenInfo[] = [];
  /** Per-token interval and volume rule. */
  readonly tokenMeta: TokenMeta[] = [];
  /** The source's own key of each token (token cell, file stem...), verbatim. */
  readonly tokenKeys: string[] = [];
  /** Entries the loader adds to the report (layout facts, ignored files, ...). */
  readonly notes: ValidationEntry[] = [];

  private readonly byKey = new Map<string, number>();
  private readonly ids = new Set<string>();
  private readonly renamed: string[] = [];
  private renamedCount = 0;

  private n = 0;
  /** Stored float columns (by COLUMN_NAMES index, null: not stored) and the three int columns. */
  private readonly floatCols: (GrowableColumn<Float64Array> | null)[];
  private readonly tokenCol = new GrowableColumn((n) => new Int32Array(n));
  private readonly fileCol = new GrowableColumn((n) => new Int32Array(n));
  private readonly lineCol = new GrowableColumn((n) => new Int32Array(n));
  /** Rows the columns can take before they grow. */
  private capacity = 0;
  // The current arrays, one per column (null: not stored), replaced at each growth.
  private cTime = new Float64Array(0);
  private cOpen: Float64Array | null = null;
  private cHigh: Float64Array | null = null;
  private cLow: Float64Array | null = null;
  private cClose = new Float64Array(0);
  private cVolume: Float64Array | null = null;
  private cMarketCap: Float64Array | null = null;
  private cToken = new Int32Array(0);
  private cFile = new Int32Array(0);
  private cLine = new Int32Array(0);
  private finished = false;

  constructor(options: RawRowsOptions = {}) {
    const stored = options.stored ?? COLUMN_NAMES;
    for (const need of ["time", "close"] as const)
      if (!stored.includes(need)) throw new Error(`RawRows: the stored columns must include "${need}".`);
    this.floatCols = COLUMN_NAMES.map((c) =>
      stored.includes(c) ? new GrowableColumn((n) => new Float64Array(n)) : null,
    );
  }

  /** Rows pushed so far. */
  get length(): number {
    return this.n;
  }

  /** Register a file; returns its index for `push`. */
  addFile(file: string, kind: LocatorKind = "line"): number {
    this.files.push(file);
    this.fileKinds.push(kind);
    return this.files.length - 1;
  }

  /** Index of the token with source key `key`, or -1. */
  findToken(key: string): number {
    return this.byKey.get(key) ?? -1;
  }

  /**
   * Index of the token with source key `key`, registering it on first sight. Its id is
   * `safeTokenId(idHint ?? key)`, made unique with "-2", "-3"...; the symbol and name are
   * kept verbatim (display text, never a path).
   */
  token(
    key: string,
    info: { symbol: string; name: string; sector: string | null },
    meta: Partial<TokenMeta> = {},
    idHint?: string,
  ): number {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const wanted = idHint ?? key;
    const base = safeTokenId(wanted);
    let id = base;
    for (let k = 2; this.ids.has(id); k++) id = `${base}-${k}`;
    // Display texts are bounded (MAX_TOKEN_TEXT_CHARS): a 50 MB token name is cut, and counted here.
    const symbol = info.symbol.slice(0, MAX_TOKEN_TEXT_CHARS);
    const name = info.name.slice(0, MAX_TOKEN_TEXT_CHARS);
    const sector = info.sector === null ? null : info.sector.slice(0, MAX_TOKEN_TEXT_CHARS);
    if (id !== wanted || symbol !== info.symbol || name !== info.name) {
      this.renamedCount++;
      if (this.renamed.length < 5) this.renamed.push(`${JSON.stringify(clipMiddle(wanted, 80))} -> "${id}"`);
    }
    this.ids.add(id);
    const idx = this.tokens.length;
    this.tokens.push({ id, symbol, name, sector });
    this.tokenMeta.push({
      intervalMs: meta.intervalMs ?? null,
      volume: meta.volume ?? "sum",
      intraday: meta.intraday ?? false,
      prices: meta.prices ?? "bars",
    });
    this.tokenKeys.push(key);
    this.byKey.set(key, idx);
    return idx;
  }

  /** An info entry listing token keys that were not safe ids and were rewritten, or null. */
  renamedEntry(): ValidationEntry | null {
    if (this.renamedCount === 0) return null;
    return {
      check: "token ids made safe",
      action: "info",
      count: this.renamedCount,
      detail:
        "token keys with characters outside [A-Za-z0-9._-] (or clashing with another id) got a safe id; " +
        `the original text is kept verbatim as the symbol/name (cut to ${MAX_TOKEN_TEXT_CHARS} characters) and is never used as a path.`,
      examples: this.renamed.slice(),
    };
  }

  /** Append one row. `time` is UTC epoch ms; pass NaN for an unknown market cap. */
  push(
    token: number,
    time: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number,
    marketCap: number,
    file: number,
    line: number,
  ): void {
    const k = this.n;
    if (k >= this.capacity) this.grow();
    this.cTime[k] = time;
    if (this.cOpen !== null) this.cOpen[k] = open;
    if (this.cHigh !== null) this.cHigh[k] = high;
    if (this.cLow !== null) this.cLow[k] = low;
    this.cClose[k] = close;
    if (this.cVolume !== null) this.cVolume[k] = volume;
    if (this.cMarketCap !== null) this.cMarketCap[k] = marketCap;
    this.cToken[k] = token;
    this.cFile[k] = file;
    this.cLine[k] = line;
    this.n = k + 1;
  }

  /** Make room for more rows: every stored column doubles, the current arrays are refreshed. */
  private grow(): void {
    if (this.finished) throw new Error("RawRows.push after columns(): the rows were already handed to validation.");
    if (this.capacity >= MAX_RAW_ROWS)
      throw new Error(
        `RawRows: more than ${MAX_RAW_ROWS} rows in one source (the most one column holds); load the files in smaller sets.`,
      );
    const rows = Math.min(MAX_RAW_ROWS, Math.max(FIRST_ROWS, this.capacity * 2));
    const f = this.floatCols.map((col) => (col === null ? null : col.grow(rows, this.n)));
    this.cTime = f[0]!;
    this.cOpen = f[1]!;
    this.cHigh = f[2]!;
    this.cLow = f[3]!;
    this.cClose = f[4]!;
    this.cVolume = f[5]!;
    this.cMarketCap = f[6]!;
    this.cToken = this.tokenCol.grow(rows, this.n);
    this.cFile = this.fileCol.grow(rows, this.n);
    this.cLine = this.lineCol.grow(rows, this.n);
    this.capacity = rows;
  }

  /**
   * The rows as flat columns (once): the stored columns themselves, no copy. Columns not
   * stored: open, high and low are the close column itself (one array), volume and market
   * cap one shared all-NaN column (validation never writes into unstored columns' values).
   */
  columns(): RawColumns {
    if (this.finished) throw new Error("RawRows.columns() can be called once.");
    this.finished = true;
    const n = this.n;
    let nanColumn: Float64Array | null = null;
    const close = this.floatCols[4]!.take(n);
    const f = this.floatCols.map((col, j) => {
      if (j === 4) return close;
      if (col !== null) return col.take(n);
      if (j >= 1 && j <= 3) return close;
      return (nanColumn ??= new Float64Array(n).fill(NaN));
    });
    const cols: RawColumns = {
      length: n,
      token: this.tokenCol.take(n),
      time: f[0]!,
      open: f[1]!,
      high: f[2]!,
      low: f[3]!,
      close: f[4]!,
      volume: f[5]!,
      marketCap: f[6]!,
      file: this.fileCol.take(n),
      line: this.lineCol.take(n),
    };
    this.cTime = this.cClose = new Float64Array(0);
    this.cOpen = this.cHigh = this.cLow = this.cVolume = this.cMarketCap = null;
    this.cToken = this.cFile = this.cLine = new Int32Array(0);
    this.capacity = 0;
    return cols;
  }
}
