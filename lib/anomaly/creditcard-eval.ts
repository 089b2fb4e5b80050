/** creditcard-eval.ts */

import type { Matrix } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import {
  confusion,
  prCurve,
  rocCurve,
  weightedRocAuc,
  type Confusion,
  type PrCurve,
  type RocCurve,
} from "../stats/roc";
import { applyThreshold, fitThreshold, type ThresholdResult, type ThresholdSpec } from "./thresholds";
import {
  bootstrapStatistic,
  DEFAULT_ALPHA,
  DEFAULT_N_BOOT,
  percentileInterval,
  type Interval,
} from "../stats/bootstrap";
import { argsort } from "../stats/descriptive";
import type { RowModel } from "../models/types";
import { reconstructionScores } from "./creditcard";
import { fitStandardisedError } from "./residual-scores";

// ---------------------------------------------------------------------------------------
// Thresholds
// ---------------------------------------------------------------------------------------

/** A named threshold rule. */
export interface ThresholdRule {
  name: string;
  spec: ThresholdSpec;
}

/** POT target: one false alarm per 1,000 normal transactions, the order of the real fraud rate (1.7 per 1,000). */
export const POT_TARGET_RATE = 0.001;

/** The stage's threshold rules: the 95th and 99th percentiles and the POT tail at POT_TARGET_RATE. */
export const CREDITCARD_THRESHOLD_RULES: ThresholdRule[] = [
  { name: "p95", spec: { method: "percentile", q: 0.95 } },
  { name: "p99", spec: { method: "percentile", q: 0.99 } },
  { name: "POT 0.1%", spec: { method: "pot", targetRate: POT_TARGET_RATE } },
];

/** A fitted rule. */
export interface NamedThreshold {
  name: string;
  result: ThresholdResult;
}

/** Fit every rule on calibration scores (the validation split's normal rows). */
export function fitCreditCardThresholds(
  calibrationScores: ArrayLike<number>,
  rules: ThresholdRule[] = CREDITCARD_THRESHOLD_RULES,
): NamedThreshold[] {
  if (calibrationScores.length === 0)
    throw new Error(
      "No calibration scores to fit thresholds on: the validation split has no normal rows; use a larger data set.",
    );
  return rules.map((r) => ({ name: r.name, result: fitThreshold(calibrationScores, r.spec) }));
}

/** One model's scores on the test split and its thresholds from the calibration rows. */
export interface ScoredModel {
  /** Display label, e.g. "ae" or "ae (all rows)". */
  label: string;
  model: RowModel;
  /** `[nTest]` scores of the test rows: standardised reconstruction error when fitted with training rows, else MSE. */
  test: Float64Array;
  /** Calibration rows scored. */
  nCalibration: number;
  thresholds: NamedThreshold[];
}

/**
 * Score the test rows and fit the thresholds on the calibration rows' scores (the
 * validation split's normal rows: held out from training, free of frauds). With
 * `trainRows` (the rows the model was fitted on) the score is the standardised
 * reconstruction error (lib/anomaly/residual-scores.ts: each feature's error divided by
 * its spread on those rows); without, the plain reconstruction MSE.
 */
export function scoreModel(
  label: string,
  model: RowModel,
  X: Matrix,
  calibrationRows: Int32Array,
  testRows: Int32Array,
  rules: ThresholdRule[] = CREDITCARD_THRESHOLD_RULES,
  trainRows?: Int32Array,
): ScoredModel {
  const scorer = trainRows ? fitStandardisedError(model, X, trainRows) : null;
  const score = (rows: Int32Array) => (scorer ? scorer.score(X, rows) : reconstructionScores(model, X, rows));
  const calibration = score(calibrationRows);
  return {
    label,
    model,
    test: score(testRows),
    nCalibration: calibration.length,
    thresholds: fitCreditCardThresholds(calibration, rules),
  };
}

