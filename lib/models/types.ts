/**
 * The one contract shared by every model (dense AE, VAE, DAE, Conv1D AE and the PCA baseline),
 * in the spirit of PyOD's BaseDetector: build from one typed options object, `fit` on a
 * training split with a validation split for early stopping, then `encode`, `reconstruct`
 * and `score` (higher = more anomalous). Thresholds are not a model concern: they are
 * computed once, elsewhere, from the scores.
 *
 * Inputs are plain typed containers from lib/runtime/matrix.ts: a `Matrix` `[nRows, nFeatures]`
 * for the row models and `Windows` `[nWindows, windowLength, nFeatures]` for the Conv1D model.
 */

import type { Matrix, Windows } from "../runtime/matrix";
import type { ModelKind } from "../runtime/model-registry";
import type { FitOptions, TrainHistory } from "../train/types";

/** The model families and their list live in the model registry (lib/runtime/model-registry.ts). */
export { MODEL_KINDS, type ModelKind } from "../runtime/model-registry";

/** Activation functions available in every network (each maps to a tfjs-layers activation of the same name). */
export type Activation = "relu" | "elu" | "selu" | "tanh" | "sigmoid" | "softplus" | "swish" | "linear";

/** All activations, for option validation. */
export const ACTIVATIONS: readonly Activation[] = [
  "relu",
  "elu",
  "selu",
  "tanh",
  "sigmoid",
  "softplus",
  "swish",
  "linear",
];

/** How a row's reconstruction is turned into an anomaly score. */
export type ScoreMode = "mse" | "mae" | "elbo";

/** Anomaly scores; higher = more anomalous. */
export interface ScoreResult {
  /** `[n]` one score per row (or per window). */
  perRow: Float64Array;
  /**
   * `[n, nFeatures]` per-feature error (squared for mse/elbo, absolute for mae); for Conv1D
   * averaged over the window's time steps.
   */
  perFeature: Matrix;
}

/** What every model's resolved options hold, at least (read by `architectureRow`). */
export interface ModelOptionsSummary {
  featureNames: readonly string[];
  latentDim: number;
  hiddenUnits?: readonly number[];
  activation?: string;
}

/** The autoencoder contract. X is `Matrix` `[n, nFeatures]` or, for Conv1D, `Windows` `[n, windowLength, nFeatures]`. */
export interface Autoencoder<X = Matrix> {
  /** Model family. */
  readonly kind: ModelKind;
  /** Name used for the save directory and in reports. */
  readonly name: string;
  /** Size of the latent vector of one row (or one window). */
  readonly latentDim: number;
  /** Input feature names, in column order; a saved model refuses other names. */
  readonly featureNames: string[];
  /** Seed used for initialisation (and, by default, for training randomness). */
  readonly seed: number;
  /** The resolved options the model was built with (what architecture tables print). */
  readonly options: Readonly<ModelOptionsSummary>;
  /** The history of the last fit, or null before fitting (or after loading, see meta.json). */
  readonly history: TrainHistory | null;
  /** Train with early stopping on `validation`; restores the best weights. */
  fit(train: X, validation: X, options: FitOptions): Promise<TrainHistory>;
  /** Latent vectors `[n, latentDim]` (the VAE returns the posterior mean). */
  encode(x: X): Matrix;
  /** Reconstruction, same shape as x. */
  reconstruct(x: X): X;
  /** Anomaly scores; "elbo" exists only for the VAE. */
  score(x: X, mode?: ScoreMode): ScoreResult;
  /** Write `dir/model.json`, `dir/weights.bin` and `dir/meta.json` atomically. */
  save(dir: string, extra?: Record<string, unknown>): Promise<void>;
  /** Release the tensors held by the model. */
  dispose(): void;
}

/** A model over row matrices. */
export type RowModel = Autoencoder<Matrix>;
/** A model over windows. */
export type WindowModel = Autoencoder<Windows>;
/** Any model of the project. */
export type AnyAutoencoder = RowModel | WindowModel;
