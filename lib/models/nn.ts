/**
 * Network building blocks written on tfjs-core ops, shared by the AE, VAE, DAE and Conv1D AE.
 *
 * Why not tf.layers for training: a custom loop over own variables is 4-5x faster on the
 * wasm backend than LayersModel.fit (fewer ops per step, no symbolic bookkeeping), and
 * tf.layers.conv1d cannot train on wasm at all: its filter gradient needs the
 * Conv2DBackpropFilter kernel, which wasm lacks. Two trainable convolutions are provided:
 *
 * - `conv1dSame`: pad + K shifted slices + concat + one matMul (im2col). Equals tf.conv1d
 *   with "same" padding and needs only elementary kernels. Slow on wasm, whose Slice and
 *   Concat kernels run in JavaScript and copy whole tensors.
 * - `conv1dFast` (the default): forward pass by the fused convolution + bias + activation
 *   kernel, gradient written by hand: dx is the correlation of the zero-upsampled output
 *   gradient with the flipped kernel (a forward convolution), and dW is, for stride 1 on
 *   wasm, one matMul over a transposed im2col built in the wasm heap (conv-taps.ts),
 *   otherwise a dilated correlation of the input with the output gradient in which the batch
 *   plays the role of the channels. Same values as conv1dSame (tests compare both, values
 *   and gradients) at 3-20x the training speed.
 *
 * Weights keep the shapes and names of the equivalent tfjs-layers layers (`<layer>/kernel`,
 * `<layer>/bias`, conv kernels `[K, Cin, Cout]`) so that a saved model is a genuine tfjs
 * LayersModel. Initial weights are drawn in plain TypeScript from the seeded Rng (Glorot
 * uniform, zero biases), one forked stream per weight name, so they are identical on every
 * backend.
 */
import * as tf from "@tensorflow/tfjs-core";
// Gradient functions: tfjs-core's CommonJS build registers none, and its ESM file
// dist/register_all_gradients.js cannot be require()d by plain Node (extensionless ESM
// imports), which is how the notebook kernel loads modules. tfjs-layers' CommonJS build
// registers every gradient in the shared registry when it loads, so import it for that.
import "@tensorflow/tfjs-layers";
import type { Rng } from "../runtime/rng";
import type { Activation } from "./types";
import { convTapsT } from "./conv-taps";
import { hasKernel, heapOffset, registerHeapKernel, shapeSize } from "../runtime/wasm-heap";

/** The function type tf.customGrad takes (not exported by tfjs-core under a name). */
export type CustomGradientFn = Parameters<typeof tf.customGrad>[0];

/** Rows per inference chunk: bounds memory (8192 x 150 floats = 4.9 MB) while keeping op overhead small. */
export const INFERENCE_CHUNK_ROWS = 8192;

/**
 * Throw unless a tfjs backend is active. Without this check tfjs would silently pick the
 * slowest registered backend (pure-JS cpu) on the first tensor.
 */
export function requireBackend(who: string): void {
  if (!tf.engine().backendName) {
    throw new Error(
      `${who}: no TensorFlow.js backend is initialised. Call \`await initBackend()\` (lib/runtime/backend) once before building or loading models.`,
    );
  }
}

/** Apply an activation function. */
export function activate<T extends tf.Tensor>(x: T, act: Activation): T {
  switch (act) {
    case "relu":
      return tf.relu(x);
    case "elu":
      return tf.elu(x);
    case "selu":
      return tf.selu(x);
    case "tanh":
      return tf.tanh(x);
    case "sigmoid":
      return tf.sigmoid(x);
    case "softplus":
      return tf.softplus(x);
    case "swish":
      return tf.mul(x, tf.sigmoid(x)) as T;
    case "linear":
      return x;
  }
}

/** Activations fused into a matMul or convolution kernel, with a gradient read from the output. */
type FusedActivation = "relu" | "linear";

function isFused(act: Activation): act is FusedActivation {
  return act === "relu" || act === "linear";
}

