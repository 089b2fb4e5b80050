/** detection.ts */

import type { Row } from "../runtime/rows";
import { ANOMALY_KINDS } from "../data/panel";
import { confusion, prCurve, rocCurve, weightedRocAuc } from "../stats/roc";
import {
  type AlignedScores,
  BASELINE_MODEL,
  type Consensus,
  type ModelErrors,
  SCORE_NAMES,
  type ScoreName,
  type ThresholdOutcome,
  type ThresholdVariant,
  WINDOW_MODELS,
  splitMask,
} from "./analysis";

// ---------------------------------------------------------------------------------------
// Ground truth
// ---------------------------------------------------------------------------------------

/** Detection quality of one score against labels. */
export interface DetectionQuality {
  /** Display name, e.g. "ae", "vae (−ELBO)", "consensus". */
  name: string;
  /** Rows evaluated (finite scores within the mask). */
  rows: number;
  anomalies: number;
  rocAuc: number | null;
  /** Average precision (step-wise PR-AUC, sklearn's average_precision_score). */
  averagePrecision: number | null;
  /** Trapezoidal PR-AUC, for comparison with papers. */
  prAuc: number | null;
  /** k = number of anomalies (R-precision): precision among the k highest scores. */
  k: number;
  precisionAtK: number | null;
  /** Per anomaly kind: that kind's rows against normal rows (other kinds left out). */
  byKind: Record<string, { rows: number; rocAuc: number | null; averagePrecision: number | null }>;
}

/** Ranking metrics of one positive class against one negative class, from one walk down the scores. */
export interface RankingMetrics {
  nPos: number;
  nNeg: number;
  /** Mann-Whitney ROC-AUC, ties counting one half (null without both classes). */
  rocAuc: number | null;
  /** Step-wise average precision over distinct scores (null without positives). */
  averagePrecision: number | null;
  /** Trapezoidal area under the PR points, starting at (recall 0, precision 1) (null without positives). */
  prAuc: number | null;
  /** Precision among the k = nPos highest scores, ties at the k-th score shared in expectation (null without positives). */
  precisionAtK: number | null;
}

/**
 * ROC-AUC, average precision, trapezoidal PR-AUC and precision@k (k = number of
 * positives) of the rows `cls` marks 1 (positive) against those it marks 0 (negative);
 * rows marked -1 are skipped. `order` lists row indices by descending score (computed
 * once and reused for every class split, e.g. each anomaly kind). Equal scores form one
 * threshold, exactly as lib/stats/roc (scikit-learn's conventions).
 * @param scores `[n]` finite scores; `cls` `[n]`; `order` `[m]` indices into scores, descending.
 */
export function rankingMetrics(
  scores: ArrayLike<number>,
  cls: ArrayLike<number>,
  order: ArrayLike<number>,
): RankingMetrics {
  let nPos = 0,
    nNeg = 0;
  for (let k = 0; k < order.length; k++) {
    const c = cls[order[k]!]!;
    if (c === 1) nPos++;
    else if (c === 0) nNeg++;
  }
  let tp = 0,
    fp = 0,
    ap = 0,
    area = 0,
    prevR = 0,
    prevP = 1;
  let hitsAtK: number | null = null;
  let k = 0;
  while (k < order.length) {
    const v = scores[order[k]!]!;
    let p = 0,
      q = 0;
    let j = k;
    for (; j < order.length && scores[order[j]!] === v; j++) {
      const c = cls[order[j]!]!;
      if (c === 1) p++;
      else if (c === 0) q++;
    }
    k = j;
    if (p + q === 0) continue;
    const seen = tp + fp;
    if (hitsAtK === null && nPos > 0 && seen + p + q >= nPos) hitsAtK = tp + ((nPos - seen) * p) / (p + q);
    tp += p;
    fp += q;
    if (nPos > 0) {
      const recall = tp / nPos;
      const precision = tp / (tp + fp);
      ap += (recall - prevR) * precision;
      area += ((recall - prevR) * (precision + prevP)) / 2;
      prevR = recall;
      prevP = precision;
    }
  }
  return {
    nPos,
    nNeg,
    rocAuc:
      nPos > 0 && nNeg > 0
        ? weightedRocAuc(
            order,
            scores,
            cls,
            Uint8Array.from(cls, (c) => (c === 0 || c === 1 ? 1 : 0)),
            { descending: true },
          )
        : null,
    averagePrecision: nPos > 0 ? ap : null,
    prAuc: nPos > 0 ? area : null,
    precisionAtK: nPos > 0 && hitsAtK !== null ? hitsAtK / nPos : null,
  };
}

/**
 * ROC-AUC, PR-AUC, precision@k and per-kind AUC of a score vector (one sort, then one walk
 * per class split; see `rankingMetrics`).
 * NaN scores (a model that does not score a row) and rows outside `rowMask` are left out.
 * @param kind `[n]` anomaly kinds, or null without labels.
 * @returns null when there are no labels (real data); metrics inside are null when a class is missing.
 */
