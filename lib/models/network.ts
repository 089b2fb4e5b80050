/**
 * The common machinery of the neural models (AE, DAE, VAE, Conv1D AE): input checks, the fit
 * entry point around lib/train's loop, chunked inference, scoring and saving. A subclass
 * supplies its weights, its forward passes, its training problem and a tfjs-layers mirror of
 * its inference graph (used only to write a standard TensorFlow.js model.json).
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { Matrix, Windows } from "../runtime/matrix";
import { Rng } from "../runtime/rng";
import { trainLoop, type TrainingProblem } from "../train/fit";
import { saveModelDirectory } from "../train/persist";
import { ParamStore, runChunked, sumChunked, type ParamSpec } from "./nn";
import type { Autoencoder, ModelKind, ModelOptionsSummary, ScoreMode, ScoreResult } from "./types";
import type { FitOptions, TrainHistory } from "../train/types";
import { constantColumns } from "./validate";

/** Flat view of an input: `[n, ...sampleShape]` row-major. */
export interface Samples {
  data: Float32Array;
  n: number;
}

/** Base class of the tfjs models. X is Matrix `[n, d]` or Windows `[n, L, F]`. */
export abstract class NetworkAutoencoder<X extends Matrix | Windows, O extends ModelOptionsSummary>
  implements Autoencoder<X>
{
  abstract readonly kind: ModelKind;
  readonly name: string;
  readonly latentDim: number;
  readonly featureNames: string[];
  readonly seed: number;
  /** Fully resolved options (defaults filled in); saved in meta.json. */
  readonly options: Readonly<O>;
  /** The weights. */
  protected readonly params: ParamStore;
  private lastHistory: TrainHistory | null = null;
  private disposed = false;

  protected constructor(
    name: string,
    options: O,
    featureNames: string[],
    latentDim: number,
    seed: number,
    specs: ParamSpec[],
  ) {
    this.name = name;
    this.options = options;
    this.featureNames = featureNames;
    this.latentDim = latentDim;
    this.seed = seed;
    this.params = new ParamStore(specs, new Rng(seed).fork("init"));
  }

  /** The history of the last fit (or the saved one after loading), null before. */
  get history(): TrainHistory | null {
    return this.lastHistory;
  }

  /** Shape of one sample: `[nFeatures]` or `[windowLength, nFeatures]`. */
  protected abstract sampleShape(): number[];
  /** Throw a clear error when x does not fit the model or holds non-finite values. */
  protected abstract checkInput(what: string, x: X): void;
  /** The flat data of x. */
  protected abstract samples(x: X): Samples;
  /** Build an X from flat data of n samples. */
  protected abstract wrap(data: Float32Array, n: number): X;
  /** Latent vectors `[B, latentDim]` of a batch (inference mode). */
  protected abstract forwardEncode(x: tf.Tensor): tf.Tensor2D;
  /** Reconstruction of a batch, same shape (inference mode). */
  protected abstract forwardReconstruct(x: tf.Tensor): tf.Tensor;
  /** The training problem for lib/train's loop. */
  protected abstract trainingProblem(train: Samples, validation: Samples, fitSeed: number): TrainingProblem;
  /** A tfjs-layers model with this model's inference graph and weights (caller disposes it). */
  abstract toLayersModel(): tfl.LayersModel;

  /** Number of scalar weights. */
  parameterCount(): number {
    return this.params.size();
  }

  /** A copy of the weights by name (`<layer>/kernel`, `<layer>/bias`). */
  getWeights(): Map<string, { shape: number[]; values: Float32Array }> {
    this.assertLive();
    return this.params.snapshot();
  }

  /** Replace the weights by name; every weight must be present with its exact shape. */
  setWeights(
    weights: Map<string, { shape: number[]; values: Float32Array }> | Record<string, tf.Tensor>,
    source = "weights",
  ): void {
    this.assertLive();
    this.params.assign(weights, source);
  }

  /** Install a history (used by loadModel). */
  restoreHistory(history: TrainHistory | null): void {
    this.lastHistory = history;
  }

  /**
   * Train with early stopping; see Autoencoder.fit. Calling fit again continues from the
   * current weights (with a fresh optimiser). Zero-variance features are kept and listed in
   * history.warnings.
   */
  async fit(train: X, validation: X, options: FitOptions): Promise<TrainHistory> {
    this.assertLive();
    this.checkInput("training data", train);
    this.checkInput("validation data", validation);
    const tr = this.samples(train);
    const va = this.samples(validation);
    if (tr.n === 0)
      throw new Error(`${this.name}: the training split has no rows; check the date split and the window length.`);
    if (va.n === 0)
      throw new Error(
        `${this.name}: the validation split has no rows; early stopping needs held-out data (e.g. the last 15% of days).`,
      );
    const warnings: string[] = [];
    const nf = this.featureNames.length;
    const constant = constantColumns(tr.data, tr.data.length / nf, nf);
    if (constant.length > 0) {
      warnings.push(
        `${constant.length} feature(s) are constant on the training split and carry no information: ` +
          `${constant.map((j) => this.featureNames[j]).join(", ")}. Kept; the decoder reproduces them through its bias, so they add ~0 to scores.`,
      );
    }
    const seed = options.seed ?? this.seed;
    try {
      const history = await trainLoop(this.trainingProblem(tr, va, seed), options, seed, warnings);
      this.lastHistory = history;
      return history;
    } finally {
      this.releaseTrainingBuffers();
    }
  }

  /** Latent vectors `[n, latentDim]`. */
  encode(x: X): Matrix {
    this.assertLive();
    this.checkInput("input", x);
    const s = this.samples(x);
    const [z] = runChunked(s.data, s.n, this.sampleShape(), [this.latentDim], (t) => [this.forwardEncode(t)]);
    return { data: z!, rows: s.n, cols: this.latentDim };
  }

  /** Reconstruction of x, same shape. */
  reconstruct(x: X): X {
    this.assertLive();
    this.checkInput("input", x);
    const s = this.samples(x);
    const width = this.sampleShape().reduce((a, b) => a * b, 1);
    const [r] = runChunked(s.data, s.n, this.sampleShape(), [width], (t) => [this.forwardReconstruct(t)]);
    return this.wrap(r!, s.n);
  }

  /** Reconstruction-error scores; "elbo" is VAE-only. */
  score(x: X, mode: ScoreMode = "mse"): ScoreResult {
    if (mode !== "mse" && mode !== "mae") {
      throw new Error(`${this.name}: score mode "${mode}" needs a VAE; use "mse" or "mae" for a ${this.kind} model.`);
    }
    const s = this.samples(x);
    const recon = this.samples(this.reconstruct(x));
    return reconstructionScores(s.data, recon.data, s.n, this.featureNames.length, mode);
  }

  /** Save to `dir` (model.json + weights.bin + meta.json), atomically. */
  async save(dir: string, extra: Record<string, unknown> = {}): Promise<void> {
    this.assertLive();
    const mirror = this.toLayersModel();
    try {
      await saveModelDirectory(dir, mirror, {
        kind: this.kind,
        name: this.name,
        options: this.options as Record<string, unknown>,
        featureNames: this.featureNames,
        seed: this.seed,
        latentDim: this.latentDim,
        history: this.lastHistory,
        extra,
      });
    } finally {
      mirror.dispose();
    }
  }

  /** Release the weights; the model is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.params.dispose();
    this.disposed = true;
  }

  /** Drop per-fit scratch buffers (corrupted copies, noise) once training ends. */
  protected releaseTrainingBuffers(): void {}

  /** Mean squared reconstruction error over all values of a split, computed in chunks. */
  protected meanSquaredError(s: Samples): number {
    const width = this.sampleShape().reduce((a, b) => a * b, 1);
    const [sse] = sumChunked([{ data: s.data, sampleShape: this.sampleShape() }], s.n, ([t]) => [
      tf.sum(tf.squaredDifference(this.forwardReconstruct(t!), t!)),
    ]);
    return sse! / (s.n * width);
  }

  /** Copy the layers' weights from this model into a mirror built with the same layer names. */
  protected fillMirror(model: tfl.LayersModel): tfl.LayersModel {
    for (const layer of model.layers) {
      if (layer.weights.length === 0) continue;
      layer.setWeights(layer.weights.map((w) => this.params.get(w.originalName)));
    }
    return model;
  }

  protected assertLive(): void {
    if (this.disposed) throw new Error(`${this.name}: the model was disposed; build or load it again.`);
  }
}

