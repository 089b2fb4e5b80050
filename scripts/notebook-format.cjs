#!/usr/bin/env node
/**
 * The committed form of a notebook, byte for byte what Jupyter itself writes when it saves
 * one (nbformat: keys sorted, one-space indent, non-ASCII kept, a final newline), minus
 * everything a run or the user interface adds: outputs, execution counts, UI state in cell
 * metadata (collapsed, scrolled, trusted, timings) and the notebook signature. Cell ids are
 * renumbered by position (c000, c001, ...), as scripts/build-notebooks.ts writes them.
 *
 * Two users:
 *   - scripts/build-notebooks.ts and scripts/sync-notebooks.ts (the TypeScript side), so a
 *     generated notebook is exactly what Jupyter writes back after opening and saving it;
 *   - git, as the clean filter `cae-notebook` that scripts/setup.mjs configures for
 *     notebooks/*.ipynb (.gitattributes): `node scripts/notebook-format.cjs` reads a
 *     notebook on stdin and writes its committed form on stdout. Outputs then stay in the
 *     working copy (they survive a reload in Jupyter) but never reach the index or a commit,
 *     and `git status` shows a notebook as modified only when a cell's source changed.
 *
 * Plain CommonJS on purpose: git runs the filter for every changed notebook, and plain node
 * starts in ~40 ms where a TypeScript loader takes 10 times as long.
 */
"use strict";

/** Cell metadata keys that are user-interface or run state, never content. */
const UI_CELL_METADATA = ["collapsed", "scrolled", "trusted", "execution", "ExecuteTime", "jupyter"];

/** Notebook metadata keys nbformat itself drops on save (its strip_transient) or that only record a run. */
const TRANSIENT_NOTEBOOK_METADATA = ["orig_nbformat", "orig_nbformat_minor", "signature", "widgets"];

/**
 * A copy of `value` with object keys sorted (code-point order, as Python's sort_keys).
 * @param {unknown} value
 * @returns {unknown}
 */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(/** @type {any} */ (value)[key]);
    return out;
  }
  return value;
}

/**
 * Serialise a notebook the way nbformat does: json.dumps(nb, sort_keys=True, indent=1,
 * ensure_ascii=False) plus a final newline. JavaScript's JSON.stringify escapes the same
 * characters as Python's json with ensure_ascii=False.
 * @param {unknown} nb
 * @returns {string}
 */
function stringifyNotebook(nb) {
  return `${JSON.stringify(sortKeys(nb), null, 1)}\n`;
}

/**
 * Source as nbformat stores it: a list of lines, each but the last ending in "\n".
 * @param {unknown} source
 * @returns {string[]}
 */
function sourceLines(source) {
  const text = Array.isArray(source) ? source.join("") : String(source ?? "");
  if (text === "") return [];
  const lines = text.split("\n");
  return lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l)).filter((l) => l !== "");
}

/**
 * The committed form of a parsed notebook (a new object; the input is not changed).
 * @param {any} nb
 * @returns {any}
 */
function cleanNotebook(nb) {
  const out = { ...nb, metadata: { ...(nb.metadata ?? {}) } };
  for (const key of TRANSIENT_NOTEBOOK_METADATA) delete out.metadata[key];
  out.cells = (nb.cells ?? []).map((/** @type {any} */ cell, /** @type {number} */ i) => {
    const c = { ...cell, metadata: { ...(cell.metadata ?? {}) }, source: sourceLines(cell.source) };
    for (const key of UI_CELL_METADATA) delete c.metadata[key];
    if (c.cell_type === "code") {
      c.outputs = [];
      c.execution_count = null;
    } else {
      delete c.outputs;
      delete c.execution_count;
    }
    if (c.cell_type === "markdown" && c.attachments && Object.keys(c.attachments).length === 0) delete c.attachments;
    c.id = cellId(i);
    return c;
  });
  return out;
}

/**
 * The id of the cell at `index` in a generated notebook.
 * @param {number} index
 * @returns {string}
 */
function cellId(index) {
  return `c${String(index).padStart(3, "0")}`;
}

/**
 * Committed form of a notebook's text. Text that is not a JSON notebook comes back
 * unchanged (a filter must never lose a file).
 * @param {string} text
 * @returns {string}
 */
function cleanNotebookText(text) {
  let nb;
  try {
    nb = JSON.parse(text);
  } catch {
    return text;
  }
  if (!nb || typeof nb !== "object" || !Array.isArray(nb.cells)) return text;
  return stringifyNotebook(cleanNotebook(nb));
}

module.exports = { stringifyNotebook, cleanNotebook, cleanNotebookText, cellId, sourceLines };

if (require.main === module) {
  /** @type {Buffer[]} */
  const chunks = [];
  process.stdin.on("data", (c) => chunks.push(c));
  process.stdin.on("end", () => process.stdout.write(cleanNotebookText(Buffer.concat(chunks).toString("utf8"))));
}
