/**
 * What every model notebook (02-05) does around its model: train with visible progress,
 * measure reconstruction on each split against PCA and the mean predictor, draw loss
 * curves and reconstruction examples, and save the model with its latents (df_latents)
 * and per-row reconstruction errors for the notebooks that follow.
 *
 * Row models (AE, VAE, DAE, PCA) score token-days; the Conv1D model scores the window ending
 * on each token-day. Every token-day of the history is scored, the days in the gaps between
 * the splits included (split "gap": out of training, thresholds and evaluation metrics; see
 * scoring.ts). Both are saved in the same table layout (token, day, split, ...), so the
 * latent and anomaly notebooks treat all models alike.
 */

import { relativeWording } from "../stats/compare";
import * as path from "node:path";
import type { Autoencoder } from "../models/types";
import { DENSE_LEARNING_RATE } from "../models/defaults";
import type { FitOptions, TrainHistory, EpochRecord } from "../train/types";
import { flattenWindows, type Matrix, type Windows } from "../runtime/matrix";
import type { NotebookContext } from "./notebook";
import { Progress } from "../runtime/progress";
import { matrixColumns } from "../runtime/artifacts";
import { ANOMALY_KINDS, dayToIso } from "../data/panel";
import { SPLIT_NAMES, type Dataset } from "../features/dataset";
import type * as charts from "../viz/charts";
import { allDatasetRows, scoreRowModel, scoreWindowModel, windowEndDatasetRows, type ChunkedScores } from "./scoring";
import type { SectionBuilder } from "../report/sections";
import { saveFigure } from "../viz/render";
import { showChart, showTable } from "../viz/display";
import { meanBaseline, reconstructionMetrics } from "../evaluate/reconstruction";
import { lossCurveSpecs, reconstructionChart } from "../viz/training";

/**
 * Smallest decrease of the validation loss that counts as progress for early stopping.
 * Losses here are mean squared errors of standardised features (order 0.01-1): a gain below
 * 1e-4 per `patience` epochs is below what changes any result downstream, so training
 * counts as converged instead of creeping on until the epoch limit.
 */
export const CONVERGENCE_MIN_DELTA = 1e-4;

/**
 * Smallest relative decrease of the validation loss that counts as progress: 0.1% per
 * `patience` epochs. Measured on the default run's saved histories: the VAE stopped at epoch
 * 109 with this rule's stop at 76 (best loss 0.6% higher), the Conv1D AE at 91 vs 75 (0.1%),
 * the AE and DAE unchanged (they still gain more than 0.1% per 10 epochs until they stop).
 */
export const CONVERGENCE_MIN_RELATIVE_DELTA = 1e-3;

/** Fit options from the profile (learning rate: DENSE_LEARNING_RATE), overridable per notebook. */
export function profileFitOptions(ctx: NotebookContext, overrides: Partial<FitOptions> = {}): FitOptions {
  const s = ctx.config.settings;
  return {
    maxEpochs: s.maxEpochs,
    batchSize: s.batchSize,
    patience: s.patience,
    learningRate: DENSE_LEARNING_RATE,
    minDelta: CONVERGENCE_MIN_DELTA,
    minRelativeDelta: CONVERGENCE_MIN_RELATIVE_DELTA,
    seed: ctx.config.seed,
    ...overrides,
  };
}

/** Train with one progress line updated per epoch (in the cell and on the runner's terminal). */
export async function trainWithProgress<X>(
  model: Autoencoder<X>,
  train: X,
  validation: X,
  options: FitOptions,
): Promise<TrainHistory> {
  const progress = new Progress(`train ${model.name}`);
  const user = options.onEpoch;
  const history = await model.fit(train, validation, {
    ...options,
    onEpoch: (e: EpochRecord) => {
      const terms = e.terms
        ? " " +
          Object.entries(e.terms)
            .filter(([k]) => k !== "beta")
            .map(([k, v]) => `${k}=${v.toPrecision(4)}`)
            .join(" ")
        : "";
      progress.update(
        `epoch ${e.epoch}/${options.maxEpochs} loss=${e.loss.toPrecision(5)} val=${e.valLoss.toPrecision(5)}${terms} lr=${e.learningRate.toPrecision(2)} ${e.seconds.toFixed(1)}s/epoch`,
      );
      user?.(e);
    },
  });
  const capped = history.cappedFrom === undefined ? "" : ` (CAPPED from ${history.cappedFrom} by CAE_MAX_EPOCHS)`;
  progress.done(
    `stopped: ${history.stopReason}${capped} after ${history.epochs.length} epochs; best epoch ${history.bestEpoch}, val loss ${history.bestValLoss.toPrecision(5)}`,
  );
  return history;
}