/** dy masked by the derivative of a fused activation, read from the layer's output y. */
function activationGradient(dy: tf.Tensor, y: tf.Tensor | undefined): tf.Tensor {
  return y === undefined ? dy : tf.mul(dy, tf.step(y));
}

/** Name of the heap kernel of a relu layer's backward step (see reluBiasGradient). */
export const RELU_BACKWARD_KERNEL = "CaeReluBackward";

/**
 * Largest gradient (in values) the relu heap kernel takes. Its JavaScript loop costs about 10 ns
 * a value: below this size that is less than the dispatch of the three ops it replaces (dense
 * layers: [256, 32] is 8,192 values), above it the ops' SIMD kernels win (measured on the
 * Conv1D AE's [256, 32, 16] decoder gradients: 1.4 ms against about 0.5 ms for the ops).
 */
const RELU_KERNEL_MAX_VALUES = 16_384;

// Registered for the wasm backend when this module loads (see reluBiasGradient).
registerHeapKernel(RELU_BACKWARD_KERNEL, (inputs, _attrs, wasm) => {
  const { dy: g, y: out } = inputs;
  const channels = g!.shape[g!.shape.length - 1]!;
  const dz = wasm.makeOutput(g!.shape.slice(), "float32");
  const db = wasm.makeOutput([channels], "float32");
  const heap = wasm.wasm.HEAPF32; // after the allocations
  const [g0, y0, z0, b0] = [g!, out!, dz, db].map((t) => heapOffset(wasm, t)) as [number, number, number, number];
  const n = shapeSize(g!.shape);
  const sums = new Float64Array(channels);
  for (let i = 0, c = 0; i < n; i++) {
    const v = heap[y0 + i]! > 0 ? heap[g0 + i]! : 0;
    heap[z0 + i] = v;
    sums[c] = sums[c]! + v;
    if (++c === channels) c = 0;
  }
  for (let c = 0; c < channels; c++) heap[b0 + c] = sums[c]!;
  return [dz, db];
});

/**
 * The pre-activation gradient dz = dy * (y > 0) of a relu layer and its bias gradient (dz
 * summed over every axis but the last): one pass over the wasm heap where tfjs ops take three
 * calls (step, mul, sum). Other backends, large gradients and linear layers (y undefined) use
 * the ops.
 */
function reluBiasGradient<T extends tf.Tensor>(dy: T, y: T | undefined): [T, tf.Tensor1D] {
  const axes = dy.shape.slice(0, -1).map((_, i) => i);
  if (y === undefined) return [dy, tf.sum(dy, axes) as tf.Tensor1D];
  if (dy.size > RELU_KERNEL_MAX_VALUES || !hasKernel(RELU_BACKWARD_KERNEL)) {
    const dz = activationGradient(dy, y) as T;
    return [dz, tf.sum(dz, axes) as tf.Tensor1D];
  }
  const [dz, db] = tf.engine().runKernel(RELU_BACKWARD_KERNEL, { dy, y }) as tf.Tensor[];
  return [dz as T, db as tf.Tensor1D];
}

/**
 * `act(x W + b)` with a hand-written gradient: x `[n, in]`, W `[in, out]`, b `[out]` -> `[n, out]`.
 *
 * Why: tfjs' own matMul gradient multiplies with transposeA / transposeB flags, and the wasm
 * backend's BatchMatMul is 5-8x slower with those flags than on plain operands (measured:
 * 6.3 ms vs 1.1 ms for `[3840, 32] x [32, 48]^T`). Transposing explicitly first is cheap.
 * The forward pass is one fused matMul + bias + activation kernel (called directly: tfjs'
 * fused op declines to fuse an activation while gradients are recorded).
 */
