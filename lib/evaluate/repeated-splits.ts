/**
 * Repeated-split evaluation of labelled anomaly detectors: each detector scores the test
 * rows of several independent stratified splits, and ROC-AUC and PR-AUC (average
 * precision) are summarised as mean ± standard deviation over the splits. One split's
 * number moves by about ±0.01 ROC-AUC on a few hundred test rows, which is as large as
 * the differences between detectors; the spread over splits shows it, and the paired
 * per-split difference between two detectors (same split, same test rows) removes the
 * share of the spread that comes from which rows landed in the test set.
 *
 * Detectors are of two kinds: "model" (trained per split) and "anchor" (a no-model score
 * fitted per split, such as the Mahalanobis distance), reported in the same table so that
 * the models are judged against them.
 */
import { compareToLevel, isTie } from "../stats/compare";
import { averagePrecision, rocAuc } from "../stats/roc";
import { mean, std } from "../stats/descriptive";

/** A detector's role in the comparison. */
export type DetectorKind = "model" | "anchor";

/** One detector's test scores on one split. */
export interface SplitScores {
  /** Display name ("ae", "Mahalanobis"). */
  detector: string;
  kind: DetectorKind;
  /** `[nTest]` finite scores, higher = more anomalous. */
  scores: Float64Array;
  /** Seconds spent fitting and scoring (0 when not measured). */
  seconds?: number;
}

/** One detector measured on one split. */
export interface SplitMeasurement {
  /** 0-based split number. */
  split: number;
  detector: string;
  kind: DetectorKind;
  rocAuc: number;
  averagePrecision: number;
  seconds: number;
}

/**
 * ROC-AUC and PR-AUC of every detector's scores on one split's test labels.
 * @param labels `[nTest]` 0/1 with both classes present.
 * @throws when a score vector does not match the labels or a class is missing.
 */
export function measureSplit(split: number, labels: ArrayLike<number>, scored: SplitScores[]): SplitMeasurement[] {
  return scored.map((s) => {
    if (s.scores.length !== labels.length)
      throw new Error(
        `Split ${split}: ${s.detector} has ${s.scores.length} scores but there are ${labels.length} test labels; score the test rows in order.`,
      );
    const roc = rocAuc(s.scores, labels);
    const ap = averagePrecision(s.scores, labels);
    if (roc === null || ap === null)
      throw new Error(
        `Split ${split}: the test rows need both classes for ROC-AUC and PR-AUC; use a larger data set or a larger test share.`,
      );
    return { split, detector: s.detector, kind: s.kind, rocAuc: roc, averagePrecision: ap, seconds: s.seconds ?? 0 };
  });
}

/** Mean and sample standard deviation (n - 1; 0 for one value). */
export interface MeanSd {
  mean: number;
  sd: number;
  n: number;
}

/** Mean and sample standard deviation of finite values. @throws when there are none. */
export function meanSd(values: ArrayLike<number>): MeanSd {
  const v = Array.from(values).filter((x) => Number.isFinite(x));
  if (v.length === 0) throw new Error("meanSd: no finite values.");
  return { mean: mean(v), sd: v.length > 1 ? std(v, 1) : 0, n: v.length };
}

/** One detector over all splits. */
export interface DetectorSummary {
  detector: string;
  kind: DetectorKind;
  splits: number;
  rocAuc: MeanSd;
  averagePrecision: MeanSd;
  /** Mean seconds per split. */
  seconds: number;
}

/** Summarise measurements per detector, in first-appearance order. */
export function summariseSplits(measurements: SplitMeasurement[]): DetectorSummary[] {
  const order: string[] = [];
  const by = new Map<string, SplitMeasurement[]>();
  for (const m of measurements) {
    if (!by.has(m.detector)) {
      order.push(m.detector);
      by.set(m.detector, []);
    }
    by.get(m.detector)!.push(m);
  }
  return order.map((d) => {
    const ms = by.get(d)!;
    return {
      detector: d,
      kind: ms[0]!.kind,
      splits: ms.length,
      rocAuc: meanSd(ms.map((m) => m.rocAuc)),
      averagePrecision: meanSd(ms.map((m) => m.averagePrecision)),
      seconds: ms.reduce((a, m) => a + m.seconds, 0) / ms.length,
    };
  });
}

