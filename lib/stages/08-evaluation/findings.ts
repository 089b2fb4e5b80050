/** findings.ts */

import { modelLabel } from "../../runtime/model-registry";
import { mean } from "../../stats/descriptive";
import type { GroupErrorRow, PairedDifference } from "../../evaluate/evaluation";
import type { Criterion, Ranking, WalkForwardRow } from "../../evaluate/walk-forward";
import type { DriftRow } from "../../evaluate/regimes";
import type { NoiseComparison, RobustnessRow } from "../../evaluate/robustness";
import type { SweepPoint } from "../../evaluate/sweep";
import { type Comparison, compareToLevel, compareValues, leaders, listNames } from "../../stats/compare";

/** Decimals criteria values are printed with in the ranking sentences (equal at this precision = a tie). */
const CRITERION_DIGITS = 3;
/** Decimals mean ranks are printed with. */
const RANK_DIGITS = 2;
/** Decimals MSEs are printed with. */
const MSE_DIGITS = 4;

/**
 * Sentences from a ranking: the leader and the last of each criterion and overall, with
 * values that print the same at the precision shown said to tie.
 */
export function rankingSentences(criteria: Criterion[], ranking: Ranking): string[] {
  const out: string[] = [];
  const names = (ms: string[]) => listNames(ms.map((m) => modelLabel(m)));
  criteria.forEach((c, k) => {
    const measured = ranking.models.filter((m) => ranking.ranks[k]![m] !== null);
    if (measured.length < 2) return;
    const v = (m: string) => c.values[m]!;
    const first = leaders(measured, v, { better: c.better, digits: CRITERION_DIGITS });
    const last = leaders(measured, v, { better: c.better === "lower" ? "higher" : "lower", digits: CRITERION_DIGITS });
    const f = (m: string) => v(m).toFixed(CRITERION_DIGITS);
    if (first.tied.length === measured.length) {
      out.push(`${c.label}: every model scores ${f(first.best!)}, a tie.`);
      return;
    }
    const head = first.clear
      ? `**${modelLabel(first.best!)}** ranks first (${f(first.best!)})`
      : `**${names(first.tied)}** tie for first (${f(first.best!)})`;
    const tail = last.clear
      ? `${modelLabel(last.best!)} last (${f(last.best!)})`
      : `${names(last.tied)} tie for last (${f(last.best!)})`;
    out.push(`${c.label}: ${head}, ${tail}.`);
  });
  const o = ranking.order;
  const r = (m: string) => ranking.meanRank[m]!;
  const chain = o
    .map((m, i) => {
      const sep = i === 0 ? "" : compareValues(r(o[i - 1]!), r(m), { digits: RANK_DIGITS }) === "tie" ? " = " : " < ";
      return `${sep}${modelLabel(m)} (${r(m).toFixed(RANK_DIGITS)})`;
    })
    .join("");
  const top = leaders(o, r, { better: "lower", digits: RANK_DIGITS });
  out.push(
    `Over all criteria, the mean rank orders the models ${chain}; ` +
      (top.clear
        ? `**${modelLabel(o[0]!)}** comes first.`
        : top.tied.length === o.length
          ? "every model has the same mean rank: none comes first."
          : `**${names(top.tied)}** share first place.`),
  );
  return out;
}

// ---------------------------------------------------------------------------------------
// Findings: sentences built from the numbers
// ---------------------------------------------------------------------------------------

const pct = (v: number) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)}%`;
const signed = (v: number, digits = 4) => `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;

