import { test } from "node:test";
import assert from "node:assert/strict";
import * as ev from "../../lib/stages/08-evaluation/index";

const inputs = {
  models: ["ae", "pca"],
  splitRows: [
    { model: "ae", split: "test", mse: 0.5, mae: 0.4 },
    { model: "pca", split: "test", mse: 1, mae: 0.5 },
    { model: "ae", split: "train", mse: 9, mae: 9 },
  ],
  sweep: [
    { model: "ae", reference: "pca", latentDim: 2, explained: 0.7 },
    { model: "pca", reference: "pca", latentDim: 2, explained: 0.6 },
  ],
  noiseRows: [
    { model: "ae", label: "noise 0.1", noisyMse: 2, spearman: 0.9 },
    { model: "pca", label: "noise 0.1", noisyMse: 4, spearman: 0.9 },
  ],
  drift: [
    { model: "ae", ratio: 1.2 },
    { model: "pca", ratio: 1.1 },
  ],
  regimeRows: [
    {
      model: "ae",
      rows: [
        { group: "calm", value: 1 },
        { group: "crash", value: 3 },
      ],
    },
    { model: "pca", rows: [{ group: "calm", value: 1 }] },
  ],
  walkForward: [
    { model: "ae", testMse: 1, meanMse: 2 },
    { model: "ae", testMse: 1, meanMse: 4 },
  ],
};

test("ranking criteria: ratios to the model's PCA reference, gains, drift, regimes and walk-forward", () => {
  const c = Object.fromEntries(ev.rankingCriteria(inputs).map((x) => [x.label, x.values]));
  assert.equal(c["Test MSE ÷ PCA (same input and size)"]!.ae, 0.5);
  assert.equal(c["Test MAE ÷ PCA (same input and size)"]!.pca, 1);
  assert.ok(Math.abs(c["Sweep: variance explained minus PCA's, mean over latent sizes"]!.ae! - 0.1) < 1e-12);
  assert.equal(c["Noise: MSE vs clean input ÷ PCA's, mean over corruptions"]!.ae, 0.5);
  assert.equal(c["Drift: test MSE ÷ train MSE"]!.pca, 1.1);
  assert.equal(c["Regimes: crash MSE ÷ calm MSE"]!.ae, 3);
  // A model without a crash regime or without walk-forward folds is not measured.
  assert.ok(Number.isNaN(c["Regimes: crash MSE ÷ calm MSE"]!.pca));
  assert.equal(c["Walk-forward: test MSE ÷ training-mean MSE"]!.ae, 0.375);
  assert.ok(Number.isNaN(c["Walk-forward: test MSE ÷ training-mean MSE"]!.pca));
});
