/**
 * Evaluation (notebook 08): a fair, quantitative comparison of the four autoencoders and
 * PCA that a reviewer can check.
 *
 * Fair means: every model is scored on the same rows, scaled with the same training
 * statistics, and compared with the linear reference that sees the same input with the
 * same latent size (PCA on token-days for the AE, VAE and DAE; PCA on flattened windows for
 * the Conv1D AE, whose rows are windows and whose absolute errors are therefore not
 * comparable with the row models'). Trustworthy means: every mean comes with a cluster
 * bootstrap interval over tokens (days of one token share its regime, so rows are not
 * independent), every random draw is seeded, and every sentence of the conclusion is built
 * from the numbers.
 *
 * The module holds the stage's logic, in the notebook's order:
 *   1. error frames (per-row errors of each model) and their summaries by split, feature,
 *      sector and group, with cluster-bootstrap intervals;
 *   2. the latent-size sweep against PCA and where each model stops beating it;
 *   3. noise robustness (Gaussian noise, random masking): error against the clean input and
 *      stability of the anomaly ranking;
 *   4. temporal robustness: market regimes from realised volatility, error by month and
 *      regime, drift from train to test, an expanding-window walk-forward;
 *   5. the ranking of the models on every criterion, and chart specs for all of it.
 */

import { modelNotebook } from "../runtime/model-registry";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Autoencoder, ModelKind } from "../models/types";
import type { FitOptions, TrainHistory } from "../train/types";
import { flattenWindows, takeRows, takeWindows, type Matrix, type Windows } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import type { Table } from "../runtime/artifacts";
import { bootstrapStatistic, DEFAULT_ALPHA, type BootstrapResult } from "../stats/bootstrap";
import type { RngLike } from "../stats/descriptive";
import { compareToLevel } from "../stats/compare";
import { stratifiedSample } from "../features/sampling";
import { windowsEndingAt } from "../features/windows";
import { SPLIT_NAMES, type Dataset, type SplitName } from "../features/dataset";

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

/** The linear reference of a model: PCA with the same input (token-days or flattened windows). */
export function referenceOf(name: string): string {
  return name === "conv1d" || name === "pca-windows" ? "pca-windows" : "pca";
}

// ---------------------------------------------------------------------------------------
// Error frames
// ---------------------------------------------------------------------------------------

/** What a model scores: token-days (row models) or windows keyed by their last day (Conv1D). */
export type EvalUnit = "token-day" | "window";

/** Per-row reconstruction errors of one model, aligned with their keys. */
export interface ErrorFrame {
  /** Model name, e.g. "ae", "conv1d", "pca-windows". */
  model: string;
  unit: EvalUnit;
  /** `[n]` token index into Dataset.tokens. */
  token: Int32Array;
  /** `[n]` UTC day (for windows: the window's last day). */
  day: Int32Array;
  /** `[n]` split code (index into SPLIT_NAMES). */
  split: Int8Array;
  /** `[n]` mean squared error per value of the row (or window). */
  mse: Float64Array;
  /** `[n]` mean absolute error per value. */
  mae: Float64Array;
  /** Feature names, in column order. */
  featureNames: string[];
  /** One `[n]` column per feature: the squared error (for windows, averaged over the window's days). */
  perFeature: Float64Array[];
}

function numericColumn(table: Table, name: string, where: string): Float64Array {
  const c = table[name];
  if (!c) throw new Error(`${where} has no column "${name}".`);
  if (Array.isArray(c)) throw new Error(`${where}: column "${name}" holds text, expected numbers.`);
  return Float64Array.from(c as ArrayLike<number>);
}

/**
 * Build an error frame from an `errors-<model>` table (written by notebooks 02-05).
 * @param table columns token (id), day, split, mse, mae and e_<feature> per feature.
 * @throws naming the table and the notebook to rerun when a column, token or split is unknown.
 */