/** One sentence per paired comparison with PCA: size of the gap, its interval, the verdict. */
export function pairedSentences(paired: PairedDifference[]): string[] {
  return paired.map((p) => {
    // The interval decides (the same verdict as the table's differenceVerdict); exactly equal MSEs tie.
    const v = compareToLevel({ value: p.difference, lo: p.lo, hi: p.hi }, 0);
    const verdict =
      v === "higher" || v === "lower"
        ? `significantly ${v} than`
        : v === "tie"
          ? "level with"
          : "not significantly different from";
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
  const verdict = (c: NoiseComparison): Comparison => compareToLevel({ value: c.difference, lo: c.lo, hi: c.hi }, 0);
  const closer = comparisons.filter((c) => verdict(c) === "lower").length;
  const farther = comparisons.filter((c) => verdict(c) === "higher").length;
  const tied = total - closer - farther;
  let moreStable = 0;
  for (const c of comparisons) {
    const ra = rows.find((r) => r.model === a && r.label === c.label),
      rb = rows.find((r) => r.model === b && r.label === c.label);
    if (ra && rb && compareValues(ra.spearman, rb.spearman, { digits: 2 }) === "higher") moreStable++;
  }
  const A = modelLabel(a),
    B = modelLabel(b);
  const worst = comparisons.reduce(
    (x, y) => (Math.abs(y.difference) > Math.abs(x.difference) ? y : x),
    comparisons[0]!,
  );
  const holds = closer > total / 2 && moreStable > total / 2;
  const claim = holds
    ? `the claim that the ${A} is more robust than the ${B} **holds** on this data`
    : closer === 0 && farther > 0
      ? `the claim that the ${A} is more robust than the ${B} **does not hold** on this data`
      : `the claim that the ${A} is more robust than the ${B} holds **only partly** on this data`;
  const losses = comparisons.filter((c) => verdict(c) === "higher").map((c) => c.label);
  const sentence = `Under ${total} corruptions of the test input, the ${A}'s reconstruction is significantly closer to the clean input than the ${B}'s in **${closer}**, significantly farther in **${farther}**${losses.length ? ` (${losses.join(", ")})` : ""} and indistinguishable in ${tied} (largest gap at ${worst.label}: ${worst.meanA.toFixed(4)} vs ${worst.meanB.toFixed(4)}, difference CI [${signed(worst.lo)}, ${signed(worst.hi)}]); its anomaly ranking is the more stable of the two (higher Spearman with the clean ranking) in ${moreStable} of ${total}. So ${claim}.`;
  return { closer, farther, tied, moreStable, total, sentence };
}

/** Drift sentence: test ÷ train error per model with its interval, classified, and the regime-adjusted ratios. */
export function driftSentence(rows: DriftRow[]): string {
  const fmt = (r: DriftRow) =>
    `${modelLabel(r.model)} ${r.ratio.toFixed(2)}${Number.isFinite(r.lo) ? ` [${r.lo.toFixed(2)}, ${r.hi.toFixed(2)}]` : ""}`;
  const v = (r: DriftRow) => compareToLevel({ value: r.ratio, lo: r.lo, hi: r.hi }, 1, { digits: 2 });
  const worse = rows.filter((r) => v(r) === "higher"),
    better = rows.filter((r) => v(r) === "lower"),
    same = rows.filter((r) => v(r) !== "higher" && v(r) !== "lower");
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
  const most = leaders(ratios, (r) => r.ratio, { digits: 2 }),
    least = leaders(ratios, (r) => r.ratio, { better: "lower", digits: 2 });
  const names = (rs: { model: string }[]) => listNames(rs.map((r) => modelLabel(r.model)));
  const verb = (rs: unknown[]) => (rs.length === 1 ? "is" : "are");
  const which =
    ratios.length === 1
      ? ""
      : most.tied.length === ratios.length
        ? ": every model is equally regime-sensitive"
        : `: ${names(most.tied)} ${verb(most.tied)} the most regime-sensitive, ${names(least.tied)} the least`;
  return `In the crash regime reconstruction error is ${ratios.map((r) => `${r.ratio.toFixed(2)}× (${modelLabel(r.model)})`).join(", ")} the calm-regime error${which}.`;
}

/** Walk-forward sentence: mean test error per model over folds, wins against PCA and the mean predictor. */
export function walkForwardSentence(rows: WalkForwardRow[], reference = "pca"): string {
  const folds = [...new Set(rows.map((r) => r.fold))];
  const models = [...new Set(rows.map((r) => r.model))];
  const avg = (m: string) => mean(rows.filter((r) => r.model === m).map((r) => r.testMse));
  const meanPred = mean(folds.map((f) => rows.find((r) => r.fold === f)!.meanMse));
  const others = models.filter((m) => m !== reference);
  const verdicts = (m: string) =>
    folds.map((f) => {
      const a = rows.find((r) => r.fold === f && r.model === m),
        p = rows.find((r) => r.fold === f && r.model === reference);
      return a && p ? compareValues(a.testMse, p.testMse, { digits: MSE_DIGITS }) : "unknown";
    });
  const wins = others.map((m) => ({
    m,
    wins: verdicts(m).filter((v) => v === "lower").length,
    ties: verdicts(m).filter((v) => v === "tie").length,
  }));
  const budget = others.map((m) => {
    const own = rows.filter((r) => r.model === m);
    return `${modelLabel(m)} trained on at most ${Math.max(...own.map((r) => r.trainRows)).toLocaleString("en-US")} rows for at most ${Math.max(...own.map((r) => r.epochs))} epochs per fold`;
  });
  return `Walk-forward over ${folds.length} expanding folds (train on the past, test on the next period): mean test MSE ${models.map((m) => `${modelLabel(m)} ${avg(m).toFixed(4)}`).join(", ")}, against ${meanPred.toFixed(4)} for the fold's training mean. ${wins.map((w) => `${modelLabel(w.m)} beats ${modelLabel(reference)} in ${w.wins} of ${folds.length} folds${w.ties ? ` and ties in ${w.ties}` : ""}`).join("; ")}${budget.length ? ` (${budget.join("; ")})` : ""}.`;
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
