/**
 * The search objective: what a strategy asks of a configuration. `start` builds an untrained
 * run; `train(epochs)` trains it further (resuming from its weights, so successive halving
 * never trains an epoch twice) and returns the validation objective. Strategies only see
 * this interface, so they are tested on cheap synthetic objectives and run on any model.
 *
 * The model-backed objective (modelObjective) measures on the validation split, never the
 * test split, one number per kind where lower is better:
 * - AE and Conv1D: reconstruction MSE per value (clean inputs);
 * - DAE: denoising MSE per value: the clean rows against the reconstruction of a fixed
 *   corruption of them (Gaussian noise 0.2 + 10% masked, notebook 04's), so that the searched
 *   training noise is judged by what a DAE is for (clean reconstruction alone would push it
 *   to zero);
 * - VAE: the negative ELBO per row at z = mu (score "elbo": reconstruction + KL, beta-free),
 *   so that configurations with different beta compare on the same bound (reconstruction
 *   MSE alone would push beta to its floor).
 */
import type { Matrix, Windows } from "../../runtime/matrix";
import { Rng } from "../../runtime/rng";
import { createModel } from "../../models/load";
import { corrupt } from "../../models/dae";
import type { AnyAutoencoder, RowModel, WindowModel } from "../../models/types";
import type { StopReason } from "../../train/types";
import type { Params, SearchKind, SearchSpace } from "./space";
import { checkSpace } from "./space";

/** What one `train` call of a run returns. */
export interface TrialStep {
  /** Validation objective after this call (lower is better; NaN when training failed). */
  objective: number;
  /** Epochs this call actually trained (early stopping can end it sooner). */
  epochsRun: number;
  stopReason: StopReason | "failed";
  /** Validation loss per epoch of this call (the model's own early-stopping loss). */
  curve: number[];
  /** The failure message or training warnings. */
  warnings: string[];
}

/** A configuration being trained. */
export interface TrialRun {
  /** Train `epochs` more epochs (with early stopping) and measure the objective. */
  train(epochs: number): Promise<TrialStep>;
  /** The model as trained so far (null for objectives without one). */
  readonly model: AnyAutoencoder | null;
  /** Release the model. */
  dispose(): void;
}

/** The objective a strategy minimises. */
export interface SearchObjective {
  /** The space configurations come from. */
  readonly space: SearchSpace;
  /** What is measured, for tables and the report. */
  readonly description: string;
  /** A new, untrained run of a configuration; `seed` seeds its initialisation and shuffles. */
  start(params: Params, seed: number): TrialRun;
}

/** Rows (AE, DAE, VAE) or windows (Conv1D) to search on. */
export type SearchData =
  | { featureNames: string[]; train: Matrix; validation: Matrix }
  | { featureNames: string[]; windowLength: number; train: Windows; validation: Windows };

/** Options of modelObjective. */
export interface ModelObjectiveOptions {
  /** Mini-batch size of every trial (the profile's). */
  batchSize: number;
  /** Early-stopping patience inside one train call. */
  patience: number;
}

/** Standard deviation of the fixed corruption the DAE objective denoises (notebook 04's training noise). */
export const DAE_EVAL_NOISE = 0.2;
/** Share of values masked by the DAE objective's corruption (notebook 04's). */
export const DAE_EVAL_MASK = 0.1;
/** Seed of the DAE objective's corruption: one fixed draw, the same for every configuration. */
const DAE_EVAL_SEED = 7919;

/** Hidden widths of a dense network of `depth` layers starting at `width`, halving, never below the code. */
export function hiddenWidths(depth: number, width: number, latentDim: number): number[] {
  return Array.from({ length: depth }, (_, i) => Math.max(latentDim, Math.round(width / 2 ** i)));
}

/** Conv1D filters of `depth` layers starting at `width`, doubling (as the default [16, 32]). */
export function convFilters(depth: number, width: number): number[] {
  return Array.from({ length: depth }, (_, i) => width * 2 ** i);
}

/** Build an untrained model of `kind` for a configuration. */
export function buildSearchModel(
  kind: SearchKind,
  p: Params,
  o: { featureNames: string[]; windowLength?: number; seed: number; name?: string },
): AnyAutoencoder {
  const need = (k: string): number => {
    const v = p[k];
    if (v === undefined || !Number.isFinite(v)) throw new Error(`buildSearchModel: the configuration has no ${k}.`);
    return v;
  };
  const latentDim = need("latentDim");
  const name = o.name ?? `${kind}-search`;
  if (kind === "conv1d") {
    if (o.windowLength === undefined) throw new Error("buildSearchModel: a Conv1D model needs windowLength.");
    return createModel("conv1d", {
      featureNames: o.featureNames,
      windowLength: o.windowLength,
      name,
      latentDim,
      filters: convFilters(need("depth"), need("width")),
      kernelSize: need("kernelSize"),
      seed: o.seed,
    });
  }
  const dense = {
    featureNames: o.featureNames,
    name,
    latentDim,
    hiddenUnits: hiddenWidths(need("depth"), need("width"), latentDim),
    seed: o.seed,
  };
  if (kind === "dae")
    return createModel("dae", { ...dense, noiseStd: need("noiseStd"), maskFraction: p.maskFraction ?? 0 });
  if (kind === "vae") return createModel("vae", { ...dense, beta: need("beta"), warmupEpochs: p.warmupEpochs ?? 0 });
  return createModel("ae", dense);
}

