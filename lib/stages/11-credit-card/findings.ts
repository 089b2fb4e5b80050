/** findings.ts */

import { ULB_FRAUD_RATE } from "../../data/creditcard-synthetic";
import type { Interval } from "../../stats/bootstrap";
import { type CreditCardSource, PUBLISHED_AE_ROC_AUC, type TrainingRows, fmtInt, pct } from "../../anomaly/creditcard";
import { type ModelEvaluation, bestBy } from "../../anomaly/creditcard-eval";
import { type Estimate, compareValues, leaders, listNames } from "../../stats/compare";

/** Decimals ROC-AUC and PR-AUC are printed with (equal at this precision = a tie). */
const AUC_DIGITS = 3;

function est(i: Interval | null): Estimate {
  return i ? { value: i.estimate, lo: i.lo, hi: i.hi } : { value: NaN };
}

/**
 * The best model by a metric and the models that cannot be told apart from it (same value
 * at 3 decimals or overlapping 95% intervals): "pca", or "pca; vae and ae within its interval".
 */
export function bestLabel(evals: ModelEvaluation[], metric: "rocAuc" | "averagePrecision"): string {
  const lead = leaders(evals, (e) => est(e[metric]), { digits: AUC_DIGITS });
  if (!lead.best) return "n/a";
  const others = lead.tied.filter((e) => e !== lead.best).map((e) => e.model);
  if (others.length === 0) return lead.best.model;
  return `${lead.best.model}; ${listNames(others)} within its interval`;
}

// ---------------------------------------------------------------------------------------
// Tables and findings
// ---------------------------------------------------------------------------------------

/** "0.953 [0.921, 0.978]". */
export function formatInterval(i: Interval | null, digits = 3): string {
  if (!i) return "n/a";
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
  return `${f(i.estimate)} [${f(i.lo)}, ${f(i.hi)}]`;
}

/** One row per model: ROC-AUC and PR-AUC with intervals and the lift over the PR baseline. */
export function metricsTable(evals: ModelEvaluation[]): Record<string, string | number | null>[] {
  return evals.map((e) => ({
    model: e.model,
    "trained on": e.trainedOn,
    "test rows": e.nTest,
    "test frauds": e.nFrauds,
    "ROC-AUC": e.rocAuc?.estimate ?? null,
    "ROC-AUC 95% CI": e.rocAuc ? `[${e.rocAuc.lo.toFixed(3)}, ${e.rocAuc.hi.toFixed(3)}]` : "n/a",
    "PR-AUC (AP)": e.averagePrecision?.estimate ?? null,
    "PR-AUC 95% CI": e.averagePrecision
      ? `[${e.averagePrecision.lo.toFixed(3)}, ${e.averagePrecision.hi.toFixed(3)}]`
      : "n/a",
    "PR baseline (fraud rate)": e.baseline,
    "AP / baseline": e.averagePrecision && e.baseline ? e.averagePrecision.estimate / e.baseline : null,
  }));
}

/** One row per (model, k): precision and recall among the k highest scores, with intervals. */
export function atKTable(evals: ModelEvaluation[]): Record<string, string | number>[] {
  return evals.flatMap((e) =>
    e.atK.map((a) => ({
      model: e.model,
      k: a.k,
      "precision@k": formatInterval(a.precision),
      "recall@k": formatInterval(a.recall),
    })),
  );
}

/** One row per (model, threshold): the confusion table and its rates with intervals. */
export function confusionTable(evals: ModelEvaluation[]): Record<string, string | number | null>[] {
  return evals.flatMap((e) =>
    e.thresholds.map((t) => ({
      model: e.model,
      threshold: t.name,
      "score >": t.threshold,
      "expected false-alarm rate": t.expectedRate,
      flagged: t.flagged,
      TP: t.confusion?.tp ?? null,
      FP: t.confusion?.fp ?? null,
      FN: t.confusion?.fn ?? null,
      TN: t.confusion?.tn ?? null,
      precision: t.confusion ? formatInterval(t.precision) : "n/a",
      recall: t.confusion ? formatInterval(t.recall) : "n/a",
    })),
  );
}

/** ROC-AUC changes below this are called immaterial in the findings: the precision at which results on this data are usually quoted (0.96, 0.95). */
export const NEGLIGIBLE_AUC_CHANGE = 0.01;

