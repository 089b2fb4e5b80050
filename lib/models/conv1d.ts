/**
 * Convolutional autoencoder over per-token windows `[nWindows, windowLength, nFeatures]`:
 * one latent vector per window, so that temporal patterns (a pump, a slow bleed, a volume
 * burst) and not single days are what the code describes.
 *
 *   encoder: conv1d(filters[i], kernelSize, stride) x n ("same" padding, length ceil(L / s) each)
 *            -> flatten -> dense latent (linear)                            [nWindows, latentDim]
 *   decoder: dense -> reshape [L_enc, filters[n-1]] -> (repeat x stride -> conv1d(filters[i])) x n
 *            -> crop to windowLength -> conv1d(nFeatures, linear)          [nWindows, L, nFeatures]
 *
 * The convolutions are nn.conv1dFast (fused convolution + bias + activation forward,
 * hand-written gradient, see nn.ts) or, on request, nn.conv1dSame (pad + shifted slices + concat + matMul); both
 * train on the wasm backend where tf.layers.conv1d cannot (no Conv2DBackpropFilter). Upsampling repeats
 * each step (tfjs-layers has no upSampling1d; the saved mirror uses reshape + upSampling2d).
 * Scores average the per-feature errors over the window's steps.
 */
import { modelLabel } from "../runtime/model-registry";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { DEFAULT_SEED } from "../config";
import type { Windows } from "../runtime/matrix";
import type { TrainingProblem } from "../train/fit";
import { NetworkAutoencoder, type Samples } from "./network";
import { meanSquaredError } from "./losses";
import { conv1dFast, conv1dSame, dense, repeatSteps, sameLength, type ParamSpec } from "./nn";
import type { Activation, ModelKind } from "./types";
import {
  checkActivation,
  checkFeatureNames,
  checkInt,
  checkLatent,
  checkRange,
  checkSeed,
  checkWidths,
  checkWindows,
} from "./validate";

/** Default latent size per window: about a tenth of a 30 x 5 window (150 values). */
export const DEFAULT_CONV_LATENT_DIM = 16;
/** Default encoder filters (channels double as the sequence halves). */
export const DEFAULT_CONV_FILTERS: readonly number[] = [16, 32];
/** Default kernel: 3 steps, the smallest centred kernel. */
export const DEFAULT_KERNEL_SIZE = 3;
/** Default stride: halve the length at every encoder layer. */
export const DEFAULT_STRIDE = 2;

/** Options of the Conv1D autoencoder. */
export interface Conv1DAutoencoderOptions {
  /** Per-step feature names, in order (the window's last dimension). Required. */
  featureNames: string[];
  /** Steps per window. Required; windows of another length are refused. */
  windowLength: number;
  /** Model name (default "conv1d"). */
  name?: string;
  /** Latent size per window; must be smaller than windowLength x nFeatures (default 16). */
  latentDim?: number;
  /** Filters of the encoder conv layers; the decoder mirrors them (default [16, 32]). */
  filters?: number[];
  /** Kernel size in steps, 1..windowLength (default 3). */
  kernelSize?: number;
  /** Stride of each encoder conv (downsampling) and upsampling factor of each decoder block, <= kernelSize (default 2). */
  strides?: number;
  /** Activation of conv and hidden dense layers (default "relu"). */
  activation?: Activation;
  /** Activation of the output conv (default "linear"). */
  outputActivation?: Activation;
  /** L2 penalty on every kernel (default 0). */
  l2?: number;
  /**
   * How convolutions are computed (same values either way, see nn.ts): "fast" = tf.conv1d with
   * a hand-written gradient (default); "im2col" = pad + shifted slices + concat + matMul.
   */
  convolution?: ConvolutionImpl;
  /** Seed of the initialisation and, by default, of shuffling (default: the project seed). */
  seed?: number;
}

/** The two trainable convolution implementations. */
export type ConvolutionImpl = "fast" | "im2col";

/** Conv1D options with every default filled in. */
export type ResolvedConv1DOptions = Required<Conv1DAutoencoderOptions>;

