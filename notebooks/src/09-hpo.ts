// %% [markdown]
// # 09 · Hyperparameter search: grid, Bayesian and successive halving on one budget
//
// **Purpose.** The model notebooks trained each autoencoder with one hand-picked
// configuration. How much does tuning buy, and which way of searching buys it fastest? This
// notebook searches latent size, learning rate, depth and width (plus β for the VAE, the
// training noise for the DAE, and the kernel size for the Conv1D model) with three strategies
// behind one interface, each given **the same budget in training epochs and the same seeds**:
//
// - **grid**: latent size × learning rate × depth × width (× kernel for Conv1D), visited in a
//   seeded random order, each point trained for one full trial;
// - **Bayesian**: a Gaussian process (Matérn 5/2 kernel on the unit cube, log learning rate
//   and β, integers rounded) with expected improvement picks each next full trial;
// - **successive halving**: many random configurations for a few epochs, the best third
//   resumed for three times as many, until one full trial is left; repeated while budget lasts.
//
// It then scores each winner **once** on the test split, against the default configuration
// trained the same way and PCA with the same latent size, and judges latent size **beyond
// reconstruction** (a wider code always reconstructs better): anomaly ROC-AUC where labels
// exist, the rank of documented crash days in a stress index where they do not.
//
// **Inputs.** `features.parquet`, `dataset.json` (notebook 01).
//
// **Outputs.** `hpo-trials` (Parquet: every stage of every search), `hpo-best.json` (budgets,
// winners, test scores, the latent choice), `models/ae-hpo/` (the overall AE winner), figures,
// the report section.
//
// Steps: Setup → Load and subsample → Search spaces and budget → Three strategies on the AE →
// Winners on the test split → Every kind → Latent size beyond reconstruction → Save → Conclusions.

// %%
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import { loadDataset } from "./lib/features/dataset";
import * as search from "./lib/evaluate/search/index";
import { anytimeSpec } from "./lib/viz/hpo";
import * as cmp from "./lib/stages/09-hpo/search-comparison";
import * as tables from "./lib/stages/09-hpo/tables";
import * as findings from "./lib/stages/09-hpo/findings";
import { Progress } from "./lib/runtime/progress";
import { showChart, showTable, showMarkdown } from "./lib/viz/display";
import * as charts from "./lib/viz/charts";
import { SectionBuilder } from "./lib/report/sections";
import * as path from "node:path";

const ctx = await setupNotebook("09-hpo");
const section = new SectionBuilder("09-hpo", "Hyperparameter search");
const fig = figureSaver(ctx);
const s = ctx.config.settings;
const budget = cmp.COMPARISON_BUDGETS[ctx.config.profile];
const seeds = Array.from({ length: budget.seeds }, (_, k) => ctx.config.seed + k);
const windowing = { length: s.windowLength, stride: s.windowStride };

// %% [markdown]
// ## Load and subsample
//
// A search trains dozens of models, so it runs on a **stratified subsample** of the training
// and validation rows (every token and calendar quarter keeps rows in proportion; the
// Conv1D model gets a random subset of its windows). Winners are scored on the **full** test
// split, which the searches never see.

// %%
const d = loadDataset(ctx.store);
const nf = d.meta.featureNames.length;
const aeData = cmp.kindData(d, "ae", budget, ctx.rng.fork("ae"), windowing);
showTable(
  [
    { data: "training rows", "in the search": aeData.sizes.train, available: aeData.sizes.trainAll },
    { data: "validation rows", "in the search": aeData.sizes.validation, available: aeData.sizes.validationAll },
    { data: "test rows", "in the search": 0, available: aeData.sizes.test },
  ],
  { caption: `Rows of the dense searches (${aeData.note})` },
);

// %% [markdown]
// ## Search spaces and budget
//
// Each strategy spends at most the budget in epochs (early stopping returns epochs to it). A
// full trial is `epochsPerTrial` epochs: grid and Bayesian trials train that long, and the
// last rung of successive halving reaches it, so all three winners are equally trained.

