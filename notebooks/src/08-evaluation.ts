// %% [markdown]
// # 08 · Evaluation: reconstruction quality, dimension reduction, noise and time robustness
//
// **Purpose.** A fair, quantitative comparison of the four autoencoders (AE, VAE, DAE,
// Conv1D AE) and PCA that a reviewer can check:
//
// 1. **Reconstruction quality**: MSE and MAE on train, validation and test, per feature and
//    per sector, with 95% confidence intervals from a cluster bootstrap over tokens.
// 2. **Dimension reduction**: reconstruction error against latent size for every model and
//    for PCA on the same rows, and the size from which each model stops beating PCA.
// 3. **Noise robustness**: test inputs with Gaussian noise and random masking; error against
//    the clean input, and how stable each model's anomaly ranking stays. The DAE's claimed
//    robustness is checked, not assumed.
// 4. **Temporal robustness**: error by month and by market regime, drift from the training
//    period into the test period, and a walk-forward re-training.
// 5. **Summary**: the models ranked on each criterion, and a conclusion written from the numbers.
//
// **Fairness rules.** Every model is scored on the same rows with the same training-set
// scaling. Each network is compared with the PCA that sees the **same input with the same
// latent size**: PCA on token-days for the AE, VAE and DAE, PCA on flattened windows for the
// Conv1D AE. The Conv1D AE scores windows, not days, so its absolute errors are not
// comparable with the row models'; its ratio to its own PCA is.
//
// **Inputs.** `features.parquet`, `dataset.json`, `market-truth.json` (notebook 01);
// `errors-ae`, `errors-vae`, `errors-dae`, `errors-pca`, `errors-conv1d` and the saved
// models `models/{ae,vae,dae,pca,conv1d,pca-windows}` (notebooks 02-05).
//
// **Outputs.** Tables `evaluation-errors`, `evaluation-sweep`, `evaluation-noise`,
// `evaluation-walk-forward`; `evaluation.json` (ranking, comparisons, regimes); figures
// `08-*`; this notebook's report section.
//
// Steps: Setup → Load → Reconstruction quality → Dimension reduction → Noise robustness →
// Temporal robustness → Summary → Conclusions.

// %%
import * as path from "node:path";
import { restrictFrame } from "./lib/stages/scoring";
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import { loadDataset, splitMatrices, splitWindows } from "./lib/features/dataset";
import { profileFitOptions, trainWithProgress, splitWindowSets, windowFeatureNames } from "./lib/stages/modeling";
import * as ev from "./lib/stages/08-evaluation/index";
import { loadRowModel, loadWindowModel } from "./lib/models/index";
import { flattenWindows } from "./lib/runtime/matrix";
import { dayToIso } from "./lib/data/panel";
import { showChart, showTable, showMarkdown } from "./lib/viz/display";
import * as charts from "./lib/viz/charts";
import { SectionBuilder } from "./lib/report/sections";

const ctx = await setupNotebook("08-evaluation");
const section = new SectionBuilder("08-evaluation", "Evaluation");
const fig = figureSaver(ctx);
const budget = ev.evaluationBudget(ctx.config.profile);
showTable(
  [
    { item: "bootstrap replicates per interval (clusters = tokens)", value: budget.nBoot },
    { item: "latent sizes, dense models and PCA", value: budget.latentDims.join(", ") },
    { item: "latent sizes, Conv1D and window PCA", value: budget.convLatentDims.join(", ") },
    { item: "sweep: training rows per dense model (stratified subsample)", value: budget.sweepTrainRows },
    { item: "sweep: epochs per dense model (patience)", value: `${budget.sweepEpochs} (${budget.sweepPatience})` },
    {
      item: "sweep: training windows / epochs per Conv1D model",
      value: `${budget.convTrainWindows} / ${budget.convEpochs}`,
    },
    {
      item: "Gaussian noise std / masked shares",
      value: `${budget.noiseStds.join(", ")} / ${budget.maskFractions.join(", ")}`,
    },
    {
      item: "walk-forward: folds / training rows / epochs",
      value: `${budget.walkForwardFolds} / ${budget.walkForwardTrainRows} / ${budget.walkForwardEpochs}`,
    },
  ],
  { caption: `Evaluation budget of the "${ctx.config.profile}" profile` },
);

