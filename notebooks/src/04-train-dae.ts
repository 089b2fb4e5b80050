// %% [markdown]
// # 04 · The denoising autoencoder
//
// **Purpose.** Train an autoencoder to reconstruct the *clean* input from a corrupted one
// (Gaussian noise plus randomly masked features). It cannot simply copy its input, so it
// must learn the structure between features; the claim is that this makes its
// reconstructions, and so its anomaly rankings, more robust to noisy data. Notebook 08
// checks that claim.
//
// **Inputs.** `features.parquet`, `dataset.json` (notebook 01); `models/pca` (notebook 02).
//
// **Outputs.** `models/dae/`, `latents-dae`, `errors-dae`, figures.

// %%
import { DAE_CORRUPTION, DENSE_MODEL_SETTINGS, architectureRow } from "./lib/models/defaults";
import { setupNotebook, finishNotebook } from "./lib/stages/notebook";
import { loadDataset, splitMatrices } from "./lib/features/dataset";
import { profileFitOptions, trainWithProgress, evaluateAndSaveRowModel } from "./lib/stages/modeling";
import { lossCurveSpecs } from "./lib/viz/training";
import { reconstructionMetrics } from "./lib/evaluate/reconstruction";
import { createModel, loadRowModel } from "./lib/models/index";
import { addGaussianNoise, randomMask } from "./lib/evaluate/noise";
import { showChart, showTable } from "./lib/viz/display";
import { SectionBuilder } from "./lib/report/sections";
import * as path from "node:path";

const ctx = await setupNotebook("04-train-dae");
const section = new SectionBuilder("04-train-dae", "Denoising autoencoder");
const d = loadDataset(ctx.store);
const splits = splitMatrices(d);
const pca = await loadRowModel(path.join(ctx.config.paths.models, "pca"), d.meta.featureNames);

// %% [markdown]
// ## Build
// The AE's architecture; during training each batch is corrupted afresh (seeded): Gaussian
// noise with standard deviation 0.2 (in units of each feature's training standard
// deviation) and 10% of the values set to 0 (the feature's training mean).

// %%
const NOISE_STD = DAE_CORRUPTION.noiseStd,
  MASK_FRACTION = DAE_CORRUPTION.maskFraction;
const dae = createModel("dae", {
  featureNames: d.meta.featureNames,
  ...DENSE_MODEL_SETTINGS,
  noiseStd: NOISE_STD,
  maskFraction: MASK_FRACTION,
  seed: ctx.config.seed,
});
showTable(
  [
    architectureRow("DAE", dae.options, {
      "noise std": dae.options.noiseStd,
      "masked share": dae.options.maskFraction,
      target: "the clean input",
    }),
  ],
  { caption: "Architecture and corruption" },
);

// %%
const history = await trainWithProgress(dae, splits.train, splits.validation, profileFitOptions(ctx));
for (const spec of lossCurveSpecs(history, "DAE training")) await showChart(spec);

// %% [markdown]
// ## Does it denoise?
// Reconstruction error against the **clean** test input when the input is corrupted the
// way it was in training, compared with PCA on the same corrupted input.

// %%
const rng = ctx.rng.fork("denoise-check");
const noisy = randomMask(addGaussianNoise(splits.test, NOISE_STD, rng), MASK_FRACTION, rng).masked;
const cleanTarget = (model: typeof dae | typeof pca) => {
  const r = model.reconstruct(noisy);
  let se = 0;
  for (let i = 0; i < r.data.length; i++) se += (r.data[i]! - splits.test.data[i]!) ** 2;
  return se / r.data.length;
};
const denoise = [
  {
    model: "DAE",
    "MSE from clean input": reconstructionMetrics(dae, splits.test).mse,
    "MSE from corrupted input": cleanTarget(dae),
  },
  {
    model: "PCA",
    "MSE from clean input": reconstructionMetrics(pca, splits.test).mse,
    "MSE from corrupted input": cleanTarget(pca),
  },
];
showTable(denoise, { caption: "Test reconstruction error against the clean input", digits: 4 });

// %%
const metrics = await evaluateAndSaveRowModel(ctx, d, dae, history, splits, {
  section: section,
  pca: pca,
  figurePrefix: "04-dae",
  extra: { noiseStd: NOISE_STD, maskFraction: MASK_FRACTION },
});
const dCorr = denoise[0]!["MSE from corrupted input"],
  pCorr = denoise[1]!["MSE from corrupted input"];
section.finding(
  `From corrupted test inputs (noise ${NOISE_STD}, ${MASK_FRACTION * 100}% masked) the DAE's reconstruction is **${dCorr.toFixed(4)}** MSE from the clean input, against **${pCorr.toFixed(4)}** for PCA.`,
);
section.table("Denoising check on the test split", denoise);
section.save(ctx.store);
finishNotebook(ctx, {
  outputs: ["models/dae", "latents-dae", "errors-dae"],
  metrics: { test: metrics[2], denoise: denoise },
});
