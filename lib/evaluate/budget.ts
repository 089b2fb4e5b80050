/** budget.ts */

import type { ProfileName } from "../config";

// ---------------------------------------------------------------------------------------
// Budgets
// ---------------------------------------------------------------------------------------

/** What the evaluation may spend on a profile: replicates, sweep sizes, epochs, folds. */
export interface EvaluationBudget {
  /** Bootstrap replicates of every interval. */
  nBoot: number;
  /** Latent sizes of the sweep for the dense models (AE, VAE, DAE) and token-day PCA. */
  latentDims: number[];
  /** Latent sizes of the sweep for the Conv1D AE and window PCA. */
  convLatentDims: number[];
  /** Most training rows of each sweep model (stratified by token and quarter). */
  sweepTrainRows: number;
  /** Most validation rows used for early stopping in the sweep. */
  sweepValidationRows: number;
  /** Epoch budget of each dense sweep model. */
  sweepEpochs: number;
  /** Early-stopping patience in the sweep and the walk-forward. */
  sweepPatience: number;
  /** Most training windows of each Conv1D sweep model. */
  convTrainWindows: number;
  /** Epoch budget of each Conv1D sweep model. */
  convEpochs: number;
  /** Gaussian noise levels, in training standard deviations of each feature. */
  noiseStds: number[];
  /** Shares of values masked (set to 0, the training mean). */
  maskFractions: number[];
  /** Most test windows in the Conv1D noise test (the row models use every test row). */
  noiseMaxWindows: number;
  /** Expanding walk-forward folds. */
  walkForwardFolds: number;
  /** Most training rows of each walk-forward AE. */
  walkForwardTrainRows: number;
  /** Epoch budget of each walk-forward AE. */
  walkForwardEpochs: number;
}

/** Noise levels for every profile: from mild (0.1 sd) to as large as the signal (1 sd). */
const NOISE_STDS = [0.1, 0.25, 0.5, 1];
/** Masked shares for every profile: the DAE trains with 10%, so 25% and 50% go beyond it. */
const MASK_FRACTIONS = [0.1, 0.25, 0.5];

/**
 * Budgets per profile. The sweep trains 3 dense kinds x |latentDims| models plus Conv1D x
 * |convLatentDims|; on the default profile that is 12 dense models on at most 12k rows for
 * at most 12 epochs (~0.1 s per epoch each on wasm; 20 before the dense models' learning rate
 * went from 1e-3 to 3e-3, which reaches the same loss in about two thirds of the epochs) and 3 Conv1D models on 4k windows for at
 * most 12 epochs (~0.3 s per epoch): the sweep was 122 of notebook 08's 159 CPU s with 20k
 * rows and 8k windows (2026-12), which made 08 the longest step after the searches. ci is a
 * smoke test with tiny budgets.
 */
export const EVALUATION_BUDGETS: Record<ProfileName, EvaluationBudget> = {
  ci: {
    nBoot: 200,
    latentDims: [2, 4, 8, 16],
    convLatentDims: [4, 16],
    sweepTrainRows: 3000,
    sweepValidationRows: 1000,
    sweepEpochs: 4,
    sweepPatience: 2,
    convTrainWindows: 600,
    convEpochs: 3,
    noiseStds: NOISE_STDS,
    maskFractions: MASK_FRACTIONS,
    noiseMaxWindows: 500,
    walkForwardFolds: 3,
    walkForwardTrainRows: 2000,
    walkForwardEpochs: 3,
  },
  default: {
    nBoot: 1000,
    latentDims: [2, 4, 8, 16],
    convLatentDims: [4, 8, 16],
    sweepTrainRows: 12000,
    sweepValidationRows: 4000,
    sweepEpochs: 12,
    sweepPatience: 3,
    convTrainWindows: 4000,
    convEpochs: 12,
    noiseStds: NOISE_STDS,
    maskFractions: MASK_FRACTIONS,
    noiseMaxWindows: 4000,
    walkForwardFolds: 4,
    walkForwardTrainRows: 20000,
    walkForwardEpochs: 12,
  },
  full: {
    nBoot: 2000,
    latentDims: [2, 4, 6, 8, 12, 16],
    convLatentDims: [4, 8, 16, 32],
    sweepTrainRows: 150000,
    sweepValidationRows: 30000,
    sweepEpochs: 40,
    sweepPatience: 6,
    convTrainWindows: 40000,
    convEpochs: 25,
    noiseStds: NOISE_STDS,
    maskFractions: MASK_FRACTIONS,
    noiseMaxWindows: 20000,
    walkForwardFolds: 4,
    walkForwardTrainRows: 80000,
    walkForwardEpochs: 30,
  },
};

/** The budget of a profile. */
export function evaluationBudget(profile: ProfileName): EvaluationBudget {
  const b = EVALUATION_BUDGETS[profile];
  if (!b)
    throw new Error(
      `No evaluation budget for profile "${profile}". Known: ${Object.keys(EVALUATION_BUDGETS).join(", ")}.`,
    );
  return b;
}

/**
 * The sweep's latent sizes that compress the given number of inputs (size < inputs; PCA can
 * give no more components than inputs), and those dropped. Price-only data have fewer
 * features than the budget's largest size (13 against 16), so the sweep adapts instead of
 * failing; when no size is left the largest that compresses (inputs - 1) is used.
 */
export function sweepLatentSizes(dims: readonly number[], nInputs: number): { sizes: number[]; dropped: number[] } {
  if (!(Number.isInteger(nInputs) && nInputs >= 2))
    throw new Error(`sweepLatentSizes: the sweep needs at least 2 inputs to compress, got ${nInputs}.`);
  const sizes = dims.filter((k) => k < nInputs);
  const dropped = dims.filter((k) => k >= nInputs);
  return { sizes: sizes.length ? sizes : [nInputs - 1], dropped };
}
