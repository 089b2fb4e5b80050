/**
 * Dense (fully connected) autoencoders over feature rows `[nRows, nFeatures]`: the shared
 * encoder/decoder stack of the AE, DAE and VAE, and the plain AE itself.
 *
 *   input -> encoder_0 .. encoder_{h-1} (activation, dropout) -> latent (linear by default)
 *         -> decoder_0 .. decoder_{h-1} (mirrored widths) -> reconstruction (linear by default)
 *
 * The reference configuration of the project is 32-16-8-16-32; the default hidden widths
 * [32, 16] with latentDim 8 give 32-32-16-8-16-32-32 for 32 features.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { DEFAULT_SEED } from "../config";
import type { Matrix } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import type { TrainingProblem, TrainingStream } from "../train/fit";
import { NetworkAutoencoder, type Samples } from "./network";
import { dense, runChunked, type ParamSpec } from "./nn";
import { meanSquaredError } from "./losses";
import type { Activation, ModelKind } from "./types";
import {
  checkActivation,
  checkFeatureNames,
  checkLatent,
  checkMatrix,
  checkRange,
  checkSeed,
  checkWidths,
} from "./validate";

/** Default bottleneck: the reference 32-16-8-16-32 model's latent size. */
export const DEFAULT_LATENT_DIM = 8;
/** Default hidden widths of the encoder (the decoder mirrors them). */
export const DEFAULT_HIDDEN_UNITS: readonly number[] = [32, 16];

/** Options of a dense autoencoder (AE; the DAE and VAE add their own). */
export interface DenseAutoencoderOptions {
  /** Input column names, one per feature, in column order (the input width is their count). Required. */
  featureNames: string[];
  /** Model name, used for the save directory (default: the kind, e.g. "ae"). */
  name?: string;
  /** Size of the bottleneck; must be smaller than the number of features (default 8). */
  latentDim?: number;
  /** Encoder hidden widths, outermost first; the decoder uses them reversed (default [32, 16]; [] = no hidden layer). */
  hiddenUnits?: number[];
  /** Activation of hidden layers (default "relu"). */
  activation?: Activation;
  /** Activation of the latent layer (default "linear"). */
  latentActivation?: Activation;
  /** Activation of the reconstruction (default "linear", right for standardised inputs; "sigmoid" for [0, 1] data). */
  outputActivation?: Activation;
  /** Dropout rate after every hidden layer, in [0, 1) (default 0). */
  dropout?: number;
  /** L2 penalty on every kernel: loss += l2 * sum(W^2) (default 0). */
  l2?: number;
  /** Seed of the weight initialisation and, by default, of training randomness (default: the project seed). */
  seed?: number;
}

/** Dense options with every default filled in. */
export type ResolvedDenseOptions = Required<DenseAutoencoderOptions>;

/** Validate dense options and fill in defaults. */
export function resolveDenseOptions(label: string, kind: ModelKind, o: DenseAutoencoderOptions): ResolvedDenseOptions {
  if (o === null || typeof o !== "object")
    throw new Error(`${label}: options must be an object with at least featureNames.`);
  const featureNames = checkFeatureNames(label, o.featureNames);
  const d = featureNames.length;
  const latentDim = checkLatent(label, o.latentDim ?? DEFAULT_LATENT_DIM, d, "number of features");
  const hiddenUnits = checkWidths(label, "hiddenUnits", o.hiddenUnits ?? [...DEFAULT_HIDDEN_UNITS], true);
  const name = o.name ?? kind;
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new Error(
      `${label}: name "${String(name)}" must be a non-empty file-name-safe string (letters, digits, . _ -).`,
    );
  }
  return {
    featureNames,
    name,
    latentDim,
    hiddenUnits,
    activation: checkActivation(label, "activation", o.activation ?? "relu"),
    latentActivation: checkActivation(label, "latentActivation", o.latentActivation ?? "linear"),
    outputActivation: checkActivation(label, "outputActivation", o.outputActivation ?? "linear"),
    dropout: checkRange(label, "dropout", o.dropout ?? 0, 0, 1, true),
    l2: checkRange(label, "l2", o.l2 ?? 0, 0, Number.MAX_VALUE),
    seed: checkSeed(label, o.seed ?? DEFAULT_SEED),
  };
}

/** Weights of the dense stack: kernels `[in, out]`, biases `[out]`. `gaussian` = VAE heads z_mean / z_log_var. */
export function denseParamSpecs(o: ResolvedDenseOptions, gaussian: boolean): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const layer = (name: string, fanIn: number, fanOut: number): void => {
    specs.push({ name: `${name}/kernel`, shape: [fanIn, fanOut], init: "glorot" });
    specs.push({ name: `${name}/bias`, shape: [fanOut], init: "zeros" });
  };
  let width = o.featureNames.length;
  o.hiddenUnits.forEach((u, i) => {
    layer(`encoder_${i}`, width, u);
    width = u;
  });
  if (gaussian) {
    layer("z_mean", width, o.latentDim);
    layer("z_log_var", width, o.latentDim);
  } else {
    layer("latent", width, o.latentDim);
  }
  width = o.latentDim;
  [...o.hiddenUnits].reverse().forEach((u, i) => {
    layer(`decoder_${i}`, width, u);
    width = u;
  });
  layer("reconstruction", width, o.featureNames.length);
  return specs;
}