// %% [markdown]
// ## Load
//
// The per-row errors that notebooks 02-05 saved (`errors-<model>`: MSE, MAE and the squared
// error of every feature, for every token-day or window of train, validation and test). The
// window PCA saved no error table, so its errors are computed here on the same windows as
// the Conv1D AE's, and the two tables are checked to describe the same windows in the same
// order (a paired comparison needs exactly that).

// %%
const d = loadDataset(ctx.store);
const splits = splitMatrices(d);
const modelsDir = ctx.config.paths.models;
const ROW_MODELS = ["ae", "vae", "dae", "pca"];
const NETWORKS = ["ae", "vae", "dae", "conv1d"];
const RANKED = ["ae", "vae", "dae", "conv1d", "pca"];
const specs = Object.fromEntries([...RANKED, "pca-windows"].map((m) => [m, ev.readSavedModelSpec(modelsDir, m)]));
// The error tables also score gap days (for the stress index); evaluation uses split rows only.
const rowFrames = ROW_MODELS.map((m) =>
  restrictFrame(ev.errorFrameFromTable(m, ctx.store.readTable(`errors-${m}`), d, "token-day"), (_t, _d, s) => s < 3),
);

// %% [markdown]
// The Conv1D AE's windows inside the splits, and the window PCA's errors on the same windows.

// %%
const convSpec = specs["conv1d"]!;
const L = Number(convSpec.options.windowLength),
  S = ctx.config.settings.windowStride;
const w = splitWindowSets(d, L, S, (which) => splitWindows(d, which, L, S));
const pcaW = await loadRowModel(path.join(modelsDir, "pca-windows"), windowFeatureNames(d.meta.featureNames, L));
// errors-conv1d scores the window ending on every day; evaluation keeps the windows inside a split.
const splitWindowKeys = new Set(w.sets.flatMap((s) => Array.from(s.token, (t, k) => `${t}|${s.endDay[k]}`)));
const convFrame = restrictFrame(
  ev.errorFrameFromTable("conv1d", ctx.store.readTable("errors-conv1d"), d, "window"),
  (t, day) => splitWindowKeys.has(`${t}|${day}`),
);
// PCA on the same windows, in the same order (the window ending on each of the Conv1D frame's
// rows), cut from the panel a block at a time: all of them at once would take gigabytes on
// the full profile.
const rowOf = new Map(Array.from(d.day, (day, i) => [`${d.token[i]}|${day}`, i]));
const convEnds = Int32Array.from(convFrame.token, (t, k) => rowOf.get(`${t}|${convFrame.day[k]}`)!);
const pcaWFrame = ev.errorFrameFromModel(
  "pca-windows",
  pcaW,
  ev.windowRowsEndingAt(d.X, convEnds, L),
  { token: convFrame.token, day: convFrame.day, split: convFrame.split },
  d.meta.featureNames,
  "window",
  L,
);
ev.assertSameRows(convFrame, pcaWFrame);
const frames = [...rowFrames, convFrame, pcaWFrame];
const frameOf = (m: string) => frames.find((f) => f.model === m)!;
showTable(
  frames.map((f) => ({
    model: ev.modelLabel(f.model),
    scores: f.unit === "window" ? `${L}-day windows` : "token-days",
    rows: f.mse.length,
    "latent size": Number(specs[f.model]!.options.latentDim),
  })),
  { caption: "Error tables evaluated (saved models of notebooks 02-05)" },
);

// %% [markdown]
// ## 1 · Reconstruction quality
//
// MSE and MAE are per value of the standardised features (one unit = one training standard
// deviation). Intervals come from a **cluster bootstrap over tokens**: a replicate draws as
// many tokens as there are, with replacement, and keeps all of a drawn token's rows, so that
// the days of one token, which share its regime, are not treated as independent. The
// resampling is seeded: rerunning gives the same intervals.

// %%
const bootRng = ctx.rng.fork("bootstrap");
const boot = { nBoot: budget.nBoot, rng: bootRng };
const splitRows = ev.splitErrorSummary(frames, boot);
const errorTable = splitRows.map((r) => ({
  model: ev.modelLabel(r.model),
  scores: r.unit,
  split: r.split,
  rows: r.rows,
  tokens: r.tokens,
  "MSE [95% CI]": ev.formatCI(r.mse, r.mseLo, r.mseHi),
  "MAE [95% CI]": ev.formatCI(r.mae, r.maeLo, r.maeHi),
}));
showTable(errorTable, {
  caption: "Reconstruction error per value, by model and split (95% cluster-bootstrap intervals over tokens)",
});

