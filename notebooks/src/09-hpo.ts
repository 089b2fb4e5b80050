// %% [markdown]
// # 09 · Hyperparameter search for the autoencoder
//
// **Purpose.** Notebook 02 trained the dense autoencoder with one hand-picked configuration
// (latent 8, hidden 32-16, relu, Adam 1e-3, no regularisation). Is that a good choice, and
// how much does tuning buy? This notebook searches latent size, hidden widths, activation,
// learning rate, dropout, L2 and batch size by **successive halving** (the core of
// Hyperband): many sampled configurations train for a few epochs, the best third continue
// for three times as many, and so on until one is left. The winner is then compared with
// the default configuration **fairly**: both retrained from scratch with the same data, the
// same epoch budget and several seeds, so that seed noise is visible next to the gain.
//
// **Inputs.** `features.parquet`, `dataset.json` (notebook 01); `models/ae/meta.json`
// (notebook 02: the default configuration and its full-data test error).
//
// **Outputs.** `hpo-trials` (Parquet: one row per configuration and rung),
// `hpo-best.json` (the winner, its validation and test error, the default's, the budget),
// `models/ae-hpo/` (the winner as trained in the search), figures, the report section.
//
// Steps: Setup → Load and subsample → Search space and budget → Search → Look →
// Fair comparison (validation, then test once) → Save → Conclusions.

// %%
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import { loadDataset, splitMatrices } from "./lib/features/dataset";
import * as hpo from "./lib/stages/09-hpo/index";
import { createModel } from "./lib/models/index";
import { DEFAULT_LEARNING_RATE } from "./lib/train/fit";
import { Progress } from "./lib/runtime/progress";
import { showChart, showTable, showMarkdown } from "./lib/viz/display";
import * as charts from "./lib/viz/charts";
import { SectionBuilder } from "./lib/report/sections";
import * as fs from "node:fs";
import * as path from "node:path";

const ctx = await setupNotebook("09-hpo");
const section = new SectionBuilder("09-hpo", "Hyperparameter search");
const fig = figureSaver(ctx);
const s = ctx.config.settings;

// %% [markdown]
// ## Load and subsample
//
// The search trains dozens of models, so it runs on a **stratified subsample** of the
// training rows (every token and every calendar quarter keeps rows, in proportion to its
// size) and of the validation rows. The cap keeps the default profile within a few
// minutes on two cores; the smaller ci profile uses all its rows. The final comparison
// scores on the **full** validation and test splits.

// %%
/** Most training rows in the search: ~0.5 s per epoch at batch 256 on wasm (measured ~0.2 s per 20k rows), a quarter of the default profile's training split. */
const HPO_MAX_TRAIN_ROWS = 40_000;
/** Most validation rows for the search objective: enough for a standard error of the MSE far below the gaps between configurations. */
const HPO_MAX_VALIDATION_ROWS = 10_000;
/** Epoch budget of the last rung: 27 = 3^3 gives rungs of 3, 9 and 27 epochs for ten configurations at eta = 3; never more than the profile's maxEpochs. */
const HPO_MAX_EPOCHS = Math.min(s.maxEpochs, 27);
/** Seeds per configuration in the final comparison: two show the seed-to-seed spread and keep three configurations within the default profile's budget. */
const CONFIRM_SEEDS = 2;

const d = loadDataset(ctx.store);
const splits = splitMatrices(d);
const nf = d.meta.featureNames.length;
const trainSample = hpo.stratifiedRows(
  d.X,
  d.idx.train,
  d.token,
  d.day,
  HPO_MAX_TRAIN_ROWS,
  ctx.rng.fork("train-sample"),
);
const valSample = hpo.stratifiedRows(
  d.X,
  d.idx.validation,
  d.token,
  d.day,
  HPO_MAX_VALIDATION_ROWS,
  ctx.rng.fork("validation-sample"),
);
showTable(
  [
    {
      split: "train",
      "rows available": splits.train.rows,
      "rows in the search": trainSample.matrix.rows,
      how: trainSample.note,
    },
    {
      split: "validation",
      "rows available": splits.validation.rows,
      "rows in the search": valSample.matrix.rows,
      how: valSample.note,
    },
    {
      split: "test",
      "rows available": splits.test.rows,
      "rows in the search": 0,
      how: "not used until the winner is chosen",
    },
  ],
  { caption: "Rows used by the search" },
);

