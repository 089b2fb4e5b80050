/**
 * Hyperparameter search for the dense autoencoders (AE, DAE) by successive halving, the
 * budget-aware core of Hyperband (Jamieson & Talwalkar, 2016; Li et al., 2018).
 *
 * Why successive halving and not a grid: most configurations are visibly bad after a few
 * epochs, so it trains many sampled configurations for a few epochs, keeps the best
 * 1/eta of them, trains those further, and repeats until one is left. With eta = 3 and ten
 * configurations that is 10 -> 3 -> 1, for roughly the cost of three full trainings.
 * Survivors resume from their weights (a fresh Adam state and learning-rate schedule each
 * rung: a warm restart), so no epoch is trained twice.
 *
 * The objective is the reconstruction MSE per value on a held-out validation sample (clean
 * inputs, dropout off), the same for every kind, so AE and DAE trials compare. The test
 * split is never looked at during the search: a caller reports the winner's test error
 * once, after selection, so that the number carries no selection bias.
 *
 * Everything random is seeded: the sampled configurations come from the caller's Rng, the
 * weight initialisation from `seed`, the shuffles of rung r from `seed + r`.
 */

import type { Matrix } from "../runtime/matrix";
import { takeRows } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import type { Table } from "../runtime/artifacts";
import type { Activation, RowModel } from "../models/types";
import type { ModelMeta, StopReason, TrainHistory } from "../train/types";
import { ACTIVATIONS } from "../models/types";
import { createModel } from "../models/load";
import { stratifiedSample } from "../features/sampling";
import { spearman } from "../stats/descriptive";

/** The model kinds the search covers: the deterministic dense autoencoders. */
export const HPO_KINDS = ["ae", "dae"] as const;
/** A searchable model kind. */
export type HpoKind = (typeof HPO_KINDS)[number];

/** One point of the search space: everything that defines a trained dense autoencoder. */
export interface HpoConfig {
  kind: HpoKind;
  /** Bottleneck size (< number of features). */
  latentDim: number;
  /** Encoder hidden widths, outermost first (the decoder mirrors them). */
  hiddenUnits: number[];
  activation: Activation;
  /** Initial Adam learning rate. */
  learningRate: number;
  /** Dropout after every hidden layer, in [0, 1). */
  dropout: number;
  /** L2 penalty on every kernel. */
  l2: number;
  batchSize: number;
  /** DAE only: standard deviation of the Gaussian input noise (standardised units). */
  noiseStd?: number;
  /** DAE only: fraction of inputs masked to 0. */
  maskFraction?: number;
}

/** The space configurations are drawn from: lists are uniform choices, ranges are [lo, hi]. */
export interface SearchSpace {
  latentDim: number[];
  hiddenUnits: number[][];
  activation: Activation[];
  /** Log-uniform range of the learning rate. */
  learningRate: [number, number];
  dropout: number[];
  l2: number[];
  batchSize: number[];
  /** DAE: uniform range of the noise standard deviation. */
  noiseStd: [number, number];
  /** DAE: choices of the masked fraction. */
  maskFraction: number[];
}

/**
 * The default search space around the project's reference model (latent 8, hidden
 * [32, 16], relu, lr 1e-3, no dropout, no L2, noise 0.2 / mask 0.1 for the DAE):
 * bottlenecks from a quarter to three quarters of 17 features; one to three hidden layers
 * of 16-64 units; Adam rates over the 3e-4..1e-2 range where it usually trains; light
 * regularisation only (the model is already small next to its data); batch sizes 64-512.
 * Latent sizes not below `nFeatures` are dropped.
 */
export function defaultSearchSpace(nFeatures: number): SearchSpace {
  const latentDim = [4, 6, 8, 10, 12].filter((k) => k < nFeatures);
  if (latentDim.length === 0) latentDim.push(Math.max(1, nFeatures - 1));
  return {
    latentDim,
    hiddenUnits: [[16], [32], [32, 16], [64, 32], [64, 32, 16]],
    activation: ["relu", "elu", "tanh"],
    learningRate: [3e-4, 1e-2],
    dropout: [0, 0.05, 0.1, 0.2],
    l2: [0, 1e-6, 1e-5, 1e-4],
    batchSize: [64, 128, 256, 512],
    noiseStd: [0.05, 0.5],
    maskFraction: [0, 0.1, 0.2],
  };
}

