/**
 * Short notebook code cells, checked: no code cell of notebooks/src/*.ts (percent format,
 * cells split by `// %%`) may hold more than MAX_CELL_LINES lines of code. Longer logic
 * belongs in a function under lib/stages/<nn-name>/ that the cell calls.
 *
 *   npx tsx scripts/check-notebook-cells.ts      # exit 1 with one line per long cell
 *
 * There are no exceptions: every notebook's cells were brought under the bound.
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

/** A cell over the bound. */
export interface CellViolation {
  file: string;
  line: number;
  message: string;
}

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

/** Cells of `sources` (file name -> text) over `max` code lines, each with its first line. */
export function checkCells(sources: Record<string, string>, max: number): CellViolation[] {
  const out: CellViolation[] = [];
  for (const [file, text] of Object.entries(sources))
    for (const c of codeCells(text))
      if (c.codeLines > max)
        out.push({
          file,
          line: c.line,
          message: `code cell has ${c.codeLines} lines of code (max ${max}); move its logic into a function under lib/stages/ and call it.`,
        });
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
  const violations = checkCells(notebookSources(root), MAX_CELL_LINES);
  for (const v of violations) console.error(`notebooks/src/${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} notebook cell problem(s).`);
    process.exit(1);
  }
  console.log(`notebook cells: every code cell has at most ${MAX_CELL_LINES} lines of code.`);
}

if (require.main === module) main();