/**
 * Check a matrix of latent vectors `[n, latentDim]` before decoding it: the shape must
 * match the model's bottleneck and every value must be finite.
 */
export function checkLatentInput(label: string, z: Matrix, latentDim: number): void {
  if (!z || !(z.data instanceof Float32Array) || !Number.isInteger(z.rows) || !Number.isInteger(z.cols)) {
    throw new Error(
      `${label}: latent vectors must be a Matrix {data: Float32Array, rows, cols} of shape [n, ${latentDim}].`,
    );
  }
  if (z.cols !== latentDim)
    throw new Error(
      `${label}: latent vectors have ${z.cols} columns but the model's latentDim is ${latentDim}; pass codes from this model's encode().`,
    );
  if (z.data.length !== z.rows * z.cols)
    throw new Error(
      `${label}: latent buffer has ${z.data.length} values but shape [${z.rows}, ${z.cols}]; build it with matrix().`,
    );
  for (let p = 0; p < z.data.length; p++) {
    if (!Number.isFinite(z.data[p]!))
      throw new Error(
        `${label}: latent value at [row ${Math.floor(p / z.cols)}, dim ${p % z.cols}] is ${z.data[p]}; decode finite codes only.`,
      );
  }
}

/** Base of the dense models: forward passes, training problem and layers mirror. */
export abstract class DenseBase<O extends ResolvedDenseOptions> extends NetworkAutoencoder<Matrix, O> {
  protected constructor(options: O, gaussian: boolean) {
    super(
      options.name,
      options,
      options.featureNames,
      options.latentDim,
      options.seed,
      denseParamSpecs(options, gaussian),
    );
  }

  protected sampleShape(): number[] {
    return [this.featureNames.length];
  }

  protected checkInput(what: string, x: Matrix): void {
    checkMatrix(this.name, what, x, this.featureNames);
  }

  protected samples(x: Matrix): Samples {
    return { data: x.data, n: x.rows };
  }

  protected wrap(data: Float32Array, n: number): Matrix {
    return { data, rows: n, cols: this.featureNames.length };
  }

  /**
   * `act(x W + b)` for the layer called `name`, with dropout when `dropoutSeed` is given;
   * `dataInput` when x is the model's input data (no gradient with respect to x is computed).
   */
  protected layer(name: string, x: tf.Tensor2D, act: Activation, dropoutSeed?: number, dataInput = false): tf.Tensor2D {
    const y = dense(
      x,
      this.params.get(`${name}/kernel`) as tf.Tensor2D,
      this.params.get(`${name}/bias`) as tf.Tensor1D,
      act,
      dataInput,
    );
    return dropoutSeed !== undefined && this.options.dropout > 0
      ? (tf.dropout(y, this.options.dropout, undefined, dropoutSeed) as tf.Tensor2D)
      : y;
  }

  /**
   * Encoder hidden stack `[B, d]` -> `[B, last hidden width]`. x must be input data (or a
   * corruption of it), never a tensor computed from the weights: the first layer returns no
   * gradient with respect to x (training differentiates only the weights).
   */
  protected encoderHidden(x: tf.Tensor2D, dropoutSeed?: number): tf.Tensor2D {
    let h = x;
    this.options.hiddenUnits.forEach((_, i) => {
      h = this.layer(
        `encoder_${i}`,
        h,
        this.options.activation,
        dropoutSeed === undefined ? undefined : dropoutSeed + i,
        i === 0,
      );
    });
    return h;
  }

  /** Decoder `[B, latentDim]` -> reconstruction `[B, d]`. */
  protected decode(z: tf.Tensor2D, dropoutSeed?: number): tf.Tensor2D {
    let h = z;
    const offset = this.options.hiddenUnits.length;
    this.options.hiddenUnits.forEach((_, i) => {
      h = this.layer(
        `decoder_${i}`,
        h,
        this.options.activation,
        dropoutSeed === undefined ? undefined : dropoutSeed + offset + i,
      );
    });
    return this.layer("reconstruction", h, this.options.outputActivation);
  }

  /**
   * Decode latent vectors `[n, latentDim]` into feature rows `[n, nFeatures]` (inference
   * mode, no dropout): the decoder half alone, e.g. to draw what moving along one latent
   * dimension produces. `decodeLatents(encode(x))` equals `reconstruct(x)` (for the VAE,
   * encode gives the posterior mean, which is what reconstruct decodes).
   */
  decodeLatents(z: Matrix): Matrix {
    this.assertLive();
    checkLatentInput(this.name, z, this.latentDim);
    const d = this.featureNames.length;
    const [out] = runChunked(z.data, z.rows, [this.latentDim], [d], (t) => [this.decode(t as tf.Tensor2D)]);
    return { data: out!, rows: z.rows, cols: d };
  }