// %% [markdown]
// ## Search space and budget
//
// Choices are drawn uniformly, the learning rate log-uniformly. The space is centred on
// the default configuration and stays small-model: the data has few features, so the
// question is mostly how wide the bottleneck is and how the network is trained.
//
// The DAE could be searched the same way (`kind: "dae"` adds the noise level and the
// masked share), but its purpose is robustness to corrupted inputs: ranking DAE
// configurations by clean reconstruction error would simply push the noise towards zero.
// The search here is for the AE, whose objective *is* clean reconstruction.

// %%
const space = hpo.defaultSearchSpace(nf);
showTable(
  [
    { hyperparameter: "latent size", values: space.latentDim.join(", "), default: 8 },
    {
      hyperparameter: "hidden widths (encoder; decoder mirrors)",
      values: space.hiddenUnits.map((h) => h.join("-")).join(" | "),
      default: "32-16",
    },
    { hyperparameter: "activation", values: space.activation.join(", "), default: "relu" },
    {
      hyperparameter: "learning rate",
      values: `log-uniform ${space.learningRate[0]} .. ${space.learningRate[1]}`,
      default: DEFAULT_LEARNING_RATE,
    },
    { hyperparameter: "dropout", values: space.dropout.join(", "), default: 0 },
    { hyperparameter: "L2 on kernels", values: space.l2.join(", "), default: 0 },
    { hyperparameter: "batch size", values: space.batchSize.join(", "), default: s.batchSize },
  ],
  { caption: "Search space (AE)" },
);
const configs = hpo.sampleConfigs(space, "ae", s.hpoTrials, ctx.rng.fork("configs"), nf);
const schedule = hpo.halvingSchedule(configs.length, HPO_MAX_EPOCHS);
showTable(
  schedule.map((r) => ({
    rung: r.rung,
    configurations: r.configs,
    "epochs so far": r.epochs,
    "new epochs each": r.newEpochs,
  })),
  {
    caption: `Successive halving: ${configs.length} configurations (profile setting hpoTrials), keep the best third each rung`,
  },
);

// %% [markdown]
// ## Search
//
// Each configuration starts from the same seed. Survivors resume from their weights with a
// fresh optimiser (a warm restart), and early stopping (patience from the profile) can end
// a rung sooner. The objective is the validation reconstruction MSE per value.

// %%
const progress = new Progress("search");
const search = await hpo.successiveHalving({
  featureNames: d.meta.featureNames,
  train: trainSample.matrix,
  validation: valSample.matrix,
  configs: configs,
  maxEpochs: HPO_MAX_EPOCHS,
  patience: s.patience,
  seed: ctx.config.seed,
  onTrial: (t, done, total) =>
    progress.update(
      `${done}/${total}: trial ${t.trial} rung ${t.rung} → val MSE ${t.valMse.toPrecision(4)} after ${t.epochsRun} epochs (${t.seconds.toFixed(1)} s)`,
    ),
});
progress.done(`${search.trials.length} trainings, ${search.totalEpochs} epochs; winner trial ${search.best.trial}`);
const summary = hpo.trialSummaryRows(search.trials);
showTable(summary, {
  caption:
    "Trials: each configuration at the furthest rung it reached (sorted: furthest first, then by validation MSE)",
});
showMarkdown(
  `**Winner:** trial ${search.best.trial}: ${hpo.describeConfig(search.best.config, nf)}; validation MSE ${search.best.valMse.toFixed(4)} on the search sample after ${search.best.epochsRun} epochs.`,
);

// %% [markdown]
// ## Look: what mattered
//
// The first rung trains every configuration for the same small budget, so its objective
// compares them all on equal terms. Below: that objective against each hyperparameter,
// the same information as parallel coordinates, and the learning curves of the race
// (lines stop where a configuration was dropped).