/** Fraud rates within this factor of the full file's count as the same PR-AUC baseline (a stratified split moves the rate by well under 10%). */
export const SAME_RATE_FACTOR = 1.1;

/** What the findings are written from. */
export interface CreditCardSummary {
  source: CreditCardSource;
  /** Evaluations of the models trained on normal rows (the main comparison). */
  evaluations: ModelEvaluation[];
  /** The AE trained on all training rows, when that variant ran. */
  contaminated?: ModelEvaluation | null;
  /** How the training rows were chosen. */
  training: TrainingRows;
}

/** Findings (sentences from measured numbers) for the notebook's conclusions and the report. */
export function creditCardFindings(s: CreditCardSummary): string[] {
  const out: string[] = [];
  const { source } = s;
  const first = s.evaluations[0];
  if (!first) return out;
  out.push(
    `Data: ${source.label}${source.fraudRate !== null ? ` with a fraud rate of ${pct(source.fraudRate, 3)}` : ""}; the models were trained on ${s.training.note}.`,
  );
  if (first.nFrauds === null) {
    out.push(
      `The data has **no Class column**, so this run is **unsupervised**: the models were trained on all training rows and there is no ROC-AUC or PR-AUC. At the 99th percentile of validation scores the ${first.model} flags ${fmtInt(first.thresholds.find((t) => t.name === "p99")?.flagged ?? 0)} of ${fmtInt(first.nTest)} test transactions.`,
    );
    return out;
  }
  const bestRoc = bestBy(s.evaluations, "rocAuc");
  const bestAp = bestBy(s.evaluations, "averagePrecision");
  if (bestRoc && bestAp) {
    out.push(
      `On the test split (${fmtInt(first.nTest)} transactions, ${fmtInt(first.nFrauds)} frauds) the best ROC-AUC is **${formatInterval(bestRoc.rocAuc)}** (${bestLabel(s.evaluations, "rocAuc")}) and the best PR-AUC (average precision) is **${formatInterval(bestAp.averagePrecision)}** (${bestLabel(s.evaluations, "averagePrecision")}), ${(bestAp.averagePrecision!.estimate / bestAp.baseline!).toFixed(1)}× its baseline of ${pct(bestAp.baseline!, 2)} (the test fraud rate); brackets are 95% bootstrap intervals over ${fmtInt(first.nBoot)} resamples of the test rows.`,
    );
  }
  const ranking = [...s.evaluations].filter((e) => e.rocAuc).sort((a, b) => b.rocAuc!.estimate - a.rocAuc!.estimate);
  if (ranking.length > 1) {
    const lead = leaders(ranking, (e) => est(e.rocAuc), { digits: AUC_DIGITS });
    const order =
      lead.tied.length === ranking.length
        ? ": every interval overlaps the best one's, so the data do not establish an order"
        : lead.tied.length > 1
          ? `: ${listNames(lead.tied.map((e) => e.model))} cannot be told apart (overlapping 95% intervals or equal values)`
          : "";
    out.push(
      `Ranking by ROC-AUC: ${ranking.map((e) => `${e.model} ${e.rocAuc!.estimate.toFixed(AUC_DIGITS)}`).join(", ")}${order}.`,
    );
  }
  const ae = s.evaluations.find((e) => /(^|-)ae$/.test(e.model)) ?? bestRoc;
  if (ae?.rocAuc) {
    const r = ae.rocAuc;
    const v = compareValues(PUBLISHED_AE_ROC_AUC, est(r));
    const rel = v === "lower" ? "below" : v === "higher" ? "above" : "inside";
    let sentence = `The published Keras autoencoder trained on the normal rows of the full ULB data reached ROC-AUC ${PUBLISHED_AE_ROC_AUC.toFixed(2)}; this project's ${ae.model} reaches **${formatInterval(r)}**, so the published value lies ${rel} the interval.`;
    if (source.kind === "stand-in")
      sentence += " On the stand-in the comparison is only a sanity check: its frauds are simulated.";
    else if (source.subset)
      sentence +=
        " ROC-AUC compares across a subset and the full file because both of its rates are conditional on the class; only the frauds and normals sampled differ.";
    out.push(sentence);
  }
  if (bestAp && bestAp.baseline !== null) {
    const ratio = bestAp.baseline / ULB_FRAUD_RATE;
    const lift = (bestAp.averagePrecision!.estimate / bestAp.baseline).toFixed(1);
    if (Math.abs(Math.log(ratio)) < Math.log(SAME_RATE_FACTOR)) {
      out.push(
        `PR-AUC's baseline is the fraud rate: ${pct(bestAp.baseline, 3)} here, as in the full file (${pct(ULB_FRAUD_RATE, 3)}), so these PR-AUC values compare directly with full-data results; a subset enriched in frauds would start from a far higher floor and look better with the same detector.`,
      );
    } else {
      out.push(
        `PR-AUC is not comparable across data sets with different fraud rates: a random detector scores the fraud rate, here ${pct(bestAp.baseline, 2)} against ${pct(ULB_FRAUD_RATE, 3)} in the full file (${ratio.toFixed(1)}×)${ratio > 1 ? "; data enriched in frauds start from a higher floor, so their PR-AUC looks better than the same detector's on the full file" : "; data with fewer frauds start from a lower floor"}. Compare the lift over the baseline (${lift}× here) or ROC-AUC instead.`,
      );
    }
  }
  if (s.contaminated?.rocAuc && ae?.rocAuc) {
    const d = s.contaminated.rocAuc.estimate - ae.rocAuc.estimate;
    const dAp = s.contaminated.averagePrecision!.estimate - ae.averagePrecision!.estimate;
    const v = compareValues(est(s.contaminated.rocAuc), est(ae.rocAuc), { tolerance: NEGLIGIBLE_AUC_CHANGE });
    const verdict =
      v === "lower"
        ? "worse: it learns to reconstruct some frauds too"
        : v === "higher"
          ? "better here"
          : v === "overlap"
            ? "the 95% intervals of the two ROC-AUCs overlap: no difference beyond the noise"
            : "no material difference in ROC-AUC";
    out.push(
      `Trained on all training rows (frauds included), the AE reaches ROC-AUC ${formatInterval(s.contaminated.rocAuc)} and PR-AUC ${formatInterval(s.contaminated.averagePrecision)}: ${d >= 0 ? "+" : ""}${d.toFixed(3)} and ${dAp >= 0 ? "+" : ""}${dAp.toFixed(3)} against training on normal rows only (${verdict}).`,
    );
  }
  if (bestRoc) {
    const p99 = bestRoc.thresholds.find((t) => t.name === "p99");
    const pot = bestRoc.thresholds.find((t) => t.name.startsWith("POT"));
    if (p99?.confusion) {
      out.push(
        `At the 99th percentile of the validation normals' scores the ${bestRoc.model} flags ${fmtInt(p99.flagged)} test transactions and catches ${fmtInt(p99.confusion.tp)} of ${fmtInt(bestRoc.nFrauds!)} frauds (recall ${formatInterval(p99.recall, 2)}, precision ${formatInterval(p99.precision, 2)})${pot?.confusion ? `; at the POT tail threshold (${pct(pot.expectedRate, 1)} expected false alarms${pot.warnings.length ? ", empirical fallback: too few calibration rows for a tail fit" : ""}) it catches ${fmtInt(pot.confusion.tp)} with ${fmtInt(pot.confusion.fp)} false alarm${pot.confusion.fp === 1 ? "" : "s"}` : ""}.`,
      );
    }
  }
  return out;
}

/**
 * The report's figures of notebook 11 with their captions: the ROC/PR curves only when
 * there are curves (labelled test rows of both classes), and captions that say what the
 * colours mean with labels (class) or without (the AE's p99 flag).
 */
export function reportFigures(labelled: boolean, withCurves: boolean): [name: string, caption: string][] {
  return [
    ...(withCurves
      ? [["11-roc-pr", "ROC and precision-recall curves of every model on the test split."] as [string, string]]
      : []),
    [
      "11-score-distributions",
      labelled
        ? "Reconstruction error of frauds and normal transactions, with the thresholds."
        : "Reconstruction error of the test rows (no labels), with the thresholds.",
    ],
    [
      "11-umap-latents",
      labelled
        ? "UMAP of each model's latent space on test rows, coloured by class."
        : "UMAP of each model's latent space on test rows, coloured by the AE's p99 flag (no labels).",
    ],
  ];
}
