/**
 * Grid search: every configuration of the space's grid (latent size x learning rate x depth x
 * width, plus the kernel size for Conv1D), each trained from scratch for `epochsPerTrial`
 * epochs. The grid is visited in a seeded random order, so that a budget too small for the
 * whole grid gets an unbiased subset of it rather than, say, only its smallest latent sizes
 * (Bergstra & Bengio, 2012, on why grids waste budget on unimportant dimensions).
 */
import { Rng } from "../../runtime/rng";
import { gridPoints } from "./space";
import { checkStrategyOptions, Ledger, type SearchResult, type StrategyOptions } from "./trial";

/** Run the grid until it is exhausted or the budget is spent (the last trial may be shorter). */
export async function gridSearch(o: StrategyOptions): Promise<SearchResult> {
  checkStrategyOptions(o, "gridSearch");
  const points = gridPoints(o.objective.space);
  const order = new Rng(o.seed).fork("grid-order").permutation(points.length);
  const ledger = new Ledger("grid", o);
  for (const k of order) {
    const epochs = Math.min(o.epochsPerTrial, ledger.remaining);
    if (epochs < 1) break;
    await ledger.runFresh(points[k]!, epochs);
  }
  return ledger.result();
}
