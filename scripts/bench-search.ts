/**
 * Which search strategy wins at which budget, on the dataset notebook 01 wrote (any source):
 * grid, Bayesian (GP + EI) and successive halving on one kind, the same budget and seeds,
 * the best validation objective each reached at several budgets, and each winner's test MSE.
 *
 *   CAE_OUT=<folder with notebook 01's artifacts> [CAE_PROFILE=...] npx tsx scripts/bench-search.ts \
 *     [--kind ae] [--budget 60] [--epochs 6] [--seeds 3] [--rows 8000] [--checkpoints 12,30,60]
 *
 * Prints a table per budget and the winners; writes nothing.
 */
import { loadConfig } from "../lib/config";
import { initBackend } from "../lib/runtime/backend";
import { ArtifactStore } from "../lib/runtime/artifacts";
import { makeRng } from "../lib/runtime/rng";
import { loadDataset } from "../lib/features/dataset";
import * as search from "../lib/evaluate/search/index";
import * as cmp from "../lib/stages/09-hpo/search-comparison";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
function intArg(name: string, fallback: number): number {
  const v = Number(arg(name, String(fallback)));
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${arg(name, "")}.`);
  return v;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const backend = await initBackend(config.backend);
  const store = new ArtifactStore(config);
  const kind = arg("kind", "ae") as search.SearchKind;
  if (!(search.SEARCH_KINDS as readonly string[]).includes(kind))
    throw new Error(`--kind must be one of ${search.SEARCH_KINDS.join(", ")}, got ${kind}.`);
  const budgetEpochs = intArg("budget", 60);
  const epochsPerTrial = intArg("epochs", 6);
  const nSeeds = intArg("seeds", 3);
  const rows = intArg("rows", 8000);
  const checkpoints = arg("checkpoints", `${epochsPerTrial * 2},${Math.round(budgetEpochs / 2)},${budgetEpochs}`)
    .split(",")
    .map(Number);
  const s = config.settings;
  const budget: cmp.ComparisonBudget = {
    epochsPerTrial,
    mainBudget: budgetEpochs,
    kindBudget: budgetEpochs,
    seeds: nSeeds,
    maxTrainRows: rows,
    maxValidationRows: Math.max(1000, Math.round(rows / 3)),
  };
  const d = loadDataset(store);
  const k = cmp.kindData(d, kind, budget, makeRng(config.seed).fork("bench-search"), {
    length: s.windowLength,
    stride: s.windowStride,
  });
  console.log(
    `source=${d.meta.source} backend=${backend} kind=${kind} rows=${k.sizes.train}/${k.sizes.trainAll} budget=${budgetEpochs} epochs/trial=${epochsPerTrial} seeds=${nSeeds}`,
  );
  const seeds = Array.from({ length: nSeeds }, (_, i) => config.seed + i);
  const t0 = performance.now();
  const runs = await cmp.compareStrategies({
    k,
    strategies: search.STRATEGIES,
    seeds,
    budgetEpochs,
    epochsPerTrial,
    batchSize: s.batchSize,
    patience: s.patience,
  });
  const objective = search.modelObjective(k.space, k.data, { batchSize: s.batchSize, patience: s.patience });
  const defaults = [];
  for (const seed of seeds) defaults.push(await cmp.trainDefault(objective, k, epochsPerTrial, seed));
  console.log(`\nbest ${search.objectiveDescription(kind)} reached (mean ± sd over ${nSeeds} seeds):`);
  for (const row of search.winnersAtBudgets(
    runs.map((r) => r.result),
    checkpoints,
  )) {
    const cells = search.STRATEGIES.map(
      (st) => `${st} ${Number(row[`${st} mean`]).toFixed(4)} ± ${Number(row[`${st} sd`]).toFixed(4)}`,
    );
    console.log(`  ${String(row["epochs spent"]).padStart(4)} epochs: ${cells.join("  |  ")}  -> ${row.best}`);
  }
  console.log("\nwinners (scored once on the test split):");
  for (const r of runs)
    console.log(
      `  ${r.strategy.padEnd(7)} seed ${r.seed}: ${search.describeParams(k.space, r.winner.params)}; val ${r.winner.objective.toFixed(4)}, test MSE ${r.winner.testMse.toFixed(4)}, ${r.winner.downstream.criterion} ${r.winner.downstream.value.toFixed(3)}; ${r.result.configurations} configs, ${r.result.spent} epochs, ${r.result.seconds.toFixed(0)} s`,
    );
  const dm = defaults.reduce((a, x) => a + x.testMse, 0) / defaults.length;
  const dv = defaults.reduce((a, x) => a + x.objective, 0) / defaults.length;
  console.log(
    `  default: val ${dv.toFixed(4)}, test MSE ${dm.toFixed(4)} (mean of seeds), ${defaults[0]!.downstream.criterion} ${defaults[0]!.downstream.value.toFixed(3)}`,
  );
  console.log(`\n${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
