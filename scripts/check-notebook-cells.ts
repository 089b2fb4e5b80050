/**
 * Short notebook code cells, checked: no code cell of notebooks/src/*.ts (percent format,
 * cells split by `// %%`) may hold more than MAX_CELL_LINES lines of code. Longer logic
 * belongs in a function under lib/stages/<nn-name>/ that the cell calls.
 *
 *   npx tsx scripts/check-notebook-cells.ts      # exit 1 with one line per long cell
 *
 * Notebooks whose cells were written before the rule and are still longer are listed in
 * scripts/long-cells.json (how many long cells, how long the longest): they may shrink, not
 * grow, and an entry must go once its notebook has no long cell left.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Most lines of code in one notebook cell: 40. Blank and comment-only lines are not
 * counted (explaining a step is welcome). 40 lines is what one screen of a notebook shows
 * at a usual font size (about 45 lines), so a reader sees a whole cell without scrolling;
 * the short cells of the notebooks (load, fit, show one table and one chart) take 5-30.
 */
export const MAX_CELL_LINES = 40;

/** One code cell: its first line in the source file (1-based) and its count of code lines. */
export interface CodeCell {
  line: number;
  codeLines: number;
}

/** A cell over the bound, or a stale or grown entry of the allowance list. */
export interface CellViolation {
  file: string;
  line: number;
  message: string;
}

/**
 * Allowance for notebooks whose long cells predate the rule: file -> how many cells may be
 * over the bound and the most code lines any of them may have (line numbers would break on
 * every edit above a cell, so the allowance is per file).
 */
export type CellAllowance = Record<string, { cells: number; maxLines: number }>;

const MARKER = /^\/\/ %%( \[markdown\])?\s*$/;

/** Code cells of a percent-format source with their code-line counts (blank and `//` lines excluded). */
export function codeCells(source: string): CodeCell[] {
  const cells: CodeCell[] = [];
  let current: CodeCell | null = null;
  let markdown = false;
  source.split(/\r?\n/).forEach((text, i) => {
    const marker = MARKER.exec(text);
    if (marker) {
      current = null;
      markdown = Boolean(marker[1]);
      return;
    }
    const code = text.trim();
    if (markdown || code === "" || code.startsWith("//")) return;
    if (!current) {
      current = { line: i + 1, codeLines: 0 };
      cells.push(current);
    }
    current.codeLines++;
  });
  return cells;
}

/**
 * Cells of `sources` (file name -> text) over `max` code lines, beyond what the allowance
 * grants their file (more long cells than listed, or one longer than its maxLines); an
 * allowance entry for a file with no long cell left is a violation too (remove it).
 */
export function checkCells(sources: Record<string, string>, allowance: CellAllowance, max: number): CellViolation[] {
  const out: CellViolation[] = [];
  for (const [file, text] of Object.entries(sources)) {
    const long = codeCells(text).filter((c) => c.codeLines > max);
    const allowed = allowance[file];
    if (!allowed) {
      for (const c of long)
        out.push({
          file,
          line: c.line,
          message: `code cell has ${c.codeLines} lines of code (max ${max}); move its logic into a function under lib/stages/ and call it.`,
        });
      continue;
    }
    if (long.length === 0) {
      out.push({
        file,
        line: 1,
        message: `no cell is over ${max} lines any more: remove ${file} from scripts/long-cells.json.`,
      });
      continue;
    }
    for (const c of long)
      if (c.codeLines > allowed.maxLines)
        out.push({
          file,
          line: c.line,
          message: `code cell has ${c.codeLines} lines of code, more than the ${allowed.maxLines} scripts/long-cells.json allows for this file's older long cells (max ${max} for new ones); shorten it.`,
        });
    if (long.length > allowed.cells)
      out.push({
        file,
        line: long[0]!.line,
        message: `${long.length} code cells are over ${max} lines of code (at lines ${long.map((c) => c.line).join(", ")}), but scripts/long-cells.json allows ${allowed.cells} older ones; shorten the new one.`,
      });
  }
  for (const file of Object.keys(allowance))
    if (!(file in sources))
      out.push({
        file,
        line: 1,
        message: "scripts/long-cells.json lists a notebook that does not exist: remove the entry.",
      });
  return out;
}

/** The allowance list (scripts/long-cells.json); `$comment` keys are skipped. */
export function readAllowance(file: string): CellAllowance {
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  const out: CellAllowance = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith("$")) continue;
    const e = v as { cells?: unknown; maxLines?: unknown };
    if (!Number.isInteger(e.cells) || !Number.isInteger(e.maxLines))
      throw new Error(`${file}: entry ${JSON.stringify(k)} must be {"cells": <integer>, "maxLines": <integer>}.`);
    out[k] = { cells: e.cells as number, maxLines: e.maxLines as number };
  }
  return out;
}

/** notebooks/src/*.ts of the project as file name -> text. */
export function notebookSources(root: string): Record<string, string> {
  const dir = path.join(root, "notebooks", "src");
  const out: Record<string, string> = {};
  for (const f of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(".ts"))
    .sort())
    out[f] = fs.readFileSync(path.join(dir, f), "utf8");
  return out;
}

function main(): void {
  const root = path.resolve(__dirname, "..");
  const violations = checkCells(
    notebookSources(root),
    readAllowance(path.join(__dirname, "long-cells.json")),
    MAX_CELL_LINES,
  );
  for (const v of violations) console.error(`notebooks/src/${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} notebook cell problem(s).`);
    process.exit(1);
  }
  console.log(
    `notebook cells: every code cell has at most ${MAX_CELL_LINES} lines of code (or is a listed older one that has not grown).`,
  );
}

if (require.main === module) main();