/** Keys of the rows a model scores: token-days for row models, windows for Conv1D. */
export interface RowKeys {
  token: Int32Array;
  day: Int32Array;
  /** Split code per row (index into SPLIT_NAMES). */
  split: Int8Array;
  /** Ground-truth anomaly kind per row (for windows: the last day's, or the window's worst), or null. */
  anomaly: Int8Array | null;
}

/**
 * Keys of every dataset row, gap days included (gap rows carry split "gap": they stay out of
 * training, thresholds and evaluation metrics, but are scored so that the stress index and
 * the agreement of models cover the whole history).
 */
export function datasetKeys(d: Dataset): { keys: RowKeys; rows: Int32Array } {
  return { rows: allDatasetRows(d), keys: rowKeysOf(d, allDatasetRows(d)) };
}

/** Keys of the given dataset rows (for Conv1D: the rows that end a window, keyed by that day). */
export function rowKeysOf(d: Dataset, r: Int32Array): RowKeys {
  return {
    token: Int32Array.from(r, (i) => d.token[i]!),
    day: Int32Array.from(r, (i) => d.day[i]!),
    split: Int8Array.from(r, (i) => d.split[i]!),
    anomaly: d.anomaly ? Int8Array.from(r, (i) => d.anomaly![i]!) : null,
  };
}

/**
 * Keys of the windows ending at `ends` (dataset rows, each ending `length` contiguous days of
 * its token): the end day's token, day and split; anomalous when any of its days is.
 */
export function windowEndKeys(d: Dataset, ends: Int32Array, length: number): RowKeys {
  const keys = rowKeysOf(d, ends);
  if (d.anomaly) {
    const a = d.anomaly;
    keys.anomaly = Int8Array.from(ends, (e) => {
      let k = 0;
      for (let r = e - length + 1; r <= e; r++) if (a[r]! > 0) k = a[r]!;
      return k;
    });
  }
  return keys;
}

/**
 * Save a model's outputs: models/<name>/ (weights + meta with scaler and feature names),
 * `latents-<name>` (df_latents: token, symbol, sector, day, date, split, z0..) and
 * `errors-<name>` (token, day, split, anomaly, mse, mae[, elbo], and per-feature squared
 * errors e_<feature>).
 */
export async function saveModelOutputs<X>(
  ctx: NotebookContext,
  model: Autoencoder<X>,
  d: Dataset,
  x: X | ChunkedScores,
  keys: RowKeys,
  extra: Record<string, unknown> = {},
): Promise<{ latents: Matrix; mse: Float64Array; mae: Float64Array; elbo: Float64Array | null }> {
  await model.save(path.join(ctx.config.paths.models, model.name), {
    scaler: d.meta.scaler,
    featureNames: d.meta.featureNames,
    ...extra,
  });
  const scored = isChunkedScores(x) ? x : scoreAll(model, x);
  const { latents, mae, elbo } = scored;
  const sMse = { perRow: scored.mse, perFeature: scored.perFeature };
  const base = {
    token: Array.from(keys.token, (t) => d.tokens[t]!.id),
    symbol: Array.from(keys.token, (t) => d.tokens[t]!.symbol),
    sector: Array.from(keys.token, (t) => d.tokens[t]!.sector ?? "unknown"),
    day: keys.day,
    date: Array.from(keys.day, dayToIso),
    split: Array.from(keys.split, (s) => SPLIT_NAMES[s]!),
  };
  ctx.store.writeTable(`latents-${model.name}`, { ...base, ...matrixColumns(latents, "z") });
  const perFeature: Record<string, Float32Array> = {};
  const names = model.featureNames;
  const pf = sMse.perFeature;
  for (let j = 0; j < pf.cols; j++) {
    const c = new Float32Array(pf.rows);
    for (let i = 0; i < pf.rows; i++) c[i] = pf.data[i * pf.cols + j]!;
    perFeature[`e_${names[j] ?? j}`] = c;
  }
  ctx.store.writeTable(`errors-${model.name}`, {
    ...base,
    anomaly: keys.anomaly ? Array.from(keys.anomaly, (k) => ANOMALY_KINDS[k]!) : Array.from(keys.day, () => ""),
    mse: sMse.perRow,
    mae,
    ...(elbo ? { elbo } : {}),
    ...perFeature,
  });
  return { latents, mse: sMse.perRow, mae, elbo };
}

