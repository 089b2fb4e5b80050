/**
 * Detection quality against ground truth: ROC-AUC, average precision, curves for plotting,
 * precision/recall at k and the confusion table of a thresholded detector.
 *
 * Definitions follow scikit-learn so that numbers can be compared with the Python
 * literature: ROC-AUC counts tied scores as half a win (Mann-Whitney U, average ranks);
 * average precision is the step-wise sum over distinct score values (equal scores form one
 * threshold, never split). Scores are "higher = more anomalous".
 *
 * Ground truth is optional in this project (real markets have none): every function that
 * needs labels accepts `null` and then returns `null`, so a notebook can call them
 * unconditionally. Labels whose single class makes a metric undefined also give `null`.
 * Non-finite scores throw (they signal a bug upstream), naming the index.
 */

import { argsort, assertSameLength, averageRanks, toFinite64, type NumericVector } from "./descriptive";

/**
 * Ground-truth labels, one per row: booleans, or numbers where 0 is normal and any positive
 * number is an anomaly (so an anomaly-kind code per row works directly).
 */
export type Labels = ArrayLike<number | boolean>;

/**
 * Default number of points kept when a curve is downsampled for plotting: one point per
 * ~2 px of a 400 px wide chart, visually identical to the full curve and a small SVG path.
 */
export const MAX_CURVE_POINTS = 200;

/**
 * Convert labels to 0/1, checking them.
 * @throws on negative, NaN or non-numeric labels, or a length mismatch with `n`.
 */
export function toBinaryLabels(labels: Labels, n: number, name = "labels"): Uint8Array {
  if (labels.length !== n) {
    throw new Error(`${name} has ${labels.length} values but there are ${n} scores; they must be aligned row by row.`);
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (typeof v === "boolean") out[i] = v ? 1 : 0;
    else if (typeof v === "number" && Number.isFinite(v) && v >= 0) out[i] = v > 0 ? 1 : 0;
    else {
      throw new Error(
        `${name}[${i}] is ${String(v)}; labels must be booleans or numbers >= 0 (0 = normal, > 0 = anomaly). ` +
          `Map a -1/+1 convention to 0/1 first.`,
      );
    }
  }
  return out;
}

/** Count positives in 0/1 labels. */
function countPositives(y: Uint8Array): number {
  let p = 0;
  for (let i = 0; i < y.length; i++) p += y[i]!;
  return p;
}

/**
 * ROC-AUC by the Mann-Whitney statistic with average ranks: the probability that a random
 * anomaly scores higher than a random normal row, ties counting one half. O(n log n).
 * Equals sklearn.metrics.roc_auc_score.
 * @param scores `[n]`, higher = more anomalous, finite.
 * @param labels `[n]` ground truth, or null.
 * @returns the AUC in [0, 1]; null when labels are null or hold a single class.
 */