/** Validate Conv1D options and fill in defaults. */
export function resolveConv1DOptions(o: Conv1DAutoencoderOptions): ResolvedConv1DOptions {
  const label = modelLabel("conv1d");
  if (o === null || typeof o !== "object")
    throw new Error(`${label}: options must be an object with featureNames and windowLength.`);
  const featureNames = checkFeatureNames(label, o.featureNames);
  const windowLength = checkInt(label, "windowLength", o.windowLength, 2);
  const kernelSize = checkInt(label, "kernelSize", o.kernelSize ?? DEFAULT_KERNEL_SIZE, 1);
  if (kernelSize > windowLength) {
    throw new Error(
      `${label}: kernelSize (${kernelSize}) is longer than windowLength (${windowLength}). Use kernelSize <= ${windowLength}.`,
    );
  }
  const strides = checkInt(label, "strides", o.strides ?? DEFAULT_STRIDE, 1);
  if (strides > kernelSize) {
    throw new Error(
      `${label}: strides (${strides}) larger than kernelSize (${kernelSize}) would skip time steps. Use strides <= kernelSize.`,
    );
  }
  const filters = checkWidths(label, "filters", o.filters ?? [...DEFAULT_CONV_FILTERS], false);
  const name = o.name ?? "conv1d";
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new Error(
      `${label}: name "${String(name)}" must be a non-empty file-name-safe string (letters, digits, . _ -).`,
    );
  }
  return {
    featureNames,
    windowLength,
    name,
    latentDim: checkLatent(
      label,
      o.latentDim ?? DEFAULT_CONV_LATENT_DIM,
      windowLength * featureNames.length,
      "windowLength x nFeatures",
    ),
    filters,
    kernelSize,
    strides,
    activation: checkActivation(label, "activation", o.activation ?? "relu"),
    outputActivation: checkActivation(label, "outputActivation", o.outputActivation ?? "linear"),
    l2: checkRange(label, "l2", o.l2 ?? 0, 0, Number.MAX_VALUE),
    convolution: checkConvolution(o.convolution ?? "fast"),
    seed: checkSeed(label, o.seed ?? DEFAULT_SEED),
  };
}

function checkConvolution(value: unknown): ConvolutionImpl {
  if (value !== "fast" && value !== "im2col")
    throw new Error(`Conv1D AE: convolution "${String(value)}" is unknown. Use "fast" or "im2col".`);
  return value;
}

/** Sequence lengths through the encoder: [L, ceil(L/s), ...], one more entry than filters. */
export function encoderLengths(o: Pick<ResolvedConv1DOptions, "windowLength" | "filters" | "strides">): number[] {
  const lengths = [o.windowLength];
  for (let i = 0; i < o.filters.length; i++) lengths.push(sameLength(lengths[i]!, o.strides));
  return lengths;
}

function convSpecs(o: ResolvedConv1DOptions): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const k = o.kernelSize;
  const conv = (name: string, cin: number, cout: number): void => {
    specs.push({ name: `${name}/kernel`, shape: [k, cin, cout], init: "glorot", fanIn: k * cin, fanOut: k * cout });
    specs.push({ name: `${name}/bias`, shape: [cout], init: "zeros" });
  };
  const denseLayer = (name: string, fanIn: number, fanOut: number): void => {
    specs.push({ name: `${name}/kernel`, shape: [fanIn, fanOut], init: "glorot" });
    specs.push({ name: `${name}/bias`, shape: [fanOut], init: "zeros" });
  };
  const f = o.featureNames.length;
  let c = f;
  o.filters.forEach((filters, i) => {
    conv(`encoder_conv_${i}`, c, filters);
    c = filters;
  });
  const lengths = encoderLengths(o);
  const flat = lengths[lengths.length - 1]! * c;
  denseLayer("latent", flat, o.latentDim);
  denseLayer("decoder_dense", o.latentDim, flat);
  for (let j = 0; j < o.filters.length; j++) {
    const out = o.filters[o.filters.length - 1 - j]!;
    conv(`decoder_conv_${j}`, c, out);
    c = out;
  }
  conv("reconstruction", c, f);
  return specs;
}

