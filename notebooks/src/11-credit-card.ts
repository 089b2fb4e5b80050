// %% [markdown]
// # 11 · Credit-card fraud: the autoencoder family on labelled anomalies
//
// **Purpose.** The market notebooks have no ground truth beyond the simulated anomalies.
// Here the same autoencoders (AE, VAE, DAE and the PCA baseline) meet the ULB credit-card
// fraud data, where every transaction is labelled, so the detectors can be measured
// (ROC-AUC, PR-AUC, precision and recall at k, confusion tables, all with bootstrap
// intervals) and compared with published work.
//
// **Inputs.** `creditcard.csv` in the ULB layout (Time, V1..V28, Amount, Class; a leading
// index column is fine) at the path `CAE_CREDITCARD` names, by default
// `data/raw/creditcard.csv`. Without it the notebook uses a seeded stand-in and says so.
// It needs no artifact of the earlier notebooks.
//
// **Outputs.** `models/creditcard-{ae,vae,dae,pca}/` (weights with the preprocessing),
// `creditcard-scores` (test rows: class and every model's score), `creditcard-metrics.json`,
// figures `11-*`, and this notebook's report section.
//
// Steps: Setup → Load → Look → Why no Conv1D → Prepare (split, features, training rows) →
// Build → Train → Score and threshold → Evaluate → Plot → Save → Conclusions.

// %%
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import * as cc from "./lib/stages/11-credit-card/index";
import { profileFitOptions, trainWithProgress } from "./lib/stages/modeling";
import { takeRows } from "./lib/runtime/matrix";
import { Progress } from "./lib/runtime/progress";
import { showChart, showMarkdown, showTable } from "./lib/viz/display";
import * as charts from "./lib/viz/charts";
import { SectionBuilder } from "./lib/report/sections";
import type { TrainHistory } from "./lib/train/types";
import * as path from "node:path";

const ctx = await setupNotebook("11-credit-card");
const section = new SectionBuilder("11-credit-card", "Credit-card fraud");
const fig = figureSaver(ctx);

// %% [markdown]
// ## Load
//
// The ULB data set holds 284,807 card transactions of two days in September 2013, 492 of
// them frauds (0.173%). V1..V28 are principal components of undisclosed features; only
// Time (seconds since the first transaction) and Amount are in the clear. The notebook
// uses the file when it is there; otherwise a seeded stand-in with the same layout and the
// real file's 492 frauds (`lib/data/creditcard-synthetic.ts` describes its model). Files
// without a Class column are read too: the notebook then runs unsupervised.

// %%
const source = cc.loadCreditCardSource({
  file: ctx.config.creditCardPath,
  standInRows: ctx.config.settings.creditCardRows,
  seed: ctx.rng.fork("stand-in"),
  required: Boolean(process.env.CAE_CREDITCARD),
  root: ctx.config.paths.root,
});
const data = source.data;
const labels = data.labels;
showMarkdown(source.description);
showMarkdown(`Loaded in ${source.seconds.toFixed(2)} s.`);

// %% [markdown]
// ## Look
//
// Frauds are rare, and in the real data they differ from normal transactions in amount
// (many tiny test charges) and in time (relatively more at night).

// %%
showTable(cc.classSummary(data), { caption: "Transactions by class", digits: 3 });

// %% [markdown]
// ## Why there is no Conv1D model here
//
// The Conv1D autoencoder of notebook 05 reads windows of consecutive days of one token: its
// filters learn patterns along time within an entity. Credit-card rows are not such a
// series. The data has no card or customer id, so consecutive rows belong to different,
// unrelated cardholders; each row is an independent, anonymised transaction whose
// features V1..V28 are PCA components with no order among them (V3 is not "next to" V4 the
// way day t is next to day t+1). A convolution over either axis would impose a structure
// that does not exist, so only the row models (AE, VAE, DAE, PCA) are applied.

// %% [markdown]
// ## Prepare: split, features, training rows
//
// **Split.** Stratified by class into 60% train, 20% validation and 20% test, so every split
// has the data's fraud rate (PR-AUC depends on it).
//
// **Features.** V1..V28 as they are; `log_amount = log(1 + Amount)` (amounts span five
// orders of magnitude); the hour of day as a point on the circle (`hour_sin`, `hour_cos`),
// since raw Time only counts up over two days. A StandardScaler is fitted on the normal rows
// of the training split only and applied to every row.
//
// **Training rows.** The models learn normal transactions only (semi-supervised anomaly
// detection: a fraud should then reconstruct badly). The profile caps the training rows
// (`creditCardMaxTrain`); above the cap a seeded sample of normal rows is used.

