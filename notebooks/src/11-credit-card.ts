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
// Build → Train → Score and threshold → Evaluate → Repeated splits against no-model
// anchors → Plot → Save → Conclusions.

// %%
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import * as cc from "./lib/stages/11-credit-card/index";
import { formatMeanSd } from "./lib/evaluate/repeated-splits";
import { trainWithProgress } from "./lib/stages/modeling";
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
// orders of magnitude, and the log makes the many tiny test charges of fraudsters stand
// out instead of vanishing next to large purchases). Time is dropped: raw Time only counts
// seconds over two days, and the hour of day (as sin and cos on the circle) is bounded, so
// it can never make a transaction extreme; it only adds two inputs that a reconstruction
// must rebuild, and on the real data it changed no detector's ROC-AUC. A StandardScaler is
// fitted on the normal rows of the training split only (frauds in the fit would widen the
// spreads and shrink the frauds' own z-scores) and applied to every row. A robust scaler
// (median, IQR) was not chosen: the V's are already centred principal components, and the
// scores below are standardised again per feature by the models' own errors.
//
// **Training rows.** The models learn normal transactions only (semi-supervised anomaly
// detection: a fraud should then reconstruct badly). The profile caps the training rows
// (`creditCardMaxTrain`); above the cap a seeded sample of normal rows is used.

// %%
const split = cc.stratifiedSplit(labels, data.rows, ctx.rng.fork("split"));
showTable(split.counts, { caption: split.stratified ? "Stratified split" : "Random split (no labels)", digits: 4 });
const features = cc.prepareCreditCardFeatures(data, cc.scalerFitRows(split.train, labels), cc.CREDITCARD_TIME_ENCODING);
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
// Networks sized for 29 inputs: `29 → 14 → 7 → 14 → 29`, one tanh hidden layer per side,
// linear bottleneck and output. The inputs are 28 decorrelated principal components and
// one amount: there is little low-dimensional structure to unfold, so a deeper or wider
// network mostly learns to rebuild everything, frauds included (the earlier
// `31 → 24 → 16 → 8` ReLU networks did no better on the real data), and ~1,100 weights are
// well determined by the 1,000-3,000 normal training rows of a labelled subset. tanh
// saturates smoothly on the heavy-tailed standardised components instead of passing
// extremes on linearly or dying on negative inputs. The VAE adds the KL term (β = 0.25 as in
// notebook 03, short warm-up); the DAE learns to undo Gaussian noise and masking; PCA keeps
// the 7 leading directions of the normal training rows.
//
// **Score: standardised reconstruction error.** A plain reconstruction MSE weighs every
// feature's squared error alike, so the features that a model rebuilds worst on normal
// rows (the noisiest) dominate it, and a large error on a feature that normal rows
// reproduce almost exactly counts no more than ordinary noise elsewhere. Each feature's
// error is therefore divided by its spread over the model's own normal training rows, and
// the score is the mean of the squared standardised errors (`lib/anomaly/residual-scores.ts`):
// how unusual the error is *for a normal row*, feature by feature. It needs no label and is
// fitted on the training rows only.
//
// Other scores were measured in development on the real 1,722-row subset (5 stratified
// splits, mean ROC-AUC): the standardised error was level with or above the plain MSE for
// every network (AE 0.967 against 0.967, DAE 0.968 against 0.966, VAE 0.966 against
// 0.965), whereas whitening the residuals with their full covariance (0.962-0.965) or
// adding the Mahalanobis distance of the latent codes (0.961-0.963) did not help: frauds
// and normal rows overlap in the latent spaces (the latent distance alone ranks them at
// 0.45-0.93). The size of the network matters little here: latent 4, 7 or 10 with 14, 20
// or 28 hidden units gave the AE 0.964-0.967 in the same runs, all within the
// split-to-split noise of the Mahalanobis distance (0.966 on those splits). On these 29
// decorrelated inputs a Gaussian model of the normal rows is already a strong detector, and
// the autoencoders match it rather than beat it.