// %%
const spaces = search.SEARCH_KINDS.map((kind) =>
  search.defaultSpace(kind, { nFeatures: nf, windowLength: windowing.length }),
);
showTable(tables.spaceRows(spaces), {
  caption: "Search spaces (depth = hidden layers, width = the first; dense layers halve, Conv1D filters double)",
});
showTable(
  [
    {
      "epochs per full trial": budget.epochsPerTrial,
      "AE budget (epochs per search)": budget.mainBudget,
      "AE seeds": seeds.length,
      "DAE/VAE/Conv1D budget": budget.kindBudget,
      "grid points (AE)": search.gridPoints(aeData.space).length,
      "patience (epochs)": s.patience,
    },
  ],
  { caption: `Budget (profile ${ctx.config.profile})` },
);

// %% [markdown]
// ## Three strategies on the AE
//
// Every strategy with every seed searches the dense autoencoder on the same rows for the same
// budget. The objective is the validation reconstruction MSE per value. The **anytime curve**
// shows the best objective reached against epochs spent: the median over seeds and its range.

// %%
const progress = new Progress("search");
const onTrial = (label: string, spent: number, best: number) =>
  progress.update(`${label}: ${spent} epochs, best ${best.toPrecision(4)}`);
const aeRuns = await cmp.compareStrategies({
  k: aeData,
  strategies: search.STRATEGIES,
  seeds: seeds,
  budgetEpochs: budget.mainBudget,
  epochsPerTrial: budget.epochsPerTrial,
  batchSize: s.batchSize,
  patience: s.patience,
  onTrial: onTrial,
});
progress.done(`${aeRuns.length} searches, ${aeRuns.reduce((a, r) => a + r.result.spent, 0)} epochs`);
const aeResults = aeRuns.map((r) => r.result);
const curve = search.anytimeCurves(aeResults);
await showChart(
  anytimeSpec(curve, "Best validation MSE against epochs spent (AE)", "validation MSE"),
  fig("09-anytime"),
);
const checkpoints = [
  ...new Set([budget.epochsPerTrial * 2, Math.round(budget.mainBudget / 2), budget.mainBudget]),
].sort((a, b) => a - b);
const atBudgets = search.winnersAtBudgets(aeResults, checkpoints);
showTable(atBudgets, {
  caption: `Best validation MSE reached by each strategy at a budget (mean and sd over ${seeds.length} seeds)`,
  digits: 4,
});

// %% [markdown]
// ## Winners on the test split
//
// Each search's winner is scored **once** on the test split, after selection, with the model
// as the search trained it. The default configuration (latent 8, lr 1e-3, hidden 32-16) is
// trained like one full trial with the same seed, and PCA with the winner's latent size is
// fitted on the same rows. The criterion beyond reconstruction is computed on the held-out
// (validation + test) rows.

// %%
const defaults = new Map<number, cmp.Scored>();
const aeObjective = search.modelObjective(aeData.space, aeData.data, { batchSize: s.batchSize, patience: s.patience });
for (const seed of seeds) defaults.set(seed, await cmp.trainDefault(aeObjective, aeData, budget.epochsPerTrial, seed));
// PCA with each winner's latent size, fitted once per size on the same rows.
const pcaByLatent = new Map<number, Awaited<ReturnType<typeof cmp.scorePca>>>();
for (const r of aeRuns) {
  const k = r.winner.params.latentDim!;
  if (!pcaByLatent.has(k)) pcaByLatent.set(k, await cmp.scorePca(aeData, k));
}
const criterion = defaults.get(seeds[0]!)!.downstream.criterion;
const winnerRows = tables.winnerRows(aeRuns, defaults, pcaByLatent, aeData.space, criterion);
showTable(winnerRows, { caption: "Each search's winner, scored once on the test split", digits: 4 });
const byStrategy = tables.strategySummary(winnerRows, aeRuns, search.STRATEGIES);
showTable(byStrategy, {
  caption: `Winners by strategy over ${seeds.length} seeds (configurations = tried per search)`,
  digits: 4,
});