/** Throw unless the space can be sampled (non-empty choices, ordered positive ranges, valid values). */
export function checkSearchSpace(space: SearchSpace, nFeatures: number): void {
  const nonEmpty = (field: keyof SearchSpace): void => {
    const v = space[field];
    if (!Array.isArray(v) || v.length === 0)
      throw new Error(`Search space: ${field} must be a non-empty list of choices, got ${JSON.stringify(v)}.`);
  };
  (["latentDim", "hiddenUnits", "activation", "dropout", "l2", "batchSize", "maskFraction"] as const).forEach(nonEmpty);
  for (const k of space.latentDim) {
    if (!Number.isInteger(k) || k < 1 || k >= nFeatures)
      throw new Error(
        `Search space: latentDim ${k} must be an integer in [1, ${nFeatures - 1}] (smaller than the ${nFeatures} features).`,
      );
  }
  for (const h of space.hiddenUnits) {
    if (!Array.isArray(h) || h.some((w) => !Number.isInteger(w) || w < 1))
      throw new Error(`Search space: hiddenUnits entry ${JSON.stringify(h)} must be a list of positive integers.`);
  }
  for (const a of space.activation)
    if (!(ACTIVATIONS as readonly string[]).includes(a))
      throw new Error(`Search space: activation "${a}" is unknown; use one of ${ACTIVATIONS.join(", ")}.`);
  const range = (field: "learningRate" | "noiseStd", positive: boolean): void => {
    const [lo, hi] = space[field];
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi && (positive ? lo > 0 : lo >= 0))) {
      throw new Error(
        `Search space: ${field} must be a range [lo, hi] with ${positive ? "0 < lo" : "0 <= lo"} <= hi, got [${lo}, ${hi}].`,
      );
    }
  };
  range("learningRate", true);
  range("noiseStd", false);
  for (const p of space.dropout)
    if (!(p >= 0 && p < 1)) throw new Error(`Search space: dropout ${p} must be in [0, 1).`);
  for (const p of space.maskFraction)
    if (!(p >= 0 && p < 1)) throw new Error(`Search space: maskFraction ${p} must be in [0, 1).`);
  for (const p of space.l2)
    if (!(p >= 0 && Number.isFinite(p))) throw new Error(`Search space: l2 ${p} must be a finite number >= 0.`);
  for (const b of space.batchSize)
    if (!Number.isInteger(b) || b < 1) throw new Error(`Search space: batchSize ${b} must be a positive integer.`);
}

function choice<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(list.length)]!;
}

/** Significant digits kept for sampled continuous values (readable tables, no loss that matters). */
const SAMPLE_DIGITS = 3;

/** Draw one configuration of `kind` from the space. */
export function sampleConfig(space: SearchSpace, kind: HpoKind, rng: Rng): HpoConfig {
  const [lo, hi] = space.learningRate;
  const lr = Number(Math.exp(rng.range(Math.log(lo), Math.log(hi))).toPrecision(SAMPLE_DIGITS));
  const config: HpoConfig = {
    kind,
    latentDim: choice(rng, space.latentDim),
    hiddenUnits: [...choice(rng, space.hiddenUnits)],
    activation: choice(rng, space.activation),
    learningRate: Math.min(hi, Math.max(lo, lr)),
    dropout: choice(rng, space.dropout),
    l2: choice(rng, space.l2),
    batchSize: choice(rng, space.batchSize),
  };
  if (kind === "dae") {
    config.noiseStd = Number(rng.range(space.noiseStd[0], space.noiseStd[1]).toPrecision(SAMPLE_DIGITS));
    config.maskFraction = choice(rng, space.maskFraction);
    // A DAE must corrupt something; noiseStd can only be 0 when the range allows it.
    if (config.noiseStd === 0 && config.maskFraction === 0)
      config.maskFraction = space.maskFraction.find((m) => m > 0) ?? 0.1;
  }
  return config;
}

/** A stable text key of a configuration (equal configurations, equal keys). */
export function configKey(c: HpoConfig): string {
  return [
    c.kind,
    c.latentDim,
    c.hiddenUnits.join("x") || "none",
    c.activation,
    c.learningRate,
    c.dropout,
    c.l2,
    c.batchSize,
    c.noiseStd ?? "",
    c.maskFraction ?? "",
  ].join("|");
}

/** Attempts per wanted configuration before giving up on distinct draws (small spaces can run out). */
const MAX_DRAWS_PER_CONFIG = 50;