// %%
await showChart(
  hpo.objectiveVsParamsSpec(search.trials, "Validation MSE against each hyperparameter (rung 0)"),
  fig("09-objective-vs-params"),
);
await showChart(
  hpo.parallelCoordinatesSpec(search.trials, "Configurations as parallel coordinates"),
  fig("09-parallel-coordinates"),
);
await showChart(
  hpo.halvingCurvesSpec(search.trials, "Successive halving: validation MSE over cumulative epochs"),
  fig("09-halving-curves"),
);
const effects = hpo.hyperparameterEffects(search.trials);
showTable(
  effects.map((e) => ({
    hyperparameter: e.parameter,
    "distinct values": e.values,
    "Spearman ρ with rung-0 MSE": e.spearman,
  })),
  {
    caption: `Rank correlation of each hyperparameter with the objective over ${configs.length} configurations (descriptive: few points)`,
    digits: 3,
  },
);

// %% [markdown]
// ## Fair comparison: winner vs default
//
// The winner's search score is optimistic: it was *selected* for being low on this
// validation sample, and it trained through warm restarts. So the configurations are
// retrained **from scratch**, on the same subsample, for the same budget
// (`HPO_MAX_EPOCHS` epochs, early stopping as in the search), with several seeds, and
// scored on the full validation split:
//
// - the winner;
// - the winner's architecture and training settings with the **default's latent size**,
//   to separate what a wider code buys (reconstruction always improves with more latent
//   dimensions) from what better training buys;
// - the default configuration of notebook 02.
//
// PCA with the same latent sizes, fitted on the same subsample, is the linear reference.
// Only after that is the **test** split scored, once per configuration, so the test
// numbers carry no selection bias.

// %%
const metaPath = path.join(ctx.config.paths.models, "ae", "meta.json");
const defaultMeta = fs.existsSync(metaPath) ? JSON.parse(fs.readFileSync(metaPath, "utf8")) : null;
const defaultConfig: hpo.HpoConfig = defaultMeta
  ? hpo.configFromModelMeta(defaultMeta, { batchSize: s.batchSize, learningRate: DEFAULT_LEARNING_RATE })
  : {
      kind: "ae",
      latentDim: 8,
      hiddenUnits: [32, 16],
      activation: "relu",
      learningRate: DEFAULT_LEARNING_RATE,
      dropout: 0,
      l2: 0,
      batchSize: s.batchSize,
    };
if (!defaultMeta)
  showMarkdown(
    `No \`models/ae/meta.json\` (run notebook 02 first for its full-data numbers); the default is the reference configuration of notebook 02.`,
  );
const winner = search.best.config;
const sameLatent: hpo.HpoConfig | null =
  winner.latentDim !== defaultConfig.latentDim ? { ...winner, latentDim: defaultConfig.latentDim } : null;
const seeds = Array.from({ length: CONFIRM_SEEDS }, (_, k) => ctx.config.seed + k);
const evalSets = { validation: splits.validation, test: splits.test };
const repProgress = new Progress("replicates");
const replicate = (label: string, c: hpo.HpoConfig) =>
  hpo.seedReplicates(c, d.meta.featureNames, trainSample.matrix, valSample.matrix, evalSets, {
    epochs: HPO_MAX_EPOCHS,
    patience: s.patience,
    seeds: seeds,
    onDone: (r) => repProgress.update(`${label} seed ${r.seed}: val MSE ${r.valMse.toFixed(4)}`),
  });