/** "0.966 ± 0.008". */
export function formatMeanSd(m: MeanSd, digits = 3): string {
  return `${m.mean.toFixed(digits)} ± ${m.sd.toFixed(digits)}`;
}

/** Paired comparison of two detectors over the splits both were measured on. */
export interface PairedDifference {
  a: string;
  b: string;
  metric: "rocAuc" | "averagePrecision";
  /** Mean ± sd of (a - b) per split. */
  difference: MeanSd;
  /** Splits where a > b, a < b, a = b. */
  wins: number;
  losses: number;
  ties: number;
}

/** Per-split difference a - b of a metric (only splits where both were measured). @throws when they share no split. */
export function pairedDifference(
  measurements: SplitMeasurement[],
  a: string,
  b: string,
  metric: "rocAuc" | "averagePrecision" = "rocAuc",
): PairedDifference {
  const ofB = new Map(measurements.filter((m) => m.detector === b).map((m) => [m.split, m[metric]]));
  const diffs: number[] = [];
  for (const m of measurements) {
    if (m.detector !== a) continue;
    const vb = ofB.get(m.split);
    if (vb !== undefined) diffs.push(m[metric] - vb);
  }
  if (diffs.length === 0)
    throw new Error(`pairedDifference: ${a} and ${b} share no split; measure both on the same splits.`);
  return {
    a,
    b,
    metric,
    difference: meanSd(diffs),
    wins: diffs.filter((d) => d > 0).length,
    losses: diffs.filter((d) => d < 0).length,
    ties: diffs.filter((d) => d === 0).length,
  };
}

/**
 * How a paired difference reads: "above" when the mean per-split difference is positive
 * and a paired t-test at 10% two-sided rejects "no difference", "below" symmetrically,
 * else "level with".
 */
export type Verdict = "above" | "below" | "level with";

/**
 * 95th percentiles of Student's t by degrees of freedom (1..10, then 15, 20, 30; 1.645
 * beyond): the critical values of a two-sided 10% paired t-test. The splits share
 * training rows, so the test is a guide to the noise, not an exact p-value.
 */
const T95: [number, number][] = [
  [1, 6.314],
  [2, 2.92],
  [3, 2.353],
  [4, 2.132],
  [5, 2.015],
  [6, 1.943],
  [7, 1.895],
  [8, 1.86],
  [9, 1.833],
  [10, 1.812],
  [15, 1.753],
  [20, 1.725],
  [30, 1.697],
];

/** Critical t of a two-sided 10% test with `df` degrees of freedom (the next smaller tabulated df, so never too lenient). */
export function tCritical(df: number): number {
  if (!(Number.isInteger(df) && df >= 1)) throw new Error(`tCritical: df must be an integer >= 1, got ${df}.`);
  let t = 1.645;
  if (df > 30) return t;
  for (const [d, v] of T95) if (d <= df) t = v;
  return t;
}

/** Verdict of a paired difference: above / below only when |mean| > tCritical(n - 1) × sd / √n; one split is always "level with". */
export function verdict(d: PairedDifference): Verdict {
  const { mean, sd, n } = d.difference;
  if (n < 2) return "level with";
  // The t interval of the mean difference against 0 (stats/compare): only beyond it is there an order.
  const half = tCritical(n - 1) * (sd / Math.sqrt(n));
  const v = compareToLevel({ value: mean, lo: mean - half, hi: mean + half }, 0);
  return v === "higher" ? "above" : v === "lower" ? "below" : "level with";
}

