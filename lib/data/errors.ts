/**
 * The one error type for bad input data.
 *
 * A person fixing a CSV needs the file, the line and the column, the bad value and what to
 * do about it, not a stack trace. Every loader throws DataError for input it cannot use;
 * the fields let a caller (a notebook, a test, a UI) point at the cell programmatically,
 * and the message reads like `prices.csv:14: column "close": "abc" is not a number. Fix
 * the value or remove the row.`
 */
import * as path from "node:path";
import { MAX_MESSAGE_CHARS, clipMiddle } from "./limits";

/** A problem in an input file, located by file, line and column where they apply. */
export class DataError extends Error {
  /** The file as it was given to the loader (null when the problem is not in one file). */
  readonly file: string | null;
  /** 1-based line number in the file, or null when it does not apply (whole file, JSON item). */
  readonly line: number | null;
  /** Column name from the header, 1-based column index without one, or null. */
  readonly column: string | number | null;
  /** The problem and the fix, without the location prefix. */
  readonly detail: string;

  /**
   * @param file   the file (its base name goes into the message)
   * @param line   1-based line, or null
   * @param column column name or 1-based index, or null
   * @param detail what is wrong and how to fix it, as full sentences
   */
  constructor(file: string | null, line: number | null, column: string | number | null, detail: string) {
    // Bounded (MAX_MESSAGE_CHARS): a message built from hostile input never grows with it.
    detail = clipMiddle(detail, MAX_MESSAGE_CHARS);
    column = typeof column === "string" ? clipMiddle(column, MAX_COLUMN_LABEL_CHARS) : column;
    super(formatLocation(file, line, column) + detail);
    this.name = "DataError";
    this.file = file;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}

/** The `file:line: column "x": ` prefix of a DataError message (empty parts left out). */
export function formatLocation(file: string | null, line: number | null, column: string | number | null): string {
  let out = "";
  if (file !== null) out += clipMiddle(path.basename(file), MAX_COLUMN_LABEL_CHARS * 2);
  if (line !== null) out += (out ? ":" : "line ") + line;
  if (out) out += ": ";
  if (column !== null) out += typeof column === "number" ? `column ${column}: ` : `column "${column}": `;
  return out;
}

/** Longest column label in a message (header cells are untrusted text). */
const MAX_COLUMN_LABEL_CHARS = 80;

/** Longest cell text shown in a message (about one screen column); longer cells are cut. */
const MAX_SHOWN_CHARS = 60;

/** Quote a cell for an error message: JSON string syntax, cut to a readable length. */
export function quoteCell(text: string): string {
  const shown = text.length > MAX_SHOWN_CHARS ? text.slice(0, MAX_SHOWN_CHARS) + "..." : text;
  return JSON.stringify(shown);
}