// %% [markdown]
// Two separate intervals can overlap while the difference between the models is clear,
// because hard days are hard for every model. The **paired** comparison bootstraps the
// per-row difference between a network and its PCA on the same rows.

// %%
const paired = NETWORKS.map((m) => ev.pairedDifference(frameOf(m), frameOf(ev.referenceOf(m)), { ...boot, split: 2 }));
showTable(
  paired.map((p) => ({
    model: ev.modelLabel(p.model),
    reference: ev.modelLabel(p.reference),
    "model MSE": p.modelMse,
    "PCA MSE": p.referenceMse,
    "difference [95% CI]": ev.formatCI(p.difference, p.lo, p.hi),
    relative: `${(p.relative * 100).toFixed(1)}%`,
    verdict: ev.differenceVerdict(p),
  })),
  {
    caption: "Test split: network minus PCA of the same input and latent size (paired, cluster bootstrap over tokens)",
  },
);

// %% [markdown]
// ### Per feature
// Which features each model reconstructs badly, relative to its PCA: log₂ of the ratio of
// test MSEs (0 = as good as PCA, +1 = twice PCA's error, −1 = half).

// %%
const featureRows = frames.flatMap((f) => ev.featureErrorSummary(f, boot));
const featureRatio = ev.featureRatioRows(featureRows, NETWORKS);
await showChart(
  charts.heatmap(featureRatio.rows, {
    title: "Test MSE per feature relative to PCA",
    subtitle: "log2(model MSE ÷ MSE of the PCA with the same input and latent size); blue = better than PCA",
    x: "model",
    y: "feature",
    value: "log2 MSE ÷ PCA",
    diverging: true,
    domain: [-featureRatio.limit, featureRatio.limit],
    showValues: true,
    xSort: NETWORKS.map(ev.modelLabel),
    ySort: d.meta.featureNames,
    width: 300,
    height: 420,
  }),
  fig("08-feature-error"),
);
const featureTable = ev.pivotRows(
  featureRows,
  (r) => r.feature,
  (r) => ev.modelLabel(r.model),
  (r) => ev.formatCI(r.mse, r.lo, r.hi, 3),
  "feature",
);
showTable(featureTable, {
  caption: "Test MSE per feature [95% CI] (Conv1D and PCA (windows): averaged over the window's days)",
});

// %% [markdown]
// ### Per sector
// Test MSE by token sector; intervals resample the sector's tokens.

// %%
const sectorRows = frames.flatMap((f) =>
  ev.groupedErrorSummary(
    f,
    Array.from(f.token, (t) => d.tokens[t]!.sector ?? "unknown"),
    { ...boot, rows: ev.rowsOfSplits(f, [2]) },
  ),
);
const sectorTable = ev.pivotRows(
  sectorRows,
  (r) => r.group,
  (r) => ev.modelLabel(r.model),
  (r) => ev.formatCI(r.value, r.lo, r.hi, 3),
  "sector",
);
showTable(sectorTable, { caption: "Test MSE per sector [95% CI over the sector's tokens]" });

// %% [markdown]
// ## 2 · Dimension reduction: error against latent size
//
// Each model is retrained at several latent sizes with its saved architecture (only the
// bottleneck changes), and PCA is fitted at the same sizes **on the same training rows**.
// There are 17 features, so a latent size of 16 is almost no compression: there, every
// model should nearly copy its input, and PCA with 16 of 17 components loses only the
// weakest direction.
//
// **Budget.** Retraining at every size is costly, so the sweep uses a reduced budget, set by
// the profile (the budget table above): the dense models train on a stratified subsample
// of the training rows (by token and quarter) for a few epochs with early stopping on a
// validation subsample, and the Conv1D AE on a subsample of the windows at fewer sizes.
// The sweep's networks are therefore less trained than the saved models (the cell below
// measures by how much); PCA gets exactly the same rows. All are scored on the full test
// split.

// %%
const sweepRng = ctx.rng.fork("sweep");
const sweepTrain = ev.subsampleRows(d, "train", budget.sweepTrainRows, sweepRng.fork("train"));
const sweepVal = ev.subsampleRows(d, "validation", budget.sweepValidationRows, sweepRng.fork("validation"));
const trainSet = w.sets[0]!,
  valSet = w.sets[1]!;
