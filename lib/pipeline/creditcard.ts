/**
 * The credit-card fraud stage (notebook 11): the same autoencoders as the market notebooks,
 * applied to transactions whose ground truth is known, so that the project's numbers can
 * be set against published work on the ULB data.
 *
 * What happens, in order, and why:
 * 1. Source: the real creditcard.csv when the configured path exists, else a seeded
 *    stand-in that keeps the real file's 492 frauds (so that even a small profile has enough
 *    frauds in its test split to measure anything). Which one was used is always stated.
 * 2. Split: stratified by class into train / validation / test, so each split has the
 *    data's fraud rate (PR-AUC depends on it). Without a Class column the split is random
 *    and everything downstream runs unsupervised.
 * 3. Features: V1..V28 and log(1 + Amount) (amounts are log-normal-ish with a long tail);
 *    Time dropped by default (CREDITCARD_TIME_ENCODING; "hour" encodes the hour of day as a
 *    point on the circle instead). A StandardScaler is fitted on the training split's normal
 *    rows only.
 * 4. Training rows: normal transactions of the training split (optionally all of them, to
 *    show what fraud contamination costs), sampled down to the profile's cap.
 * 5. Scores: standardised reconstruction error per transaction (each feature's error over
 *    its spread on the model's normal training rows). Thresholds (95th and 99th percentile, POT
 *    tail) are fitted on held-out normal rows of the validation split.
 * 6. Metrics on the test split: ROC-AUC, average precision (PR-AUC), precision and recall
 *    at k, and the confusion table at each threshold, all with percentile bootstrap
 *    intervals. The bootstrap sorts the scores once and evaluates each replicate as row
 *    multiplicities in one linear pass (`weightedDetectionMetrics`), which equals the
 *    library metrics on the resampled vector (tested) at a fraction of the cost: 1,000
 *    replicates of 57,000 test rows take about a second per model.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadCreditCard, CREDITCARD_FULL_ROWS } from "../data/creditcard";
import { generateCreditCard, ULB_FRAUD_RATE } from "../data/creditcard-synthetic";
import type { CreditCardData } from "../data/creditcard-types";
import type { Matrix } from "../runtime/matrix";
import { takeRows } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import { StandardScaler, type ScalerJSON } from "../features/scaler";
import { confusion, prCurve, rocCurve, type Confusion, type PrCurve, type RocCurve } from "../anomaly/metrics";
import { applyThreshold, fitThreshold, type ThresholdResult, type ThresholdSpec } from "../anomaly/thresholds";
import { bootstrapStatistic, DEFAULT_ALPHA, DEFAULT_N_BOOT } from "../evaluate/bootstrap";
import { argsort, quantileSorted } from "../evaluate/stats";
import { createModel } from "../models/load";
import type { RowModel } from "../models/types";
import * as charts from "../viz/charts";
import type { VlSpec } from "../viz/render";
import { runUmapAsync } from "../latent/umap";
import { fitStandardisedError } from "../anomaly/residual-scores";

// ---------------------------------------------------------------------------------------
// Source
// ---------------------------------------------------------------------------------------

/** Frauds in the full ULB file (492 of 284,807 transactions). */
export const ULB_FRAUDS = 492;

/** ROC-AUC of the published Keras autoencoder trained on the normal rows of the full ULB data. */
export const PUBLISHED_AE_ROC_AUC = 0.96;

/** Highest fraud share the stand-in is given (the generator accepts up to 0.5). */
export const MAX_STAND_IN_FRAUD_RATE = 0.25;

/** Which data the stage ran on. */
export type CreditCardSourceKind = "real" | "stand-in";

/** The data with a statement of where it came from. */
export interface CreditCardSource {
  data: CreditCardData;
  kind: CreditCardSourceKind;
  /** Short label for tables: "real ULB data (1,722 rows, subset)" or "seeded stand-in (6,000 rows)". */
  label: string;
  /** One paragraph (markdown) for the notebook and the report. */
  description: string;
  /** Frauds among all rows, or null without labels. */
  nFrauds: number | null;
  /** nFrauds / rows, or null without labels. */
  fraudRate: number | null;
  /** True when a real file has fewer rows than the full ULB file. */
  subset: boolean;
  /** Seconds spent loading or generating. */
  seconds: number;
}

/**
 * Fraud share of the stand-in for `rows` transactions: the real file's 492 frauds whatever
 * the size (a subset enriched in frauds, like published samples), never below the full
 * file's 0.173% and never above MAX_STAND_IN_FRAUD_RATE. At 284,807 rows it is the real rate.
 */
export function standInFraudRate(rows: number): number {
  if (!(Number.isInteger(rows) && rows >= 2))
    throw new Error(`standInFraudRate: rows must be an integer >= 2, got ${rows}.`);
  return Math.min(MAX_STAND_IN_FRAUD_RATE, Math.max(ULB_FRAUD_RATE, ULB_FRAUDS / rows));
}

/** Options of `loadCreditCardSource`. */
export interface CreditCardSourceOptions {
  /** Path of creditcard.csv (config.creditCardPath). */
  file: string;
  /** Rows of the stand-in when the file is absent (config.settings.creditCardRows). */
  standInRows: number;
  /** Seed or stream of the stand-in. */
  seed: number | Rng;
  /** When true a missing file is an error instead of a fallback (the user named a file). */
  required?: boolean;
  /** Project root: paths inside it are shown relative to it. */
  root?: string;
}

const fmtInt = (n: number): string => n.toLocaleString("en-US");
const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;

function shownPath(file: string, root?: string): string {
  if (root) {
    const rel = path.relative(root, file);
    if (!rel.startsWith("..") && !path.isAbsolute(rel)) return rel;
  }
  return path.basename(file);
}

function countFrauds(labels: Int8Array | null): number | null {
  if (!labels) return null;
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += labels[i]!;
  return s;
}

/**
 * The real creditcard.csv when `file` exists, else the seeded stand-in
 * (`generateCreditCard` with `standInFraudRate(standInRows)`).
 * @throws when `required` and the file does not exist, naming the path and the fix.
 */