export function errorFrameFromTable(model: string, table: Table, d: Dataset, unit: EvalUnit): ErrorFrame {
  const where = `errors-${model}`;
  const rerun = ` Rerun notebook ${modelNotebook(model) ?? "02-05"}.`;
  const ids = table.token as string[] | undefined;
  const splits = table.split as string[] | undefined;
  if (!Array.isArray(ids) || !Array.isArray(splits))
    throw new Error(`${where} lacks the text columns token and split.${rerun}`);
  const index = new Map(d.tokens.map((t, i) => [t.id, i]));
  const token = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const k = index.get(ids[i]!);
    if (k === undefined) throw new Error(`${where} row ${i} names token "${ids[i]}" that the dataset lacks.${rerun}`);
    token[i] = k;
  }
  const split = new Int8Array(ids.length);
  for (let i = 0; i < splits.length; i++) {
    const s = (SPLIT_NAMES as readonly string[]).indexOf(splits[i]!);
    if (s < 0)
      throw new Error(`${where} row ${i} has split "${splits[i]}"; expected one of ${SPLIT_NAMES.join(", ")}.${rerun}`);
    split[i] = s;
  }
  const day = table.day instanceof Int32Array ? table.day : Int32Array.from(numericColumn(table, "day", where));
  const perFeature = d.meta.featureNames.map((f) => {
    if (!table[`e_${f}`]) throw new Error(`${where} has no per-feature error column "e_${f}".${rerun}`);
    return numericColumn(table, `e_${f}`, where);
  });
  return {
    model,
    unit,
    token,
    day,
    split,
    mse: numericColumn(table, "mse", where),
    mae: numericColumn(table, "mae", where),
    featureNames: [...d.meta.featureNames],
    perFeature,
  };
}

/** Row keys of an error frame built from scores. */
export interface FrameKeys {
  token: Int32Array;
  day: Int32Array;
  split: Int8Array;
}

/**
 * Rows to score, made a block at a time: `block(start, end)` returns rows start..end-1 as a
 * matrix. Lets a caller score rows it never holds at once, e.g. the flattened windows
 * ending on every evaluated day (~580k windows x 510 values = 1.2 GB on the full profile),
 * cut from the panel block by block (windowRowsEndingAt).
 */
export interface RowBlocks {
  rows: number;
  cols: number;
  block(start: number, end: number): Matrix;
}

/**
 * Rows per scoring block: 8,192. A block's working set is its input, the model's float64
 * reconstruction and float32 per-value errors: ~16 bytes per value, 67 MB at 510 values per
 * row (30-day windows of 17 features), against ~4.7 GB for the full profile's ~580k such rows
 * in one piece; 8,192 rows keep the per-block overhead negligible.
 */
export const SCORE_BLOCK_ROWS = 8192;

/** The flattened windows of `length` rows of `X` ending at `endRows`, as blocks (see windowsEndingAt). */
export function windowRowsEndingAt(X: Matrix, endRows: Int32Array, length: number): RowBlocks {
  return {
    rows: endRows.length,
    cols: length * X.cols,
    block: (start, end) => flattenWindows(windowsEndingAt(X, endRows.subarray(start, end), length)),
  };
}

/**
 * Build an error frame by scoring a model, SCORE_BLOCK_ROWS rows at a time (peak memory
 * stays that of one block whatever the row count). For a model over flattened windows
 * (`[n, windowLength * nFeatures]`, time-major as flattenWindows lays them out) pass
 * `windowLength`: per-feature errors are then averaged over the window's days, as the Conv1D
 * model's own scores are.
 */