/** Encode and score one input at once (small inputs; large ones go through scoreInChunks). */
function scoreAll<X>(model: Autoencoder<X>, x: X): ChunkedScores {
  const s = model.score(x, "mse");
  return {
    latents: model.encode(x),
    mse: s.perRow,
    perFeature: s.perFeature,
    mae: model.score(x, "mae").perRow,
    elbo: model.kind === "vae" ? model.score(x, "elbo").perRow : null,
  };
}

function isChunkedScores(x: unknown): x is ChunkedScores {
  return typeof x === "object" && x !== null && "perFeature" in x && "mse" in x && "latents" in x;
}

/**
 * Rows for a reconstruction-example chart: actual vs reconstructed values of `features`
 * for the given tokens over the test split.
 */
export function reconstructionExample(
  d: Dataset,
  reconstructed: Matrix,
  rows: Int32Array,
  tokens: number[],
  features: string[],
  maxDays = 120,
): charts.Row[] {
  const out: charts.Row[] = [];
  const fIdx = features.map((f) => d.meta.featureNames.indexOf(f));
  for (const t of tokens) {
    let taken = 0;
    for (let k = 0; k < rows.length && taken < maxDays; k++) {
      const i = rows[k]!;
      if (d.token[i] !== t || d.split[i] !== 2) continue;
      taken++;
      fIdx.forEach((j, q) => {
        if (j < 0) return;
        const label = `${d.tokens[t]!.symbol} · ${features[q]}`;
        out.push({ date: dayToIso(d.day[i]!), panel: label, series: "actual", value: d.X.data[i * d.X.cols + j]! });
        out.push({
          date: dayToIso(d.day[i]!),
          panel: label,
          series: "reconstructed",
          value: reconstructed.data[k * reconstructed.cols + j]!,
        });
      });
    }
  }
  return out;
}

/** The tokens with the most test rows, one per sector first (for examples). */
export function exampleTokens(d: Dataset, count = 3): number[] {
  const n = new Map<number, number>();
  for (let i = 0; i < d.split.length; i++) if (d.split[i] === 2) n.set(d.token[i]!, (n.get(d.token[i]!) ?? 0) + 1);
  const ranked = [...n.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t);
  const out: number[] = [];
  const seen = new Set<string>();
  for (const t of ranked) {
    const s = d.tokens[t]!.sector ?? "";
    if (s === "stablecoin" || seen.has(s)) continue;
    seen.add(s);
    out.push(t);
    if (out.length === count) break;
  }
  return out;
}

/** Windows-based keys for a Conv1D model: split code and anomaly per window (any labelled day in the window). */
export function windowKeys(
  d: Dataset,
  sets: { which: 0 | 1 | 2; token: Int32Array; endDay: Int32Array; startRow: Int32Array; length: number }[],
): RowKeys {
  const token: number[] = [],
    day: number[] = [],
    split: number[] = [],
    anomaly: number[] = [];
  for (const s of sets) {
    for (let w = 0; w < s.token.length; w++) {
      token.push(s.token[w]!);
      day.push(s.endDay[w]!);
      split.push(s.which);
      if (d.anomaly) {
        let k = 0;
        for (let r = s.startRow[w]!; r < s.startRow[w]! + s.length; r++) if (d.anomaly[r]! > 0) k = d.anomaly[r]!;
        anomaly.push(k);
      }
    }
  }
  return {
    token: Int32Array.from(token),
    day: Int32Array.from(day),
    split: Int8Array.from(split),
    anomaly: d.anomaly ? Int8Array.from(anomaly) : null,
  };
}

