/** walk-forward.ts */

import type { Autoencoder } from "../models/types";
import type { FitOptions } from "../train/types";
import { createModel } from "../models/load";
import { takeRows, type Matrix } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import { StandardScaler, DEFAULT_CLIP } from "../features/scaler";
import { dayToIso } from "../data/panel";
import { stratifiedSample } from "../features/sampling";
import type { Dataset } from "../features/dataset";
import { meanBaseline } from "./reconstruction";
import { type SavedModelSpec, type TrainFunction, meanSquaredError } from "./evaluation";

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
