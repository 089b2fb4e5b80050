/** findings.ts */

import { MIN_GROUP_SIZE } from "../../anomaly/thresholds";
import type { EventStudyResult } from "../../anomaly/eventstudy";
import { type ThresholdOutcome, type ThresholdVariant, WINDOW_MODELS } from "../../anomaly/analysis";
import type { DetectionQuality, GroundTruthResult } from "../../anomaly/detection";
import {
  type EventCheck,
  MIN_STRESS_TOKENS,
  type StressDay,
  TOP_STRESS_DAYS,
  rankStressDays,
} from "../../anomaly/stress";
import { type Comparison, type Estimate, compareToLevel, compareValues, listNames } from "../../stats/compare";
import { rocAucInterval } from "../../stats/roc";

/** Decimals ROC-AUC and PR-AUC are printed with in the findings (equal at this precision = a tie). */
const AUC_DIGITS = 3;

/** A detector's ROC-AUC with its approximate 95% interval from its class sizes. */
function rocEstimate(q: DetectionQuality): Estimate {
  return q.rocAuc === null ? { value: NaN } : rocAucInterval(q.rocAuc, q.anomalies, q.rows - q.anomalies);
}

export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** Findings (sentences from the numbers) about thresholds: promised vs observed rates. */
export function thresholdFindings(outcomes: readonly ThresholdOutcome[]): string[] {
  const out: string[] = [];
  const global = outcomes.filter((o) => o.variant === "global" && Number.isFinite(o.observed.test));
  for (const rule of [...new Set(global.map((o) => o.rule))]) {
    const g = global.filter((o) => o.rule === rule);
    const range = (f: (o: ThresholdOutcome) => number) =>
      `${pct(Math.min(...g.map(f)), 2)}–${pct(Math.max(...g.map(f)), 2)}`;
    const calib = g.map((o) => o.observed.train / o.expectedRate).filter(Number.isFinite);
    const calibMean = calib.reduce((a, b) => a + b, 0) / Math.max(1, calib.length);
    const drift = g.map((o) => o.observed.test / o.observed.train).filter(Number.isFinite);
    const driftMean = drift.reduce((a, b) => a + b, 0) / Math.max(1, drift.length);
    const calibText =
      calibMean >= 0.8 && calibMean <= 1.25
        ? "as promised"
        : `${calibMean.toFixed(1)}× the promise: the rule's assumption (${rule === "mad" ? "normal log errors" : rule === "pot" ? "a GPD tail" : "the empirical quantile"}) does not hold on these errors`;
    const driftText =
      drift.length === 0
        ? ""
        : driftMean < 0.8
          ? `, ${driftMean.toFixed(2)}× the training rate: test errors are smaller than training errors, so training-fitted rates overstate test alarms`
          : driftMean > 1.25
            ? `, ${driftMean.toFixed(2)}× the training rate: test errors are larger than training errors (drift or a turbulent test period)`
            : `, ${driftMean.toFixed(2)}× the training rate`;
    out.push(
      `**${g[0]!.label}** promises ${pct(g[0]!.expectedRate, 2)} of normal token-days flagged; on training rows it flags ${range((o) => o.observed.train)} across models (${calibText}); on the test split ${range((o) => o.observed.test)}${driftText}.`,
    );
  }
  const fallbacks = outcomes.filter((o) => o.variant === "global" && o.rule === "pot" && o.tail === null);
  if (fallbacks.length)
    out.push(
      `The GPD tail fit fell back to the empirical quantile for ${fallbacks.map((o) => o.model).join(", ")}: ${fallbacks[0]!.warnings.join(" ")}`,
    );
  const fitted = outcomes.filter((o) => o.tail);
  if (fitted.length)
    out.push(
      `Fitted GPD tail shapes: ${fitted.map((o) => `${o.model} ξ = ${o.tail!.shape.toFixed(2)}`).join(", ")} (ξ > 0: heavy-tailed errors, so a normal-theory k·σ rule would under-flag extremes).`,
    );
  const perToken = outcomes.filter((o) => o.variant === "per-token");
  if (perToken.some((o) => o.tokensOwn > 0)) {
    // Does a threshold per token hold its training flag rate out of sample better than one
    // global threshold? (Test rate / training rate; 1 = the rate holds.)
    const ratio = (v: ThresholdVariant) => {
      const r = outcomes
        .filter((o) => o.variant === v && o.observed.train > 0 && Number.isFinite(o.observed.test))
        .map((o) => o.observed.test / o.observed.train);
      return r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN;
    };
    const g = ratio("global"),
      t = ratio("per-token");
    if (Number.isFinite(g) && Number.isFinite(t)) {
      // Which holds its rate better: the smaller distance from 1 (at the 2 decimals printed).
      const v = compareValues(Math.abs(t - 1), Math.abs(g - 1), { digits: 2 });
      const which =
        v === "lower"
          ? ": thresholds per token track each token's own error level and hold their rate better"
          : v === "higher"
            ? ": one global threshold holds its rate better than thresholds per token here"
            : v === "tie"
              ? ": both hold their rate equally well"
              : "";
      out.push(
        `Averaged over models and rules, the test flag rate is ${g.toFixed(2)}× the training rate with global thresholds and ${t.toFixed(2)}× with per-token thresholds (1 = the rate holds out of sample)${which}.`,
      );
    }
  }
  if (perToken.length) {
    const own = Math.max(...perToken.map((o) => o.tokensOwn));
    const all = perToken[0]!.tokensOwn + perToken[0]!.tokensGlobal;
    out.push(
      own === 0
        ? `Per-token thresholds: no token has the ${MIN_GROUP_SIZE} training rows a token needs for its own threshold, so every token uses the global one.`
        : `Per-token thresholds: up to ${own} of ${all} tokens have their own threshold (at least ${MIN_GROUP_SIZE} training rows and a usable fit); the rest use the global one.`,
    );
  }
  return out;
}

