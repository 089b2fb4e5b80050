/**
 * The kernel's cell compiler with and without type checking (jupyter/kernels/crypto-ae/
 * fast-imports.js): the notebook runner turns type checking off, which must not change the
 * JavaScript a cell runs as, and must still stop a cell with a syntax error.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { findRoot } from "../../lib/config";

const ROOT = findRoot(__dirname);

/** What tslab's converter makes of each cell, in a fresh process (the patch is process-wide). */
interface Converted {
  js?: string;
  topLevelAwait?: boolean;
  diagnostics?: string[];
}

/**
 * Convert cells in sequence (each sees the previous cells' declarations), as the kernel does.
 * @param cells cell sources.
 * @param typeCheck the kernel's mode.
 */
function convertCells(cells: string[], typeCheck: boolean): Converted[] {
  const script = `
    const root = ${JSON.stringify(ROOT)};
    process.chdir(root);
    require(root + "/jupyter/kernels/crypto-ae/fast-imports.js").install(root, { typeCheck: ${typeCheck} });
    const { createConverter } = require(require.resolve("tslab/dist/converter.js", { paths: [root] }));
    const conv = createConverter();
    let prev = "";
    const out = [];
    for (const src of ${JSON.stringify(cells)}) {
      const r = conv.convert(prev, src);
      if (r.diagnostics.length) { out.push({ diagnostics: r.diagnostics.map((d) => d.code + " " + d.messageText) }); continue; }
      out.push({ js: r.output, topLevelAwait: r.hasToplevelAwait });
      prev = r.declOutput;
    }
    conv.close();
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Converted[];
}

const tslabPresent = fs.existsSync(path.join(ROOT, "node_modules", "tslab"));

describe("kernel cell compiler", { skip: tslabPresent ? false : "tslab is not installed" }, () => {
  test("a notebook's cells compile to the same JavaScript with and without type checking", () => {
    const nb = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", "00-setup-check.ipynb"), "utf8")) as {
      cells: { cell_type: string; source: string[] | string }[];
    };
    const cells = nb.cells
      .filter((c) => c.cell_type === "code")
      .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
    const checked = convertCells(cells, true);
    const unchecked = convertCells(cells, false);
    assert.equal(checked.length, cells.length);
    for (const c of checked) assert.ok(c.js, `type-checked cell failed: ${c.diagnostics?.join("; ")}`);
    assert.deepEqual(unchecked, checked);
    // The first cell awaits at top level: tslab learns it from a grammar diagnostic, kept in both modes.
    assert.equal(unchecked[0]!.topLevelAwait, true);
  });

  test("a syntax error stops a cell in both modes; a type error only when type checking", () => {
    const cells = ['const a: number = "text";', "const b = (1 + ;"];
    const checked = convertCells(cells, true);
    const unchecked = convertCells(cells, false);
    assert.match(checked[0]!.diagnostics?.join() ?? "", /^2322 /);
    assert.ok(unchecked[0]!.js?.includes('const a = "text"'));
    assert.match(checked[1]!.diagnostics?.join() ?? "", /^1109 Expression expected/);
    assert.match(unchecked[1]!.diagnostics?.join() ?? "", /^1109 Expression expected/);
  });
});
