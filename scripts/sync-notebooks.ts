/**
 * Two-way sync between the notebook sources (notebooks/src/*.ts, percent format) and the
 * notebooks (notebooks/*.ipynb): an edit made in Jupyter flows back to the source, an edit
 * of the source to the notebook.
 *
 *   npm run notebooks:sync                  sync every notebook (the side that changed wins)
 *   npm run notebooks:sync -- 03 --check    report only; exit 1 when something is out of sync
 *   npm run notebooks:sync -- --from=ipynb  the notebook wins where both sides changed (or --from=src)
 *
 * Which side changed is decided against the last synced states: the notebook as it was last
 * built or synced (recorded in .notebooks-sync.json, which git ignores) and the committed
 * notebook (git HEAD); a side changed when it matches neither. When only one side changed,
 * it wins; when both did, the sync refuses and says so (pass --from to choose); when neither
 * can be told, the newer file wins. Outputs never count as a change (the committed form of a notebook has none,
 * scripts/notebook-format.cjs).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { findRoot } from "../lib/config";
import { atomicWriteFile } from "../lib/runtime/files";
import {
  type Cell,
  committedText,
  hash,
  parsePercent,
  readSyncState,
  toNotebook,
  writeSyncState,
} from "./build-notebooks";
import { cleanNotebookText } from "./notebook-format.cjs";

/** Where a notebook stands between its source and its .ipynb. */
export type SyncState = "in-sync" | "src-newer" | "ipynb-newer" | "both-changed" | "no-notebook" | "no-source";

/** The sync status of one notebook, with a message that names the fix. */
export interface SyncStatus {
  name: string;
  state: SyncState;
  message: string;
}

/** The percent-format source of a list of cells (the inverse of parsePercent). */
export function toPercent(cells: Cell[]): string {
  const parts = cells.map((cell, i) => {
    const text = cell.source.join("");
    if (cell.cell_type === "markdown") {
      const lines = text.split("\n").map((l) => (l === "" ? "//" : `// ${l}`));
      return `// %% [markdown]\n${lines.join("\n")}`;
    }
    if (cell.cell_type !== "code")
      throw new Error(`cell ${i + 1} is a ${cell.cell_type} cell; only code and markdown cells have a source form.`);
    const marker = text.split("\n").findIndex((l) => /^\/\/ %%( \[markdown\])?\s*$/.test(l));
    if (marker >= 0)
      throw new Error(
        `cell ${i + 1}, line ${marker + 1} is a cell marker ("// %%"): split the cell there in Jupyter instead.`,
      );
    return `// %%\n${text}`;
  });
  return `${parts.join("\n\n")}\n`;
}

/** The cells of a notebook's text (committed form), with a clear error for bad JSON. */
export function notebookCells(text: string, file: string): Cell[] {
  let nb: { cells?: Cell[] };
  try {
    nb = JSON.parse(cleanNotebookText(text)) as { cells?: Cell[] };
  } catch (err) {
    throw new Error(`${file}: not a notebook (${(err as Error).message}).`);
  }
  if (!Array.isArray(nb.cells)) throw new Error(`${file}: not a notebook (no "cells" list).`);
  return nb.cells;
}

/** Paths of one notebook's two sides. */
function sides(root: string, name: string) {
  return {
    src: path.join(root, "notebooks", "src", `${name}.ts`),
    ipynb: path.join(root, "notebooks", `${name}.ipynb`),
    srcRel: `notebooks/src/${name}.ts`,
    ipynbRel: `notebooks/${name}.ipynb`,
  };
}

/** Where notebook `name` stands, and the command that brings it in sync. */
export function syncStatus(root: string, name: string, state = readSyncState(root)): SyncStatus {
  const s = sides(root, name);
  if (!fs.existsSync(s.src))
    return { name, state: "no-source", message: `${s.ipynbRel} has no source ${s.srcRel}: run npm run notebooks:sync` };
  if (!fs.existsSync(s.ipynb))
    return {
      name,
      state: "no-notebook",
      message: `${s.srcRel} has no notebook ${s.ipynbRel}: run npm run notebooks:sync`,
    };
  const fromSrc = toNotebook(parsePercent(fs.readFileSync(s.src, "utf8")));
  const fromIpynb = cleanNotebookText(fs.readFileSync(s.ipynb, "utf8"));
  if (fromSrc === fromIpynb) return { name, state: "in-sync", message: `${name}: in sync` };
  // A side changed when it differs from the last synced state and from the committed
  // notebook (a checkout or merge brings in committed notebooks that are no Jupyter edit).
  const head = committedText(root, s.ipynbRel);
  const bases = [state[name], head === null ? undefined : hash(cleanNotebookText(head))].filter(
    (b): b is string => b !== undefined,
  );
  const changed = (text: string) => bases.every((b) => hash(text) !== b);
  const srcChanged = changed(fromSrc);
  const ipynbChanged = changed(fromIpynb);
  if (bases.length && srcChanged && ipynbChanged) {
    return {
      name,
      state: "both-changed",
      message:
        `${s.srcRel} and ${s.ipynbRel} were both changed since they were last in sync. Keep one: ` +
        `npm run notebooks:sync -- ${name.slice(0, 2)} --from=ipynb (the Jupyter edits) or --from=src (the source).`,
    };
  }
  const newer: SyncState =
    srcChanged !== ipynbChanged && bases.length
      ? ipynbChanged
        ? "ipynb-newer"
        : "src-newer"
      : fs.statSync(s.ipynb).mtimeMs > fs.statSync(s.src).mtimeMs
        ? "ipynb-newer"
        : "src-newer";
  const message =
    newer === "ipynb-newer"
      ? `${s.ipynbRel} is newer than ${s.srcRel} (edited in Jupyter?): run npm run notebooks:sync to copy the edit into the source`
      : `${s.srcRel} is newer than ${s.ipynbRel}: run npm run notebooks:sync (or npm run notebooks:build) to rebuild the notebook`;
  return { name, state: newer, message };
}

