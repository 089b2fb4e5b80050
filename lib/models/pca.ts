/**
 * PCA as a linear autoencoder: the reference every network must beat. With k components it is
 * the best rank-k linear reconstruction (Eckart-Young), which is exactly what a linear AE with
 * a k-wide bottleneck converges to, so a network earns its keep only by beating it.
 *
 * fit = eigendecomposition of the training covariance, accumulated in Float64 and solved by
 * Householder tridiagonalisation and implicit QL (lib/stats/eigen.ts: O(d^3), a third of a
 * second for the 510 inputs of a 30-day window); no epochs, a history with one record. Components are sorted by
 * variance and signed so that each one's largest-magnitude loading is positive, which makes
 * the result deterministic. encode = (x - mean) W, reconstruct = z W^T + mean, computed in
 * Float64 from the Float32 parameters that are saved, so a loaded model repeats its outputs.
 */
import * as tfl from "@tensorflow/tfjs-layers";
import * as tf from "@tensorflow/tfjs-core";
import { DEFAULT_SEED } from "../config";
import type { Matrix } from "../runtime/matrix";
import { saveModelDirectory } from "../train/persist";
import { DEFAULT_LATENT_DIM, checkLatentInput } from "./dense";
import { reconstructionScores } from "./network";
import type { Autoencoder, ModelKind, ScoreMode, ScoreResult } from "./types";
import type { FitOptions, TrainHistory } from "../train/types";
import { covarianceMatrix, symmetricEigen } from "../stats/eigen";
import { checkFeatureNames, checkLatent, checkMatrix, checkSeed, constantColumns } from "./validate";

/** Eigenvalues below this fraction of the largest count as zero when reporting the rank. */
export const RANK_TOLERANCE = 1e-10;

/** Options of the PCA model. */
export interface PCAOptions {
  /** Input column names, one per feature. Required. */
  featureNames: string[];
  /** Number of components kept; must be smaller than the number of features (default 8, as the AE). */
  latentDim?: number;
  /** Model name (default "pca"). */
  name?: string;
  /** Recorded for the contract; PCA has no randomness (default: the project seed). */
  seed?: number;
}

/** PCA options with defaults filled in. */
export type ResolvedPCAOptions = Required<PCAOptions>;

/** Validate PCA options and fill in defaults. */
export function resolvePCAOptions(o: PCAOptions): ResolvedPCAOptions {
  if (o === null || typeof o !== "object")
    throw new Error("PCA: options must be an object with at least featureNames.");
  const featureNames = checkFeatureNames("PCA", o.featureNames);
  const name = o.name ?? "pca";
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new Error(`PCA: name "${String(name)}" must be a non-empty file-name-safe string (letters, digits, . _ -).`);
  }
  return {
    featureNames,
    latentDim: checkLatent("PCA", o.latentDim ?? DEFAULT_LATENT_DIM, featureNames.length, "number of features"),
    name,
    seed: checkSeed("PCA", o.seed ?? DEFAULT_SEED),
  };
}

/** Principal component analysis with the autoencoder contract. */
export class PCAModel implements Autoencoder<Matrix> {
  readonly kind: ModelKind = "pca";
  readonly name: string;
  readonly latentDim: number;
  readonly featureNames: string[];
  readonly seed: number;
  /** Resolved options (saved in meta.json). */
  readonly options: Readonly<ResolvedPCAOptions>;
  /** Column means `[d]` (Float32, as saved). */
  private mean: Float32Array | null = null;
  /** Components `[d, k]` row-major, column j = component j (Float32, as saved). */
  private components: Float32Array | null = null;
  /** Variance along every principal axis `[d]`, descending (all d, for scree plots). */
  private eigenvalues: Float64Array | null = null;
  private lastHistory: TrainHistory | null = null;

  /** @param options see PCAOptions; throws on invalid values. */
  constructor(options: PCAOptions) {
    this.options = resolvePCAOptions(options);
    this.name = this.options.name;
    this.latentDim = this.options.latentDim;
    this.featureNames = this.options.featureNames;
    this.seed = this.options.seed;
  }

  /** History of the fit: one record. */
  get history(): TrainHistory | null {
    return this.lastHistory;
  }

  /** Variance of each of the d principal axes, descending (null before fit). */
  get explainedVariance(): Float64Array | null {
    return this.eigenvalues;
  }

  /** Share of total variance of each axis, descending (null before fit). */
  get explainedVarianceRatio(): Float64Array | null {
    if (this.eigenvalues === null) return null;
    const total = this.eigenvalues.reduce((a, b) => a + Math.max(0, b), 0);
    return this.eigenvalues.map((v) => (total > 0 ? Math.max(0, v) / total : 0));
  }

