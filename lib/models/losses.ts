/**
 * Training losses with hand-written gradients, each recorded as one node on the gradient tape.
 *
 * Why: on the wasm backend a training step of these small networks is dominated by per-op
 * overhead (dispatch, tape bookkeeping, the backward pass's broadcasting helpers), not by
 * arithmetic. The VAE's loss head written with plain tfjs ops put about 20 element-wise ops on
 * the tape forward and as many backward; as custom-gradient ops the forward runs untaped and the
 * backward is one or two ops each. Values and gradients equal those of the plain-op forms
 * (test/models/losses.test.ts compares both).
 *
 *   meanSquaredError(pred, target)   mean over all values of (pred - target)^2
 *   sumSquaredError(pred, target)    sum of (pred - target)^2
 *   reparameterise(mu, rawLogVar, eps)  z = mu + exp(clip(rawLogVar) / 2) * eps
 *   gaussianKlSum(mu, rawLogVar)     sum over rows and dims of KL(N(mu, exp(lv)) || N(0, 1)),
 *                                    lv = clip(rawLogVar): 0.5 * sum(mu^2 + exp(lv) - lv - 1)
 *   gaussianKlOps(mu, logVar, axis?) the same KL as plain ops (no tape of its own), for scoring
 *
 * The target and the noise are data: no gradient flows to them (they are closed over, not
 * inputs of the tape node). The log-variance is clipped to [-clip, clip]; as for tf.clipByValue,
 * its gradient is zero outside that interval.
 *
 * On the wasm backend each forward pass is one kernel written in TypeScript over the wasm heap
 * (`CaeSquaredError`, `CaeReparameterise`, `CaeGaussianKl`; a batch is a few thousand to tens
 * of thousands of floats) that also returns the local derivative the backward pass needs, so
 * the backward pass is one multiplication: with tfjs ops the VAE's two heads took about 23
 * untaped kernel calls per batch and a squared error 4. Elsewhere they run as ops.
 */
import * as tf from "@tensorflow/tfjs-core";
import { hasKernel, heapOffset, registerHeapKernel, shapeSize } from "../runtime/wasm-heap";
import type { CustomGradientFn } from "./nn";

/** Names of the registered heap kernels (prefixed so that they never clash with tfjs'). */
export const REPARAMETERISE_KERNEL = "CaeReparameterise";
export const GAUSSIAN_KL_KERNEL = "CaeGaussianKl";
export const SQUARED_ERROR_KERNEL = "CaeSquaredError";

// The three heap kernels, registered for the wasm backend when this module loads (the registry
// is by name, so the backend need not be initialised yet).
// scale * sum((pred - target)^2) and its gradient 2 * scale * (pred - target).
registerHeapKernel(SQUARED_ERROR_KERNEL, (inputs, attrs, wasm) => {
  const { pred, target } = inputs;
  const scale = attrs.scale as number;
  const value = wasm.makeOutput([], "float32");
  const grad = wasm.makeOutput(pred!.shape.slice(), "float32");
  const heap = wasm.wasm.HEAPF32;
  const [p0, t0, v0, g0] = [pred!, target!, value, grad].map((t) => heapOffset(wasm, t)) as number[];
  const n = shapeSize(pred!.shape);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = heap[p0! + i]! - heap[t0! + i]!;
    sum += d * d;
    heap[g0! + i] = 2 * scale * d;
  }
  heap[v0!] = scale * sum;
  return [value, grad];
});
// z = mu + exp(lv / 2) * eps and dz/draw = exp(lv / 2) * eps / 2 (0 outside the clip).
registerHeapKernel(REPARAMETERISE_KERNEL, (inputs, attrs, wasm) => {
  const { mu, raw, eps } = inputs;
  const clip = attrs.clip as number;
  const z = wasm.makeOutput(mu!.shape.slice(), "float32");
  const dRaw = wasm.makeOutput(mu!.shape.slice(), "float32");
  const heap = wasm.wasm.HEAPF32; // after the allocations: a growing heap replaces the view
  const [m0, r0, e0, z0, d0] = [mu!, raw!, eps!, z, dRaw].map((t) => heapOffset(wasm, t)) as number[];
  const n = shapeSize(mu!.shape);
  for (let i = 0; i < n; i++) {
    const r = heap[r0! + i]!;
    const lv = Math.min(Math.max(r, -clip), clip);
    const noise = Math.exp(0.5 * lv) * heap[e0! + i]!;
    heap[z0! + i] = heap[m0! + i]! + noise;
    heap[d0! + i] = r >= -clip && r <= clip ? 0.5 * noise : 0;
  }
  return [z, dRaw];
});
// KL sum 0.5 * sum(mu^2 + exp(lv) - lv - 1) and dKL/draw = (exp(lv) - 1) / 2 (0 outside the clip).
registerHeapKernel(GAUSSIAN_KL_KERNEL, (inputs, attrs, wasm) => {
  const { mu, raw } = inputs;
  const clip = attrs.clip as number;
  const kl = wasm.makeOutput([], "float32");
  const dRaw = wasm.makeOutput(mu!.shape.slice(), "float32");
  const heap = wasm.wasm.HEAPF32;
  const [m0, r0, k0, d0] = [mu!, raw!, kl, dRaw].map((t) => heapOffset(wasm, t)) as number[];
  const n = shapeSize(mu!.shape);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = heap[r0! + i]!;
    const lv = Math.min(Math.max(r, -clip), clip);
    const m = heap[m0! + i]!;
    const v = Math.exp(lv);
    sum += m * m + v - lv - 1;
    heap[d0! + i] = r >= -clip && r <= clip ? 0.5 * (v - 1) : 0;
  }
  heap[k0!] = 0.5 * sum;
  return [kl, dRaw];
});

