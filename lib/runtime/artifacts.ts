/**
 * The artifact store: what one notebook leaves for the next.
 *
 * Tables are Parquet files under data/processed/ (readable by pandas, polars, DuckDB and
 * Arrow), written through nodejs-polars; every notebook also writes a JSON manifest with
 * its inputs, config, seed, backend, code version and metrics. A notebook that needs an
 * artifact that is missing gets an error naming the notebook that writes it.
 */
import { MODEL_PRODUCERS } from "./model-registry";
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import pl from "nodejs-polars";
import type { Config } from "../config";
import type { Matrix } from "./matrix";
import { atomicWriteJson, atomicWriteWith, readJson } from "./files";
import { currentBackend } from "./backend";
import { clearStageRunning, filesUnder, hashFiles, isStageRunning, markStageRunning } from "./stage-state";

/** A column of a table: typed arrays for numbers, string arrays for text. */
export type Column = Float64Array | Float32Array | Int32Array | Int8Array | Uint8Array | string[] | boolean[];

/** A table as named columns of equal length. */
export type Table = Record<string, Column>;

/** Which notebook writes which artifact, for "run this first" errors. */
export const ARTIFACT_PRODUCERS: Readonly<Record<string, string>> = {
  panel: "01-data-eda",
  tokens: "01-data-eda",
  features: "01-data-eda",
  dataset: "01-data-eda",
  "market-truth": "01-data-eda",
  ...Object.fromEntries(
    Object.entries(MODEL_PRODUCERS).flatMap(([m, nb]) => [
      [`latents-${m}`, nb],
      [`errors-${m}`, nb],
    ]),
  ),
};

function toSeries(name: string, col: Column): pl.Series {
  if (col instanceof Float64Array) return pl.Series(name, col, pl.Float64);
  if (col instanceof Float32Array) return pl.Series(name, col, pl.Float32);
  if (col instanceof Int32Array) return pl.Series(name, col, pl.Int32);
  if (col instanceof Int8Array) return pl.Series(name, Int32Array.from(col), pl.Int32);
  if (col instanceof Uint8Array) return pl.Series(name, Int32Array.from(col), pl.Int32);
  if (Array.isArray(col) && col.length > 0 && typeof col[0] === "boolean")
    return pl.Series(name, col as boolean[], pl.Bool);
  return pl.Series(name, col as string[], pl.Utf8);
}

/** The project's artifact folders for one config. */
export class ArtifactStore {
  /** The stage (notebook) this store is writing for, set by beginStage. */
  private stage: string | null = null;
  /** Files written through this store since beginStage (their hashes go into the manifest). */
  private readonly written = new Set<string>();

  constructor(private readonly config: Config) {}

  /** The output root (CAE_OUT): the folder holding data/processed, models, figures. */
  get outRoot(): string {
    return path.dirname(path.dirname(this.config.paths.processed));
  }

  /**
   * Start a stage: mark it running and remove its old manifest (stage-state.ts), so that
   * until writeManifest succeeds nothing trusts the stage's artifacts.
   */
  beginStage(stage: string): void {
    this.stage = stage;
    this.written.clear();
    markStageRunning(this.config.paths.processed, stage);
  }

  /** A read of `name` is refused while its producer (another stage) is marked running or was killed. */
  private refuseInterrupted(name: string): void {
    const producer = producerOf(name);
    if (producer && producer !== this.stage && isStageRunning(this.config.paths.processed, producer)) {
      throw new Error(
        `Artifact "${name}" comes from notebook ${producer}, which started but did not finish (it was interrupted, or is running now): ` +
          `its artifacts may be a mix of two runs. Rerun it first (npm run notebook -- ${producer.slice(0, 2)}).`,
      );
    }
  }

  /** Path of a table artifact. */
  tablePath(name: string): string {
    return path.join(this.config.paths.processed, `${name}.parquet`);
  }

  /** Path of a JSON artifact. */
  jsonPath(name: string): string {
    return path.join(this.config.paths.processed, `${name}.json`);
  }

  /** Write a table as Parquet (atomically). Columns must have equal lengths. */
  writeTable(name: string, table: Table): string {
    const names = Object.keys(table);
    if (names.length === 0) throw new Error(`Table "${name}" has no columns.`);
    const n = table[names[0]!]!.length;
    for (const c of names) {
      if (table[c]!.length !== n)
        throw new Error(`Table "${name}": column ${c} has ${table[c]!.length} rows, ${names[0]} has ${n}.`);
    }
    const df = pl.DataFrame(names.map((c) => toSeries(c, table[c]!)));
    const target = this.tablePath(name);
    atomicWriteWith(target, (tmp) => df.writeParquet(tmp));
    this.written.add(target);
    return target;
  }

  /** True when the table exists. */
  hasTable(name: string): boolean {
    return fs.existsSync(this.tablePath(name));
  }

  /** Read a table as a polars DataFrame; a missing table names the notebook to run first. */
  readFrame(name: string): pl.DataFrame {
    const file = this.tablePath(name);
    if (!fs.existsSync(file)) throw missingArtifact(name, file);
    this.refuseInterrupted(name);
    return pl.readParquet(file);
  }

  /** Read a table as typed columns (numbers as Float64Array/Int32Array/Float32Array, text as string[]). */
  readTable(name: string): Table {
    const df = this.readFrame(name);
    const out: Table = {};
    for (const col of df.getColumns()) out[col.name] = seriesToColumn(col);
    return out;
  }

