/**
 * The training loop shared by every neural model: seeded shuffling, mini-batches, Adam with a
 * learning-rate schedule, early stopping on validation loss with best-weights restore, a
 * per-epoch history, a NaN/divergence guard and progress callbacks.
 *
 * Speed on the wasm backend comes from keeping the per-batch work small: each epoch's data
 * is shuffled once in JS memory (one permutation per epoch, every stream permuted alike) and
 * each batch is uploaded as its own small tensor. Slicing batches out of one big device
 * tensor is slow on wasm: its slice kernel copies the whole source tensor out of the heap on
 * every call (measured 4.4 ms per 256-row slice of a 100k x 32 tensor). One tf.tidy wraps
 * each batch (forward, gradients, Adam update) and the losses are summed on the device and
 * read once per epoch, so tf.memory().numTensors is the same after every epoch.
 */
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../runtime/rng";
import type { EpochRecord, FitOptions, TrainHistory } from "./types";
import { Adam } from "./adam";
import { LearningRateController } from "./schedule";
import { epochCapFromEnv } from "../config";

/** Default Adam step (Kingma & Ba). */
export const DEFAULT_LEARNING_RATE = 1e-3;
/**
 * A validation loss this many times the first epoch's means the weights are blowing up:
 * a healthy run stays within the first epoch's order of magnitude.
 */
export const DIVERGENCE_FACTOR = 1e4;

/** Batches whose loss scalars are gathered into one tensor (bounds the tensors kept per epoch). */
const LOSS_FLUSH_BATCHES = 128;

/** One aligned input stream of a training set: `[n, ...sampleShape]`, row-major. */
export interface TrainingStream {
  data: Float32Array;
  sampleShape: number[];
}

/** What a batch-loss function learns about its batch. */
export interface BatchContext {
  /** 1-based epoch. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** Seed for this batch's dropout masks (derived from the fit seed). */
  seed: number;
}

/** Scalar loss of a batch plus named terms (in the order of `termNames`). */
export interface LossParts {
  loss: tf.Scalar;
  terms?: tf.Scalar[];
}

/** The model side of training. */
export interface TrainingProblem {
  /** Used in messages. */
  label: string;
  /** Trainable weights, in a fixed order. */
  variables: tf.Variable[];
  /** Training rows (or windows). */
  nTrain: number;
  /** Names of the extra scalar terms batchLoss returns. */
  termNames?: string[];
  /** The epoch's input streams, all `[nTrain, ...]` and row-aligned; the loop shuffles them. */
  streams(epoch: number, rng: Rng): TrainingStream[];
  /** Loss of one batch; `batch[i]` is a slice of stream i. Runs under a gradient tape. */
  batchLoss(batch: tf.Tensor[], ctx: BatchContext): LossParts;
  /** Validation loss after `epoch` (no gradients, no dropout). */
  validate(epoch: number): { loss: number; terms?: Record<string, number> };
  /** Constant per-epoch values to add to the training terms (e.g. the VAE's beta). */
  epochTerms?(epoch: number): Record<string, number>;
}

/**
 * Validate fit options; returns them with defaults filled in and `maxEpochs` lowered to the
 * run-wide cap (CAE_MAX_EPOCHS, lib/config.ts) when one is set: this is the one place the cap
 * is applied, so every training of every notebook, search and script obeys it.
 * @param env where the cap is read (the process environment; tests pass their own).
 */
export function resolveFitOptions(
  label: string,
  o: FitOptions,
  env: NodeJS.ProcessEnv = process.env,
): Required<
  Pick<FitOptions, "maxEpochs" | "batchSize" | "patience" | "learningRate" | "minDelta" | "minRelativeDelta">
> & {
  /** The epochs asked for when the cap lowered them, else null. */
  cappedFrom: number | null;
} {
  const int = (field: string, v: unknown, min: number): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min)
      throw new Error(`${label}.fit: ${field} must be an integer >= ${min}, got ${String(v)}.`);
    return v;
  };
  const requested = int("maxEpochs", o.maxEpochs, 1);
  const cap = epochCapFromEnv(env);
  const maxEpochs = cap === null ? requested : Math.min(requested, cap);
  const batchSize = int("batchSize", o.batchSize, 1);
  const patience = int("patience", o.patience, 1);
  const learningRate = o.learningRate ?? DEFAULT_LEARNING_RATE;
  if (!(learningRate > 0) || !Number.isFinite(learningRate))
    throw new Error(`${label}.fit: learningRate must be a positive number, got ${learningRate}.`);
  const minDelta = o.minDelta ?? 0;
  if (!(minDelta >= 0) || !Number.isFinite(minDelta))
    throw new Error(`${label}.fit: minDelta must be >= 0, got ${minDelta}.`);
  const minRelativeDelta = o.minRelativeDelta ?? 0;
  if (!(minRelativeDelta >= 0 && minRelativeDelta < 1))
    throw new Error(`${label}.fit: minRelativeDelta must be in [0, 1), got ${minRelativeDelta}.`);
  return {
    maxEpochs,
    batchSize,
    patience,
    learningRate,
    minDelta,
    minRelativeDelta,
    cappedFrom: maxEpochs < requested ? requested : null,
  };
}