const bestReps = await replicate("winner", winner);
const sameLatentReps = sameLatent ? await replicate(`winner at latent ${defaultConfig.latentDim}`, sameLatent) : null;
const defaultReps = await replicate("default", defaultConfig);
repProgress.done(`${(sameLatent ? 3 : 2) * seeds.length} trainings`);
const bestSum = hpo.summariseReplicates(bestReps);
const sameSum = sameLatentReps ? hpo.summariseReplicates(sameLatentReps) : null;
const defSum = hpo.summariseReplicates(defaultReps);
const pcaAt = async (k: number) => {
  const m = createModel("pca", { featureNames: d.meta.featureNames, latentDim: k });
  await m.fit(trainSample.matrix, valSample.matrix, { maxEpochs: 1, batchSize: s.batchSize, patience: 1 });
  const out = {
    latentDim: k,
    valMse: hpo.reconstructionMse(m, splits.validation),
    testMse: hpo.reconstructionMse(m, splits.test),
  };
  m.dispose();
  return out;
};
const pcaWinner = await pcaAt(winner.latentDim);
const pcaDefault = await pcaAt(defaultConfig.latentDim);
const nb02Test: number | null = defaultMeta?.extra?.testMse ?? null;
const row = (model: string, c: hpo.HpoConfig, r: hpo.ReplicateSummary) => ({
  model: model,
  configuration: hpo.describeConfig(c, nf),
  seeds: r.seeds,
  "val MSE mean": r.valMean,
  "val MSE sd": r.valSd,
  "test MSE mean": r.testMean,
  "test MSE sd": r.testSd,
});
const comparison: Record<string, string | number | null>[] = [
  row(`winner (trial ${search.best.trial})`, winner, bestSum),
  ...(sameLatent && sameSum ? [row(`winner at latent ${defaultConfig.latentDim}`, sameLatent, sameSum)] : []),
  row("default (notebook 02 configuration)", defaultConfig, defSum),
  ...[pcaWinner, ...(pcaDefault.latentDim !== pcaWinner.latentDim ? [pcaDefault] : [])].map((p) => ({
    model: `PCA-${p.latentDim}`,
    configuration: "linear, fitted on the same subsample",
    seeds: 1,
    "val MSE mean": p.valMse,
    "val MSE sd": null,
    "test MSE mean": p.testMse,
    "test MSE sd": null,
  })),
  ...(nb02Test !== null
    ? [
        {
          model: "AE of notebook 02 (all training rows, its own budget)",
          configuration: hpo.describeConfig(defaultConfig, nf),
          seeds: 1,
          "val MSE mean": defaultMeta.metrics?.bestValLoss ?? null,
          "val MSE sd": null,
          "test MSE mean": nb02Test,
          "test MSE sd": null,
        },
      ]
    : []),
];
showTable(comparison, {
  caption: `Reconstruction MSE per value on the full validation and test splits; networks retrained from scratch on the search subsample for ${HPO_MAX_EPOCHS} epochs with ${seeds.length} seeds`,
  digits: 4,
});
const bars = (model: string, r: hpo.ReplicateSummary) => [
  { model: model, split: "validation", mse: r.valMean, lo: r.valMean - (r.valSd || 0), hi: r.valMean + (r.valSd || 0) },
  { model: model, split: "test", mse: r.testMean, lo: r.testMean - (r.testSd || 0), hi: r.testMean + (r.testSd || 0) },
];
const barRows = [
  ...bars("winner", bestSum),
  ...(sameSum ? bars(`winner at latent ${defaultConfig.latentDim}`, sameSum) : []),
  ...bars("default", defSum),
  ...[pcaWinner, ...(pcaDefault.latentDim !== pcaWinner.latentDim ? [pcaDefault] : [])].flatMap((p) => [
    { model: `PCA-${p.latentDim}`, split: "validation", mse: p.valMse, lo: null, hi: null },
    { model: `PCA-${p.latentDim}`, split: "test", mse: p.testMse, lo: null, hi: null },
  ]),
];
await showChart(
  charts.barChart(barRows, {
    title: "Winner vs default, same data and budget",
    subtitle: `mean over ${seeds.length} seeds, whiskers ± 1 sd; PCA of the same latent sizes for reference`,
    category: "model",
    value: "mse",
    group: "split",
    lo: "lo",
    hi: "hi",
    valueTitle: "reconstruction MSE per value",
    sort: null,
  }),
  fig("09-best-vs-default"),
);

// %% [markdown]
// ## Save
// The trials table, the winner and its numbers, and the winner's model as trained in the
// search (standardisation statistics travel with it, as for every saved model).