// %% [markdown]
// ## Every kind
//
// The same three strategies search the denoising, variational and Conv1D autoencoders, each
// with its own objective (lower is better): the DAE's **denoising** MSE (clean rows against
// the reconstruction of a fixed corruption, so the training noise is judged by what a DAE is
// for), the VAE's **negative ELBO** (β-free, so different β compare on one bound) and the
// Conv1D model's window reconstruction MSE. One seed, a smaller budget.

// %%
const kindProgress = new Progress("kinds");
const onKindTrial = (label: string, spent: number, best: number) =>
  kindProgress.update(`${label}: ${spent} epochs, best ${best.toPrecision(4)}`);
const kindRows: Record<string, string | number>[] = [];
const kindRuns: cmp.ComparedSearch[] = [];
for (const kind of ["dae", "vae", "conv1d"] as const) {
  const k = cmp.kindData(d, kind, budget, ctx.rng.fork(kind), windowing);
  const runs = await cmp.compareStrategies({
    k: k,
    strategies: search.STRATEGIES,
    seeds: [seeds[0]!],
    budgetEpochs: budget.kindBudget,
    epochsPerTrial: budget.epochsPerTrial,
    batchSize: s.batchSize,
    patience: s.patience,
    onTrial: onKindTrial,
  });
  kindRuns.push(...runs);
  const def = await cmp.trainDefault(
    search.modelObjective(k.space, k.data, { batchSize: s.batchSize, patience: s.patience }),
    k,
    budget.epochsPerTrial,
    seeds[0]!,
  );
  for (const r of runs)
    kindRows.push({
      kind: kind.toUpperCase(),
      objective: search.objectiveDescription(kind),
      strategy: r.strategy,
      winner: search.describeParams(k.space, r.winner.params),
      "best objective": r.winner.objective,
      "default objective": def.objective,
      "test MSE": r.winner.testMse,
      "default test MSE": def.testMse,
      "beyond reconstruction": r.winner.downstream.criterion,
      value: r.winner.downstream.value,
    });
}
kindProgress.done(`${kindRuns.length} searches of the other kinds`);
showTable(kindRows, { caption: "Winners of every kind (one seed), scored once on the test split", digits: 4 });

// %% [markdown]
// ## Latent size beyond reconstruction
//
// A reconstruction objective always prefers the widest code. So the best AE winner's
// configuration is retrained at every latent size of the grid (same epochs and seed), and each
// size is judged by the criterion beyond reconstruction as well. The choice: the **smallest**
// code whose criterion is within a small tolerance of the best size's; where no criterion
// applies, the smallest code near the lowest reconstruction error.

// %%
const overall = [...aeRuns].sort((a, b) => a.winner.objective - b.winner.objective)[0]!;
const latents = aeData.space.grid.latentDim!;
const sweep = await cmp.latentSweep(aeData, overall.winner.params, latents, {
  epochs: budget.epochsPerTrial,
  seed: seeds[0]!,
  batchSize: s.batchSize,
  patience: s.patience,
});
const choice = cmp.chooseLatent(sweep);
showTable(tables.latentSweepRows(sweep, criterion), {
  caption: `The winner (${overall.strategy}, seed ${overall.seed}) at every latent size`,
  digits: 4,
});
const sweepRows = tables.latentChartRows(sweep, criterion);
for (const measure of ["test MSE", criterion])
  if (sweepRows.some((r) => r.measure === measure))
    await showChart(
      charts.lineChart(
        sweepRows.filter((r) => r.measure === measure),
        {
          title: `${measure} against latent size`,
          x: "latent",
          y: "value",
          series: "model",
          xTitle: "latent size",
          yTitle: measure,
          points: true,
        },
      ),
      fig(`09-latent-${measure === "test MSE" ? "mse" : "downstream"}`),
    );
showMarkdown(`**Latent size chosen: ${choice.latentDim}**: ${choice.reason}.`);

// %% [markdown]
// ## Save
// Every stage of every search, the budgets and winners, and the overall AE winner retrained
// as one full trial with its seed (standardisation statistics travel with it).