function meanOf(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s / v.length;
}

/** Mean reconstruction MSE per value of any model on rows or windows (the test error of every kind). */
export function meanReconstructionMse(model: AnyAutoencoder, x: Matrix | Windows): number {
  return meanOf((model as RowModel).score(x as Matrix, "mse").perRow);
}

/** The objective of modelObjective for one model on validation data (see the module comment). */
export function validationObjective(kind: SearchKind, model: AnyAutoencoder, validation: Matrix | Windows): number {
  if (kind === "vae") return meanOf((model as RowModel).score(validation as Matrix, "elbo").perRow);
  if (kind === "dae") {
    const v = validation as Matrix;
    const noisy = corrupt(v.data, DAE_EVAL_NOISE, DAE_EVAL_MASK, new Rng(DAE_EVAL_SEED));
    const recon = (model as RowModel).reconstruct({ data: noisy, rows: v.rows, cols: v.cols });
    let s = 0;
    for (let i = 0; i < v.data.length; i++) s += (recon.data[i]! - v.data[i]!) ** 2;
    return s / v.data.length;
  }
  return meanReconstructionMse(model, validation);
}

/** The objective's description per kind (for tables). */
export function objectiveDescription(kind: SearchKind): string {
  if (kind === "vae") return "validation negative ELBO per row (β-free, at the posterior mean)";
  if (kind === "dae")
    return `validation denoising MSE per value (noise ${DAE_EVAL_NOISE} + ${DAE_EVAL_MASK * 100}% masked)`;
  return "validation reconstruction MSE per value";
}

/**
 * The objective that trains real models of `space.kind` on `data`. Each `train` call of a run
 * is one `fit` (a warm restart: fresh Adam state, early stopping inside the call) shuffled
 * with seed + the call's number.
 */
export function modelObjective(space: SearchSpace, data: SearchData, o: ModelObjectiveOptions): SearchObjective {
  checkSpace(space);
  const windows = "windowLength" in data;
  if ((space.kind === "conv1d") !== windows)
    throw new Error(
      `modelObjective: a ${space.kind} search needs ${space.kind === "conv1d" ? "windows (with windowLength)" : "row matrices"} as data.`,
    );
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1)
    throw new Error(`modelObjective: batchSize must be a positive integer, got ${o.batchSize}.`);
  if (!Number.isInteger(o.patience) || o.patience < 1)
    throw new Error(`modelObjective: patience must be a positive integer, got ${o.patience}.`);
  let runs = 0;
  return {
    space,
    description: objectiveDescription(space.kind),
    start(params, seed) {
      const model = buildSearchModel(space.kind, params, {
        featureNames: data.featureNames,
        windowLength: windows ? data.windowLength : undefined,
        seed,
        name: `${space.kind}-trial-${runs++}`,
      });
      let calls = 0;
      let disposed = false;
      return {
        model,
        async train(epochs) {
          if (disposed) throw new Error("TrialRun.train: the run was disposed.");
          if (!Number.isInteger(epochs) || epochs < 1)
            throw new Error(`TrialRun.train: epochs must be a positive integer, got ${epochs}.`);
          try {
            const fit = {
              maxEpochs: epochs,
              batchSize: o.batchSize,
              learningRate: params.learningRate,
              patience: o.patience,
              seed: seed + calls++,
            };
            const history = windows
              ? await (model as WindowModel).fit(data.train as Windows, data.validation as Windows, fit)
              : await (model as RowModel).fit(data.train as Matrix, data.validation as Matrix, fit);
            const value =
              history.stopReason === "diverged" ? NaN : validationObjective(space.kind, model, data.validation);
            return {
              objective: Number.isFinite(value) ? value : NaN,
              // A fit cut short by CAE_MAX_EPOCHS is charged what it asked for, so a capped search
              // tries as many configurations as an uncapped one instead of filling its budget with more.
              epochsRun: history.cappedFrom !== undefined ? epochs : history.epochs.length,
              stopReason: history.stopReason,
              curve: history.epochs.map((e) => e.valLoss),
              warnings: history.warnings,
            };
          } catch (e) {
            // A failure is charged the epochs asked for, so a search of failing runs still ends.
            return {
              objective: NaN,
              epochsRun: epochs,
              stopReason: "failed",
              curve: [],
              warnings: [(e as Error).message],
            };
          }
        },
        dispose() {
          if (!disposed) model.dispose();
          disposed = true;
        },
      };
    },
  };
}
