/**
 * Loader for the project's own interchange layout: a long CSV, one row per token and day,
 *
 *     token,date,open,high,low,close,volume[,market_cap][,symbol][,name][,sector]
 *
 * with case-insensitive header names in any order. It is the way in for any source the
 * other loaders do not know: export to this layout and load it. Dates may be ISO dates,
 * ISO date-times with an offset (converted to UTC) or epoch numbers (see timestamps.ts).
 *
 * The token cell is the source's key and is kept verbatim as the symbol (unless a symbol
 * column is given); the Panel id is a safe version of it, so a token named
 * "../../etc/passwd" or "<script>" is data, never a path or markup.
 */
import { CsvReader, findColumns, type ColumnSpec } from "../csv";
import { RawRows } from "../raw";
import { sectorFor } from "../sectors";
import { DateParser } from "../timestamps";
import type { ValidationResult } from "../validate";
import {
  listInputFiles,
  sectorSettings,
  type LoadOptions,
  rowTime,
  validateLoaded,
  pushOhlcvRow,
  ohlcvColumns,
} from "./common";

/** Layout name used in messages. */
export const LONG_CSV_LAYOUT = "long CSV";

/** The long CSV columns; the first name of each is the canonical one. */
export const LONG_CSV_COLUMNS: readonly ColumnSpec[] = [
  { key: "token", names: ["token", "token_id"], required: true },
  { key: "date", names: ["date", "day", "timestamp", "datetime"], required: true },
  { key: "open", names: ["open"], required: true },
  { key: "high", names: ["high"], required: true },
  { key: "low", names: ["low"], required: true },
  { key: "close", names: ["close"], required: true },
  { key: "volume", names: ["volume"], required: true },
  { key: "marketCap", names: ["market_cap", "marketcap", "mcap"], required: false },
  { key: "symbol", names: ["symbol"], required: false },
  { key: "name", names: ["name"], required: false },
  { key: "sector", names: ["sector"], required: false },
];

/** Longest token cell (bytes) remembered for the same-token-as-previous-row shortcut. */
const TOKEN_CACHE_BYTES = 256;

/** Load long CSV file(s) (a folder of *.csv or one file) into a validated Panel. */
export function loadLongCsv(target: string, options: LoadOptions = {}): ValidationResult {
  const { files, notes } = listInputFiles(
    target,
    (n) => /\.(csv|tsv|txt)$/i.test(n),
    LONG_CSV_LAYOUT,
    "long CSV files (token,date,open,high,low,close,volume)",
  );
  const raw = new RawRows();
  raw.notes.push(...notes);
  const dates = new DateParser();
  const sectors = sectorSettings(options);
  const lastTok = Buffer.alloc(TOKEN_CACHE_BYTES);
  for (const file of files) {
    const delimiter = options.delimiter ?? (/\.tsv$/i.test(file) ? "\t" : ",");
    const reader = new CsvReader(file, { header: true, delimiter });
    const col = findColumns(reader.header!, LONG_CSV_COLUMNS as ColumnSpec[], file, LONG_CSV_LAYOUT);
    const fi = raw.addFile(file);
    dates.startFile(file);
    const iTok = col.token!;
    const iDate = col.date!;
    const ohlcv = ohlcvColumns(col, "marketCap");
    const iSym = col.symbol!;
    const iName = col.name!;
    const iSector = col.sector!;
    let lastLen = -1;
    let tok = -1;
    for (const row of reader.rows()) {
      if (lastLen < 0 || !row.fieldEquals(iTok, lastTok, lastLen)) {
        const keyText = row.text(iTok).trim();
        if (keyText === "") throw row.error(iTok, "the token is empty. Every row needs a token id.");
        tok = raw.findToken(keyText);
        if (tok < 0) {
          const symbol = iSym >= 0 && !row.isEmpty(iSym) ? row.text(iSym).trim() : keyText;
          const name = iName >= 0 && !row.isEmpty(iName) ? row.text(iName).trim() : symbol;
          const given = iSector >= 0 && !row.isEmpty(iSector) ? row.text(iSector).trim() : "";
          const sector = given !== "" ? given : sectorFor(symbol, name, sectors.custom, sectors.builtin);
          tok = raw.token(keyText, { symbol, name, sector });
        }
        const s = row.starts[iTok]!;
        const len = row.ends[iTok]! - s;
        if (len <= TOKEN_CACHE_BYTES && !row.escaped[iTok]) {
          row.data.copy(lastTok, 0, s, s + len);
          lastLen = len;
        } else lastLen = -1;
      }
      const t = rowTime(dates, row, iDate);
      pushOhlcvRow(raw, tok, t, row, ohlcv, fi);
    }
  }
  return validateLoaded(raw, dates, `csv:${target}`, options, options.intraday ?? false);
}