function linearWithGradient(inputGradient: boolean, act: FusedActivation) {
  return tf.customGrad(((...args: unknown[]) => {
    const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const [n, d] = x.shape;
    const out = w.shape[1];
    const y = tf
      .engine()
      .runKernel(
        "_FusedMatMul",
        { a: tf.reshape(x, [1, n, d]), b: tf.reshape(w, [1, d, out]), bias: b },
        { transposeA: false, transposeB: false, activation: act },
      ) as tf.Tensor3D;
    const value = tf.reshape(y, [n, out]) as tf.Tensor2D;
    save(act === "relu" ? [x, w, value] : [x, w]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D?];
        const [dz, db] = reluBiasGradient(dy as tf.Tensor2D, ys);
        return [
          inputGradient ? tf.matMul(dz, tf.transpose(ws)) : tf.zerosLike(xs),
          tf.matMul(tf.transpose(xs), dz),
          db,
        ];
      },
    };
  }) as unknown as CustomGradientFn) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
}

/** `x W + b` with the hand-written gradient (see linearWithGradient). */
export const linear = linearWithGradient(true, "linear");

/**
 * `x W + b` like `linear`, for a layer whose input is data (the first layer): its gradient
 * with respect to x is never used (training differentiates only the weights), so it is
 * returned as zeros instead of being computed (one matMul and one transpose per step less).
 */
export const linearDataInput = linearWithGradient(false, "linear");

const linearRelu = linearWithGradient(true, "relu");
const linearReluDataInput = linearWithGradient(false, "relu");

/**
 * Dense layer `act(x W + b)`: x `[n, in]`, W `[in, out]`, b `[out]` -> `[n, out]`.
 * Relu is fused into the matMul kernel; other activations follow a linear layer.
 * `dataInput`: x is the model's input data (no gradient with respect to it is computed).
 */
export function dense(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  act: Activation,
  dataInput = false,
): tf.Tensor2D {
  if (act === "relu") return (dataInput ? linearReluDataInput : linearRelu)(x, kernel, bias);
  return activate((dataInput ? linearDataInput : linear)(x, kernel, bias), act);
}

/** Output length of a "same"-padded convolution with this stride: ceil(L / stride). */
export function sameLength(length: number, stride: number): number {
  return Math.ceil(length / stride);
}

/**
 * TensorFlow's "same" padding of a strided 1-D convolution: output length ceil(L / s), total
 * padding max((out - 1) * s + K - L, 0) so that the last window fits, the left side getting
 * the smaller half.
 */
export function samePadding(
  length: number,
  kernelSize: number,
  stride: number,
): { outLength: number; left: number; right: number } {
  const outLength = sameLength(length, stride);
  const total = Math.max((outLength - 1) * stride + kernelSize - length, 0);
  const left = Math.floor(total / 2);
  return { outLength, left, right: total - left };
}

/**
 * 1-D convolution with TensorFlow's "same" padding, as pad + K shifted slices + concat + matMul.
 * Equals `tf.conv1d(x, kernel, stride, "same")` (+ bias, activation) and trains on wasm.
 *
 * Stride s: the padded sequence is viewed as `[B, P/s, s, Cin]` (phase decomposition) so that
 * tap k of output step j, padded index k + j*s, is element [j + floor(k/s), k mod s]: one plain
 * slice per tap, no strided slice (which has no gradient in tfjs).
 *
 * @param x `[B, L, Cin]`
 * @param kernel `[K, Cin, Cout]` (the tfjs-layers conv1d kernel layout)
 * @param bias `[Cout]`
 * @returns `[B, ceil(L / stride), Cout]`
 */