/**
 * The first `length` steps of every window of h `[B, L, C]`. Sliced as `[B, L * C]` so that
 * each window's kept steps are one contiguous run: the wasm Slice kernel copies row by row in
 * JavaScript, and B rows cost far less than the B * length rows of the 3-D slice (measured
 * 0.7 ms for the decoder's [256, 32, 16] -> 30 steps). Same values and gradient (a pad).
 */
function cropSteps(h: tf.Tensor3D, length: number): tf.Tensor3D {
  const [b, l, c] = h.shape;
  return tf.reshape(tf.slice(tf.reshape(h, [b, l * c]), [0, 0], [b, length * c]), [b, length, c]);
}

/** The Conv1D autoencoder over windows. */
export class Conv1DAutoencoder extends NetworkAutoencoder<Windows, ResolvedConv1DOptions> {
  readonly kind: ModelKind = "conv1d";
  private readonly lengths: number[];

  /** @param options see Conv1DAutoencoderOptions; throws on invalid values. */
  constructor(options: Conv1DAutoencoderOptions) {
    const o = resolveConv1DOptions(options);
    super(o.name, o, o.featureNames, o.latentDim, o.seed, convSpecs(o));
    this.lengths = encoderLengths(o);
  }

  /** Length of the encoded sequence before flattening. */
  get encodedLength(): number {
    return this.lengths[this.lengths.length - 1]!;
  }

  protected sampleShape(): number[] {
    return [this.options.windowLength, this.featureNames.length];
  }

  protected checkInput(what: string, x: Windows): void {
    checkWindows(this.name, what, x, this.featureNames, this.options.windowLength);
  }

  protected samples(x: Windows): Samples {
    return { data: x.data, n: x.n };
  }

  protected wrap(data: Float32Array, n: number): Windows {
    return { data, n, length: this.options.windowLength, features: this.featureNames.length };
  }

  /** One "same" convolution; `dataInput` when x is the model's input (its gradient is not needed). */
  private conv(name: string, x: tf.Tensor3D, stride: number, act: Activation, dataInput = false): tf.Tensor3D {
    const kernel = this.params.get(`${name}/kernel`) as tf.Tensor3D;
    const bias = this.params.get(`${name}/bias`) as tf.Tensor1D;
    return this.options.convolution === "fast"
      ? conv1dFast(x, kernel, bias, stride, act, dataInput)
      : conv1dSame(x, kernel, bias, stride, act);
  }

  private denseLayer(name: string, x: tf.Tensor2D, act: Activation): tf.Tensor2D {
    return dense(
      x,
      this.params.get(`${name}/kernel`) as tf.Tensor2D,
      this.params.get(`${name}/bias`) as tf.Tensor1D,
      act,
    );
  }

  /** `[B, L, F]` -> `[B, latentDim]`. */
  protected forwardEncode(x: tf.Tensor): tf.Tensor2D {
    let h = x as tf.Tensor3D;
    this.options.filters.forEach((_, i) => {
      h = this.conv(`encoder_conv_${i}`, h, this.options.strides, this.options.activation, i === 0);
    });
    const [b, l, c] = h.shape;
    return this.denseLayer("latent", tf.reshape(h, [b, l * c]), "linear");
  }

  /** `[B, latentDim]` -> `[B, L, F]`. */
  private decode(z: tf.Tensor2D): tf.Tensor3D {
    const o = this.options;
    const lenc = this.encodedLength;
    const clast = o.filters[o.filters.length - 1]!;
    let h = tf.reshape(this.denseLayer("decoder_dense", z, o.activation), [z.shape[0], lenc, clast]) as tf.Tensor3D;
    for (let j = 0; j < o.filters.length; j++) {
      h = this.conv(`decoder_conv_${j}`, repeatSteps(h, o.strides), 1, o.activation);
    }
    if (h.shape[1] !== o.windowLength) h = cropSteps(h, o.windowLength);
    return this.conv("reconstruction", h, 1, o.outputActivation);
  }

