/**
 * The shared state of validation's steps (validate.ts, validate-days.ts): the checked
 * options, the raw columns with the helpers that name a row in messages, and the rows in
 * (token, key) order.
 */
import * as path from "node:path";
import { DataError } from "./errors";
import { MS_PER_DAY, dayToIso } from "./panel";
import type { RawColumns, RawRows } from "./raw";
import { Book } from "./validate-report";

/** The checked options of validateRows, with defaults filled in. */
export interface Settings {
  policy: "error" | "keep-last";
  staleRun: number;
  jumpThr: number;
  allIntraday: boolean;
}

/** What every step reads: the raw columns, the report book and how to name a row. */
export interface Ctx {
  raw: RawRows;
  c: RawColumns;
  n: number;
  nTok: number;
  book: Book;
  /** 1 where the token's rows are intraday bars (keys are exact times). */
  tokIntraday: Uint8Array;
  /** Some token is intraday. */
  intraday: boolean;
  /** 1 where the token's rows are single prices (close-only). */
  tokCloses: Uint8Array;
  /** 1 where the token's source has no volume. */
  tokNoVolume: Uint8Array;
  /** file:line (or "file item k") of raw row r. */
  loc: (r: number) => string;
  /** Token id of raw row r. */
  tid: (r: number) => string;
  /** Day (or exact time for intraday bars) of raw row r. */
  when: (r: number) => string;
  errorAt: (r: number, detail: string) => DataError;
}

/** Rows in (token id, key) order and the keys they were sorted by. */
export interface Ordered {
  /** Token indices in id order; rank[t] = position of token t in it. */
  byId: number[];
  rank: Int32Array;
  /** Kept raw rows in (token, key) order. */
  order: Int32Array;
  /** UTC day of every raw row. */
  day: Int32Array;
  /** Sort key of every raw row: exact time for intraday tokens, the day otherwise. */
  key: Float64Array | Int32Array;
  keyName: string;
}

/** A number for an example: shortest round-trip text. */
export function show(v: number): string {
  return String(v);
}

/** The raw columns, per-token kinds and the row-naming helpers every step uses. */
export function rowContext(raw: RawRows, allIntraday: boolean): Ctx {
  const c: RawColumns = raw.columns();
  const tokensIn = raw.tokens;
  const nTok = tokensIn.length;
  const baseNames = raw.files.map((f) => path.basename(f));
  const loc = (r: number): string => {
    const f = c.file[r]!;
    return raw.fileKinds[f] === "item" ? `${baseNames[f]} item ${c.line[r]}` : `${baseNames[f]}:${c.line[r]}`;
  };
  const tokIntraday = new Uint8Array(nTok);
  raw.tokenMeta.forEach((m, t) => (tokIntraday[t] = allIntraday || m.intraday ? 1 : 0));
  const when = (r: number): string =>
    tokIntraday[c.token[r]!] ? new Date(c.time[r]!).toISOString() : dayToIso(Math.floor(c.time[r]! / MS_PER_DAY));
  const errorAt = (r: number, detail: string): DataError => {
    const f = c.file[r]!;
    const isItem = raw.fileKinds[f] === "item";
    return new DataError(raw.files[f] ?? null, isItem ? null : c.line[r]!, isItem ? `item ${c.line[r]}` : null, detail);
  };
  return {
    raw,
    c,
    n: c.length,
    nTok,
    book: new Book(),
    tokIntraday,
    intraday: tokIntraday.includes(1),
    tokCloses: Uint8Array.from(raw.tokenMeta, (m) => (m.prices === "closes" ? 1 : 0)),
    tokNoVolume: Uint8Array.from(raw.tokenMeta, (m) => (m.volume === "none" ? 1 : 0)),
    loc,
    tid: (r) => tokensIn[c.token[r]!]!.id,
    when,
    errorAt,
  };
}