/** Findings about ground truth: best detector vs PCA, consensus, and which model finds which kind best. */
export function groundTruthFindings(gt: GroundTruthResult): string[] {
  const out: string[] = [];
  const f = (x: number | null) => (x === null ? "n/a" : x.toFixed(3));
  const b = gt.baseline;
  const best = gt.best;
  // Detectors that cannot be told apart from the best: equal at the digits shown, or overlapping intervals.
  const near = gt.detectors
    .filter((q) => q !== best && q.rocAuc !== null && q.rows > 0)
    .map((q) => ({ q, v: compareValues(rocEstimate(q), rocEstimate(best), { digits: AUC_DIGITS }) }))
    .filter((x) => x.v === "tie" || x.v === "overlap");
  const tied = near.filter((x) => x.v === "tie").map((x) => x.q.name);
  const overlapping = near.filter((x) => x.v === "overlap").map((x) => `${x.q.name} ${f(x.q.rocAuc)}`);
  const nearText =
    (tied.length ? `; ${listNames(tied)} ${tied.length === 1 ? "ties" : "tie"} with it` : "") +
    (overlapping.length
      ? `; ${listNames(overlapping)} ${overlapping.length === 1 ? "is" : "are"} within its sampling noise (approximate 95% intervals overlap)`
      : "");
  let baseText = "";
  if (b) {
    baseText = `; the PCA baseline reaches ${f(b.rocAuc)} (PR-AUC ${f(b.averagePrecision)})`;
    if (b.rocAuc !== null && best.rocAuc !== null) {
      const v = b === best ? "self" : compareValues(rocEstimate(b), rocEstimate(best), { digits: AUC_DIGITS });
      const gap = (best.rocAuc - b.rocAuc).toFixed(AUC_DIGITS);
      baseText +=
        v === "self"
          ? ", the best itself"
          : v === "tie"
            ? ", level with the best"
            : v === "overlap"
              ? `, ${gap} below the best, within the sampling noise`
              : `, ${gap} below the best`;
    }
  }
  out.push(
    `Best ROC-AUC: **${best.name} ${f(best.rocAuc)}** (PR-AUC ${f(best.averagePrecision)}) on ${best.rows.toLocaleString("en-US")} rows with ${best.anomalies.toLocaleString("en-US")} labelled anomalies${nearText}${baseText}.`,
  );
  if (b && b.rocAuc !== null) {
    const mse = gt.detectors.filter((q) => q.name.endsWith("· MSE") && q !== b && q.rocAuc !== null);
    if (mse.length) out.push(versusBaselineSentence(mse, b));
  }
  const windows = gt.detectors.filter((q) => WINDOW_MODELS.some((m) => q.name.startsWith(`${m} ·`)) && q.rows > 0);
  const days = gt.detectors.find(
    (q) => !WINDOW_MODELS.some((m) => q.name.startsWith(`${m} ·`)) && q.rows > 0 && q.name !== "consensus",
  );
  if (windows.length && days) {
    out.push(
      `${windows[0]!.name.split(" · ")[0]} scores windows, anomalous when any of their days is: ${pct(windows[0]!.anomalies / windows[0]!.rows)} of its windows are positive against ${pct(days.anomalies / days.rows, 2)} of token-days, so its PR-AUC and precision@k are not comparable with the row models' (its ROC-AUC is).`,
    );
  }
  if (gt.consensus && gt.consensus.rocAuc !== null)
    out.push(
      `The consensus of the autoencoders (mean rank-normalised MSE) reaches ROC-AUC ${f(gt.consensus.rocAuc)} and PR-AUC ${f(gt.consensus.averagePrecision)}.`,
    );
  if (gt.bestByKind.length) {
    out.push(
      `By kind (ROC-AUC against normal rows): ${gt.bestByKind.map((k) => `**${k.kind}** ${kindLeader(k)}`).join("; ")}.`,
    );
    const hard = gt.bestByKind.filter((k) => k.auc < 0.7);
    if (hard.length)
      out.push(
        `Hard for every detector: ${hard.map((k) => `${k.kind} (best ${k.auc.toFixed(3)})`).join(", ")} — reconstruction error barely separates these rows from normal ones.`,
      );
  }
  return out;
}

