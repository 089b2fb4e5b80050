/**
 * Quality floors on data with a known answer: rank-3 structure in 12 dimensions plus small
 * noise (noise variance 0.0025, so the best rank-3 reconstruction has MSE about
 * 0.0025 x 9/12 = 0.0019), and windows made of two shared temporal patterns.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../lib/runtime/backend";
import { Conv1DAutoencoder, PCAModel, createModel, defaultFeatureNames, symmetricEigen } from "../../lib/models";
import { lowRankRows, meanBaselineMse, mse, patternWindows } from "./helpers";

const D = 12;
const RANK = 3;
const NOISE = 0.05;
const NAMES = defaultFeatureNames(D);

before(async () => {
  await initBackend();
});

describe("low-rank rows", () => {
  const train = lowRankRows(1500, D, RANK, NOISE, 31);
  const valid = lowRankRows(500, D, RANK, NOISE, 32);
  const test_ = lowRankRows(500, D, RANK, NOISE, 33);
  const baseline = meanBaselineMse(test_.data, D);

  test("the mean-prediction baseline is about the feature variance", () => {
    assert.ok(baseline > 0.5 && baseline < 2, `baseline ${baseline}`);
  });

  // Floors: PCA reaches the noise floor; networks get within a few times it in 25 epochs. The
  // VAE is run with beta = 0.1: with beta = 1 its unit-variance decoder treats errors up to
  // ~1 as noise (see the next test).
  const floors = { pca: 0.0025, ae: 0.02, dae: 0.02, vae: 0.01 } as const;
  for (const kind of ["pca", "ae", "dae", "vae"] as const) {
    test(`${kind}: beats the mean baseline and reaches MSE < ${floors[kind]} on held-out rows`, async () => {
      const model = createModel(kind, {
        featureNames: NAMES,
        latentDim: RANK,
        hiddenUnits: [24],
        noiseStd: 0.1,
        beta: 0.1,
      } as never);
      await model.fit(train, valid, { maxEpochs: 25, batchSize: 32, patience: 4, learningRate: 5e-3 });
      const err = mse(test_.data, model.reconstruct(test_).data);
      assert.ok(err < baseline / 10, `${kind} MSE ${err} vs baseline ${baseline}`);
      assert.ok(err < floors[kind], `${kind} MSE ${err} above floor ${floors[kind]}`);
      model.dispose();
    });
  }

  test("vae with the default beta = 1 still beats the mean baseline five-fold", async () => {
    const model = createModel("vae", { featureNames: NAMES, latentDim: RANK, hiddenUnits: [24] });
    await model.fit(train, valid, { maxEpochs: 25, batchSize: 32, patience: 4, learningRate: 5e-3 });
    const err = mse(test_.data, model.reconstruct(test_).data);
    assert.ok(err < baseline / 5, `vae MSE ${err} vs baseline ${baseline}`);
    model.dispose();
  });

  test("PCA recovers the rank exactly on noise-free data and reconstructs it to float32 precision", async () => {
    const clean = lowRankRows(400, D, RANK, 0, 34);
    const pca = new PCAModel({ featureNames: NAMES, latentDim: 5 });
    const h = await pca.fit(clean, clean);
    assert.equal(pca.rank, RANK);
    assert.ok(h.warnings.some((w) => /rank 3 < latentDim 5/.test(w)));
    const ratio = pca.explainedVarianceRatio!;
    assert.ok(Math.abs(ratio[0]! + ratio[1]! + ratio[2]! - 1) < 1e-9);
    const pca3 = new PCAModel({ featureNames: NAMES, latentDim: RANK });
    await pca3.fit(clean, clean);
    assert.ok(mse(clean.data, pca3.reconstruct(clean).data) < 1e-10);
    // With one component too few, the error is the variance of the dropped axis.
    const pca2 = new PCAModel({ featureNames: NAMES, latentDim: RANK - 1 });
    await pca2.fit(clean, clean);
    const dropped = (pca.explainedVariance![2]! * (400 - 1)) / 400 / D;
    assert.ok(Math.abs(mse(clean.data, pca2.reconstruct(clean).data) - dropped) < 1e-4 * dropped);
  });

  test("PCA components are orthonormal and sorted by variance", async () => {
    const pca = new PCAModel({ featureNames: NAMES, latentDim: 4 });
    await pca.fit(train, valid);
    const w = pca.getComponents();
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        let dot = 0;
        for (let i = 0; i < D; i++) dot += w.data[i * 4 + a]! * w.data[i * 4 + b]!;
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-5, `w${a}.w${b} = ${dot}`);
      }
    }
    const ev = pca.explainedVariance!;
    for (let i = 1; i < ev.length; i++) assert.ok(ev[i - 1]! >= ev[i]!);
  });

  test("symmetricEigen: known 3 x 3 matrix", () => {
    // [[2,1,0],[1,2,0],[0,0,5]] has eigenvalues 5, 3, 1.
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    assert.deepEqual(
      Array.from(values).map((v) => Math.round(v * 1e12) / 1e12),
      [5, 3, 1],
    );
    // Eigenvector of 3 is (1, 1, 0)/sqrt(2) up to sign.
    assert.ok(Math.abs(Math.abs(vectors[0 * 3 + 1]!) - Math.SQRT1_2) < 1e-12 && Math.abs(vectors[2 * 3 + 1]!) < 1e-12);
  });
});

describe("windows", () => {
  test("conv1d: beats the mean baseline and reaches MSE < 0.05 on two-pattern windows", async () => {
    const L = 16;
    const F = 3;
    const tr = patternWindows(600, L, F, NOISE, 41);
    const va = patternWindows(200, L, F, NOISE, 42);
    const te = patternWindows(200, L, F, NOISE, 43);
    const baseline = meanBaselineMse(te.data, L * F);
    const conv = new Conv1DAutoencoder({
      featureNames: ["a", "b", "c"],
      windowLength: L,
      latentDim: 6,
      filters: [8, 16],
    });
    await conv.fit(tr, va, { maxEpochs: 25, batchSize: 32, patience: 4, learningRate: 5e-3 });
    const err = mse(te.data, conv.reconstruct(te).data);
    assert.ok(err < baseline / 10, `conv MSE ${err} vs baseline ${baseline}`);
    assert.ok(err < 0.05, `conv MSE ${err}`);
    conv.dispose();
  });
});