export function errorFrameFromModel(
  modelName: string,
  model: Autoencoder<Matrix>,
  x: Matrix | RowBlocks,
  keys: FrameKeys,
  featureNames: string[],
  unit: EvalUnit,
  windowLength = 1,
): ErrorFrame {
  if (keys.token.length !== x.rows)
    throw new Error(`errorFrameFromModel: ${keys.token.length} keys for ${x.rows} rows; align them row by row.`);
  const f = featureNames.length;
  if (x.cols !== f * windowLength)
    throw new Error(`errorFrameFromModel: input has ${x.cols} columns, expected ${windowLength} x ${f} features.`);
  const block = "block" in x ? x.block : (start: number, end: number) => rowBlock(x, start, end);
  const mse = new Float64Array(x.rows);
  const mae = new Float64Array(x.rows);
  const perFeature = featureNames.map(() => new Float64Array(x.rows));
  for (let start = 0; start < x.rows; start += SCORE_BLOCK_ROWS) {
    const end = Math.min(x.rows, start + SCORE_BLOCK_ROWS);
    const b = block(start, end);
    const s = model.score(b, "mse");
    mse.set(s.perRow, start);
    mae.set(model.score(b, "mae").perRow, start);
    const pf = s.perFeature;
    for (let i = 0; i < end - start; i++) {
      for (let t = 0; t < windowLength; t++) {
        for (let j = 0; j < f; j++) perFeature[j]![start + i] += pf.data[i * pf.cols + t * f + j]! / windowLength;
      }
    }
  }
  return {
    model: modelName,
    unit,
    token: keys.token,
    day: keys.day,
    split: keys.split,
    mse,
    mae,
    featureNames: [...featureNames],
    perFeature,
  };
}

/** Rows start..end-1 of a matrix, as a view (no copy). */
function rowBlock(x: Matrix, start: number, end: number): Matrix {
  return { data: x.data.subarray(start * x.cols, end * x.cols), rows: end - start, cols: x.cols };
}

/** Throw unless two frames describe the same rows in the same order (needed for paired comparisons). */
export function assertSameRows(a: ErrorFrame, b: ErrorFrame): void {
  if (a.token.length !== b.token.length)
    throw new Error(
      `${a.model} has ${a.token.length} rows but ${b.model} has ${b.token.length}; paired comparisons need the same rows (rerun the model notebooks on one dataset).`,
    );
  for (let i = 0; i < a.token.length; i++) {
    if (a.token[i] !== b.token[i] || a.day[i] !== b.day[i] || a.split[i] !== b.split[i]) {
      throw new Error(
        `${a.model} and ${b.model} differ at row ${i} (token ${a.token[i]} vs ${b.token[i]}, day ${a.day[i]} vs ${b.day[i]}); rerun the model notebooks on one dataset.`,
      );
    }
  }
}

/** Row indices of a frame whose split code is in `splits`. */
export function rowsOfSplits(frame: Pick<ErrorFrame, "split">, splits: number[]): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < frame.split.length; i++) if (splits.includes(frame.split[i]!)) out.push(i);
  return Int32Array.from(out);
}

// ---------------------------------------------------------------------------------------
// Cluster bootstrap of means, fast
// ---------------------------------------------------------------------------------------

/** Options of the cluster-bootstrap helpers. */
export interface ClusterCIOptions {
  /** Replicates (>= 2). */
  nBoot: number;
  /** Two-sided error rate (default 0.05: a 95% interval). */
  alpha?: number;
  /** Stream or seed of the resampling. */
  rng: RngLike;
}

/** Per-cluster sums and counts over some rows, clusters in order of first appearance. */
function clusterSums(
  values: ArrayLike<number>,
  groups: ArrayLike<number>,
  rows: ArrayLike<number> | null,
  order: Map<number, number>,
  sums: number[],
  counts: number[],
): void {
  const n = rows ? rows.length : values.length;
  for (let q = 0; q < n; q++) {
    const i = rows ? rows[q]! : q;
    const v = values[i]!;
    if (!Number.isFinite(v))
      throw new Error(
        `clusterMeanCI: value at row ${i} is ${v}; errors must be finite (a NaN error means a diverged model).`,
      );
    const g = groups[i]!;
    let c = order.get(g);
    if (c === undefined) {
      c = sums.length;
      order.set(g, c);
      sums.push(0);
      counts.push(0);
    }
    sums[c] += v;
    counts[c] += 1;
  }
}

function asClusters(r: BootstrapResult): BootstrapResult {
  return {
    ...r,
    resampled: "clusters",
    warnings: r.warnings.map((w) => w.replace(" rows were resampled", " clusters were resampled")),
  };
}