// %%
ctx.store.writeTable("hpo-trials", hpo.trialsTable(search.trials));
await search.model.save(path.join(ctx.config.paths.models, "ae-hpo"), {
  scaler: d.meta.scaler,
  featureNames: d.meta.featureNames,
  hpo: { trial: search.best.trial, trainedOn: trainSample.note },
});
const gain = (1 - bestSum.testMean / defSum.testMean) * 100;
const valGain = (1 - bestSum.valMean / defSum.valMean) * 100;
const pooledSd = Math.sqrt(((bestSum.valSd || 0) ** 2 + (defSum.valSd || 0) ** 2) / 2);
const gapInSd = pooledSd > 0 ? (defSum.valMean - bestSum.valMean) / pooledSd : NaN;
const bestJson = {
  kind: "ae",
  objective: "validation reconstruction MSE per value (clean inputs, dropout off)",
  method: {
    name: "successive halving",
    eta: hpo.DEFAULT_ETA,
    schedule: schedule,
    trials: configs.length,
    maxEpochs: HPO_MAX_EPOCHS,
    patience: s.patience,
    resume: "survivors continue from their weights with a fresh optimiser",
  },
  searchSpace: space,
  subsample: {
    train: { rows: trainSample.matrix.rows, of: splits.train.rows, note: trainSample.note },
    validation: { rows: valSample.matrix.rows, of: splits.validation.rows, note: valSample.note },
  },
  best: {
    trial: search.best.trial,
    config: winner,
    description: hpo.describeConfig(winner, nf),
    searchValMse: search.best.valMse,
    epochs: search.best.epochsRun,
    replicates: bestReps,
    summary: bestSum,
  },
  winnerAtDefaultLatent: sameLatent ? { config: sameLatent, replicates: sameLatentReps, summary: sameSum } : null,
  default: {
    config: defaultConfig,
    description: hpo.describeConfig(defaultConfig, nf),
    fromMeta: defaultMeta !== null,
    replicates: defaultReps,
    summary: defSum,
    notebook02TestMse: nb02Test,
  },
  pca: { winnerLatent: pcaWinner, defaultLatent: pcaDefault },
  testGainPercent: gain,
  validationGainPercent: valGain,
  effects: effects,
  seconds: { search: search.seconds, totalEpochs: search.totalEpochs },
  seed: ctx.config.seed,
};
ctx.store.writeJson("hpo-best", bestJson);
showMarkdown(`Saved \`hpo-trials.parquet\` (${search.trials.length} rows), \`hpo-best.json\` and \`models/ae-hpo/\`.`);

// %% [markdown]
// ## Conclusions
// The findings below are written from the numbers above.