/** Scores sorted once (descending) with their groups of equal values, for repeated weighted passes. */
export interface RankedScores {
  /** Row indices by descending score `[n]`. */
  order: Int32Array;
  /** Start position (in `order`) of each group of equal scores, plus n at the end `[nGroups + 1]`. */
  groupStart: Int32Array;
  /** Score of each group `[nGroups]`, descending. */
  groupScore: Float64Array;
  /** 0/1 labels `[n]` in the original row order. */
  labels: Uint8Array;
  /** Scores `[n]` in the original row order. */
  scores: Float64Array;
}

/** Sort scores once for `weightedDetectionMetrics`. Scores must be finite. */
export function rankScores(scores: ArrayLike<number>, labels: ArrayLike<number>): RankedScores {
  const n = scores.length;
  if (labels.length !== n)
    throw new Error(`labels has ${labels.length} values but there are ${n} scores; align them row by row.`);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(scores[i]!)) throw new Error(`scores[${i}] is ${scores[i]}; scores must be finite.`);
  const order = argsort(scores, true);
  const starts: number[] = [];
  const values: number[] = [];
  for (let p = 0; p < n; p++) {
    const v = scores[order[p]!]!;
    if (p === 0 || v !== values[values.length - 1]) {
      starts.push(p);
      values.push(v);
    }
  }
  starts.push(n);
  return {
    order,
    groupStart: Int32Array.from(starts),
    groupScore: Float64Array.from(values),
    labels: Uint8Array.from(labels as ArrayLike<number>, (v) => (v > 0 ? 1 : 0)),
    scores: Float64Array.from(scores),
  };
}

/** Detection metrics of one (possibly resampled) evaluation. NaN where undefined. */
export interface WeightedMetrics {
  rocAuc: number;
  averagePrecision: number;
  /** Per k: precision and recall among the k highest scores (ties shared in expectation). */
  precisionAtK: number[];
  recallAtK: number[];
  /** Per threshold (flag = score > t): true and false positives. */
  tp: number[];
  fp: number[];
  /** Weighted positives and negatives. */
  nPos: number;
  nNeg: number;
}

/**
 * ROC-AUC, average precision, precision/recall at k and the flagged counts at thresholds,
 * for rows weighted by `weights` (bootstrap multiplicities; null = every row once), in one
 * pass over the pre-sorted scores. With integer weights it equals the library metrics
 * (lib/stats/roc.ts) on the vector in which row i appears weights[i] times: equal
 * scores form one threshold, ties count one half in the AUC and share the slots at the k-th score.
 * @param ks integers in 1..total weight.
 * @param thresholds flag rule `score > t`.
 */
