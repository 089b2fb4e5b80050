/**
 * Building blocks: the two trainable convolutions equal tf.conv1d ("same" padding, strides)
 * in value and agree with each other in gradient, with a linear and a fused relu activation; upsampling and the dense layer's
 * hand-written gradients equal tfjs' own.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/runtime/backend";
import { Rng } from "../../lib/runtime/rng";
import { Conv1DAutoencoder } from "../../lib/models";
import {
  RELU_BACKWARD_KERNEL,
  conv1dFast,
  conv1dSame,
  dense,
  linear,
  linearDataInput,
  repeatSteps,
  samePadding,
} from "../../lib/models/nn";
import { convTapsT } from "../../lib/models/conv-taps";
import { maxAbsDiff, patternWindows } from "./helpers";

before(async () => {
  await initBackend();
});

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => rng.normal()),
    shape,
  );
}

/** Largest |a - b| relative to the largest |b|. */
function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  const bv = b.dataSync();
  const scale = Math.max(1e-12, ...Array.from(bv, Math.abs));
  return maxAbsDiff(a.dataSync(), bv) / scale;
}

describe("convolutions", () => {
  // [length, cin, cout, kernel, stride]: odd/even kernels, strides 1-4, lengths that do and do not divide.
  const configs: Array<[number, number, number, number, number]> = [
    [30, 5, 16, 3, 2],
    [15, 16, 8, 3, 2],
    [16, 4, 4, 3, 1],
    [31, 4, 6, 4, 3],
    [16, 3, 5, 5, 1],
    [10, 3, 4, 2, 2],
    [7, 2, 3, 7, 1],
    [12, 2, 3, 4, 4],
    [9, 1, 1, 1, 1],
  ];
  for (const [length, cin, cout, k, stride] of configs) {
    for (const act of ["linear", "relu"] as const)
      test(`L=${length} Cin=${cin} Cout=${cout} K=${k} stride=${stride} ${act}: values equal tf.conv1d, gradients agree`, () => {
        tf.tidy(() => {
          const x = randomTensor([4, length, cin], 1) as tf.Tensor3D;
          const w = randomTensor([k, cin, cout], 2) as tf.Tensor3D;
          const b = randomTensor([cout], 3) as tf.Tensor1D;
          let reference = tf.add(tf.conv1d(x, w, stride, "same"), b);
          if (act === "relu") reference = tf.relu(reference);
          const im2col = conv1dSame(x, w, b, stride, act);
          const fast = conv1dFast(x, w, b, stride, act);
          assert.deepEqual(im2col.shape, [4, samePadding(length, k, stride).outLength, cout]);
          assert.ok(relDiff(im2col, reference) < 1e-6, `im2col vs tf.conv1d ${relDiff(im2col, reference)}`);
          assert.ok(relDiff(fast, reference) < 1e-6, `fast vs tf.conv1d ${relDiff(fast, reference)}`);
          // Gradients of a weighted sum, wrt x, W and b.
          const r = randomTensor(reference.shape, 4);
          const loss = (f: typeof conv1dSame) => (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
            tf.sum(tf.mul(f(xi as tf.Tensor3D, wi as tf.Tensor3D, bi as tf.Tensor1D, stride, act), r));
          const ga = tf.grads(loss(conv1dSame))([x, w, b]);
          const gb = tf.grads(loss(conv1dFast))([x, w, b]);
          ["dx", "dW", "db"].forEach((name, i) =>
            assert.ok(relDiff(gb[i]!, ga[i]!) < 1e-5, `${name}: ${relDiff(gb[i]!, ga[i]!)}`),
          );
        });
      });
  }

  test("a data-input convolution has the same value and weight gradients, and no input gradient", () => {
    tf.tidy(() => {
      const x = randomTensor([3, 15, 4], 11) as tf.Tensor3D;
      const w = randomTensor([3, 4, 6], 12) as tf.Tensor3D;
      const b = randomTensor([6], 13) as tf.Tensor1D;
      const r = randomTensor([3, 8, 6], 14);
      const loss = (dataInput: boolean) => (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(conv1dFast(xi as tf.Tensor3D, wi as tf.Tensor3D, bi as tf.Tensor1D, 2, "relu", dataInput), r));
      const full = tf.grads(loss(false))([x, w, b]);
      const data = tf.grads(loss(true))([x, w, b]);
      assert.equal(relDiff(data[1]!, full[1]!), 0, "dW");
      assert.equal(relDiff(data[2]!, full[2]!), 0, "db");
      assert.ok(tf.max(tf.abs(full[0]!)).dataSync()[0]! > 0);
      assert.equal(tf.max(tf.abs(data[0]!)).dataSync()[0], 0, "no gradient with respect to the data");
      const xd = randomTensor([5, 4], 15) as tf.Tensor2D;
      const wd = randomTensor([4, 3], 16) as tf.Tensor2D;
      const bd = randomTensor([3], 17) as tf.Tensor1D;
      const rd = randomTensor([5, 3], 18);
      const dl = (f: typeof linear) => (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(f(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D), rd));
      const g1 = tf.grads(dl(linear))([xd, wd, bd]);
      const g2 = tf.grads(dl(linearDataInput))([xd, wd, bd]);
      assert.equal(relDiff(g2[1]!, g1[1]!), 0);
      assert.equal(relDiff(g2[2]!, g1[2]!), 0);
      assert.equal(tf.max(tf.abs(g2[0]!)).dataSync()[0], 0);
    });
  });

  test("convTapsT: row (k, c) is channel c shifted by k - padLeft within each window, zeros past the edges", () => {
    tf.tidy(() => {
      // xT [Cin=2, B=2, L=3]: channel 0 windows [1 2 3] [4 5 6], channel 1 windows [7 8 9] [10 11 12].
      const xT = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 3]);
      const taps = convTapsT(xT, 3, 1);
      if (tf.getBackend() !== "wasm") {
        assert.equal(taps, null, "only the wasm backend has the kernel");
        return;
      }
      assert.deepEqual(taps!.shape, [6, 6]);
      const rows = (taps!.arraySync() as number[][]).map((r) => r.join(" "));
      assert.deepEqual(rows, [
        "0 1 2 0 4 5", // k = 0: step t - 1
        "0 7 8 0 10 11",
        "1 2 3 4 5 6", // k = 1: step t
        "7 8 9 10 11 12",
        "2 3 0 5 6 0", // k = 2: step t + 1
        "8 9 0 11 12 0",
      ]);
    });
  });

  test("samePadding follows TensorFlow: total = max((out - 1) * s + K - L, 0), left gets the floor half", () => {
    assert.deepEqual(samePadding(30, 3, 2), { outLength: 15, left: 0, right: 1 });
    assert.deepEqual(samePadding(16, 3, 1), { outLength: 16, left: 1, right: 1 });
    assert.deepEqual(samePadding(10, 4, 1), { outLength: 10, left: 1, right: 2 });
    assert.deepEqual(samePadding(12, 1, 4), { outLength: 3, left: 0, right: 0 });
  });

  test("a Conv1D AE trains to the same losses with either convolution", async () => {
    const w = patternWindows(64, 12, 2, 0.1, 61);
    const losses = async (convolution: "fast" | "im2col"): Promise<number[]> => {
      const m = new Conv1DAutoencoder({
        featureNames: ["a", "b"],
        windowLength: 12,
        latentDim: 3,
        filters: [4, 6],
        convolution,
      });
      const h = await m.fit(w, w, { maxEpochs: 3, batchSize: 16, patience: 5 });
      m.dispose();
      return h.epochs.map((e) => e.valLoss);
    };
    const fast = await losses("fast");
    const im2col = await losses("im2col");
    fast.forEach((v, i) => assert.ok(Math.abs(v - im2col[i]!) < 1e-4 * v, `epoch ${i + 1}: ${v} vs ${im2col[i]}`));
  });
});