/** Table rows: one per detector, mean ± sd of ROC-AUC and PR-AUC, models first then anchors. */
export function repeatedSplitTable(summaries: DetectorSummary[]): Record<string, string | number>[] {
  const sorted = [...summaries.filter((s) => s.kind === "model"), ...summaries.filter((s) => s.kind === "anchor")];
  return sorted.map((s) => ({
    detector: s.detector,
    kind: s.kind === "anchor" ? "no-model anchor" : "model",
    splits: s.splits,
    "ROC-AUC mean ± sd": formatMeanSd(s.rocAuc),
    "PR-AUC mean ± sd": formatMeanSd(s.averagePrecision),
    "seconds per split": Number(s.seconds.toFixed(2)),
  }));
}

/**
 * Findings from the numbers: the best model and the best anchor by mean ROC-AUC, and each
 * model against the best anchor by the paired per-split difference (ROC-AUC and PR-AUC),
 * saying plainly where an anchor still wins and where the difference is within the noise.
 */
export function repeatedSplitFindings(measurements: SplitMeasurement[]): string[] {
  const summaries = summariseSplits(measurements);
  const models = summaries.filter((s) => s.kind === "model");
  const anchors = summaries.filter((s) => s.kind === "anchor");
  const out: string[] = [];
  if (summaries.length === 0) return out;
  const n = Math.max(...summaries.map((s) => s.splits));
  const best = (list: DetectorSummary[], m: "rocAuc" | "averagePrecision") =>
    list.reduce<DetectorSummary | null>((b, s) => (!b || s[m].mean > b[m].mean ? s : b), null);
  const bestModel = best(models, "rocAuc");
  const bestAnchor = best(anchors, "rocAuc");
  // Others whose mean ROC-AUC prints the same (3 decimals) share the lead.
  const tiedWith = (b: DetectorSummary, list: DetectorSummary[]) => {
    const t = list.filter((s) => s !== b && isTie(s.rocAuc.mean, b.rocAuc.mean, { digits: 3 })).map((s) => s.detector);
    return t.length ? `; tied with the ${t.join(", the ")}` : "";
  };
  if (bestModel)
    out.push(
      `Over ${n} stratified split${n === 1 ? "" : "s"} the best model by mean ROC-AUC is the ${bestModel.detector} (${formatMeanSd(bestModel.rocAuc)}, PR-AUC ${formatMeanSd(bestModel.averagePrecision)}${tiedWith(bestModel, models)}).`,
    );
  if (bestAnchor)
    out.push(
      `The best no-model anchor is ${bestAnchor.detector} (${formatMeanSd(bestAnchor.rocAuc)}, PR-AUC ${formatMeanSd(bestAnchor.averagePrecision)}${tiedWith(bestAnchor, anchors)}).`,
    );
  if (!bestAnchor || models.length === 0) return out;
  if (n < 2) {
    out.push("With one split there is no spread to tell a difference from noise: run more splits before ranking.");
    return out;
  }
  const phrase = (d: PairedDifference): string => {
    const v = verdict(d);
    const sign = d.difference.mean >= 0 ? "+" : "";
    return `${v === "level with" ? "level with" : v} it (${sign}${d.difference.mean.toFixed(3)} ± ${d.difference.sd.toFixed(3)} per split, higher in ${d.wins} of ${d.difference.n})`;
  };
  for (const m of models) {
    const roc = pairedDifference(measurements, m.detector, bestAnchor.detector, "rocAuc");
    const ap = pairedDifference(measurements, m.detector, bestAnchor.detector, "averagePrecision");
    out.push(`${m.detector} against the ${bestAnchor.detector} anchor: ROC-AUC ${phrase(roc)}; PR-AUC ${phrase(ap)}.`);
  }
  const beaten = models.filter(
    (m) => verdict(pairedDifference(measurements, m.detector, bestAnchor.detector, "rocAuc")) === "below",
  );
  if (beaten.length === models.length)
    out.push(
      `The ${bestAnchor.detector} anchor still wins: every model's ROC-AUC is below it beyond the split-to-split noise.`,
    );
  else if (beaten.length > 0)
    out.push(
      `The ${bestAnchor.detector} anchor still beats ${beaten.map((m) => `the ${m.detector}`).join(", ")} on ROC-AUC beyond the split-to-split noise.`,
    );
  return out;
}