  /** Number of axes with non-negligible variance (eigenvalue > RANK_TOLERANCE x largest). */
  get rank(): number | null {
    if (this.eigenvalues === null) return null;
    const top = this.eigenvalues[0]!;
    return top <= 0 ? 0 : this.eigenvalues.filter((v) => v > RANK_TOLERANCE * top).length;
  }

  /** Components `[d, k]` (column j = axis j), a copy. */
  getComponents(): Matrix {
    const w = this.fitted();
    return { data: Float32Array.from(w.components), rows: this.featureNames.length, cols: this.latentDim };
  }

  /**
   * Fit on the training split; `validation` gives the valLoss. Only onEpoch and verbose of the
   * options matter (there are no epochs or batches).
   */
  async fit(train: Matrix, validation: Matrix, options: Partial<FitOptions> = {}): Promise<TrainHistory> {
    checkMatrix(this.name, "training data", train, this.featureNames);
    checkMatrix(this.name, "validation data", validation, this.featureNames);
    if (train.rows < 2)
      throw new Error(`${this.name}: PCA needs at least 2 training rows to estimate a covariance, got ${train.rows}.`);
    if (validation.rows === 0) throw new Error(`${this.name}: the validation split has no rows.`);
    const t0 = performance.now();
    const warnings: string[] = [];
    const constant = constantColumns(train.data, train.rows, train.cols);
    if (constant.length > 0) {
      warnings.push(
        `${constant.length} feature(s) are constant on the training split: ${constant.map((j) => this.featureNames[j]).join(", ")}. They get zero loadings and are reproduced exactly by the mean.`,
      );
    }
    const d = this.featureNames.length;
    const k = this.latentDim;
    const { mean, cov } = covarianceMatrix(train);
    const { values, vectors } = symmetricEigen(cov, d);
    const components = new Float32Array(d * k);
    for (let j = 0; j < k; j++) {
      let big = 0;
      for (let i = 0; i < d; i++) if (Math.abs(vectors[i * d + j]!) > Math.abs(big)) big = vectors[i * d + j]!;
      const sign = big < 0 ? -1 : 1;
      for (let i = 0; i < d; i++) components[i * k + j] = sign * vectors[i * d + j]!;
    }
    this.mean = Float32Array.from(mean);
    this.components = components;
    this.eigenvalues = values;
    const rank = this.rank!;
    if (rank < k)
      warnings.push(
        `The training data has rank ${rank} < latentDim ${k}: components ${rank + 1}..${k} carry no variance.`,
      );
    const trainMse = this.mse(train);
    const valLoss = this.mse(validation);
    const seconds = (performance.now() - t0) / 1000;
    const record = { epoch: 1, loss: trainMse, valLoss, seconds, learningRate: 0 };
    this.lastHistory = {
      epochs: [record],
      bestEpoch: 1,
      bestValLoss: valLoss,
      stopReason: "converged",
      seconds,
      warnings,
    };
    if (options.verbose)
      console.log(
        `${this.name} PCA k=${k}: train mse=${trainMse.toPrecision(5)} val mse=${valLoss.toPrecision(5)} ${seconds.toFixed(2)}s`,
      );
    options.onEpoch?.(record);
    return this.lastHistory;
  }

  /** Projections `[n, k]`. */
  encode(x: Matrix): Matrix {
    checkMatrix(this.name, "input", x, this.featureNames);
    const z = this.project(x);
    return { data: Float32Array.from(z), rows: x.rows, cols: this.latentDim };
  }

  /** Back-projections `[n, d]`. */
  reconstruct(x: Matrix): Matrix {
    checkMatrix(this.name, "input", x, this.featureNames);
    return { data: this.backProject(this.project(x), x.rows), rows: x.rows, cols: x.cols };
  }

  /**
   * Back-project latent vectors `[n, k]` into feature rows `[n, d]` (z W^T + mean), the
   * decoder half alone; `decodeLatents(encode(x))` equals `reconstruct(x)`.
   */
  decodeLatents(z: Matrix): Matrix {
    this.fitted();
    checkLatentInput(this.name, z, this.latentDim);
    return { data: this.backProject(Float64Array.from(z.data), z.rows), rows: z.rows, cols: this.featureNames.length };
  }

