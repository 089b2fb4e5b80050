// %% [markdown]
// # 00 · Setup check
//
// **Purpose.** Prove the whole chain works before the real analysis: the TypeScript kernel
// imports the project's library, the compute backend loads, randomness is seeded from the
// configuration, a small dense autoencoder trains, and a chart renders (interactive in
// JupyterLab, SVG in the HTML export).
//
// **Inputs.** None (seeded data made here). **Outputs.** `figures/00-setup-loss.*` and a
// manifest.

// %%
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import { makeRng } from "./lib/runtime/rng";
import { matrix } from "./lib/runtime/matrix";
import { createModel } from "./lib/models/index";
import { trainWithProgress } from "./lib/stages/modeling";
import { lossCurveSpecs } from "./lib/viz/training";
import { reconstructionMetrics, meanBaseline } from "./lib/evaluate/reconstruction";
import { showChart, showMarkdown, showTable } from "./lib/viz/display";

const ctx = await setupNotebook("00-setup-check");

// %% [markdown]
// ## Seeded data with a known structure
// 600 rows of 12 features generated from 3 hidden factors plus a little noise: an
// autoencoder with a 3-dimensional bottleneck should reconstruct them almost perfectly,
// and far better than predicting the mean.

// %%
const N_ROWS = 600,
  N_FEATURES = 12,
  RANK = 3,
  NOISE = 0.05;
const rng = makeRng(ctx.config.seed).fork("setup-check");
const loadings = Array.from({ length: RANK * N_FEATURES }, () => rng.normal());
const data = new Float32Array(N_ROWS * N_FEATURES);
for (let i = 0; i < N_ROWS; i++) {
  const factors = Array.from({ length: RANK }, () => rng.normal());
  for (let j = 0; j < N_FEATURES; j++) {
    let v = NOISE * rng.normal();
    for (let k = 0; k < RANK; k++) v += factors[k]! * loadings[k * N_FEATURES + j]!;
    data[i * N_FEATURES + j] = v;
  }
}
const train = matrix(data.slice(0, 480 * N_FEATURES), 480, N_FEATURES);
const validation = matrix(data.slice(480 * N_FEATURES), 120, N_FEATURES);

// %% [markdown]
// ## Train a tiny autoencoder

// %%
const names = Array.from({ length: N_FEATURES }, (_, j) => `x${j}`);
const ae = createModel("ae", {
  name: "setup-check-ae",
  featureNames: names,
  latentDim: RANK,
  hiddenUnits: [8],
  seed: ctx.config.seed,
});
const history = await trainWithProgress(ae, train, validation, {
  maxEpochs: 80,
  batchSize: 32,
  patience: 8,
  learningRate: 0.01,
  seed: ctx.config.seed,
});
await showChart(lossCurveSpecs(history, "Setup check: tiny autoencoder")[0]!, figureSaver(ctx)("00-setup-loss"));

// %%
const fit = reconstructionMetrics(ae, validation);
const base = meanBaseline(train, validation);
showTable(
  [
    { model: "autoencoder (latent 3)", "validation MSE": fit.mse },
    { model: "predict the training mean", "validation MSE": base.mse },
  ],
  { caption: "The chain works when the autoencoder is far below the mean predictor" },
);
if (!(fit.mse < 0.2 * base.mse)) {
  const why = `autoencoder MSE ${fit.mse} is not well below the mean predictor's ${base.mse}`;
  // A run capped by CAE_MAX_EPOCHS cannot train the check's model far enough: say so instead of failing.
  if (ctx.config.epochCap !== null)
    showMarkdown(`Setup check not judged: ${why}, with training capped at ${ctx.config.epochCap} epoch(s).`);
  else throw new Error(`Setup check failed: ${why}.`);
}
ae.dispose();
finishNotebook(ctx, { metrics: { aeMse: fit.mse, meanMse: base.mse, epochs: history.epochs.length } });
