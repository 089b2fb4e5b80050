/**
 * The findings of notebook 09, written from its numbers: which strategy led at each budget,
 * how far the winners are from the default configuration and from PCA, and the latent size
 * chosen with the criterion beyond reconstruction.
 */
import { STRATEGIES } from "../../evaluate/search/index";
import type { ComparisonBudget, Downstream, LatentPoint } from "./search-comparison";
import type { StrategySummaryRow } from "./tables";

/** A relative change in words: a positive gain is an error that much below the reference. */
export function relativeWording(gain: number): string {
  return `${Math.abs(gain).toFixed(1)}% ${gain >= 0 ? "below" : "above"}`;
}

/**
 * The anytime finding: which strategy had the lowest mean validation MSE at the first and at
 * the last budget checkpoint (`atBudgets`: rows of winnersAtBudgets), with each strategy's
 * mean ± sd at the last.
 */
export function budgetFinding(
  budget: ComparisonBudget,
  seeds: number,
  atBudgets: Record<string, string | number>[],
): string {
  const firstRow = atBudgets[0];
  const lastRow = atBudgets[atBudgets.length - 1];
  if (!firstRow || !lastRow) throw new Error("budgetFinding: no budget checkpoints; run winnersAtBudgets first.");
  const spread = STRATEGIES.map((st) => {
    const sd = Number(lastRow[`${st} sd`]);
    return `${st} ${Number(lastRow[`${st} mean`]).toFixed(4)} ± ${Number.isFinite(sd) ? sd.toFixed(4) : "n/a"}`;
  }).join(", ");
  return `With the same budget (${budget.mainBudget} epochs per search, full trials of ${budget.epochsPerTrial} epochs) and ${seeds} seeds, the lowest mean validation MSE at ${firstRow["epochs spent"]} epochs was reached by **${firstRow.best}**, at ${lastRow["epochs spent"]} epochs by **${lastRow.best}** (${spread}).`;
}

/** The winners against the default configuration and against PCA of the same latent size, per strategy. */
export function winnersFinding(byStrategy: StrategySummaryRow[]): string {
  const vsDefault = byStrategy
    .map((b) => `${relativeWording(b["gain vs default % (mean)"])} the default's (${b.strategy})`)
    .join(", ");
  const vsPca = byStrategy.map((b) => `${relativeWording(b["gain vs PCA % (mean)"])} (${b.strategy})`).join(", ");
  return `Scored once on the test split, the winners' test MSE is on average ${vsDefault}, for the default configuration trained the same way; against PCA with the same latent size it is ${vsPca}.`;
}

/** The latent sweep in words: test MSE (and the criterion, if any) at every size, and the size chosen. */
export function latentFinding(
  latents: number[],
  sweep: LatentPoint[],
  criterion: Downstream["criterion"],
  choice: { latentDim: number; reason: string },
): string {
  const mse = sweep.map((p) => p.testMse.toFixed(4)).join(", ");
  const crit =
    criterion !== "none"
      ? ` and ${criterion} ${sweep.map((p) => (Number.isFinite(p.downstream.value) ? p.downstream.value.toFixed(3) : "n/a")).join(", ")}`
      : "";
  const none =
    criterion === "none"
      ? ` Without labels or documented crashes in the held-out days, ${sweep[0]!.downstream.note}.`
      : "";
  return `Latent size: the winner's configuration at sizes ${latents.join(", ")} has test MSE ${mse}${crit}. The choice is **${choice.latentDim}**: ${choice.reason}.${none}`;
}