/** Concatenate window stacks of equal shape. */
export function concatWindows(list: Windows[]): Windows {
  const n = list.reduce((a, w) => a + w.n, 0);
  const size = list[0]!.length * list[0]!.features;
  const data = new Float32Array(n * size);
  let off = 0;
  for (const w of list) {
    data.set(w.data, off);
    off += w.data.length;
  }
  return { data, n, length: list[0]!.length, features: list[0]!.features };
}

/** Concatenate matrices with equal column counts. */
export function concatRows(list: Matrix[]): Matrix {
  const rows = list.reduce((a, m) => a + m.rows, 0);
  const data = new Float32Array(rows * list[0]!.cols);
  let off = 0;
  for (const m of list) {
    data.set(m.data, off);
    off += m.data.length;
  }
  return { data, rows, cols: list[0]!.cols };
}

/**
 * Reconstruction error of a model on each split beside PCA of the same latent size and the
 * training mean (both on `asMatrix` of the input: windows are compared flattened).
 */
function splitErrorRows<X>(
  model: Autoencoder<X>,
  pca: Autoencoder<Matrix>,
  splits: { train: X; validation: X; test: X },
  asMatrix: (x: X) => Matrix,
  countLabel: string,
): Record<string, string | number>[] {
  return (["train", "validation", "test"] as const).map((which) => {
    const m = reconstructionMetrics(model, splits[which]);
    const p = reconstructionMetrics(pca, asMatrix(splits[which]));
    const b = meanBaseline(asMatrix(splits.train), asMatrix(splits[which]));
    return {
      split: which,
      [countLabel]: m.n,
      [`${model.name} MSE`]: m.mse,
      [`PCA-${pca.latentDim} MSE`]: p.mse,
      "mean MSE": b.mse,
      [`${model.name} MAE`]: m.mae,
      [`PCA-${pca.latentDim} MAE`]: p.mae,
      "mean MAE": b.mae,
    };
  });
}

/** Save a model's loss curves under figures/ for the report (the notebook showed them after training). */
async function saveLossFigures(
  ctx: NotebookContext,
  modelName: string,
  history: TrainHistory,
  figurePrefix: string,
): Promise<void> {
  for (const [k, spec] of lossCurveSpecs(history, `${modelName.toUpperCase()} training`).entries()) {
    await saveFigure(ctx.figuresDir, `${figurePrefix}-loss${k === 0 ? "" : "-terms"}`, spec);
  }
}

/** Options of evaluateAndSaveRowModel. */
export interface RowModelReport {
  /** The report section of the notebook. */
  section: SectionBuilder;
  /** The PCA baseline of the same latent size (fitted here when absent). */
  pca: Autoencoder<Matrix>;
  /** Figure-name prefix, e.g. "02-ae". */
  figurePrefix: string;
  /** Features drawn in the reconstruction example. */
  exampleFeatures?: string[];
  /** Extra entries for the model's meta.json. */
  extra?: Record<string, unknown>;
}

/** Split matrices of a dataset. */
export interface SplitMatrices {
  train: Matrix;
  validation: Matrix;
  test: Matrix;
}

/**
 * Score a trained row model on every split against PCA and the mean predictor, show the
 * table and a reconstruction example, save the model and its outputs, and fill the report
 * section. Returns the metrics table rows.
 */