/**
 * Per-row and per-feature reconstruction errors.
 * @param x `[n, steps, nFeatures]` flattened (steps = 1 for row models)
 * @param recon same shape as x
 * @returns perFeature `[n, nFeatures]` averaged over steps; perRow the mean over features.
 */
export function reconstructionScores(
  x: Float32Array,
  recon: Float32Array,
  n: number,
  nFeatures: number,
  mode: "mse" | "mae",
): ScoreResult {
  const steps = n === 0 ? 1 : x.length / (n * nFeatures);
  const perFeature = new Float32Array(n * nFeatures);
  const perRow = new Float64Array(n);
  const acc = new Float64Array(nFeatures);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    for (let t = 0; t < steps; t++) {
      const base = (i * steps + t) * nFeatures;
      for (let f = 0; f < nFeatures; f++) {
        const e = x[base + f]! - recon[base + f]!;
        acc[f] += mode === "mse" ? e * e : Math.abs(e);
      }
    }
    let rowSum = 0;
    for (let f = 0; f < nFeatures; f++) {
      const v = acc[f]! / steps;
      perFeature[i * nFeatures + f] = v;
      rowSum += v;
    }
    perRow[i] = rowSum / nFeatures;
  }
  return { perRow, perFeature: { data: perFeature, rows: n, cols: nFeatures } };
}