// %%
const models = cc.CREDITCARD_MODEL_KINDS.map((kind) => ({
  label: kind as string,
  model: cc.buildCreditCardModel(kind, features.featureNames, ctx.config.seed),
}));
showTable(
  models.map((m) => {
    const o = m.model.options;
    return {
      model: m.label,
      inputs: o.featureNames.length,
      hidden: o.hiddenUnits && o.activation ? `${o.hiddenUnits.join(", ")} (${o.activation})` : "linear",
      latent: o.latentDim,
      score: "standardised reconstruction error",
    };
  }),
  { caption: "Models" },
);

// %% [markdown]
// ## Train
//
// Adam (learning rate 3e-3) on mini-batches of 64, early stopping on the validation normals
// with patience 20. A labelled subset has only 700-3,000 normal training rows: batches of
// 256 would give a handful of updates per epoch. The epoch cap follows a budget of 6,000
// updates (at most 200 epochs): small data gets more passes, the full file fewer, so a run
// costs about the same whatever the size (the progress line updates every few seconds; the
// runner's terminal shows every epoch).
// When labels exist a second AE is trained on **all** training rows, frauds included, with
// the same cap: the difference shows what fraud contamination of the training data costs.

// %%
const protocol = cc.repeatedSplitSettings(ctx.config.profile, ctx.config.settings, source.kind);
const fitOptions = (nTrain: number) => ({
  ...cc.creditCardFitOptions(nTrain, protocol.epochCap),
  seed: ctx.config.seed,
});
const histories: Record<string, TrainHistory> = {};
for (const m of models) histories[m.label] = await trainWithProgress(m.model, Xtrain, Xval, fitOptions(Xtrain.rows));
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
    fitOptions(allRows.rows.length),
  );

// %% [markdown]
// How each model's validation loss fell during training.

