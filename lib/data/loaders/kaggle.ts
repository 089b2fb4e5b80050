/**
 * Loader for the Kaggle "Cryptocurrency Historical Prices" data set: a folder of
 * coin_<Name>.csv files, one per coin, with the header
 * SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap and daily rows whose Date is
 * the day's close, "2017-10-02 23:59:59" (UTC): the row belongs to that UTC day.
 *
 * The token id is the file's coin name in lower case ("coin_Bitcoin.csv" -> "bitcoin");
 * Symbol and Name come from the first row and are kept verbatim. Files are told apart by
 * their exact name (two files whose names differ only in case stay two tokens), and a file
 * whose Symbol changes from one row to another is refused.
 */
import * as path from "node:path";
import { CsvReader, findColumns, type ColumnSpec } from "../csv";
import { quoteCell } from "../errors";
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
export const KAGGLE_LAYOUT = 'Kaggle "Cryptocurrency Historical Prices"';

/** The columns of a Kaggle coin file (Marketcap optional: NaN when absent). */
export const KAGGLE_COLUMNS: readonly ColumnSpec[] = [
  { key: "name", names: ["name"], required: true },
  { key: "symbol", names: ["symbol"], required: true },
  { key: "date", names: ["date"], required: true },
  { key: "high", names: ["high"], required: true },
  { key: "low", names: ["low"], required: true },
  { key: "open", names: ["open"], required: true },
  { key: "close", names: ["close"], required: true },
  { key: "volume", names: ["volume"], required: true },
  { key: "marketcap", names: ["marketcap", "market_cap"], required: false },
];

/** Load a folder of Kaggle coin_*.csv files (or one file) into a validated Panel. */
export function loadKaggle(target: string, options: LoadOptions = {}): ValidationResult {
  const { files, notes } = listInputFiles(target, (n) => /\.csv$/i.test(n), KAGGLE_LAYOUT, "coin_<Name>.csv files");
  const raw = new RawRows();
  raw.notes.push(...notes);
  const dates = new DateParser();
  const sectors = sectorSettings(options);
  for (const file of files) {
    const reader = new CsvReader(file, { header: true });
    const col = findColumns(reader.header!, KAGGLE_COLUMNS as ColumnSpec[], file, KAGGLE_LAYOUT);
    const fi = raw.addFile(file);
    dates.startFile(file);
    const stem = path
      .basename(file)
      .replace(/\.csv$/i, "")
      .replace(/^coin_/i, "");
    const iDate = col.date!;
    const ohlcv = ohlcvColumns(col, "marketcap");
    const iSym = col.symbol!;
    let tok = -1;
    let firstSymbol = Buffer.alloc(0);
    let firstLine = 0;
    let firstText = "";
    const differentSymbol = (text: string): boolean => text.trim() !== "" && text.trim() !== firstText;
    for (const row of reader.rows()) {
      if (tok >= 0 && !row.fieldEquals(iSym, firstSymbol, firstSymbol.length) && differentSymbol(row.text(iSym))) {
        // One coin per file: a file whose rows switch coin would silently merge two price series.
        throw row.error(
          iSym,
          `${quoteCell(row.text(iSym))} differs from ${quoteCell(firstText)} on line ${firstLine}: this file switches coin. ` +
            "A Kaggle coin file holds one coin: split the file per coin, or use the long CSV layout (token,date,...).",
        );
      }
      if (tok < 0) {
        const symbol = row.text(iSym).trim();
        const name = row.text(col.name!).trim() || stem;
        firstSymbol = Buffer.from(row.data.subarray(row.starts[iSym]!, row.ends[iSym]!));
        firstLine = row.line;
        firstText = symbol;
        const id = stem.toLowerCase();
        // Keyed by the exact file stem: coin_Bitcoin.csv and coin_bitcoin.csv are two tokens
        // (their ids become "bitcoin" and "bitcoin-2", reported under "token ids made safe").
        tok = raw.token(
          `coin:${stem}`,
          { symbol, name, sector: sectorFor(symbol, name, sectors.custom, sectors.builtin) },
          { intervalMs: null },
          id,
        );
      }
      const t = rowTime(dates, row, iDate);
      pushOhlcvRow(raw, tok, t, row, ohlcv, fi);
    }
  }
  return validateLoaded(raw, dates, `kaggle:${target}`, options);
}