export function conv1dSame(
  x: tf.Tensor3D,
  kernel: tf.Tensor3D,
  bias: tf.Tensor1D,
  stride: number,
  act: Activation,
): tf.Tensor3D {
  const [batch, length, cin] = x.shape;
  const [k, kin, cout] = kernel.shape;
  if (kin !== cin) throw new Error(`conv1dSame: kernel expects ${kin} input channels but x has ${cin}.`);
  const { outLength: lo, left: padLeft } = samePadding(length, k, stride);
  // Pad right beyond "same" so the length is a whole number of phases; the extra zeros are never read.
  const phases = lo + Math.floor((k - 1) / stride);
  const padRight = stride * phases - length - padLeft;
  const xp =
    padLeft > 0 || padRight > 0
      ? tf.pad(x, [
          [0, 0],
          [padLeft, padRight],
          [0, 0],
        ])
      : x;
  let patches: tf.Tensor;
  if (stride === 1) {
    const taps: tf.Tensor3D[] = [];
    for (let t = 0; t < k; t++) taps.push(k === 1 ? (xp as tf.Tensor3D) : tf.slice(xp, [0, t, 0], [batch, lo, cin]));
    patches = taps.length === 1 ? taps[0]! : tf.concat(taps, 2);
  } else {
    const xr = tf.reshape(xp, [batch, phases, stride, cin]) as tf.Tensor4D;
    const taps: tf.Tensor4D[] = [];
    for (let t = 0; t < k; t++)
      taps.push(tf.slice(xr, [0, Math.floor(t / stride), t % stride, 0], [batch, lo, 1, cin]));
    patches = taps.length === 1 ? taps[0]! : tf.concat(taps, 3);
  }
  const flat = tf.reshape(patches, [batch * lo, k * cin]) as tf.Tensor2D;
  const w = tf.reshape(kernel, [k * cin, cout]) as tf.Tensor2D;
  const y = dense(flat, w, bias, act);
  return tf.reshape(y, [batch, lo, cout]);
}

/**
 * Gradient of a "same" convolution with respect to its kernel:
 * dW[k, ci, co] = sum over (b, t) of xpad[b, t*s + k, ci] dz[b, t, co].
 *
 * Stride 1 on wasm: the transposed im2col matrix `[K * Cin, B * L]` of the channels-first
 * input (a transpose and one heap-copy kernel, conv-taps.ts) times dz `[B * L, Cout]`: one
 * plain matMul yielding `[K, Cin, Cout]`. Otherwise: a forward convolution, the correlation
 * along time with dilation s in which the batch plays the role of the channels, x as
 * `[Cin, Lp, B]` and dz as `[Lo, B, Cout]`.
 *
 * Measured on wasm, batch 256, one core: the decoder's 32-channel layers 2.3-2.8 ms by the
 * matMul against 3.7-4.9 ms by the batch-as-channels convolution (the reconstruction layer
 * 0.8 vs 1.5 ms). Slower alternatives: im2col rows copied in the heap then a matMul with
 * dz^T (3.9-5.2 ms: XNNPACK repacks the large right operand and the transposes cost), the
 * transposed im2col written element by element in JS (2.5 ms before the matMul), tf.gather
 * for it (36 ms), a transposed-operand matMul (about 19 ms).
 */
function convKernelGradient(
  xs: tf.Tensor3D,
  dz: tf.Tensor3D,
  k: number,
  stride: number,
  pad: { left: number; right: number },
): tf.Tensor3D {
  const [batch, length, cin] = xs.shape;
  const [, lo, cout] = dz.shape;
  if (stride === 1 && lo === length) {
    const taps = convTapsT(tf.transpose(xs, [2, 0, 1]) as tf.Tensor3D, k, pad.left);
    if (taps !== null)
      return tf.reshape(tf.matMul(taps, tf.reshape(dz, [batch * lo, cout]) as tf.Tensor2D), [k, cin, cout]);
  }
  const xp =
    pad.left + pad.right > 0
      ? tf.pad(xs, [
          [0, 0],
          [pad.left, pad.right],
          [0, 0],
        ])
      : xs;
  const xt = tf.transpose(xp, [2, 1, 0]) as tf.Tensor3D; // [Cin, Lp, B]
  const dzt = tf.transpose(dz, [1, 0, 2]) as tf.Tensor3D; // [Lo, B, Cout]
  let dw = tf.conv1d(xt, dzt, 1, "valid", "NWC", stride) as tf.Tensor3D; // [Cin, >= K, Cout]
  if (dw.shape[1] !== k) dw = tf.slice(dw, [0, 0, 0], [cin, k, cout]);
  return tf.transpose(dw, [1, 0, 2]);
}