/** "best found by A (0.812, 40 rows; next B 0.790)" or, when the runner-up prints the same, a tie. */
function kindLeader(k: {
  best: string;
  auc: number;
  rows: number;
  runnerUp: string | null;
  runnerUpAuc: number | null;
}): string {
  const auc = k.auc.toFixed(AUC_DIGITS);
  if (k.runnerUp && k.runnerUpAuc !== null && compareValues(k.runnerUpAuc, k.auc, { digits: AUC_DIGITS }) === "tie")
    return `found equally well by ${k.best} and ${k.runnerUp} (${auc}, ${k.rows} rows)`;
  return `best found by ${k.best} (${auc}, ${k.rows} rows${k.runnerUp && k.runnerUpAuc !== null ? `; next ${k.runnerUp} ${k.runnerUpAuc.toFixed(AUC_DIGITS)}` : ""})`;
}

/**
 * The autoencoders' MSE detectors against the PCA baseline: "beat" only beyond ties and the
 * approximate intervals of the ROC-AUCs; ties, overlaps and lower values said as such.
 */
export function versusBaselineSentence(mse: readonly DetectionQuality[], b: DetectionQuality): string {
  const base = b.rocAuc!.toFixed(AUC_DIGITS);
  const list = (qs: readonly DetectionQuality[]) =>
    qs.map((q) => `${q.name.split(" · ")[0]} ${q.rocAuc!.toFixed(AUC_DIGITS)}`).join(", ");
  const verdict = new Map<DetectionQuality, Comparison>(
    mse.map((q) => [q, compareValues(rocEstimate(q), rocEstimate(b), { digits: AUC_DIGITS })]),
  );
  const by = (c: Comparison) => mse.filter((q) => verdict.get(q) === c);
  const beat = by("higher"),
    tie = by("tie"),
    overlap = by("overlap"),
    lower = by("lower");
  if (beat.length === mse.length) return `On MSE every autoencoder beats PCA's ${base} (${list(mse)}).`;
  if (lower.length === mse.length)
    return `On MSE every autoencoder falls below PCA's ${base} (${list(mse)}): the linear baseline is hard to beat on these anomalies.`;
  const parts: string[] = [];
  if (beat.length) parts.push(`${list(beat)} beat${beat.length === 1 ? "s" : ""} it`);
  if (tie.length) parts.push(`${list(tie)} tie${tie.length === 1 ? "s" : ""} with it`);
  if (overlap.length)
    parts.push(
      `${list(overlap)} ${overlap.length === 1 ? "is" : "are"} within its sampling noise (approximate 95% intervals overlap)`,
    );
  if (lower.length) parts.push(`${list(lower)} fall${lower.length === 1 ? "s" : ""} below it`);
  return `On MSE against PCA's ${base}${beat.length === 0 ? ", no autoencoder beats it" : ""}: ${parts.join("; ")}.`;
}

