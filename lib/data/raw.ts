/**
 * The common form every loader fills before validation: raw rows as typed columns.
 *
 * Loaders differ in layout; once a row's token, timestamp and prices are read, they all
 * push it here with its file and line, so that one validation step (validate.ts) can
 * drop, repair, sort, aggregate and report the same way for every source, and so that
 * every report example can point at the line it came from.
 *
 * Rows are stored in blocks of BLOCK_ROWS so that growing never copies everything at once;
 * `columns()` joins them into flat arrays once, freeing each block column by column.
 * Memory: 68 bytes per row (7 float64 + 3 int32 columns), about 0.7 GB for 10M rows (28
 * bytes for close-only sources, which store only time and close: see RawRowsOptions); while
 * `columns()` joins, released blocks wait for garbage collection, so the process peak is up to
 * twice that (1.43 GB measured for 10M hourly bars, load + validate + featurise).
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

/** Rows per storage block: 65,536 rows x 68 bytes = 4.5 MB per block. */
export const BLOCK_ROWS = 1 << 16;

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
  private fill = BLOCK_ROWS;
  private blocksF: Float64Array[][] = COLUMN_NAMES.map(() => []);
  private blocksToken: Int32Array[] = [];
  private blocksFile: Int32Array[] = [];
  private blocksLine: Int32Array[] = [];
  private cur: Float64Array[] = [];
  private curToken = new Int32Array(0);
  private curFile = new Int32Array(0);
  private curLine = new Int32Array(0);
  private finished = false;
  /** Per float column: kept, or written into a scratch block that is reused. */
  private readonly keepColumn: boolean[];
  private readonly scratch: Float64Array[] = [];

  constructor(options: RawRowsOptions = {}) {
    const stored = options.stored ?? COLUMN_NAMES;
    for (const need of ["time", "close"] as const)
      if (!stored.includes(need)) throw new Error(`RawRows: the stored columns must include "${need}".`);
    this.keepColumn = COLUMN_NAMES.map((c) => stored.includes(c));
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
    if (this.fill === BLOCK_ROWS) this.newBlock();
    const k = this.fill++;
    const c = this.cur;
    c[0]![k] = time;
    c[1]![k] = open;
    c[2]![k] = high;
    c[3]![k] = low;
    c[4]![k] = close;
    c[5]![k] = volume;
    c[6]![k] = marketCap;
    this.curToken[k] = token;
    this.curFile[k] = file;
    this.curLine[k] = line;
    this.n++;
  }

  private newBlock(): void {
    if (this.finished) throw new Error("RawRows.push after columns(): the rows were already handed to validation.");
    this.cur = COLUMN_NAMES.map((_, j) => {
      if (!this.keepColumn[j]) return (this.scratch[j] ??= new Float64Array(BLOCK_ROWS));
      const b = new Float64Array(BLOCK_ROWS);
      this.blocksF[j]!.push(b);
      return b;
    });
    this.curToken = new Int32Array(BLOCK_ROWS);
    this.curFile = new Int32Array(BLOCK_ROWS);
    this.curLine = new Int32Array(BLOCK_ROWS);
    this.blocksToken.push(this.curToken);
    this.blocksFile.push(this.curFile);
    this.blocksLine.push(this.curLine);
    this.fill = 0;
  }

  /** Join the blocks into flat columns (once; the blocks are released). */
  columns(): RawColumns {
    if (this.finished) throw new Error("RawRows.columns() can be called once.");
    this.finished = true;
    const n = this.n;
    // One join for both column types: copy the blocks into a flat array, releasing each as it goes.
    const join = <T extends Float64Array | Int32Array>(blocks: T[], out: T): T => {
      let off = 0;
      while (blocks.length > 0) {
        const b = blocks.shift()!;
        const take = Math.min(BLOCK_ROWS, n - off);
        out.set(take === BLOCK_ROWS ? b : b.subarray(0, take), off);
        off += take;
      }
      return out;
    };
    const joinF = (blocks: Float64Array[]): Float64Array => join(blocks, new Float64Array(n));
    const joinI = (blocks: Int32Array[]): Int32Array => join(blocks, new Int32Array(n));
    // Columns not stored: open/high/low are the close column itself, volume and market cap
    // one shared all-NaN column (validation never writes into unstored columns' values).
    let nanColumn: Float64Array | null = null;
    const closeJoined = joinF(this.blocksF[4]!);
    const f = this.blocksF.map((blocks, j) => {
      if (j === 4) return closeJoined;
      if (this.keepColumn[j]) return joinF(blocks);
      if (j >= 1 && j <= 3) return closeJoined;
      return (nanColumn ??= new Float64Array(n).fill(NaN));
    });
    this.cur = [];
    this.scratch.length = 0;
    const cols: RawColumns = {
      length: n,
      token: joinI(this.blocksToken),
      time: f[0]!,
      open: f[1]!,
      high: f[2]!,
      low: f[3]!,
      close: f[4]!,
      volume: f[5]!,
      marketCap: f[6]!,
      file: joinI(this.blocksFile),
      line: joinI(this.blocksLine),
    };
    this.curToken = this.curFile = this.curLine = new Int32Array(0);
    return cols;
  }
}
