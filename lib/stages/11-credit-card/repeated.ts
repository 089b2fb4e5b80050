/**
 * The repeated-split protocol of notebook 11: the credit-card detectors measured on several
 * independent stratified splits, with no-model anchors in the same table.
 *
 * Per split (each from its own seeded stream):
 * 1. Stratified train / validation / test split (60 / 20 / 20 by default).
 * 2. Features: V1..V28, log(1 + Amount), Time as configured; the scaler is fitted on the
 *    normal training rows only.
 * 3. Anchors fitted on the (capped) normal training rows: the Mahalanobis distance
 *    (covariance with a small ridge) and mean z².
 * 4. Each model is trained on the same normal training rows with early stopping on the
 *    normal validation rows, and scores a row by its standardised reconstruction error
 *    (per-feature error divided by the model's error spread on its training rows,
 *    lib/anomaly/residual-scores.ts).
 * 5. ROC-AUC and PR-AUC on the split's test rows.
 * The summary is mean ± sd over the splits, and every model is compared with the best
 * anchor split by split (lib/evaluate/repeated-splits.ts).
 */
import type { CreditCardData } from "../../data/creditcard-types";
import type { Matrix } from "../../runtime/matrix";
import { takeRows } from "../../runtime/matrix";
import type { Rng } from "../../runtime/rng";
import type { FitOptions } from "../../train/types";
import type { RowModel } from "../../models/types";
import { fitMahalanobis, fitMeanZ2 } from "../../anomaly/anchors-tabular";
import { fitStandardisedError } from "../../anomaly/residual-scores";
import {
  measureSplit,
  repeatedSplitFindings,
  repeatedSplitTable,
  summariseSplits,
  type DetectorSummary,
  type SplitMeasurement,
  type SplitScores,
} from "../../evaluate/repeated-splits";
import {
  buildCreditCardModel,
  creditCardFitOptions,
  CREDITCARD_MAX_EPOCHS,
  CREDITCARD_TIME_ENCODING,
  DEFAULT_SPLIT,
  prepareCreditCardFeatures,
  scalerFitRows,
  selectTrainingRows,
  stratifiedSplit,
  type CreditCardModelKind,
  type SplitFractions,
  type TimeEncoding,
} from "../../anomaly/creditcard";

/** Fewest splits whose spread means something; the protocol asks for at least 5 on real runs. */
export const MIN_REPORTED_SPLITS = 5;

/** How many splits, training rows and epochs a profile gives the protocol. */
export interface RepeatedSplitSettings {
  nSplits: number;
  maxTrain: number;
  epochCap: number;
}

/** Splits of the ci profile: two, enough to exercise the protocol and show a spread, not to rank detectors. */
export const CI_SPLITS = 2;

/**
 * Splits on the seeded stand-in (no creditcard.csv) outside ci: three. The stand-in shows the
 * protocol at work on simulated rows; its ranking of detectors says nothing about real fraud,
 * so it does not get the real file's MIN_REPORTED_SPLITS (each split trains three networks
 * on up to 40k rows: two fewer splits take ~50 s off the default run).
 */
export const STAND_IN_SPLITS = 3;

/**
 * The protocol's size per profile. ci (a smoke test on the stand-in): CI_SPLITS splits, a
 * quarter of the training cap and the profile's epoch cap, so that notebook 11 stays about
 * as fast as one more model. Every other profile: MIN_REPORTED_SPLITS splits on a real
 * file (STAND_IN_SPLITS on the stand-in), the profile's training cap, and the networks' own epoch cap (CREDITCARD_MAX_EPOCHS, the
 * step budget deciding below it).
 */
export function repeatedSplitSettings(
  profile: string,
  settings: { creditCardMaxTrain: number; maxEpochs: number },
  data: "real" | "stand-in" = "real",
): RepeatedSplitSettings {
  if (profile === "ci")
    return {
      nSplits: CI_SPLITS,
      maxTrain: Math.max(1, Math.ceil(settings.creditCardMaxTrain / 4)),
      epochCap: settings.maxEpochs,
    };
  return {
    nSplits: data === "real" ? MIN_REPORTED_SPLITS : STAND_IN_SPLITS,
    maxTrain: settings.creditCardMaxTrain,
    epochCap: CREDITCARD_MAX_EPOCHS,
  };
}

