// %% [markdown]
// # 05 · The Conv1D autoencoder over price windows
//
// **Purpose.** The row models see one token-day at a time. This model sees a **window** of
// consecutive days of one token, `[windowLength, nFeatures]`, and compresses it with 1-D
// convolutions over time into one latent vector per window. It can recognise patterns that
// unfold over days (a ramp then a collapse) that no single day shows.
//
// **Inputs.** `features.parquet`, `dataset.json` (notebook 01).
//
// **Outputs.** `models/conv1d/`, `models/pca-windows/`, `latents-conv1d` and `errors-conv1d`
// (one row per token-day: the window ending on that day, in any split or in the gaps
// between them; the first days of a token's history end no window), figures.
//
// The convolution is written as pad + shifted slices + one matrix product: it matches
// `tf.conv1d` exactly and, unlike `tf.layers.conv1d`, its gradients exist on the
// WebAssembly backend.

// %%
import { setupNotebook, finishNotebook } from "./lib/stages/notebook";
import { loadDataset, splitWindows } from "./lib/features/dataset";
import {
  profileFitOptions,
  trainWithProgress,
  splitWindowSets,
  windowFeatureNames,
  evaluateAndSaveWindowModel,
} from "./lib/stages/modeling";
import { lossCurveSpecs } from "./lib/viz/training";
import { createModel, encoderLengths } from "./lib/models/index";
import type { Conv1DAutoencoder } from "./lib/models/conv1d";
import { CONV1D_LEARNING_RATE, CONV1D_MODEL_SETTINGS, architectureRow } from "./lib/models/defaults";
import { flattenWindows } from "./lib/runtime/matrix";
import { showChart, showTable, showMarkdown } from "./lib/viz/display";
import { SectionBuilder } from "./lib/report/sections";

const ctx = await setupNotebook("05-train-conv1d-ae");
const section = new SectionBuilder("05-train-conv1d-ae", "Conv1D autoencoder over price windows");
const d = loadDataset(ctx.store);

// %% [markdown]
// ## Windows
// Windows of `L` consecutive days with stride `S`, built separately inside each split (a
// window never crosses a split boundary, a gap or a missing day): these train the model
// and measure it. Once trained, it scores the window ending on every token-day of the
// history, gaps included, for the anomaly notebook.

// %%
const L = ctx.config.settings.windowLength,
  S = ctx.config.settings.windowStride;
const w = splitWindowSets(d, L, S, (which) => splitWindows(d, which, L, S));
showTable(
  [
    { split: "train", windows: w.train.n, shape: `[${w.train.n}, ${L}, ${w.train.features}]` },
    { split: "validation", windows: w.validation.n, shape: `[${w.validation.n}, ${L}, ${w.validation.features}]` },
    { split: "test", windows: w.test.n, shape: `[${w.test.n}, ${L}, ${w.test.features}]` },
  ],
  { caption: `Windows of ${L} days, stride ${S}` },
);

// %% [markdown]
// ## Build
// Encoder: two convolutions (kernel 3, stride 2: the time axis halves each time), flatten,
// dense to a 16-dimensional latent vector. Decoder: dense, reshape, then upsampling by
// repetition and convolutions back to `[L, nFeatures]`.

// %%
const conv = createModel("conv1d", {
  featureNames: d.meta.featureNames,
  windowLength: L,
  ...CONV1D_MODEL_SETTINGS,
  seed: ctx.config.seed,
});
const convOptions = (conv as Conv1DAutoencoder).options;
const LATENT = convOptions.latentDim;
showTable(
  [
    architectureRow("Conv1D AE", convOptions, {
      window: convOptions.windowLength,
      filters: convOptions.filters.join(", "),
      kernel: convOptions.kernelSize,
      stride: convOptions.strides,
      loss: "MSE",
      optimiser: `Adam, lr ${CONV1D_LEARNING_RATE}, reduce on plateau`,
    }),
  ],
  { caption: "Architecture" },
);
showMarkdown(`Encoder time steps: ${[L, ...encoderLengths(convOptions)].join(" → ")}; latent size ${LATENT}.`);

// %% [markdown]
// ## Train
// Adam starts at a learning rate of 3·10⁻³ here (the dense models use 10⁻³): the windows'
// loss surface is flatter, and at 10⁻³ the model was still improving when it reached the
// epoch limit; the plateau schedule halves the rate once progress stalls, so the larger
// start costs nothing at the end.

// %%
const history = await trainWithProgress(
  conv,
  w.train,
  w.validation,
  profileFitOptions(ctx, { learningRate: CONV1D_LEARNING_RATE }),
);
for (const spec of lossCurveSpecs(history, "Conv1D AE training")) await showChart(spec);

// %% [markdown]
// ## Baseline and score
// The linear reference here is PCA on the flattened windows with the same latent size.

// %%
const pcaW = createModel("pca", {
  name: "pca-windows",
  featureNames: windowFeatureNames(d.meta.featureNames, L),
  latentDim: LATENT,
});
await pcaW.fit(flattenWindows(w.train), flattenWindows(w.validation), profileFitOptions(ctx));
await pcaW.save(`${ctx.config.paths.models}/pca-windows`);
const metrics = await evaluateAndSaveWindowModel(ctx, d, conv, history, w, {
  section: section,
  pca: pcaW,
  figurePrefix: "05-conv1d",
});
section.save(ctx.store);
finishNotebook(ctx, {
  outputs: ["models/conv1d", "models/pca-windows", "latents-conv1d", "errors-conv1d"],
  metrics: { test: metrics[2], windowLength: L, stride: S, bestEpoch: history.bestEpoch },
});
