/**
 * Successive halving (Jamieson & Talwalkar, 2016) on a budget: brackets of randomly drawn
 * configurations race with the schedule of lib/evaluate/hpo.ts (`halvingSchedule`: keep the
 * best 1/eta each rung, survivors resume from their weights), each bracket as large as the
 * remaining budget allows; brackets repeat until the budget is spent (early stopping leaves
 * epochs over). The search's last rungs reach `epochsPerTrial`, the length of one grid or
 * Bayesian trial, so all three strategies end with equally trained winners.
 */
import { Rng } from "../../runtime/rng";
import { DEFAULT_ETA, halvingSchedule, type Rung } from "../hpo";
import type { TrialRun } from "./objective";
import { paramsKey, sampleParams, spaceSize, type Params } from "./space";
import { checkStrategyOptions, Ledger, type SearchResult, type StrategyOptions } from "./trial";

/** Options of halvingSearch. */
export interface HalvingSearchOptions extends StrategyOptions {
  /** Halving rate (default 3: keep the best third). */
  eta?: number;
  /** Most configurations in one bracket (default 81 = 3^4: five rungs at eta 3). */
  maxBracket?: number;
}

/** Default cap of a bracket's size. */
const DEFAULT_MAX_BRACKET = 81;
/** Draws per wanted configuration before accepting that the space is exhausted. */
const DRAWS_PER_CONFIG = 50;

/** Epochs a bracket of `n` configurations costs when nothing stops early. */
export function bracketCost(schedule: Rung[]): number {
  return schedule.reduce((a, r) => a + r.configs * r.newEpochs, 0);
}

/**
 * The largest bracket that fits `budget` epochs with last rung `maxEpochs`: its size and
 * schedule; with less than one full trial left, one configuration trained for what is left.
 */
export function planBracket(
  budget: number,
  maxEpochs: number,
  eta: number,
  maxBracket: number,
): { n: number; schedule: Rung[] } {
  if (budget < 1) throw new Error(`planBracket: budget must be >= 1 epoch, got ${budget}.`);
  const top = Math.max(1, Math.min(maxBracket, budget));
  for (let n = top; n >= 1; n--) {
    const schedule = halvingSchedule(n, maxEpochs, eta);
    if (bracketCost(schedule) <= budget) return { n, schedule };
  }
  return { n: 1, schedule: halvingSchedule(1, Math.min(maxEpochs, budget), eta) };
}

/** Run brackets of successive halving until the budget is spent. */
export async function halvingSearch(o: HalvingSearchOptions): Promise<SearchResult> {
  checkStrategyOptions(o, "halvingSearch");
  const eta = o.eta ?? DEFAULT_ETA;
  if (!(eta > 1)) throw new Error(`halvingSearch: eta must be > 1 (3 keeps the best third), got ${eta}.`);
  const maxBracket = o.maxBracket ?? DEFAULT_MAX_BRACKET;
  if (!Number.isInteger(maxBracket) || maxBracket < 1)
    throw new Error(`halvingSearch: maxBracket must be a positive integer, got ${maxBracket}.`);
  const space = o.objective.space;
  const rng = new Rng(o.seed).fork("halving-draws");
  const ledger = new Ledger("halving", o);
  const size = spaceSize(space);
  for (let bracket = 0; ledger.remaining >= 1; bracket++) {
    const plan = planBracket(ledger.remaining, o.epochsPerTrial, eta, maxBracket);
    const configs: Params[] = [];
    const drawn = new Set<string>();
    for (let draws = 0; configs.length < plan.n && draws < plan.n * DRAWS_PER_CONFIG; draws++) {
      const p = sampleParams(space, rng);
      const key = paramsKey(p);
      if (ledger.seen(p) || drawn.has(key)) continue;
      drawn.add(key);
      configs.push(p);
    }
    if (configs.length === 0) break; // a finite space, fully tried
    const schedule = configs.length === plan.n ? plan.schedule : halvingSchedule(configs.length, o.epochsPerTrial, eta);
    const runs = new Map<number, TrialRun>();
    const epochs = new Map<number, number>();
    let alive = configs.map((_, i) => i);
    try {
      for (const rung of schedule) {
        const scored: { i: number; objective: number }[] = [];
        for (const i of alive) {
          const ask = Math.min(rung.newEpochs, ledger.remaining);
          if (ask < 1) break;
          const started = performance.now();
          let run = runs.get(i);
          if (!run) {
            run = o.objective.start(configs[i]!, o.seed);
            runs.set(i, run);
          }
          const step = await run.train(ask);
          epochs.set(i, (epochs.get(i) ?? 0) + step.epochsRun);
          ledger.record(run, configs[i]!, step, {
            epochsRun: epochs.get(i)!,
            seconds: (performance.now() - started) / 1000,
            bracket,
            rung: rung.rung,
          });
          scored.push({ i, objective: step.objective });
        }
        const next = schedule[rung.rung + 1];
        if (!next || ledger.remaining < 1) break;
        const keep = scored
          .filter((s) => Number.isFinite(s.objective))
          .sort((a, b) => a.objective - b.objective || a.i - b.i)
          .slice(0, next.configs)
          .map((s) => s.i);
        for (const i of alive)
          if (!keep.includes(i)) {
            const r = runs.get(i);
            if (r) ledger.release(r);
            runs.delete(i);
          }
        alive = keep;
        if (alive.length === 0) break;
      }
    } finally {
      for (const r of runs.values()) ledger.release(r);
    }
    if (Number.isFinite(size) && ledger.trials.length > 0 && new Set(ledger.trials.map((t) => t.trial)).size >= size)
      break;
  }
  return ledger.result();
}
