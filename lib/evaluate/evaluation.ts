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
import { type Row, compactRows } from "../runtime/rows";
import { modelLabel, modelNotebook } from "../runtime/model-registry";

export { modelLabel };
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProfileName } from "../config";
import type { Autoencoder, ModelKind } from "../models/types";
import type { FitOptions, TrainHistory } from "../train/types";
import { createModel } from "../models/load";
import { flattenWindows, takeRows, takeWindows, type Matrix, type Windows } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import type { Table, Column } from "../runtime/artifacts";
import { bootstrapStatistic, DEFAULT_ALPHA, type BootstrapResult } from "../stats/bootstrap";
import { addGaussianNoise, randomMask, type HasFloat32Data } from "./noise";
import { quantileSorted, type RngLike } from "../stats/descriptive";
import { mean, spearman } from "../stats/descriptive";
import { StandardScaler, DEFAULT_CLIP } from "../features/scaler";
import { dayToIso, isoToDay } from "../data/panel";
import { stratifiedSample } from "../features/sampling";
import { SPLIT_NAMES, type Dataset, type SplitName } from "../features/dataset";
import { meanBaseline } from "../stages/modeling";
import type { VlSpec } from "../viz/render";

// ---------------------------------------------------------------------------------------
// Budgets
// ---------------------------------------------------------------------------------------

/** What the evaluation may spend on a profile: replicates, sweep sizes, epochs, folds. */
export interface EvaluationBudget {
  /** Bootstrap replicates of every interval. */
  nBoot: number;
  /** Latent sizes of the sweep for the dense models (AE, VAE, DAE) and token-day PCA. */
  latentDims: number[];
  /** Latent sizes of the sweep for the Conv1D AE and window PCA. */
  convLatentDims: number[];
  /** Most training rows of each sweep model (stratified by token and quarter). */
  sweepTrainRows: number;
  /** Most validation rows used for early stopping in the sweep. */
  sweepValidationRows: number;
  /** Epoch budget of each dense sweep model. */
  sweepEpochs: number;
  /** Early-stopping patience in the sweep and the walk-forward. */
  sweepPatience: number;
  /** Most training windows of each Conv1D sweep model. */
  convTrainWindows: number;
  /** Epoch budget of each Conv1D sweep model. */
  convEpochs: number;
  /** Gaussian noise levels, in training standard deviations of each feature. */
  noiseStds: number[];
  /** Shares of values masked (set to 0, the training mean). */
  maskFractions: number[];
  /** Most test windows in the Conv1D noise test (the row models use every test row). */
  noiseMaxWindows: number;
  /** Expanding walk-forward folds. */
  walkForwardFolds: number;
  /** Most training rows of each walk-forward AE. */
  walkForwardTrainRows: number;
  /** Epoch budget of each walk-forward AE. */
  walkForwardEpochs: number;
}

/** Noise levels for every profile: from mild (0.1 sd) to as large as the signal (1 sd). */
const NOISE_STDS = [0.1, 0.25, 0.5, 1];
/** Masked shares for every profile: the DAE trains with 10%, so 25% and 50% go beyond it. */
const MASK_FRACTIONS = [0.1, 0.25, 0.5];

/**
 * Budgets per profile. The sweep trains 3 dense kinds x |latentDims| models plus Conv1D x
 * |convLatentDims|; on the default profile that is 12 dense models on at most 40k rows for
 * at most 20 epochs (measured ~0.15-0.3 s per epoch each on wasm) and 3 Conv1D models on
 * 8k windows for at most 12 epochs (~1 s per epoch), which keeps notebook 08 within a few
 * minutes on two cores. ci is a smoke test with tiny budgets.
 */
export const EVALUATION_BUDGETS: Record<ProfileName, EvaluationBudget> = {
  ci: {
    nBoot: 200,
    latentDims: [2, 4, 8, 16],
    convLatentDims: [4, 16],
    sweepTrainRows: 3000,
    sweepValidationRows: 1000,
    sweepEpochs: 4,
    sweepPatience: 2,
    convTrainWindows: 600,
    convEpochs: 3,
    noiseStds: NOISE_STDS,
    maskFractions: MASK_FRACTIONS,
    noiseMaxWindows: 500,
    walkForwardFolds: 3,
    walkForwardTrainRows: 2000,
    walkForwardEpochs: 3,
  },
  default: {
    nBoot: 1000,
    latentDims: [2, 4, 8, 16],
    convLatentDims: [4, 8, 16],
    sweepTrainRows: 40000,
    sweepValidationRows: 8000,
    sweepEpochs: 20,
    sweepPatience: 3,
    convTrainWindows: 8000,
    convEpochs: 12,
    noiseStds: NOISE_STDS,
    maskFractions: MASK_FRACTIONS,
    noiseMaxWindows: 4000,
    walkForwardFolds: 4,
    walkForwardTrainRows: 20000,
    walkForwardEpochs: 20,
  },
  full: {
    nBoot: 2000,
    latentDims: [2, 4, 6, 8, 12, 16],
    convLatentDims: [4, 8, 16, 32],
    sweepTrainRows: 150000,
    sweepValidationRows: 30000,
    sweepEpochs: 40,
    sweepPatience: 6,
    convTrainWindows: 40000,
    convEpochs: 25,
    noiseStds: NOISE_STDS,
    maskFractions: MASK_FRACTIONS,
    noiseMaxWindows: 20000,
    walkForwardFolds: 4,
    walkForwardTrainRows: 80000,
    walkForwardEpochs: 30,
  },
};

/** The budget of a profile. */
export function evaluationBudget(profile: ProfileName): EvaluationBudget {
  const b = EVALUATION_BUDGETS[profile];
  if (!b)
    throw new Error(
      `No evaluation budget for profile "${profile}". Known: ${Object.keys(EVALUATION_BUDGETS).join(", ")}.`,
    );
  return b;
}

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
 * Build an error frame by scoring a model. For a model over flattened windows
 * (`[n, windowLength * nFeatures]`, time-major as flattenWindows lays them out) pass
 * `windowLength`: per-feature errors are then averaged over the window's days, as the Conv1D
 * model's own scores are.
 */