export function detectionQuality(
  name: string,
  scores: ArrayLike<number>,
  kind: Int8Array | null,
  rowMask?: Uint8Array,
): DetectionQuality | null {
  if (kind === null) return null;
  if (kind.length !== scores.length)
    throw new Error(
      `detectionQuality(${name}): ${kind.length} labels for ${scores.length} scores; align them row by row.`,
    );
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]!) && (!rowMask || rowMask[i])) idx.push(i);
  const s = Float64Array.from(idx, (i) => scores[i]!);
  const y = Int8Array.from(idx, (i) => kind[i]!);
  const order = Int32Array.from(s.keys()).sort((a, b) => s[b]! - s[a]! || a - b);
  const all = rankingMetrics(
    s,
    Int8Array.from(y, (v) => (v > 0 ? 1 : 0)),
    order,
  );
  const byKind: DetectionQuality["byKind"] = {};
  for (let k = 1; k < ANOMALY_KINDS.length; k++) {
    const m = rankingMetrics(
      s,
      Int8Array.from(y, (v) => (v === k ? 1 : v === 0 ? 0 : -1)),
      order,
    );
    if (m.nPos > 0)
      byKind[ANOMALY_KINDS[k]!] = { rows: m.nPos, rocAuc: m.rocAuc, averagePrecision: m.averagePrecision };
  }
  return {
    name,
    rows: s.length,
    anomalies: all.nPos,
    rocAuc: all.rocAuc,
    averagePrecision: all.averagePrecision,
    prAuc: all.prAuc,
    k: all.nPos,
    precisionAtK: all.precisionAtK,
    byKind,
  };
}

/**
 * For each anomaly kind, the detector with the highest ROC-AUC (ties: first listed).
 * @returns kind -> { best, auc, runnerUp, runnerUpAuc } for the kinds present.
 */
export function bestDetectorByKind(
  qs: readonly DetectionQuality[],
): { kind: string; best: string; auc: number; rows: number; runnerUp: string | null; runnerUpAuc: number | null }[] {
  const out: {
    kind: string;
    best: string;
    auc: number;
    rows: number;
    runnerUp: string | null;
    runnerUpAuc: number | null;
  }[] = [];
  for (const kind of ANOMALY_KINDS.slice(1)) {
    const ranked = qs
      .map((q) => ({ name: q.name, auc: q.byKind[kind]?.rocAuc ?? null, rows: q.byKind[kind]?.rows ?? 0 }))
      .filter((x): x is { name: string; auc: number; rows: number } => x.auc !== null)
      .sort((a, b) => b.auc - a.auc);
    if (ranked.length === 0) continue;
    out.push({
      kind,
      best: ranked[0]!.name,
      auc: ranked[0]!.auc,
      rows: ranked[0]!.rows,
      runnerUp: ranked[1]?.name ?? null,
      runnerUpAuc: ranked[1]?.auc ?? null,
    });
  }
  return out;
}

/** Precision and recall of a thresholded detector, overall and per kind. */
export interface ThresholdRecall {
  model: string;
  rule: string;
  variant: ThresholdVariant;
  flagged: number;
  precision: number;
  recall: number;
  f1: number;
  /** kind -> share of that kind's rows flagged. */
  recallByKind: Record<string, number>;
}

/**
 * Precision/recall of a threshold outcome against the model's own labels (for windows:
 * "any labelled day in the window"), within `rowMask` over the model's rows.
 * @returns null without labels.
 */
export function thresholdRecall(
  o: ThresholdOutcome,
  kind: Int8Array | null,
  rowMask?: Uint8Array,
): ThresholdRecall | null {
  if (kind === null) return null;
  const idx: number[] = [];
  for (let i = 0; i < o.flags.length; i++) if (!rowMask || rowMask[i]) idx.push(i);
  const f = Uint8Array.from(idx, (i) => o.flags[i]!);
  const y = Int8Array.from(idx, (i) => kind[i]!);
  if (f.length === 0) return null;
  const c = confusion(f, y)!;
  const recallByKind: Record<string, number> = {};
  for (let k = 1; k < ANOMALY_KINDS.length; k++) {
    let n = 0,
      hit = 0;
    for (let i = 0; i < y.length; i++)
      if (y[i] === k) {
        n++;
        hit += f[i]!;
      }
    if (n > 0) recallByKind[ANOMALY_KINDS[k]!] = hit / n;
  }
  return {
    model: o.model,
    rule: o.rule,
    variant: o.variant,
    flagged: c.tp + c.fp,
    precision: c.precision,
    recall: c.recall,
    f1: c.f1,
    recallByKind,
  };
}