/**
 * Cluster-bootstrap interval of a mean over rows: each replicate draws as many clusters as
 * there are, with replacement, and takes the mean over all rows of the drawn clusters.
 * Identical in distribution (and, for the same seed, in its draws) to
 * `clusterBootstrapCI(values[rows], groups[rows], { rng })` with the mean statistic, but it
 * aggregates each cluster once, so a replicate costs O(clusters) instead of O(rows).
 * @param values `[n]` finite per-row values (e.g. squared errors).
 * @param groups `[n]` cluster id per row (e.g. token index).
 * @param rows optional subset of row indices (e.g. the test split); default all rows.
 */
export function clusterMeanCI(
  values: ArrayLike<number>,
  groups: ArrayLike<number>,
  options: ClusterCIOptions & { rows?: ArrayLike<number> },
): BootstrapResult {
  if (groups.length !== values.length)
    throw new Error(
      `clusterMeanCI: groups has ${groups.length} values but values has ${values.length}; align them row by row.`,
    );
  const order = new Map<number, number>();
  const sums: number[] = [];
  const counts: number[] = [];
  clusterSums(values, groups, options.rows ?? null, order, sums, counts);
  if (sums.length === 0) throw new Error("clusterMeanCI: no rows selected; pass at least one row.");
  const s = Float64Array.from(sums);
  const c = Float64Array.from(counts);
  return asClusters(
    bootstrapStatistic(
      s.length,
      (idx) => {
        let a = 0;
        let b = 0;
        for (let k = 0; k < idx.length; k++) {
          a += s[idx[k]!]!;
          b += c[idx[k]!]!;
        }
        return a / b;
      },
      { nBoot: options.nBoot, alpha: options.alpha ?? DEFAULT_ALPHA, rng: options.rng },
    ),
  );
}

/**
 * Cluster-bootstrap interval of a ratio of two means over two row sets of the same clusters,
 * e.g. test error ÷ train error over tokens (a token drawn once brings its train and its
 * test rows). Replicates whose denominator has no rows are dropped and counted (nValid).
 */
export function clusterRatioCI(
  values: ArrayLike<number>,
  groups: ArrayLike<number>,
  numeratorRows: ArrayLike<number>,
  denominatorRows: ArrayLike<number>,
  options: ClusterCIOptions,
): BootstrapResult {
  if (groups.length !== values.length)
    throw new Error(
      `clusterRatioCI: groups has ${groups.length} values but values has ${values.length}; align them row by row.`,
    );
  if (numeratorRows.length === 0 || denominatorRows.length === 0)
    throw new Error("clusterRatioCI: both row sets need at least one row.");
  const order = new Map<number, number>();
  const sN: number[] = [],
    cN: number[] = [],
    sD: number[] = [],
    cD: number[] = [];
  clusterSums(values, groups, numeratorRows, order, sN, cN);
  // Denominator rows may bring clusters the numerator lacks: keep one index space.
  const dOrder = new Map<number, number>();
  const dSums: number[] = [],
    dCounts: number[] = [];
  clusterSums(values, groups, denominatorRows, dOrder, dSums, dCounts);
  for (const [g, k] of dOrder) {
    let c = order.get(g);
    if (c === undefined) {
      c = sN.length;
      order.set(g, c);
      sN.push(0);
      cN.push(0);
    }
    while (sD.length <= c) {
      sD.push(0);
      cD.push(0);
    }
    sD[c] = dSums[k]!;
    cD[c] = dCounts[k]!;
  }
  while (sD.length < sN.length) {
    sD.push(0);
    cD.push(0);
  }
  const n = sN.length;
  return asClusters(
    bootstrapStatistic(
      n,
      (idx) => {
        let a = 0,
          b = 0,
          e = 0,
          f = 0;
        for (let k = 0; k < idx.length; k++) {
          const c = idx[k]!;
          a += sN[c]!;
          b += cN[c]!;
          e += sD[c]!;
          f += cD[c]!;
        }
        return b > 0 && f > 0 && e > 0 ? a / b / (e / f) : NaN;
      },
      { nBoot: options.nBoot, alpha: options.alpha ?? DEFAULT_ALPHA, rng: options.rng },
    ),
  );
}