  /** l2 * sum of squared kernels, or null when l2 = 0. */
  protected l2Penalty(): tf.Scalar | null {
    if (this.options.l2 === 0) return null;
    const kernels = this.params
      .names()
      .filter((n) => n.endsWith("/kernel"))
      .map((n) => tf.sum(tf.square(this.params.get(n))));
    return tf.mul(tf.addN(kernels), this.options.l2) as tf.Scalar;
  }

  /** Add the layers of the encoder hidden stack to a symbolic graph. */
  protected mirrorEncoder(input: tfl.SymbolicTensor): tfl.SymbolicTensor {
    let h = input;
    this.options.hiddenUnits.forEach((u, i) => {
      h = tfl.layers
        .dense({ name: `encoder_${i}`, units: u, activation: this.options.activation, kernelInitializer: "zeros" })
        .apply(h) as tfl.SymbolicTensor;
      if (this.options.dropout > 0)
        h = tfl.layers
          .dropout({ name: `encoder_${i}_dropout`, rate: this.options.dropout })
          .apply(h) as tfl.SymbolicTensor;
    });
    return h;
  }

  /** Add the decoder layers to a symbolic graph. */
  protected mirrorDecoder(z: tfl.SymbolicTensor): tfl.SymbolicTensor {
    let h = z;
    [...this.options.hiddenUnits].reverse().forEach((u, i) => {
      h = tfl.layers
        .dense({ name: `decoder_${i}`, units: u, activation: this.options.activation, kernelInitializer: "zeros" })
        .apply(h) as tfl.SymbolicTensor;
      if (this.options.dropout > 0)
        h = tfl.layers
          .dropout({ name: `decoder_${i}_dropout`, rate: this.options.dropout })
          .apply(h) as tfl.SymbolicTensor;
    });
    return tfl.layers
      .dense({
        name: "reconstruction",
        units: this.featureNames.length,
        activation: this.options.outputActivation,
        kernelInitializer: "zeros",
      })
      .apply(h) as tfl.SymbolicTensor;
  }
}

/** Base of the deterministic dense models (AE, DAE): one latent layer, MSE objective. */
export abstract class DeterministicDense<O extends ResolvedDenseOptions> extends DenseBase<O> {
  protected constructor(options: O) {
    super(options, false);
  }

  protected forwardEncode(x: tf.Tensor): tf.Tensor2D {
    return this.layer("latent", this.encoderHidden(x as tf.Tensor2D), this.options.latentActivation);
  }

  protected forwardReconstruct(x: tf.Tensor): tf.Tensor {
    return this.decode(this.forwardEncode(x));
  }

  /** The epoch's streams: [input] for the AE, [corrupted input, clean target] for the DAE. */
  protected abstract trainingStreams(train: Samples, epoch: number, rng: Rng): TrainingStream[];

  protected trainingProblem(train: Samples, validation: Samples): TrainingProblem {
    return {
      label: this.name,
      variables: this.params.list(),
      nTrain: train.n,
      streams: (epoch, rng) => this.trainingStreams(train, epoch, rng),
      batchLoss: (batch, ctx) => {
        const input = batch[0] as tf.Tensor2D;
        const target = (batch[1] ?? batch[0]) as tf.Tensor2D;
        const z = this.layer("latent", this.encoderHidden(input, ctx.seed), this.options.latentActivation);
        const recon = this.decode(z, ctx.seed);
        const mse = meanSquaredError(recon, target);
        const penalty = this.l2Penalty();
        return { loss: penalty === null ? mse : tf.add(mse, penalty) };
      },
      validate: () => ({ loss: this.meanSquaredError({ data: validation.data, n: validation.n }) }),
    };
  }

  /** Sequential mirror: encoder, latent, decoder, reconstruction. */
  toLayersModel(): tfl.LayersModel {
    this.assertLive();
    const input = tfl.input({ shape: [this.featureNames.length], name: "features" });
    const h = this.mirrorEncoder(input);
    const z = tfl.layers
      .dense({
        name: "latent",
        units: this.latentDim,
        activation: this.options.latentActivation,
        kernelInitializer: "zeros",
      })
      .apply(h) as tfl.SymbolicTensor;
    const out = this.mirrorDecoder(z);
    return this.fillMirror(tfl.model({ inputs: input, outputs: out, name: this.name }));
  }
}

/**
 * The plain dense autoencoder: trained to reproduce its input through the bottleneck;
 * score = reconstruction error.
 *
 * @example
 *   const ae = new DenseAutoencoder({ featureNames, latentDim: 8, hiddenUnits: [16] });
 *   const history = await ae.fit(train, validation, { maxEpochs: 50, batchSize: 256, patience: 5 });
 *   const { perRow } = ae.score(test);
 */
export class DenseAutoencoder extends DeterministicDense<ResolvedDenseOptions> {
  readonly kind: ModelKind = "ae";

  /** @param options see DenseAutoencoderOptions; throws on invalid values. */
  constructor(options: DenseAutoencoderOptions) {
    super(resolveDenseOptions("AE", "ae", options));
  }

  protected trainingStreams(train: Samples): TrainingStream[] {
    return [{ data: train.data, sampleShape: this.sampleShape() }];
  }
}