export function rocAuc(scores: NumericVector, labels: Labels | null): number | null {
  const s = toFinite64(scores, "scores");
  if (labels === null || labels === undefined) return null;
  const y = toBinaryLabels(labels, s.length);
  const nPos = countPositives(y);
  const nNeg = y.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const ranks = averageRanks(s, "scores");
  let rankSum = 0;
  for (let i = 0; i < y.length; i++) if (y[i]) rankSum += ranks[i]!;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Cumulative true and false positives at each distinct score, scanning from the highest
 * score down (sklearn's `_binary_clf_curve`). Equal scores form one threshold.
 */
interface BinaryCurve {
  /** Distinct scores, descending `[m]`. Flag rule at threshold t: score >= t. */
  thresholds: Float64Array;
  tps: Float64Array;
  fps: Float64Array;
  nPos: number;
  nNeg: number;
}

function binaryCurve(s: Float64Array, y: Uint8Array): BinaryCurve {
  const order = argsort(s, true);
  const n = s.length;
  const thr: number[] = [];
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; i++) {
    const idx = order[i]!;
    if (y[idx]) tp++;
    else fp++;
    const next = i + 1 < n ? s[order[i + 1]!]! : NaN;
    if (next !== s[idx]) {
      thr.push(s[idx]!);
      tps.push(tp);
      fps.push(fp);
    }
  }
  return {
    thresholds: Float64Array.from(thr),
    tps: Float64Array.from(tps),
    fps: Float64Array.from(fps),
    nPos: tp,
    nNeg: fp,
  };
}

/**
 * Average precision (sklearn.metrics.average_precision_score): `sum_i (R_i - R_{i-1}) P_i`
 * over distinct scores from high to low, with R_0 = 0. Step-wise, no interpolation; rows
 * with equal scores enter together at one threshold.
 * @returns AP in [0, 1]; null when labels are null or there are no anomalies.
 */
export function averagePrecision(scores: NumericVector, labels: Labels | null): number | null {
  const s = toFinite64(scores, "scores");
  if (labels === null || labels === undefined) return null;
  const y = toBinaryLabels(labels, s.length);
  const c = binaryCurve(s, y);
  if (c.nPos === 0) return null;
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < c.thresholds.length; i++) {
    const tp = c.tps[i]!;
    const recall = tp / c.nPos;
    const precision = tp / (tp + c.fps[i]!);
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return ap;
}

/**
 * Area under the precision-recall curve by the trapezoidal rule over sklearn's
 * precision_recall_curve points (including the (recall 0, precision 1) start), i.e.
 * `sklearn.metrics.auc(recall, precision)`. Linear interpolation between PR points is
 * optimistic; prefer `averagePrecision` for reporting, this is for comparison with papers
 * that quote "PR-AUC".
 * @returns the area; null when labels are null or there are no anomalies.
 */
export function prAuc(scores: NumericVector, labels: Labels | null): number | null {
  const s = toFinite64(scores, "scores");
  if (labels === null || labels === undefined) return null;
  const y = toBinaryLabels(labels, s.length);
  const c = binaryCurve(s, y);
  if (c.nPos === 0) return null;
  let area = 0;
  let prevRecall = 0;
  let prevPrecision = 1;
  for (let i = 0; i < c.thresholds.length; i++) {
    const tp = c.tps[i]!;
    const recall = tp / c.nPos;
    const precision = tp / (tp + c.fps[i]!);
    area += ((recall - prevRecall) * (precision + prevPrecision)) / 2;
    prevRecall = recall;
    prevPrecision = precision;
  }
  return area;
}

/**
 * Pick at most `maxPoints` indices of a curve, evenly spaced along its path length, always
 * keeping the first and last point (so the curve's ends and shape survive downsampling).
 */
export function downsampleCurveIndices(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints: number): Int32Array {
  const n = x.length;
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) {
    throw new Error(`maxPoints must be an integer >= 2, got ${maxPoints}.`);
  }
  if (n <= maxPoints) return Int32Array.from({ length: n }, (_, i) => i);
  const cum = new Float64Array(n);
  for (let i = 1; i < n; i++) cum[i] = cum[i - 1]! + Math.hypot(x[i]! - x[i - 1]!, y[i]! - y[i - 1]!);
  const total = cum[n - 1]!;
  const keep: number[] = [0];
  if (total > 0) {
    const step = total / (maxPoints - 1);
    // Rounding slack so that a point exactly on a target (up to summation error) takes it.
    const slack = total * 1e-9;
    let nextTarget = step;
    for (let i = 1; i < n - 1; i++) {
      if (cum[i]! + slack >= nextTarget) {
        keep.push(i);
        // Skip targets this point already covers (long segments) so we never exceed maxPoints.
        nextTarget = (Math.floor((cum[i]! + slack) / step) + 1) * step;
      }
    }
  }
  if (keep.length >= maxPoints) keep.length = maxPoints - 1;
  keep.push(n - 1);
  return Int32Array.from(keep);
}

/** Points of a ROC curve, ordered from the strictest threshold (0, 0) to the loosest (1, 1). */
export interface RocCurve {
  /** False-positive rate per point. */
  fpr: Float64Array;
  /** True-positive rate per point. */
  tpr: Float64Array;
  /** Score threshold per point (flag when score >= threshold); the first is +Infinity. */
  thresholds: Float64Array;
  /** ROC-AUC of the full (not downsampled) curve. */
  auc: number;
  /** Points on the full curve before downsampling. */
  nFullPoints: number;
}

/**
 * ROC curve points at every distinct score (plus the (0, 0) start), downsampled to at most
 * `maxPoints` for plotting. The AUC is computed on the full curve.
 * @returns the curve; null when labels are null or hold a single class.
 */
