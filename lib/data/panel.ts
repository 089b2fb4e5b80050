/**
 * The Panel: the validated long table token x day that every later stage reads.
 *
 * Columnar and typed: one Float64Array per price metric, an Int32Array of token indices
 * and one of UTC day numbers (days since 1970-01-01). Rows are sorted by (token, day) and
 * no key repeats. Token metadata lives once in `tokens`. A synthetic market also carries
 * its injected anomalies as ground truth (`anomalyKind` per row, `events` per episode).
 */

/** Milliseconds in a UTC day. */
export const MS_PER_DAY = 86_400_000;

/** Instrument classes of the token taxonomy (rules and lists in taxonomy.ts), "market" first. */
export const TOKEN_CLASSES = ["market", "stablecoin", "fiat", "leveraged", "wrapped", "commodity"] as const;
/** One of TOKEN_CLASSES. */
export type TokenClass = (typeof TOKEN_CLASSES)[number];

/** Metadata of one token. `id` is unique in a Panel; `symbol` is display text only. */
export interface TokenInfo {
  /** Stable identifier (e.g. "bitcoin", "BTCUSDT", "SYN007"). Never used as a raw path. */
  id: string;
  /** Ticker symbol as given by the source (untrusted text: escape before showing). */
  symbol: string;
  /** Human-readable name (untrusted text). */
  name: string;
  /** Sector when known (layer-1, defi, exchange, meme, stablecoin, ...), else null. */
  sector: string | null;
  /**
   * Instrument class (taxonomy.ts): "market" for ordinary tokens; stablecoin, fiat,
   * leveraged, wrapped or commodity tokens are kept out of market-wide statistics by
   * default. Set by validation; absent in panels built by hand (then classified on use).
   */
  tokenClass?: TokenClass;
  /**
   * Which price columns the source really gives for this token (absent: all of them).
   * A column that is not observed holds NaN in the Panel, never a stand-in value.
   */
  columns?: TokenColumns;
}

/** Observed columns of a token (see TokenInfo.columns). */
export interface TokenColumns {
  /** Open, high and low are observed (or derived from intraday closes); false: close only. */
  ohlc: boolean;
  /** Volume is observed. */
  volume: boolean;
  /** Where the OHLC come from when not from the source's own bars, e.g. "hourly closes". */
  ohlcFrom?: string;
}

/** Kinds of anomaly a synthetic market injects; index 0 means none. */
export const ANOMALY_KINDS = ["none", "pump_and_dump", "flash_crash", "depeg", "volume_spike", "bad_print"] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** One injected anomaly episode (ground truth). */
export interface AnomalyEvent {
  token: number;
  kind: AnomalyKind;
  /** First and last affected day (inclusive), UTC day numbers. */
  startDay: number;
  endDay: number;
}

/** The validated token x day table. */
export interface Panel {
  tokens: TokenInfo[];
  /** Row -> index into `tokens`. */
  token: Int32Array;
  /** Row -> UTC day number. */
  day: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** NaN where the source gives no market cap. */
  marketCap: Float64Array;
  /** Ground truth per row (index into ANOMALY_KINDS), or null when the source has none. */
  anomalyKind: Int8Array | null;
  /** Ground-truth episodes, or null when the source has none. */
  events: AnomalyEvent[] | null;
  /** Where the data came from, e.g. "synthetic(seed=1)" or "kaggle:/path". */
  source: string;
}

/**
 * A Panel of `n` zeroed rows for a generator to fill: market caps start unknown (NaN), and
 * ground-truth columns exist only when `labelled` is set.
 */
export function allocatePanel(n: number, tokens: TokenInfo[], source: string, labelled = false): Panel {
  return {
    tokens,
    token: new Int32Array(n),
    day: new Int32Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    marketCap: new Float64Array(n).fill(NaN),
    anomalyKind: labelled ? new Int8Array(n) : null,
    events: labelled ? [] : null,
    source,
  };
}

/** Number of rows in a panel. */
export function panelLength(p: Panel): number {
  return p.day.length;
}

/** UTC day number of a Date or epoch milliseconds. */
export function toDay(msOrDate: number | Date): number {
  const ms = typeof msOrDate === "number" ? msOrDate : msOrDate.getTime();
  return Math.floor(ms / MS_PER_DAY);
}

/** ISO date (YYYY-MM-DD) of a UTC day number. */
export function dayToIso(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** UTC day number of an ISO date string (YYYY-MM-DD...). */
export function isoToDay(iso: string): number {
  const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(ms)) throw new Error(`Not an ISO date: "${iso}".`);
  return toDay(ms);
}

/** Row ranges of each token: `start[t]..end[t]` (end exclusive); empty tokens have start = end. */
export function tokenRanges(p: Panel): { start: Int32Array; end: Int32Array } {
  const n = p.tokens.length;
  const start = new Int32Array(n).fill(-1);
  const end = new Int32Array(n).fill(-1);
  for (let i = 0; i < p.token.length; i++) {
    const t = p.token[i]!;
    if (start[t] === -1) start[t] = i;
    end[t] = i + 1;
  }
  for (let t = 0; t < n; t++) if (start[t] === -1) start[t] = end[t] = 0;
  return { start, end };
}

/**
 * Check the Panel contract: equal column lengths, sorted by (token, day), no duplicate
 * keys, token indices in range. Throws with the first offending row.
 */
export function assertPanel(p: Panel): void {
  const n = p.day.length;
  const cols: [string, { length: number }][] = [
    ["token", p.token],
    ["open", p.open],
    ["high", p.high],
    ["low", p.low],
    ["close", p.close],
    ["volume", p.volume],
    ["marketCap", p.marketCap],
  ];
  if (p.anomalyKind) cols.push(["anomalyKind", p.anomalyKind]);
  for (const [name, col] of cols) {
    if (col.length !== n) throw new Error(`Panel column ${name} has ${col.length} rows, day has ${n}.`);
  }
  for (let i = 0; i < n; i++) {
    const t = p.token[i]!;
    if (t < 0 || t >= p.tokens.length)
      throw new Error(`Panel row ${i}: token index ${t} out of range 0..${p.tokens.length - 1}.`);
    if (i > 0) {
      const pt = p.token[i - 1]!;
      if (t < pt || (t === pt && p.day[i]! <= p.day[i - 1]!)) {
        throw new Error(
          `Panel row ${i}: not sorted by (token, day) or duplicate key (token ${p.tokens[t]!.id}, day ${dayToIso(p.day[i]!)}).`,
        );
      }
    }
  }
}
