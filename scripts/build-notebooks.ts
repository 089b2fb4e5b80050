/**
 * Builds notebooks/*.ipynb from their diff-friendly sources in notebooks/src/*.ts.
 *
 * Source format (the "percent" format): a line `// %% [markdown]` starts a markdown cell
 * whose lines are comments (`// ` is stripped); a line `// %%` starts a code cell. The
 * generated notebooks carry no outputs and use the project's kernel. `--check` exits 1 if
 * any notebook is out of date (used by the tests).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { findRoot } from "../lib/config";
import { atomicWriteFile } from "../lib/runtime/files";

/** The kernelspec every notebook declares (jupyter/kernels/crypto-ae). */
export const KERNEL_NAME = "crypto-ae";

interface Cell {
  cell_type: "markdown" | "code";
  metadata: Record<string, unknown>;
  source: string[];
  execution_count?: null;
  outputs?: unknown[];
}

/** Split a percent-format source into cells. */
export function parsePercent(text: string): Cell[] {
  const cells: Cell[] = [];
  let current: { type: "markdown" | "code"; lines: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    while (current.lines.length && current.lines[current.lines.length - 1]!.trim() === "") current.lines.pop();
    while (current.lines.length && current.lines[0]!.trim() === "") current.lines.shift();
    if (current.lines.length) {
      const source = current.lines.map((l, i) => (i < current!.lines.length - 1 ? `${l}\n` : l));
      cells.push(
        current.type === "markdown"
          ? { cell_type: "markdown", metadata: {}, source }
          : { cell_type: "code", metadata: {}, source, execution_count: null, outputs: [] },
      );
    }
  };
  for (const line of text.split(/\r?\n/)) {
    const marker = /^\/\/ %%( \[markdown\])?\s*$/.exec(line);
    if (marker) {
      flush();
      current = { type: marker[1] ? "markdown" : "code", lines: [] };
      continue;
    }
    if (!current) current = { type: "code", lines: [] };
    if (current.type === "markdown") current.lines.push(line.replace(/^\/\/ ?/, ""));
    else current.lines.push(line);
  }
  flush();
  return cells;
}

/** Render cells as an nbformat 4 notebook (stable JSON, one-space indent like Jupyter). */
export function toNotebook(cells: Cell[]): string {
  const nb = {
    cells,
    metadata: {
      kernelspec: { display_name: "TypeScript (crypto-autoencoders)", language: "typescript", name: KERNEL_NAME },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  let id = 0;
  for (const c of nb.cells) (c as Cell & { id?: string }).id = `c${String(id++).padStart(3, "0")}`;
  return JSON.stringify(nb, null, 1) + "\n";
}

function main(): void {
  const root = findRoot(__dirname);
  const srcDir = path.join(root, "notebooks", "src");
  const check = process.argv.includes("--check");
  const stale: string[] = [];
  for (const file of fs
    .readdirSync(srcDir)
    .filter((f) => f.endsWith(".ts"))
    .sort()) {
    const out = path.join(root, "notebooks", file.replace(/\.ts$/, ".ipynb"));
    const text = toNotebook(parsePercent(fs.readFileSync(path.join(srcDir, file), "utf8")));
    const current = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : null;
    if (current === text) continue;
    if (check) stale.push(path.relative(root, out));
    else {
      atomicWriteFile(out, text);
      console.log(`wrote ${path.relative(root, out)}`);
    }
  }
  if (check && stale.length) {
    console.error(`Out of date: ${stale.join(", ")}. Run: npm run notebooks:build`);
    process.exit(1);
  }
}

if (require.main === module) main();