export function rocCurve(scores: NumericVector, labels: Labels | null, maxPoints = MAX_CURVE_POINTS): RocCurve | null {
  const s = toFinite64(scores, "scores");
  if (labels === null || labels === undefined) return null;
  const y = toBinaryLabels(labels, s.length);
  const c = binaryCurve(s, y);
  if (c.nPos === 0 || c.nNeg === 0) return null;
  const m = c.thresholds.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const thr = new Float64Array(m);
  thr[0] = Infinity;
  let auc = 0;
  for (let i = 1; i < m; i++) {
    fpr[i] = c.fps[i - 1]! / c.nNeg;
    tpr[i] = c.tps[i - 1]! / c.nPos;
    thr[i] = c.thresholds[i - 1]!;
    auc += ((fpr[i]! - fpr[i - 1]!) * (tpr[i]! + tpr[i - 1]!)) / 2;
  }
  const keep = downsampleCurveIndices(fpr, tpr, maxPoints);
  return { fpr: pick(fpr, keep), tpr: pick(tpr, keep), thresholds: pick(thr, keep), auc, nFullPoints: m };
}

/** Points of a precision-recall curve, ordered by increasing recall. */
export interface PrCurve {
  precision: Float64Array;
  recall: Float64Array;
  /** Score threshold per point (flag when score >= threshold); the first is +Infinity. */
  thresholds: Float64Array;
  /** Average precision of the full curve. */
  averagePrecision: number;
  /** Fraction of anomalies among rows: the precision of a random detector. */
  baseline: number;
  /** Points on the full curve before downsampling. */
  nFullPoints: number;
}

/**
 * Precision-recall curve at every distinct score, starting at (recall 0, precision 1) as
 * sklearn does, downsampled to at most `maxPoints` for plotting.
 * @returns the curve; null when labels are null or there are no anomalies.
 */
export function prCurve(scores: NumericVector, labels: Labels | null, maxPoints = MAX_CURVE_POINTS): PrCurve | null {
  const s = toFinite64(scores, "scores");
  if (labels === null || labels === undefined) return null;
  const y = toBinaryLabels(labels, s.length);
  const c = binaryCurve(s, y);
  if (c.nPos === 0) return null;
  const m = c.thresholds.length + 1;
  const precision = new Float64Array(m);
  const recall = new Float64Array(m);
  const thr = new Float64Array(m);
  precision[0] = 1;
  thr[0] = Infinity;
  let ap = 0;
  for (let i = 1; i < m; i++) {
    const tp = c.tps[i - 1]!;
    precision[i] = tp / (tp + c.fps[i - 1]!);
    recall[i] = tp / c.nPos;
    thr[i] = c.thresholds[i - 1]!;
    ap += (recall[i]! - recall[i - 1]!) * precision[i]!;
  }
  const keep = downsampleCurveIndices(recall, precision, maxPoints);
  return {
    precision: pick(precision, keep),
    recall: pick(recall, keep),
    thresholds: pick(thr, keep),
    averagePrecision: ap,
    baseline: c.nPos / s.length,
    nFullPoints: m,
  };
}

function pick(a: Float64Array, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]!]!;
  return out;
}

/**
 * Expected number of anomalies among the k highest scores. Rows tied with the k-th score
 * share the remaining slots: each contributes `(k - nAbove) / nTied` of itself, i.e. the
 * expectation over random tie-breaking. Deterministic and independent of row order.
 */
function hitsAtK(s: Float64Array, y: Uint8Array, k: number): number {
  const n = s.length;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new Error(`k must be an integer in 1..${n} (the number of scores), got ${k}.`);
  }
  const sorted = Float64Array.from(s).sort();
  const kth = sorted[n - k]!;
  let nAbove = 0;
  let posAbove = 0;
  let nTie = 0;
  let posTie = 0;
  for (let i = 0; i < n; i++) {
    if (s[i]! > kth) {
      nAbove++;
      posAbove += y[i]!;
    } else if (s[i] === kth) {
      nTie++;
      posTie += y[i]!;
    }
  }
  return posAbove + ((k - nAbove) * posTie) / nTie;
}

/**
 * Precision among the k highest scores (ties at the k-th score shared in expectation, see
 * module docs). `k` must be an integer in 1..n.
 * @returns precision in [0, 1]; null when labels are null.
 */
export function precisionAtK(scores: NumericVector, labels: Labels | null, k: number): number | null {
  const s = toFinite64(scores, "scores");
  if (labels === null || labels === undefined) return null;
  const y = toBinaryLabels(labels, s.length);
  return hitsAtK(s, y, k) / k;
}

/**
 * Fraction of all anomalies found among the k highest scores (ties as in `precisionAtK`).
 * @returns recall in [0, 1]; null when labels are null or there are no anomalies.
 */
