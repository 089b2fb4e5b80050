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
      out.push(
        `Averaged over models and rules, the test flag rate is ${g.toFixed(2)}× the training rate with global thresholds and ${t.toFixed(2)}× with per-token thresholds (1 = the rate holds out of sample)${Math.abs(t - 1) < Math.abs(g - 1) ? ": thresholds per token track each token's own error level and hold their rate better" : ""}.`,
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
  out.push(
    `Best ROC-AUC: **${gt.best.name} ${f(gt.best.rocAuc)}** (PR-AUC ${f(gt.best.averagePrecision)}) on ${gt.best.rows.toLocaleString("en-US")} rows with ${gt.best.anomalies.toLocaleString("en-US")} labelled anomalies` +
      (b
        ? `; the PCA baseline reaches ${f(b.rocAuc)} (PR-AUC ${f(b.averagePrecision)})${b.rocAuc !== null && gt.best.rocAuc !== null ? `, ${gt.best.rocAuc > b.rocAuc ? `${(gt.best.rocAuc - b.rocAuc).toFixed(3)} below the best` : "the best itself"}` : ""}.`
        : "."),
  );
  if (b && b.rocAuc !== null) {
    const mse = gt.detectors.filter((q) => q.name.endsWith("· MSE") && q !== b && q.rocAuc !== null);
    const beat = mse.filter((q) => q.rocAuc! > b.rocAuc!);
    const list = (qs: DetectionQuality[]) =>
      qs.map((q) => `${q.name.split(" · ")[0]} ${q.rocAuc!.toFixed(3)}`).join(", ");
    if (mse.length) {
      out.push(
        beat.length === mse.length
          ? `On MSE every autoencoder beats PCA's ${b.rocAuc.toFixed(3)} (${list(mse)}).`
          : beat.length === 0
            ? `On MSE no autoencoder beats PCA's ${b.rocAuc.toFixed(3)} (${list(mse)}): the linear baseline is hard to beat on these anomalies.`
            : `On MSE, ${list(beat)} beat PCA's ${b.rocAuc.toFixed(3)}; ${list(mse.filter((q) => !beat.includes(q)))} do not.`,
      );
    }
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
      `By kind (ROC-AUC against normal rows): ${gt.bestByKind.map((k) => `**${k.kind}** best found by ${k.best} (${k.auc.toFixed(3)}, ${k.rows} rows${k.runnerUp ? `; next ${k.runnerUp} ${k.runnerUpAuc!.toFixed(3)}` : ""})`).join("; ")}.`,
    );
    const hard = gt.bestByKind.filter((k) => k.auc < 0.7);
    if (hard.length)
      out.push(
        `Hard for every detector: ${hard.map((k) => `${k.kind} (best ${k.auc.toFixed(3)})`).join(", ")} — reconstruction error barely separates these rows from normal ones.`,
      );
  }
  return out;
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
    const sig = (x: { lo: number; hi: number }) =>
      x.lo > 0 ? "above" : x.hi < 0 ? "below" : "not distinguishable from";
    out.push(
      `${h.horizon} day${h.horizon > 1 ? "s" : ""} after a flag (${h.nEvents} events, ${h.nTokens} tokens): forward log return ${h.diffReturn.estimate >= 0 ? "+" : ""}${h.diffReturn.estimate.toFixed(4)} vs matched days ` +
        `[95% CI ${h.diffReturn.lo.toFixed(4)}, ${h.diffReturn.hi.toFixed(4)}], ${sig(h.diffReturn)} the controls; realised volatility ${h.diffVol.estimate >= 0 ? "+" : ""}${h.diffVol.estimate.toFixed(4)} ` +
        `[${h.diffVol.lo.toFixed(4)}, ${h.diffVol.hi.toFixed(4)}], ${sig(h.diffVol)} the controls.`,
    );
  }
  return out;
}
