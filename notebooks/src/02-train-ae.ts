// %% [markdown]
// # 02 · The vanilla autoencoder (and the PCA baseline)
//
// **Purpose.** Train a dense autoencoder that compresses each token-day's features into a
// small latent vector and reconstructs them; fit PCA with the same latent size as the
// linear reference every later comparison uses.
//
// **Inputs.** `features.parquet` and `dataset.json` from notebook 01 (scaled with the
// training split's statistics).
//
// **Outputs.** `models/ae/` and `models/pca/` (weights, options, scaler, feature names),
// `latents-ae`, `latents-pca` (df_latents: one row per token-day with its latent vector),
// `errors-ae`, `errors-pca` (per-row and per-feature reconstruction errors), figures.
//
// Steps: Setup → Load → Build → Train → Baseline → Score → Save.

// %%
import { DENSE_MODEL_SETTINGS, architectureRow } from "./lib/models/defaults";
import { setupNotebook, finishNotebook } from "./lib/stages/notebook";
import { loadDataset, splitMatrices } from "./lib/features/dataset";
import {
  profileFitOptions,
  trainWithProgress,
  evaluateAndSaveRowModel,
  datasetKeys,
  saveModelOutputs,
} from "./lib/stages/modeling";
import { lossCurveSpecs } from "./lib/viz/training";
import { createModel } from "./lib/models/index";
import { showChart, showTable, showMarkdown } from "./lib/viz/display";
import { SectionBuilder } from "./lib/report/sections";
import { takeRows } from "./lib/runtime/matrix";

const ctx = await setupNotebook("02-train-ae");
const section = new SectionBuilder("02-train-ae", "Vanilla autoencoder and the PCA baseline");

// %% [markdown]
// ## Load
// The same rows and the same training-set scaling for every model.

// %%
const d = loadDataset(ctx.store);
const splits = splitMatrices(d);
showTable(
  [
    { split: "train", rows: splits.train.rows, features: splits.train.cols },
    { split: "validation", rows: splits.validation.rows, features: splits.validation.cols },
    { split: "test", rows: splits.test.rows, features: splits.test.cols },
  ],
  { caption: "Model inputs (standardised features)" },
);

// %% [markdown]
// ## Build
// A dense encoder `features → 32 → 16 → latent` and a mirrored decoder, ReLU hidden
// layers, a linear bottleneck and a linear output (the inputs are standardised, so a
// reconstruction can take any sign). The loss is the mean squared error.

// %%
const LATENT_DIM = DENSE_MODEL_SETTINGS.latentDim;
const ae = createModel("ae", { featureNames: d.meta.featureNames, ...DENSE_MODEL_SETTINGS, seed: ctx.config.seed });
const learningRate = profileFitOptions(ctx).learningRate;
const aeRow = architectureRow("AE", ae.options, {
  loss: "MSE",
  optimiser: `Adam, lr ${learningRate}, reduce on plateau`,
});
showTable([aeRow], { caption: "Architecture" });

// %% [markdown]
// ## Train
// Mini-batches, Adam, early stopping on the validation loss (the best weights are
// restored), a learning rate halved on plateaus; the progress line updates every epoch.

// %%
const history = await trainWithProgress(ae, splits.train, splits.validation, profileFitOptions(ctx));
for (const spec of lossCurveSpecs(history, "AE training")) await showChart(spec);

// %% [markdown]
// ## Baseline: PCA with the same latent size
// PCA is the best *linear* encoder/decoder of that size; an autoencoder is worth its
// training only where it beats it.

// %%
const pca = createModel("pca", { featureNames: d.meta.featureNames, latentDim: LATENT_DIM });
await pca.fit(splits.train, splits.validation, profileFitOptions(ctx));
const { keys, rows } = datasetKeys(d);
await saveModelOutputs(ctx, pca, d, takeRows(d.X, rows), keys);
showMarkdown(`PCA fitted on ${splits.train.rows.toLocaleString("en-US")} training rows; ${LATENT_DIM} components.`);

// %% [markdown]
// ## Score and save
// Reconstruction error on each split against PCA and against predicting the training mean;
// a reconstruction example for two tokens; then the model, its latents (df_latents) and its
// per-row errors are saved for the latent-space and anomaly notebooks.

// %%
const metrics = await evaluateAndSaveRowModel(ctx, d, ae, history, splits, {
  section: section,
  pca: pca,
  figurePrefix: "02-ae",
});
section.save(ctx.store);
finishNotebook(ctx, {
  outputs: ["models/ae", "models/pca", "latents-ae", "latents-pca", "errors-ae", "errors-pca"],
  metrics: { test: metrics[2], bestEpoch: history.bestEpoch, stopReason: history.stopReason },
});