/**
 * Gradient of a "same" convolution with respect to its input `[B, L, Cin]`, from the output
 * gradient dz `[B, Lo, Cout]` and the kernel `[K, Cin, Cout]`, by forward convolutions only:
 * the correlation of dz with the flipped kernel. With stride 1 and an odd kernel that is a
 * "same" convolution itself; otherwise dz is zero-upsampled (s - 1 zeros between steps) and
 * padded so that a "valid" correlation yields L steps.
 */
function convInputGradient(
  dz: tf.Tensor3D,
  ws: tf.Tensor3D,
  stride: number,
  length: number,
  padLeft: number,
): tf.Tensor3D {
  const [batch, lo, cout] = dz.shape;
  const k = ws.shape[0];
  const flipped = tf.transpose(tf.reverse(ws, 0), [0, 2, 1]) as tf.Tensor3D; // [K, Cout, Cin]
  if (stride === 1 && k - 1 - padLeft === padLeft) return tf.conv1d(dz, flipped, 1, "same");
  let up = dz;
  if (stride > 1)
    up = tf.reshape(
      tf.pad(tf.reshape(dz, [batch, lo, 1, cout]), [
        [0, 0],
        [0, 0],
        [0, stride - 1],
        [0, 0],
      ]),
      [batch, lo * stride, cout],
    );
  const left = k - 1 - padLeft;
  const needed = length + k - 1;
  const have = left + up.shape[1];
  let upPadded = tf.pad(up, [
    [0, 0],
    [left, Math.max(0, needed - have)],
    [0, 0],
  ]) as tf.Tensor3D;
  if (have > needed) upPadded = tf.slice(upPadded, [0, 0, 0], [batch, needed, cout]);
  return tf.conv1d(upPadded, flipped, 1, "valid");
}

/**
 * `act(conv1d(x, kernel, "same") + bias)` as one op with a hand-written gradient (see the module
 * header): the forward pass is one fused convolution + bias + activation kernel, the backward
 * pass masks dy by the activation's derivative (read from the output), sums it for the bias,
 * and computes the kernel and input gradients as above. `act` must be relu or linear.
 */
function fusedConv1d(
  x: tf.Tensor3D,
  kernel: tf.Tensor3D,
  bias: tf.Tensor1D,
  stride: number,
  act: FusedActivation,
  dataInput: boolean,
): tf.Tensor3D {
  const op = tf.customGrad(((...args: unknown[]) => {
    const [xi, wi, bi, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.Tensor1D, tf.GradSaveFunc];
    const [batch, length, cin] = xi.shape;
    const [k, , cout] = wi.shape;
    // The kernel itself: tfjs' fused op declines to fuse an activation while gradients are recorded.
    const y = tf
      .engine()
      .runKernel(
        "FusedConv2D",
        { x: tf.reshape(xi, [batch, 1, length, cin]), filter: tf.reshape(wi, [1, k, cin, cout]), bias: bi },
        { strides: [1, stride], pad: "same", dataFormat: "NHWC", dilations: [1, 1], activation: act },
      ) as tf.Tensor4D;
    const value = tf.reshape(y, [batch, y.shape[2], cout]) as tf.Tensor3D;
    save(act === "relu" ? [xi, wi, value] : [xi, wi]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D?];
        const [dz, db] = reluBiasGradient(dy as tf.Tensor3D, ys as tf.Tensor3D | undefined);
        const pad = samePadding(length, k, stride);
        const dx = dataInput ? tf.zerosLike(xs) : convInputGradient(dz, ws, stride, length, pad.left);
        return [dx, convKernelGradient(xs, dz, k, stride, pad), db];
      },
    };
  }) as unknown as CustomGradientFn);
  return op(x, kernel, bias) as tf.Tensor3D;
}

/**
 * 1-D convolution with "same" padding, bias and activation (the default convolution).
 * Relu and linear are fused into the convolution kernel; other activations are applied after
 * a linear one (tfjs' own gradient for them).
 * `dataInput`: x is the model's input data, so no gradient with respect to it is computed
 * (zeros are returned: one convolution per step less).
 * @param x `[B, L, Cin]`
 * @param kernel `[K, Cin, Cout]`
 * @param bias `[Cout]`
 * @returns `[B, ceil(L / stride), Cout]`
 */