/**
 * Train `problem` with Adam and early stopping. The variables end at the best epoch's values.
 * @param seed seeds shuffling, noise and dropout (each epoch forks its own streams).
 * @param warnings notices collected before training (e.g. constant features); returned in the history.
 * @throws when the very first epoch already diverges (no usable weights to restore).
 */
export async function trainLoop(
  problem: TrainingProblem,
  options: FitOptions,
  seed: number,
  warnings: string[] = [],
): Promise<TrainHistory> {
  const { maxEpochs, patience, learningRate, minDelta, minRelativeDelta, cappedFrom } = resolveFitOptions(
    problem.label,
    options,
  );
  const n = problem.nTrain;
  if (n < 1) throw new Error(`${problem.label}.fit: the training split has no rows.`);
  if (cappedFrom !== null)
    warnings.push(
      `training capped at ${maxEpochs} epoch(s) by CAE_MAX_EPOCHS (it asked for ${cappedFrom}): the model is undertrained, its results are not real results.`,
    );
  let batchSize = options.batchSize;
  if (batchSize > n) {
    warnings.push(`batchSize ${batchSize} is larger than the ${n} training rows: batches shrink to ${n}.`);
    batchSize = n;
  }
  if (options.verbose) for (const w of warnings) console.log(`${problem.label}: ${w}`);
  const schedule = new LearningRateController(
    learningRate,
    options.schedule ?? { kind: "plateau" },
    maxEpochs,
    patience,
  );
  const vars = problem.variables;
  const adam = new Adam(vars, { learningRate });
  const rng = new Rng(seed).fork("fit");
  const termNames = problem.termNames ?? [];
  const nBatches = Math.ceil(n / batchSize);
  const history: TrainHistory = {
    epochs: [],
    bestEpoch: 0,
    bestValLoss: Infinity,
    stopReason: "max-epochs",
    seconds: 0,
    warnings,
    ...(cappedFrom !== null ? { cappedFrom } : {}),
  };
  let best: tf.Tensor[] | null = null;
  let firstValLoss: number | null = null;
  let sinceBest = 0;
  /** Validation loss at the last improvement that counted (beyond minDelta and minRelativeDelta). */
  let progressLoss = Infinity;
  let buffers: Float32Array[] = [];
  const started = performance.now();
  try {
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      const t0 = performance.now();
      const lr = schedule.rate(epoch);
      adam.learningRate = lr;
      const epochRng = rng.fork(`epoch-${epoch}`);
      const streams = problem.streams(epoch, epochRng.fork("data"));
      const perm = epochRng.fork("shuffle").permutation(n);
      buffers = streams.map((s, i) => permuteRows(s, n, perm, buffers[i]));
      const widths = streams.map((s) => s.sampleShape.reduce((a, b) => a * b, 1));
      const dropoutRng = epochRng.fork("dropout");
      // Each batch's loss and terms stay on the backend as scalars (reading them would wait for
      // the step); every LOSS_FLUSH_BATCHES batches they are stacked into one tensor, and the
      // epoch's weighted sums are formed in JavaScript at its end: no per-batch arithmetic ops.
      const pending: tf.Scalar[][] = [];
      let width = 1;
      const stacked: tf.Tensor[] = [];
      const flush = (): void => {
        if (pending.length === 0) return;
        const all = pending.flat();
        stacked.push(tf.tidy(() => tf.stack(all)));
        tf.dispose(all);
        pending.length = 0;
      };
      for (let b = 0; b < nBatches; b++) {
        const start = b * batchSize;
        const size = Math.min(batchSize, n - start);
        const ctx: BatchContext = { epoch, batch: b, seed: dropoutRng.nextUint32() };
        pending.push(
          tf.tidy(() => {
            const batch = buffers.map((buf, i) =>
              tf.tensor(buf.subarray(start * widths[i]!, (start + size) * widths[i]!), [
                size,
                ...streams[i]!.sampleShape,
              ]),
            );
            let terms: tf.Scalar[] = [];
            const { value, grads } = tf.variableGrads(() => {
              const parts = problem.batchLoss(batch, ctx);
              terms = (parts.terms ?? []).map((t) => tf.keep(t));
              return parts.loss;
            }, vars);
            adam.apply(vars.map((v) => grads[v.name]!));
            return [value, ...terms];
          }),
        );
        width = pending[pending.length - 1]!.length;
        if (pending.length >= LOSS_FLUSH_BATCHES) flush();
      }
      flush();
      const sums = new Float64Array(width);
      let b = 0;
      for (const t of stacked) {
        const values = t.dataSync();
        for (let j = 0; j < values.length; j += width, b++) {
          const size = Math.min(batchSize, n - b * batchSize);
          for (let k = 0; k < width; k++) sums[k] = sums[k]! + values[j + k]! * size;
        }
      }
      tf.dispose(stacked);
      const loss = sums[0]! / n;
      const terms: Record<string, number> = {};
      termNames.forEach((name, i) => (terms[name] = sums[i + 1]! / n));
      Object.assign(terms, problem.epochTerms?.(epoch) ?? {});
      const val = problem.validate(epoch);
      const record: EpochRecord = { epoch, loss, valLoss: val.loss, seconds: 0, learningRate: lr };
      if (Object.keys(terms).length > 0) record.terms = terms;
      if (val.terms) record.valTerms = val.terms;
      record.seconds = (performance.now() - t0) / 1000;
      history.epochs.push(record);
      firstValLoss ??= val.loss;

      const exploded = Number.isFinite(firstValLoss) && val.loss > DIVERGENCE_FACTOR * Math.max(firstValLoss, 1e-12);
      if (!Number.isFinite(loss) || !Number.isFinite(val.loss) || exploded) {
        history.stopReason = "diverged";
        const what =
          !Number.isFinite(loss) || !Number.isFinite(val.loss)
            ? `loss became ${Number.isFinite(loss) ? val.loss : loss}`
            : `validation loss ${val.loss.toExponential(3)} exceeds ${DIVERGENCE_FACTOR}x the first epoch's (${firstValLoss.toExponential(3)})`;
        const fix = `Lower learningRate (was ${learningRate}), check that inputs are scaled (standardised), or add L2.`;
        if (best === null) {
          throw new Error(
            `${problem.label}: training diverged at epoch ${epoch}: ${what}; no epoch produced usable weights. ${fix}`,
          );
        }
        const msg = `${problem.label}: training diverged at epoch ${epoch}: ${what}. Restored the weights of epoch ${history.bestEpoch}. ${fix}`;
        history.warnings.push(msg);
        console.warn(msg);
        options.onEpoch?.(record);
        break;
      }

      // Any decrease keeps the weights; only a decrease beyond the thresholds counts as progress.
      if (val.loss < history.bestValLoss) {
        history.bestValLoss = val.loss;
        history.bestEpoch = epoch;
        if (best !== null) for (const t of best) t.dispose();
        best = vars.map((v) => tf.keep(v.clone()));
      }
      const improved = val.loss < progressLoss * (1 - minRelativeDelta) - minDelta;
      if (improved) {
        progressLoss = val.loss;
        sinceBest = 0;
      } else {
        sinceBest += 1;
      }
      schedule.observe(improved);
      if (options.verbose) {
        const extra = record.terms
          ? " " +
            Object.entries(record.terms)
              .map(([k, v]) => `${k}=${v.toPrecision(4)}`)
              .join(" ")
          : "";
        console.log(
          `${problem.label} epoch ${epoch}/${maxEpochs} loss=${loss.toPrecision(5)} val=${val.loss.toPrecision(5)}${extra} lr=${lr.toPrecision(3)} ${record.seconds.toFixed(2)}s`,
        );
      }
      options.onEpoch?.(record);
      if (sinceBest >= patience) {
        history.stopReason = "converged";
        break;
      }
      // Let timers and output streams run between epochs (progress displays in notebooks).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (best !== null && history.bestEpoch !== history.epochs[history.epochs.length - 1]!.epoch) {
      vars.forEach((v, i) => v.assign(best![i]!));
    }
  } finally {
    if (best !== null) for (const t of best) t.dispose();
    adam.dispose();
  }
  history.seconds = (performance.now() - started) / 1000;
  return history;
}

/** Copy stream rows into `out` (reused when big enough) in the order of `perm`. */
function permuteRows(stream: TrainingStream, n: number, perm: Int32Array, out?: Float32Array): Float32Array {
  const w = stream.sampleShape.reduce((a, b) => a * b, 1);
  if (stream.data.length !== n * w) {
    throw new Error(`Training stream has ${stream.data.length} values, expected ${n} x ${w}.`);
  }
  const buf = out !== undefined && out.length === n * w ? out : new Float32Array(n * w);
  const src = stream.data;
  for (let i = 0; i < n; i++) {
    const from = perm[i]! * w;
    const to = i * w;
    for (let j = 0; j < w; j++) buf[to + j] = src[from + j]!;
  }
  return buf;
}