export function errorFrameFromModel(
  modelName: string,
  model: Autoencoder<Matrix>,
  x: Matrix,
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
  const s = model.score(x, "mse");
  const mae = model.score(x, "mae").perRow;
  const perFeature = featureNames.map(() => new Float64Array(x.rows));
  const pf = s.perFeature;
  for (let i = 0; i < x.rows; i++) {
    for (let t = 0; t < windowLength; t++) {
      for (let j = 0; j < f; j++) perFeature[j]![i] += pf.data[i * pf.cols + t * f + j]! / windowLength;
    }
  }
  return {
    model: modelName,
    unit,
    token: keys.token,
    day: keys.day,
    split: keys.split,
    mse: Float64Array.from(s.perRow),
    mae: Float64Array.from(mae),
    featureNames: [...featureNames],
    perFeature,
  };
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

function ci(
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

/** One word on a paired difference: "lower" / "higher" when the interval excludes 0, else "not different". */
export function differenceVerdict(p: Pick<PairedDifference, "lo" | "hi">): "lower" | "higher" | "not different" {
  if (p.hi < 0) return "lower";
  if (p.lo > 0) return "higher";
  return "not different";
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

/** One trained model of the sweep. */
export interface SweepPoint {
  model: string;
  /** The PCA this point is compared with ("pca" or "pca-windows"). */
  reference: string;
  unit: EvalUnit;
  latentDim: number;
  /** Test MSE per value. */
  testMse: number;
  /** Test MSE of predicting the training mean (same training rows). */
  baselineMse: number;
  /** Share of the test variance reconstructed: 1 - testMse ÷ baselineMse. */
  explained: number;
  /** Epochs run (0 for PCA, which has a closed form). */
  epochs: number;
  stopReason: string;
  seconds: number;
}

function meanSquaredError(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s / a.length;
}

/** Options of a model rebuilt at another latent size (same architecture; VAE warm-up scaled to the epoch budget as notebook 03 does). */
export function sweepModelOptions(spec: SavedModelSpec, latentDim: number, maxEpochs: number): Record<string, unknown> {
  const o: Record<string, unknown> = { ...spec.options, latentDim, name: `${spec.name}-z${latentDim}` };
  if (spec.kind === "vae") o.warmupEpochs = Math.max(2, Math.round(maxEpochs / 6));
  return o;
}

/**
 * Test MSE of PCA with k = 1..K components from ONE fit with K components. PCA components
 * are nested (the first k of the K-component solution are the k-component solution) and
 * orthonormal, so for a row x with code z = (x - mean) W:
 *   ||x - x̂_k||² = ||x - x̂_K||² + sum_{j=k+1..K} z_j²,
 * which saves an eigendecomposition per size (the costly step for flattened windows).
 * @param pca a fitted PCA with latentDim >= max(dims), components sorted by variance.
 * @param x `[n, d]` rows to score.
 * @returns the MSE per value at each requested size, in the order of `dims`.
 */
export function nestedPcaMse(
  pca: Pick<Autoencoder<Matrix>, "encode" | "reconstruct" | "latentDim">,
  x: Matrix,
  dims: number[],
): number[] {
  const K = pca.latentDim;
  const bad = dims.filter((k) => !Number.isInteger(k) || k < 1 || k > K);
  if (bad.length)
    throw new Error(
      `nestedPcaMse: sizes [${bad.join(", ")}] are outside 1..${K} (the PCA's latent size); fit the PCA with the largest size.`,
    );
  const base = meanSquaredError(pca.reconstruct(x).data, x.data) * x.data.length;
  const z = pca.encode(x);
  // tail[k] = sum over rows of z_j² for components j >= k (0-based), k = 0..K.
  const colSq = new Float64Array(K);
  for (let i = 0; i < z.rows; i++) for (let j = 0; j < K; j++) colSq[j] += z.data[i * K + j]! ** 2;
  return dims.map((k) => {
    let tail = 0;
    for (let j = k; j < K; j++) tail += colSq[j]!;
    return (base + tail) / x.data.length;
  });
}

/**
 * Train each model of `specs` at every latent size on the same data, and PCA of the same
 * sizes on the same training rows (one fit at the largest size, see nestedPcaMse); score
 * all on the test input, with the training-mean predictor as the floor.
 * @param data row matrices `[n, nFeatures]` (row models) or windows `[n, L, nFeatures]`.
 * @param o.referenceName name of the PCA points ("pca" or "pca-windows").
 * @param o.toMatrix how PCA sees the input (identity for rows, flattenWindows for windows).
 * @param o.pcaFeatureNames PCA column names (the flattened window names for windows).
 * @param o.onPoint called after each point (progress).
 */
export async function latentSweep<X extends HasFloat32Data>(
  specs: SavedModelSpec[],
  data: { train: X; validation: X; test: X },
  o: {
    latentDims: number[];
    fit: FitOptions;
    unit: EvalUnit;
    referenceName: string;
    toMatrix: (x: X) => Matrix;
    pcaFeatureNames: string[];
    train?: TrainFunction<X>;
    onPoint?: (p: SweepPoint) => void;
  },
): Promise<SweepPoint[]> {
  const dims = [...new Set(o.latentDims)].sort((a, b) => a - b);
  if (dims.length === 0 || dims.some((k) => !Number.isInteger(k) || k < 1))
    throw new Error(`latentSweep: latent sizes must be positive integers, got [${o.latentDims.join(", ")}].`);
  const trainM = o.toMatrix(data.train),
    valM = o.toMatrix(data.validation),
    testM = o.toMatrix(data.test);
  const maxPca = Math.min(o.pcaFeatureNames.length, trainM.rows);
  const tooBig = dims.filter((k) => k > maxPca);
  if (tooBig.length)
    throw new Error(
      `latentSweep: latent sizes [${tooBig.join(", ")}] exceed what PCA can give (${maxPca} = min(features, training rows)); drop them from the budget.`,
    );
  const train = o.train ?? ((m, tr, va, fit) => m.fit(tr, va, fit));
  const baselineMse = meanBaseline(trainM, testM).mse;
  const point = (
    model: string,
    k: number,
    testMse: number,
    epochs: number,
    stopReason: string,
    seconds: number,
  ): SweepPoint => ({
    model,
    reference: o.referenceName,
    unit: o.unit,
    latentDim: k,
    testMse,
    baselineMse,
    explained: 1 - testMse / baselineMse,
    epochs,
    stopReason,
    seconds,
  });
  const out: SweepPoint[] = [];
  const t0 = Date.now();
  const K = dims[dims.length - 1]!;
  const pca = createModel("pca", { name: `${o.referenceName}-z${K}`, featureNames: o.pcaFeatureNames, latentDim: K });
  try {
    await pca.fit(trainM, valM, o.fit);
    const mses = nestedPcaMse(pca, testM, dims);
    const seconds = (Date.now() - t0) / 1000;
    dims.forEach((k, i) => {
      const p = point(o.referenceName, k, mses[i]!, 0, "closed form", seconds / dims.length);
      out.push(p);
      o.onPoint?.(p);
    });
  } finally {
    pca.dispose();
  }
  for (const spec of specs) {
    for (const k of dims) {
      const t1 = Date.now();
      const model = createModel(
        spec.kind,
        sweepModelOptions(spec, k, o.fit.maxEpochs) as never,
      ) as unknown as Autoencoder<X>;
      try {
        const h = await train(model, data.train, data.validation, o.fit);
        const p = point(
          spec.name,
          k,
          meanSquaredError(model.reconstruct(data.test).data, data.test.data),
          h.epochs.length,
          h.stopReason,
          (Date.now() - t1) / 1000,
        );
        out.push(p);
        o.onPoint?.(p);
      } finally {
        model.dispose();
      }
    }
  }
  return out;
}

/** A ratio with 3 significant digits ("1.02", "3.98e+3" for huge ones). */
function fmtRatio(r: number): string {
  return r >= 1000 ? r.toExponential(2) : r.toPrecision(3);
}

/** A share as a percentage with one decimal. */
function pctOf(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

/** Where a model stops beating PCA in the sweep. */
export interface Crossover {
  model: string;
  reference: string;
  dims: number[];
  /** Model test MSE ÷ PCA test MSE at each size (< 1: the model wins). */
  ratios: number[];
  /** Sizes where the model beats PCA. */
  beatsAt: number[];
  /**
   * The smallest latent size from which on (it and every larger size tried) the model no
   * longer beats PCA; null when it still beats PCA at the largest size.
   */
  stopsBeatingAt: number | null;
  /** A sentence stating the result from the numbers. */
  sentence: string;
}

/** For every non-PCA model of a sweep: where it stops beating the PCA of the same size. */
export function pcaCrossover(points: SweepPoint[]): Crossover[] {
  const models = [...new Set(points.filter((p) => p.model !== p.reference).map((p) => p.model))];
  return models.map((m) => {
    const own = points.filter((p) => p.model === m).sort((a, b) => a.latentDim - b.latentDim);
    const reference = own[0]!.reference;
    const dims: number[] = [],
      ratios: number[] = [];
    for (const p of own) {
      const r = points.find((q) => q.model === reference && q.latentDim === p.latentDim);
      if (!r) throw new Error(`pcaCrossover: no ${reference} point at latent size ${p.latentDim} for ${m}.`);
      dims.push(p.latentDim);
      ratios.push(p.testMse / r.testMse);
    }
    const beats = ratios.map((r) => r < 1);
    const beatsAt = dims.filter((_, i) => beats[i]);
    let stop: number | null = null;
    for (let i = dims.length - 1; i >= 0 && !beats[i]; i--) stop = dims[i]!;
    const label = modelLabel(m),
      ref = modelLabel(reference);
    const rs = (i: number) =>
      `${fmtRatio(ratios[i]!)}× PCA's MSE; explains ${pctOf(own[i]!.explained)} of the test variance vs ${pctOf(points.find((q) => q.model === reference && q.latentDim === dims[i])!.explained)}`;
    let sentence: string;
    if (beatsAt.length === 0) {
      const i = ratios.indexOf(Math.min(...ratios));
      sentence = `${label} never beats ${ref} at the sizes tried (${dims.join(", ")}); it comes closest at size ${dims[i]} (${rs(i)}).`;
    } else if (stop === null) {
      sentence = `${label} beats ${ref} at ${beatsAt.length === dims.length ? "every size tried" : `sizes ${beatsAt.join(", ")}`} and still at the largest (${dims[dims.length - 1]}: ${rs(dims.length - 1)}).`;
    } else {
      const i = dims.indexOf(stop);
      sentence = `${label} beats ${ref} at size${beatsAt.length > 1 ? "s" : ""} ${beatsAt.join(", ")} and stops beating it from latent size **${stop}** on (there: ${rs(i)}).`;
    }
    return { model: m, reference, dims, ratios, beatsAt, stopsBeatingAt: stop, sentence };
  });
}

// ---------------------------------------------------------------------------------------
// Noise robustness
// ---------------------------------------------------------------------------------------

/** One corruption of the test input. */
export interface Corruption {
  kind: "gaussian" | "mask";
  /** Noise standard deviation (gaussian) or masked share (mask). */
  level: number;
  /** e.g. "noise 0.25" or "mask 10%". */
  label: string;
}

/** The corruptions of a budget: Gaussian noise at each std, then masking at each share. */
export function corruptionGrid(noiseStds: number[], maskFractions: number[]): Corruption[] {
  return [
    ...noiseStds.map((s) => ({ kind: "gaussian" as const, level: s, label: `noise ${s}` })),
    ...maskFractions.map((f) => ({ kind: "mask" as const, level: f, label: `mask ${Math.round(f * 100)}%` })),
  ];
}

/** Corrupt a copy of x (seeded): Gaussian noise of std `level`, or `level` of the values set to 0 (the training mean). */
export function applyCorruption<T extends HasFloat32Data>(x: T, c: Corruption, rng: Rng): T {
  if (c.kind === "gaussian") return addGaussianNoise(x, c.level, rng);
  if (c.kind === "mask") return randomMask(x, c.level, rng, 0).masked;
  throw new Error(`Unknown corruption kind "${String((c as Corruption).kind)}"; use "gaussian" or "mask".`);
}

/** Share of the top anomaly rows kept under noise: 1% of rows (at least TOP_MIN_ROWS). */
export const TOP_FRACTION = 0.01;
/** Fewest rows in the "top" set, so that small test sets still give a usable overlap. */
export const TOP_MIN_ROWS = 10;

/** Robustness of one model to one corruption. */
export interface RobustnessRow {
  model: string;
  corruption: Corruption["kind"];
  level: number;
  label: string;
  rows: number;
  /** MSE of the reconstruction of the clean input against the clean input. */
  cleanMse: number;
  /** MSE of the reconstruction of the corrupted input against the CLEAN input. */
  noisyMse: number;
  /** noisyMse ÷ cleanMse (1 = unaffected). */
  degradation: number;
  /** Spearman correlation of the per-row anomaly scores (error against the input given) on corrupted vs clean input. */
  spearman: number;
  /** Share of the clean top rows (TOP_FRACTION) still in the top under corruption. */
  topRetained: number;
}

/** Noise-robustness results with per-row errors for paired checks. */
export interface RobustnessResult {
  rows: RobustnessRow[];
  /** `${model}|${label}` -> `[n]` per-row squared error of the noisy-input reconstruction against the clean input. */
  perRow: Map<string, Float64Array>;
  /** model -> `[n]` per-row clean-input error (the clean anomaly score). */
  cleanScores: Map<string, Float64Array>;
}

function rowCount(x: HasFloat32Data): number {
  const m = x as unknown as { rows?: number; n?: number };
  const n = m.rows ?? m.n;
  if (typeof n !== "number") throw new Error("noiseRobustness: input must be a Matrix (rows) or Windows (n).");
  return n;
}

/** Per-row mean of (a - b)^2 for `[n, width]` buffers. */
function perRowSquared(a: Float32Array, b: Float32Array, n: number): Float64Array {
  const w = a.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * w, end = j + w; j < end; j++) {
      const d = a[j]! - b[j]!;
      s += d * d;
    }
    out[i] = s / w;
  }
  return out;
}

function topSet(scores: Float64Array, k: number): Set<number> {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return new Set(idx.slice(0, k));
}

/**
 * Feed corrupted copies of the clean test input to every model. Each corruption is drawn
 * once (from `rng.fork(label)`) and given to all models, so models are compared on the same
 * noise. Two questions per model and corruption: how far is the reconstruction from the
 * clean input (a denoiser should stay close), and does the anomaly ranking survive (the
 * score is the error against the input the model was given, as a detector would compute it)?
 */
export function noiseRobustness<X extends HasFloat32Data>(
  models: { name: string; model: Pick<Autoencoder<X>, "reconstruct"> }[],
  clean: X,
  corruptions: Corruption[],
  rng: Rng,
  options: { topFraction?: number } = {},
): RobustnessResult {
  const n = rowCount(clean);
  const k = Math.min(n, Math.max(TOP_MIN_ROWS, Math.round(n * (options.topFraction ?? TOP_FRACTION))));
  const cleanScores = new Map<string, Float64Array>();
  const cleanTop = new Map<string, Set<number>>();
  for (const { name, model } of models) {
    const s = perRowSquared(model.reconstruct(clean).data, clean.data, n);
    cleanScores.set(name, s);
    cleanTop.set(name, topSet(s, k));
  }
  const rows: RobustnessRow[] = [];
  const perRow = new Map<string, Float64Array>();
  for (const c of corruptions) {
    const noisy = applyCorruption(clean, c, rng.fork(c.label));
    for (const { name, model } of models) {
      const recon = model.reconstruct(noisy).data;
      const vsClean = perRowSquared(recon, clean.data, n);
      const score = perRowSquared(recon, noisy.data, n);
      perRow.set(`${name}|${c.label}`, vsClean);
      const top = topSet(score, k);
      let kept = 0;
      for (const i of cleanTop.get(name)!) if (top.has(i)) kept++;
      const cm = mean(cleanScores.get(name)!);
      const nm = mean(vsClean);
      rows.push({
        model: name,
        corruption: c.kind,
        level: c.level,
        label: c.label,
        rows: n,
        cleanMse: cm,
        noisyMse: nm,
        degradation: nm / cm,
        spearman: spearman(score, cleanScores.get(name)!),
        topRetained: kept / k,
      });
    }
  }
  return { rows, perRow, cleanScores };
}

/** A paired noise comparison of two models under one corruption. */
export interface NoiseComparison {
  a: string;
  b: string;
  label: string;
  meanA: number;
  meanB: number;
  /** Mean of (a - b) per-row error against the clean input; negative = a denoises better. */
  difference: number;
  lo: number;
  hi: number;
}

/**
 * Is model a closer to the clean input than model b under a corruption? Mean per-row
 * difference with a cluster-bootstrap interval over tokens (`groups`: token per test row).
 */
export function compareUnderNoise(
  result: RobustnessResult,
  a: string,
  b: string,
  label: string,
  groups: ArrayLike<number>,
  o: SummaryOptions,
): NoiseComparison {
  const ea = result.perRow.get(`${a}|${label}`),
    eb = result.perRow.get(`${b}|${label}`);
  if (!ea || !eb)
    throw new Error(
      `compareUnderNoise: no per-row errors for ${!ea ? a : b} under "${label}". Models: ${[...result.cleanScores.keys()].join(", ")}.`,
    );
  const diff = new Float64Array(ea.length);
  for (let i = 0; i < diff.length; i++) diff[i] = ea[i]! - eb[i]!;
  const rows = Int32Array.from({ length: diff.length }, (_, i) => i);
  const d = ci(diff, groups, rows, o, `noise|${a}-${b}|${label}`);
  return { a, b, label, meanA: mean(ea), meanB: mean(eb), difference: d.estimate, lo: d.lo, hi: d.hi };
}

// ---------------------------------------------------------------------------------------
// Temporal robustness: regimes, months, drift, walk-forward
// ---------------------------------------------------------------------------------------

/** Market regimes, calm to crash. */
export const REGIME_NAMES = ["calm", "volatile", "crash"] as const;
export type RegimeName = (typeof REGIME_NAMES)[number];

/** Realised-volatility window: 20 days, long enough for a stable estimate, short enough to mark a crash within weeks. */
export const MARKET_VOL_WINDOW = 20;
/** Days at or below the training median of realised volatility are calm. */
export const CALM_QUANTILE = 0.5;
/** Days above the training 90th percentile are the crash (stress) regime: one training day in ten. */
export const CRASH_QUANTILE = 0.9;
/** Fewest tokens with a return on a day for the market return to exist (a median of fewer is one token's noise). */
export const MIN_MARKET_TOKENS = 3;
/** Sectors left out of the market return: stablecoins are pegged and would pull the median towards 0. */
export const MARKET_EXCLUDED_SECTORS = ["stablecoin"];

/** Regime per day from realised market volatility. */
export interface MarketRegimes {
  /** `[nDays]` days with a market return, ascending. */
  days: Int32Array;
  /** `[nDays]` market return: median 1-day log return over tokens (stablecoins excluded). */
  marketReturn: Float64Array;
  /** `[nDays]` realised volatility: std of the last `window` market returns (NaN while warming up). */
  vol: Float64Array;
  /** `[nDays]` regime code (index into REGIME_NAMES), -1 where vol is undefined. */
  regime: Int8Array;
  /** Volatility thresholds from the training days. */
  thresholds: { calm: number; crash: number };
  window: number;
  /** Days in the training period that defined the thresholds. */
  trainDays: number;
  /** Regime code of a day (-1 when unknown). */
  regimeOf(day: number): number;
}

/**
 * Market regimes from realised volatility: the market return of a day is the median 1-day
 * log return over tokens (raw feature `logret_1d`, stablecoins excluded), its realised
 * volatility the std of the last `window` market returns, and the thresholds are
 * percentiles over the training period only (calm <= CALM_QUANTILE, crash > CRASH_QUANTILE,
 * volatile between), so the test period is judged by the training period's yardstick.
 */
export function marketRegimes(
  d: Dataset,
  o: { window?: number; calmQuantile?: number; crashQuantile?: number; returnFeature?: string } = {},
): MarketRegimes {
  const window = o.window ?? MARKET_VOL_WINDOW;
  const calmQ = o.calmQuantile ?? CALM_QUANTILE,
    crashQ = o.crashQuantile ?? CRASH_QUANTILE;
  if (!(calmQ > 0 && calmQ < crashQ && crashQ < 1))
    throw new Error(`marketRegimes: need 0 < calmQuantile (${calmQ}) < crashQuantile (${crashQ}) < 1.`);
  if (!Number.isInteger(window) || window < 2)
    throw new Error(`marketRegimes: window must be an integer >= 2, got ${window}.`);
  const feature = o.returnFeature ?? "logret_1d";
  const j = d.meta.featureNames.indexOf(feature);
  if (j < 0)
    throw new Error(
      `marketRegimes: the dataset has no feature "${feature}" (features: ${d.meta.featureNames.join(", ")}); pass returnFeature.`,
    );
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < d.day.length; i++) {
    if (MARKET_EXCLUDED_SECTORS.includes(d.tokens[d.token[i]!]!.sector ?? "")) continue;
    const v = d.raw.data[i * d.raw.cols + j]!;
    if (!Number.isFinite(v)) continue;
    let list = byDay.get(d.day[i]!);
    if (!list) byDay.set(d.day[i]!, (list = []));
    list.push(v);
  }
  const days = Int32Array.from([...byDay.keys()].filter((k) => byDay.get(k)!.length >= MIN_MARKET_TOKENS)).sort();
  if (days.length < window + 1)
    throw new Error(
      `marketRegimes: only ${days.length} days have a market return (>= ${MIN_MARKET_TOKENS} tokens); need more than the ${window}-day window.`,
    );
  const marketReturn = Float64Array.from(days, (k) => {
    const v = Float64Array.from(byDay.get(k)!).sort();
    return quantileSorted(v, 0.5);
  });
  const vol = new Float64Array(days.length).fill(NaN);
  for (let t = window - 1; t < days.length; t++) {
    // Only a full window of calendar days counts: a gap in the market series would stretch it.
    if (days[t]! - days[t - window + 1]! !== window - 1) continue;
    let s = 0,
      s2 = 0;
    for (let u = t - window + 1; u <= t; u++) {
      s += marketReturn[u]!;
      s2 += marketReturn[u]! ** 2;
    }
    const m = s / window;
    vol[t] = Math.sqrt(Math.max(0, (s2 - window * m * m) / (window - 1)));
  }
  const b = d.meta.boundaries;
  const t0 = isoToDay(b.trainStart),
    t1 = isoToDay(b.trainEnd);
  const trainVol = Float64Array.from(
    Array.from(days)
      .map((k, t) => (k >= t0 && k <= t1 ? vol[t]! : NaN))
      .filter(Number.isFinite),
  ).sort();
  if (trainVol.length < 10)
    throw new Error(
      `marketRegimes: only ${trainVol.length} training days have a realised volatility; the ${window}-day window is too long for this training period (${b.trainStart} to ${b.trainEnd}).`,
    );
  const thresholds = { calm: quantileSorted(trainVol, calmQ), crash: quantileSorted(trainVol, crashQ) };
  const regime = Int8Array.from(vol, (v) =>
    !Number.isFinite(v) ? -1 : v <= thresholds.calm ? 0 : v <= thresholds.crash ? 1 : 2,
  );
  const index = new Map<number, number>();
  days.forEach((k, t) => index.set(k, t));
  return {
    days,
    marketReturn,
    vol,
    regime,
    thresholds,
    window,
    trainDays: trainVol.length,
    regimeOf: (day: number) => {
      const t = index.get(day);
      return t === undefined ? -1 : regime[t]!;
    },
  };
}

/** A run of consecutive days in one regime (for shading a time axis). */
export interface RegimeSegment {
  regime: string;
  /** ISO date of the first day. */
  start: string;
  /** ISO date of the day after the last day (so adjacent segments touch). */
  end: string;
  days: number;
}

/** Contiguous runs of one regime over consecutive days; unknown days (-1) end a run. */
export function regimeSegments(
  days: ArrayLike<number>,
  codes: ArrayLike<number>,
  names: readonly string[] = REGIME_NAMES,
): RegimeSegment[] {
  const out: RegimeSegment[] = [];
  let t = 0;
  while (t < days.length) {
    const c = codes[t]!;
    if (c < 0) {
      t++;
      continue;
    }
    let u = t + 1;
    while (u < days.length && codes[u] === c && days[u]! === days[u - 1]! + 1) u++;
    out.push({
      regime: names[c] ?? String(c),
      start: dayToIso(days[t]!),
      end: dayToIso(days[u - 1]! + 1),
      days: u - t,
    });
    t = u;
  }
  return out;
}

/** Regimes of the simulated market (market-truth.json): name per day, plus the crash days. */
export interface TruthRegimes {
  names: string[];
  /** Regime name of a day, or null outside the simulated span. */
  regimeOf(day: number): string | null;
  crashDays: number[];
}

/** Read market-truth.json's regimes (synthetic source only); null for real data or when absent. */
export function truthRegimes(truth: unknown): TruthRegimes | null {
  const t = truth as {
    kind?: string;
    regimeNames?: string[];
    regimes?: number[];
    startDay?: number;
    crashDays?: string[];
  } | null;
  if (
    t?.kind !== "synthetic" ||
    !Array.isArray(t.regimes) ||
    !Array.isArray(t.regimeNames) ||
    typeof t.startDay !== "number"
  )
    return null;
  const names = t.regimeNames,
    regimes = t.regimes,
    start = t.startDay;
  return {
    names,
    regimeOf: (day: number) => {
      const k = day - start;
      return k >= 0 && k < regimes.length ? (names[regimes[k]!] ?? null) : null;
    },
    crashDays: (t.crashDays ?? []).map(isoToDay),
  };
}

/** "2021-03": the calendar month of a UTC day. */
export function monthOf(day: number): string {
  return dayToIso(day).slice(0, 7);
}

/** Mean error of one model in one calendar month. */
export interface MonthRow {
  model: string;
  month: string;
  /** ISO date of the month's 15th (where the chart puts the point). */
  date: string;
  /** The split most rows of that month belong to. */
  split: string;
  rows: number;
  mse: number;
  /** mse ÷ the model's mean training-split MSE (1 = as good as in training). */
  index: number;
}

/** Mean MSE by calendar month, and as an index over the model's own training-split mean. */
export function monthlyErrors(frame: ErrorFrame): MonthRow[] {
  const acc = new Map<string, { s: number; n: number; split: number[] }>();
  let trainS = 0,
    trainN = 0;
  for (let i = 0; i < frame.mse.length; i++) {
    const sc = frame.split[i]!;
    if (sc > 2) continue;
    const m = monthOf(frame.day[i]!);
    let a = acc.get(m);
    if (!a) acc.set(m, (a = { s: 0, n: 0, split: [0, 0, 0] }));
    a.s += frame.mse[i]!;
    a.n++;
    a.split[sc]!++;
    if (sc === 0) {
      trainS += frame.mse[i]!;
      trainN++;
    }
  }
  if (trainN === 0) throw new Error(`monthlyErrors: ${frame.model} has no training rows to index against.`);
  const trainMean = trainS / trainN;
  return [...acc.keys()].sort().map((m) => {
    const a = acc.get(m)!;
    const sc = a.split.indexOf(Math.max(...a.split));
    return {
      model: frame.model,
      month: m,
      date: `${m}-15`,
      split: SPLIT_NAMES[sc]!,
      rows: a.n,
      mse: a.s / a.n,
      index: a.s / a.n / trainMean,
    };
  });
}

/** Drift of a model's error from the training period into the test period. */
export interface DriftRow {
  model: string;
  trainMse: number;
  validationMse: number;
  testMse: number;
  /** testMse ÷ trainMse with a cluster-bootstrap interval over tokens. */
  ratio: number;
  lo: number;
  hi: number;
  /**
   * Test ÷ train ratio within each regime, averaged with the test period's regime shares:
   * the drift left once the test period's different mix of calm and volatile days is
   * accounted for (NaN when a regime of the test period has no training rows).
   */
  regimeAdjustedRatio: number;
}

/**
 * Error drift from train to test. `regimeOfRow` (regime code per row, -1 unknown) adds the
 * regime-adjusted ratio.
 */
export function driftSummary(frame: ErrorFrame, o: SummaryOptions & { regimeOfRow?: ArrayLike<number> }): DriftRow {
  const tr = rowsOfSplits(frame, [0]),
    va = rowsOfSplits(frame, [1]),
    te = rowsOfSplits(frame, [2]);
  if (tr.length === 0 || te.length === 0)
    throw new Error(`driftSummary: ${frame.model} needs train and test rows (has ${tr.length} and ${te.length}).`);
  const m = (rows: Int32Array) => {
    let s = 0;
    for (let q = 0; q < rows.length; q++) s += frame.mse[rows[q]!]!;
    return rows.length ? s / rows.length : NaN;
  };
  const trainMse = m(tr),
    testMse = m(te);
  let lo = NaN,
    hi = NaN;
  if (o.nBoot >= 2) {
    const r = clusterRatioCI(frame.mse, frame.token, te, tr, {
      nBoot: o.nBoot,
      alpha: o.alpha,
      rng: o.rng.fork(`${frame.model}|drift`),
    });
    lo = r.lo;
    hi = r.hi;
  }
  let adjusted = NaN;
  if (o.regimeOfRow) {
    const reg = o.regimeOfRow;
    const sums = [0, 0, 0].map(() => ({ trS: 0, trN: 0, teS: 0, teN: 0 }));
    for (let q = 0; q < tr.length; q++) {
      const c = reg[tr[q]!]!;
      if (c >= 0) {
        sums[c]!.trS += frame.mse[tr[q]!]!;
        sums[c]!.trN++;
      }
    }
    for (let q = 0; q < te.length; q++) {
      const c = reg[te[q]!]!;
      if (c >= 0) {
        sums[c]!.teS += frame.mse[te[q]!]!;
        sums[c]!.teN++;
      }
    }
    const nTest = sums.reduce((a, s) => a + s.teN, 0);
    if (nTest > 0 && sums.every((s) => s.teN === 0 || s.trN > 0)) {
      adjusted = sums.reduce((a, s) => (s.teN ? a + ((s.teN / nTest) * (s.teS / s.teN)) / (s.trS / s.trN) : a), 0);
    }
  }
  return {
    model: frame.model,
    trainMse,
    validationMse: m(va),
    testMse,
    ratio: testMse / trainMse,
    lo,
    hi,
    regimeAdjustedRatio: adjusted,
  };
}

/** One fold of an expanding walk-forward: train on the past, test on the next period. */
export interface Fold {
  fold: number;
  /** UTC days, inclusive. */
  trainStart: number;
  trainEnd: number;
  testStart: number;
  testEnd: number;
}

/**
 * Expanding-window folds: the span [firstDay, lastDay] is cut into nFolds + 1 equal blocks;
 * fold k trains on blocks 0..k-1 and tests on block k. The last `gapDays` days before each
 * test block are left out of training (purged), so that no training row's features share
 * lookback days with the test rows.
 */
export function expandingFolds(firstDay: number, lastDay: number, nFolds: number, gapDays: number): Fold[] {
  if (!Number.isInteger(nFolds) || nFolds < 1)
    throw new Error(`expandingFolds: nFolds must be a positive integer, got ${nFolds}.`);
  if (!(gapDays >= 0)) throw new Error(`expandingFolds: gapDays must be >= 0, got ${gapDays}.`);
  const span = lastDay - firstDay + 1;
  const block = Math.floor(span / (nFolds + 1));
  if (block - gapDays < 2)
    throw new Error(
      `expandingFolds: ${span} days in ${nFolds + 1} blocks give ${block}-day blocks, too short for a ${gapDays}-day gap; use fewer folds or more data.`,
    );
  const out: Fold[] = [];
  for (let k = 1; k <= nFolds; k++) {
    const testStart = firstDay + k * block;
    out.push({
      fold: k,
      trainStart: firstDay,
      trainEnd: testStart - gapDays - 1,
      testStart,
      testEnd: k === nFolds ? lastDay : testStart + block - 1,
    });
  }
  return out;
}

/** Test error of one model in one walk-forward fold. */
export interface WalkForwardRow {
  fold: number;
  model: string;
  trainFrom: string;
  trainTo: string;
  testFrom: string;
  testTo: string;
  trainRows: number;
  testRows: number;
  testMse: number;
  /** MSE of predicting the fold's training mean (the floor to beat). */
  meanMse: number;
  epochs: number;
}

/** Validation share at the end of each walk-forward training period (early stopping). */
export const WALK_FORWARD_VALIDATION_FRACTION = 0.15;

/**
 * Walk-forward: for each fold, refit the scaler on the fold's training rows only, train
 * each spec (at its saved latent size) on a stratified subsample of them, with the last
 * WALK_FORWARD_VALIDATION_FRACTION of the training days for early stopping, and score the
 * next period. Uses every feature row of the dataset (gap rows included: the folds define
 * their own split).
 */
export async function walkForward(
  d: Dataset,
  specs: SavedModelSpec[],
  o: {
    folds: Fold[];
    maxTrainRows: number;
    fit: FitOptions;
    rng: Rng;
    train?: TrainFunction<Matrix>;
    onRow?: (r: WalkForwardRow) => void;
  },
): Promise<WalkForwardRow[]> {
  const train = o.train ?? ((m, tr, va, fit) => m.fit(tr, va, fit));
  const out: WalkForwardRow[] = [];
  for (const f of o.folds) {
    const valStart =
      f.trainEnd - Math.max(1, Math.round((f.trainEnd - f.trainStart + 1) * WALK_FORWARD_VALIDATION_FRACTION)) + 1;
    const fitRows: number[] = [],
      valRows: number[] = [],
      testRows: number[] = [];
    for (let i = 0; i < d.day.length; i++) {
      const day = d.day[i]!;
      if (day >= f.trainStart && day < valStart) fitRows.push(i);
      else if (day >= valStart && day <= f.trainEnd) valRows.push(i);
      else if (day >= f.testStart && day <= f.testEnd) testRows.push(i);
    }
    if (fitRows.length < 10 || valRows.length === 0 || testRows.length === 0) {
      throw new Error(
        `walkForward fold ${f.fold}: ${fitRows.length} training, ${valRows.length} validation and ${testRows.length} test rows; use fewer folds.`,
      );
    }
    const scaler = new StandardScaler({ featureNames: d.meta.featureNames, clip: DEFAULT_CLIP }).fit(d.raw, fitRows);
    const fitIdx = Int32Array.from(fitRows);
    const sample = stratifiedSample(
      { token: Int32Array.from(fitIdx, (i) => d.token[i]!), day: Int32Array.from(fitIdx, (i) => d.day[i]!) },
      Math.min(o.maxTrainRows, fitIdx.length),
      o.rng.fork(`walk-forward|${f.fold}`),
    );
    const trainX = scaler.transform(
      takeRows(
        d.raw,
        Int32Array.from(sample.indices, (k) => fitIdx[k]!),
      ),
    );
    const valX = scaler.transform(takeRows(d.raw, valRows));
    const testX = scaler.transform(takeRows(d.raw, testRows));
    const meanMse = meanBaseline(trainX, testX).mse;
    for (const spec of specs) {
      const model = createModel(spec.kind, {
        ...spec.options,
        name: `${spec.name}-fold${f.fold}`,
      } as never) as unknown as Autoencoder<Matrix>;
      try {
        const h = spec.kind === "pca" ? await model.fit(trainX, valX, o.fit) : await train(model, trainX, valX, o.fit);
        const row: WalkForwardRow = {
          fold: f.fold,
          model: spec.name,
          trainFrom: dayToIso(f.trainStart),
          trainTo: dayToIso(f.trainEnd),
          testFrom: dayToIso(f.testStart),
          testTo: dayToIso(f.testEnd),
          trainRows: trainX.rows,
          testRows: testX.rows,
          testMse: meanSquaredError(model.reconstruct(testX).data, testX.data),
          meanMse,
          epochs: spec.kind === "pca" ? 0 : h.epochs.length,
        };
        out.push(row);
        o.onRow?.(row);
      } finally {
        model.dispose();
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Ranking
// ---------------------------------------------------------------------------------------

/** One criterion of the summary: a value per model and which direction is better. */
export interface Criterion {
  label: string;
  better: "lower" | "higher";
  /** model -> value (NaN or absent: not measured for that model). */
  values: Record<string, number>;
  /** How the value is computed (shown in the table). */
  note: string;
}

/** Ranks of every model on every criterion. */
export interface Ranking {
  models: string[];
  /** Per criterion: model -> rank (1 = best, ties share the average rank), null when not measured. */
  ranks: Record<string, number | null>[];
  /** Mean rank over the criteria a model was measured on. */
  meanRank: Record<string, number>;
  /** Criteria counted in each model's mean rank. */
  measured: Record<string, number>;
  /** Models ordered by mean rank (best first; ties by name). */
  order: string[];
}

/** Rank models on each criterion (1 = best; average ranks for ties; unmeasured = null). */
export function rankModels(criteria: Criterion[], models: string[]): Ranking {
  if (models.length === 0) throw new Error("rankModels: pass at least one model.");
  const ranks = criteria.map((c) => {
    const measured = models.filter((m) => Number.isFinite(c.values[m]));
    const sign = c.better === "lower" ? 1 : -1;
    const sorted = [...measured].sort((a, b) => sign * (c.values[a]! - c.values[b]!));
    const r: Record<string, number | null> = {};
    for (const m of models) r[m] = null;
    let i = 0;
    while (i < sorted.length) {
      let j = i + 1;
      while (j < sorted.length && c.values[sorted[j]!] === c.values[sorted[i]!]) j++;
      for (let t = i; t < j; t++) r[sorted[t]!] = (i + 1 + j) / 2;
      i = j;
    }
    return r;
  });
  const meanRank: Record<string, number> = {};
  const measured: Record<string, number> = {};
  for (const m of models) {
    const rs = ranks.map((r) => r[m]).filter((v): v is number => v !== null);
    measured[m] = rs.length;
    meanRank[m] = rs.length ? rs.reduce((a, b) => a + b, 0) / rs.length : NaN;
  }
  const order = [...models].sort((a, b) => meanRank[a]! - meanRank[b]! || (a < b ? -1 : 1));
  return { models, ranks, meanRank, measured, order };
}

/** The summary table: one row per criterion, "value (#rank)" per model, and a mean-rank row. */
export function rankingTable(criteria: Criterion[], ranking: Ranking, digits = 3): Record<string, string>[] {
  const rows = criteria.map((c, k) => {
    const row: Record<string, string> = { criterion: c.label, better: c.better };
    for (const m of ranking.models) {
      const v = c.values[m];
      const r = ranking.ranks[k]![m];
      row[modelLabel(m)] =
        v === undefined || !Number.isFinite(v) || r === null
          ? "—"
          : `${v.toFixed(digits)} (#${Number.isInteger(r) ? r : r.toFixed(1)})`;
    }
    row.best = ranking.models
      .filter(
        (m) =>
          ranking.ranks[k]![m] !== null &&
          ranking.ranks[k]![m] === Math.min(...ranking.models.map((x) => ranking.ranks[k]![x] ?? Infinity)),
      )
      .map(modelLabel)
      .join(", ");
    return row;
  });
  const last: Record<string, string> = { criterion: "mean rank", better: "lower" };
  for (const m of ranking.models)
    last[modelLabel(m)] = Number.isFinite(ranking.meanRank[m]!)
      ? `${ranking.meanRank[m]!.toFixed(2)} (${ranking.measured[m]} criteria)`
      : "—";
  last.best = modelLabel(ranking.order[0]!);
  return [...rows, last];
}

/** Sentences from a ranking: the winner of each criterion and overall. */
export function rankingSentences(criteria: Criterion[], ranking: Ranking): string[] {
  const out: string[] = [];
  criteria.forEach((c, k) => {
    const measured = ranking.models.filter((m) => ranking.ranks[k]![m] !== null);
    if (measured.length < 2) return;
    const byRank = [...measured].sort((a, b) => ranking.ranks[k]![a]! - ranking.ranks[k]![b]!);
    const best = byRank[0]!,
      worst = byRank[byRank.length - 1]!;
    out.push(
      `${c.label}: **${modelLabel(best)}** ranks first (${c.values[best]!.toFixed(3)}), ${modelLabel(worst)} last (${c.values[worst]!.toFixed(3)}).`,
    );
  });
  const o = ranking.order;
  out.push(
    `Over all criteria, the mean rank orders the models ${o.map((m) => `${modelLabel(m)} (${ranking.meanRank[m]!.toFixed(2)})`).join(" < ")}; **${modelLabel(o[0]!)}** comes first.`,
  );
  return out;
}

// ---------------------------------------------------------------------------------------
// Tables and charts
// ---------------------------------------------------------------------------------------

/** Object rows -> columns for the artifact store (numbers as Float64, everything else as text). */
export function rowsToTable(rows: Record<string, unknown>[]): Table {
  if (rows.length === 0) throw new Error("rowsToTable: no rows to write.");
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const out: Table = {};
  for (const n of names) {
    const numeric = rows.every((r) => typeof r[n] === "number" || r[n] === undefined || r[n] === null);
    out[n] = (
      numeric
        ? Float64Array.from(rows, (r) => (typeof r[n] === "number" ? (r[n] as number) : NaN))
        : rows.map((r) => (r[n] === undefined || r[n] === null ? "" : String(r[n])))
    ) as Column;
  }
  return out;
}

/** Test MSE against latent size, one panel per input (token-days, windows), PCA dashed. */
export function sweepChart(points: SweepPoint[], o: { title: string; subtitle?: string; nFeatures?: number }): VlSpec {
  const rows = points.map((p) => ({
    model: modelLabel(p.model),
    input: p.unit === "window" ? "windows (Conv1D vs PCA on flattened windows)" : "token-days (AE, VAE, DAE vs PCA)",
    latent: p.latentDim,
    mse: p.testMse,
    linear: p.model === p.reference ? "PCA" : "network",
  }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    data: { values: compactRows(rows) },
    facet: { field: "input", type: "nominal", title: null },
    columns: 2,
    spec: {
      width: 300,
      height: 240,
      mark: { type: "line", point: true, strokeWidth: 2 },
      encoding: {
        x: {
          field: "latent",
          type: "quantitative",
          title: "latent size",
          scale: { type: "log", base: 2 },
          axis: { values: [...new Set(points.map((p) => p.latentDim))] },
        },
        y: { field: "mse", type: "quantitative", title: "test MSE (log scale)", scale: { type: "log" } },
        color: { field: "model", type: "nominal", title: null },
        strokeDash: {
          field: "linear",
          type: "nominal",
          title: null,
          scale: {
            domain: ["network", "PCA"],
            range: [
              [1, 0],
              [5, 3],
            ],
          },
        },
        tooltip: [{ field: "model" }, { field: "latent" }, { field: "mse", format: ".4f" }],
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}

/**
 * Noise-robustness curves per corruption kind: the error of the reconstruction against the
 * clean input (log scale) and the rank correlation of anomaly scores with the clean
 * ranking; level 0 is the clean input (its own error, correlation 1).
 */
export function noiseChart(rows: RobustnessRow[], o: { title: string; subtitle?: string }): VlSpec {
  const kindLabel = (k: Corruption["kind"]) => (k === "gaussian" ? "Gaussian noise (std)" : "random masking (share)");
  const clean = new Map<string, RobustnessRow>();
  for (const r of rows) if (!clean.has(`${r.model}|${r.corruption}`)) clean.set(`${r.model}|${r.corruption}`, r);
  const points = [
    ...[...clean.values()].map((r) => ({
      model: r.model,
      corruption: r.corruption,
      level: 0,
      mse: r.cleanMse,
      spearman: 1,
    })),
    ...rows.map((r) => ({
      model: r.model,
      corruption: r.corruption,
      level: r.level,
      mse: r.noisyMse,
      spearman: r.spearman,
    })),
  ];
  const long = points.flatMap((p) => [
    {
      model: modelLabel(p.model),
      corruption: kindLabel(p.corruption),
      level: p.level,
      metric: "a. MSE against the clean input (log)",
      value: p.mse,
    },
    {
      model: modelLabel(p.model),
      corruption: kindLabel(p.corruption),
      level: p.level,
      metric: "b. Spearman of anomaly scores with the clean ranking",
      value: p.spearman,
    },
  ]);
  const panel = (kind: Corruption["kind"], metric: string, logY: boolean): VlSpec => ({
    title: { text: kindLabel(kind), fontSize: 12 },
    width: 260,
    height: 170,
    transform: [
      {
        filter: {
          and: [
            { field: "metric", equal: metric },
            { field: "corruption", equal: kindLabel(kind) },
          ],
        },
      },
    ],
    mark: { type: "line", point: true, strokeWidth: 1.8 },
    encoding: {
      x: { field: "level", type: "quantitative", title: "corruption level (0 = clean)" },
      y: { field: "value", type: "quantitative", title: metric, scale: logY ? { type: "log" } : { zero: false } },
      color: { field: "model", type: "nominal", title: null },
      tooltip: [{ field: "model" }, { field: "level" }, { field: "value", format: ".4f" }],
    },
  });
  const kinds = (["gaussian", "mask"] as const).filter((k) => rows.some((r) => r.corruption === k));
  const mseTitle = "MSE vs clean input (log)",
    rankTitle = "Spearman with clean ranking";
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    data: {
      values: compactRows(long.map((r) => ({ ...r, metric: r.metric.startsWith("a.") ? mseTitle : rankTitle }))),
    },
    columns: kinds.length,
    concat: [...kinds.map((k) => panel(k, mseTitle, true)), ...kinds.map((k) => panel(k, rankTitle, false))],
  };
}

/** Rows of the per-feature heatmap: log2(model MSE ÷ its PCA's) per feature, and a symmetric colour limit. */
export function featureRatioRows(rows: FeatureErrorRow[], models: string[]): { rows: Row[]; limit: number } {
  const find = (m: string, f: string) => rows.find((r) => r.model === m && r.feature === f);
  const out: Row[] = [];
  for (const m of models) {
    for (const r of rows.filter((x) => x.model === m)) {
      const ref = find(referenceOf(m), r.feature);
      if (!ref) throw new Error(`featureRatioRows: no ${referenceOf(m)} error for feature ${r.feature}.`);
      out.push({ model: modelLabel(m), feature: r.feature, "log2 MSE ÷ PCA": Math.log2(r.mse / ref.mse) });
    }
  }
  const limit = Math.max(0.5, ...out.map((r) => Math.abs(r["log2 MSE ÷ PCA"] as number)).filter(Number.isFinite));
  return { rows: out, limit };
}

/** Error by regime relative to the calm regime, bars per model with interval rules, regimes in calm → crash order. */
export function regimeChart(
  byModel: { model: string; rows: GroupErrorRow[] }[],
  o: { title: string; subtitle?: string },
): VlSpec {
  const rows = byModel.flatMap(({ model, rows: g }) => {
    const calm = g.find((r) => r.group === "calm")?.value ?? NaN;
    return g.map((r) => ({
      model: modelLabel(model),
      regime: r.group,
      ratio: r.value / calm,
      lo: r.lo / calm,
      hi: r.hi / calm,
    }));
  });
  const regimes = REGIME_NAMES.filter((r) => rows.some((x) => x.regime === r));
  const y = { field: "model", type: "nominal", title: null, sort: byModel.map((b) => modelLabel(b.model)) };
  const yOffset = { field: "regime", type: "nominal", sort: regimes };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: 520,
    height: 60 * byModel.length,
    data: { values: compactRows(rows) },
    layer: [
      {
        mark: "bar",
        encoding: {
          y,
          yOffset,
          x: { field: "ratio", type: "quantitative", title: "MSE ÷ the model's calm-regime MSE" },
          color: {
            field: "regime",
            type: "nominal",
            title: "market regime",
            scale: { domain: regimes, range: regimes.map((r) => REGIME_COLOURS[r]) },
          },
          tooltip: [
            { field: "model" },
            { field: "regime" },
            { field: "ratio", format: ".3f" },
            { field: "lo", format: ".3f" },
            { field: "hi", format: ".3f" },
          ],
        },
      },
      {
        mark: { type: "rule", color: "#333" },
        encoding: { y, yOffset, x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } },
      },
      {
        data: { values: [{ one: 1 }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#777" },
        encoding: { x: { field: "one", type: "quantitative" } },
      },
    ],
  };
}

/** Regime colours: calm green, volatile amber, crash red. */
const REGIME_COLOURS: Record<string, string> = { calm: "#59a14f", volatile: "#f28e2b", crash: "#e15759" };

/**
 * Monthly error index (MSE ÷ the model's training mean; log scale) per model, over shaded
 * regime segments, with the validation and test starts marked.
 */
export function monthlyErrorChart(
  months: MonthRow[],
  segments: RegimeSegment[],
  marks: { date: string; label: string }[],
  o: { title: string; subtitle?: string },
): VlSpec {
  const rows = months.map((m) => ({
    model: modelLabel(m.model),
    date: m.date,
    index: m.index,
    mse: m.mse,
    split: m.split,
  }));
  const seen = new Set(segments.map((s) => s.regime));
  const regimes = [
    ...REGIME_NAMES.filter((r) => seen.has(r)),
    ...[...seen].filter((r) => !(REGIME_NAMES as readonly string[]).includes(r)),
  ];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: 640,
    height: 300,
    layer: [
      {
        data: { values: segments.map((s) => ({ start: s.start, end: s.end, regime: s.regime })) },
        mark: { type: "rect", opacity: 0.18 },
        encoding: {
          x: { field: "start", type: "temporal", title: null, axis: { format: "%b %Y", labelAngle: 0 } },
          x2: { field: "end" },
          fill: {
            field: "regime",
            type: "nominal",
            title: "market regime",
            scale: { domain: regimes, range: regimes.map((r) => REGIME_COLOURS[r] ?? "#bbbbbb") },
          },
        },
      },
      {
        data: { values: marks },
        mark: { type: "rule", strokeDash: [4, 3], color: "#555" },
        encoding: { x: { field: "date", type: "temporal" } },
      },
      {
        data: { values: marks },
        mark: { type: "text", align: "left", dx: 3, dy: -140, fontSize: 10, color: "#333" },
        encoding: { x: { field: "date", type: "temporal" }, text: { field: "label" } },
      },
      {
        data: { values: compactRows(rows) },
        mark: { type: "line", point: true, strokeWidth: 1.6 },
        encoding: {
          x: { field: "date", type: "temporal", title: null },
          y: {
            field: "index",
            type: "quantitative",
            title: "monthly MSE ÷ model's train MSE (log)",
            scale: { type: "log", nice: false, zero: false },
          },
          color: { field: "model", type: "nominal", title: null },
          tooltip: [
            { field: "model" },
            { field: "date", type: "temporal", format: "%Y-%m" },
            { field: "split" },
            { field: "mse", format: ".4f" },
            { field: "index", format: ".2f" },
          ],
        },
      },
    ],
    resolve: { scale: { color: "independent" } },
  };
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

/**
 * Long rows -> a wide table: one output row per distinct `rowKey` value, one column per
 * distinct `colKey` value holding `cell(row)`; first-seen order for both.
 */
export function pivotRows<R>(
  rows: R[],
  rowKey: (r: R) => string,
  colKey: (r: R) => string,
  cell: (r: R) => string | number,
  rowTitle: string,
): Record<string, string | number>[] {
  const out = new Map<string, Record<string, string | number>>();
  for (const r of rows) {
    const k = rowKey(r);
    let o = out.get(k);
    if (!o) out.set(k, (o = { [rowTitle]: k }));
    o[colKey(r)] = cell(r);
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------
// Findings: sentences built from the numbers
// ---------------------------------------------------------------------------------------

const pct = (v: number) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)}%`;
const signed = (v: number, digits = 4) => `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;

/** One sentence per paired comparison with PCA: size of the gap, its interval, the verdict. */
export function pairedSentences(paired: PairedDifference[]): string[] {
  return paired.map((p) => {
    const v = differenceVerdict(p);
    const verdict = v === "not different" ? "not significantly different from" : `significantly ${v} than`;
    return `On the test split ${modelLabel(p.model)}'s MSE is **${p.modelMse.toFixed(4)}** against ${p.referenceMse.toFixed(4)} for ${modelLabel(p.reference)} (${pct(p.relative)}; paired difference ${signed(p.difference)}, 95% CI [${signed(p.lo)}, ${signed(p.hi)}] over tokens): ${verdict} PCA.`;
  });
}

/**
 * Does model a hold up better under corruption than model b? Counts, over the corruptions,
 * where a's reconstruction is significantly closer to the clean input (interval of the
 * paired difference below 0), significantly farther, or indistinguishable, and where its
 * anomaly ranking is more stable (higher Spearman with the clean ranking).
 */
export function robustnessClaim(
  a: string,
  b: string,
  comparisons: NoiseComparison[],
  rows: RobustnessRow[],
): { closer: number; farther: number; tied: number; moreStable: number; total: number; sentence: string } {
  const total = comparisons.length;
  const closer = comparisons.filter((c) => c.hi < 0).length;
  const farther = comparisons.filter((c) => c.lo > 0).length;
  const tied = total - closer - farther;
  let moreStable = 0;
  for (const c of comparisons) {
    const ra = rows.find((r) => r.model === a && r.label === c.label),
      rb = rows.find((r) => r.model === b && r.label === c.label);
    if (ra && rb && ra.spearman > rb.spearman) moreStable++;
  }
  const A = modelLabel(a),
    B = modelLabel(b);
  const worst = comparisons.reduce(
    (x, y) => (Math.abs(y.difference) > Math.abs(x.difference) ? y : x),
    comparisons[0]!,
  );
  const holds = closer > total / 2 && moreStable > total / 2;
  const verdict = holds
    ? `the claim that the ${A} is more robust than the ${B} **holds** on this data`
    : closer === 0 && farther > 0
      ? `the claim that the ${A} is more robust than the ${B} **does not hold** on this data`
      : `the claim that the ${A} is more robust than the ${B} holds **only partly** on this data`;
  const losses = comparisons.filter((c) => c.lo > 0).map((c) => c.label);
  const sentence = `Under ${total} corruptions of the test input, the ${A}'s reconstruction is significantly closer to the clean input than the ${B}'s in **${closer}**, significantly farther in **${farther}**${losses.length ? ` (${losses.join(", ")})` : ""} and indistinguishable in ${tied} (largest gap at ${worst.label}: ${worst.meanA.toFixed(4)} vs ${worst.meanB.toFixed(4)}, difference CI [${signed(worst.lo)}, ${signed(worst.hi)}]); its anomaly ranking is the more stable of the two (higher Spearman with the clean ranking) in ${moreStable} of ${total}. So ${verdict}.`;
  return { closer, farther, tied, moreStable, total, sentence };
}

/** Drift sentence: test ÷ train error per model with its interval, classified, and the regime-adjusted ratios. */
export function driftSentence(rows: DriftRow[]): string {
  const fmt = (r: DriftRow) =>
    `${modelLabel(r.model)} ${r.ratio.toFixed(2)}${Number.isFinite(r.lo) ? ` [${r.lo.toFixed(2)}, ${r.hi.toFixed(2)}]` : ""}`;
  const worse = rows.filter((r) => r.lo > 1),
    better = rows.filter((r) => r.hi < 1),
    same = rows.filter((r) => !(r.lo > 1) && !(r.hi < 1));
  const groups = [
    worse.length
      ? `${worse.map((r) => modelLabel(r.model)).join(", ")} reconstruct${worse.length === 1 ? "s" : ""} the test period significantly **worse** than the training period (the error drifts up)`
      : "",
    better.length
      ? `${better.map((r) => modelLabel(r.model)).join(", ")} reconstruct${better.length === 1 ? "s" : ""} it significantly **better** (no sign of ageing)`
      : "",
    same.length
      ? `${same.map((r) => modelLabel(r.model)).join(", ")} show${same.length === 1 ? "s" : ""} no significant change`
      : "",
  ].filter((g) => g);
  const adj = rows.filter((r) => Number.isFinite(r.regimeAdjustedRatio));
  const adjText = adj.length
    ? ` With the regime mix held fixed (each regime's test ÷ train ratio, weighted by the test period's regime shares) the ratios are ${adj.map((r) => `${modelLabel(r.model)} ${r.regimeAdjustedRatio.toFixed(2)}`).join(", ")}: what remains once the test period's market conditions are accounted for.`
    : "";
  return `Test MSE ÷ train MSE (95% CI over tokens): ${rows.map(fmt).join(", ")}. ${groups.join("; ")}.${adjText}`;
}

/** Regime sentence: crash ÷ calm error per model (over the given rows). */
export function regimeSentence(byModel: { model: string; rows: GroupErrorRow[] }[]): string {
  const ratios = byModel
    .map(({ model, rows }) => {
      const calm = rows.find((r) => r.group === "calm"),
        crash = rows.find((r) => r.group === "crash");
      return { model, ratio: calm && crash ? crash.value / calm.value : NaN };
    })
    .filter((r) => Number.isFinite(r.ratio));
  if (ratios.length === 0)
    return "No model has rows in both the calm and the crash regime, so regime sensitivity is not measured.";
  const hi = ratios.reduce((x, y) => (y.ratio > x.ratio ? y : x)),
    lo = ratios.reduce((x, y) => (y.ratio < x.ratio ? y : x));
  return `In the crash regime reconstruction error is ${ratios.map((r) => `${r.ratio.toFixed(2)}× (${modelLabel(r.model)})`).join(", ")} the calm-regime error: ${modelLabel(hi.model)} is the most regime-sensitive, ${modelLabel(lo.model)} the least.`;
}

/** Walk-forward sentence: mean test error per model over folds, wins against PCA and the mean predictor. */
export function walkForwardSentence(rows: WalkForwardRow[], reference = "pca"): string {
  const folds = [...new Set(rows.map((r) => r.fold))];
  const models = [...new Set(rows.map((r) => r.model))];
  const avg = (m: string) => mean(rows.filter((r) => r.model === m).map((r) => r.testMse));
  const meanPred = mean(folds.map((f) => rows.find((r) => r.fold === f)!.meanMse));
  const others = models.filter((m) => m !== reference);
  const wins = others.map((m) => ({
    m,
    wins: folds.filter((f) => {
      const a = rows.find((r) => r.fold === f && r.model === m),
        p = rows.find((r) => r.fold === f && r.model === reference);
      return a && p && a.testMse < p.testMse;
    }).length,
  }));
  const budget = others.map((m) => {
    const own = rows.filter((r) => r.model === m);
    return `${modelLabel(m)} trained on at most ${Math.max(...own.map((r) => r.trainRows)).toLocaleString("en-US")} rows for at most ${Math.max(...own.map((r) => r.epochs))} epochs per fold`;
  });
  return `Walk-forward over ${folds.length} expanding folds (train on the past, test on the next period): mean test MSE ${models.map((m) => `${modelLabel(m)} ${avg(m).toFixed(4)}`).join(", ")}, against ${meanPred.toFixed(4)} for the fold's training mean. ${wins.map((w) => `${modelLabel(w.m)} beats ${modelLabel(reference)} in ${w.wins} of ${folds.length} folds`).join("; ")}${budget.length ? ` (${budget.join("; ")})` : ""}.`;
}

/**
 * How far the reduced-budget sweep is from the fully trained models: for each network, its
 * sweep test MSE at the saved latent size against the saved model's test MSE. A ratio well
 * above 1 means the sweep's networks are under-trained, so their crossovers with PCA (which
 * is fitted exactly) are conservative.
 * @param saved model -> its saved latent size and full-budget test MSE.
 */
export function sweepBudgetSentences(
  points: SweepPoint[],
  saved: Record<string, { latentDim: number; testMse: number }>,
): string[] {
  const out: string[] = [];
  for (const [m, s] of Object.entries(saved)) {
    const p = points.find((q) => q.model === m && q.latentDim === s.latentDim);
    if (!p) continue;
    const r = p.testMse / s.testMse;
    out.push(
      `At its saved latent size (${s.latentDim}) the sweep's ${modelLabel(m)} reaches test MSE ${p.testMse.toFixed(4)} after ${p.epochs} epochs, against ${s.testMse.toFixed(4)} for the fully trained model (${r.toFixed(2)}×)${r > 1.2 ? ": the reduced budget under-trains it, so its comparison with PCA in the sweep is conservative" : ": the reduced budget is close to the full one"}.`,
    );
  }
  return out;
}
