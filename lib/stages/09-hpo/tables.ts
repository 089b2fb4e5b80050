/**
 * The tables notebook 09 shows that are more than a mapping of one result: the search
 * spaces, each search's winner against the default and PCA, the winners summarised by
 * strategy, and the latent-size sweep (as a table and as chart rows).
 */
import { describeParams, type SearchSpace, type StrategyName } from "../../evaluate/search/index";
import { mean, std } from "../../stats/descriptive";
import type { ComparedSearch, Downstream, LatentPoint, Scored } from "./search-comparison";

/** A search space's dimension in words: its choices, or its type and range. */
export function dimensionText(dim: SearchSpace["dimensions"][number]): string {
  return dim.type === "choice"
    ? `{${dim.values.join(", ")}}`
    : `${dim.type === "int" ? "integer" : dim.log ? "log-uniform" : "uniform"} ${dim.low} .. ${dim.high}`;
}

/** One row per hyperparameter of every kind's search space: range, grid levels and default. */
export function spaceRows(spaces: SearchSpace[]): Record<string, string | number>[] {
  return spaces.flatMap((sp) =>
    sp.dimensions.map((dim) => ({
      kind: sp.kind.toUpperCase(),
      hyperparameter: dim.name,
      range: dimensionText(dim),
      "grid levels": sp.grid[dim.name]?.join(", ") ?? "default only",
      default: sp.defaults[dim.name]!,
    })),
  );
}

/** One row of the winners table: the named numbers are the ones strategySummary averages. */
export type WinnerRow = Record<string, string | number> & {
  strategy: string;
  "test MSE": number;
  "gain vs default %": number;
  "gain vs PCA %": number;
};

/**
 * Each search's winner scored on the test split, next to the default configuration with the
 * same seed (`defaults`: seed -> scores) and PCA with the winner's latent size (`pca`: latent
 * size -> test MSE); gains are relative reductions of the test MSE in percent.
 */
export function winnerRows(
  runs: ComparedSearch[],
  defaults: Map<number, Scored>,
  pca: Map<number, { testMse: number }>,
  space: SearchSpace,
  criterion: Downstream["criterion"],
): WinnerRow[] {
  return runs.map((r) => {
    const def = defaults.get(r.seed);
    const latent = r.winner.params.latentDim!;
    const p = pca.get(latent);
    if (!def) throw new Error(`winnerRows: no default configuration scored for seed ${r.seed}; train it first.`);
    if (!p) throw new Error(`winnerRows: no PCA scored at latent size ${latent}; score it first.`);
    return {
      strategy: r.strategy,
      seed: r.seed,
      winner: describeParams(space, r.winner.params),
      "val MSE": r.winner.objective,
      "test MSE": r.winner.testMse,
      "default test MSE": def.testMse,
      "gain vs default %": (1 - r.winner.testMse / def.testMse) * 100,
      "PCA test MSE (same latent)": p.testMse,
      "gain vs PCA %": (1 - r.winner.testMse / p.testMse) * 100,
      [criterion]: r.winner.downstream.value,
      [`default ${criterion}`]: def.downstream.value,
    };
  });
}

/** One row per strategy of the winners summary. */
export type StrategySummaryRow = {
  strategy: StrategyName;
  "test MSE mean": number;
  "test MSE sd": number;
  "gain vs default % (mean)": number;
  "gain vs PCA % (mean)": number;
  configurations: number;
};

/**
 * The winners by strategy over seeds: mean and sample sd of the test MSE (NaN from one
 * seed), mean gains, and the mean count of configurations one search tried.
 */
export function strategySummary(
  rows: WinnerRow[],
  runs: ComparedSearch[],
  strategies: readonly StrategyName[],
): StrategySummaryRow[] {
  return strategies.map((strategy) => {
    const mine = rows.filter((w) => w.strategy === strategy);
    const col = (k: "test MSE" | "gain vs default %" | "gain vs PCA %") => mine.map((w) => w[k]);
    return {
      strategy: strategy,
      "test MSE mean": mean(col("test MSE")),
      "test MSE sd": std(col("test MSE"), 1),
      "gain vs default % (mean)": mean(col("gain vs default %")),
      "gain vs PCA % (mean)": mean(col("gain vs PCA %")),
      configurations:
        runs.filter((r) => r.strategy === strategy).reduce((a, r) => a + r.result.configurations, 0) / mine.length,
    };
  });
}

/** The latent-size sweep as a table: the AE and PCA at each size, by reconstruction and by the criterion. */
export function latentSweepRows(sweep: LatentPoint[], criterion: Downstream["criterion"]): Record<string, number>[] {
  return sweep.map((p) => ({
    "latent size": p.latentDim,
    "val MSE": p.objective,
    "test MSE": p.testMse,
    "PCA test MSE": p.pcaTestMse,
    [criterion]: p.downstream.value,
    [`PCA ${criterion}`]: p.pcaDownstream.value,
  }));
}

/** One point of the latent-size charts. */
export type LatentChartRow = {
  latent: number;
  model: "AE" | "PCA";
  measure: string;
  value: number;
};

/**
 * The latent-size sweep in long form for the charts: test MSE of the AE and PCA at every
 * size, and the criterion where it has a value.
 */
export function latentChartRows(sweep: LatentPoint[], criterion: Downstream["criterion"]): LatentChartRow[] {
  return sweep.flatMap((p): LatentChartRow[] => [
    { latent: p.latentDim, model: "AE", measure: "test MSE", value: p.testMse },
    { latent: p.latentDim, model: "PCA", measure: "test MSE", value: p.pcaTestMse },
    ...(Number.isFinite(p.downstream.value)
      ? [
          { latent: p.latentDim, model: "AE" as const, measure: criterion, value: p.downstream.value },
          { latent: p.latentDim, model: "PCA" as const, measure: criterion, value: p.pcaDownstream.value },
        ]
      : []),
  ]);
}