  protected forwardReconstruct(x: tf.Tensor): tf.Tensor {
    return this.decode(this.forwardEncode(x));
  }

  protected trainingProblem(train: Samples, validation: Samples): TrainingProblem {
    const shape = this.sampleShape();
    return {
      label: this.name,
      variables: this.params.list(),
      nTrain: train.n,
      streams: () => [{ data: train.data, sampleShape: shape }],
      batchLoss: (batch) => {
        const x = batch[0] as tf.Tensor3D;
        const mse = meanSquaredError(this.forwardReconstruct(x), x);
        if (this.options.l2 === 0) return { loss: mse };
        const kernels = this.params
          .names()
          .filter((n) => n.endsWith("/kernel"))
          .map((n) => tf.sum(tf.square(this.params.get(n))));
        return { loss: tf.add(mse, tf.mul(tf.addN(kernels), this.options.l2)) as tf.Scalar };
      },
      validate: () => ({ loss: this.meanSquaredError(validation) }),
    };
  }

  /**
   * Sequential tfjs-layers mirror: conv1d layers ("same" padding), flatten, dense, reshape,
   * (reshape + upSampling2d + reshape + conv1d) per block, cropping2D when needed, conv1d out.
   */
  toLayersModel(): tfl.LayersModel {
    this.assertLive();
    const o = this.options;
    const f = this.featureNames.length;
    const m = tfl.sequential({ name: this.name });
    o.filters.forEach((filters, i) => {
      m.add(
        tfl.layers.conv1d({
          name: `encoder_conv_${i}`,
          filters,
          kernelSize: o.kernelSize,
          strides: o.strides,
          padding: "same",
          activation: o.activation,
          kernelInitializer: "zeros",
          ...(i === 0 ? { inputShape: [o.windowLength, f] } : {}),
        }),
      );
    });
    m.add(tfl.layers.flatten({ name: "flatten" }));
    const lenc = this.encodedLength;
    const clast = o.filters[o.filters.length - 1]!;
    m.add(tfl.layers.dense({ name: "latent", units: o.latentDim, kernelInitializer: "zeros" }));
    m.add(
      tfl.layers.dense({
        name: "decoder_dense",
        units: lenc * clast,
        activation: o.activation,
        kernelInitializer: "zeros",
      }),
    );
    m.add(tfl.layers.reshape({ name: "decoder_reshape", targetShape: [lenc, clast] }));
    let length = lenc;
    let channels = clast;
    for (let j = 0; j < o.filters.length; j++) {
      if (o.strides > 1) {
        m.add(tfl.layers.reshape({ name: `decoder_up_${j}_in`, targetShape: [length, 1, channels] }));
        m.add(tfl.layers.upSampling2d({ name: `decoder_up_${j}`, size: [o.strides, 1] }));
        length *= o.strides;
        m.add(tfl.layers.reshape({ name: `decoder_up_${j}_out`, targetShape: [length, channels] }));
      }
      channels = o.filters[o.filters.length - 1 - j]!;
      m.add(
        tfl.layers.conv1d({
          name: `decoder_conv_${j}`,
          filters: channels,
          kernelSize: o.kernelSize,
          padding: "same",
          activation: o.activation,
          kernelInitializer: "zeros",
        }),
      );
    }
    if (length !== o.windowLength) {
      m.add(tfl.layers.reshape({ name: "crop_in", targetShape: [length, 1, channels] }));
      m.add(
        tfl.layers.cropping2D({
          name: "crop",
          cropping: [
            [0, length - o.windowLength],
            [0, 0],
          ],
        }),
      );
      m.add(tfl.layers.reshape({ name: "crop_out", targetShape: [o.windowLength, channels] }));
    }
    m.add(
      tfl.layers.conv1d({
        name: "reconstruction",
        filters: f,
        kernelSize: o.kernelSize,
        padding: "same",
        activation: o.outputActivation,
        kernelInitializer: "zeros",
      }),
    );
    return this.fillMirror(m);
  }
}