const sweepTrainW = ev.subsampleWindows(
  w.train,
  trainSet.token,
  trainSet.endDay,
  budget.convTrainWindows,
  sweepRng.fork("train-windows"),
  "train windows",
);
const sweepValW = ev.subsampleWindows(
  w.validation,
  valSet.token,
  valSet.endDay,
  Math.max(1, Math.round(budget.convTrainWindows / 4)),
  sweepRng.fork("validation-windows"),
  "validation windows",
);
showMarkdown([sweepTrain.note, sweepVal.note, sweepTrainW.note, sweepValW.note].map((n) => `- ${n}`).join("\n"));

// %%
const denseSpecs = ["ae", "vae", "dae"].map((m) => specs[m]!);
// Latent sizes that compress the inputs (price-only data have fewer features than the budget's largest size).
const rowSizes = ev.sweepLatentSizes(budget.latentDims, d.meta.featureNames.length);
const convSizes = ev.sweepLatentSizes(budget.convLatentDims, windowFeatureNames(d.meta.featureNames, L).length);
for (const [what, s, n] of [
  ["token-day", rowSizes, d.meta.featureNames.length],
  ["window", convSizes, windowFeatureNames(d.meta.featureNames, L).length],
] as const)
  if (s.dropped.length)
    showMarkdown(
      `The ${what} sweep leaves out latent size${s.dropped.length > 1 ? "s" : ""} ${s.dropped.join(", ")}: not smaller than the ${n} inputs, so nothing to compress.`,
    );
const rowPoints = await ev.latentSweep(
  denseSpecs,
  { train: sweepTrain.x, validation: sweepVal.x, test: splits.test },
  {
    latentDims: rowSizes.sizes,
    unit: "token-day",
    referenceName: "pca",
    toMatrix: (x) => x,
    pcaFeatureNames: d.meta.featureNames,
    fit: profileFitOptions(ctx, { maxEpochs: budget.sweepEpochs, patience: budget.sweepPatience }),
    train: trainWithProgress,
  },
);
const convPoints = await ev.latentSweep(
  [convSpec],
  { train: sweepTrainW.windows, validation: sweepValW.windows, test: w.test },
  {
    latentDims: convSizes.sizes,
    unit: "window",
    referenceName: "pca-windows",
    toMatrix: flattenWindows,
    pcaFeatureNames: windowFeatureNames(d.meta.featureNames, L),
    fit: profileFitOptions(ctx, { maxEpochs: budget.convEpochs, patience: budget.sweepPatience }),
    train: trainWithProgress,
  },
);
const sweep = [...rowPoints, ...convPoints];
showTable(ev.sweepRows(sweep), { caption: "Latent-size sweep (test split)" });

// %%
const crossovers = ev.pcaCrossover(sweep);
await showChart(
  ev.sweepChart(sweep, {
    title: "Reconstruction error against latent size",
    subtitle: `${d.meta.featureNames.length} features: size 16 is almost no compression; PCA dashed, fitted on the same rows`,
  }),
  fig("08-latent-sweep"),
);
showTable(ev.crossoverRows(crossovers, true), {
  caption: "Test MSE ÷ PCA's at each latent size (< 1: the network wins)",
});
const savedTest = Object.fromEntries(
  NETWORKS.map((m) => [
    m,
    {
      latentDim: Number(specs[m]!.options.latentDim),
      testMse: splitRows.find((r) => r.model === m && r.split === "test")!.mse,
    },
  ]),
);
const budgetNotes = ev.sweepBudgetSentences(sweep, savedTest);
showMarkdown([...crossovers.map((c) => c.sentence), ...budgetNotes].map((s) => `- ${s}`).join("\n"));

// %% [markdown]
// ## 3 · Noise robustness
//
// The saved models (full training budget) reconstruct corrupted copies of the test input:
// Gaussian noise (in training standard deviations of each feature) and random masking
// (values set to 0, the training mean; the DAE trained with noise 0.2 and 10% masking).
// Each corruption is drawn once, seeded, and given to every model. Two measures:
//
// - **error against the clean input**, as a ratio to the model's clean-input error (a
//   denoiser should stay close to the clean signal), and
// - **stability of the anomaly ranking**: Spearman correlation between the anomaly scores
//   on corrupted input (error against the input the model was given, as a detector would
//   compute it) and on clean input; also the share of the top 1% rows that stay in the top 1%.