// %%
const split = cc.stratifiedSplit(labels, data.rows, ctx.rng.fork("split"));
showTable(split.counts, { caption: split.stratified ? "Stratified split" : "Random split (no labels)", digits: 4 });
const features = cc.prepareCreditCardFeatures(data, cc.scalerFitRows(split.train, labels), "hour");
showTable(
  features.featureNames.map((name, j) => ({
    feature: name,
    "train mean": features.scaler.center[j]!,
    "train std": features.scaler.scale[j]!,
  })),
  {
    caption: `${features.featureNames.length} model inputs; scaler fitted on ${features.scaler.nFitRows.toLocaleString("en-US")} training rows`,
    digits: 3,
  },
);

// %%
const maxTrain = ctx.config.settings.creditCardMaxTrain;
const training = cc.selectTrainingRows(split.train, labels, {
  normalOnly: true,
  maxRows: maxTrain,
  rng: ctx.rng.fork("train-rows"),
});
const validation = cc.selectTrainingRows(split.validation, labels, {
  normalOnly: true,
  maxRows: Math.ceil(maxTrain / 4),
  rng: ctx.rng.fork("validation-rows"),
  what: "validation",
});
const Xtrain = takeRows(features.X, training.rows);
const Xval = takeRows(features.X, validation.rows);
showMarkdown(`Training on ${training.note}; early stopping on ${validation.note}.`);

// %% [markdown]
// ## Build
//
// The market notebooks' architectures, sized for 31 inputs: a dense encoder
// `31 → 24 → 16 → 8`, a mirrored decoder, ReLU hidden layers, linear bottleneck and output.
// The VAE adds the KL term (β = 0.25 as in notebook 03, short warm-up); the DAE learns to
// undo Gaussian noise and masking; PCA keeps the 8 leading directions of the normal
// training rows. Every model scores a transaction by its reconstruction MSE.

// %%
const models = cc.CREDITCARD_MODEL_KINDS.map((kind) => ({
  label: kind as string,
  model: cc.buildCreditCardModel(kind, features.featureNames, ctx.config.seed),
}));
showTable(
  models.map((m) => ({
    model: m.label,
    inputs: features.featureNames.length,
    hidden: m.label === "pca" ? "linear" : cc.CREDITCARD_HIDDEN_UNITS.join(", "),
    latent: cc.CREDITCARD_LATENT_DIM,
    score: "reconstruction MSE",
  })),
  { caption: "Models" },
);

// %% [markdown]
// ## Train
//
// Adam, mini-batches and early stopping on the validation normals, as in notebooks 02-04
// (the progress line updates every few seconds; the runner's terminal shows every epoch).
// When labels exist a second AE is trained on **all** training rows, frauds included, with
// the same cap: the difference shows what fraud contamination of the training data costs.

// %%
const histories: Record<string, TrainHistory> = {};
for (const m of models) histories[m.label] = await trainWithProgress(m.model, Xtrain, Xval, profileFitOptions(ctx));
const allRows = labels
  ? cc.selectTrainingRows(split.train, labels, {
      normalOnly: false,
      maxRows: maxTrain,
      rng: ctx.rng.fork("train-rows-all"),
    })
  : null;
const aeAll = allRows
  ? {
      label: "ae (all rows)",
      model: cc.buildCreditCardModel("ae", features.featureNames, ctx.config.seed, "creditcard-ae-all"),
    }
  : null;
if (aeAll && allRows)
  histories[aeAll.label] = await trainWithProgress(
    aeAll.model,
    takeRows(features.X, allRows.rows),
    Xval,
    profileFitOptions(ctx),
  );
const lossRows = Object.entries(histories)
  .filter(([label]) => label !== "pca")
  .flatMap(([label, h]) =>
    h.epochs.map((e) => ({
      model: label,
      epoch: e.epoch,
      "relative validation loss": e.valLoss / h.epochs[0]!.valLoss,
    })),
  );
await showChart(
  charts.lineChart(lossRows, {
    title: "Validation loss per epoch, relative to epoch 1",
    subtitle: "reconstruction MSE on validation normals (VAE: negative ELBO), divided by its first-epoch value",
    x: "epoch",
    y: "relative validation loss",
    series: "model",
  }),
  fig("11-loss"),
);

// %% [markdown]
// ## Score and threshold
//
// Every test transaction gets each model's reconstruction MSE. Thresholds come from the
// scores of the validation split's normal rows (held out from training, free of frauds):
// the 95th and 99th percentiles, and a POT (peaks-over-threshold) tail fit aimed at 0.1%
// false alarms, the order of the real fraud rate. A row is flagged above a threshold.