/** True when the active backend has the heap kernels (and ops are not forced). */
function headKernels(): boolean {
  return !forceOps && hasKernel(REPARAMETERISE_KERNEL);
}

let forceOps = false;

/** Tests: run the losses as tfjs ops even where the heap kernels exist (returns the old setting). */
export function forceLossOps(on: boolean): boolean {
  const was = forceOps;
  forceOps = on;
  return was;
}

/** `sum((pred - target)^2) * scale`, one tape node; the gradient reaches pred only. */
function scaledSquaredError(pred: tf.Tensor, target: tf.Tensor, scale: number): tf.Scalar {
  const op = tf.customGrad(((...args: unknown[]) => {
    const [p, save] = args as [tf.Tensor, tf.GradSaveFunc];
    if (headKernels()) {
      const [value, grad] = tf.engine().runKernel(SQUARED_ERROR_KERNEL, { pred: p, target }, { scale }) as tf.Tensor[];
      save([grad!]);
      return { value: value!, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0]!, dy) };
    }
    const diff = tf.sub(p, target);
    save([diff]);
    return {
      value: tf.mul(tf.sum(tf.square(diff)), scale),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0]!, tf.mul(dy, 2 * scale)),
    };
  }) as unknown as CustomGradientFn) as (p: tf.Tensor) => tf.Scalar;
  return op(pred);
}

/** Mean over every value of (pred - target)^2; gradient with respect to pred only. */
export function meanSquaredError(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return scaledSquaredError(pred, target, 1 / pred.size);
}

/** Sum over every value of (pred - target)^2; gradient with respect to pred only. */
export function sumSquaredError(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return scaledSquaredError(pred, target, 1);
}

/** 1 where lo <= x <= hi, else 0 (the gradient mask of clipping). */
function insideMask(x: tf.Tensor, clip: number): tf.Tensor {
  return tf.cast(tf.lessEqual(tf.abs(x), clip), "float32");
}

/**
 * The reparameterised draw z = mu + exp(lv / 2) * eps with lv = clip(rawLogVar, -clip, clip):
 * dz/dmu = 1, dz/draw = eps * exp(lv / 2) / 2 inside the clip interval, 0 outside.
 */
export function reparameterise(mu: tf.Tensor2D, rawLogVar: tf.Tensor2D, eps: tf.Tensor2D, clip: number): tf.Tensor2D {
  const op = tf.customGrad(((...args: unknown[]) => {
    const [m, raw, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    let value: tf.Tensor2D;
    if (headKernels()) {
      const [z, dRaw] = tf.engine().runKernel(REPARAMETERISE_KERNEL, { mu: m, raw, eps }, { clip }) as tf.Tensor2D[];
      value = z!;
      save([dRaw!]);
    } else {
      const noise = tf.mul(tf.exp(tf.mul(tf.clipByValue(raw, -clip, clip), 0.5)), eps);
      // d z / d raw, computed once in the forward pass.
      save([tf.mul(tf.mul(noise, insideMask(raw, clip)), 0.5)]);
      value = tf.add(m, noise);
    }
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [dy, tf.mul(dy, saved[0]!)],
    };
  }) as unknown as CustomGradientFn) as (m: tf.Tensor2D, raw: tf.Tensor2D) => tf.Tensor2D;
  return op(mu, rawLogVar);
}

/**
 * KL(N(mu, exp(logVar)) || N(0, I)) as tfjs ops, 0.5 * sum(mu^2 + exp(logVar) - logVar - 1):
 * summed over everything, or over `axis` only (axis 1: one value per row). logVar is already
 * clipped. The one form of the formula: the VAE's validation and ELBO scores and the op path
 * of gaussianKlSum use it.
 */
export function gaussianKlOps(mu: tf.Tensor, logVar: tf.Tensor, axis?: number): tf.Tensor {
  return tf.mul(tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(logVar, 1)), axis), 0.5);
}

/**
 * Sum over rows and dimensions of KL(N(mu, exp(lv)) || N(0, I)) with lv = clip(rawLogVar):
 * 0.5 * sum(mu^2 + exp(lv) - lv - 1); gradients mu and 0.5 * (exp(lv) - 1) inside the clip.
 */
export function gaussianKlSum(mu: tf.Tensor2D, rawLogVar: tf.Tensor2D, clip: number): tf.Scalar {
  const op = tf.customGrad(((...args: unknown[]) => {
    const [m, raw, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    let value: tf.Scalar;
    if (headKernels()) {
      const [kl, dRaw] = tf.engine().runKernel(GAUSSIAN_KL_KERNEL, { mu: m, raw }, { clip }) as tf.Tensor[];
      value = kl as tf.Scalar;
      save([m, dRaw!]);
    } else {
      const lv = tf.clipByValue(raw, -clip, clip);
      value = gaussianKlOps(m, lv) as tf.Scalar;
      save([m, tf.mul(tf.mul(tf.sub(tf.exp(lv), 1), insideMask(raw, clip)), 0.5)]);
    }
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(saved[0]!, dy), tf.mul(saved[1]!, dy)],
    };
  }) as unknown as CustomGradientFn) as (m: tf.Tensor2D, raw: tf.Tensor2D) => tf.Scalar;
  return op(mu, rawLogVar);
}
