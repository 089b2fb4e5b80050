/**
 * Reading what the notebooks left for the report: the section artifacts
 * (`report-<notebook>.json`), the run manifests (`manifest-<notebook>.json`) and the
 * notebook runner's log (`report/notebooks/run-log.json`).
 *
 * Sections are checked against the ReportSection contract field by field, so a broken
 * artifact fails with the file and the field named instead of a half-rendered page.
 * Manifests and the run log are optional: a notebook run by hand in Jupyter has no log entry.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readJson } from "../runtime/files";
import type { Cell } from "../viz/display";
import type { ReportSection, SectionFigure, SectionTable } from "./sections";

/** File name of a section artifact: `report-<notebook>.json`. */
export const SECTION_FILE = /^report-(.+)\.json$/;

/** File name of a run manifest: `manifest-<stage>.json`. */
export const MANIFEST_FILE = /^manifest-(.+)\.json$/;

/** File name of a notebook in run order: two digits, a dash, a name. */
export const NOTEBOOK_FILE = /^(\d\d-.+)\.ipynb$/;

/** File name of a notebook's source under notebooks/src/. */
export const NOTEBOOK_SOURCE_FILE = /^(\d\d-.+)\.ts$/;

/** A run manifest as written by ArtifactStore.writeManifest (fields the report reads). */
export interface RunManifest {
  stage: string;
  finishedAt?: string;
  seconds?: number;
  profile?: string;
  source?: string;
  seed?: number;
  backend?: string | null;
  codeVersion?: string;
  node?: string;
  /** The run-wide epoch cap (CAE_MAX_EPOCHS) the notebook ran under; null or absent: none. */
  epochCap?: number | null;
  metrics?: Record<string, unknown>;
  notes?: string[];
}

/** One notebook's entry in the runner's log. */
export interface RunLogEntry {
  seconds: number;
  ok: boolean;
  finishedAt?: string;
  profile?: string;
}

/** The notebook runner's log (report/notebooks/run-log.json). */
export interface RunLog {
  lastRunSeconds?: number;
  notebooks: Record<string, RunLogEntry>;
}