// %%
const calibrationRows = labels ? split.validation.filter((i) => labels[i] === 0) : split.validation;
const scored = [...models, ...(aeAll ? [aeAll] : [])].map((m) =>
  cc.scoreModel(m.label, m.model, features.X, calibrationRows, split.test),
);
showTable(
  scored.flatMap((s) =>
    s.thresholds.map((t) => ({
      model: s.label,
      rule: t.name,
      "score >": t.result.threshold,
      "calibration rows": s.nCalibration,
      note: t.result.warnings.join(" "),
    })),
  ),
  { caption: labels ? "Thresholds fitted on validation normals" : "Thresholds fitted on validation rows (no labels)" },
);

// %% [markdown]
// ## Evaluate
//
// On the test split: ROC-AUC (the probability that a fraud outscores a normal transaction),
// PR-AUC as average precision (its floor is the fraud rate), precision and recall among the
// k highest scores (an analyst's review queue of k cases), and the confusion table at each
// threshold. Brackets are 95% percentile bootstrap intervals: test rows resampled with
// replacement, 1,000 times.

// %%
const testLabels = labels ? Int8Array.from(split.test, (i) => labels[i]!) : null;
const ks = cc.chooseKs(split.test.length, split.counts[2]!.frauds);
const trainedOn = (label: string) => (label === "ae (all rows)" ? allRows!.note : training.note);
const evaluations = scored.map((s) =>
  cc.evaluateDetector(s.label, s.test, testLabels, s.thresholds, {
    ks: ks,
    rng: ctx.rng.fork(`bootstrap-${s.label}`),
    trainedOn: trainedOn(s.label),
  }),
);
showTable(cc.metricsTable(evaluations), { caption: "Detection quality on the test split (95% bootstrap intervals)" });
if (labels) showTable(cc.atKTable(evaluations), { caption: "Precision and recall at k" });
showTable(cc.confusionTable(evaluations), {
  caption: labels
    ? "Confusion tables at the thresholds"
    : "Test rows flagged at each threshold (no labels, so no confusion table)",
});

// %% [markdown]
// ## Plot
//
// ROC and precision-recall curves of every model on one figure; the distributions of the
// reconstruction error for frauds and normal transactions; and a UMAP of each model's
// latent space on test rows, coloured by class. The latent spaces are learned from normal
// rows only: a fraud need not land apart in them (the encoder maps it somewhere among the
// normals); what gives it away is that the decoder cannot rebuild it from there. The UMAP
// shows how much the latent position alone separates the classes.

// %%
const curves = scored
  .map((s) => cc.modelCurves(s.label, s.test, testLabels))
  .filter((c): c is cc.ModelCurves => c !== null);
if (curves.length)
  await showChart(
    cc.curvesChart(curves, `${source.label}; ${split.test.length.toLocaleString("en-US")} test transactions`),
    fig("11-roc-pr"),
  );
else showMarkdown("No labels: ROC and precision-recall curves need the Class column.");

// %%
const testGroups = Array.from(split.test, (i) => (labels ? (labels[i] === 1 ? "fraud" : "normal") : "all"));
const densityRows = cc.scoreDensityRows(
  scored.map((s) => ({ model: s.label, scores: s.test, thresholds: s.thresholds.filter((t) => t.name !== "p95") })),
  testGroups,
);
await showChart(
  cc.scoreDistributionChart(
    densityRows,
    labels
      ? "each class normalised to area 1; dashed: the p99 and POT thresholds"
      : "no labels: all test rows; dashed: the p99 and POT thresholds",
  ),
  fig("11-score-distributions"),
);

// %%
const sample = cc.classBalancedSample(
  split.test,
  labels,
  ctx.config.settings.umapMaxPoints,
  ctx.rng.fork("umap-sample"),
);
const p99Ae = scored[0]!.thresholds.find((t) => t.name === "p99")!.result.threshold;
const aeScoreOf = new Map(Array.from(split.test, (row, q) => [row, scored[0]!.test[q]!] as [number, number]));
const sampleGroups = Array.from(sample.rows, (i) =>
  labels ? (labels[i] === 1 ? "fraud" : "normal") : aeScoreOf.get(i)! > p99Ae ? "flagged (p99)" : "not flagged",
);
const umapProgress = new Progress("UMAP");
const embedded = await cc.embedLatents(
  models,
  features.X,
  sample.rows,
  sampleGroups,
  ctx.rng.fork("umap"),
  (label, e, total) => umapProgress.update(`${label} epoch ${e}/${total}`),
);
umapProgress.done(`${models.length} embeddings of ${sample.rows.length.toLocaleString("en-US")} points`);
await showChart(
  cc.umapChart(embedded.rows, sample.note + (labels ? "" : "; no labels: coloured by the AE's p99 flag")),
  fig("11-umap-latents"),
);