/** Draw `n` distinct configurations (fewer only if the space has fewer; then it throws). */
export function sampleConfigs(space: SearchSpace, kind: HpoKind, n: number, rng: Rng, nFeatures: number): HpoConfig[] {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(
      `sampleConfigs: n must be a positive integer (the number of trials, profile setting hpoTrials), got ${n}.`,
    );
  checkSearchSpace(space, nFeatures);
  const out: HpoConfig[] = [];
  const seen = new Set<string>();
  for (let draws = 0; out.length < n && draws < n * MAX_DRAWS_PER_CONFIG; draws++) {
    const c = sampleConfig(space, kind, rng);
    const key = configKey(c);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  if (out.length < n)
    throw new Error(
      `sampleConfigs: the search space holds fewer than ${n} distinct configurations (drew ${out.length}); widen it or ask for fewer trials.`,
    );
  return out;
}

/**
 * The configuration of a model trained by a model notebook, read from its meta.json
 * (`models/<name>/meta.json`), with the fit settings that notebook used (learning rate
 * and batch size are fit options, not model options, so the caller passes them).
 */
export function configFromModelMeta(
  meta: Pick<ModelMeta, "kind" | "options">,
  fit: { batchSize: number; learningRate: number },
): HpoConfig {
  if (meta.kind !== "ae" && meta.kind !== "dae")
    throw new Error(
      `configFromModelMeta: model kind "${meta.kind}" is not searched; pass the meta.json of an "ae" or "dae" model.`,
    );
  const o = meta.options as Record<string, unknown>;
  const num = (k: string, fallback: number): number => (typeof o[k] === "number" ? (o[k] as number) : fallback);
  const config: HpoConfig = {
    kind: meta.kind,
    latentDim: num("latentDim", 8),
    hiddenUnits: Array.isArray(o.hiddenUnits) ? (o.hiddenUnits as number[]).slice() : [32, 16],
    activation: (typeof o.activation === "string" ? o.activation : "relu") as Activation,
    learningRate: fit.learningRate,
    dropout: num("dropout", 0),
    l2: num("l2", 0),
    batchSize: fit.batchSize,
  };
  if (meta.kind === "dae") {
    config.noiseStd = num("noiseStd", 0.2);
    config.maskFraction = num("maskFraction", 0);
  }
  return config;
}

/** Build an untrained model for a configuration. */
export function buildModel(config: HpoConfig, featureNames: string[], seed: number, name?: string): RowModel {
  const common = {
    featureNames,
    name: name ?? `${config.kind}-hpo`,
    latentDim: config.latentDim,
    hiddenUnits: config.hiddenUnits,
    activation: config.activation,
    dropout: config.dropout,
    l2: config.l2,
    seed,
  };
  if (config.kind === "dae")
    return createModel("dae", { ...common, noiseStd: config.noiseStd ?? 0.2, maskFraction: config.maskFraction ?? 0 });
  return createModel("ae", common);
}

/** Reconstruction MSE per value of a model on x `[n, nFeatures]` (the search objective). */
export function reconstructionMse(model: RowModel, x: Matrix): number {
  const perRow = model.score(x, "mse").perRow;
  let s = 0;
  for (let i = 0; i < perRow.length; i++) s += perRow[i]!;
  return s / perRow.length;
}

/** One rung of successive halving. */
export interface Rung {
  /** 0-based rung number. */
  rung: number;
  /** Configurations trained in this rung. */
  configs: number;
  /** Cumulative epoch budget of each configuration at the end of this rung. */
  epochs: number;
  /** Epochs trained in this rung (epochs minus the previous rung's). */
  newEpochs: number;
}

/** Default halving rate: keep the best third (Hyperband's usual eta). */
export const DEFAULT_ETA = 3;

/**
 * The rungs for `nConfigs` configurations and a final budget of `maxEpochs` epochs:
 * rung r keeps floor(n / eta^r) configurations (at least 1) and trains each to
 * maxEpochs / eta^(last - r) epochs (at least one more than the rung before). With n = 10,
 * maxEpochs = 27: 10 x 3, 3 x 9, 1 x 27. Rungs that would add no epoch are dropped.
 */
export function halvingSchedule(nConfigs: number, maxEpochs: number, eta = DEFAULT_ETA): Rung[] {
  if (!Number.isInteger(nConfigs) || nConfigs < 1)
    throw new Error(`halvingSchedule: nConfigs must be a positive integer, got ${nConfigs}.`);
  if (!Number.isInteger(maxEpochs) || maxEpochs < 1)
    throw new Error(`halvingSchedule: maxEpochs must be a positive integer, got ${maxEpochs}.`);
  if (!(eta > 1)) throw new Error(`halvingSchedule: eta must be > 1 (3 keeps the best third), got ${eta}.`);
  let nRungs = 1 + Math.floor(Math.log(nConfigs) / Math.log(eta) + 1e-9);
  nRungs = Math.min(nRungs, maxEpochs); // each rung needs at least one new epoch
  const rungs: Rung[] = [];
  let prev = 0;
  for (let r = 0; r < nRungs; r++) {
    const target = r === nRungs - 1 ? maxEpochs : Math.round(maxEpochs / eta ** (nRungs - 1 - r));
    const epochs = Math.min(maxEpochs - (nRungs - 1 - r), Math.max(prev + 1, target));
    rungs.push({ rung: r, configs: Math.max(1, Math.floor(nConfigs / eta ** r)), epochs, newEpochs: epochs - prev });
    prev = epochs;
  }
  return rungs;
}

/** Outcome of one configuration in one rung. */
export interface TrialRecord {
  /** 0-based index of the configuration (its trial number). */
  trial: number;
  rung: number;
  /** Cumulative epoch budget after this rung. */
  epochs: number;
  /** Cumulative epochs actually trained (early stopping can end a rung sooner). */
  epochsRun: number;
  /** Objective after this rung: validation reconstruction MSE (NaN when training failed). */
  valMse: number;
  /** Wall-clock seconds of this rung for this configuration. */
  seconds: number;
  stopReason: StopReason | "failed";
  /** True when the configuration went on to the next rung. */
  promoted: boolean;
  config: HpoConfig;
  /** Validation loss per epoch of this rung (the learning curve). */
  curve: number[];
  /** Training warnings or the failure message. */
  warnings: string[];
}

/** Options of `successiveHalving`. */
export interface HalvingOptions {
  featureNames: string[];
  /** Training rows `[nTrain, nFeatures]` (e.g. a stratified subsample). */
  train: Matrix;
  /** Validation rows `[nVal, nFeatures]` for the objective and early stopping. */
  validation: Matrix;
  /** The configurations to race (see sampleConfigs). */
  configs: HpoConfig[];
  /** Epoch budget of the last rung (the winner's total). */
  maxEpochs: number;
  /** Early-stopping patience inside a rung. */
  patience: number;
  /** Seed of weight initialisation (rung r shuffles with seed + r). */
  seed: number;
  eta?: number;
  /** Called after every trained (configuration, rung), e.g. for a progress line. */
  onTrial?: (record: TrialRecord, done: number, total: number) => void;
}

/** What the search returns. */
export interface HalvingResult {
  schedule: Rung[];
  /** One record per (configuration, rung) trained, in training order. */
  trials: TrialRecord[];
  /** The winner: best objective in the last rung. */
  best: TrialRecord;
  /** The winner's trained model (the caller disposes it). */
  model: RowModel;
  /** Total epochs trained over all configurations. */
  totalEpochs: number;
  seconds: number;
}

function sortByObjective(records: TrialRecord[]): TrialRecord[] {
  // NaN (failed) last; ties broken by trial number so the order is deterministic.
  return [...records].sort((a, b) => {
    const x = Number.isFinite(a.valMse) ? a.valMse : Infinity;
    const y = Number.isFinite(b.valMse) ? b.valMse : Infinity;
    return x - y || a.trial - b.trial;
  });
}

/**
 * Race `configs` by successive halving on (train, validation). Every configuration
 * trains `schedule[0].epochs` epochs; the best `schedule[r].configs` by validation MSE
 * continue, resuming from their weights, until the last rung. A configuration whose
 * training fails (diverges at once) gets NaN and is never promoted.
 * @throws when every configuration fails in the first rung.
 */
export async function successiveHalving(o: HalvingOptions): Promise<HalvingResult> {
  if (o.configs.length === 0)
    throw new Error("successiveHalving: no configurations to race; draw some with sampleConfigs.");
  if (o.train.cols !== o.featureNames.length || o.validation.cols !== o.featureNames.length) {
    throw new Error(
      `successiveHalving: train has ${o.train.cols} and validation ${o.validation.cols} columns but there are ${o.featureNames.length} feature names.`,
    );
  }
  const t0 = performance.now();
  const schedule = halvingSchedule(o.configs.length, o.maxEpochs, o.eta ?? DEFAULT_ETA);
  const total = schedule.reduce((a, r) => a + r.configs, 0);
  const models = new Map<number, RowModel>();
  const epochsRun = new Map<number, number>();
  const trials: TrialRecord[] = [];
  let alive = o.configs.map((_, i) => i);
  let totalEpochs = 0;
  try {
    for (const rung of schedule) {
      const records: TrialRecord[] = [];
      for (const i of alive) {
        const config = o.configs[i]!;
        const started = performance.now();
        let model = models.get(i);
        if (!model) {
          model = buildModel(config, o.featureNames, o.seed, `${config.kind}-trial-${i}`);
          models.set(i, model);
        }
        let history: TrainHistory | null = null;
        let failure: string | null = null;
        try {
          history = await model.fit(o.train, o.validation, {
            maxEpochs: rung.newEpochs,
            batchSize: config.batchSize,
            learningRate: config.learningRate,
            patience: o.patience,
            seed: o.seed + rung.rung,
          });
        } catch (e) {
          failure = (e as Error).message;
        }
        const ran = history ? history.epochs.length : 0;
        totalEpochs += ran;
        epochsRun.set(i, (epochsRun.get(i) ?? 0) + ran);
        const valMse = history && history.stopReason !== "diverged" ? reconstructionMse(model, o.validation) : NaN;
        const record: TrialRecord = {
          trial: i,
          rung: rung.rung,
          epochs: rung.epochs,
          epochsRun: epochsRun.get(i)!,
          valMse: Number.isFinite(valMse) ? valMse : NaN,
          seconds: (performance.now() - started) / 1000,
          stopReason: history ? history.stopReason : "failed",
          promoted: false,
          config,
          curve: history ? history.epochs.map((e) => e.valLoss) : [],
          warnings: failure ? [failure] : history ? history.warnings : [],
        };
        records.push(record);
        trials.push(record);
        o.onTrial?.(record, trials.length, total);
      }
      const ranked = sortByObjective(records).filter((r) => Number.isFinite(r.valMse));
      if (ranked.length === 0) {
        throw new Error(
          `successiveHalving: all ${records.length} configurations of rung ${rung.rung} failed (${records[0]?.warnings[0] ?? "no message"}). Narrow the learning-rate range or check the inputs.`,
        );
      }
      const next = schedule[rung.rung + 1];
      if (!next) break;
      const keep = ranked.slice(0, next.configs).map((r) => r.trial);
      for (const r of records) r.promoted = keep.includes(r.trial);
      for (const i of alive) {
        if (!keep.includes(i)) {
          models.get(i)?.dispose();
          models.delete(i);
        }
      }
      alive = keep;
    }
    const last = schedule[schedule.length - 1]!.rung;
    const best = sortByObjective(trials.filter((t) => t.rung === last && Number.isFinite(t.valMse)))[0]!;
    const model = models.get(best.trial)!;
    models.delete(best.trial);
    return { schedule, trials, best, model, totalEpochs, seconds: (performance.now() - t0) / 1000 };
  } finally {
    for (const m of models.values()) m.dispose();
  }
}

/** A configuration trained from scratch for a fixed budget (fair comparisons, seed replicates). */
export interface TrainedConfig {
  model: RowModel;
  history: TrainHistory;
  /** Validation reconstruction MSE after training. */
  valMse: number;
  seconds: number;
}

/** Train one configuration from scratch for `epochs` epochs with early stopping. */
export async function trainConfig(
  config: HpoConfig,
  featureNames: string[],
  train: Matrix,
  validation: Matrix,
  o: { epochs: number; patience: number; seed: number; name?: string },
): Promise<TrainedConfig> {
  const t0 = performance.now();
  const model = buildModel(config, featureNames, o.seed, o.name);
  try {
    const history = await model.fit(train, validation, {
      maxEpochs: o.epochs,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      patience: o.patience,
      seed: o.seed,
    });
    return { model, history, valMse: reconstructionMse(model, validation), seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** One seed replicate of a configuration. */
export interface SeedReplicate {
  seed: number;
  valMse: number;
  testMse: number;
  epochsRun: number;
  seconds: number;
}

/**
 * Retrain a configuration with several seeds (initialisation and shuffles) and measure
 * validation and test MSE of each: the spread says how much of a difference between two
 * configurations is seed noise. Models are disposed.
 * @param evalSets full validation and test matrices (the search may have used samples).
 */
export async function seedReplicates(
  config: HpoConfig,
  featureNames: string[],
  train: Matrix,
  validation: Matrix,
  evalSets: { validation: Matrix; test: Matrix },
  o: { epochs: number; patience: number; seeds: number[]; onDone?: (r: SeedReplicate) => void },
): Promise<SeedReplicate[]> {
  const out: SeedReplicate[] = [];
  for (const seed of o.seeds) {
    const t = await trainConfig(config, featureNames, train, validation, {
      epochs: o.epochs,
      patience: o.patience,
      seed,
    });
    try {
      const r: SeedReplicate = {
        seed,
        valMse: reconstructionMse(t.model, evalSets.validation),
        testMse: reconstructionMse(t.model, evalSets.test),
        epochsRun: t.history.epochs.length,
        seconds: t.seconds,
      };
      out.push(r);
      o.onDone?.(r);
    } finally {
      t.model.dispose();
    }
  }
  return out;
}

/** A stratified subsample of some rows of a matrix. */
export interface Subsample {
  /** `[rows.length, cols]` the chosen rows. */
  matrix: Matrix;
  /** Positions of the chosen rows in the full matrix. */
  rows: Int32Array;
  /** What was done (for the notebook and the report). */
  note: string;
}

/**
 * At most `maxRows` of the given rows of X, stratified by token and calendar quarter (see
 * lib/latent/sampling.ts), so a search on a sample still sees every token and period.
 * @param rows positions in X (e.g. a split's row indices); token/day are indexed like X.
 */
export function stratifiedRows(
  X: Matrix,
  rows: Int32Array,
  token: Int32Array,
  day: Int32Array,
  maxRows: number,
  rng: Rng,
): Subsample {
  const keys = { token: Int32Array.from(rows, (i) => token[i]!), day: Int32Array.from(rows, (i) => day[i]!) };
  const s = stratifiedSample(keys, maxRows, rng);
  const chosen = Int32Array.from(s.indices, (k) => rows[k]!);
  return { matrix: takeRows(X, chosen), rows: chosen, note: s.note };
}

/** Short human text of a configuration, e.g. "AE 17-64-32-8, elu, lr 2.1e-3, batch 128, dropout 0.1, L2 1e-5". */
export function describeConfig(c: HpoConfig, nFeatures?: number): string {
  const arch = [nFeatures ?? "in", ...c.hiddenUnits, c.latentDim].join("-");
  const parts = [
    `${c.kind.toUpperCase()} ${arch}`,
    c.activation,
    `lr ${c.learningRate.toPrecision(2)}`,
    `batch ${c.batchSize}`,
    `dropout ${c.dropout}`,
    `L2 ${c.l2}`,
  ];
  if (c.kind === "dae") parts.push(`noise ${c.noiseStd}`, `mask ${c.maskFraction}`);
  return parts.join(", ");
}

/** Flat columns of a configuration, shared by the trials table and JSON. */
export function configColumns(c: HpoConfig): Record<string, string | number> {
  return {
    kind: c.kind,
    latent_dim: c.latentDim,
    hidden: c.hiddenUnits.join("-") || "none",
    depth: c.hiddenUnits.length,
    activation: c.activation,
    learning_rate: c.learningRate,
    dropout: c.dropout,
    l2: c.l2,
    batch_size: c.batchSize,
    noise_std: c.noiseStd ?? 0,
    mask_fraction: c.maskFraction ?? 0,
  };
}

/** The trials as a table for `ArtifactStore.writeTable("hpo-trials", ...)`: one row per (configuration, rung). */
export function trialsTable(trials: TrialRecord[]): Table {
  const rows = trials.map((t) => ({
    trial: t.trial,
    rung: t.rung,
    ...configColumns(t.config),
    epochs: t.epochs,
    epochs_run: t.epochsRun,
    val_mse: t.valMse,
    seconds: t.seconds,
    stop_reason: t.stopReason,
    promoted: t.promoted,
  }));
  const table: Table = {};
  const first = rows[0];
  if (!first) throw new Error("trialsTable: no trials to write; run successiveHalving first.");
  for (const key of Object.keys(first)) {
    const values = rows.map((r) => (r as Record<string, string | number | boolean>)[key]!);
    if (typeof values[0] === "number") {
      table[key] = ["trial", "rung", "latent_dim", "depth", "batch_size", "epochs", "epochs_run"].includes(key)
        ? Int32Array.from(values as number[])
        : Float64Array.from(values as number[]);
    } else if (typeof values[0] === "boolean") table[key] = values as boolean[];
    else table[key] = values.map(String);
  }
  return table;
}

/** Rows for notebook/report tables: one per configuration, its furthest rung and objective there. */
export function trialSummaryRows(trials: TrialRecord[]): Record<string, string | number>[] {
  const furthest = new Map<number, TrialRecord>();
  const first = new Map<number, TrialRecord>();
  for (const t of trials) {
    if (!first.has(t.trial)) first.set(t.trial, t);
    const f = furthest.get(t.trial);
    if (!f || t.rung > f.rung) furthest.set(t.trial, t);
  }
  return [...furthest.values()]
    .sort(
      (a, b) =>
        b.rung - a.rung ||
        (Number.isFinite(a.valMse) ? a.valMse : Infinity) - (Number.isFinite(b.valMse) ? b.valMse : Infinity) ||
        a.trial - b.trial,
    )
    .map((t) => ({
      trial: t.trial,
      latent: t.config.latentDim,
      hidden: t.config.hiddenUnits.join("-") || "none",
      activation: t.config.activation,
      "learning rate": t.config.learningRate,
      dropout: t.config.dropout,
      L2: t.config.l2,
      batch: t.config.batchSize,
      ...(t.config.kind === "dae" ? { noise: t.config.noiseStd ?? 0, mask: t.config.maskFraction ?? 0 } : {}),
      "rung-0 val MSE": first.get(t.trial)!.valMse,
      "furthest rung": t.rung,
      epochs: t.epochsRun,
      "val MSE there": t.valMse,
      seconds: Number(
        trials
          .filter((x) => x.trial === t.trial)
          .reduce((a, x) => a + x.seconds, 0)
          .toFixed(1),
      ),
    }));
}

/** Mean and sample standard deviation of seed replicates. */
export interface ReplicateSummary {
  seeds: number;
  valMean: number;
  valSd: number;
  testMean: number;
  testSd: number;
}

/** Summarise seed replicates (sd is NaN with one seed). */
export function summariseReplicates(reps: SeedReplicate[]): ReplicateSummary {
  const n = reps.length;
  if (n === 0) throw new Error("summariseReplicates: no replicates; run seedReplicates with at least one seed.");
  const stat = (v: number[]): [number, number] => {
    const m = v.reduce((a, x) => a + x, 0) / n;
    return [m, n > 1 ? Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1)) : NaN];
  };
  const [valMean, valSd] = stat(reps.map((r) => r.valMse));
  const [testMean, testSd] = stat(reps.map((r) => r.testMse));
  return { seeds: n, valMean, valSd, testMean, testSd };
}

/**
 * Spearman rank correlation between each numeric hyperparameter and the rung-0 objective
 * (negative = larger values gave lower error). With a handful of trials these are
 * descriptive, not tests; hyperparameters that did not vary give NaN.
 */
export function hyperparameterEffects(
  trials: TrialRecord[],
): { parameter: string; spearman: number; values: number }[] {
  const rung0 = trials.filter((t) => t.rung === 0 && Number.isFinite(t.valMse));
  const params: [string, (c: HpoConfig) => number][] = [
    ["latent size", (c) => c.latentDim],
    ["hidden units (total)", (c) => c.hiddenUnits.reduce((a, w) => a + w, 0)],
    ["depth", (c) => c.hiddenUnits.length],
    ["log10 learning rate", (c) => Math.log10(c.learningRate)],
    ["dropout", (c) => c.dropout],
    ["L2", (c) => c.l2],
    ["batch size", (c) => c.batchSize],
  ];
  const y = rung0.map((t) => t.valMse);
  return params.map(([parameter, f]) => {
    const x = rung0.map((t) => f(t.config));
    return { parameter, spearman: rankCorrelation(x, y), values: new Set(x).size };
  });
}

/** Spearman correlation of finite pairs; NaN below 3 trials or when a value is not finite. */
function rankCorrelation(x: number[], y: number[]): number {
  if (x.length < 3 || !x.every(Number.isFinite) || !y.every(Number.isFinite)) return NaN;
  return spearman(x, y);
}