// %%
const corruptions = ev.corruptionGrid(budget.noiseStds, budget.maskFractions);
const noiseRng = ctx.rng.fork("noise");
const rowModels = await Promise.all(
  ROW_MODELS.map(async (m) => ({ name: m, model: await loadRowModel(path.join(modelsDir, m), d.meta.featureNames) })),
);
const rowNoise = ev.noiseRobustness(rowModels, splits.test, corruptions, noiseRng.fork("rows"));
const conv = await loadWindowModel(path.join(modelsDir, "conv1d"), d.meta.featureNames);
const testSet = w.sets[2]!;
const noiseW = ev.subsampleWindows(
  w.test,
  testSet.token,
  testSet.endDay,
  budget.noiseMaxWindows,
  noiseRng.fork("sample"),
  "test windows",
);
const winNoise = ev.noiseRobustness(
  [
    { name: "conv1d", model: conv },
    { name: "pca-windows", model: ev.windowAdapter(pcaW) },
  ],
  noiseW.windows,
  corruptions,
  noiseRng.fork("windows"),
);
const noiseRows = [...rowNoise.rows, ...winNoise.rows];

// %% [markdown]
// Error against the clean input and stability of the anomaly ranking, per model and corruption.

// %%
showTable(
  noiseRows.map((r) => ({
    model: ev.modelLabel(r.model),
    corruption: r.label,
    "clean MSE": r.cleanMse,
    "MSE vs clean input": r.noisyMse,
    "÷ clean MSE": r.degradation,
    "Spearman vs clean ranking": r.spearman,
    "top 1% kept": r.topRetained,
  })),
  {
    caption: `Noise robustness on ${splits.test.rows.toLocaleString("en-US")} test rows and ${noiseW.windows.n.toLocaleString("en-US")} test windows`,
    maxRows: 80,
  },
);
await showChart(
  ev.noiseChart(noiseRows, {
    title: "Noise robustness of the saved models",
    subtitle:
      "top: error of the reconstruction against the clean input; bottom: rank correlation of anomaly scores with the clean ranking",
  }),
  fig("08-noise-robustness"),
);

// %% [markdown]
// ### Is the DAE more robust? (checked, not assumed)
// For every corruption: the paired per-row difference between the DAE's and the AE's error
// against the clean input (and the DAE's against PCA's), with a cluster-bootstrap interval
// over tokens. A difference below 0 whose interval excludes 0 means the DAE is
// significantly closer to the clean input.

// %%
const testTokens = Int32Array.from(d.idx.test, (i) => d.token[i]!);
const daeVsAe = corruptions.map((c) =>
  ev.compareUnderNoise(rowNoise, "dae", "ae", c.label, testTokens, { ...boot, rng: bootRng.fork("dae-ae") }),
);
const daeVsPca = corruptions.map((c) =>
  ev.compareUnderNoise(rowNoise, "dae", "pca", c.label, testTokens, { ...boot, rng: bootRng.fork("dae-pca") }),
);
showTable(
  corruptions.map((c, i) => ({
    corruption: c.label,
    DAE: daeVsAe[i]!.meanA,
    AE: daeVsAe[i]!.meanB,
    "DAE − AE [95% CI]": ev.formatCI(daeVsAe[i]!.difference, daeVsAe[i]!.lo, daeVsAe[i]!.hi),
    PCA: daeVsPca[i]!.meanB,
    "DAE − PCA [95% CI]": ev.formatCI(daeVsPca[i]!.difference, daeVsPca[i]!.lo, daeVsPca[i]!.hi),
  })),
  { caption: "MSE against the clean test input from corrupted input: DAE vs AE and PCA (paired)" },
);
const claimAe = ev.robustnessClaim("dae", "ae", daeVsAe, rowNoise.rows);
const claimPca = ev.robustnessClaim("dae", "pca", daeVsPca, rowNoise.rows);
showMarkdown(`${claimAe.sentence}\n\n${claimPca.sentence}`);

// %% [markdown]
// ## 4 · Temporal robustness
//
// **Market regimes.** The market return of a day is the median 1-day log return over tokens
// (stablecoins excluded); its realised volatility is the standard deviation of the last 20
// market returns. Thresholds come from the **training period only**: a day is *calm* at or
// below the training median of realised volatility, *crash* (stress) above the training
// 90th percentile, *volatile* in between. Windows take the regime of their last day.

