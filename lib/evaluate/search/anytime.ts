/**
 * Anytime performance of searches: the best validation objective reached against epochs spent,
 * per strategy, summarised over seeds (median and range), plus the tables and the chart the
 * notebook shows. A strategy is better at a budget when its best-so-far is lower there.
 */
import { isTie } from "../../stats/compare";
import type { Table } from "../../runtime/artifacts";
import { mean as meanOf, median, std } from "../../stats/descriptive";
import type { SearchResult, SearchTrial } from "./trial";

/** The best objective a search had reached after `epochs` epochs (NaN before its first success). */
export function bestAt(result: SearchResult, epochs: number): number {
  let best = NaN;
  for (const t of result.trials) {
    if (t.spent > epochs) break;
    if (Number.isFinite(t.bestSoFar)) best = t.bestSoFar;
  }
  return best;
}

/** One point of a summarised anytime curve. */
export interface AnytimePoint {
  strategy: string;
  epochs: number;
  /** Seeds that had a finite best by then. */
  seeds: number;
  median: number;
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation over seeds (NaN with one seed). */
  sd: number;
}

/**
 * The anytime curves of several searches (any strategies, any seeds) at every epoch count
 * 1..max budget: per strategy, the median, range, mean and sd over its seeds of the best
 * objective reached. Points where no seed has a result yet are left out.
 */
export function anytimeCurves(results: SearchResult[]): AnytimePoint[] {
  const byStrategy = new Map<string, SearchResult[]>();
  for (const r of results) byStrategy.set(r.strategy, [...(byStrategy.get(r.strategy) ?? []), r]);
  const out: AnytimePoint[] = [];
  for (const [strategy, rs] of byStrategy) {
    const max = Math.max(...rs.map((r) => r.budgetEpochs));
    for (let e = 1; e <= max; e++) {
      const v = rs.map((r) => bestAt(r, e)).filter(Number.isFinite);
      if (v.length === 0) continue;
      const mean = meanOf(v);
      const sd = v.length > 1 ? std(v, 1) : NaN;
      out.push({
        strategy,
        epochs: e,
        seeds: v.length,
        median: median(v),
        min: Math.min(...v),
        max: Math.max(...v),
        mean,
        sd,
      });
    }
  }
  return out;
}

/**
 * Per budget and strategy: mean and sd over seeds of the best objective reached, and the
 * strategy with the lowest mean ("wins"; "grid = halving" when means print the same at 4
 * decimals). Rows: one per budget.
 */
export function winnersAtBudgets(results: SearchResult[], budgets: number[]): Record<string, string | number>[] {
  const strategies = [...new Set(results.map((r) => r.strategy))];
  return budgets.map((b) => {
    const row: Record<string, string | number> = { "epochs spent": b };
    let winner = "";
    let winnerMean = Infinity;
    for (const s of strategies) {
      const v = results
        .filter((r) => r.strategy === s)
        .map((r) => bestAt(r, b))
        .filter(Number.isFinite);
      const mean = v.length ? meanOf(v) : NaN;
      const sd = v.length > 1 ? std(v, 1) : NaN;
      row[`${s} mean`] = mean;
      row[`${s} sd`] = sd;
      if (Number.isFinite(mean) && mean < winnerMean) {
        winnerMean = mean;
        winner = s;
      }
    }
    // Strategies whose mean prints the same as the winner's (4 decimals) share the win.
    const tied = strategies.filter(
      (s) =>
        s !== winner &&
        Number.isFinite(row[`${s} mean`] as number) &&
        isTie(row[`${s} mean`] as number, winnerMean, { digits: 4 }),
    );
    row.best = winner ? [winner, ...tied].join(" = ") : "none yet";
    return row;
  });
}

/** Every stage of several searches as one table (for `writeTable`): configuration columns flattened. */
export function searchTrialsTable(results: SearchResult[], extra: Record<string, string> = {}): Table {
  const trials: (SearchTrial & { seed: number; kind: string })[] = results.flatMap((r) =>
    r.trials.map((t) => ({ ...t, seed: r.seed, kind: r.kind })),
  );
  if (trials.length === 0) throw new Error("searchTrialsTable: no trials; run a search first.");
  const paramNames = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const table: Table = {
    kind: trials.map((t) => t.kind),
    strategy: trials.map((t) => t.strategy),
    seed: Int32Array.from(trials, (t) => t.seed),
    trial: Int32Array.from(trials, (t) => t.trial),
    bracket: Int32Array.from(trials, (t) => t.bracket),
    rung: Int32Array.from(trials, (t) => t.rung),
    epochs_run: Int32Array.from(trials, (t) => t.epochsRun),
    objective: Float64Array.from(trials, (t) => t.objective),
    seconds: Float64Array.from(trials, (t) => t.seconds),
    stop_reason: trials.map((t) => t.stopReason),
    spent: Int32Array.from(trials, (t) => t.spent),
    best_so_far: Float64Array.from(trials, (t) => t.bestSoFar),
  };
  for (const k of Object.keys(extra)) table[k] = trials.map(() => extra[k]!);
  for (const p of paramNames) table[`p_${p}`] = Float64Array.from(trials, (t) => t.params[p] ?? NaN);
  return table;
}