  /** Write a JSON artifact (atomically). */
  writeJson(name: string, value: unknown): string {
    const target = this.jsonPath(name);
    atomicWriteJson(target, value);
    if (!name.startsWith("manifest-")) this.written.add(target);
    return target;
  }

  /** Read a JSON artifact; a missing one names the notebook to run first. */
  readJson<T = unknown>(name: string): T {
    const file = this.jsonPath(name);
    if (!fs.existsSync(file)) throw missingArtifact(name, file);
    this.refuseInterrupted(name);
    return readJson<T>(file);
  }

  /**
   * Write a run manifest for a notebook or stage: inputs, config, seed, backend, code
   * version, metrics and wall time.
   */
  writeManifest(
    stage: string,
    body: {
      inputs?: string[];
      outputs?: string[];
      metrics?: Record<string, unknown>;
      startedAt?: Date;
      notes?: string[];
    },
  ): string {
    const started = body.startedAt ?? new Date();
    const manifest = {
      stage,
      finishedAt: new Date().toISOString(),
      seconds: (Date.now() - started.getTime()) / 1000,
      profile: this.config.profile,
      source: this.config.source,
      seed: this.config.seed,
      backend: currentBackend(),
      codeVersion: codeVersion(this.config.paths.root),
      node: process.version,
      settings: this.config.settings,
      // The run-wide epoch cap (CAE_MAX_EPOCHS) or null: a capped run's results are not real results.
      epochCap: this.config.epochCap,
      inputs: body.inputs ?? [],
      outputs: body.outputs ?? [],
      metrics: body.metrics ?? {},
      notes: body.notes ?? [],
      // SHA-256 of every artifact written (and every listed output found): the runner's proof that they are intact.
      artifacts: hashFiles([...this.written, ...this.resolveOutputs(body.outputs ?? [])], this.outRoot),
    };
    const file = this.writeJson(`manifest-${stage}`, manifest);
    // Last: the stage is complete only once its manifest is in place.
    if (this.stage === stage) clearStageRunning(this.config.paths.processed, stage);
    return file;
  }

  /** Files behind a manifest's output names ("models/ae", "latents-ae", "dataset"), those that exist. */
  private resolveOutputs(outputs: string[]): string[] {
    return outputs.flatMap((o) => {
      if (o.includes("/")) return filesUnder(path.join(this.outRoot, o));
      const table = this.tablePath(o.replace(/\.parquet$/, ""));
      const json = this.jsonPath(o.replace(/\.json$/, ""));
      return [table, json].filter((f) => fs.existsSync(f));
    });
  }
}

/** A column of a polars Series as a typed array or string array. */
export function seriesToColumn(s: pl.Series): Column {
  const dtype = String(s.dtype);
  if (dtype.includes("Float64")) return s.toTypedArray() as Float64Array;
  if (dtype.includes("Float32")) return s.toTypedArray() as Float32Array;
  if (dtype.includes("Int32")) return s.toTypedArray() as Int32Array;
  if (dtype.includes("Int")) return Float64Array.from(s.toArray() as number[]);
  if (dtype.includes("Bool")) return s.toArray() as boolean[];
  return (s.toArray() as unknown[]).map((v) => (v === null || v === undefined ? "" : String(v)));
}

/** Matrix columns as a table fragment `{prefix0: Float32Array, ...}`. */
export function matrixColumns(m: Matrix, prefix: string): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (let j = 0; j < m.cols; j++) {
    const col = new Float32Array(m.rows);
    for (let i = 0; i < m.rows; i++) col[i] = m.data[i * m.cols + j]!;
    out[`${prefix}${j}`] = col;
  }
  return out;
}

/** Gather columns named `${prefix}0..` from a table into a matrix. */
export function columnsToMatrix(table: Table, prefix: string): Matrix {
  const names = Object.keys(table)
    .filter((k) => k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length)))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
  if (names.length === 0) throw new Error(`No columns named ${prefix}0, ${prefix}1, ... in the table.`);
  const rows = table[names[0]!]!.length;
  const data = new Float32Array(rows * names.length);
  names.forEach((name, j) => {
    const col = table[name] as ArrayLike<number>;
    for (let i = 0; i < rows; i++) data[i * names.length + j] = col[i]!;
  });
  return { data, rows, cols: names.length };
}

/** The notebook that writes artifact `name`, when known. */
function producerOf(name: string): string | undefined {
  return ARTIFACT_PRODUCERS[name] ?? Object.entries(ARTIFACT_PRODUCERS).find(([k]) => name.startsWith(k))?.[1];
}

function missingArtifact(name: string, file: string): Error {
  const producer = producerOf(name);
  const hint = producer
    ? `Run notebook ${producer} first (npm run notebook -- ${producer.slice(0, 2)}).`
    : "Run the notebooks before this one first.";
  return new Error(`Missing artifact "${name}" (${file}). ${hint}`);
}

let cachedVersion: string | null = null;

/** The code version: git commit (with "+dirty" when the tree has changes), or package version. */
export function codeVersion(root: string): string {
  if (cachedVersion !== null) return cachedVersion;
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: root,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: root,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    cachedVersion = dirty ? `${sha}+dirty` : sha;
  } catch {
    const pkg = readJson<{ version?: string }>(path.join(root, "package.json"));
    cachedVersion = `v${pkg.version ?? "0"}`;
  }
  return cachedVersion;
}