export function recallAtK(scores: NumericVector, labels: Labels | null, k: number): number | null {
  const s = toFinite64(scores, "scores");
  if (labels === null || labels === undefined) return null;
  const y = toBinaryLabels(labels, s.length);
  const nPos = countPositives(y);
  if (nPos === 0) return null;
  return hitsAtK(s, y, k) / nPos;
}

/** Confusion table of a thresholded detector and the rates derived from it. */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** tp / (tp + fp); 0 when nothing is flagged (sklearn's zero_division default). */
  precision: number;
  /** tp / (tp + fn); 0 when there are no anomalies. */
  recall: number;
  /** 2 tp / (2 tp + fp + fn); 0 when that denominator is 0. */
  f1: number;
  /** (tp + tn) / n. */
  accuracy: number;
  /** Fraction of rows flagged. */
  flaggedRate: number;
  n: number;
}

/**
 * Confusion counts of flags against labels.
 * @param flags `[n]` booleans or numbers (non-zero = flagged).
 * @param labels `[n]` ground truth, or null.
 * @returns the table; null when labels are null.
 * @throws on an empty input or a length mismatch.
 */
export function confusion(flags: Labels, labels: Labels | null): Confusion | null {
  if (flags.length === 0) throw new Error("flags is empty; pass one flag per row.");
  const f = toBinaryLabels(flags, flags.length, "flags");
  if (labels === null || labels === undefined) return null;
  assertSameLength(flags, labels, "flags", "labels");
  const y = toBinaryLabels(labels, f.length);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < f.length; i++) {
    if (f[i]) {
      if (y[i]) tp++;
      else fp++;
    } else if (y[i]) fn++;
    else tn++;
  }
  const n = f.length;
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0;
  return { tp, fp, tn, fn, precision, recall, f1, accuracy: (tp + tn) / n, flaggedRate: (tp + fp) / n, n };
}

/** Options of `weightedRocAuc`. */
export interface WeightedRocAucOptions {
  /** `order` lists the rows by descending score instead of ascending (default false). */
  descending?: boolean;
}

/**
 * Weighted ROC-AUC in O(n) (e.g. of a bootstrap resample, weight = multiplicity per row):
 * `order` sorts the rows by score once (ascending, or descending with `{ descending: true }`);
 * ties (equal scores) count half, as in rocAuc. With unit weights it equals
 * `rocAuc(scores, labels)`. Rows left out of `order` or with weight 0 do not count.
 * NaN with a single class.
 * @param labels `[n]` 1 = positive, anything else negative; weight `[n]` non-negative, or
 *   null for every row once.
 */
export function weightedRocAuc(
  order: ArrayLike<number>,
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  weight: ArrayLike<number> | null,
  options: WeightedRocAucOptions = {},
): number {
  const m = order.length;
  // Position p of the ascending walk.
  const at = options.descending ? (p: number) => order[m - 1 - p]! : (p: number) => order[p]!;
  let negBelow = 0,
    sum = 0,
    pos = 0,
    neg = 0;
  for (let a = 0; a < m; ) {
    let b = a;
    let tiePos = 0,
      tieNeg = 0;
    const v = scores[at(a)];
    while (b < m && scores[at(b)] === v) {
      const k = at(b);
      const w = weight ? weight[k]! : 1;
      if (labels[k] === 1) tiePos += w;
      else tieNeg += w;
      b++;
    }
    sum += tiePos * (negBelow + 0.5 * tieNeg);
    negBelow += tieNeg;
    pos += tiePos;
    neg += tieNeg;
    a = b;
  }
  return pos > 0 && neg > 0 ? sum / (pos * neg) : NaN;
}

/**
 * Approximate 95% interval of a ROC-AUC from its class sizes (Hanley & McNeil 1982 standard
 * error, normal approximation, clipped to [0, 1]). It assumes independent rows, so for rows
 * that share a token or a day it understates the uncertainty: overlapping intervals are
 * certainly no order. Returns the bare value (no bounds) when either class is empty.
 */
export function rocAucInterval(auc: number, nPos: number, nNeg: number): { value: number; lo?: number; hi?: number } {
  if (!Number.isFinite(auc) || !(nPos > 0) || !(nNeg > 0)) return { value: auc };
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const variance = (auc * (1 - auc) + (nPos - 1) * (q1 - auc * auc) + (nNeg - 1) * (q2 - auc * auc)) / (nPos * nNeg);
  const half = 1.959963984540054 * Math.sqrt(Math.max(0, variance));
  return { value: auc, lo: Math.max(0, auc - half), hi: Math.min(1, auc + half) };
}