describe("upsampling and dense", () => {
  test("dense with fused relu: value and gradients equal relu(matMul + add)", () => {
    tf.tidy(() => {
      const x = randomTensor([9, 4], 21) as tf.Tensor2D;
      const w = randomTensor([4, 6], 22) as tf.Tensor2D;
      const b = randomTensor([6], 23) as tf.Tensor1D;
      const r = randomTensor([9, 6], 24);
      const ref = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(tf.relu(tf.add(tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D), bi)), r));
      const ours = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(dense(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, "relu"), r));
      const value = dense(x, w, b, "relu");
      assert.ok(relDiff(value, tf.relu(tf.add(tf.matMul(x, w), b))) < 1e-6);
      assert.ok(
        value.dataSync().some((v) => v === 0),
        "some units are cut by the relu",
      );
      const ga = tf.grads(ref)([x, w, b]);
      const gb = tf.grads(ours)([x, w, b]);
      ga.forEach((g, i) => assert.ok(relDiff(gb[i]!, g) < 1e-6, `gradient ${i}`));
      // On wasm the relu's backward step (mask and bias sums) is the heap kernel just compared.
      if (tf.getBackend() === "wasm") assert.ok(tf.getKernel(RELU_BACKWARD_KERNEL, "wasm") !== undefined);
    });
  });

  test("repeatSteps repeats each step and sums gradients over the repeats", () => {
    tf.tidy(() => {
      const x = tf.tensor3d([1, 2, 3, 4], [1, 2, 2]);
      assert.deepEqual(Array.from(repeatSteps(x, 3).dataSync()), [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
      const r = randomTensor([1, 6, 2], 5);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(repeatSteps(t as tf.Tensor3D, 3), r)))(x);
      const rv = r.dataSync();
      const expected = [
        rv[0]! + rv[2]! + rv[4]!,
        rv[1]! + rv[3]! + rv[5]!,
        rv[6]! + rv[8]! + rv[10]!,
        rv[7]! + rv[9]! + rv[11]!,
      ];
      assert.ok(maxAbsDiff(g.dataSync(), expected) < 1e-6);
    });
  });

  test("linear: value and gradients equal matMul + add", () => {
    tf.tidy(() => {
      const x = randomTensor([7, 5], 6) as tf.Tensor2D;
      const w = randomTensor([5, 3], 7) as tf.Tensor2D;
      const b = randomTensor([3], 8) as tf.Tensor1D;
      const r = randomTensor([7, 3], 9);
      const ref = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(tf.add(tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D), bi), r));
      const ours = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(linear(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D), r));
      assert.ok(relDiff(linear(x, w, b), tf.add(tf.matMul(x, w), b)) < 1e-6);
      const ga = tf.grads(ref)([x, w, b]);
      const gb = tf.grads(ours)([x, w, b]);
      ga.forEach((g, i) => assert.ok(relDiff(gb[i]!, g) < 1e-6, `gradient ${i}`));
    });
  });
});