export async function evaluateAndSaveRowModel(
  ctx: NotebookContext,
  d: Dataset,
  model: Autoencoder<Matrix>,
  history: TrainHistory,
  splits: SplitMatrices,
  o: RowModelReport,
): Promise<Record<string, string | number>[]> {
  const rows = splitErrorRows(model, o.pca, splits, (x) => x, "rows");
  showTable(rows, {
    caption: `Reconstruction error per value (standardised features): ${model.name} vs PCA with the same latent size vs predicting the training mean`,
  });
  const test = rows[2]!;
  const mse = test[`${model.name} MSE`] as number,
    pmse = test[`PCA-${o.pca.latentDim} MSE`] as number,
    bmse = test["mean MSE"] as number;

  const tokens = exampleTokens(d, 2);
  const features = o.exampleFeatures ?? ["logret_1d", "vol_10d"].filter((f) => d.meta.featureNames.includes(f));
  const testRecon = model.reconstruct(splits.test);
  const example = reconstructionExample(d, testRecon, d.idx.test, tokens, features);
  const figName = `${o.figurePrefix}-reconstruction`;
  await showChart(reconstructionChart(example, `${model.name.toUpperCase()}: reconstruction of test days`), {
    save: { dir: ctx.figuresDir, name: figName },
  });
  await saveLossFigures(ctx, model.name, history, o.figurePrefix);

  const { keys, rows: all } = datasetKeys(d);
  await saveModelOutputs(ctx, model, d, scoreRowModel(model, d, all), keys, {
    history: { bestEpoch: history.bestEpoch, stopReason: history.stopReason, epochs: history.epochs.length },
    testMse: mse,
    ...o.extra,
  });

  const perEpoch = history.epochs.reduce((a, e) => a + e.seconds, 0) / Math.max(1, history.epochs.length);
  o.section.headline({
    [`${model.name} test MSE`]: mse,
    [`PCA-${o.pca.latentDim} test MSE`]: pmse,
    "mean-predictor test MSE": bmse,
    epochs: history.epochs.length,
    "best epoch": history.bestEpoch,
    "seconds per epoch": Number(perEpoch.toFixed(2)),
  });
  o.section.finding(
    `On the test split the ${model.name.toUpperCase()} reconstructs standardised features with MSE **${mse.toFixed(4)}**, ${relativeWording(mse, pmse, { bold: true })} PCA with the same ${o.pca.latentDim}-dimensional bottleneck (${pmse.toFixed(4)}) and ${relativeWording(mse, bmse, { lower: "below", higher: "above", than: false })} predicting the training mean (${bmse.toFixed(4)}).`,
  );
  o.section.finding(
    `Training stopped by **${history.stopReason}** after ${history.epochs.length} epochs (best validation loss ${history.bestValLoss.toPrecision(4)} at epoch ${history.bestEpoch}), ${perEpoch.toFixed(2)} s per epoch on the ${ctx.backend} backend.`,
  );
  o.section.table(`Reconstruction error by split (${model.name} vs PCA vs mean)`, rows);
  o.section.figure(`${o.figurePrefix}-loss`, `${model.name.toUpperCase()}: training and validation loss per epoch.`);
  o.section.figure(figName, `${model.name.toUpperCase()}: actual vs reconstructed features on test days.`);
  return rows;
}

/** Window stacks of each split with their keys. */
export interface SplitWindows {
  train: Windows;
  validation: Windows;
  test: Windows;
  sets: { which: 0 | 1 | 2; token: Int32Array; endDay: Int32Array; startRow: Int32Array; length: number }[];
}

/** Build per-token windows of every split (scaled features; a window never crosses a split, gap or missing day). */
export function splitWindowSets(
  _d: Dataset,
  length: number,
  stride: number,
  make: (which: "train" | "validation" | "test") => {
    windows: Windows;
    token: Int32Array;
    endDay: Int32Array;
    startRow: Int32Array;
  },
): SplitWindows {
  const tr = make("train"),
    va = make("validation"),
    te = make("test");
  if (tr.windows.n === 0 || va.windows.n === 0 || te.windows.n === 0) {
    throw new Error(
      `Windows of ${length} days leave a split empty (train ${tr.windows.n}, validation ${va.windows.n}, test ${te.windows.n}): use a shorter window (CAE profile windowLength) or more days of data.`,
    );
  }
  void stride;
  return {
    train: tr.windows,
    validation: va.windows,
    test: te.windows,
    sets: [
      { which: 0, token: tr.token, endDay: tr.endDay, startRow: tr.startRow, length },
      { which: 1, token: va.token, endDay: va.endDay, startRow: va.startRow, length },
      { which: 2, token: te.token, endDay: te.endDay, startRow: te.startRow, length },
    ],
  };
}

/** Flattened feature names of a window, e.g. "t07:logret_1d". */
export function windowFeatureNames(featureNames: string[], length: number): string[] {
  const out: string[] = [];
  for (let t = 0; t < length; t++) for (const f of featureNames) out.push(`t${String(t).padStart(2, "0")}:${f}`);
  return out;
}

/**
 * The Conv1D counterpart of evaluateAndSaveRowModel: error per split against PCA on the
 * flattened windows (same latent size) and the mean window, a reconstruction example,
 * outputs saved per window (keyed by its last day).
 */