/** Options of `runRepeatedSplits`. */
export interface RepeatedSplitOptions {
  /** Number of independent stratified splits (>= 1; >= MIN_REPORTED_SPLITS for a reported comparison). */
  nSplits: number;
  /** Model kinds trained on every split. */
  kinds: readonly CreditCardModelKind[];
  /** Epoch cap of the networks (`creditCardFitOptions`; the ci profile passes its small cap). */
  epochCap?: number;
  /** Cap on normal training rows per split (seeded sample above it); validation normals are capped at a quarter of it. */
  maxTrain: number;
  /** Time encoding of the features (default CREDITCARD_TIME_ENCODING). */
  timeEncoding?: TimeEncoding;
  /** Seed stream: split s uses rng.fork(`split-${s}`). */
  rng: Rng;
  /** Base seed of the models' initialisation (split s adds s). */
  seed: number;
  fractions?: SplitFractions;
  /** Called before each fit, e.g. for a progress line. */
  onProgress?: (split: number, what: string) => void;
  /**
   * A split already drawn and trained the protocol's way (the notebook's own): it becomes
   * split 1, so that its models are scored instead of trained a second time. Splits 2.. are
   * drawn as without it (each from its own stream), so they do not change.
   */
  firstSplit?: TrainedSplit;
  /** Passed to every fit (per-epoch progress). */
  onEpoch?: FitOptions["onEpoch"];
}

/** One split with its models trained on its capped normal training rows (see `firstSplit`). */
export interface TrainedSplit {
  split: ReturnType<typeof stratifiedSplit>;
  /** The split's feature matrix (scaler fitted on its normal training rows). */
  X: Matrix;
  /** The normal training rows the models were trained on (at most `maxTrain`). */
  trainingRows: Int32Array;
  /** A trained model per kind, with its training seconds; the caller keeps ownership. */
  models: ReadonlyMap<CreditCardModelKind, { model: RowModel; seconds: number }>;
}

/** What the protocol returns. */
export interface RepeatedSplitResult {
  measurements: SplitMeasurement[];
  summaries: DetectorSummary[];
  /** `repeatedSplitTable(summaries)`. */
  table: Record<string, string | number>[];
  /** `repeatedSplitFindings(measurements)`. */
  findings: string[];
  /** Rows and frauds of each split's parts (the first split's; every split has the same sizes). */
  counts: { split: string; rows: number; frauds: number | null; fraudRate: number | null }[];
  /** Normal training rows per split (after the cap). */
  trainingRows: number;
}

/** Display names of the anchors. */
export const ANCHOR_NAMES = { mahalanobis: "Mahalanobis", meanZ2: "mean z²" } as const;

function seconds(t0: number): number {
  return (Date.now() - t0) / 1000;
}

/** The no-model anchors of one split, fitted on its normal training rows and scored on its test rows. */
function anchorScores(X: Matrix, trainRows: Int32Array, testRows: Int32Array): SplitScores[] {
  let t0 = Date.now();
  const maha = fitMahalanobis(X, trainRows, { name: ANCHOR_NAMES.mahalanobis });
  const out: SplitScores[] = [
    { detector: maha.name, kind: "anchor", scores: maha.score(X, testRows), seconds: seconds(t0) },
  ];
  t0 = Date.now();
  const z2 = fitMeanZ2(X, trainRows, ANCHOR_NAMES.meanZ2);
  out.push({ detector: z2.name, kind: "anchor", scores: z2.score(X, testRows), seconds: seconds(t0) });
  return out;
}

/**
 * Run the protocol on labelled credit-card data.
 * @throws without labels (there is nothing to measure) or with nSplits < 1.
 */