// %%
const regimes = ev.marketRegimes(d);
const regimeNames = ev.REGIME_NAMES as readonly string[];
const segments = ev.regimeSegments(regimes.days, regimes.regime);
const regimeLabel = (f: ev.ErrorFrame) =>
  Array.from(f.day, (day) => {
    const c = regimes.regimeOf(day);
    return c >= 0 ? regimeNames[c]! : null;
  });
const b = d.meta.boundaries;
showTable(
  [
    { threshold: `calm ≤ training p${ev.CALM_QUANTILE * 100}`, "realised volatility (daily)": regimes.thresholds.calm },
    {
      threshold: `crash > training p${ev.CRASH_QUANTILE * 100}`,
      "realised volatility (daily)": regimes.thresholds.crash,
    },
  ],
  {
    caption: `Regime thresholds from ${regimes.trainDays} training days (${b.trainStart} to ${b.trainEnd}), ${regimes.window}-day realised volatility of the market return`,
    digits: 4,
  },
);
const regimeShare = ev.pivotRows(
  ev.groupedErrorSummary(frameOf("pca"), regimeLabel(frameOf("pca")), {
    nBoot: 0,
    rng: bootRng,
    order: [...regimeNames],
  }),
  (r) => r.group,
  () => "token-days",
  (r) => r.rows,
  "regime",
);
showTable(regimeShare, { caption: "Token-days per regime (all splits)" });

// %% [markdown]
// ### Error by month
// Monthly mean MSE of each model divided by its own training-split mean (1 = as good as in
// training), on a log scale, over the regime shading; dashed lines mark the starts of
// validation and test. The index puts row and window models on one axis.

// %%
const monthly = frames.filter((f) => RANKED.includes(f.model)).flatMap((f) => ev.monthlyErrors(f));
await showChart(
  ev.monthlyErrorChart(
    monthly,
    segments,
    [
      { date: b.validationStart, label: "validation" },
      { date: b.testStart, label: "test" },
    ],
    {
      title: "Reconstruction error by month",
      subtitle: "monthly MSE ÷ the model's training MSE; shading: market regime from realised volatility",
    },
  ),
  fig("08-error-by-month"),
);

// %% [markdown]
// ### Error by regime, and drift
// Error in each regime over all three splits (intervals over tokens), then the drift from
// train to test: the ratio of test to train MSE with its interval, and the same ratio with
// the regime mix held fixed (each regime's test ÷ train ratio, weighted by the test
// period's regime shares), which separates "the test period is more volatile" from "the
// model has aged".

// %%
const regimeRows = frames
  .filter((f) => RANKED.includes(f.model))
  .map((f) => ({
    model: f.model,
    rows: ev.groupedErrorSummary(f, regimeLabel(f), {
      ...boot,
      rows: ev.rowsOfSplits(f, [0, 1, 2]),
      order: [...regimeNames],
    }),
  }));
showTable(
  ev.pivotRows(
    regimeRows.flatMap((r) => r.rows),
    (r) => ev.modelLabel(r.model),
    (r) => r.group,
    (r) => ev.formatCI(r.value, r.lo, r.hi, 3),
    "model",
  ),
  { caption: "MSE by market regime, all splits [95% CI over tokens]" },
);
await showChart(
  ev.regimeChart(regimeRows, {
    title: "Reconstruction error by market regime",
    subtitle: "MSE ÷ the model's calm-regime MSE, all splits; lines: 95% cluster-bootstrap intervals over tokens",
  }),
  fig("08-error-by-regime"),
);

// %% [markdown]
// Drift: test against training error per model, raw and with the regime mix held fixed.

// %%
const drift = frames
  .filter((f) => RANKED.includes(f.model))
  .map((f) => {
    const codes = Array.from(f.day, (day) => regimes.regimeOf(day));
    return ev.driftSummary(f, { ...boot, regimeOfRow: codes });
  });
showTable(
  drift.map((r) => ({
    model: ev.modelLabel(r.model),
    "train MSE": r.trainMse,
    "validation MSE": r.validationMse,
    "test MSE": r.testMse,
    "test ÷ train [95% CI]": ev.formatCI(r.ratio, r.lo, r.hi, 3),
    "regime-adjusted test ÷ train": r.regimeAdjustedRatio,
  })),
  { caption: "Drift of the error from the training period into the test period" },
);