/** Findings about the stress index and the crash-day check. */
export function stressFindings(
  stress: readonly StressDay[],
  checks: readonly EventCheck[],
  kind: "simulated" | "documented",
  options: { minTokens?: number; topN?: number } = {},
): string[] {
  const minTokens = options.minTokens ?? MIN_STRESS_TOKENS;
  const topN = options.topN ?? TOP_STRESS_DAYS;
  const out: string[] = [];
  const { ranked } = rankStressDays(stress, minTokens);
  if (ranked.length === 0) return [`No day has the ${minTokens} scored tokens the stress ranking needs.`];
  const top = ranked[0]!;
  const mean = ranked.reduce((a, d) => a + d.share, 0) / ranked.length;
  out.push(
    `The top stress day is **${top.date}**: ${top.flagged} of ${top.tokens} tokens flagged (${pct(top.share)}), against ${pct(mean, 2)} on an average day over ${ranked.length} ranked days.`,
  );
  const label = kind === "simulated" ? "simulated crash day" : "documented market-wide event";
  if (checks.length === 0) {
    out.push(`No ${label} falls inside the scored days, so the crash-day check has nothing to test.`);
    return out;
  }
  const scored = checks.filter((c) => c.rankWithLag !== null);
  const inTop = scored.filter((c) => c.inTop);
  out.push(
    `Of ${checks.length} ${label}${checks.length === 1 ? "" : "s"}, ${scored.length} ${scored.length === 1 ? "falls" : "fall"} on scored days; ${inTop.length === 0 ? "none ranks" : `${inTop.length} ${inTop.length === 1 ? "ranks" : "rank"}`} in the top ${topN} stress days` +
      (scored.length
        ? ` (${scored.map((c) => `${c.event.split(" ")[0]}: rank ${c.rankWithLag} of ${c.of}, ${pct(c.shareWithLag ?? 0)} of tokens flagged${c.rank !== null && c.rank !== c.rankWithLag ? `; the event day itself ranks ${c.rank}` : ""}`).join("; ")}).`
        : "."),
  );
  return out;
}

/** Findings about the event study: forward returns and volatility after flags against controls. */
export function eventStudyFindings(r: EventStudyResult): string[] {
  const out: string[] = [];
  for (const h of r.horizons) {
    if (!h.diffReturn || !h.diffVol) continue;
    const sig = (x: { estimate: number; lo: number; hi: number }) => {
      const v = compareToLevel({ value: x.estimate, lo: x.lo, hi: x.hi }, 0, { digits: 4 });
      return v === "higher" ? "above" : v === "lower" ? "below" : "not distinguishable from";
    };
    out.push(
      `${h.horizon} day${h.horizon > 1 ? "s" : ""} after a flag (${h.nEvents} events, ${h.nTokens} tokens): forward log return ${h.diffReturn.estimate >= 0 ? "+" : ""}${h.diffReturn.estimate.toFixed(4)} vs matched days ` +
        `[95% CI ${h.diffReturn.lo.toFixed(4)}, ${h.diffReturn.hi.toFixed(4)}], ${sig(h.diffReturn)} the controls; realised volatility ${h.diffVol.estimate >= 0 ? "+" : ""}${h.diffVol.estimate.toFixed(4)} ` +
        `[${h.diffVol.lo.toFixed(4)}, ${h.diffVol.hi.toFixed(4)}], ${sig(h.diffVol)} the controls.`,
    );
  }
  return out;
}
