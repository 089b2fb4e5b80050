/**
 * The validation report: its type, the book that records its entries while validateRows runs,
 * the row accounting and the markdown formatting.
 *
 * Why its own file: what validation did is reported apart from how rows are checked and
 * aggregated (validate.ts); the formatting only needs the report.
 */
import * as path from "node:path";
import { MAX_EXAMPLE_CHARS, clipMiddle } from "./limits";
import type { ValidationEntry } from "./raw";

/** What validation read, kept and did. */
export interface ValidationReport {
  /** Source label, e.g. "kaggle:data/raw/kaggle". */
  source: string;
  /** Files read, in order. */
  files: string[];
  /** Rows (bars) read from the files. */
  rowsRead: number;
  /** Rows in the Panel. */
  rowsKept: number;
  /** Intraday bars folded into daily rows (bars kept - days made); 0 for daily sources. */
  rowsMerged: number;
  /** Tokens in the Panel. */
  tokens: number;
  /** First and last day in the Panel (ISO), null when empty. */
  firstDay: string | null;
  lastDay: string | null;
  /** Everything done or noticed, in pipeline order; only entries with count > 0. */
  entries: ValidationEntry[];
  /** Missing days inside tokens' lives: total missing days, tokens with any, longest run in days. */
  gaps: { count: number; tokensWithGaps: number; longest: number };
}

/** Examples kept per entry: enough to find the pattern, few enough to read. */
export const MAX_EXAMPLES = 5;

/** The entries of a report, in pipeline order, each counting its hits and keeping the first examples. */
export class Book {
  readonly list: ValidationEntry[] = [];
  define(check: string, action: ValidationEntry["action"], detail: string): ValidationEntry {
    const e: ValidationEntry = { check, action, count: 0, detail, examples: [] };
    this.list.push(e);
    return e;
  }
  hit(e: ValidationEntry, example: () => string, n = 1): void {
    e.count += n;
    if (e.examples.length < MAX_EXAMPLES) e.examples.push(clipMiddle(example(), MAX_EXAMPLE_CHARS));
  }
}

/** Rows the report accounts for: kept + merged + dropped. Equals rowsRead when nothing is lost. */
export function accountedRows(report: ValidationReport): number {
  let dropped = 0;
  for (const e of report.entries) if (e.action === "dropped") dropped += e.count;
  return report.rowsKept + report.rowsMerged + dropped;
}

/** Escape untrusted text (symbols, file names) for a markdown table cell. */
function mdCell(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/`/g, "\\`")
    .replace(/[\r\n]+/g, " ");
}

/** Thousands separators for counts. */
function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

/** Files listed by name in the summary before "... and N more". */
const MAX_FILES_LISTED = 8;

/** The report as markdown: a summary table, then one row per entry with its examples. */
export function formatValidationReport(report: ValidationReport): string {
  const lines: string[] = [];
  lines.push(`### Validation report: ${mdCell(report.source)}`, "");
  const names = report.files.map((f) => path.basename(f));
  const fileList =
    names.slice(0, MAX_FILES_LISTED).join(", ") +
    (names.length > MAX_FILES_LISTED ? `, ... and ${names.length - MAX_FILES_LISTED} more` : "");
  lines.push("| | |", "|---|---|");
  lines.push(`| files | ${fmt(report.files.length)} (${mdCell(fileList)}) |`);
  lines.push(`| rows read | ${fmt(report.rowsRead)} |`);
  if (report.rowsMerged > 0) lines.push(`| intraday bars merged into days | ${fmt(report.rowsMerged)} |`);
  const dropped = report.entries.filter((e) => e.action === "dropped").reduce((s, e) => s + e.count, 0);
  lines.push(`| rows dropped | ${fmt(dropped)} |`);
  lines.push(`| rows kept | ${fmt(report.rowsKept)} |`);
  lines.push(`| tokens | ${fmt(report.tokens)} |`);
  lines.push(`| days | ${report.firstDay ?? "-"} to ${report.lastDay ?? "-"} |`);
  lines.push(
    `| gaps | ${fmt(report.gaps.count)} missing day(s) in ${fmt(report.gaps.tokensWithGaps)} token(s), longest ${fmt(report.gaps.longest)} |`,
  );
  lines.push("");
  if (report.entries.length === 0) {
    lines.push("No rows were dropped, repaired or flagged.");
  } else {
    lines.push("| check | action | count | detail | examples |", "|---|---|---:|---|---|");
    for (const e of report.entries) {
      const ex = e.examples.map((x) => mdCell(x)).join("<br>");
      lines.push(`| ${mdCell(e.check)} | ${e.action} | ${fmt(e.count)} | ${mdCell(e.detail)} | ${ex} |`);
    }
  }
  return lines.join("\n") + "\n";
}
