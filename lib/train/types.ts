/**
 * The training contract shared by every model's fit: options, per-epoch records, the
 * history a fit returns, learning-rate schedules and the meta.json of a saved model.
 * Training (lib/train) sits below the models (lib/models), which call its loop.
 */

import type { ModelKind } from "../runtime/model-registry";

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
  /**
   * Set when the run-wide cap (CAE_MAX_EPOCHS) lowered maxEpochs: the epochs the caller asked
   * for. Absent on an uncapped fit.
   */
  cappedFrom?: number;
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
  /** Epochs without a validation improvement larger than minDelta (and minRelativeDelta) before stopping. */
  patience: number;
  /** Initial Adam learning rate (default 1e-3). */
  learningRate?: number;
  /** Smallest validation-loss decrease that counts as an improvement (default 0). */
  minDelta?: number;
  /**
   * Smallest relative decrease (a share of the loss at the last improvement) that counts as an
   * improvement for early stopping and the plateau schedule (default 0). Losses differ in scale
   * between models (a VAE's includes its KL term), so a relative threshold means the same
   * thing for all. Any decrease still keeps the weights: training ends at the best epoch.
   */
  minRelativeDelta?: number;
  /** Seed for shuffling, corruption noise, dropout and VAE sampling (default: the model's seed). */
  seed?: number;
  /** Learning-rate schedule (default: reduce on plateau, factor 0.5, patience max(1, patience/2)). */
  schedule?: LearningRateSchedule;
  /** Called after each epoch with its record (progress bars, logging). */
  onEpoch?: (e: EpochRecord) => void;
  /** Print one line per epoch to stdout. */
  verbose?: boolean;
}

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
