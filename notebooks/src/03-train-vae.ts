// %% [markdown]
// # 03 · The variational autoencoder
//
// **Purpose.** Train a VAE: the encoder outputs a Gaussian (a mean and a log-variance per
// latent dimension), a sample from it is decoded, and the loss adds the KL divergence from
// a standard normal prior (weighted by β, warmed up over the first epochs) to the
// reconstruction error. The result is a smoother, more regular latent space, and a second
// anomaly score: the negative ELBO.
//
// **Inputs.** `features.parquet`, `dataset.json` (notebook 01); `models/pca` (notebook 02).
//
// **Outputs.** `models/vae/`, `latents-vae` (posterior means), `errors-vae` (MSE, MAE and
// negative ELBO per row; per-feature errors), figures.

// %%
import { DENSE_MODEL_SETTINGS, VAE_BETA, architectureRow } from "./lib/models/defaults";
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import { loadDataset, splitMatrices } from "./lib/features/dataset";
import { profileFitOptions, trainWithProgress, evaluateAndSaveRowModel } from "./lib/stages/modeling";
import { lossCurveSpecs } from "./lib/viz/training";
import { createModel, loadRowModel } from "./lib/models/index";
import { showChart, showTable } from "./lib/viz/display";
import * as charts from "./lib/viz/charts";
import { SectionBuilder } from "./lib/report/sections";
import * as path from "node:path";

const ctx = await setupNotebook("03-train-vae");
const section = new SectionBuilder("03-train-vae", "Variational autoencoder");
const d = loadDataset(ctx.store);
const splits = splitMatrices(d);
const pca = await loadRowModel(path.join(ctx.config.paths.models, "pca"), d.meta.featureNames);

// %% [markdown]
// ## Build
// Same widths as the AE (`features → 32 → 16 → (μ, log σ²) ∈ ℝ⁸ → 16 → 32 → features`).
// The decoder is Gaussian with unit variance, so the reconstruction term is half the sum of
// squared errors. β = 1 would give the true evidence lower bound, but on standardised
// features that are mostly well reconstructed (errors far below 1) a unit-variance decoder
// makes the KL term dominate and the posteriors collapse towards the prior. A β below 1
// (a β-VAE weighting) keeps the latent code informative; β is a hyperparameter here like
// any other. The warm-up lets the decoder learn to use the code before the KL term pulls
// the posteriors towards the prior.

// %%
const BETA = VAE_BETA;
const WARMUP_EPOCHS = Math.max(2, Math.round(ctx.config.settings.maxEpochs / 6));
const vae = createModel("vae", {
  featureNames: d.meta.featureNames,
  ...DENSE_MODEL_SETTINGS,
  beta: BETA,
  warmupEpochs: WARMUP_EPOCHS,
  seed: ctx.config.seed,
});
showTable(
  [
    architectureRow("VAE", vae.options, {
      beta: vae.options.beta,
      "warm-up epochs": vae.options.warmupEpochs,
      loss: "MSE reconstruction + β·KL",
    }),
  ],
  { caption: "Architecture" },
);

// %% [markdown]
// ## Train
// The reconstruction and KL terms are tracked separately; early stopping watches the
// validation negative ELBO at the target β.

// %%
const history = await trainWithProgress(vae, splits.train, splits.validation, profileFitOptions(ctx));
for (const spec of lossCurveSpecs(history, "VAE training")) await showChart(spec);

// %% [markdown]
// ## The latent posterior
// How much information each latent dimension carries: its average KL from the prior
// (near 0 means the dimension is unused) and the spread of its posterior means.

// %%
const { mean, logVar } = vae.encodeDistribution(splits.validation);
const perDim = Array.from({ length: mean.cols }, (_, j) => {
  let kl = 0,
    m1 = 0,
    m2 = 0;
  for (let i = 0; i < mean.rows; i++) {
    const mu = mean.data[i * mean.cols + j]!,
      lv = logVar.data[i * mean.cols + j]!;
    kl += 0.5 * (mu * mu + Math.exp(lv) - 1 - lv);
    m1 += mu;
    m2 += mu * mu;
  }
  const n = mean.rows;
  return {
    dimension: `z${j}`,
    "mean KL (nats)": kl / n,
    "std of posterior mean": Math.sqrt(Math.max(0, m2 / n - (m1 / n) ** 2)),
  };
});
showTable(perDim, { caption: "Latent dimensions on the validation split", digits: 3 });
await showChart(
  charts.barChart(
    perDim.map((r) => ({ dimension: r.dimension, kl: r["mean KL (nats)"] })),
    {
      title: "KL per latent dimension (validation)",
      category: "dimension",
      value: "kl",
      horizontal: false,
      sort: null,
      valueTitle: "mean KL (nats)",
    },
  ),
  figureSaver(ctx)("03-vae-kl-per-dim"),
);
const active = perDim.filter((r) => r["mean KL (nats)"] > 0.01).length;

// %% [markdown]
// ## Score and save
// The reconstruction error (MSE) is compared with PCA as for the AE; the negative ELBO is
// saved too and used as an alternative anomaly score in notebook 07.

// %%
const metrics = await evaluateAndSaveRowModel(ctx, d, vae, history, splits, {
  section: section,
  pca: pca,
  figurePrefix: "03-vae",
  extra: { beta: BETA, warmupEpochs: WARMUP_EPOCHS },
});
section.finding(
  `**${active} of ${perDim.length}** latent dimensions are active (mean KL above 0.01 nats on validation); unused dimensions are the VAE's way of choosing its own effective size.`,
);
section.figure("03-vae-kl-per-dim", "VAE: information (KL from the prior) carried by each latent dimension.");
section.figure("03-vae-loss-terms", "VAE: reconstruction and KL terms per epoch.");
section.save(ctx.store);
finishNotebook(ctx, {
  outputs: ["models/vae", "latents-vae", "errors-vae"],
  metrics: { test: metrics[2], activeDims: active, bestEpoch: history.bestEpoch },
});