export function weightedDetectionMetrics(
  r: RankedScores,
  weights: ArrayLike<number> | null,
  ks: number[],
  thresholds: number[],
): WeightedMetrics {
  const { order, groupStart, groupScore, labels } = r;
  const nGroups = groupScore.length;
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < labels.length; i++) {
    const w = weights ? weights[i]! : 1;
    if (labels[i]) nPos += w;
    else nNeg += w;
  }
  // First group not flagged by each threshold (groups are descending, flag = score > t).
  const cut = thresholds.map((t) => {
    let lo = 0;
    let hi = nGroups;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (groupScore[mid]! > t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
  const tpAt = new Array<number>(thresholds.length).fill(NaN);
  const fpAt = new Array<number>(thresholds.length).fill(NaN);
  const hits = new Array<number>(ks.length).fill(NaN);
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (let g = 0; g <= nGroups; g++) {
    for (let t = 0; t < cut.length; t++)
      if (cut[t] === g) {
        tpAt[t] = tp;
        fpAt[t] = fp;
      }
    if (g === nGroups) break;
    let wp = 0;
    let wn = 0;
    for (let p = groupStart[g]!; p < groupStart[g + 1]!; p++) {
      const i = order[p]!;
      const w = weights ? weights[i]! : 1;
      if (w === 0) continue;
      if (labels[i]) wp += w;
      else wn += w;
    }
    if (wp + wn === 0) continue;
    const before = tp + fp;
    for (let q = 0; q < ks.length; q++) {
      const k = ks[q]!;
      if (k > before && k <= before + wp + wn) hits[q] = tp + ((k - before) * wp) / (wp + wn);
    }
    tp += wp;
    fp += wn;
    if (wp > 0) ap += (wp / nPos) * (tp / (tp + fp));
  }
  return {
    rocAuc: weightedRocAuc(order, r.scores, labels, weights, { descending: true }),
    averagePrecision: nPos > 0 ? ap : NaN,
    precisionAtK: hits.map((h, q) => h / ks[q]!),
    recallAtK: hits.map((h) => (nPos > 0 ? h / nPos : NaN)),
    tp: tpAt,
    fp: fpAt,
    nPos,
    nNeg,
  };
}

/** Evaluation of one model at one threshold. */
export interface ThresholdEvaluation {
  name: string;
  threshold: number;
  /** False-alarm rate the rule expects on normal rows. */
  expectedRate: number;
  /** Test rows flagged and their share. */
  flagged: number;
  flaggedRate: number;
  /** Confusion table against the labels (null without labels). */
  confusion: Confusion | null;
  precision: Interval | null;
  recall: Interval | null;
  /** The rule's caveats (e.g. a POT fallback). */
  warnings: string[];
}

/** Everything measured for one model on the test split. */
export interface ModelEvaluation {
  model: string;
  /** What the model was trained on, in words. */
  trainedOn: string;
  nTest: number;
  nFrauds: number | null;
  /** PR-AUC of a random detector: the test fraud rate. */
  baseline: number | null;
  rocAuc: Interval | null;
  averagePrecision: Interval | null;
  atK: { k: number; precision: Interval; recall: Interval }[];
  thresholds: ThresholdEvaluation[];
  nBoot: number;
  alpha: number;
}

/** Options of `evaluateDetector`. */
export interface EvaluateOptions {
  /** k values for precision/recall at k (kept when <= test rows). */
  ks: number[];
  nBoot?: number;
  alpha?: number;
  rng: Rng;
  trainedOn?: string;
}

/**
 * Evaluate test scores against labels with bootstrap intervals (rows resampled with
 * replacement; transactions are treated as independent since the data has no card id).
 * Without labels only the flag counts at each threshold are reported.
 * @param scores `[nTest]` finite scores, higher = more anomalous.
 * @param labels `[nTest]` 0/1 or null.
 */
export function evaluateDetector(
  model: string,
  scores: Float64Array,
  labels: ArrayLike<number> | null,
  thresholds: NamedThreshold[],
  options: EvaluateOptions,
): ModelEvaluation {
  const n = scores.length;
  if (n === 0) throw new Error(`evaluateDetector(${model}): no test scores.`);
  const nBoot = options.nBoot ?? DEFAULT_N_BOOT;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const ks = options.ks.filter((k) => Number.isInteger(k) && k >= 1 && k <= n);
  const flagsAt = thresholds.map((t) => applyThreshold(scores, t.result));
  const base = { model, trainedOn: options.trainedOn ?? "", nTest: n, nBoot, alpha };
  if (labels === null) {
    return {
      ...base,
      nFrauds: null,
      baseline: null,
      rocAuc: null,
      averagePrecision: null,
      atK: [],
      thresholds: thresholds.map((t, j) => ({
        name: t.name,
        threshold: t.result.threshold,
        expectedRate: t.result.expectedRate,
        flagged: flagsAt[j]!.nFlagged,
        flaggedRate: flagsAt[j]!.nFlagged / n,
        confusion: null,
        precision: null,
        recall: null,
        warnings: t.result.warnings,
      })),
    };
  }
  const ranked = rankScores(scores, labels);
  const thr = thresholds.map((t) => t.result.threshold);
  const reps: WeightedMetrics[] = [];
  const counts = new Int32Array(n);
  let estimate: WeightedMetrics | null = null;
  bootstrapStatistic(
    n,
    (idx) => {
      counts.fill(0);
      for (let q = 0; q < idx.length; q++) counts[idx[q]!]!++;
      const m = weightedDetectionMetrics(ranked, counts, ks, thr);
      if (estimate === null) estimate = m;
      else reps.push(m);
      return m.rocAuc;
    },
    { nBoot, alpha, rng: options.rng },
  );
  const est = estimate as unknown as WeightedMetrics;
  const interval = (get: (m: WeightedMetrics) => number): Interval =>
    percentileInterval(get(est), reps.map(get), alpha);
  const nFrauds = est.nPos;
  return {
    ...base,
    nFrauds,
    baseline: nFrauds / n,
    rocAuc: nFrauds > 0 && nFrauds < n ? interval((m) => m.rocAuc) : null,
    averagePrecision: nFrauds > 0 ? interval((m) => m.averagePrecision) : null,
    atK: ks.map((k, q) => ({
      k,
      precision: interval((m) => m.precisionAtK[q]!),
      recall: interval((m) => m.recallAtK[q]!),
    })),
    thresholds: thresholds.map((t, j) => {
      const flags = flagsAt[j]!;
      return {
        name: t.name,
        threshold: t.result.threshold,
        expectedRate: t.result.expectedRate,
        flagged: flags.nFlagged,
        flaggedRate: flags.nFlagged / n,
        confusion: confusion(flags.flags, labels),
        precision: interval((m) => (m.tp[j]! + m.fp[j]! > 0 ? m.tp[j]! / (m.tp[j]! + m.fp[j]!) : NaN)),
        recall: interval((m) => (m.nPos > 0 ? m.tp[j]! / m.nPos : NaN)),
        warnings: t.result.warnings,
      };
    }),
  };
}

/** k values for precision/recall at k: sizes of an analyst's review queue. */
export const K_LADDER = [10, 25, 50, 100, 200, 500, 1000, 2000, 5000];
/** At most this many k values are reported. */
export const MAX_KS = 4;

/**
 * Several k around the number of test frauds: ladder values from a quarter to four times
 * the fraud count (at most MAX_KS, at most the number of rows), so that both a queue much
 * shorter than the frauds (precision) and one longer (recall) are shown.
 */
export function chooseKs(nRows: number, nFrauds: number | null): number[] {
  const within = K_LADDER.filter((k) => k <= nRows);
  if (nFrauds === null || nFrauds === 0) return within.slice(0, MAX_KS);
  const near = within.filter((k) => k >= nFrauds / 4 && k <= nFrauds * 4);
  const pickFrom = near.length ? near : within.slice(0, 1);
  if (pickFrom.length <= MAX_KS) return pickFrom;
  // Keep the values closest to nFrauds on a log scale.
  return [...pickFrom]
    .sort((a, b) => Math.abs(Math.log(a / nFrauds)) - Math.abs(Math.log(b / nFrauds)))
    .slice(0, MAX_KS)
    .sort((a, b) => a - b);
}

/** The model with the highest estimate of a metric, or null without labels. */
export function bestBy(evals: ModelEvaluation[], metric: "rocAuc" | "averagePrecision"): ModelEvaluation | null {
  let best: ModelEvaluation | null = null;
  for (const e of evals) {
    const v = e[metric];
    if (v && Number.isFinite(v.estimate) && (!best || v.estimate > best[metric]!.estimate)) best = e;
  }
  return best;
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

/** Points of the ROC and PR curves of every model, for `curvesChart`. */
export interface ModelCurves {
  model: string;
  roc: RocCurve;
  pr: PrCurve;
}

/** ROC and PR curves of one model's test scores (null without labels or with one class). */
export function modelCurves(model: string, scores: Float64Array, labels: ArrayLike<number> | null): ModelCurves | null {
  if (labels === null) return null;
  const roc = rocCurve(scores, labels);
  const pr = prCurve(scores, labels);
  return roc && pr ? { model, roc, pr } : null;
}
