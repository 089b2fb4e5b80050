import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { findRoot } from "../../lib/config";
import { parsePercent, toNotebook, KERNEL_NAME } from "../../scripts/build-notebooks";
import { syncStatus } from "../../scripts/sync-notebooks";
import { selectNotebooks, listNotebooks } from "../../scripts/run-notebooks";

const ROOT = findRoot(__dirname);
const SRC = path.join(ROOT, "notebooks", "src");
/** True when position `at` sits directly inside an object literal (not a call, block, import or destructuring). */
function inObjectLiteral(code: string, at: number): boolean {
  let depth = 0;
  for (let i = at; i >= 0; i--) {
    const c = code[i]!;
    if (c === ")" || c === "]" || (c === "}" && i !== at)) depth++;
    else if (c === "(" || c === "[" || c === "{") {
      if (depth > 0) {
        depth--;
        continue;
      }
      if (c !== "{") return false;
      const before = code.slice(Math.max(0, i - 30), i).trimEnd();
      if (/(?:import|export|const|let|var)$/.test(before)) return false;
      return /(?:[(,=:[?]|return)$/.test(before);
    }
  }
  return false;
}

const sources = fs
  .readdirSync(SRC)
  .filter((f) => f.endsWith(".ts"))
  .sort();

describe("notebook sources", () => {
  test("percent format: markdown and code cells, comment markers stripped", () => {
    const cells = parsePercent("// %% [markdown]\n// # Title\n// text\n\n// %%\nconst a = 1;\nconsole.log(a);\n");
    assert.equal(cells.length, 2);
    assert.equal(cells[0]!.cell_type, "markdown");
    assert.deepEqual(cells[0]!.source, ["# Title\n", "text"]);
    assert.deepEqual(cells[1]!.source, ["const a = 1;\n", "console.log(a);"]);
    const nb = JSON.parse(toNotebook(cells));
    assert.equal(nb.metadata.kernelspec.name, KERNEL_NAME);
    assert.equal(nb.cells[1].outputs.length, 0);
  });

  test("every notebook is in sync with its source (outputs saved by Jupyter do not count)", () => {
    const stale = sources
      .map((f) => syncStatus(ROOT, f.replace(/\.ts$/, "")))
      .filter((s) => s.state !== "in-sync")
      .map((s) => s.message);
    assert.deepEqual(stale, [], `out of sync:\n${stale.join("\n")}`);
  });

  test("notebook code avoids kernel pitfalls (directory imports, shorthand of top-level names)", () => {
    for (const f of sources) {
      const text = fs.readFileSync(path.join(SRC, f), "utf8");
      const code = parsePercent(text)
        .filter((c) => c.cell_type === "code")
        .map((c) => c.source.join(""))
        .join("\n");
      // tslab resolves "./lib/x/index" but not the folder "./lib/x".
      for (const m of code.matchAll(/from "(\.\/lib\/[^"]+)"/g)) {
        assert.ok(
          fs.existsSync(path.join(ROOT, `${m[1]}.ts`)),
          `${f}: import "${m[1]}" is not a .ts file (import "${m[1]}/index" for a folder)`,
        );
      }
      // tslab rewrites top-level names but not object shorthand: `{ section }` fails at run time.
      const topLevel = new Set([...code.matchAll(/^(?:const|let|var)\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]!));
      for (const m of code.matchAll(/[{,]\s*([A-Za-z_$][\w$]*)\s*(?=[,}])/g)) {
        const name = m[1]!;
        if (topLevel.has(name) && inObjectLiteral(code, m.index!)) {
          assert.fail(`${f}: object shorthand "{ ${name} }" of a top-level name; write "${name}: ${name}"`);
        }
      }
    }
  });
});

describe("notebook selection", () => {
  const all = ["01-data-eda", "02-train-ae", "03-train-vae"];
  test("by number, padded number or name", () => {
    assert.deepEqual(selectNotebooks(all, ["3"]), ["03-train-vae"]);
    assert.deepEqual(selectNotebooks(all, ["02", "01-data-eda"]), ["02-train-ae", "01-data-eda"]);
    assert.deepEqual(selectNotebooks(all, []), all);
  });
  test("an unknown notebook lists the available ones", () => {
    assert.throws(
      () => selectNotebooks(all, ["42"]),
      /No notebook "42"\. Available: 01-data-eda, 02-train-ae, 03-train-vae\./,
    );
  });
  test("the project's notebooks are numbered from 00 in order", () => {
    const names = listNotebooks(ROOT);
    assert.equal(names[0], "00-setup-check");
    assert.ok(names.includes("01-data-eda") && names.includes("05-train-conv1d-ae"));
  });
});