/** Notebook names present on either side. */
export function notebookNames(root: string): string[] {
  const src = fs.readdirSync(path.join(root, "notebooks", "src")).filter((f) => f.endsWith(".ts"));
  const nbs = fs.readdirSync(path.join(root, "notebooks")).filter((f) => f.endsWith(".ipynb"));
  return [...new Set([...src.map((f) => f.slice(0, -3)), ...nbs.map((f) => f.slice(0, -6))])].sort();
}

/** Options of a sync run. */
export interface SyncOptions {
  /** Which side wins where both changed. */
  from?: "src" | "ipynb";
  /** Only report. */
  check?: boolean;
  log?: (line: string) => void;
}

/**
 * Sync the named notebooks (all when empty). Returns the statuses that were (or, with
 * `check`, would be) acted on; throws when both sides changed and `from` is not given.
 */
export function syncNotebooks(root: string, names: string[], options: SyncOptions = {}): SyncStatus[] {
  const log = options.log ?? console.log;
  const state = readSyncState(root);
  const acted: SyncStatus[] = [];
  const conflicts: string[] = [];
  for (const name of names.length ? names : notebookNames(root)) {
    const status = syncStatus(root, name, state);
    const s = sides(root, name);
    let direction: "to-src" | "to-ipynb" | null = null;
    if (status.state === "in-sync") {
      state[name] = hash(cleanNotebookText(fs.readFileSync(s.ipynb, "utf8")));
      continue;
    }
    if (status.state === "both-changed") {
      if (!options.from) {
        conflicts.push(status.message);
        continue;
      }
      direction = options.from === "ipynb" ? "to-src" : "to-ipynb";
    } else direction = status.state === "ipynb-newer" || status.state === "no-source" ? "to-src" : "to-ipynb";
    acted.push(status);
    if (options.check) {
      log(status.message);
      continue;
    }
    if (direction === "to-src") {
      const cells = notebookCells(fs.readFileSync(s.ipynb, "utf8"), s.ipynbRel);
      let source: string;
      try {
        source = toPercent(cells);
      } catch (err) {
        throw new Error(`${s.ipynbRel}: ${(err as Error).message}`);
      }
      atomicWriteFile(s.src, source);
      log(`${s.ipynbRel} -> ${s.srcRel}`);
    }
    // The notebook is (re)built from the source in both directions, so it has exactly the
    // committed form (a cell edited in Jupyter may carry trailing blank lines the source drops).
    const built = toNotebook(parsePercent(fs.readFileSync(s.src, "utf8")));
    if (!fs.existsSync(s.ipynb) || cleanNotebookText(fs.readFileSync(s.ipynb, "utf8")) !== built) {
      atomicWriteFile(s.ipynb, built);
      if (direction === "to-ipynb") log(`${s.srcRel} -> ${s.ipynbRel} (reload it if it is open in Jupyter)`);
    }
    state[name] = hash(built);
  }
  if (!options.check) writeSyncState(root, state);
  if (conflicts.length) throw new Error(conflicts.join("\n"));
  return acted;
}

function main(): void {
  const root = findRoot(__dirname);
  const args = process.argv.slice(2);
  const fromArg = args.find((a) => a.startsWith("--from="))?.slice("--from=".length);
  if (fromArg !== undefined && fromArg !== "src" && fromArg !== "ipynb")
    throw new Error(`--from=${fromArg}: use --from=src or --from=ipynb.`);
  const all = notebookNames(root);
  const names = args
    .filter((a) => !a.startsWith("--"))
    .map((a) => {
      const hit = all.find((n) => n === a || n.startsWith(`${a.padStart(2, "0")}-`));
      if (!hit) throw new Error(`No notebook "${a}". Available: ${all.join(", ")}.`);
      return hit;
    });
  const check = args.includes("--check");
  try {
    const acted = syncNotebooks(root, names, { from: fromArg as SyncOptions["from"], check: check });
    if (!acted.length) console.log("notebooks and sources are in sync");
    if (check && acted.length) process.exit(1);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}

if (require.main === module) main();