// %%
await showChart(
  charts.lineChart(cc.relativeLossRows(histories), {
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
// Every test transaction gets each model's standardised reconstruction error (per-feature
// spreads from the rows that model was trained on). Thresholds come from the
// scores of the validation split's normal rows (held out from training, free of frauds):
// the 95th and 99th percentiles, and a POT (peaks-over-threshold) tail fit aimed at 0.1%
// false alarms, the order of the real fraud rate. A row is flagged above a threshold.

// %%
const calibrationRows = labels ? split.validation.filter((i) => labels[i] === 0) : split.validation;
const scored = [...models, ...(aeAll ? [aeAll] : [])].map((m) =>
  cc.scoreModel(
    m.label,
    m.model,
    features.X,
    calibrationRows,
    split.test,
    cc.CREDITCARD_THRESHOLD_RULES,
    m === aeAll && allRows ? allRows.rows : training.rows,
  ),
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
// ## Repeated splits: the models against no-model anchors
//
// One split's ROC-AUC moves by about ±0.01 with the few hundred test rows that land in
// it, as much as the differences between detectors. So every detector is measured again
// on independent stratified splits (5 on a real file; 3 on the stand-in; 2 on the ci smoke test): for
// each split the scaler, the anchors and the models are fitted on that split's normal
// training rows only, the networks stop early on its normal validation rows, and ROC-AUC
// and PR-AUC are taken on its test rows. The table gives mean ± sd over the splits.
//
// Two **no-model anchors** sit in the same table, fitted on the same normal training rows:
// the **Mahalanobis distance** (mean and covariance of the normal rows, each variance
// raised by 0.1% so the covariance stays invertible) and **mean z²** (the same without the
// correlations). They take a second to fit; an autoencoder earns its place only if it
// ranks frauds at least as well. The findings compare each model with the best anchor
// split by split (same test rows), so that a difference smaller than the split-to-split
// noise is called a tie. Where the models above were trained the protocol's way (same
// training cap), the split above is split 1 and its models are scored, not trained again.

// %%
let repeatedResult: cc.RepeatedSplitResult | null = null;
if (labels) {
  const repeatedProgress = new Progress("repeated splits");
  repeatedResult = await cc.runRepeatedSplits(data, {
    nSplits: protocol.nSplits,
    kinds: cc.CREDITCARD_MODEL_KINDS,
    maxTrain: protocol.maxTrain,
    epochCap: protocol.epochCap,
    rng: ctx.rng.fork("repeated-splits"),
    seed: ctx.config.seed,
    onProgress: (s, kind) => repeatedProgress.update(`split ${s + 1}/${protocol.nSplits}: ${kind}`),
    firstSplit:
      protocol.maxTrain === maxTrain
        ? {
            split: split,
            X: features.X,
            trainingRows: training.rows,
            models: new Map(
              models.map((m, i) => [
                cc.CREDITCARD_MODEL_KINDS[i]!,
                { model: m.model, seconds: histories[m.label]!.seconds },
              ]),
            ),
          }
        : undefined,
  });
  repeatedProgress.done(
    `${protocol.nSplits} splits, ${repeatedResult.trainingRows.toLocaleString("en-US")} normal training rows each`,
  );
  showTable(repeatedResult.table, {
    caption: `ROC-AUC and PR-AUC over ${protocol.nSplits} stratified splits (mean ± sd), models and no-model anchors`,
  });
  showMarkdown(repeatedResult.findings.map((f) => `- ${f}`).join("\n"));
} else showMarkdown("No labels: the repeated-split comparison needs the Class column.");

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
  repeatedSplits: repeatedResult
    ? { splits: protocol.nSplits, summaries: repeatedResult.summaries, measurements: repeatedResult.measurements }
    : null,
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
/** Headline entries of the repeated splits: the best model and the best anchor by mean ROC-AUC. */
function repeatedHeadline(r: cc.RepeatedSplitResult | null, n: number): Record<string, string> {
  if (!r) return {};
  const best = (kind: "model" | "anchor") =>
    r.summaries.filter((x) => x.kind === kind).sort((a, b) => b.rocAuc.mean - a.rocAuc.mean)[0];
  const out: Record<string, string> = {};
  for (const [key, kind] of [
    ["best model", "model"],
    ["best no-model anchor", "anchor"],
  ] as const) {
    const b = best(kind);
    if (b) out[`${key}, mean ROC-AUC over ${n} splits`] = `${formatMeanSd(b.rocAuc)} (${b.detector})`;
  }
  return out;
}

// %%
const bestRoc = cc.bestBy(mainEvaluations, "rocAuc");
const bestAp = cc.bestBy(mainEvaluations, "averagePrecision");
section.headline({
  "data used": source.label,
  transactions: data.rows,
  "fraud rate": source.fraudRate === null ? "no labels (unsupervised)" : `${(source.fraudRate * 100).toFixed(3)}%`,
  "best ROC-AUC": bestRoc
    ? `${cc.formatInterval(bestRoc.rocAuc)} (${cc.bestLabel(mainEvaluations, "rocAuc")})`
    : "n/a (no labels)",
  "best PR-AUC (AP)": bestAp
    ? `${cc.formatInterval(bestAp.averagePrecision)} (${cc.bestLabel(mainEvaluations, "averagePrecision")})`
    : "n/a (no labels)",
  "published AE ROC-AUC (full data)": cc.PUBLISHED_AE_ROC_AUC,
  "training rows": training.rows.length,
  ...repeatedHeadline(repeatedResult, protocol.nSplits),
});
section.finding(source.description);
for (const f of findings) section.finding(f);

// %%
if (labels) {
  section.table(
    "Detection quality per model on the test split (95% bootstrap intervals)",
    cc.metricsTable(evaluations),
  );
  section.table("Confusion tables at the p95, p99 and POT thresholds", cc.confusionTable(evaluations));
  section.table("Precision and recall at k", cc.atKTable(evaluations));
  if (repeatedResult) {
    section.table(
      `ROC-AUC and PR-AUC over ${protocol.nSplits} stratified splits (mean ± sd), models and no-model anchors`,
      repeatedResult.table,
    );
    for (const f of repeatedResult.findings) section.finding(f);
  }
} else {
  section.table(
    "Test rows flagged at each threshold (no labels)",
    cc
      .confusionTable(evaluations)
      .map((r) => ({ model: r.model, threshold: r.threshold, "score >": r["score >"], flagged: r.flagged })),
  );
}
for (const [name, caption] of cc.reportFigures(Boolean(labels), curves.length > 0)) section.figure(name, caption);

// %%
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
    repeatedSplits: repeatedResult
      ? repeatedResult.summaries.map((r) => ({
          detector: r.detector,
          kind: r.kind,
          splits: r.splits,
          rocAucMean: r.rocAuc.mean,
          rocAucSd: r.rocAuc.sd,
          averagePrecisionMean: r.averagePrecision.mean,
          averagePrecisionSd: r.averagePrecision.sd,
        }))
      : null,
  },
});