// %% [markdown]
// The simulated market also records its own regimes (calm, bull, bear) and crash days
// (`market-truth.json`); for a synthetic source the error by those regimes is a check of
// the volatility-based definition. Real sources have no such record.

// %%
const truth = ev.truthRegimes(ctx.store.readJson("market-truth"));
const truthRows = truth
  ? frames
      .filter((f) => RANKED.includes(f.model))
      .flatMap((f) =>
        ev.groupedErrorSummary(
          f,
          Array.from(f.day, (day) => truth.regimeOf(day)),
          { ...boot, rows: ev.rowsOfSplits(f, [0, 1, 2]), order: truth.names },
        ),
      )
  : [];
if (truth)
  showTable(
    ev.pivotRows(
      truthRows,
      (r) => ev.modelLabel(r.model),
      (r) => r.group,
      (r) => `${ev.formatCI(r.value, r.lo, r.hi, 3)} (${r.rows} rows)`,
      "model",
    ),
    { caption: "MSE by the simulated market's own regimes, all splits [95% CI]" },
  );
else showMarkdown("No simulated regimes for this data source.");

// %% [markdown]
// ### Walk-forward
// Train on the past, test on the next period, for PCA and the AE (the saved latent size and
// architecture): the calendar is cut into equal blocks; fold *k* trains on every block
// before block *k* (minus a purge gap as long as the split gap, so that no training row's
// features share lookback days with the test rows) with the scaler refitted on that
// training period only, and tests on block *k*. The AE trains on a stratified subsample
// with a small epoch budget (see the budget table).

// %%
const dayMin = d.day.reduce((a, x) => Math.min(a, x), Infinity),
  dayMax = d.day.reduce((a, x) => Math.max(a, x), -Infinity);
const folds = ev.expandingFolds(dayMin, dayMax, budget.walkForwardFolds, d.meta.gapDays);
const wf = await ev.walkForward(d, [specs["pca"]!, specs["ae"]!], {
  folds: folds,
  maxTrainRows: budget.walkForwardTrainRows,
  rng: ctx.rng.fork("walk-forward"),
  fit: profileFitOptions(ctx, { maxEpochs: budget.walkForwardEpochs, patience: budget.sweepPatience }),
  train: trainWithProgress,
});
showTable(
  wf.map((r) => ({
    fold: r.fold,
    model: ev.modelLabel(r.model),
    train: `${r.trainFrom} → ${r.trainTo}`,
    test: `${r.testFrom} → ${r.testTo}`,
    "train rows": r.trainRows,
    "test rows": r.testRows,
    "test MSE": r.testMse,
    "mean-predictor MSE": r.meanMse,
    epochs: r.epochs,
  })),
  { caption: "Walk-forward (expanding window)" },
);

// %% [markdown]
// The walk-forward test error of each fold, against the training-mean predictor.

// %%
await showChart(
  charts.lineChart(
    [
      ...wf.map((r) => ({ test: r.testFrom, model: ev.modelLabel(r.model), mse: r.testMse })),
      ...folds.map((f) => ({
        test: dayToIso(f.testStart),
        model: "training mean",
        mse: wf.find((r) => r.fold === f.fold)!.meanMse,
      })),
    ],
    {
      title: "Walk-forward test error",
      subtitle: "each fold trains on all earlier periods and tests on the period starting at the date shown",
      x: "test",
      xType: "temporal",
      y: "mse",
      series: "model",
      points: true,
      logY: true,
      yTitle: "test MSE (log scale)",
      xTitle: "start of the test period",
    },
  ),
  fig("08-walk-forward"),
);

// %% [markdown]
// ## 5 · Summary: the models ranked on each criterion
//
// Every criterion is a ratio or a difference, so that row and window models can be ranked
// together: wherever a criterion compares with PCA, the Conv1D AE is measured against the
// PCA of its own input (flattened windows), and PCA's value against itself is 1 (0 for the
// variance gain) by construction. The "better" column gives the direction. The walk-forward
// covers PCA and the AE only; mean ranks count the criteria each model was measured on.

