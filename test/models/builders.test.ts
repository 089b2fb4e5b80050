/**
 * Builders: output shapes of every model, option validation, input validation.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/runtime/backend";
import {
  Conv1DAutoencoder,
  DenoisingAutoencoder,
  DenseAutoencoder,
  PCAModel,
  VariationalAutoencoder,
  createModel,
  defaultFeatureNames,
  encoderLengths,
} from "../../lib/models";
import { lowRankRows, patternWindows } from "./helpers";

const D = 6;
const NAMES = defaultFeatureNames(D);
const FIT = { maxEpochs: 1, batchSize: 16, patience: 1 };

before(async () => {
  await initBackend();
});

describe("output shapes", () => {
  const x = lowRankRows(40, D, 2, 0.1, 1);
  for (const kind of ["ae", "vae", "dae", "pca"] as const) {
    test(`${kind}: encode [n, k], reconstruct [n, d], score perRow [n] and perFeature [n, d]`, async () => {
      const model = createModel(kind, { featureNames: NAMES, latentDim: 3, hiddenUnits: [5] } as never);
      await model.fit(x, x, FIT);
      const z = model.encode(x);
      assert.deepEqual([z.rows, z.cols, z.data.length], [40, 3, 120]);
      const r = model.reconstruct(x);
      assert.deepEqual([r.rows, r.cols, r.data.length], [40, D, 40 * D]);
      const s = model.score(x);
      assert.equal(s.perRow.length, 40);
      assert.deepEqual([s.perFeature.rows, s.perFeature.cols], [40, D]);
      assert.equal(model.kind, kind);
      assert.equal(model.latentDim, 3);
      assert.deepEqual(model.featureNames, NAMES);
      model.dispose();
    });
  }

  test("hidden widths are mirrored: 6-8-4-3-4-8-6 has the weight count of those layers", () => {
    const ae = new DenseAutoencoder({ featureNames: NAMES, latentDim: 3, hiddenUnits: [8, 4] });
    const expected = 6 * 8 + 8 + 8 * 4 + 4 + 4 * 3 + 3 + 3 * 4 + 4 + 4 * 8 + 8 + 8 * 6 + 6;
    assert.equal(ae.parameterCount(), expected);
    assert.deepEqual(
      [...ae.getWeights().keys()],
      [
        "encoder_0/kernel",
        "encoder_0/bias",
        "encoder_1/kernel",
        "encoder_1/bias",
        "latent/kernel",
        "latent/bias",
        "decoder_0/kernel",
        "decoder_0/bias",
        "decoder_1/kernel",
        "decoder_1/bias",
        "reconstruction/kernel",
        "reconstruction/bias",
      ],
    );
    assert.deepEqual(ae.getWeights().get("decoder_0/kernel")!.shape, [3, 4]);
    ae.dispose();
  });

  test("VAE: encodeDistribution gives mean and log-variance [n, k]; encode is the mean", async () => {
    const x = lowRankRows(30, D, 2, 0.1, 2);
    const vae = new VariationalAutoencoder({ featureNames: NAMES, latentDim: 2, hiddenUnits: [4] });
    await vae.fit(x, x, FIT);
    const { mean, logVar } = vae.encodeDistribution(x);
    assert.deepEqual([mean.rows, mean.cols, logVar.rows, logVar.cols], [30, 2, 30, 2]);
    assert.deepEqual(Array.from(vae.encode(x).data), Array.from(mean.data));
    const elbo = vae.score(x, "elbo");
    const mseScore = vae.score(x, "mse");
    // -ELBO = 0.5 * SSE + KL >= 0.5 * d * MSE, with equality only when KL = 0.
    for (let i = 0; i < 30; i++) assert.ok(elbo.perRow[i]! >= 0.5 * D * mseScore.perRow[i]! - 1e-6);
    vae.dispose();
  });

  test("Conv1D: windows [n, L, F] -> latent [n, k], reconstruction [n, L, F], perFeature [n, F]", async () => {
    const w = patternWindows(24, 12, 3, 0.1, 3);
    const conv = new Conv1DAutoencoder({
      featureNames: ["a", "b", "c"],
      windowLength: 12,
      latentDim: 4,
      filters: [4, 8],
    });
    assert.deepEqual(encoderLengths(conv.options), [12, 6, 3]);
    await conv.fit(w, w, { maxEpochs: 1, batchSize: 8, patience: 1 });
    const z = conv.encode(w);
    assert.deepEqual([z.rows, z.cols], [24, 4]);
    const r = conv.reconstruct(w);
    assert.deepEqual([r.n, r.length, r.features, r.data.length], [24, 12, 3, 24 * 36]);
    const s = conv.score(w, "mae");
    assert.equal(s.perRow.length, 24);
    assert.deepEqual([s.perFeature.rows, s.perFeature.cols], [24, 3]);
    // perRow is the mean of perFeature, which averages the window's steps.
    const row0 = (s.perFeature.data[0]! + s.perFeature.data[1]! + s.perFeature.data[2]!) / 3;
    assert.ok(Math.abs(s.perRow[0]! - row0) < 1e-6);
    conv.dispose();
  });

  test("Conv1D with odd length and stride 3 crops back to the window length", async () => {
    const w = patternWindows(10, 11, 2, 0.1, 4);
    const conv = new Conv1DAutoencoder({
      featureNames: ["a", "b"],
      windowLength: 11,
      latentDim: 3,
      filters: [3],
      kernelSize: 3,
      strides: 3,
    });
    const r = conv.reconstruct(w);
    assert.deepEqual([r.n, r.length, r.features], [10, 11, 2]);
    conv.dispose();
  });
});

describe("invalid options throw clear errors", () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    [
      "latent larger than input",
      () => new DenseAutoencoder({ featureNames: NAMES, latentDim: 7 }),
      /latentDim \(7\) must be smaller than the input size.*6/,
    ],
    ["latent equal to input", () => new PCAModel({ featureNames: NAMES, latentDim: 6 }), /latentDim <= 5/],
    [
      "latent zero",
      () => new DenseAutoencoder({ featureNames: NAMES, latentDim: 0 }),
      /latentDim must be an integer >= 1, got 0/,
    ],
    [
      "fractional latent",
      () => new VariationalAutoencoder({ featureNames: NAMES, latentDim: 2.5 }),
      /latentDim must be an integer/,
    ],
    [
      "negative hidden width",
      () => new DenseAutoencoder({ featureNames: NAMES, latentDim: 2, hiddenUnits: [4, -1] }),
      /hiddenUnits\[1\] must be a positive integer, got -1/,
    ],
    [
      "bad activation",
      () => new DenseAutoencoder({ featureNames: NAMES, latentDim: 2, activation: "rellu" as never }),
      /activation "rellu" is not a known activation.*relu/,
    ],
    [
      "dropout 1",
      () => new DenseAutoencoder({ featureNames: NAMES, latentDim: 2, dropout: 1 }),
      /dropout must be a number in \[0, 1\)/,
    ],
    ["negative l2", () => new DenseAutoencoder({ featureNames: NAMES, latentDim: 2, l2: -0.1 }), /l2 must be a number/],
    ["no feature names", () => new DenseAutoencoder({ featureNames: [] }), /featureNames must be a non-empty array/],
    [
      "duplicate feature names",
      () => new DenseAutoencoder({ featureNames: ["a", "a", "b"], latentDim: 1 }),
      /"a" twice/,
    ],
    ["unsafe name", () => new DenseAutoencoder({ featureNames: NAMES, latentDim: 2, name: "../x" }), /file-name-safe/],
    [
      "DAE without corruption",
      () => new DenoisingAutoencoder({ featureNames: NAMES, latentDim: 2, noiseStd: 0, maskFraction: 0 }),
      /nothing is corrupted/,
    ],
    [
      "DAE mask 1",
      () => new DenoisingAutoencoder({ featureNames: NAMES, latentDim: 2, maskFraction: 1 }),
      /maskFraction must be a number in \[0, 1\)/,
    ],
    [
      "VAE beta 0",
      () => new VariationalAutoencoder({ featureNames: NAMES, latentDim: 2, beta: 0 }),
      /beta must be > 0/,
    ],
    [
      "VAE negative warm-up",
      () => new VariationalAutoencoder({ featureNames: NAMES, latentDim: 2, warmupEpochs: -1 }),
      /warmupEpochs must be an integer >= 0/,
    ],
    [
      "VAE non-linear latent",
      () => new VariationalAutoencoder({ featureNames: NAMES, latentDim: 2, latentActivation: "relu" }),
      /latentActivation "relu" is not allowed/,
    ],
    [
      "Conv1D kernel longer than window",
      () => new Conv1DAutoencoder({ featureNames: ["a"], windowLength: 4, kernelSize: 5, latentDim: 2 }),
      /kernelSize \(5\) is longer than windowLength \(4\)/,
    ],
    [
      "Conv1D stride over kernel",
      () => new Conv1DAutoencoder({ featureNames: ["a"], windowLength: 8, kernelSize: 2, strides: 3, latentDim: 2 }),
      /would skip time steps/,
    ],
    [
      "Conv1D latent over window size",
      () => new Conv1DAutoencoder({ featureNames: ["a", "b"], windowLength: 4, latentDim: 8 }),
      /windowLength x nFeatures = 8/,
    ],
    [
      "Conv1D no filters",
      () => new Conv1DAutoencoder({ featureNames: ["a"], windowLength: 8, latentDim: 2, filters: [] }),
      /filters must be a non-empty array/,
    ],
    [
      "Conv1D window length 1",
      () => new Conv1DAutoencoder({ featureNames: ["a"], windowLength: 1, latentDim: 1 }),
      /windowLength must be an integer >= 2/,
    ],
    ["unknown kind", () => createModel("gan" as never, { featureNames: NAMES } as never), /Unknown model kind "gan"/],
  ];
  for (const [label, build, message] of cases) {
    test(label, () => {
      const before = tf.memory().numTensors;
      assert.throws(build, message);
      // Validation happens before any weight is allocated.
      assert.equal(tf.memory().numTensors, before);
    });
  }

  test("fit options are validated", async () => {
    const ae = new DenseAutoencoder({ featureNames: NAMES, latentDim: 2, hiddenUnits: [] });
    const x = lowRankRows(20, D, 2, 0.1, 5);
    await assert.rejects(
      ae.fit(x, x, { maxEpochs: 0, batchSize: 8, patience: 1 }),
      /maxEpochs must be an integer >= 1, got 0/,
    );
    await assert.rejects(
      ae.fit(x, x, { maxEpochs: 1, batchSize: -4, patience: 1 }),
      /batchSize must be an integer >= 1, got -4/,
    );
    await assert.rejects(
      ae.fit(x, x, { maxEpochs: 1, batchSize: 8, patience: 1, learningRate: 0 }),
      /learningRate must be a positive number/,
    );
    await assert.rejects(
      ae.fit(x, x, { maxEpochs: 1, batchSize: 8, patience: 1, schedule: { kind: "plateau", factor: 2 } }),
      /plateau factor must be in \(0, 1\)/,
    );
    ae.dispose();
  });
});

describe("bad input", () => {
  test("NaN in a feature matrix is reported with row, column and feature name", async () => {
    const ae = new DenseAutoencoder({ featureNames: ["ret", "vol", "volume"], latentDim: 1, hiddenUnits: [2] });
    const x = lowRankRows(10, 3, 1, 0.1, 6);
    const bad = { ...x, data: Float32Array.from(x.data) };
    bad.data[4 * 3 + 2] = NaN;
    await assert.rejects(ae.fit(bad, x, FIT), /training data has NaN at row 4, column 2 \("volume"\)/);
    assert.throws(() => ae.score(bad), /input has NaN at row 4, column 2/);
    const inf = { ...x, data: Float32Array.from(x.data) };
    inf.data[1] = Infinity;
    await assert.rejects(ae.fit(x, inf, FIT), /validation data has Infinity at row 0, column 1 \("vol"\)/);
    ae.dispose();
  });

  test("wrong column count is refused", () => {
    const ae = new DenseAutoencoder({ featureNames: NAMES, latentDim: 2 });
    assert.throws(
      () => ae.encode(lowRankRows(5, D + 1, 1, 0.1, 7)),
      /has 7 columns but the model was built for 6 features/,
    );
    ae.dispose();
  });

  test("windows: NaN located by window, step and feature; wrong window length refused; empty window set refused", async () => {
    const conv = new Conv1DAutoencoder({ featureNames: ["a", "b"], windowLength: 8, latentDim: 2, filters: [2] });
    const w = patternWindows(6, 8, 2, 0.1, 8);
    const bad = { ...w, data: Float32Array.from(w.data) };
    bad.data[(3 * 8 + 5) * 2 + 1] = NaN;
    assert.throws(() => conv.encode(bad), /NaN in window 3, step 5, feature 1 \("b"\)/);
    assert.throws(
      () => conv.encode(patternWindows(6, 10, 2, 0.1, 8)),
      /windows of length 10 but the model was built with windowLength 8/,
    );
    const empty = { data: new Float32Array(0), n: 0, length: 8, features: 2 };
    await assert.rejects(
      conv.fit(empty, w, FIT),
      /training split has no rows; check the date split and the window length/,
    );
    conv.dispose();
  });

  test("empty validation split is refused", async () => {
    const ae = new DenseAutoencoder({ featureNames: NAMES, latentDim: 2 });
    const x = lowRankRows(10, D, 2, 0.1, 9);
    await assert.rejects(
      ae.fit(x, { data: new Float32Array(0), rows: 0, cols: D }, FIT),
      /validation split has no rows/,
    );
    ae.dispose();
  });

  test("elbo score is VAE-only", () => {
    const ae = new DenseAutoencoder({ featureNames: NAMES, latentDim: 2 });
    assert.throws(() => ae.score(lowRankRows(3, D, 1, 0.1, 1), "elbo"), /needs a VAE/);
    ae.dispose();
  });

  test("a disposed model refuses work", () => {
    const ae = new DenseAutoencoder({ featureNames: NAMES, latentDim: 2 });
    ae.dispose();
    assert.throws(() => ae.encode(lowRankRows(3, D, 1, 0.1, 1)), /was disposed/);
  });

  test("PCA before fit says so", () => {
    const pca = new PCAModel({ featureNames: NAMES, latentDim: 2 });
    assert.throws(() => pca.encode(lowRankRows(3, D, 1, 0.1, 1)), /PCA is not fitted/);
  });
});