export function loadCreditCardSource(options: CreditCardSourceOptions): CreditCardSource {
  const t0 = Date.now();
  const shown = shownPath(options.file, options.root);
  if (fs.existsSync(options.file)) {
    const data = loadCreditCard(options.file);
    const nFrauds = countFrauds(data.labels);
    const fraudRate = nFrauds === null ? null : nFrauds / data.rows;
    const subset = data.rows < CREDITCARD_FULL_ROWS;
    const label = `real ULB data (${fmtInt(data.rows)} rows${subset ? ", subset" : ""})`;
    const parts = [`**Real data**: \`${shown}\` in the ULB layout, ${fmtInt(data.rows)} transactions`];
    if (nFrauds === null) {
      parts.push(
        " **without a Class column**: the models are trained on all training rows and evaluated without ground truth (no ROC-AUC or PR-AUC; thresholds and flag counts only).",
      );
    } else {
      parts.push(`, ${fmtInt(nFrauds)} frauds (${pct(fraudRate!, 3)}).`);
      if (subset) {
        parts.push(
          ` This is a **subset** of the full file (${fmtInt(CREDITCARD_FULL_ROWS)} transactions, ${fmtInt(ULB_FRAUDS)} frauds, ${pct(ULB_FRAUD_RATE, 3)}): ROC-AUC is comparable with full-data results, PR-AUC is not (its baseline is the fraud rate).`,
        );
      }
    }
    return {
      data,
      kind: "real",
      label,
      description: parts.join(""),
      nFrauds,
      fraudRate,
      subset,
      seconds: (Date.now() - t0) / 1000,
    };
  }
  if (options.required) {
    throw new Error(
      `The credit-card file ${options.file} does not exist. Point CAE_CREDITCARD at creditcard.csv (ULB layout), or unset it to use the seeded stand-in.`,
    );
  }
  const rows = options.standInRows;
  const rate = standInFraudRate(rows);
  const data = generateCreditCard({ rows, fraudRate: rate }, options.seed);
  const nFrauds = countFrauds(data.labels)!;
  const fraudRate = nFrauds / rows;
  return {
    data,
    kind: "stand-in",
    label: `seeded stand-in (${fmtInt(rows)} rows)`,
    description:
      `**Seeded stand-in** (no file at \`${shown}\`; set CAE_CREDITCARD or put the ULB creditcard.csv there to use the real data): ` +
      `${fmtInt(rows)} synthetic transactions in the ULB layout with ${fmtInt(nFrauds)} frauds (${pct(fraudRate, 3)}), ` +
      `the real file's fraud count${rows < CREDITCARD_FULL_ROWS ? ` in fewer rows, so the fraud rate is ${(fraudRate / ULB_FRAUD_RATE).toFixed(1)}× the real ${pct(ULB_FRAUD_RATE, 3)}` : ""}. ` +
      `Its frauds are simulated shifts of the components that separate frauds in the real data; its numbers show that the pipeline works, not how well it detects real fraud.`,
    nFrauds,
    fraudRate,
    subset: false,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** Night hours for the class summary: 00:00-06:00, when the real data's volume bottoms out. */
const NIGHT_END_HOUR = 6;

/**
 * One row per class (or one "all" row without labels): transactions, share, amount
 * median and mean, and the share at night (hour of day < NIGHT_END_HOUR), the first things
 * an analyst compares between frauds and normal transactions.
 */
export function classSummary(data: CreditCardData): Record<string, string | number>[] {
  const groups: { name: string; test: (i: number) => boolean }[] = data.labels
    ? [
        { name: "normal", test: (i) => data.labels![i] === 0 },
        { name: "fraud", test: (i) => data.labels![i] === 1 },
      ]
    : [{ name: "all (no labels)", test: () => true }];
  return groups.map((g) => {
    const amounts: number[] = [];
    let night = 0;
    for (let i = 0; i < data.rows; i++) {
      if (!g.test(i)) continue;
      amounts.push(data.amount[i]!);
      const hour = (((data.time[i]! % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY) / SECONDS_PER_HOUR;
      if (hour < NIGHT_END_HOUR) night++;
    }
    const n = amounts.length;
    const sorted = Float64Array.from(amounts).sort();
    return {
      class: g.name,
      transactions: n,
      share: n / data.rows,
      "median amount": n ? quantileSorted(sorted, 0.5) : NaN,
      "mean amount": n ? amounts.reduce((a, b) => a + b, 0) / n : NaN,
      [`share 00:00-0${NIGHT_END_HOUR}:00`]: n ? night / n : NaN,
    };
  });
}

// ---------------------------------------------------------------------------------------
// Split
// ---------------------------------------------------------------------------------------

/** Shares of the three splits (they must sum to 1). */
export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

/** 60 / 20 / 20: the validation split serves early stopping and threshold fitting, so it gets as many rows as the test split. */
export const DEFAULT_SPLIT: SplitFractions = { train: 0.6, validation: 0.2, test: 0.2 };

/** Row indices of each split. */
export interface CreditCardSplit {
  /** Ascending row indices `[nTrain]`. */
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
  /** True when split per class (labels present). */
  stratified: boolean;
  /** Rows and frauds per split, for tables. */
  counts: { split: string; rows: number; frauds: number | null; fraudRate: number | null }[];
}

/**
 * Split rows into train / validation / test. With labels the split is stratified: each
 * class is shuffled and cut by the fractions (test and validation sizes rounded, the rest
 * to train), so every split keeps the data's fraud rate up to one row. Without labels
 * (null) the rows are shuffled as one class.
 * @param labels `[n]` 0/1 or null.
 */
export function stratifiedSplit(
  labels: Int8Array | null,
  n: number,
  rng: Rng,
  fractions: SplitFractions = DEFAULT_SPLIT,
): CreditCardSplit {
  const { train, validation, test } = fractions;
  if (
    ![train, validation, test].every((f) => f >= 0) ||
    Math.abs(train + validation + test - 1) > 1e-9 ||
    train === 0 ||
    test === 0
  ) {
    throw new Error(
      `Split fractions must be >= 0, sum to 1 and give train and test rows; got train ${train}, validation ${validation}, test ${test}.`,
    );
  }
  if (labels && labels.length !== n)
    throw new Error(`labels has ${labels.length} values but there are ${n} rows; align them row by row.`);
  if (!(Number.isInteger(n) && n >= 3)) throw new Error(`stratifiedSplit needs at least 3 rows, got ${n}.`);
  const classes: number[][] = labels ? [[], []] : [[]];
  for (let i = 0; i < n; i++) classes[labels ? labels[i]! : 0]!.push(i);
  const parts: number[][] = [[], [], []];
  for (const members of classes) {
    const order = rng.permutation(members.length);
    const nTest = Math.round(members.length * test);
    const nVal = Math.min(members.length - nTest, Math.round(members.length * validation));
    order.forEach((p, q) => parts[q < nTest ? 2 : q < nTest + nVal ? 1 : 0]!.push(members[p]!));
  }
  const [tr, va, te] = parts.map((p) => Int32Array.from(p).sort());
  const count = (rows: Int32Array, split: string) => {
    const frauds = labels ? rows.reduce((s, i) => s + labels[i]!, 0) : null;
    return {
      split,
      rows: rows.length,
      frauds,
      fraudRate: frauds === null || rows.length === 0 ? null : frauds / rows.length,
    };
  };
  return {
    train: tr!,
    validation: va!,
    test: te!,
    stratified: labels !== null,
    counts: [count(tr!, "train"), count(va!, "validation"), count(te!, "test")],
  };
}

// ---------------------------------------------------------------------------------------
// Features
// ---------------------------------------------------------------------------------------

/** What becomes of Time: the hour of day on the circle (two features), or nothing. */
export type TimeEncoding = "hour" | "drop";

const SECONDS_PER_DAY = 86_400;
const HOURS_PER_DAY = 24;
const SECONDS_PER_HOUR = 3_600;
/** V1..V28 sit at columns 1..28 of the raw features (Time is column 0, Amount column 29). */
const N_COMPONENTS = 28;

/** Names of the model inputs for a time encoding: V1..V28, log_amount[, hour_sin, hour_cos]. */
export function engineeredFeatureNames(timeEncoding: TimeEncoding = "hour"): string[] {
  const names = Array.from({ length: N_COMPONENTS }, (_, i) => `V${i + 1}`);
  names.push("log_amount");
  if (timeEncoding === "hour") names.push("hour_sin", "hour_cos");
  return names;
}

/**
 * Row-local feature engineering (nothing fitted): V1..V28 as they are, log(1 + Amount),
 * and the hour of day `h = (Time mod 86,400) / 3,600` as (sin 2πh/24, cos 2πh/24), so that
 * 23:59 and 00:00 are neighbours. Time counts seconds from the first transaction, which in
 * the ULB file falls at about midnight (activity bottoms out 2-6 hours later on both days).
 * @returns `[rows, 29 or 31]` unscaled features.
 * @throws on a negative Amount, naming the row.
 */
export function engineerFeatures(
  data: CreditCardData,
  timeEncoding: TimeEncoding = "hour",
): { X: Matrix; featureNames: string[] } {
  if (timeEncoding !== "hour" && timeEncoding !== "drop")
    throw new Error(`timeEncoding must be "hour" or "drop", got "${String(timeEncoding)}".`);
  const featureNames = engineeredFeatureNames(timeEncoding);
  const cols = featureNames.length;
  const src = data.features;
  if (src.cols !== N_COMPONENTS + 2)
    throw new Error(`Credit-card features must have 30 columns (Time, V1..V28, Amount), got ${src.cols}.`);
  const out = new Float32Array(data.rows * cols);
  for (let i = 0; i < data.rows; i++) {
    const o = i * cols;
    out.set(src.data.subarray(i * src.cols + 1, i * src.cols + 1 + N_COMPONENTS), o);
    const amount = data.amount[i]!;
    if (!(amount >= 0))
      throw new Error(
        `Amount ${amount} in data row ${i} (0-based) is negative; amounts must be >= 0 to be log-scaled. Fix or remove that row.`,
      );
    out[o + N_COMPONENTS] = Math.log1p(amount);
    if (timeEncoding === "hour") {
      const hour = (((data.time[i]! % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY) / SECONDS_PER_HOUR;
      const angle = (2 * Math.PI * hour) / HOURS_PER_DAY;
      out[o + N_COMPONENTS + 1] = Math.sin(angle);
      out[o + N_COMPONENTS + 2] = Math.cos(angle);
    }
  }
  return { X: { data: out, rows: data.rows, cols }, featureNames };
}

/** Model inputs with the preprocessing that made them (it travels with the saved models). */
export interface CreditCardFeatures {
  /** `[rows, nFeatures]` standardised with the training split's statistics. */
  X: Matrix;
  featureNames: string[];
  timeEncoding: TimeEncoding;
  /** The fitted scaler (mean and std of the training rows). */
  scaler: ScalerJSON;
}

/**
 * The rows the scaler is fitted on: the normal rows of the training split (all training
 * rows without labels). The scaler then describes normal behaviour, the same population
 * the models learn; fitted on frauds too, the frauds' own spread would shrink their
 * standardised deviations, which matters in data enriched in frauds (on the 28.6%-fraud
 * real subset, ROC-AUC 0.90 instead of 0.94 for the AE). No test or validation row is used.
 */
export function scalerFitRows(trainRows: Int32Array, labels: Int8Array | null): Int32Array {
  if (!labels) return trainRows;
  const rows = trainRows.filter((i) => labels[i] === 0);
  if (rows.length === 0)
    throw new Error("The training split has no normal (Class 0) rows to fit the scaler on; check the Class column.");
  return rows;
}

/**
 * Engineer features for all rows and standardise them with a StandardScaler fitted on
 * `fitRows` only (training rows, see `scalerFitRows`); no clipping: extreme values are what
 * flags a fraud.
 */
export function prepareCreditCardFeatures(
  data: CreditCardData,
  fitRows: Int32Array,
  timeEncoding: TimeEncoding = "hour",
): CreditCardFeatures {
  const { X, featureNames } = engineerFeatures(data, timeEncoding);
  const scaler = new StandardScaler({ featureNames }).fit(X, fitRows);
  scaler.transform(X, true);
  return { X, featureNames, timeEncoding, scaler: scaler.toJSON() };
}

// ---------------------------------------------------------------------------------------
// Training rows
// ---------------------------------------------------------------------------------------

/** The rows a model is fitted on and how they were chosen. */
export interface TrainingRows {
  /** Ascending row indices. */
  rows: Int32Array;
  /** Candidate rows before sampling (after the normal-only filter). */
  nAvailable: number;
  sampled: boolean;
  /** True when only Class 0 rows were kept. */
  normalOnly: boolean;
  /** What was done, in words. */
  note: string;
}

/**
 * Choose training rows among `candidates`: only normal ones when `normalOnly` and labels
 * exist, then a seeded uniform sample of at most `maxRows`.
 */
export function selectTrainingRows(
  candidates: Int32Array,
  labels: Int8Array | null,
  options: { normalOnly: boolean; maxRows: number; rng: Rng; what?: string },
): TrainingRows {
  const { maxRows } = options;
  if (!(Number.isInteger(maxRows) && maxRows >= 1))
    throw new Error(`maxRows must be a positive integer (config creditCardMaxTrain), got ${maxRows}.`);
  const normalOnly = options.normalOnly && labels !== null;
  const pool = normalOnly ? candidates.filter((i) => labels![i] === 0) : candidates;
  const what = options.what ?? "training";
  const kind = normalOnly ? "normal" : labels === null ? "unlabelled" : "normal and fraud";
  if (pool.length <= maxRows) {
    return {
      rows: Int32Array.from(pool),
      nAvailable: pool.length,
      sampled: false,
      normalOnly,
      note: `all ${fmtInt(pool.length)} ${kind} ${what} rows`,
    };
  }
  const pick = options.rng.sampleIndices(pool.length, maxRows);
  const rows = Int32Array.from(pick, (p) => pool[p]!).sort();
  return {
    rows,
    nAvailable: pool.length,
    sampled: true,
    normalOnly,
    note: `a seeded sample of ${fmtInt(maxRows)} of the ${fmtInt(pool.length)} ${kind} ${what} rows (cap ${fmtInt(maxRows)})`,
  };
}

// ---------------------------------------------------------------------------------------
// Models and scores
// ---------------------------------------------------------------------------------------

/** The model kinds of this stage. Conv1D is absent: transactions are not an ordered series per entity. */
export const CREDITCARD_MODEL_KINDS = ["ae", "vae", "dae", "pca"] as const;
export type CreditCardModelKind = (typeof CREDITCARD_MODEL_KINDS)[number];

/**
 * Encoder widths: one hidden layer, 29 inputs → 14 → latent, halving per layer. The
 * inputs are 28 decorrelated PCA components and one amount, so there is little
 * low-dimensional structure to unfold: a deeper or wider network mostly learns to rebuild
 * everything, frauds included, and with the 1,000-3,000 normal training rows of a labelled
 * subset its ~1,100 weights are well determined.
 */
export const CREDITCARD_HIDDEN_UNITS = [14];
/** Latent size: 7, halving again (29 → 14 → 7), about a quarter of the inputs as in the market models. */
export const CREDITCARD_LATENT_DIM = 7;
/**
 * Hidden activation: tanh. Standardised components with heavy tails saturate a tanh unit
 * smoothly instead of passing an extreme value on linearly (ReLU) or killing the unit for
 * negative inputs. On the 1,722-row real subset the tanh 29-14-7 networks matched or beat
 * the earlier ReLU 31-24-16-8 ones (VAE 0.966 against 0.959 mean ROC-AUC over 5 splits).
 */
export const CREDITCARD_ACTIVATION = "tanh" as const;
/** The models' time encoding: Time dropped (see `engineerFeatures`: the hour features are bounded and gave no gain on the real data, while adding two inputs to rebuild). */
export const CREDITCARD_TIME_ENCODING: TimeEncoding = "drop";
/**
 * Training of the networks: Adam at 3e-3 with mini-batches of 64 (a labelled subset has
 * 700-3,000 normal training rows: batches of 256 would give a handful of updates per
 * epoch), early stopping on the validation normals with patience 20, at most
 * CREDITCARD_MAX_EPOCHS epochs and about CREDITCARD_STEP_BUDGET updates.
 */
export const CREDITCARD_FIT = { batchSize: 64, learningRate: 3e-3, patience: 20 } as const;
/** Epoch cap: on the 1,722-row real subset the validation loss still falls slowly at 200 epochs, and ROC-AUC at 400 is no better than at 200. */
export const CREDITCARD_MAX_EPOCHS = 200;
/** Parameter updates of one training run: 30 steps per epoch × 200 epochs; larger data sets train for fewer epochs of more steps (40,000 rows: 10 epochs). */
export const CREDITCARD_STEP_BUDGET = 6_000;

/**
 * Fit options of the credit-card networks for `nTrain` training rows: CREDITCARD_FIT, and
 * as many epochs as CREDITCARD_STEP_BUDGET updates take, between 1 and
 * min(CREDITCARD_MAX_EPOCHS, epochCap) (the ci profile passes its own small cap).
 */
export function creditCardFitOptions(nTrain: number, epochCap: number = CREDITCARD_MAX_EPOCHS) {
  if (!(Number.isInteger(nTrain) && nTrain >= 1))
    throw new Error(`creditCardFitOptions: nTrain must be a positive integer, got ${nTrain}.`);
  if (!(Number.isInteger(epochCap) && epochCap >= 1))
    throw new Error(`creditCardFitOptions: epochCap must be a positive integer, got ${epochCap}.`);
  const steps = Math.ceil(nTrain / CREDITCARD_FIT.batchSize);
  const budget = Math.max(1, Math.ceil(CREDITCARD_STEP_BUDGET / steps));
  return { ...CREDITCARD_FIT, maxEpochs: Math.min(budget, CREDITCARD_MAX_EPOCHS, epochCap), minDelta: 0 };
}
/** DAE corruption as in notebook 04: Gaussian noise 0.2 sd and 10% of values masked. */
export const CREDITCARD_DAE_NOISE = { noiseStd: 0.2, maskFraction: 0.1 };
/**
 * VAE: β = 0.25 as in notebook 03 (with a unit-variance Gaussian decoder on standardised
 * inputs, β = 1 lets the KL term dominate and the posteriors collapse), and a short KL warm-up.
 */
export const CREDITCARD_VAE = { beta: 0.25, warmupEpochs: 3 };

/** Build one of the stage's models; `name` defaults to "creditcard-<kind>". */
export function buildCreditCardModel(
  kind: CreditCardModelKind,
  featureNames: string[],
  seed: number,
  name = `creditcard-${kind}`,
): RowModel {
  const common = { featureNames, latentDim: CREDITCARD_LATENT_DIM, seed, name };
  switch (kind) {
    case "ae":
      return createModel("ae", {
        ...common,
        hiddenUnits: [...CREDITCARD_HIDDEN_UNITS],
        activation: CREDITCARD_ACTIVATION,
      });
    case "vae":
      return createModel("vae", {
        ...common,
        hiddenUnits: [...CREDITCARD_HIDDEN_UNITS],
        activation: CREDITCARD_ACTIVATION,
        ...CREDITCARD_VAE,
      });
    case "dae":
      return createModel("dae", {
        ...common,
        hiddenUnits: [...CREDITCARD_HIDDEN_UNITS],
        activation: CREDITCARD_ACTIVATION,
        ...CREDITCARD_DAE_NOISE,
      });
    case "pca":
      return createModel("pca", common);
    default:
      throw new Error(`Unknown credit-card model kind "${String(kind)}". Known: ${CREDITCARD_MODEL_KINDS.join(", ")}.`);
  }
}

/** Rows scored per call: bounds the per-feature error matrix to ~4 MB. */
export const SCORE_CHUNK_ROWS = 32_768;

/**
 * Reconstruction MSE per row of `X` (or of `rows` of X), scored in chunks so that memory
 * stays bounded on the full file.
 * @returns `[rows]` scores, higher = more anomalous.
 */
export function reconstructionScores(model: RowModel, X: Matrix, rows?: Int32Array): Float64Array {
  const n = rows ? rows.length : X.rows;
  const out = new Float64Array(n);
  for (let start = 0; start < n; start += SCORE_CHUNK_ROWS) {
    const end = Math.min(n, start + SCORE_CHUNK_ROWS);
    const idx = rows ? rows.subarray(start, end) : Int32Array.from({ length: end - start }, (_, q) => start + q);
    out.set(model.score(takeRows(X, idx), "mse").perRow, start);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i]!))
      throw new Error(
        `Model ${model.name} gave a non-finite score (${out[i]}) for row ${rows ? rows[i] : i}: training diverged; check its history.`,
      );
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Thresholds
// ---------------------------------------------------------------------------------------

/** A named threshold rule. */
export interface ThresholdRule {
  name: string;
  spec: ThresholdSpec;
}

/** POT target: one false alarm per 1,000 normal transactions, the order of the real fraud rate (1.7 per 1,000). */
export const POT_TARGET_RATE = 0.001;

/** The stage's threshold rules: the 95th and 99th percentiles and the POT tail at POT_TARGET_RATE. */
export const CREDITCARD_THRESHOLD_RULES: ThresholdRule[] = [
  { name: "p95", spec: { method: "percentile", q: 0.95 } },
  { name: "p99", spec: { method: "percentile", q: 0.99 } },
  { name: "POT 0.1%", spec: { method: "pot", targetRate: POT_TARGET_RATE } },
];

/** A fitted rule. */
export interface NamedThreshold {
  name: string;
  result: ThresholdResult;
}

/** Fit every rule on calibration scores (the validation split's normal rows). */
export function fitCreditCardThresholds(
  calibrationScores: ArrayLike<number>,
  rules: ThresholdRule[] = CREDITCARD_THRESHOLD_RULES,
): NamedThreshold[] {
  if (calibrationScores.length === 0)
    throw new Error(
      "No calibration scores to fit thresholds on: the validation split has no normal rows; use a larger data set.",
    );
  return rules.map((r) => ({ name: r.name, result: fitThreshold(calibrationScores, r.spec) }));
}

/** One model's scores on the test split and its thresholds from the calibration rows. */
export interface ScoredModel {
  /** Display label, e.g. "ae" or "ae (all rows)". */
  label: string;
  model: RowModel;
  /** `[nTest]` scores of the test rows: standardised reconstruction error when fitted with training rows, else MSE. */
  test: Float64Array;
  /** Calibration rows scored. */
  nCalibration: number;
  thresholds: NamedThreshold[];
}

/**
 * Score the test rows and fit the thresholds on the calibration rows' scores (the
 * validation split's normal rows: held out from training, free of frauds). With
 * `trainRows` (the rows the model was fitted on) the score is the standardised
 * reconstruction error (lib/anomaly/residual-scores.ts: each feature's error divided by
 * its spread on those rows); without, the plain reconstruction MSE.
 */
export function scoreModel(
  label: string,
  model: RowModel,
  X: Matrix,
  calibrationRows: Int32Array,
  testRows: Int32Array,
  rules: ThresholdRule[] = CREDITCARD_THRESHOLD_RULES,
  trainRows?: Int32Array,
): ScoredModel {
  const scorer = trainRows ? fitStandardisedError(model, X, trainRows) : null;
  const score = (rows: Int32Array) => (scorer ? scorer.score(X, rows) : reconstructionScores(model, X, rows));
  const calibration = score(calibrationRows);
  return {
    label,
    model,
    test: score(testRows),
    nCalibration: calibration.length,
    thresholds: fitCreditCardThresholds(calibration, rules),
  };
}

// ---------------------------------------------------------------------------------------
// Metrics and bootstrap
// ---------------------------------------------------------------------------------------

/** An estimate with a percentile bootstrap interval. */
export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

/** Scores sorted once (descending) with their groups of equal values, for repeated weighted passes. */
export interface RankedScores {
  /** Row indices by descending score `[n]`. */
  order: Int32Array;
  /** Start position (in `order`) of each group of equal scores, plus n at the end `[nGroups + 1]`. */
  groupStart: Int32Array;
  /** Score of each group `[nGroups]`, descending. */
  groupScore: Float64Array;
  /** 0/1 labels `[n]` in the original row order. */
  labels: Uint8Array;
}

/** Sort scores once for `weightedDetectionMetrics`. Scores must be finite. */
export function rankScores(scores: ArrayLike<number>, labels: ArrayLike<number>): RankedScores {
  const n = scores.length;
  if (labels.length !== n)
    throw new Error(`labels has ${labels.length} values but there are ${n} scores; align them row by row.`);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(scores[i]!)) throw new Error(`scores[${i}] is ${scores[i]}; scores must be finite.`);
  const order = argsort(scores, true);
  const starts: number[] = [];
  const values: number[] = [];
  for (let p = 0; p < n; p++) {
    const v = scores[order[p]!]!;
    if (p === 0 || v !== values[values.length - 1]) {
      starts.push(p);
      values.push(v);
    }
  }
  starts.push(n);
  return {
    order,
    groupStart: Int32Array.from(starts),
    groupScore: Float64Array.from(values),
    labels: Uint8Array.from(labels as ArrayLike<number>, (v) => (v > 0 ? 1 : 0)),
  };
}

/** Detection metrics of one (possibly resampled) evaluation. NaN where undefined. */
export interface WeightedMetrics {
  rocAuc: number;
  averagePrecision: number;
  /** Per k: precision and recall among the k highest scores (ties shared in expectation). */
  precisionAtK: number[];
  recallAtK: number[];
  /** Per threshold (flag = score > t): true and false positives. */
  tp: number[];
  fp: number[];
  /** Weighted positives and negatives. */
  nPos: number;
  nNeg: number;
}

/**
 * ROC-AUC, average precision, precision/recall at k and the flagged counts at thresholds,
 * for rows weighted by `weights` (bootstrap multiplicities; null = every row once), in one
 * pass over the pre-sorted scores. With integer weights it equals the library metrics
 * (lib/anomaly/metrics.ts) on the vector in which row i appears weights[i] times: equal
 * scores form one threshold, ties count one half in the AUC and share the slots at the k-th score.
 * @param ks integers in 1..total weight.
 * @param thresholds flag rule `score > t`.
 */
export function weightedDetectionMetrics(
  r: RankedScores,
  weights: ArrayLike<number> | null,
  ks: number[],
  thresholds: number[],
): WeightedMetrics {
  const { order, groupStart, groupScore, labels } = r;
  const nGroups = groupScore.length;
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < labels.length; i++) {
    const w = weights ? weights[i]! : 1;
    if (labels[i]) nPos += w;
    else nNeg += w;
  }
  // First group not flagged by each threshold (groups are descending, flag = score > t).
  const cut = thresholds.map((t) => {
    let lo = 0;
    let hi = nGroups;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (groupScore[mid]! > t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
  const tpAt = new Array<number>(thresholds.length).fill(NaN);
  const fpAt = new Array<number>(thresholds.length).fill(NaN);
  const hits = new Array<number>(ks.length).fill(NaN);
  let tp = 0;
  let fp = 0;
  let auc = 0;
  let ap = 0;
  for (let g = 0; g <= nGroups; g++) {
    for (let t = 0; t < cut.length; t++)
      if (cut[t] === g) {
        tpAt[t] = tp;
        fpAt[t] = fp;
      }
    if (g === nGroups) break;
    let wp = 0;
    let wn = 0;
    for (let p = groupStart[g]!; p < groupStart[g + 1]!; p++) {
      const i = order[p]!;
      const w = weights ? weights[i]! : 1;
      if (w === 0) continue;
      if (labels[i]) wp += w;
      else wn += w;
    }
    if (wp + wn === 0) continue;
    const before = tp + fp;
    for (let q = 0; q < ks.length; q++) {
      const k = ks[q]!;
      if (k > before && k <= before + wp + wn) hits[q] = tp + ((k - before) * wp) / (wp + wn);
    }
    // Negatives strictly below this group: nNeg - (negatives above) - (negatives tied).
    auc += wp * (nNeg - fp - wn) + 0.5 * wp * wn;
    tp += wp;
    fp += wn;
    if (wp > 0) ap += (wp / nPos) * (tp / (tp + fp));
  }
  return {
    rocAuc: nPos > 0 && nNeg > 0 ? auc / (nPos * nNeg) : NaN,
    averagePrecision: nPos > 0 ? ap : NaN,
    precisionAtK: hits.map((h, q) => h / ks[q]!),
    recallAtK: hits.map((h) => (nPos > 0 ? h / nPos : NaN)),
    tp: tpAt,
    fp: fpAt,
    nPos,
    nNeg,
  };
}

/** Percentile interval of replicate values (NaN replicates dropped), as lib/evaluate/bootstrap does. */
function percentileInterval(estimate: number, reps: number[], alpha: number): Interval {
  const valid = Float64Array.from(reps.filter((v) => Number.isFinite(v))).sort();
  if (valid.length === 0) return { estimate, lo: NaN, hi: NaN };
  return { estimate, lo: quantileSorted(valid, alpha / 2), hi: quantileSorted(valid, 1 - alpha / 2) };
}

/** Evaluation of one model at one threshold. */
export interface ThresholdEvaluation {
  name: string;
  threshold: number;
  /** False-alarm rate the rule expects on normal rows. */
  expectedRate: number;
  /** Test rows flagged and their share. */
  flagged: number;
  flaggedRate: number;
  /** Confusion table against the labels (null without labels). */
  confusion: Confusion | null;
  precision: Interval | null;
  recall: Interval | null;
  /** The rule's caveats (e.g. a POT fallback). */
  warnings: string[];
}

/** Everything measured for one model on the test split. */
export interface ModelEvaluation {
  model: string;
  /** What the model was trained on, in words. */
  trainedOn: string;
  nTest: number;
  nFrauds: number | null;
  /** PR-AUC of a random detector: the test fraud rate. */
  baseline: number | null;
  rocAuc: Interval | null;
  averagePrecision: Interval | null;
  atK: { k: number; precision: Interval; recall: Interval }[];
  thresholds: ThresholdEvaluation[];
  nBoot: number;
  alpha: number;
}

/** Options of `evaluateDetector`. */
export interface EvaluateOptions {
  /** k values for precision/recall at k (kept when <= test rows). */
  ks: number[];
  nBoot?: number;
  alpha?: number;
  rng: Rng;
  trainedOn?: string;
}

/**
 * Evaluate test scores against labels with bootstrap intervals (rows resampled with
 * replacement; transactions are treated as independent since the data has no card id).
 * Without labels only the flag counts at each threshold are reported.
 * @param scores `[nTest]` finite scores, higher = more anomalous.
 * @param labels `[nTest]` 0/1 or null.
 */
export function evaluateDetector(
  model: string,
  scores: Float64Array,
  labels: ArrayLike<number> | null,
  thresholds: NamedThreshold[],
  options: EvaluateOptions,
): ModelEvaluation {
  const n = scores.length;
  if (n === 0) throw new Error(`evaluateDetector(${model}): no test scores.`);
  const nBoot = options.nBoot ?? DEFAULT_N_BOOT;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const ks = options.ks.filter((k) => Number.isInteger(k) && k >= 1 && k <= n);
  const flagsAt = thresholds.map((t) => applyThreshold(scores, t.result));
  const base = { model, trainedOn: options.trainedOn ?? "", nTest: n, nBoot, alpha };
  if (labels === null) {
    return {
      ...base,
      nFrauds: null,
      baseline: null,
      rocAuc: null,
      averagePrecision: null,
      atK: [],
      thresholds: thresholds.map((t, j) => ({
        name: t.name,
        threshold: t.result.threshold,
        expectedRate: t.result.expectedRate,
        flagged: flagsAt[j]!.nFlagged,
        flaggedRate: flagsAt[j]!.nFlagged / n,
        confusion: null,
        precision: null,
        recall: null,
        warnings: t.result.warnings,
      })),
    };
  }
  const ranked = rankScores(scores, labels);
  const thr = thresholds.map((t) => t.result.threshold);
  const reps: WeightedMetrics[] = [];
  const counts = new Int32Array(n);
  let estimate: WeightedMetrics | null = null;
  bootstrapStatistic(
    n,
    (idx) => {
      counts.fill(0);
      for (let q = 0; q < idx.length; q++) counts[idx[q]!]!++;
      const m = weightedDetectionMetrics(ranked, counts, ks, thr);
      if (estimate === null) estimate = m;
      else reps.push(m);
      return m.rocAuc;
    },
    { nBoot, alpha, rng: options.rng },
  );
  const est = estimate as unknown as WeightedMetrics;
  const interval = (get: (m: WeightedMetrics) => number): Interval =>
    percentileInterval(get(est), reps.map(get), alpha);
  const nFrauds = est.nPos;
  return {
    ...base,
    nFrauds,
    baseline: nFrauds / n,
    rocAuc: nFrauds > 0 && nFrauds < n ? interval((m) => m.rocAuc) : null,
    averagePrecision: nFrauds > 0 ? interval((m) => m.averagePrecision) : null,
    atK: ks.map((k, q) => ({
      k,
      precision: interval((m) => m.precisionAtK[q]!),
      recall: interval((m) => m.recallAtK[q]!),
    })),
    thresholds: thresholds.map((t, j) => {
      const flags = flagsAt[j]!;
      return {
        name: t.name,
        threshold: t.result.threshold,
        expectedRate: t.result.expectedRate,
        flagged: flags.nFlagged,
        flaggedRate: flags.nFlagged / n,
        confusion: confusion(flags.flags, labels),
        precision: interval((m) => (m.tp[j]! + m.fp[j]! > 0 ? m.tp[j]! / (m.tp[j]! + m.fp[j]!) : NaN)),
        recall: interval((m) => (m.nPos > 0 ? m.tp[j]! / m.nPos : NaN)),
        warnings: t.result.warnings,
      };
    }),
  };
}

/** k values for precision/recall at k: sizes of an analyst's review queue. */
export const K_LADDER = [10, 25, 50, 100, 200, 500, 1000, 2000, 5000];
/** At most this many k values are reported. */
export const MAX_KS = 4;

/**
 * Several k around the number of test frauds: ladder values from a quarter to four times
 * the fraud count (at most MAX_KS, at most the number of rows), so that both a queue much
 * shorter than the frauds (precision) and one longer (recall) are shown.
 */
export function chooseKs(nRows: number, nFrauds: number | null): number[] {
  const within = K_LADDER.filter((k) => k <= nRows);
  if (nFrauds === null || nFrauds === 0) return within.slice(0, MAX_KS);
  const near = within.filter((k) => k >= nFrauds / 4 && k <= nFrauds * 4);
  const pickFrom = near.length ? near : within.slice(0, 1);
  if (pickFrom.length <= MAX_KS) return pickFrom;
  // Keep the values closest to nFrauds on a log scale.
  return [...pickFrom]
    .sort((a, b) => Math.abs(Math.log(a / nFrauds)) - Math.abs(Math.log(b / nFrauds)))
    .slice(0, MAX_KS)
    .sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------
// Tables and findings
// ---------------------------------------------------------------------------------------

/** "0.953 [0.921, 0.978]". */
export function formatInterval(i: Interval | null, digits = 3): string {
  if (!i) return "n/a";
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
  return `${f(i.estimate)} [${f(i.lo)}, ${f(i.hi)}]`;
}

/** One row per model: ROC-AUC and PR-AUC with intervals and the lift over the PR baseline. */
export function metricsTable(evals: ModelEvaluation[]): Record<string, string | number | null>[] {
  return evals.map((e) => ({
    model: e.model,
    "trained on": e.trainedOn,
    "test rows": e.nTest,
    "test frauds": e.nFrauds,
    "ROC-AUC": e.rocAuc?.estimate ?? null,
    "ROC-AUC 95% CI": e.rocAuc ? `[${e.rocAuc.lo.toFixed(3)}, ${e.rocAuc.hi.toFixed(3)}]` : "n/a",
    "PR-AUC (AP)": e.averagePrecision?.estimate ?? null,
    "PR-AUC 95% CI": e.averagePrecision
      ? `[${e.averagePrecision.lo.toFixed(3)}, ${e.averagePrecision.hi.toFixed(3)}]`
      : "n/a",
    "PR baseline (fraud rate)": e.baseline,
    "AP / baseline": e.averagePrecision && e.baseline ? e.averagePrecision.estimate / e.baseline : null,
  }));
}

/** One row per (model, k): precision and recall among the k highest scores, with intervals. */
export function atKTable(evals: ModelEvaluation[]): Record<string, string | number>[] {
  return evals.flatMap((e) =>
    e.atK.map((a) => ({
      model: e.model,
      k: a.k,
      "precision@k": formatInterval(a.precision),
      "recall@k": formatInterval(a.recall),
    })),
  );
}

/** One row per (model, threshold): the confusion table and its rates with intervals. */
export function confusionTable(evals: ModelEvaluation[]): Record<string, string | number | null>[] {
  return evals.flatMap((e) =>
    e.thresholds.map((t) => ({
      model: e.model,
      threshold: t.name,
      "score >": t.threshold,
      "expected false-alarm rate": t.expectedRate,
      flagged: t.flagged,
      TP: t.confusion?.tp ?? null,
      FP: t.confusion?.fp ?? null,
      FN: t.confusion?.fn ?? null,
      TN: t.confusion?.tn ?? null,
      precision: t.confusion ? formatInterval(t.precision) : "n/a",
      recall: t.confusion ? formatInterval(t.recall) : "n/a",
    })),
  );
}

/** The model with the highest estimate of a metric, or null without labels. */
export function bestBy(evals: ModelEvaluation[], metric: "rocAuc" | "averagePrecision"): ModelEvaluation | null {
  let best: ModelEvaluation | null = null;
  for (const e of evals) {
    const v = e[metric];
    if (v && Number.isFinite(v.estimate) && (!best || v.estimate > best[metric]!.estimate)) best = e;
  }
  return best;
}

/** ROC-AUC changes below this are called immaterial in the findings: the precision at which results on this data are usually quoted (0.96, 0.95). */
export const NEGLIGIBLE_AUC_CHANGE = 0.01;

/** Fraud rates within this factor of the full file's count as the same PR-AUC baseline (a stratified split moves the rate by well under 10%). */
export const SAME_RATE_FACTOR = 1.1;

/** What the findings are written from. */
export interface CreditCardSummary {
  source: CreditCardSource;
  /** Evaluations of the models trained on normal rows (the main comparison). */
  evaluations: ModelEvaluation[];
  /** The AE trained on all training rows, when that variant ran. */
  contaminated?: ModelEvaluation | null;
  /** How the training rows were chosen. */
  training: TrainingRows;
}

/** Findings (sentences from measured numbers) for the notebook's conclusions and the report. */
export function creditCardFindings(s: CreditCardSummary): string[] {
  const out: string[] = [];
  const { source } = s;
  const first = s.evaluations[0];
  if (!first) return out;
  out.push(
    `Data: ${source.label}${source.fraudRate !== null ? ` with a fraud rate of ${pct(source.fraudRate, 3)}` : ""}; the models were trained on ${s.training.note}.`,
  );
  if (first.nFrauds === null) {
    out.push(
      `The data has **no Class column**, so this run is **unsupervised**: the models were trained on all training rows and there is no ROC-AUC or PR-AUC. At the 99th percentile of validation scores the ${first.model} flags ${fmtInt(first.thresholds.find((t) => t.name === "p99")?.flagged ?? 0)} of ${fmtInt(first.nTest)} test transactions.`,
    );
    return out;
  }
  const bestRoc = bestBy(s.evaluations, "rocAuc");
  const bestAp = bestBy(s.evaluations, "averagePrecision");
  if (bestRoc && bestAp) {
    out.push(
      `On the test split (${fmtInt(first.nTest)} transactions, ${fmtInt(first.nFrauds)} frauds) the best ROC-AUC is **${formatInterval(bestRoc.rocAuc)}** (${bestRoc.model}) and the best PR-AUC (average precision) is **${formatInterval(bestAp.averagePrecision)}** (${bestAp.model}), ${(bestAp.averagePrecision!.estimate / bestAp.baseline!).toFixed(1)}× its baseline of ${pct(bestAp.baseline!, 2)} (the test fraud rate); brackets are 95% bootstrap intervals over ${fmtInt(first.nBoot)} resamples of the test rows.`,
    );
  }
  const ranking = [...s.evaluations].filter((e) => e.rocAuc).sort((a, b) => b.rocAuc!.estimate - a.rocAuc!.estimate);
  if (ranking.length > 1)
    out.push(`Ranking by ROC-AUC: ${ranking.map((e) => `${e.model} ${e.rocAuc!.estimate.toFixed(3)}`).join(", ")}.`);
  const ae = s.evaluations.find((e) => /(^|-)ae$/.test(e.model)) ?? bestRoc;
  if (ae?.rocAuc) {
    const r = ae.rocAuc;
    const rel = PUBLISHED_AE_ROC_AUC < r.lo ? "below" : PUBLISHED_AE_ROC_AUC > r.hi ? "above" : "inside";
    let sentence = `The published Keras autoencoder trained on the normal rows of the full ULB data reached ROC-AUC ${PUBLISHED_AE_ROC_AUC.toFixed(2)}; this project's ${ae.model} reaches **${formatInterval(r)}**, so the published value lies ${rel} the interval.`;
    if (source.kind === "stand-in")
      sentence += " On the stand-in the comparison is only a sanity check: its frauds are simulated.";
    else if (source.subset)
      sentence +=
        " ROC-AUC compares across a subset and the full file because both of its rates are conditional on the class; only the frauds and normals sampled differ.";
    out.push(sentence);
  }
  if (bestAp && bestAp.baseline !== null) {
    const ratio = bestAp.baseline / ULB_FRAUD_RATE;
    const lift = (bestAp.averagePrecision!.estimate / bestAp.baseline).toFixed(1);
    if (Math.abs(Math.log(ratio)) < Math.log(SAME_RATE_FACTOR)) {
      out.push(
        `PR-AUC's baseline is the fraud rate: ${pct(bestAp.baseline, 3)} here, as in the full file (${pct(ULB_FRAUD_RATE, 3)}), so these PR-AUC values compare directly with full-data results; a subset enriched in frauds would start from a far higher floor and look better with the same detector.`,
      );
    } else {
      out.push(
        `PR-AUC is not comparable across data sets with different fraud rates: a random detector scores the fraud rate, here ${pct(bestAp.baseline, 2)} against ${pct(ULB_FRAUD_RATE, 3)} in the full file (${ratio.toFixed(1)}×)${ratio > 1 ? "; data enriched in frauds start from a higher floor, so their PR-AUC looks better than the same detector's on the full file" : "; data with fewer frauds start from a lower floor"}. Compare the lift over the baseline (${lift}× here) or ROC-AUC instead.`,
      );
    }
  }
  if (s.contaminated?.rocAuc && ae?.rocAuc) {
    const d = s.contaminated.rocAuc.estimate - ae.rocAuc.estimate;
    const dAp = s.contaminated.averagePrecision!.estimate - ae.averagePrecision!.estimate;
    const verdict =
      d <= -NEGLIGIBLE_AUC_CHANGE
        ? "worse: it learns to reconstruct some frauds too"
        : d >= NEGLIGIBLE_AUC_CHANGE
          ? "better here"
          : "no material difference in ROC-AUC";
    out.push(
      `Trained on all training rows (frauds included), the AE reaches ROC-AUC ${formatInterval(s.contaminated.rocAuc)} and PR-AUC ${formatInterval(s.contaminated.averagePrecision)}: ${d >= 0 ? "+" : ""}${d.toFixed(3)} and ${dAp >= 0 ? "+" : ""}${dAp.toFixed(3)} against training on normal rows only (${verdict}).`,
    );
  }
  if (bestRoc) {
    const p99 = bestRoc.thresholds.find((t) => t.name === "p99");
    const pot = bestRoc.thresholds.find((t) => t.name.startsWith("POT"));
    if (p99?.confusion) {
      out.push(
        `At the 99th percentile of the validation normals' scores the ${bestRoc.model} flags ${fmtInt(p99.flagged)} test transactions and catches ${fmtInt(p99.confusion.tp)} of ${fmtInt(bestRoc.nFrauds!)} frauds (recall ${formatInterval(p99.recall, 2)}, precision ${formatInterval(p99.precision, 2)})${pot?.confusion ? `; at the POT tail threshold (${pct(pot.expectedRate, 1)} expected false alarms${pot.warnings.length ? ", empirical fallback: too few calibration rows for a tail fit" : ""}) it catches ${fmtInt(pot.confusion.tp)} with ${fmtInt(pot.confusion.fp)} false alarm${pot.confusion.fp === 1 ? "" : "s"}` : ""}.`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

/** Points of the ROC and PR curves of every model, for `curvesChart`. */
export interface ModelCurves {
  model: string;
  roc: RocCurve;
  pr: PrCurve;
}

/** ROC and PR curves of one model's test scores (null without labels or with one class). */
export function modelCurves(model: string, scores: Float64Array, labels: ArrayLike<number> | null): ModelCurves | null {
  if (labels === null) return null;
  const roc = rocCurve(scores, labels);
  const pr = prCurve(scores, labels);
  return roc && pr ? { model, roc, pr } : null;
}

/** ROC (with the chance diagonal) and PR (with the fraud-rate baseline) curves of every model, side by side. */
export function curvesChart(curves: ModelCurves[], subtitle: string): VlSpec {
  const roc: charts.Row[] = curves.flatMap((c) =>
    Array.from(c.roc.fpr, (x, i) => ({
      model: `${c.model} (AUC ${c.roc.auc.toFixed(3)})`,
      fpr: x,
      tpr: c.roc.tpr[i]!,
    })),
  );
  const pr: charts.Row[] = curves.flatMap((c) =>
    Array.from(c.pr.recall, (x, i) => ({
      model: `${c.model} (AP ${c.pr.averagePrecision.toFixed(3)})`,
      recall: x,
      precision: c.pr.precision[i]!,
    })),
  );
  const baseline = curves[0]?.pr.baseline ?? 0;
  const size = { width: 330, height: 300 };
  const rocSpec: VlSpec = {
    ...size,
    title: "ROC",
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: "line", strokeDash: [4, 3], color: "#999" },
        encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
      },
      {
        data: { values: charts.compactRows(roc, 4) },
        mark: { type: "line", strokeWidth: 1.8 },
        encoding: {
          x: { field: "fpr", type: "quantitative", title: "false-positive rate" },
          y: { field: "tpr", type: "quantitative", title: "true-positive rate (recall)" },
          color: {
            field: "model",
            type: "nominal",
            title: null,
            sort: null,
            legend: { orient: "bottom", direction: "vertical", labelLimit: 0 },
          },
          tooltip: [{ field: "model" }, { field: "fpr", format: ".4f" }, { field: "tpr", format: ".3f" }],
        },
      },
    ],
  };
  const prSpec: VlSpec = {
    ...size,
    title: `Precision-recall (baseline = fraud rate ${pct(baseline, 2)})`,
    layer: [
      {
        data: { values: [{ y: baseline }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#999" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
      {
        data: { values: charts.compactRows(pr, 4) },
        mark: { type: "line", strokeWidth: 1.8, interpolate: "step-after" },
        encoding: {
          x: { field: "recall", type: "quantitative", title: "recall", scale: { domain: [0, 1] } },
          y: { field: "precision", type: "quantitative", title: "precision", scale: { domain: [0, 1] } },
          color: {
            field: "model",
            type: "nominal",
            title: null,
            sort: null,
            legend: { orient: "bottom", direction: "vertical", labelLimit: 0 },
          },
          tooltip: [{ field: "model" }, { field: "recall", format: ".3f" }, { field: "precision", format: ".3f" }],
        },
      },
    ],
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Credit-card fraud: ROC and precision-recall curves on the test split", subtitle },
    hconcat: [rocSpec, prSpec],
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
  };
}

/** Number of log-score bins of the distribution chart. */
export const SCORE_BINS = 40;

/**
 * Rows for `scoreDistributionChart`: per model and class, the density of log10(score) in
 * SCORE_BINS equal bins over the model's range (each class normalised on its own, since
 * frauds are hundreds of times rarer), plus one row per threshold to draw as a rule.
 * @param groups `[n]` class label per row ("normal"/"fraud", or "all" without labels).
 */
export function scoreDensityRows(
  models: { model: string; scores: Float64Array; thresholds: NamedThreshold[] }[],
  groups: string[],
): charts.Row[] {
  const rows: charts.Row[] = [];
  const floor = 1e-12;
  for (const m of models) {
    const logs = Float64Array.from(m.scores, (v) => Math.log10(Math.max(v, floor)));
    if (logs.length !== groups.length)
      throw new Error(`scoreDensityRows: ${m.model} has ${logs.length} scores but ${groups.length} group labels.`);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of logs) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const width = hi > lo ? (hi - lo) / SCORE_BINS : 1;
    const byGroup = new Map<string, Float64Array>();
    const totals = new Map<string, number>();
    logs.forEach((v, i) => {
      const g = groups[i]!;
      let h = byGroup.get(g);
      if (!h) byGroup.set(g, (h = new Float64Array(SCORE_BINS)));
      h[Math.min(SCORE_BINS - 1, Math.floor((v - lo) / width))]!++;
      totals.set(g, (totals.get(g) ?? 0) + 1);
    });
    for (const [g, h] of byGroup) {
      const total = totals.get(g)!;
      h.forEach((c, b) =>
        rows.push({
          model: m.model,
          kind: "density",
          class: g,
          log10_score: lo + (b + 0.5) * width,
          density: c / total / width,
        }),
      );
    }
    for (const t of m.thresholds)
      rows.push({
        model: m.model,
        kind: "threshold",
        class: t.name,
        log10_score: Math.log10(Math.max(t.result.threshold, floor)),
        density: null,
      });
  }
  return rows;
}

/** Class colours: normal blue-grey, fraud red; unlabelled data: "all" grey, flagged red. */
const CLASS_COLOURS: Record<string, string> = {
  normal: "#4c78a8",
  fraud: "#d62728",
  all: "#555555",
  "flagged (p99)": "#d62728",
  "not flagged": "#9aa9bd",
};

/** Distinct values of a field in first-appearance order (facet and legend order follow the data). */
function distinct(rows: charts.Row[], field: string, where: (r: charts.Row) => boolean = () => true): string[] {
  const seen: string[] = [];
  for (const r of rows) if (where(r) && !seen.includes(String(r[field]))) seen.push(String(r[field]));
  return seen;
}

/** A colour scale holding only the classes present. */
function classScale(classes: string[]): { domain: string[]; range: string[] } {
  return { domain: classes, range: classes.map((c) => CLASS_COLOURS[c] ?? "#888888") };
}

/** Densities of log10 reconstruction error by class, one panel per model, thresholds as dashed rules. */
export function scoreDistributionChart(rows: charts.Row[], subtitle: string): VlSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: distinct(rows, "class", (r) => r.kind === "density").includes("fraud")
        ? "Reconstruction error of frauds and normal transactions (test split)"
        : "Reconstruction error of the test rows",
      subtitle,
    },
    data: { values: charts.compactRows(rows, 4) },
    facet: { field: "model", type: "nominal", title: null, sort: distinct(rows, "model") },
    columns: 2,
    spec: {
      width: 300,
      height: 170,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'density'" }],
          mark: { type: "area", interpolate: "step", opacity: 0.35, line: true },
          encoding: {
            x: { field: "log10_score", type: "quantitative", title: "log10 score (standardised reconstruction error)" },
            y: { field: "density", type: "quantitative", title: "density", stack: null },
            color: {
              field: "class",
              type: "nominal",
              title: "class",
              scale: classScale(distinct(rows, "class", (r) => r.kind === "density")),
            },
            tooltip: [{ field: "class" }, { field: "log10_score", format: ".2f" }, { field: "density", format: ".3f" }],
          },
        },
        {
          transform: [{ filter: "datum.kind === 'threshold'" }],
          mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
          encoding: {
            x: { field: "log10_score", type: "quantitative" },
            tooltip: [
              { field: "class", title: "threshold" },
              { field: "log10_score", format: ".2f" },
            ],
          },
        },
      ],
    },
    resolve: { scale: { x: "independent", y: "independent" } },
  };
}

/**
 * Rows of the test split to embed: every fraud up to half the budget (a random sample
 * beyond), the rest normal rows at random, so frauds are visible next to hundreds of
 * times more normals. Without labels a plain random sample.
 * @returns ascending row indices (into `rows`' index space) and a note saying what was done.
 */
export function classBalancedSample(
  rows: Int32Array,
  labels: Int8Array | null,
  maxPoints: number,
  rng: Rng,
): { rows: Int32Array; note: string } {
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2))
    throw new Error(`maxPoints must be an integer >= 2 (config umapMaxPoints), got ${maxPoints}.`);
  const take = (pool: Int32Array, k: number): Int32Array =>
    pool.length <= k ? pool : Int32Array.from(rng.sampleIndices(pool.length, k), (p) => pool[p]!);
  if (!labels) {
    const out = take(rows, maxPoints).sort();
    return {
      rows: out,
      note: `${fmtInt(out.length)} of ${fmtInt(rows.length)} test rows${out.length < rows.length ? ", sampled at random" : ""}`,
    };
  }
  const frauds = rows.filter((i) => labels[i] === 1);
  const normals = rows.filter((i) => labels[i] === 0);
  const f = take(frauds, Math.floor(maxPoints / 2));
  const nn = take(normals, maxPoints - f.length);
  const out = Int32Array.from([...f, ...nn]).sort();
  return {
    rows: out,
    note: `${fmtInt(f.length)} of ${fmtInt(frauds.length)} test frauds and ${fmtInt(nn.length)} of ${fmtInt(normals.length)} test normals (frauds over-represented so that they are visible)`,
  };
}

/**
 * Embed each model's latent vectors of the same rows with UMAP (seeded per model) and
 * return scatter rows {model, class, u0, u1}.
 * @param groups `[rows.length]` class label of each embedded row.
 */
export async function embedLatents(
  models: { label: string; model: RowModel }[],
  X: Matrix,
  rows: Int32Array,
  groups: string[],
  rng: Rng,
  onProgress?: (label: string, epoch: number, total: number) => void,
): Promise<{ rows: charts.Row[]; seconds: number }> {
  const t0 = Date.now();
  const input = takeRows(X, rows);
  const out: charts.Row[] = [];
  for (const m of models) {
    const latents = m.model.encode(input);
    const res = await runUmapAsync(latents, {
      rng: rng.fork(`umap-${m.label}`),
      onProgress: (e, total) => onProgress?.(m.label, e, total),
    });
    for (let i = 0; i < res.embedding.rows; i++)
      out.push({
        model: m.label,
        class: groups[i]!,
        u0: res.embedding.data[2 * i]!,
        u1: res.embedding.data[2 * i + 1]!,
      });
  }
  return { rows: out, seconds: (Date.now() - t0) / 1000 };
}

/** UMAP scatter of latents, one panel per model, coloured by class (frauds drawn last, on top). */
export function umapChart(rows: charts.Row[], subtitle: string): VlSpec {
  const on = (r: charts.Row) => (r.class === "fraud" || r.class === "flagged (p99)" ? 1 : 0);
  const sorted = [...rows].sort((a, b) => on(a) - on(b));
  const title = `UMAP of each model's latent space, coloured by ${rows.some((r) => r.class === "fraud" || r.class === "normal") ? "class" : "flag"} (test split)`;
  const spec = charts.scatter(sorted, {
    title,
    subtitle,
    x: "u0",
    y: "u1",
    color: "class",
    facet: "model",
    columns: 2,
    size: 10,
    opacity: 0.6,
    tooltip: ["model", "class"],
    xTitle: "UMAP 1",
    yTitle: "UMAP 2",
    width: 280,
    height: 230,
  });
  const classes = distinct(sorted, "class");
  spec.spec.encoding.color.scale = {
    ...classScale(classes),
    range: classes.map((c) => (c === "normal" ? "#9aa9bd" : (CLASS_COLOURS[c] ?? "#888888"))),
  };
  spec.facet.sort = distinct(rows, "model");
  return spec;
}