export function conv1dFast(
  x: tf.Tensor3D,
  kernel: tf.Tensor3D,
  bias: tf.Tensor1D,
  stride: number,
  act: Activation,
  dataInput = false,
): tf.Tensor3D {
  const [, , cin] = x.shape;
  if (kernel.shape[1] !== cin)
    throw new Error(`conv1dFast: kernel expects ${kernel.shape[1]} input channels but x has ${cin}.`);
  if (isFused(act)) return fusedConv1d(x, kernel, bias, stride, act, dataInput);
  return activate(fusedConv1d(x, kernel, bias, stride, "linear", dataInput), act);
}

/**
 * Nearest-neighbour upsampling along time: every step repeated `factor` times,
 * `[B, L, C]` -> `[B, L * factor, C]` (what tfjs-layers' upSampling2d does on `[B, L, 1, C]`).
 * Forward: a broadcast multiply; gradient: a sum over the repeats (tfjs' own gradients of
 * concat and tile go through JS-side slicing on wasm and cost 10-20x more).
 */
export function repeatSteps(x: tf.Tensor3D, factor: number): tf.Tensor3D {
  if (factor === 1) return x;
  const op = tf.customGrad(((...args: unknown[]) => {
    const [xi] = args as [tf.Tensor3D];
    const [b, l, c] = xi.shape;
    const value = tf.reshape(tf.mul(tf.reshape(xi, [b, l, 1, c]), tf.ones([1, 1, factor, 1])), [
      b,
      l * factor,
      c,
    ]) as tf.Tensor3D;
    return { value, gradFunc: (dy: tf.Tensor) => [tf.sum(tf.reshape(dy, [b, l, factor, c]), 2)] };
  }) as unknown as CustomGradientFn);
  return op(x) as tf.Tensor3D;
}

/** A named trainable weight with its initial values. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: "glorot" | "zeros";
  /** Fan-in / fan-out for Glorot (Keras convention: conv fans include the kernel size). */
  fanIn?: number;
  fanOut?: number;
}

/**
 * An ordered set of named tf.Variables: the model's weights. Order is the order of creation,
 * which is also the order of the weights in weights.bin.
 */
