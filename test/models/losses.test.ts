/**
 * The custom-gradient losses equal their plain-op forms in value and in gradient, including
 * log-variances beyond the clip (zero gradient there), and send no gradient to the target.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
// Registers the gradients of the plain ops compared against.
import "@tensorflow/tfjs-layers";
import { initBackend } from "../../lib/runtime/backend";
import { Rng } from "../../lib/runtime/rng";
import {
  REPARAMETERISE_KERNEL,
  forceLossOps,
  gaussianKlSum,
  meanSquaredError,
  reparameterise,
  sumSquaredError,
} from "../../lib/models/losses";
import { maxAbsDiff } from "./helpers";

before(async () => {
  await initBackend();
});

function randomTensor2d(rows: number, cols: number, seed: number, sd = 1): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(
    Float32Array.from({ length: rows * cols }, () => sd * rng.normal()),
    [rows, cols],
  );
}

/** Assert two tensors equal within tol relative to the larger magnitude. */
function assertClose(a: tf.Tensor, b: tf.Tensor, tol: number, what: string): void {
  const bv = b.dataSync();
  const scale = Math.max(1, ...Array.from(bv, Math.abs));
  const d = maxAbsDiff(a.dataSync(), bv);
  assert.ok(d <= tol * scale, `${what}: max |diff| ${d} > ${tol * scale}`);
}

const CLIP = 2;

describe("custom-gradient losses", () => {
  for (const ops of [false, true])
    test(`squared errors equal tf.mean / tf.sum of squaredDifference, gradient to pred only (${ops ? "op" : "heap-kernel"} form)`, () => {
      const was = forceLossOps(ops);
      const pred = randomTensor2d(37, 5, 1);
      const target = randomTensor2d(37, 5, 2);
      for (const [ours, plain, name] of [
        [meanSquaredError, (p: tf.Tensor) => tf.mean(tf.squaredDifference(p, target)), "mean"],
        [sumSquaredError, (p: tf.Tensor) => tf.sum(tf.squaredDifference(p, target)), "sum"],
      ] as const) {
        assertClose(ours(pred, target), plain(pred) as tf.Scalar, 1e-6, `${name} value`);
        const gOurs = tf.grad((p: tf.Tensor) => ours(p, target))(pred);
        const gPlain = tf.grad((p: tf.Tensor) => plain(p) as tf.Scalar)(pred);
        assertClose(gOurs, gPlain, 1e-6, `${name} gradient`);
        // The target is closed over: no path on the tape leads from it to the loss.
        assert.throws(() => tf.grad((t: tf.Tensor) => ours(pred, t))(target), /Cannot compute gradient/);
      }
      forceLossOps(was);
    });

  for (const ops of [false, true])
    test(`reparameterise and the KL sum equal the plain ops, clip included (${ops ? "op" : "heap-kernel"} form)`, () => {
      const was = forceLossOps(ops);
      if (!ops && tf.getBackend() === "wasm") {
        reparameterise(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), CLIP);
        assert.ok(tf.getKernel(REPARAMETERISE_KERNEL, "wasm") !== undefined, "the heap kernel is registered on wasm");
      }
      const mu = randomTensor2d(29, 4, 3);
      // Some log-variances lie beyond +-CLIP, where the clipped forms have zero gradient.
      const raw = randomTensor2d(29, 4, 4, 2.5);
      const eps = randomTensor2d(29, 4, 5);
      const outside = Array.from(raw.dataSync()).filter((v) => Math.abs(v) > CLIP).length;
      assert.ok(outside > 10, "the test draws log-variances beyond the clip");
      // A weighted sum of z makes every element's gradient distinct.
      const w = randomTensor2d(29, 4, 6);
      const plainZ = (m: tf.Tensor2D, r: tf.Tensor2D): tf.Tensor2D =>
        tf.add(m, tf.mul(tf.exp(tf.mul(tf.clipByValue(r, -CLIP, CLIP), 0.5)), eps));
      const plainKl = (m: tf.Tensor2D, r: tf.Tensor2D): tf.Scalar => {
        const lv = tf.clipByValue(r, -CLIP, CLIP);
        return tf.mul(tf.sum(tf.sub(tf.add(tf.square(m), tf.exp(lv)), tf.add(lv, 1))), 0.5) as tf.Scalar;
      };
      const objective = (z: (m: tf.Tensor2D, r: tf.Tensor2D) => tf.Tensor2D, kl: typeof plainKl) => {
        return (m: tf.Tensor, r: tf.Tensor): tf.Scalar =>
          tf.add(
            tf.sum(tf.mul(z(m as tf.Tensor2D, r as tf.Tensor2D), w)),
            tf.mul(kl(m as tf.Tensor2D, r as tf.Tensor2D), 0.7),
          );
      };
      const ours = objective(
        (m, r) => reparameterise(m, r, eps, CLIP),
        (m, r) => gaussianKlSum(m, r, CLIP),
      );
      const plain = objective(plainZ, plainKl);
      assertClose(reparameterise(mu, raw, eps, CLIP), plainZ(mu, raw), 1e-6, "z");
      assertClose(gaussianKlSum(mu, raw, CLIP), plainKl(mu, raw), 1e-6, "kl");
      const [gmOurs, grOurs] = tf.grads(ours)([mu, raw]);
      const [gmPlain, grPlain] = tf.grads(plain)([mu, raw]);
      assertClose(gmOurs!, gmPlain!, 1e-5, "d/dmu");
      assertClose(grOurs!, grPlain!, 1e-5, "d/draw");
      const beyond = Array.from(grOurs!.dataSync()).filter((g, i) => Math.abs(raw.dataSync()[i]!) > CLIP && g !== 0);
      assert.deepEqual(beyond, [], "zero gradient beyond the clip");
      forceLossOps(was);
    });
});
