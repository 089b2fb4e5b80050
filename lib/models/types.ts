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

/** One epoch of training. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /**
   * Mean training objective over the epoch's batches, weighted by batch size: the
   * reconstruction loss plus any L2 penalty, and for the VAE beta x KL at this epoch's beta.
   * Computed on corrupted inputs for the DAE and with dropout active.
   */
  loss: number;
  /**
   * The objective used for early stopping, on the validation split: reconstruction MSE of
   * clean inputs with dropout off (AE, DAE, Conv1D, PCA); for the VAE the negative ELBO with the
   * target beta on a fixed noise draw, so that it stays comparable across warm-up epochs.
   */
  valLoss: number;
  /** Named training loss terms (VAE: recon, kl, mse, beta). */
  terms?: Record<string, number>;
  /** Named validation loss terms (VAE: recon, kl, mse). */
  valTerms?: Record<string, number>;
  /** Wall-clock seconds of this epoch, validation included. */
  seconds: number;
  /** Learning rate used during this epoch (0 for PCA, which has no optimiser). */
  learningRate: number;
}

/** Why training ended. */
export type StopReason = "converged" | "max-epochs" | "diverged";

/** What `fit` returns. */
export interface TrainHistory {
  /** One record per epoch that ran. */
  epochs: EpochRecord[];
  /** Epoch (1-based) whose weights the model holds after fit: the best validation loss. */
  bestEpoch: number;
  /** Validation loss at bestEpoch. */
  bestValLoss: number;
  /** converged = early stopping ran out of patience; diverged = NaN/Inf or exploding loss. */
  stopReason: StopReason;
  /** Total wall-clock seconds. */
  seconds: number;
  /**
   * Documented repairs and notices, e.g. constant (zero-variance) features, a batch size
   * larger than the training set, or the divergence message. Never silently dropped.
   */
  warnings: string[];
}

/** Learning-rate schedules. Epochs are 1-based. */
export type LearningRateSchedule =
  | { kind: "constant" }
  /** Multiply the rate by `factor` after `patience` epochs without validation improvement. */
  | { kind: "plateau"; factor?: number; patience?: number; minLearningRate?: number }
  /** Cosine decay from the initial rate to `minLearningRate` over maxEpochs. */
  | { kind: "cosine"; minLearningRate?: number };

/** Options of one `fit` call. */
export interface FitOptions {
  /** Upper bound on epochs; early stopping usually ends sooner. */
  maxEpochs: number;
  /** Mini-batch size; shrinks to the training-set size when that is smaller (noted in warnings). */
  batchSize: number;
  /** Epochs without a validation improvement larger than minDelta before stopping. */
  patience: number;
  /** Initial Adam learning rate (default 1e-3). */
  learningRate?: number;
  /** Smallest validation-loss decrease that counts as an improvement (default 0). */
  minDelta?: number;
  /** Seed for shuffling, corruption noise, dropout and VAE sampling (default: the model's seed). */
  seed?: number;
  /** Learning-rate schedule (default: reduce on plateau, factor 0.5, patience max(1, patience/2)). */
  schedule?: LearningRateSchedule;
  /** Called after each epoch with its record (progress bars, logging). */
  onEpoch?: (e: EpochRecord) => void;
  /** Print one line per epoch to stdout. */
  verbose?: boolean;
}

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

/** Contents of meta.json next to a saved model. */
export interface ModelMeta {
  /** File format version of meta.json. */
  formatVersion: number;
  kind: ModelKind;
  name: string;
  /** Fully resolved builder options (defaults filled in). */
  options: Record<string, unknown>;
  featureNames: string[];
  seed: number;
  latentDim: number;
  /** Backend the model was trained and saved on. */
  backend: string | null;
  /** ISO time of saving. */
  savedAt: string;
  /** Summary metrics: best epoch, best validation loss, epochs run, stop reason... */
  metrics: Record<string, number | string | null>;
  /** The full training history when there is one. */
  history: TrainHistory | null;
  /** Caller's extras, e.g. scaler statistics. */
  extra: Record<string, unknown>;
  /** Fitted state that is not a weight (PCA: the explained variance of every axis). */
  state?: Record<string, unknown>;
}