// ---------------------------------------------------------------------------------------
// Summaries of error frames
// ---------------------------------------------------------------------------------------

/** Options of the summaries: replicates (0 = no intervals) and the stream they fork from. */
export interface SummaryOptions {
  nBoot: number;
  rng: Rng;
  alpha?: number;
}

export function ci(
  values: ArrayLike<number>,
  groups: ArrayLike<number>,
  rows: Int32Array,
  o: SummaryOptions,
  label: string,
): { estimate: number; lo: number; hi: number } {
  if (o.nBoot < 2) {
    let s = 0;
    for (let q = 0; q < rows.length; q++) s += values[rows[q]!]!;
    return { estimate: s / rows.length, lo: NaN, hi: NaN };
  }
  const r = clusterMeanCI(values, groups, { rows, nBoot: o.nBoot, alpha: o.alpha, rng: o.rng.fork(label) });
  return { estimate: r.estimate, lo: r.lo, hi: r.hi };
}

function distinctCount(values: ArrayLike<number>, rows: Int32Array): number {
  const s = new Set<number>();
  for (let q = 0; q < rows.length; q++) s.add(values[rows[q]!]!);
  return s.size;
}

/** MSE and MAE of one model on one split, with cluster-bootstrap intervals over tokens. */
export interface SplitErrorRow {
  model: string;
  unit: EvalUnit;
  split: SplitName;
  rows: number;
  tokens: number;
  mse: number;
  mseLo: number;
  mseHi: number;
  mae: number;
  maeLo: number;
  maeHi: number;
}

/**
 * MSE and MAE per model on train, validation and test, with 1 - alpha intervals from a
 * cluster bootstrap over tokens. Each interval forks its own stream from `rng` by
 * (model, split, metric), so adding a model does not change another model's interval.
 */
export function splitErrorSummary(frames: ErrorFrame[], options: SummaryOptions): SplitErrorRow[] {
  const out: SplitErrorRow[] = [];
  for (const f of frames) {
    for (const code of [0, 1, 2]) {
      const rows = rowsOfSplits(f, [code]);
      if (rows.length === 0) continue;
      const split = SPLIT_NAMES[code]!;
      const m = ci(f.mse, f.token, rows, options, `${f.model}|${split}|mse`);
      const a = ci(f.mae, f.token, rows, options, `${f.model}|${split}|mae`);
      out.push({
        model: f.model,
        unit: f.unit,
        split,
        rows: rows.length,
        tokens: distinctCount(f.token, rows),
        mse: m.estimate,
        mseLo: m.lo,
        mseHi: m.hi,
        mae: a.estimate,
        maeLo: a.lo,
        maeHi: a.hi,
      });
    }
  }
  return out;
}

/** A mean over a group of rows with its interval. */
export interface GroupErrorRow {
  model: string;
  group: string;
  rows: number;
  tokens: number;
  value: number;
  lo: number;
  hi: number;
}

/**
 * Mean error of a model by group (sector, regime, month, ...) over some rows, with
 * cluster-bootstrap intervals over tokens when `nBoot >= 2`.
 * @param labels `[n]` group label per row, or null to leave the row out.
 * @param o.rows the rows to use (default all); o.metric "mse" (default), "mae" or a per-feature column index.
 * @param o.order groups in this order first (others follow alphabetically).
 */
