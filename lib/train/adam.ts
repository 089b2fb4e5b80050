/**
 * Adam for the custom training loops, over an explicit list of tf.Variables.
 *
 * Why not tf.train.adam: its learning rate is a protected field (schedules need to set it per
 * epoch) and it rebuilds scalar constants on every step. This one keeps the constants as
 * tensors, takes the learning rate as a plain number and uses the "efficient" form of
 * Kingma & Ba (sec. 2): lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t);
 * w -= lr_t * m / (sqrt(v) + epsilon), which is also what Keras does.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Adam hyper-parameters. */
export interface AdamOptions {
  /** Step size (default 1e-3, Kingma & Ba's recommendation). */
  learningRate?: number;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to sqrt(v) against division by zero (default 1e-7, the Keras value). */
  epsilon?: number;
}

/** Adam state and update for a fixed list of variables. */
export class Adam {
  /** Current learning rate; schedules set it between epochs. */
  learningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  /** First and second moment estimates of all weights, flat `[sum of sizes]`. */
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly sizes: number[];
  private readonly constants: { b1: tf.Scalar; b1c: tf.Scalar; b2: tf.Scalar; b2c: tf.Scalar; eps: tf.Scalar };
  private steps = 0;

  /** @param variables the weights this optimiser updates, in the order grads will be given. */
  constructor(
    private readonly variables: tf.Variable[],
    options: AdamOptions = {},
  ) {
    this.learningRate = options.learningRate ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    const eps = options.epsilon ?? 1e-7;
    this.sizes = variables.map((w) => w.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const zeros = tf.zeros([total]);
    this.m = tf.variable(zeros, false);
    this.v = tf.variable(zeros, false);
    zeros.dispose();
    this.constants = {
      b1: tf.scalar(this.beta1),
      b1c: tf.scalar(1 - this.beta1),
      b2: tf.scalar(this.beta2),
      b2c: tf.scalar(1 - this.beta2),
      eps: tf.scalar(eps),
    };
  }

  /** Number of updates applied so far. */
  get iterations(): number {
    return this.steps;
  }

  /**
   * Apply one update; `grads[i]` is the gradient of `variables[i]`. Call inside tf.tidy.
   *
   * All gradients are concatenated into one flat vector and the moments are kept flat, so an
   * update costs about 13 + 2n kernel calls for n variables instead of 12n: on wasm every
   * kernel call carries a fixed JS overhead that dwarfs the arithmetic on these small weights.
   */
  apply(grads: tf.Tensor[]): void {
    this.steps += 1;
    const t = this.steps;
    const lrT = (this.learningRate * Math.sqrt(1 - Math.pow(this.beta2, t))) / (1 - Math.pow(this.beta1, t));
    const { b1, b1c, b2, b2c, eps } = this.constants;
    const g = grads.length === 1 ? tf.reshape(grads[0]!, [-1]) : tf.concat(grads.map((x) => tf.reshape(x, [-1])));
    const m = tf.add(tf.mul(this.m, b1), tf.mul(g, b1c));
    const v = tf.add(tf.mul(this.v, b2), tf.mul(tf.square(g), b2c));
    this.m.assign(m);
    this.v.assign(v);
    const step = tf.mul(tf.div(m, tf.add(tf.sqrt(v), eps)), -lrT);
    const parts = this.variables.length === 1 ? [step] : tf.split(step, this.sizes);
    this.variables.forEach((w, i) => w.assign(tf.add(w, tf.reshape(parts[i]!, w.shape))));
  }

  /** Release the moment estimates and constants. */
  dispose(): void {
    this.m.dispose();
    this.v.dispose();
    for (const c of Object.values(this.constants)) c.dispose();
  }
}
