/**
 * Builds notebooks/*.ipynb from their diff-friendly sources in notebooks/src/*.ts.
 *
 * Source format (the "percent" format): a line `// %% [markdown]` starts a markdown cell
 * whose lines are comments (`// ` is stripped); a line `// %%` starts a code cell. The
 * generated notebooks carry no outputs and use the project's kernel. They are written
 * exactly as Jupyter writes them back (scripts/notebook-format.cjs), with the kernelspec
 * and language_info the kernel itself reports, so opening and saving a notebook in Jupyter
 * changes no byte. `--check` exits 1 if any notebook is out of date. To bring edits made in
 * Jupyter back into notebooks/src, use scripts/sync-notebooks.ts (npm run notebooks:sync).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { findRoot } from "../lib/config";
import { atomicWriteFile } from "../lib/runtime/files";
import { cellId, cleanNotebookText, stringifyNotebook } from "./notebook-format.cjs";

/** The kernelspec every notebook declares (jupyter/kernels/crypto-ae). */
export const KERNEL_NAME = "crypto-ae";

/** The kernelspec block Jupyter writes into a notebook, read from the project's kernel.json. */
export function kernelspecMetadata(root = findRoot(__dirname)): Record<string, string> {
  const file = path.join(root, "jupyter", "kernels", KERNEL_NAME, "kernel.json");
  const spec = JSON.parse(fs.readFileSync(file, "utf8")) as { display_name?: string; language?: string };
  if (!spec.display_name || !spec.language) throw new Error(`${file}: needs "display_name" and "language".`);
  return { display_name: spec.display_name, language: spec.language, name: KERNEL_NAME };
}

/**
 * The language_info the kernel reports on start (tslab's kernel_info reply; tslab 1.0.22
 * says TypeScript "3.7.2" whatever TypeScript it bundles). Jupyter copies it into the
 * notebook's metadata when the kernel starts, so a notebook that already carries exactly
 * this block is not changed by opening it.
 */
export function kernelLanguageInfo(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { JupyterHandlerImpl } = require("tslab/dist/jupyter") as {
    JupyterHandlerImpl: new (
      executor: null,
      isJs: boolean,
    ) => { handleKernel(): { language_info: Record<string, unknown> } };
  };
  return new JupyterHandlerImpl(null, false).handleKernel().language_info;
}

/** One notebook cell as the generator writes it. */
export interface Cell {
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

/** File (in the project root, ignored by git) with the hash of each notebook as last built or synced. */
export const SYNC_STATE_FILE = ".notebooks-sync.json";

/** sha256 of a text, hex. */
export function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Notebook name -> hash of its committed form when it was last built or synced. */
export function readSyncState(root: string): Record<string, string> {
  const file = path.join(root, SYNC_STATE_FILE);
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Record the last built or synced state (see readSyncState). */
export function writeSyncState(root: string, state: Record<string, string>): void {
  atomicWriteFile(path.join(root, SYNC_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

let cachedMetadata: Record<string, unknown> | null = null;

/** Render cells as an nbformat 4 notebook, byte for byte as Jupyter saves it. */
export function toNotebook(cells: Cell[]): string {
  cachedMetadata ??= { kernelspec: kernelspecMetadata(), language_info: kernelLanguageInfo() };
  const nb = {
    cells: cells.map((c, i) => ({ ...c, id: cellId(i) })),
    metadata: cachedMetadata,
    nbformat: 4,
    nbformat_minor: 5,
  };
  return stringifyNotebook(nb);
}

/** A file as committed (git HEAD), or null outside git or when it is not committed. */
export function committedText(root: string, rel: string): string | null {
  const r = spawnSync("git", ["show", `HEAD:${rel}`], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout : null;
}

/**
 * True when the notebook `rel` (its text `current`) was changed in Jupyter since it was last
 * built or synced and differs from the committed one: rebuilding it from the source would
 * lose that edit. Outputs are no change; text that is not a notebook (say, a
 * merge conflict) is not an edit to keep.
 */
export function editedSinceSync(
  root: string,
  name: string,
  rel: string,
  current: string,
  state = readSyncState(root),
): boolean {
  const clean = cleanNotebookText(current);
  try {
    JSON.parse(current);
  } catch {
    return false;
  }
  const head = committedText(root, rel);
  const bases = [state[name], head === null ? undefined : hash(cleanNotebookText(head))].filter(
    (b): b is string => b !== undefined,
  );
  return bases.length > 0 && bases.every((b) => hash(clean) !== b);
}

function main(): void {
  const root = findRoot(__dirname);
  const srcDir = path.join(root, "notebooks", "src");
  const check = process.argv.includes("--check");
  const force = process.argv.includes("--force");
  const stale: string[] = [];
  const kept: string[] = [];
  const state = readSyncState(root);
  for (const file of fs
    .readdirSync(srcDir)
    .filter((f) => f.endsWith(".ts"))
    .sort()) {
    const name = file.replace(/\.ts$/, "");
    const rel = `notebooks/${name}.ipynb`;
    const out = path.join(root, rel);
    const text = toNotebook(parsePercent(fs.readFileSync(path.join(srcDir, file), "utf8")));
    const current = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : null;
    // Outputs saved by Jupyter are no difference: the notebook is left as it is.
    if (current !== null && cleanNotebookText(current) === text) {
      if (!check) state[name] = hash(text);
      continue;
    }
    if (check) {
      stale.push(rel);
      continue;
    }
    if (current !== null && !force && editedSinceSync(root, name, rel, current, state)) {
      kept.push(rel);
      continue;
    }
    atomicWriteFile(out, text);
    state[name] = hash(text);
    console.log(`wrote ${rel}`);
  }
  if (!check) writeSyncState(root, state);
  if (kept.length) {
    console.error(
      `Not rebuilt, edited in Jupyter since the last build or sync: ${kept.join(", ")}.\n` +
        "  Bring the edits into notebooks/src: npm run notebooks:sync (or discard them: npm run notebooks:build -- --force)",
    );
    process.exit(1);
  }
  if (check && stale.length) {
    console.error(`Out of date: ${stale.join(", ")}. Run: npm run notebooks:sync`);
    process.exit(1);
  }
}

if (require.main === module) main();