export function groupedErrorSummary(
  frame: ErrorFrame,
  labels: ArrayLike<string | null>,
  o: SummaryOptions & { rows?: Int32Array; metric?: "mse" | "mae"; order?: string[] },
): GroupErrorRow[] {
  if (labels.length !== frame.token.length)
    throw new Error(
      `groupedErrorSummary: ${labels.length} labels for ${frame.token.length} rows of ${frame.model}; pass one label per row.`,
    );
  const values = o.metric === "mae" ? frame.mae : frame.mse;
  const byGroup = new Map<string, number[]>();
  const rows = o.rows ?? Int32Array.from({ length: frame.token.length }, (_, i) => i);
  for (let q = 0; q < rows.length; q++) {
    const i = rows[q]!;
    const g = labels[i];
    if (g === null || g === undefined) continue;
    let list = byGroup.get(g);
    if (!list) byGroup.set(g, (list = []));
    list.push(i);
  }
  const order = o.order ?? [];
  const groups = [...byGroup.keys()].sort((a, b) => {
    const ia = order.indexOf(a),
      ib = order.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return groups.map((g) => {
    const r = Int32Array.from(byGroup.get(g)!);
    const m = ci(values, frame.token, r, o, `${frame.model}|group|${g}|${o.metric ?? "mse"}`);
    return {
      model: frame.model,
      group: g,
      rows: r.length,
      tokens: distinctCount(frame.token, r),
      value: m.estimate,
      lo: m.lo,
      hi: m.hi,
    };
  });
}

/** Per-feature MSE of one model on one split. */
export interface FeatureErrorRow {
  model: string;
  feature: string;
  mse: number;
  lo: number;
  hi: number;
}

/** Mean squared error of each feature on the given split (default test), with intervals. */
export function featureErrorSummary(frame: ErrorFrame, o: SummaryOptions & { split?: number }): FeatureErrorRow[] {
  const rows = rowsOfSplits(frame, [o.split ?? 2]);
  if (rows.length === 0)
    throw new Error(`featureErrorSummary: ${frame.model} has no rows in split ${SPLIT_NAMES[o.split ?? 2]}.`);
  return frame.featureNames.map((f, j) => {
    const m = ci(frame.perFeature[j]!, frame.token, rows, o, `${frame.model}|feature|${f}`);
    return { model: frame.model, feature: f, mse: m.estimate, lo: m.lo, hi: m.hi };
  });
}

/** A model's error minus its reference's on the same rows. */
export interface PairedDifference {
  model: string;
  reference: string;
  split: SplitName;
  modelMse: number;
  referenceMse: number;
  /** Mean of (model - reference) per-row MSE; negative = the model is better. */
  difference: number;
  lo: number;
  hi: number;
  /** difference ÷ referenceMse. */
  relative: number;
}

/**
 * Paired comparison of two models on the same rows: the mean per-row MSE difference with a
 * cluster-bootstrap interval over tokens. Pairing removes the variation that both models
 * share (hard days are hard for both), so the interval is much narrower than comparing two
 * separate intervals.
 */
export function pairedDifference(
  frame: ErrorFrame,
  reference: ErrorFrame,
  o: SummaryOptions & { split?: number },
): PairedDifference {
  assertSameRows(frame, reference);
  const code = o.split ?? 2;
  const rows = rowsOfSplits(frame, [code]);
  const diff = new Float64Array(frame.mse.length);
  for (let i = 0; i < diff.length; i++) diff[i] = frame.mse[i]! - reference.mse[i]!;
  const d = ci(diff, frame.token, rows, o, `${frame.model}-${reference.model}|${code}`);
  let a = 0,
    b = 0;
  for (let q = 0; q < rows.length; q++) {
    a += frame.mse[rows[q]!]!;
    b += reference.mse[rows[q]!]!;
  }
  a /= rows.length;
  b /= rows.length;
  return {
    model: frame.model,
    reference: reference.model,
    split: SPLIT_NAMES[code]!,
    modelMse: a,
    referenceMse: b,
    difference: d.estimate,
    lo: d.lo,
    hi: d.hi,
    relative: d.estimate / b,
  };
}

/** "0.1234 [0.1100, 0.1350]": an estimate with its interval, for tables. */
export function formatCI(estimate: number, lo: number, hi: number, digits = 4): string {
  const f = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(digits) : v.toExponential(2));
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return f(estimate);
  return `${f(estimate)} [${f(lo)}, ${f(hi)}]`;
}

/**
 * One word on a paired difference (stats/compare against 0): "lower" / "higher" when the
 * interval excludes 0, else "not different".
 */
export function differenceVerdict(p: Pick<PairedDifference, "lo" | "hi">): "lower" | "higher" | "not different" {
  const v = compareToLevel({ value: (p.lo + p.hi) / 2, lo: p.lo, hi: p.hi }, 0);
  return v === "higher" || v === "lower" ? v : "not different";
}

// ---------------------------------------------------------------------------------------
// Latent-size sweep
// ---------------------------------------------------------------------------------------

/** A saved model's kind and fully resolved options (from models/<name>/meta.json). */
export interface SavedModelSpec {
  name: string;
  kind: ModelKind;
  options: Record<string, unknown>;
}

/** Read a saved model's kind and options, to rebuild it at other latent sizes. */
export function readSavedModelSpec(modelsDir: string, name: string): SavedModelSpec {
  const file = path.join(modelsDir, name, "meta.json");
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: run notebook ${modelNotebook(name) ?? "02-05"} first.`);
  const meta = JSON.parse(fs.readFileSync(file, "utf8")) as { kind: ModelKind; options: Record<string, unknown> };
  if (!meta.kind || !meta.options)
    throw new Error(`${file} has no kind or options: rerun notebook ${modelNotebook(name) ?? "02-05"}.`);
  return { name, kind: meta.kind, options: meta.options };
}

/** How the sweep trains a model (the notebook passes trainWithProgress). */
export type TrainFunction<X> = (
  model: Autoencoder<X>,
  train: X,
  validation: X,
  fit: FitOptions,
) => Promise<TrainHistory>;

export function meanSquaredError(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s / a.length;
}

// ---------------------------------------------------------------------------------------
// Inputs: subsamples and adapters
// ---------------------------------------------------------------------------------------

/** A stratified subsample of one split's scaled rows. */
export interface RowSubsample {
  /** `[k, nFeatures]` scaled rows. */
  x: Matrix;
  /** `[k]` dataset row index of each row. */
  rows: Int32Array;
  note: string;
}

/** At most `max` rows of a split, stratified by token and quarter (all rows when fewer). */
export function subsampleRows(d: Dataset, which: "train" | "validation" | "test", max: number, rng: Rng): RowSubsample {
  const idx = d.idx[which];
  if (idx.length === 0)
    throw new Error(`subsampleRows: the ${which} split is empty; rerun notebook 01 with more days of data.`);
  const s = stratifiedSample(
    { token: Int32Array.from(idx, (i) => d.token[i]!), day: Int32Array.from(idx, (i) => d.day[i]!) },
    Math.min(max, idx.length),
    rng,
  );
  const rows = Int32Array.from(s.indices, (k) => idx[k]!);
  return { x: takeRows(d.X, rows), rows, note: `${which}: ${s.note}` };
}

/** A stratified subsample of windows. */
export interface WindowSubsample {
  /** `[k, L, nFeatures]`. */
  windows: Windows;
  /** `[k]` position of each window in the input stack. */
  index: Int32Array;
  note: string;
}

/** At most `max` windows, stratified by token and quarter of the window's last day. */
export function subsampleWindows(
  windows: Windows,
  token: Int32Array,
  endDay: Int32Array,
  max: number,
  rng: Rng,
  label = "windows",
): WindowSubsample {
  if (token.length !== windows.n || endDay.length !== windows.n)
    throw new Error(
      `subsampleWindows: ${windows.n} windows but ${token.length} tokens and ${endDay.length} end days; pass the keys of these windows.`,
    );
  const s = stratifiedSample({ token, day: endDay }, Math.min(max, windows.n), rng);
  return {
    windows: s.sampled ? takeWindows(windows, s.indices) : windows,
    index: s.indices,
    note: `${label}: ${s.note}`,
  };
}

/**
 * A PCA fitted on flattened windows, seen as a model over windows (for the noise test,
 * which feeds both Conv1D and its PCA the same corrupted windows).
 */
export function windowAdapter(
  pca: Pick<Autoencoder<Matrix>, "reconstruct">,
): Pick<Autoencoder<Windows>, "reconstruct"> {
  return { reconstruct: (x: Windows) => ({ ...x, data: pca.reconstruct(flattenWindows(x)).data }) };
}
