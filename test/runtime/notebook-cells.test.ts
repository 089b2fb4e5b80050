/**
 * The notebook cell-length rule (scripts/check-notebook-cells.ts): the project's notebooks
 * pass it, and a cell over the bound fails with its line.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { MAX_CELL_LINES, checkCells, codeCells, notebookSources } from "../../scripts/check-notebook-cells";

const ROOT = path.resolve(__dirname, "../..");

/** A percent-format notebook: a markdown cell, then one code cell per given length. */
function notebook(...lengths: number[]): string {
  const parts = ["// %% [markdown]\n// # Title\n// words\n"];
  for (const n of lengths) {
    const body = Array.from({ length: n }, (_, i) => `const v${i} = ${i};`);
    parts.push(`// %%\n// a comment line, not counted\n\n${body.join("\n")}\n`);
  }
  return parts.join("\n");
}

describe("notebook cell length", () => {
  test("the project's notebooks pass", () => {
    const v = checkCells(notebookSources(ROOT), MAX_CELL_LINES);
    assert.deepEqual(
      v.map((x) => `${x.file}:${x.line}: ${x.message}`),
      [],
    );
  });

  test("code lines are counted per cell, blank, comment and markdown lines not", () => {
    const cells = codeCells(notebook(3, 5));
    assert.deepEqual(
      cells.map((c) => c.codeLines),
      [3, 5],
    );
    // First code line of the second cell: after the markdown (3 lines + blank), cell 1 (marker, comment, blank, 3 code, blank).
    assert.equal(cells[1]!.line, 15);
  });

  test("a cell over the bound fails with its line; one at the bound passes", () => {
    assert.deepEqual(checkCells({ "x.ts": notebook(4, MAX_CELL_LINES) }, MAX_CELL_LINES), []);
    const v = checkCells({ "x.ts": notebook(4, MAX_CELL_LINES + 1) }, MAX_CELL_LINES);
    assert.equal(v.length, 1);
    assert.equal(v[0]!.line, codeCells(notebook(4, MAX_CELL_LINES + 1))[1]!.line);
    assert.match(v[0]!.message, /has 41 lines of code \(max 40\).*lib\/stages/);
  });
});