/** Chart rows of ROC and PR curves for several detectors (downsampled). */
export function curveRows(
  items: readonly { name: string; scores: ArrayLike<number> }[],
  kind: Int8Array | null,
  rowMask?: Uint8Array,
): { roc: Row[]; pr: Row[]; prevalence: number | null } {
  const roc: Row[] = [];
  const pr: Row[] = [];
  let prevalence: number | null = null;
  if (kind === null) return { roc, pr, prevalence };
  for (const it of items) {
    const idx: number[] = [];
    for (let i = 0; i < it.scores.length; i++)
      if (Number.isFinite(it.scores[i]!) && (!rowMask || rowMask[i])) idx.push(i);
    const s = Float64Array.from(idx, (i) => it.scores[i]!);
    const y = Uint8Array.from(idx, (i) => (kind[i]! > 0 ? 1 : 0));
    const r = rocCurve(s, y);
    const p = prCurve(s, y);
    const label = `${it.name} (AUC ${r ? r.auc.toFixed(3) : "n/a"} · AP ${p ? p.averagePrecision.toFixed(3) : "n/a"})`;
    if (r) r.fpr.forEach((x, k) => roc.push({ detector: label, fpr: x, tpr: r.tpr[k]! }));
    if (p) {
      p.recall.forEach((x, k) => pr.push({ detector: label, recall: x, precision: p.precision[k]! }));
      prevalence ??= p.baseline;
    }
  }
  return { roc, pr, prevalence };
}

// ---------------------------------------------------------------------------------------
// Stage functions: one call per notebook step
// ---------------------------------------------------------------------------------------

/** Display name of a model's score, e.g. "ae · MSE", "vae · −ELBO". */
export function detectorName(model: string, score: ScoreName): string {
  return `${model} · ${score === "elbo" ? "−ELBO" : score.toUpperCase()}`;
}

/** Everything the ground-truth step shows. */
export interface GroundTruthResult {
  /** Every model x score on its own rows (windows: "any labelled day in the window"), then the consensus on the grid. */
  detectors: DetectionQuality[];
  /** The same on held-out rows only (validation + test): the models never trained on them. */
  heldOut: DetectionQuality[];
  /** Highest ROC-AUC among the detectors (consensus included). */
  best: DetectionQuality;
  /** PCA's MSE, the baseline to beat, or null when PCA is absent. */
  baseline: DetectionQuality | null;
  consensus: DetectionQuality | null;
  /** Per kind: which detector finds it best. */
  bestByKind: ReturnType<typeof bestDetectorByKind>;
  /** ROC/PR chart rows of each model's MSE and the consensus on the grid (day labels). */
  curves: ReturnType<typeof curveRows>;
}

/**
 * Ground-truth evaluation of every model and score, and of the consensus. Labels never
 * enter training or thresholds, so every scored row is evaluated; held-out rows are
 * reported separately.
 * @returns null when the data have no labels (real markets).
 */
export function evaluateGroundTruth(
  errors: readonly ModelErrors[],
  aligned: AlignedScores,
  consensus: Consensus | null,
): GroundTruthResult | null {
  if (aligned.kind === null || errors.every((e) => e.kind === null)) return null;
  const detectors: DetectionQuality[] = [];
  const heldOut: DetectionQuality[] = [];
  for (const e of errors) {
    const mask = splitMask(e.split, ["validation", "test"]);
    // Gap days are scored (for the stress index) but stay out of evaluation metrics.
    const inSplits = splitMask(e.split, ["train", "validation", "test"]);
    for (const s of SCORE_NAMES) {
      const v = e.scores[s];
      if (!v) continue;
      const q = detectionQuality(detectorName(e.model, s), v, e.kind, inSplits);
      const h = detectionQuality(detectorName(e.model, s), v, e.kind, mask);
      if (q) detectors.push(q);
      if (h) heldOut.push(h);
    }
  }
  let cq: DetectionQuality | null = null;
  if (consensus) {
    cq = detectionQuality(
      "consensus",
      consensus.score,
      aligned.kind,
      splitMask(aligned.split, ["train", "validation", "test"]),
    );
    const ch = detectionQuality(
      "consensus",
      consensus.score,
      aligned.kind,
      splitMask(aligned.split, ["validation", "test"]),
    );
    if (cq) detectors.push(cq);
    if (ch) heldOut.push(ch);
  }
  const withAuc = detectors.filter((q) => q.rocAuc !== null);
  if (withAuc.length === 0) return null;
  const best = withAuc.reduce((a, b) => (b.rocAuc! > a.rocAuc! ? b : a));
  const baseline = detectors.find((q) => q.name === detectorName(BASELINE_MODEL, "mse")) ?? null;
  const curveItems = aligned.models
    .map((m) => ({ name: m, scores: aligned.scores[m]! }))
    .filter((it) => !WINDOW_MODELS.includes(it.name));
  if (consensus) curveItems.push({ name: "consensus", scores: consensus.score });
  const curves = curveRows(curveItems, aligned.kind);
  // Scores other than the aligned one (the VAE's -ELBO) get their curve on the model's own token-day rows.
  for (const e of errors) {
    if (e.unit !== "token-day" || !e.kind) continue;
    for (const sn of SCORE_NAMES) {
      if (sn === "mse" || sn === "mae" || !e.scores[sn]) continue;
      const extra = curveRows([{ name: detectorName(e.model, sn), scores: e.scores[sn]! }], e.kind);
      curves.roc.push(...extra.roc);
      curves.pr.push(...extra.pr);
    }
  }
  return { detectors, heldOut, best, baseline, consensus: cq, bestByKind: bestDetectorByKind(detectors), curves };
}