export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();

  /** Create every parameter, drawing initial values from `rng.fork(name)`. */
  constructor(specs: ParamSpec[], rng: Rng) {
    requireBackend("Model");
    for (const s of specs) {
      if (this.vars.has(s.name)) throw new Error(`Duplicate parameter name "${s.name}".`);
      const size = s.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      if (s.init === "glorot") {
        const fanIn = s.fanIn ?? s.shape[0]!;
        const fanOut = s.fanOut ?? s.shape[s.shape.length - 1]!;
        // Glorot/Xavier uniform: Var = 2 / (fanIn + fanOut) gives limit sqrt(6 / (fanIn + fanOut)).
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        const r = rng.fork(s.name);
        for (let i = 0; i < size; i++) values[i] = r.range(-limit, limit);
      }
      const initial = tf.tensor(values, s.shape);
      this.vars.set(s.name, tf.variable(initial, true, uniqueVariableName(s.name)));
      initial.dispose();
    }
  }

  /** The variable called `name` (throws on a typo). */
  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (v === undefined) throw new Error(`No parameter "${name}". Known: ${[...this.vars.keys()].join(", ")}.`);
    return v;
  }

  /** Parameter names in order. */
  names(): string[] {
    return [...this.vars.keys()];
  }

  /** All variables in order. */
  list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Copy of every weight as a Float32Array, by name. */
  snapshot(): Map<string, { shape: number[]; values: Float32Array }> {
    const out = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const [name, v] of this.vars)
      out.set(name, { shape: [...v.shape], values: Float32Array.from(v.dataSync() as Float32Array) });
    return out;
  }

  /** Assign weights by name; every parameter must be present with its exact shape. */
  assign(
    values: Map<string, { shape: number[]; values: Float32Array }> | Record<string, tf.Tensor>,
    source: string,
  ): void {
    const get = (name: string): { shape: number[]; tensor: () => tf.Tensor } | undefined => {
      if (values instanceof Map) {
        const v = values.get(name);
        return v && { shape: v.shape, tensor: () => tf.tensor(v.values, v.shape) };
      }
      const t = values[name];
      return t && { shape: t.shape, tensor: () => t };
    };
    const names = values instanceof Map ? [...values.keys()] : Object.keys(values);
    const extra = names.filter((n) => !this.vars.has(n));
    if (extra.length > 0) throw new Error(`${source} has weights this model does not: ${extra.join(", ")}.`);
    for (const [name, v] of this.vars) {
      const src = get(name);
      if (src === undefined) throw new Error(`${source} lacks weight "${name}".`);
      if (src.shape.length !== v.shape.length || src.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`${source}: weight "${name}" has shape [${src.shape}] but the model needs [${v.shape}].`);
      }
    }
    for (const [name, v] of this.vars) {
      tf.tidy(() => v.assign(get(name)!.tensor()));
    }
  }

  /** Number of scalar weights. */
  size(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** Dispose every variable. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

let variableCounter = 0;
/** tfjs variable names are global: suffix a counter so that two models can coexist. */
function uniqueVariableName(name: string): string {
  variableCounter += 1;
  return `cae_${variableCounter}_${name}`;
}

/**
 * Run `fn` over `[n, ...sampleShape]` data in chunks of INFERENCE_CHUNK_ROWS rows, without
 * gradients, and gather each output (row-major, `outWidths[i]` floats per row) in JS memory.
 */
export function runChunked(
  data: Float32Array,
  n: number,
  sampleShape: number[],
  outWidths: number[],
  fn: (x: tf.Tensor) => tf.Tensor[],
): Float32Array[] {
  const width = sampleShape.reduce((a, b) => a * b, 1);
  const outs = outWidths.map((w) => new Float32Array(n * w));
  for (let start = 0; start < n; start += INFERENCE_CHUNK_ROWS) {
    const size = Math.min(INFERENCE_CHUNK_ROWS, n - start);
    const results = tf.tidy(() => {
      const x = tf.tensor(data.subarray(start * width, (start + size) * width), [size, ...sampleShape]);
      return fn(x);
    });
    results.forEach((r, i) => {
      outs[i]!.set(r.dataSync() as Float32Array, start * outWidths[i]!);
      r.dispose();
    });
  }
  return outs;
}

/** One aligned input of sumChunked: `[n, ...sampleShape]` row-major. */
export interface ChunkStream {
  data: Float32Array;
  sampleShape: number[];
}

/**
 * Sum scalar statistics over row-aligned streams `[n, ...]` in chunks of INFERENCE_CHUNK_ROWS
 * rows, without gradients. `fn` gets one tensor per stream and returns one scalar per
 * statistic (a sum over its chunk); the result is each statistic's total, accumulated in float64.
 */
export function sumChunked(streams: ChunkStream[], n: number, fn: (xs: tf.Tensor[]) => tf.Scalar[]): number[] {
  const widths = streams.map((s) => s.sampleShape.reduce((a, b) => a * b, 1));
  let totals: number[] = [];
  for (let start = 0; start < n; start += INFERENCE_CHUNK_ROWS) {
    const size = Math.min(INFERENCE_CHUNK_ROWS, n - start);
    const stacked = tf.tidy(() => {
      const xs = streams.map((s, i) =>
        tf.tensor(s.data.subarray(start * widths[i]!, (start + size) * widths[i]!), [size, ...s.sampleShape]),
      );
      return tf.stack(fn(xs));
    });
    const values = stacked.dataSync();
    stacked.dispose();
    if (totals.length === 0) totals = new Array<number>(values.length).fill(0);
    for (let i = 0; i < values.length; i++) totals[i] += values[i]!;
  }
  return totals;
}