// %%
const criteria = ev.rankingCriteria({
  models: RANKED,
  splitRows: splitRows,
  sweep: sweep,
  noiseRows: noiseRows,
  drift: drift,
  regimeRows: regimeRows,
  walkForward: wf,
});
const ranking = ev.rankModels(criteria, RANKED);
const rankingTable = ev.rankingTable(criteria, ranking);
showTable(rankingTable, {
  caption: "Models ranked on each criterion: value (#rank); PCA stands for the PCA of each model's own input",
});

// %% [markdown]
// ## Conclusions
// Written from the numbers above (nothing here is typed by hand).

// %%
const conclusions = [
  ...ev.pairedSentences(paired),
  ...crossovers.map((c) => c.sentence),
  ...budgetNotes,
  claimAe.sentence,
  claimPca.sentence,
  ev.regimeSentence(regimeRows),
  ev.driftSentence(drift),
  ev.walkForwardSentence(wf),
  ...ev.rankingSentences(criteria, ranking),
];
showMarkdown(conclusions.map((s) => `- ${s}`).join("\n"));

// %% [markdown]
// ## Save

// %%
ctx.store.writeTable("evaluation-errors", ev.rowsToTable(splitRows as unknown as Record<string, unknown>[]));
ctx.store.writeTable("evaluation-sweep", ev.rowsToTable(sweep as unknown as Record<string, unknown>[]));
ctx.store.writeTable("evaluation-noise", ev.rowsToTable(noiseRows as unknown as Record<string, unknown>[]));
ctx.store.writeTable("evaluation-walk-forward", ev.rowsToTable(wf as unknown as Record<string, unknown>[]));
ctx.store.writeJson("evaluation", {
  budget: budget,
  paired: paired,
  crossovers: crossovers,
  daeVsAe: daeVsAe,
  daeVsPca: daeVsPca,
  regimeThresholds: regimes.thresholds,
  drift: drift,
  criteria: criteria,
  ranking: ranking,
  conclusions: conclusions,
});
const best = ranking.order[0]!;

// %%
section.headline({
  "best mean rank": `${ev.modelLabel(best)} (${ranking.meanRank[best]!.toFixed(2)})`,
  ...Object.fromEntries(
    paired.map((p) => [`${ev.modelLabel(p.model)} test MSE ÷ PCA`, Number((p.modelMse / p.referenceMse).toFixed(3))]),
  ),
  "DAE closer to clean than AE (corruptions)": `${claimAe.closer} of ${claimAe.total}`,
  "AE test ÷ train MSE": Number(drift.find((r) => r.model === "ae")!.ratio.toFixed(3)),
  "bootstrap replicates": budget.nBoot,
});
for (const s of conclusions) section.finding(s);
section.table("Summary: models ranked on each criterion (value, #rank)", rankingTable);
section.table("Reconstruction error by model and split, 95% cluster-bootstrap CI over tokens", errorTable);
section.table("Test split: paired difference to PCA of the same input and size", ev.pairedRows(paired));
section.table("Latent-size sweep: test MSE ÷ PCA's", ev.crossoverRows(crossovers, false));
// The report's figures with their captions.
for (const [name, caption] of [
  [
    "08-latent-sweep",
    "Test reconstruction error against latent size, networks vs PCA fitted on the same rows (reduced training budget).",
  ],
  [
    "08-noise-robustness",
    "Noise robustness of the saved models: error against the clean input and stability of the anomaly ranking.",
  ],
  ["08-error-by-month", "Monthly reconstruction error relative to each model's training error, over market regimes."],
  ["08-error-by-regime", "Reconstruction error by market regime relative to the calm regime, with 95% intervals."],
  ["08-feature-error", "Test MSE per feature relative to PCA (log2 ratio)."],
  ["08-walk-forward", "Walk-forward test error of PCA and the AE."],
] as const)
  section.figure(name, caption);

// %%
section.save(ctx.store);
for (const m of rowModels) m.model.dispose();
conv.dispose();
pcaW.dispose();
finishNotebook(ctx, {
  outputs: ["evaluation-errors", "evaluation-sweep", "evaluation-noise", "evaluation-walk-forward", "evaluation.json"],
  metrics: {
    best: best,
    meanRank: ranking.meanRank,
    paired: paired,
    daeClaim: { closer: claimAe.closer, farther: claimAe.farther, total: claimAe.total },
  },
  notes: [sweepTrain.note, sweepVal.note, sweepTrainW.note, sweepValW.note, noiseW.note],
});