// %%
const latentEffect = effects.find((e) => e.parameter === "latent size")!;
section.headline({
  "configurations tried": configs.length,
  "epochs trained in the search": search.totalEpochs,
  "search seconds": Number(search.seconds.toFixed(1)),
  winner: hpo.describeConfig(winner, nf),
  "winner test MSE (mean of seeds)": bestSum.testMean,
  "default test MSE (mean of seeds)": defSum.testMean,
  "test MSE change vs default": `${gain >= 0 ? "-" : "+"}${Math.abs(gain).toFixed(1)}%`,
});
section.finding(
  `Successive halving raced **${configs.length}** sampled configurations (${schedule.map((r) => `${r.configs} × ${r.epochs} epochs`).join(" → ")}) on ${trainSample.matrix.rows < splits.train.rows ? `a stratified subsample of **${trainSample.matrix.rows.toLocaleString("en-US")}** of ${splits.train.rows.toLocaleString("en-US")} training rows` : `all **${splits.train.rows.toLocaleString("en-US")}** training rows`}, **${search.totalEpochs}** epochs in ${search.seconds.toFixed(0)} s. The winner: ${hpo.describeConfig(search.best.config, nf)}.`,
);
section.finding(
  `Retrained from scratch with ${seeds.length} seeds on the same data and budget, the winner reaches validation MSE **${bestSum.valMean.toFixed(4)}** (sd ${(bestSum.valSd || 0).toFixed(4)}) against **${defSum.valMean.toFixed(4)}** (sd ${(defSum.valSd || 0).toFixed(4)}) for the default configuration: ${valGain >= 0 ? `${valGain.toFixed(1)}% lower` : `${(-valGain).toFixed(1)}% higher`}${Number.isFinite(gapInSd) ? `, a gap of ${Math.abs(gapInSd).toFixed(1)} seed standard deviations` : ""}. On the test split, scored once after selection, the winner's MSE is **${bestSum.testMean.toFixed(4)}** vs **${defSum.testMean.toFixed(4)}** (${gain >= 0 ? `${gain.toFixed(1)}% lower` : `${(-gain).toFixed(1)}% higher`}).`,
);
section.finding(
  `PCA with the winner's latent size (${winner.latentDim}) has test MSE ${pcaWinner.testMse.toFixed(4)}: the tuned network is ${bestSum.testMean < pcaWinner.testMse ? `${((1 - bestSum.testMean / pcaWinner.testMse) * 100).toFixed(1)}% below` : `${((bestSum.testMean / pcaWinner.testMse - 1) * 100).toFixed(1)}% above`} the best linear code of that size.`,
);
if (sameSum) {
  const share = (defSum.testMean - sameSum.testMean) / (defSum.testMean - bestSum.testMean);
  section.finding(
    `How much of the difference is the latent size? With the default's latent size (${defaultConfig.latentDim}) the winner's architecture and training settings reach test MSE **${sameSum.testMean.toFixed(4)}** against ${defSum.testMean.toFixed(4)} for the default${Number.isFinite(share) && defSum.testMean > bestSum.testMean ? `: ${Math.max(0, Math.min(100, share * 100)).toFixed(0)}% of the winner's gain remains at equal latent size` : ""}. For PCA, going from ${pcaDefault.latentDim} to ${pcaWinner.latentDim} components changes test MSE from ${pcaDefault.testMse.toFixed(4)} to ${pcaWinner.testMse.toFixed(4)}.`,
  );
}
/** Fewer configurations than this make a rank correlation meaningless (a single swap flips it). */
const MIN_TRIALS_FOR_EFFECTS = 6;
if (configs.length >= MIN_TRIALS_FOR_EFFECTS) {
  const strongest = effects
    .filter((e) => Number.isFinite(e.spearman))
    .sort((a, b) => Math.abs(b.spearman) - Math.abs(a.spearman))[0];
  const parts: string[] = [];
  if (strongest)
    parts.push(
      `Over ${configs.length} configurations the rung-0 objective is most strongly associated with **${strongest.parameter}** (Spearman ρ = ${strongest.spearman.toFixed(2)}; negative = larger values, lower error)`,
    );
  if (Number.isFinite(latentEffect.spearman))
    parts.push(
      `latent size has ρ = ${latentEffect.spearman.toFixed(2)}${latentEffect.spearman < -0.3 ? ": wider bottlenecks reconstruct better, as they must, so a reconstruction objective alone favours them and the latent size should also be judged by what the code is used for (notebook 10)" : ""}`,
    );
  if (parts.length)
    section.finding(`${parts.join("; ")}. With this few points these are descriptive associations, not tests.`);
}
section.table("Trials (furthest rung reached)", summary);
section.table("Winner vs default on the full validation and test splits", comparison);
section
  .figure("09-objective-vs-params", "Rung-0 validation MSE against each hyperparameter.")
  .figure("09-parallel-coordinates", "Sampled configurations as parallel coordinates, coloured by objective.")
  .figure("09-halving-curves", "The race: validation MSE over cumulative epochs; dropped configurations stop.")
  .figure("09-best-vs-default", "Winner vs default retrained with the same data and budget (mean ± sd over seeds).");
section.save(ctx.store);
search.model.dispose();
finishNotebook(ctx, {
  inputs: ["features.parquet", "dataset.json", "models/ae/meta.json"],
  outputs: ["hpo-trials.parquet", "hpo-best.json", "models/ae-hpo"],
  metrics: {
    trials: configs.length,
    totalEpochs: search.totalEpochs,
    searchSeconds: search.seconds,
    best: bestSum,
    default: defSum,
    testGainPercent: gain,
  },
  notes: [`search on a stratified subsample: ${trainSample.note}`],
});
