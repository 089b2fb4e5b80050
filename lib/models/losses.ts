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
 *
 * The target and the noise are data: no gradient flows to them (they are closed over, not
 * inputs of the tape node). The log-variance is clipped to [-clip, clip]; as for tf.clipByValue,
 * its gradient is zero outside that interval.
 */
import * as tf from "@tensorflow/tfjs-core";

/** The function type tf.customGrad takes (not exported by tfjs-core under a name). */
type CustomGradientFn = Parameters<typeof tf.customGrad>[0];

/** `sum((pred - target)^2) * scale`, one tape node; the gradient reaches pred only. */
function scaledSquaredError(pred: tf.Tensor, target: tf.Tensor, scale: number): tf.Scalar {
  const op = tf.customGrad(((...args: unknown[]) => {
    const [p, save] = args as [tf.Tensor, tf.GradSaveFunc];
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
    const noise = tf.mul(tf.exp(tf.mul(tf.clipByValue(raw, -clip, clip), 0.5)), eps);
    // d z / d raw, computed once in the forward pass.
    save([tf.mul(tf.mul(noise, insideMask(raw, clip)), 0.5)]);
    return {
      value: tf.add(m, noise),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [dy, tf.mul(dy, saved[0]!)],
    };
  }) as unknown as CustomGradientFn) as (m: tf.Tensor2D, raw: tf.Tensor2D) => tf.Tensor2D;
  return op(mu, rawLogVar);
}

/**
 * Sum over rows and dimensions of KL(N(mu, exp(lv)) || N(0, I)) with lv = clip(rawLogVar):
 * 0.5 * sum(mu^2 + exp(lv) - lv - 1); gradients mu and 0.5 * (exp(lv) - 1) inside the clip.
 */
export function gaussianKlSum(mu: tf.Tensor2D, rawLogVar: tf.Tensor2D, clip: number): tf.Scalar {
  const op = tf.customGrad(((...args: unknown[]) => {
    const [m, raw, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const lv = tf.clipByValue(raw, -clip, clip);
    const v = tf.exp(lv);
    const value = tf.mul(tf.sum(tf.sub(tf.add(tf.square(m), v), tf.add(lv, 1))), 0.5) as tf.Scalar;
    save([m, tf.mul(tf.mul(tf.sub(v, 1), insideMask(raw, clip)), 0.5)]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(saved[0]!, dy), tf.mul(saved[1]!, dy)],
    };
  }) as unknown as CustomGradientFn) as (m: tf.Tensor2D, raw: tf.Tensor2D) => tf.Scalar;
  return op(mu, rawLogVar);
}