// %% [markdown]
// ## Save
//
// The models (with the scaler and feature names), the test scores and the metrics.

// %%
for (const m of [...models, ...(aeAll ? [aeAll] : [])]) {
  await m.model.save(path.join(ctx.config.paths.models, m.model.name), {
    preprocessing: { timeEncoding: features.timeEncoding, scaler: features.scaler },
    source: source.label,
    trainedOn: trainedOn(m.label),
  });
}
const scoreColumns: Record<string, Float64Array> = {};
for (const s of scored) scoreColumns[`score_${s.label.replace(/[^a-z0-9]+/g, "_").replace(/_$/, "")}`] = s.test;
ctx.store.writeTable("creditcard-scores", {
  row: split.test,
  class: testLabels ? Int32Array.from(testLabels) : new Int32Array(split.test.length).fill(-1),
  ...scoreColumns,
});
const metricsFile = ctx.store.writeJson("creditcard-metrics", {
  source: {
    kind: source.kind,
    label: source.label,
    rows: data.rows,
    frauds: source.nFrauds,
    fraudRate: source.fraudRate,
    subset: source.subset,
  },
  split: split.counts,
  training: { rows: training.rows.length, available: training.nAvailable, sampled: training.sampled },
  ks: ks,
  evaluations: evaluations,
});
showMarkdown(`Saved ${scored.length} models, the test scores and \`${path.basename(metricsFile)}\`.`);

// %% [markdown]
// ## Conclusions
//
// The findings below are written from this run's numbers. Read ROC-AUC across data sets,
// PR-AUC only against its baseline (the fraud rate of the data it was measured on).

// %%
const mainEvaluations = evaluations.filter((e) => e.model !== "ae (all rows)");
const findings = cc.creditCardFindings({
  source: source,
  evaluations: mainEvaluations,
  contaminated: evaluations.find((e) => e.model === "ae (all rows)") ?? null,
  training: training,
});
showMarkdown(findings.map((f) => `- ${f}`).join("\n"));
const bestRoc = cc.bestBy(mainEvaluations, "rocAuc");
const bestAp = cc.bestBy(mainEvaluations, "averagePrecision");
section.headline({
  "data used": source.label,
  transactions: data.rows,
  "fraud rate": source.fraudRate === null ? "no labels (unsupervised)" : `${(source.fraudRate * 100).toFixed(3)}%`,
  "best ROC-AUC": bestRoc ? `${cc.formatInterval(bestRoc.rocAuc)} (${bestRoc.model})` : "n/a (no labels)",
  "best PR-AUC (AP)": bestAp ? `${cc.formatInterval(bestAp.averagePrecision)} (${bestAp.model})` : "n/a (no labels)",
  "published AE ROC-AUC (full data)": cc.PUBLISHED_AE_ROC_AUC,
  "training rows": training.rows.length,
});
section.finding(source.description);
for (const f of findings) section.finding(f);
if (labels) {
  section.table(
    "Detection quality per model on the test split (95% bootstrap intervals)",
    cc.metricsTable(evaluations),
  );
  section.table("Confusion tables at the p95, p99 and POT thresholds", cc.confusionTable(evaluations));
  section.table("Precision and recall at k", cc.atKTable(evaluations));
} else {
  section.table(
    "Test rows flagged at each threshold (no labels)",
    cc
      .confusionTable(evaluations)
      .map((r) => ({ model: r.model, threshold: r.threshold, "score >": r["score >"], flagged: r.flagged })),
  );
}
if (curves.length) section.figure("11-roc-pr", "ROC and precision-recall curves of every model on the test split.");
section.figure(
  "11-score-distributions",
  labels
    ? "Reconstruction error of frauds and normal transactions, with the thresholds."
    : "Reconstruction error of the test rows (no labels), with the thresholds.",
);
section.figure(
  "11-umap-latents",
  labels
    ? "UMAP of each model's latent space on test rows, coloured by class."
    : "UMAP of each model's latent space on test rows, coloured by the AE's p99 flag (no labels).",
);
section.save(ctx.store);
finishNotebook(ctx, {
  inputs: [source.kind === "real" ? "creditcard.csv" : "seeded stand-in (no creditcard.csv)"],
  outputs: [...models.map((m) => `models/${m.model.name}`), "creditcard-scores", "creditcard-metrics"],
  metrics: {
    source: source.label,
    rows: data.rows,
    frauds: source.nFrauds,
    bestRocAuc: bestRoc?.rocAuc ?? null,
    bestRocModel: bestRoc?.model ?? null,
    bestAveragePrecision: bestAp?.averagePrecision ?? null,
    bestApModel: bestAp?.model ?? null,
    trainingRows: training.rows.length,
    umapSeconds: embedded.seconds,
  },
});