export async function evaluateAndSaveWindowModel(
  ctx: NotebookContext,
  d: Dataset,
  model: Autoencoder<Windows>,
  history: TrainHistory,
  w: SplitWindows,
  o: { section: SectionBuilder; pca: Autoencoder<Matrix>; figurePrefix: string },
): Promise<Record<string, string | number>[]> {
  const rows = splitErrorRows(model, o.pca, w, flattenWindows, "windows");
  showTable(rows, {
    caption: `Reconstruction error per value over windows: ${model.name} vs PCA on flattened windows (same latent size) vs the mean window`,
  });
  const test = rows[2]!;
  const mse = test[`${model.name} MSE`] as number,
    pmse = test[`PCA-${o.pca.latentDim} MSE`] as number,
    bmse = test["mean MSE"] as number;

  // Reconstruction example: the first test window of two example tokens, features over its days.
  const testSet = w.sets[2]!;
  const recon = model.reconstruct(w.test);
  const exampleRows: charts.Row[] = [];
  const feats = ["logret_1d", "vol_10d"].map((f) => d.meta.featureNames.indexOf(f)).filter((j) => j >= 0);
  for (const t of exampleTokens(d, 2)) {
    const k = Array.from(testSet.token).indexOf(t);
    if (k < 0) continue;
    for (let s = 0; s < w.test.length; s++) {
      const date = dayToIso(testSet.endDay[k]! - (w.test.length - 1 - s));
      for (const j of feats) {
        const idx = (k * w.test.length + s) * w.test.features + j;
        const label = `${d.tokens[t]!.symbol} · ${d.meta.featureNames[j]}`;
        exampleRows.push({ date, panel: label, series: "actual", value: w.test.data[idx]! });
        exampleRows.push({ date, panel: label, series: "reconstructed", value: recon.data[idx]! });
      }
    }
  }
  const figName = `${o.figurePrefix}-reconstruction`;
  await showChart(reconstructionChart(exampleRows, `${model.name.toUpperCase()}: one test window reconstructed`), {
    save: { dir: ctx.figuresDir, name: figName },
  });
  await saveLossFigures(ctx, model.name, history, o.figurePrefix);

  // Scored: the window ending on every token-day that ends one, across splits and gaps.
  const ends = windowEndDatasetRows(d, w.train.length);
  await saveModelOutputs(
    ctx,
    model,
    d,
    scoreWindowModel(model, d, w.train.length, ends),
    windowEndKeys(d, ends, w.train.length),
    {
      history: { bestEpoch: history.bestEpoch, stopReason: history.stopReason, epochs: history.epochs.length },
      testMse: mse,
      windowLength: w.train.length,
    },
  );

  const perEpoch = history.epochs.reduce((a, e) => a + e.seconds, 0) / Math.max(1, history.epochs.length);
  o.section.headline({
    [`${model.name} test MSE`]: mse,
    [`PCA-${o.pca.latentDim} test MSE`]: pmse,
    "mean-window test MSE": bmse,
    "test windows": w.test.n,
    epochs: history.epochs.length,
    "seconds per epoch": Number(perEpoch.toFixed(2)),
  });
  o.section.finding(
    `Over ${w.test.length}-day windows the ${model.name.toUpperCase()} reconstructs test windows with MSE **${mse.toFixed(4)}**, ${relativeWording(mse, pmse, { bold: true })} PCA on the flattened windows with the same ${o.pca.latentDim}-dimensional code (${pmse.toFixed(4)}), and ${relativeWording(mse, bmse, { lower: "below", higher: "above", than: false })} the mean window (${bmse.toFixed(4)}).`,
  );
  o.section.finding(
    `Training stopped by **${history.stopReason}** after ${history.epochs.length} epochs (best epoch ${history.bestEpoch}), ${perEpoch.toFixed(2)} s per epoch on the ${ctx.backend} backend.`,
  );
  o.section.table(`Reconstruction error by split (${model.name} vs PCA vs mean window)`, rows);
  o.section.figure(`${o.figurePrefix}-loss`, `${model.name.toUpperCase()}: training and validation loss per epoch.`);
  o.section.figure(figName, `${model.name.toUpperCase()}: actual vs reconstructed window.`);
  return rows;
}