  /** Reconstruction-error scores ("elbo" is VAE-only). */
  score(x: Matrix, mode: ScoreMode = "mse"): ScoreResult {
    if (mode !== "mse" && mode !== "mae")
      throw new Error(`${this.name}: score mode "${mode}" needs a VAE; use "mse" or "mae" for PCA.`);
    return reconstructionScores(x.data, this.reconstruct(x).data, x.rows, x.cols, mode);
  }

  /**
   * Save as a two-layer linear tfjs model: encoder (kernel W, bias -mean W) and reconstruction
   * (kernel W^T, bias mean), so tf.loadLayersModel reproduces the back-projection.
   */
  async save(dir: string, extra: Record<string, unknown> = {}): Promise<void> {
    const { mean, components } = this.fitted();
    const d = this.featureNames.length;
    const k = this.latentDim;
    const wt = new Float32Array(k * d);
    const encBias = new Float32Array(k);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < k; j++) {
        wt[j * d + i] = components[i * k + j]!;
        encBias[j] -= mean[i]! * components[i * k + j]!;
      }
    }
    const model = tfl.sequential({ name: this.name });
    model.add(tfl.layers.dense({ name: "encoder", units: k, inputShape: [d], kernelInitializer: "zeros" }));
    model.add(tfl.layers.dense({ name: "reconstruction", units: d, kernelInitializer: "zeros" }));
    try {
      tf.tidy(() => {
        model.layers[0]!.setWeights([tf.tensor2d(components, [d, k]), tf.tensor1d(encBias)]);
        model.layers[1]!.setWeights([tf.tensor2d(wt, [k, d]), tf.tensor1d(mean)]);
      });
      await saveModelDirectory(dir, model, {
        kind: this.kind,
        name: this.name,
        options: { ...this.options },
        featureNames: this.featureNames,
        seed: this.seed,
        latentDim: k,
        history: this.lastHistory,
        extra,
        state: { explainedVariance: Array.from(this.eigenvalues ?? []) },
      });
    } finally {
      model.dispose();
    }
  }

  /** Install fitted parameters read from a saved model (used by loadModel). */
  restore(
    weights: tf.NamedTensorMap,
    state: Record<string, unknown> | undefined,
    history: TrainHistory | null,
    source: string,
  ): void {
    const d = this.featureNames.length;
    const k = this.latentDim;
    const w = weights["encoder/kernel"];
    const b = weights["reconstruction/bias"];
    if (w === undefined || b === undefined)
      throw new Error(`${source} lacks encoder/kernel or reconstruction/bias: not a PCA model.`);
    if (w.shape[0] !== d || w.shape[1] !== k || b.shape[0] !== d) {
      throw new Error(
        `${source}: PCA weights have shapes [${w.shape}] and [${b.shape}] but meta.json says ${d} features and latentDim ${k}.`,
      );
    }
    this.components = Float32Array.from(w.dataSync() as Float32Array);
    this.mean = Float32Array.from(b.dataSync() as Float32Array);
    const ev = state?.explainedVariance;
    this.eigenvalues = Array.isArray(ev) ? Float64Array.from(ev as number[]) : null;
    this.lastHistory = history;
  }

  /** PCA holds no tensors; provided for the contract. */
  dispose(): void {
    this.mean = null;
    this.components = null;
  }

  private fitted(): { mean: Float32Array; components: Float32Array } {
    if (this.mean === null || this.components === null)
      throw new Error(`${this.name}: PCA is not fitted; call fit(train, validation) or loadModel(dir) first.`);
    return { mean: this.mean, components: this.components };
  }

  /** z = (x - mean) W in Float64, `[n, k]`. */
  private project(x: Matrix): Float64Array {
    const { mean, components } = this.fitted();
    const d = x.cols;
    const k = this.latentDim;
    const z = new Float64Array(x.rows * k);
    const r = new Float64Array(d);
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < d; j++) r[j] = x.data[i * d + j]! - mean[j]!;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += r[j]! * components[j * k + c]!;
        z[i * k + c] = s;
      }
    }
    return z;
  }

  /** xhat = z W^T + mean, `[n, d]`. */
  private backProject(z: Float64Array, n: number): Float32Array {
    const { mean, components } = this.fitted();
    const d = this.featureNames.length;
    const k = this.latentDim;
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        let s = mean[j]!;
        for (let c = 0; c < k; c++) s += z[i * k + c]! * components[j * k + c]!;
        out[i * d + j] = s;
      }
    }
    return out;
  }

  private mse(x: Matrix): number {
    const recon = this.reconstruct(x).data;
    let s = 0;
    for (let i = 0; i < recon.length; i++) {
      const e = x.data[i]! - recon[i]!;
      s += e * e;
    }
    return s / recon.length;
  }
}
