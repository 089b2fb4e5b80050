/**
 * Hyperparameter search behind one interface: grid, Bayesian (GP + expected improvement) and
 * successive halving, each over a budget in epochs and a seed, on any objective (the
 * model-backed one trains AE, DAE, VAE or Conv1D models), every trial recorded.
 *
 * @example
 *   const space = defaultSpace("ae", { nFeatures: 17 });
 *   const objective = modelObjective(space, { featureNames, train, validation }, { batchSize: 256, patience: 5 });
 *   const r = await runStrategy("bayes", { objective, budgetEpochs: 60, epochsPerTrial: 10, seed: 1 });
 *   r.best.params; // the winner; r.trials holds every stage (configuration, epochs, objective, seconds)
 */
import { bayesSearch, type BayesSearchOptions } from "./bayes";
import { gridSearch } from "./grid";
import { halvingSearch, type HalvingSearchOptions } from "./halving";
import { STRATEGIES, type SearchResult, type StrategyName, type StrategyOptions } from "./trial";

export * from "./space";
export * from "./gp";
export * from "./objective";
export * from "./trial";
export * from "./anytime";
export { gridSearch } from "./grid";
export { bayesSearch, type BayesSearchOptions } from "./bayes";
export { halvingSearch, planBracket, bracketCost, type HalvingSearchOptions } from "./halving";

/** Options of runStrategy: the common ones, plus any strategy's own (ignored by the others). */
export type AnyStrategyOptions = StrategyOptions &
  Partial<Omit<BayesSearchOptions, keyof StrategyOptions>> &
  Partial<Omit<HalvingSearchOptions, keyof StrategyOptions>>;

/** Run one strategy by name (options a strategy does not know are ignored by it). */
export async function runStrategy(name: StrategyName, o: AnyStrategyOptions): Promise<SearchResult> {
  switch (name) {
    case "grid":
      return gridSearch(o);
    case "bayes":
      return bayesSearch(o);
    case "halving":
      return halvingSearch(o);
    default:
      throw new Error(`runStrategy: unknown strategy "${String(name)}"; use one of ${STRATEGIES.join(", ")}.`);
  }
}
