/**
 * The notebook cell-length rule (scripts/check-notebook-cells.ts): the project's notebooks
 * pass it, and a long cell, a grown listed cell, an extra long cell and a stale entry fail.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import {
  MAX_CELL_LINES,
  checkCells,
  codeCells,
  notebookSources,
  readAllowance,
} from "../../scripts/check-notebook-cells";

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
    const v = checkCells(
      notebookSources(ROOT),
      readAllowance(path.join(ROOT, "scripts", "long-cells.json")),
      MAX_CELL_LINES,
    );
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
    assert.deepEqual(checkCells({ "x.ts": notebook(4, MAX_CELL_LINES) }, {}, MAX_CELL_LINES), []);
    const v = checkCells({ "x.ts": notebook(4, MAX_CELL_LINES + 1) }, {}, MAX_CELL_LINES);
    assert.equal(v.length, 1);
    assert.equal(v[0]!.line, codeCells(notebook(4, MAX_CELL_LINES + 1))[1]!.line);
    assert.match(v[0]!.message, /has 41 lines of code \(max 40\).*lib\/stages/);
  });

  test("listed older cells may shrink but not grow or multiply; a stale entry fails", () => {
    const allow = { "x.ts": { cells: 1, maxLines: 60 } };
    assert.deepEqual(checkCells({ "x.ts": notebook(50) }, allow, 40), []);
    assert.match(checkCells({ "x.ts": notebook(61) }, allow, 40)[0]!.message, /more than the 60/);
    assert.match(checkCells({ "x.ts": notebook(50, 45) }, allow, 40)[0]!.message, /2 code cells are over 40/);
    assert.match(checkCells({ "x.ts": notebook(10) }, allow, 40)[0]!.message, /remove x\.ts/);
    assert.match(checkCells({}, allow, 40)[0]!.message, /does not exist/);
  });
});