// %%
ctx.store.writeTable("hpo-trials", search.searchTrialsTable([...aeResults, ...kindRuns.map((r) => r.result)]));
{
  const run = aeObjective.start(overall.winner.params, overall.seed);
  await run.train(budget.epochsPerTrial);
  await run.model!.save(path.join(ctx.config.paths.models, "ae-hpo"), {
    scaler: d.meta.scaler,
    featureNames: d.meta.featureNames,
    hpo: { strategy: overall.strategy, seed: overall.seed, params: overall.winner.params, trainedOn: aeData.note },
  });
  run.dispose();
}
showMarkdown("Saved `hpo-trials.parquet` and `models/ae-hpo/`.");

// %% [markdown]
// The budgets, the winners and their test scores, the defaults, the latent sweep and the
// choice, for the report and later notebooks.

// %%
const bestJson = {
  objective: search.objectiveDescription("ae"),
  budget: budget,
  seeds: seeds,
  spaces: spaces,
  atBudgets: atBudgets,
  ae: aeRuns.map((r) => ({
    strategy: r.strategy,
    seed: r.seed,
    spent: r.result.spent,
    configurations: r.result.configurations,
    seconds: r.result.seconds,
    winner: r.winner,
  })),
  defaults: Object.fromEntries(defaults),
  kinds: kindRuns.map((r) => ({ kind: r.kind, strategy: r.strategy, spent: r.result.spent, winner: r.winner })),
  latentSweep: sweep,
  latentChoice: choice,
  overall: { strategy: overall.strategy, seed: overall.seed, winner: overall.winner },
  seed: ctx.config.seed,
};
ctx.store.writeJson("hpo-best", bestJson);
showMarkdown("Saved `hpo-best.json`.");

// %% [markdown]
// ## Conclusions
// The findings below are written from the numbers above.

// %%
const lastRow = atBudgets[atBudgets.length - 1]!;
const firstRow = atBudgets[0]!;
const meanDefault = [...defaults.values()].reduce((a, x) => a + x.testMse, 0) / defaults.size;
section.headline({
  "AE budget per search (epochs)": budget.mainBudget,
  seeds: seeds.length,
  [`best at ${firstRow["epochs spent"]} epochs`]: String(firstRow.best),
  [`best at ${lastRow["epochs spent"]} epochs`]: String(lastRow.best),
  "overall winner": `${overall.strategy}: ${search.describeParams(aeData.space, overall.winner.params)}`,
  "winner test MSE": overall.winner.testMse,
  "default test MSE (mean of seeds)": meanDefault,
  "latent size chosen": choice.latentDim,
});
section.finding(findings.budgetFinding(budget, seeds.length, atBudgets));
section.finding(findings.winnersFinding(byStrategy));
section.finding(findings.latentFinding(latents, sweep, criterion, choice));
section.table("Best validation MSE at a budget, per strategy", atBudgets);
section.table("Winners on the test split", winnerRows);
section.table("Every kind", kindRows);
section
  .figure("09-anytime", "Best validation MSE against epochs spent per strategy (median over seeds, min-max band).")
  .figure("09-latent-mse", "Test MSE of the winner's configuration and of PCA at every latent size.");
if (sweepRows.some((r) => r.measure === criterion))
  section.figure("09-latent-downstream", `${criterion} of the winner's configuration and of PCA at every latent size.`);
section.save(ctx.store);
finishNotebook(ctx, {
  outputs: ["hpo-trials.parquet", "hpo-best.json", "models/ae-hpo"],
  metrics: {
    searches: aeRuns.length + kindRuns.length,
    epochs: [...aeResults, ...kindRuns.map((r) => r.result)].reduce((a, r) => a + r.spent, 0),
    bestAtLastBudget: String(lastRow.best),
    winnerTestMse: overall.winner.testMse,
    defaultTestMse: meanDefault,
    latentChoice: choice.latentDim,
  },
  notes: [`search on a stratified subsample: ${aeData.note}`],
});
