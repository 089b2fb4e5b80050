/**
 * Adam for the custom training loops, over an explicit list of tf.Variables.
 *
 * Why not tf.train.adam: its learning rate is a protected field (schedules need to set it per
 * epoch) and it rebuilds scalar constants on every step. This one keeps the constants as
 * tensors, takes the learning rate as a plain number and uses the "efficient" form of
 * Kingma & Ba (sec. 2): lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t);
 * w -= lr_t * m / (sqrt(v) + epsilon), which is also what Keras does.
 *
 * On the wasm backend the whole update is one kernel (`CaeAdamStep`, written in TypeScript over
 * the wasm heap): with tfjs ops the step took about 65 kernel calls per batch (flatten, concat,
 * ten element-wise ops, split, reshape and add per variable), which for these small networks
 * cost about a sixth of a training step in dispatch alone. Elsewhere the op form below runs.
 * Both compute the same update (float64 arithmetic stored as float32 in the kernel; a test
 * compares them).
 */
import * as tf from "@tensorflow/tfjs-core";
import { hasKernel, heapOffset, registerHeapKernel, shapeSize } from "../runtime/wasm-heap";

/** Name of the registered fused-update kernel (prefixed so that it never clashes with tfjs'). */
export const ADAM_STEP_KERNEL = "CaeAdamStep";

/** Attributes of the fused update: decays, epsilon and this step's corrected rate lr_t. */
interface AdamStepAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  rate: number;
  /** Number of variables; inputs are w0..w{n-1}, g0..g{n-1}, m, v. */
  count: number;
}

// The fused update, registered for the wasm backend when this module loads (the registry is by
// name, so the backend need not be initialised yet).
registerHeapKernel(ADAM_STEP_KERNEL, (inputs, attrs, wasm) => {
  const a = attrs as unknown as AdamStepAttrs;
  const ws = Array.from({ length: a.count }, (_, i) => inputs[`w${i}`]!);
  const gs = Array.from({ length: a.count }, (_, i) => inputs[`g${i}`]!);
  const m = inputs.m!;
  const v = inputs.v!;
  const outW = ws.map((w) => wasm.makeOutput(w.shape.slice(), "float32"));
  const outM = wasm.makeOutput(m.shape.slice(), "float32");
  const outV = wasm.makeOutput(v.shape.slice(), "float32");
  const heap = wasm.wasm.HEAPF32; // after every allocation
  const at = (t: tf.TensorInfo): number => heapOffset(wasm, t);
  const { beta1, beta2, epsilon, rate } = a;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const m0 = at(m);
  const v0 = at(v);
  const m1 = at(outM);
  const v1 = at(outV);
  let k = 0;
  for (let i = 0; i < a.count; i++) {
    const size = shapeSize(ws[i]!.shape);
    const w0 = at(ws[i]!);
    const g0 = at(gs[i]!);
    const w1 = at(outW[i]!);
    for (let j = 0; j < size; j++, k++) {
      const g = heap[g0 + j]!;
      const mk = beta1 * heap[m0 + k]! + c1 * g;
      const vk = beta2 * heap[v0 + k]! + c2 * g * g;
      heap[m1 + k] = mk;
      heap[v1 + k] = vk;
      heap[w1 + j] = heap[w0 + j]! - (rate * mk) / (Math.sqrt(vk) + epsilon);
    }
  }
  return [...outW, outM, outV];
});

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
  /** Use the one-kernel update where the backend has it (default true; false: always tfjs ops). */
  fused?: boolean;
}

/** Adam state and update for a fixed list of variables. */
export class Adam {
  /** Current learning rate; schedules set it between epochs. */
  learningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly fused: boolean;
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
    this.epsilon = eps;
    this.fused = options.fused ?? true;
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
    if (this.applyFused(grads, lrT)) return;
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
  /** The update as one wasm kernel; false (nothing done) when the backend has none. */
  private applyFused(grads: tf.Tensor[], rate: number): boolean {
    if (!this.fused || !hasKernel(ADAM_STEP_KERNEL)) return false;
    const inputs: tf.NamedTensorMap = { m: this.m, v: this.v };
    this.variables.forEach((w, i) => {
      inputs[`w${i}`] = w;
      inputs[`g${i}`] = grads[i]!;
    });
    const attrs: AdamStepAttrs = {
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      rate,
      count: this.variables.length,
    };
    const out = tf.engine().runKernel(ADAM_STEP_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const n = this.variables.length;
    this.variables.forEach((w, i) => w.assign(out[i]!));
    this.m.assign(out[n]!);
    this.v.assign(out[n + 1]!);
    tf.dispose(out);
    return true;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
    for (const c of Object.values(this.constants)) c.dispose();
  }
}
