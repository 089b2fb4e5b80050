/**
 * Bayesian optimisation with a Gaussian process and expected improvement (Snoek et al., 2012):
 * a few random configurations first, then each next configuration is the one whose expected
 * improvement on the best objective so far is largest under a GP fitted to all results.
 *
 * The GP models log(objective) over the unit cube of `encode` (learning rate and beta on a
 * log scale, integers and choices at the centre of their cell), so errors that span orders of
 * magnitude do not dominate its fit. EI is maximised over random candidates plus local
 * perturbations of the best points, each snapped to a valid configuration (rounded integers
 * and choices) before it is scored, so the GP judges exactly what would be trained. A
 * configuration is never tried twice. Failed trials enter the GP at the worst value seen.
 */
import { Rng } from "../../runtime/rng";
import { expectedImprovement, fitGp } from "./gp";
import { decode, encode, paramsKey, sampleParams, type Params } from "./space";
import { checkStrategyOptions, Ledger, type SearchResult, type StrategyOptions } from "./trial";

/** Options of bayesSearch. */
export interface BayesSearchOptions extends StrategyOptions {
  /** Random configurations before the GP takes over (default: dimensions + 1, at least 3). */
  initialPoints?: number;
  /** Random candidates scored by EI per step (default 1000). */
  candidates?: number;
}

/** Random candidates per step: EI is cheap (tens of points), 1000 covers a 5-d cube at ~4 per axis-cell. */
const DEFAULT_CANDIDATES = 1000;
/** Best points whose neighbourhoods are searched too, and candidates per neighbourhood. */
const LOCAL_CENTRES = 3;
const LOCAL_CANDIDATES = 100;
/** Standard deviation of the local perturbations in the unit cube (a tenth of each axis). */
const LOCAL_SD = 0.1;
/** Draws per wanted configuration before accepting that the space is exhausted. */
const DRAWS_PER_CONFIG = 50;

/** Run the Bayesian search until the budget is spent or the (finite) space is exhausted. */
export async function bayesSearch(o: BayesSearchOptions): Promise<SearchResult> {
  checkStrategyOptions(o, "bayesSearch");
  const space = o.objective.space;
  const d = space.dimensions.length;
  const nInit = o.initialPoints ?? Math.max(3, d + 1);
  if (!Number.isInteger(nInit) || nInit < 1)
    throw new Error(`bayesSearch: initialPoints must be a positive integer, got ${nInit}.`);
  const nCand = o.candidates ?? DEFAULT_CANDIDATES;
  if (!Number.isInteger(nCand) || nCand < 1)
    throw new Error(`bayesSearch: candidates must be a positive integer, got ${nCand}.`);
  const root = new Rng(o.seed);
  const initRng = root.fork("bayes-initial");
  const candRng = root.fork("bayes-candidates");
  const ledger = new Ledger("bayes", o);
  const tried: Params[] = [];
  while (ledger.remaining >= 1) {
    let next: Params | null = null;
    if (tried.length < nInit) {
      for (let k = 0; k < DRAWS_PER_CONFIG && !next; k++) {
        const p = sampleParams(space, initRng);
        if (!ledger.seen(p)) next = p;
      }
    } else {
      next = proposeNext(o, ledger, tried, candRng, nCand);
    }
    if (!next) break;
    tried.push(next);
    await ledger.runFresh(next, Math.min(o.epochsPerTrial, ledger.remaining));
  }
  return ledger.result();
}

/** The untried configuration with the largest expected improvement (null when every candidate was tried). */
function proposeNext(o: BayesSearchOptions, ledger: Ledger, tried: Params[], rng: Rng, nCand: number): Params | null {
  const space = o.objective.space;
  const results = ledger.trials;
  const finite = results.filter((t) => Number.isFinite(t.objective) && t.objective > 0);
  if (finite.length === 0) {
    // Nothing to model (every trial failed): keep exploring at random.
    for (let k = 0; k < DRAWS_PER_CONFIG; k++) {
      const p = sampleParams(space, rng);
      if (!ledger.seen(p)) return p;
    }
    return null;
  }
  const worst = Math.max(...finite.map((t) => Math.log(t.objective)));
  const X = results.map((t) => encode(space, t.params));
  const y = results.map((t) => (Number.isFinite(t.objective) && t.objective > 0 ? Math.log(t.objective) : worst));
  const gp = fitGp(X, y);
  const best = Math.min(...y);
  const d = space.dimensions.length;
  const points: number[][] = [];
  for (let c = 0; c < nCand; c++) points.push(Array.from({ length: d }, () => rng.uniform()));
  const centres = [...results]
    .filter((t) => Number.isFinite(t.objective))
    .sort((a, b) => a.objective - b.objective)
    .slice(0, LOCAL_CENTRES);
  for (const t of centres) {
    const u = encode(space, t.params);
    for (let c = 0; c < LOCAL_CANDIDATES; c++)
      points.push(Array.from(u, (v) => Math.min(1, Math.max(0, v + LOCAL_SD * rng.normal()))));
  }
  const seenHere = new Set<string>(tried.map(paramsKey));
  let chosen: Params | null = null;
  let bestEi = -1;
  for (const u of points) {
    const p = decode(space, u);
    const key = paramsKey(p);
    if (seenHere.has(key)) continue;
    seenHere.add(key); // each distinct configuration is scored once
    const { mean, sd } = gp.predict(encode(space, p));
    const ei = expectedImprovement(mean, sd, best);
    if (ei > bestEi) {
      bestEi = ei;
      chosen = p;
    }
  }
  return chosen;
}