/** A section read from disk, with where it came from. */
export interface LoadedSection {
  section: ReportSection;
  /** Absolute path of the artifact. */
  file: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isCell(v: unknown): v is Cell {
  return v === null || v === undefined || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

function bad(file: string, field: string, expected: string, got: unknown): Error {
  const shown = got === undefined ? "nothing" : (JSON.stringify(got)?.slice(0, 80) ?? String(got));
  return new Error(
    `${file}: field "${field}" must be ${expected}, got ${shown}. Rerun the notebook that writes it (SectionBuilder.save) or delete the file.`,
  );
}

function cellRecord(file: string, field: string, v: unknown): Record<string, Cell> {
  if (!isRecord(v)) throw bad(file, field, "an object of label -> string | number | boolean | null", v);
  for (const [k, c] of Object.entries(v)) {
    if (!isCell(c)) throw bad(file, `${field}.${k}`, "a string, number, boolean or null", c);
  }
  return v as Record<string, Cell>;
}

/**
 * Check a parsed JSON value against the ReportSection contract.
 * @param value parsed JSON
 * @param file the file it came from (named in errors)
 */
export function validateSection(value: unknown, file: string): ReportSection {
  if (!isRecord(value)) throw bad(file, "(root)", "an object", value);
  const { notebook, order, title, headline, findings, tables, figures } = value;
  if (typeof notebook !== "string" || notebook === "") throw bad(file, "notebook", "a non-empty string", notebook);
  if (typeof order !== "number" || !Number.isFinite(order)) throw bad(file, "order", "a finite number", order);
  if (typeof title !== "string") throw bad(file, "title", "a string", title);
  const head = cellRecord(file, "headline", headline ?? {});
  if (!Array.isArray(findings) || findings.some((f) => typeof f !== "string"))
    throw bad(file, "findings", "an array of strings", findings);
  if (!Array.isArray(tables)) throw bad(file, "tables", "an array", tables);
  const checkedTables: SectionTable[] = tables.map((t, i) => {
    if (!isRecord(t)) throw bad(file, `tables[${i}]`, "an object {caption, rows}", t);
    if (typeof t.caption !== "string") throw bad(file, `tables[${i}].caption`, "a string", t.caption);
    if (!Array.isArray(t.rows)) throw bad(file, `tables[${i}].rows`, "an array of objects", t.rows);
    const rows = t.rows.map((r, j) => cellRecord(file, `tables[${i}].rows[${j}]`, r));
    return { caption: t.caption, rows };
  });
  if (!Array.isArray(figures)) throw bad(file, "figures", "an array", figures);
  const checkedFigures: SectionFigure[] = figures.map((f, i) => {
    if (!isRecord(f)) throw bad(file, `figures[${i}]`, "an object {name, caption}", f);
    if (typeof f.name !== "string" || f.name === "")
      throw bad(file, `figures[${i}].name`, "a non-empty string", f.name);
    if (typeof f.caption !== "string") throw bad(file, `figures[${i}].caption`, "a string", f.caption);
    return { name: f.name, caption: f.caption };
  });
  return {
    notebook,
    order,
    title,
    headline: head,
    findings: findings as string[],
    tables: checkedTables,
    figures: checkedFigures,
  };
}

/**
 * Read every `report-*.json` under `processedDir`, validated, in report order
 * (by `order`, then notebook name). A missing folder gives an empty list.
 */
export function readSections(processedDir: string): LoadedSection[] {
  if (!fs.existsSync(processedDir)) return [];
  const out: LoadedSection[] = [];
  for (const name of fs.readdirSync(processedDir).sort()) {
    if (!SECTION_FILE.test(name)) continue;
    const file = path.join(processedDir, name);
    out.push({ section: validateSection(readJson(file), file), file });
  }
  return out.sort((a, b) => a.section.order - b.section.order || a.section.notebook.localeCompare(b.section.notebook));
}

/**
 * Read every `manifest-*.json` under `processedDir`, keyed by stage. A manifest that is
 * not valid JSON or has no `stage` is reported in `problems` and left out.
 */
export function readManifests(processedDir: string): { manifests: Record<string, RunManifest>; problems: string[] } {
  const manifests: Record<string, RunManifest> = {};
  const problems: string[] = [];
  if (!fs.existsSync(processedDir)) return { manifests, problems };
  for (const name of fs.readdirSync(processedDir).sort()) {
    const m = MANIFEST_FILE.exec(name);
    if (!m) continue;
    const file = path.join(processedDir, name);
    try {
      const value = readJson<RunManifest>(file);
      if (!isRecord(value)) throw new Error(`${file}: not a JSON object.`);
      manifests[typeof value.stage === "string" && value.stage ? value.stage : m[1]!] = value;
    } catch (err) {
      problems.push(`Manifest ignored: ${(err as Error).message}`);
    }
  }
  return { manifests, problems };
}

/**
 * Read the notebook runner's log; null when absent. A corrupt log is reported in
 * `problem` (the report then takes durations from the manifests).
 */
export function readRunLog(reportDir: string): { log: RunLog | null; problem: string | null } {
  const file = path.join(reportDir, "notebooks", "run-log.json");
  if (!fs.existsSync(file)) return { log: null, problem: null };
  try {
    const value = readJson<RunLog>(file);
    if (!isRecord(value) || !isRecord(value.notebooks)) throw new Error(`${file}: has no "notebooks" object.`);
    const notebooks: Record<string, RunLogEntry> = {};
    for (const [name, e] of Object.entries(value.notebooks)) {
      if (isRecord(e) && typeof e.seconds === "number" && typeof e.ok === "boolean")
        notebooks[name] = e as unknown as RunLogEntry;
    }
    return {
      log: { lastRunSeconds: typeof value.lastRunSeconds === "number" ? value.lastRunSeconds : undefined, notebooks },
      problem: null,
    };
  } catch (err) {
    return { log: null, problem: `Run log ignored: ${(err as Error).message}` };
  }
}

/**
 * Notebook stems (`01-data-eda`, ...) of a notebooks folder, in run order: the
 * `NN-name.ipynb` files and their sources `src/NN-name.ts` (so a notebook whose .ipynb
 * has not been generated yet still counts).
 */
export function listNotebookStems(notebooksDir: string): string[] {
  const stems = new Set<string>();
  const scan = (dir: string, pattern: RegExp) => {
    if (!fs.existsSync(dir)) return;
    for (const f of fs.readdirSync(dir)) {
      const stem = pattern.exec(f)?.[1];
      if (stem) stems.add(stem);
    }
  };
  scan(notebooksDir, NOTEBOOK_FILE);
  scan(path.join(notebooksDir, "src"), NOTEBOOK_SOURCE_FILE);
  return [...stems].sort();
}
