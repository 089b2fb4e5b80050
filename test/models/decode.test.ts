/**
 * decodeLatents: the decoder half of the row models (AE, DAE, VAE, PCA), used for latent
 * traversals. Decoding a row's code must give the row's reconstruction; moving a code must
 * move the output; bad codes are rejected with the bad value.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/runtime/backend";
import { createModel, defaultFeatureNames, loadRowModel, type RowModel } from "../../lib/models";
import type { Matrix } from "../../lib/runtime/matrix";
import { lowRankRows, maxAbsDiff, tempDir } from "./helpers";

const D = 6;
const K = 3;
const NAMES = defaultFeatureNames(D);
const FIT = { maxEpochs: 2, batchSize: 16, patience: 1 };

type Decodable = RowModel & { decodeLatents(z: Matrix): Matrix };

before(async () => {
  await initBackend();
});

describe("decodeLatents", () => {
  const x = lowRankRows(48, D, 2, 0.1, 3);
  for (const kind of ["ae", "dae", "vae", "pca"] as const) {
    test(`${kind}: decodeLatents(encode(x)) equals reconstruct(x), shape [n, nFeatures]`, async () => {
      const model = createModel(kind, {
        featureNames: NAMES,
        latentDim: K,
        hiddenUnits: [5],
        seed: 7,
      } as never) as unknown as Decodable;
      await model.fit(x, x, FIT);
      const z = model.encode(x);
      const decoded = model.decodeLatents(z);
      const recon = model.reconstruct(x);
      assert.deepEqual([decoded.rows, decoded.cols], [48, D]);
      assert.ok(maxAbsDiff(decoded.data, recon.data) < 1e-5, `max difference ${maxAbsDiff(decoded.data, recon.data)}`);
      // Moving one code must move the output (the decoder is not constant).
      const moved = { data: Float32Array.from(z.data), rows: z.rows, cols: z.cols };
      for (let i = 0; i < moved.rows; i++) moved.data[i * K] += 3;
      assert.ok(maxAbsDiff(model.decodeLatents(moved).data, decoded.data) > 1e-3);
      model.dispose();
    });
  }

  test("a loaded model decodes like the saved one", async () => {
    const ae = createModel("ae", {
      featureNames: NAMES,
      latentDim: K,
      hiddenUnits: [5],
      seed: 11,
    }) as unknown as Decodable;
    await ae.fit(x, x, FIT);
    const { dir, cleanup } = tempDir("cae-decode-");
    try {
      await ae.save(dir);
      const loaded = (await loadRowModel(dir, NAMES)) as Decodable;
      const z = ae.encode(x);
      assert.ok(maxAbsDiff(loaded.decodeLatents(z).data, ae.decodeLatents(z).data) < 1e-6);
      loaded.dispose();
    } finally {
      cleanup();
      ae.dispose();
    }
  });

  test("wrong width, wrong buffer and non-finite codes are rejected", async () => {
    for (const kind of ["ae", "pca"] as const) {
      const model = createModel(kind, {
        featureNames: NAMES,
        latentDim: K,
        hiddenUnits: [5],
      } as never) as unknown as Decodable;
      await model.fit(x, x, FIT);
      assert.throws(
        () => model.decodeLatents({ data: new Float32Array(8), rows: 2, cols: 4 }),
        /4 columns but the model's latentDim is 3/,
      );
      assert.throws(
        () => model.decodeLatents({ data: new Float32Array(5), rows: 2, cols: 3 }),
        /5 values but shape \[2, 3\]/,
      );
      assert.throws(
        () => model.decodeLatents({ data: Float32Array.from([0, 0, 0, 0, NaN, 0]), rows: 2, cols: 3 }),
        /\[row 1, dim 1\] is NaN/,
      );
      model.dispose();
    }
  });

  test("no tensors leak", async () => {
    const ae = createModel("ae", { featureNames: NAMES, latentDim: K, hiddenUnits: [5] }) as unknown as Decodable;
    const z = { data: new Float32Array(30 * K).fill(0.5), rows: 30, cols: K };
    ae.decodeLatents(z);
    const before = tf.memory().numTensors;
    for (let r = 0; r < 3; r++) ae.decodeLatents(z);
    assert.equal(tf.memory().numTensors, before);
    ae.dispose();
  });
});
