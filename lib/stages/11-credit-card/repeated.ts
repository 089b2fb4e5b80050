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
 * The protocol's size per profile. ci (a smoke test on the stand-in): CI_SPLITS splits, a
 * quarter of the training cap and the profile's epoch cap, so that notebook 11 stays about
 * as fast as one more model. Every other profile: MIN_REPORTED_SPLITS splits, the
 * profile's training cap, and the networks' own epoch cap (CREDITCARD_MAX_EPOCHS, the
 * step budget deciding below it).
 */
export function repeatedSplitSettings(
  profile: string,
  settings: { creditCardMaxTrain: number; maxEpochs: number },
): RepeatedSplitSettings {
  if (profile === "ci")
    return {
      nSplits: CI_SPLITS,
      maxTrain: Math.max(1, Math.ceil(settings.creditCardMaxTrain / 4)),
      epochCap: settings.maxEpochs,
    };
  return { nSplits: MIN_REPORTED_SPLITS, maxTrain: settings.creditCardMaxTrain, epochCap: CREDITCARD_MAX_EPOCHS };
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
  /** Passed to every fit (per-epoch progress). */
  onEpoch?: FitOptions["onEpoch"];
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
    let t0 = Date.now();
    const maha = fitMahalanobis(X, training.rows, { name: ANCHOR_NAMES.mahalanobis });
    scored.push({
      detector: maha.name,
      kind: "anchor",
      scores: maha.score(X, split.test),
      seconds: seconds(t0),
    });
    t0 = Date.now();
    const z2 = fitMeanZ2(X, training.rows, ANCHOR_NAMES.meanZ2);
    scored.push({ detector: z2.name, kind: "anchor", scores: z2.score(X, split.test), seconds: seconds(t0) });
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