export async function runRepeatedSplits(
  data: CreditCardData,
  options: RepeatedSplitOptions,
): Promise<RepeatedSplitResult> {
  const labels = data.labels;
  if (!labels)
    throw new Error(
      "The repeated-split protocol needs the Class column to measure ROC-AUC and PR-AUC; this file has none.",
    );
  if (!(Number.isInteger(options.nSplits) && options.nSplits >= 1))
    throw new Error(`nSplits must be an integer >= 1, got ${options.nSplits}.`);
  const measurements: SplitMeasurement[] = [];
  let counts: RepeatedSplitResult["counts"] = [];
  let trainingRows = 0;
  for (let s = 0; s < options.nSplits; s++) {
    const given = s === 0 ? options.firstSplit : undefined;
    if (given) {
      if (given.trainingRows.length > options.maxTrain)
        throw new Error(
          `firstSplit has ${given.trainingRows.length} training rows, more than maxTrain ${options.maxTrain}: it was not trained the protocol's way.`,
        );
      counts = given.split.counts;
      trainingRows = given.trainingRows.length;
      const scored: SplitScores[] = [];
      for (const kind of options.kinds) {
        const trained = given.models.get(kind);
        if (!trained)
          throw new Error(`firstSplit has no trained ${kind} model; it has ${[...given.models.keys()].join(", ")}.`);
        const scorer = fitStandardisedError(trained.model, given.X, given.trainingRows);
        scored.push({
          detector: kind,
          kind: "model",
          scores: scorer.score(given.X, given.split.test),
          seconds: trained.seconds,
        });
      }
      scored.push(...anchorScores(given.X, given.trainingRows, given.split.test));
      measurements.push(
        ...measureSplit(
          s,
          Int8Array.from(given.split.test, (i) => labels[i]!),
          scored,
        ),
      );
      continue;
    }
    const rng = options.rng.fork(`split-${s}`);
    const split = stratifiedSplit(labels, data.rows, rng.fork("split"), options.fractions ?? DEFAULT_SPLIT);
    if (s === 0) counts = split.counts;
    const features = prepareCreditCardFeatures(
      data,
      scalerFitRows(split.train, labels),
      options.timeEncoding ?? CREDITCARD_TIME_ENCODING,
    );
    const X: Matrix = features.X;
    const training = selectTrainingRows(split.train, labels, {
      normalOnly: true,
      maxRows: options.maxTrain,
      rng: rng.fork("train-rows"),
    });
    const validation = selectTrainingRows(split.validation, labels, {
      normalOnly: true,
      maxRows: Math.max(1, Math.ceil(options.maxTrain / 4)),
      rng: rng.fork("validation-rows"),
      what: "validation",
    });
    trainingRows = training.rows.length;
    const testLabels = Int8Array.from(split.test, (i) => labels[i]!);
    const scored: SplitScores[] = [];
    for (const kind of options.kinds) {
      options.onProgress?.(s, kind);
      const t0 = Date.now();
      const model = buildCreditCardModel(kind, features.featureNames, options.seed + s, `creditcard-${kind}-split${s}`);
      try {
        await model.fit(takeRows(X, training.rows), takeRows(X, validation.rows), {
          ...creditCardFitOptions(training.rows.length, options.epochCap),
          seed: options.seed + 1000 + s,
          onEpoch: options.onEpoch,
        });
        const scorer = fitStandardisedError(model, X, training.rows);
        scored.push({ detector: kind, kind: "model", scores: scorer.score(X, split.test), seconds: seconds(t0) });
      } finally {
        model.dispose();
      }
    }
    scored.push(...anchorScores(X, training.rows, split.test));
    measurements.push(...measureSplit(s, testLabels, scored));
  }
  const summaries = summariseSplits(measurements);
  return {
    measurements,
    summaries,
    table: repeatedSplitTable(summaries),
    findings: repeatedSplitFindings(measurements),
    counts,
    trainingRows,
  };
}
