/** probes.ts */

import { modelLabel } from "../runtime/model-registry";
import { takeRows } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import type { TokenInfo } from "../data/panel";
import type { Dataset } from "../features/dataset";
import { UNKNOWN_SECTOR } from "../models/latents";
import { stratifiedSample } from "../features/sampling";
import { logisticProbe } from "../stats/logistic";
import type { Cell } from "../runtime/rows";
import { type AlignedLatents, type NamedMatrix, PROBE_MAX_TRAIN, sectorLabels } from "./analysis";

// ---------------------------------------------------------------------------------------
// Linear probes
// ---------------------------------------------------------------------------------------

/** A classification target over the aligned rows; label -1 = row not used. */
export interface ProbeTarget {
  name: string;
  /** `[n]` class index into `classes`, or -1. */
  labels: Int32Array;
  classes: string[];
  /** How the label was made, for the notebook. */
  description: string;
}

/** Sector of each aligned row's token (tokens without a sector are left out), or null with fewer than 2 sectors. */
export function sectorTarget(aligned: AlignedLatents, tokens: TokenInfo[]): ProbeTarget | null {
  const names = sectorLabels(aligned.token, tokens);
  if (!names) return null;
  const classes = [...new Set(names.filter((s) => s !== UNKNOWN_SECTOR))].sort();
  const code = new Map(classes.map((c, i) => [c, i]));
  return {
    name: "sector",
    labels: Int32Array.from(names, (s) => code.get(s) ?? -1),
    classes,
    description: "the token's sector (from the token list)",
  };
}

/** Share of each sector's tokens held out of probe training in the unseen-token probe. */
export const HELD_OUT_TOKEN_FRACTION = 0.3;

/**
 * The same target restricted so that test tokens were never seen in training: a seeded,
 * per-class share of tokens is held out; training keeps train-split rows of the other tokens
 * and scoring keeps test-split rows of the held-out tokens (labels -1 elsewhere). With the
 * date split alone a probe sees every token in training, so it could read a sector by
 * recognising the token; here it must generalise to new tokens.
 * @returns the restricted target, or null when no class has two tokens to split.
 */
export function heldOutTokenTarget(
  target: ProbeTarget,
  aligned: AlignedLatents,
  options: { rng: Rng; fraction?: number },
): ProbeTarget | null {
  const fraction = options.fraction ?? HELD_OUT_TOKEN_FRACTION;
  if (!(fraction > 0 && fraction < 1))
    throw new Error(`heldOutTokenTarget: fraction must be in (0, 1), got ${fraction}.`);
  const tokenClass = new Map<number, number>();
  for (let i = 0; i < aligned.n; i++) if (target.labels[i]! >= 0) tokenClass.set(aligned.token[i]!, target.labels[i]!);
  const byClass = new Map<number, number[]>();
  for (const [t, c] of [...tokenClass.entries()].sort((a, b) => a[0] - b[0])) {
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(t);
  }
  const heldOut = new Set<number>();
  for (const tokens of byClass.values()) {
    if (tokens.length < 2) continue;
    const k = Math.min(tokens.length - 1, Math.max(1, Math.round(fraction * tokens.length)));
    options.rng
      .shuffle(tokens)
      .slice(0, k)
      .forEach((t) => heldOut.add(t));
  }
  if (heldOut.size === 0) return null;
  const labels = Int32Array.from(target.labels, (y, i) => {
    const held = heldOut.has(aligned.token[i]!);
    const split = aligned.split[i]!;
    return (split === 0 && !held) || (split === 2 && held) ? y : -1;
  });
  return {
    name: `${target.name}, unseen tokens`,
    labels,
    classes: target.classes,
    description: `${target.description}; ${heldOut.size} of ${tokenClass.size} tokens (${Math.round(fraction * 100)}% of each class) held out of training and scored on the test split`,
  };
}

/** Tercile names of the volatility target. */
export const VOL_TERCILES = ["low vol", "mid vol", "high vol"] as const;

/**
 * Volatility regime of each aligned row: terciles of a raw volatility feature (vol_30d by
 * default), with the cut points taken from the train split's rows only.
 * @returns the target, or null when the dataset has no such feature.
 */
export function volatilityTarget(
  aligned: AlignedLatents,
  d: Dataset,
  feature = "vol_30d",
): (ProbeTarget & { cuts: [number, number]; values: Float64Array }) | null {
  const j = d.meta.featureNames.indexOf(feature);
  if (j < 0) return null;
  const values = Float64Array.from(aligned.datasetRow, (r) => d.raw.data[r * d.raw.cols + j]!);
  const train = Array.from(values)
    .filter((v, i) => aligned.split[i] === 0 && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (train.length < 3) return null;
  const q = (p: number) => train[Math.min(train.length - 1, Math.floor(p * train.length))]!;
  const cuts: [number, number] = [q(1 / 3), q(2 / 3)];
  const labels = Int32Array.from(values, (v) => (!Number.isFinite(v) ? -1 : v < cuts[0] ? 0 : v < cuts[1] ? 1 : 2));
  return {
    name: "volatility tercile",
    labels,
    classes: [...VOL_TERCILES],
    description: `terciles of ${feature} (cut points ${cuts[0].toPrecision(3)} and ${cuts[1].toPrecision(3)} from the train split)`,
    cuts,
    values,
  };
}

/** The synthetic market's ground truth as notebook 01 saves it (`market-truth.json`). */
export interface MarketTruth {
  kind: string;
  regimeNames?: string[];
  regimes?: number[];
  /** UTC day of regimes[0]. */
  startDay?: number;
  crashDays?: string[];
}

/** Market regime (calm / bull / bear) of each aligned row's day, when the market is synthetic; else null. */
export function regimeTarget(aligned: AlignedLatents, truth: MarketTruth | null): ProbeTarget | null {
  if (
    !truth ||
    !Array.isArray(truth.regimes) ||
    !Array.isArray(truth.regimeNames) ||
    typeof truth.startDay !== "number"
  )
    return null;
  const { regimes, regimeNames, startDay } = truth;
  const labels = Int32Array.from(aligned.day, (day) => {
    const r = regimes[day - startDay];
    return typeof r === "number" && r >= 0 && r < regimeNames.length ? r : -1;
  });
  return {
    name: "market regime",
    labels,
    classes: [...regimeNames],
    description: "the simulated market's regime of the day (ground truth of the synthetic market)",
  };
}

/** Held-out quality of one probe. */
export interface ProbeRow {
  representation: string;
  target: string;
  balancedAccuracy: number;
  accuracy: number;
  macroF1: number;
  /** Accuracy of always predicting the most frequent training class. */
  majorityAccuracy: number;
  /** Balanced accuracy of guessing: 1 / number of classes. */
  chance: number;
  nTrain: number;
  nTest: number;
}

/**
 * Softmax-regression probes of every representation for every target: fitted on train-split
 * rows (at most `maxTrain`, a stratified sample by token and quarter above it, the same
 * rows for every probe), scored on the test split's rows.
 */
export function runProbes(
  aligned: AlignedLatents,
  reps: NamedMatrix[],
  targets: ProbeTarget[],
  options: { rng: Rng; maxTrain?: number },
): { rows: ProbeRow[]; note: string; skipped: { target: string; reason: string }[] } {
  const maxTrain = options.maxTrain ?? PROBE_MAX_TRAIN;
  const trainAll = Int32Array.from(Array.from(aligned.split.keys()).filter((i) => aligned.split[i] === 0));
  const test = Int32Array.from(Array.from(aligned.split.keys()).filter((i) => aligned.split[i] === 2));
  if (trainAll.length < 2 || test.length < 1) {
    throw new Error(
      `Probes need aligned rows in the train and test splits; got ${trainAll.length} train and ${test.length} test rows. Rerun notebook 01 with more days of data.`,
    );
  }
  const s = stratifiedSample(
    {
      token: Int32Array.from(trainAll, (i) => aligned.token[i]!),
      day: Int32Array.from(trainAll, (i) => aligned.day[i]!),
    },
    maxTrain,
    options.rng,
  );
  const train = Int32Array.from(s.indices, (k) => trainAll[k]!);
  const rows: ProbeRow[] = [];
  const skipped: { target: string; reason: string }[] = [];
  for (const target of targets) {
    const tr = Array.from(train).filter((i) => target.labels[i]! >= 0);
    const te = Array.from(test).filter((i) => target.labels[i]! >= 0);
    const trainClasses = [...new Set(tr.map((i) => target.labels[i]!))].sort((a, b) => a - b);
    if (trainClasses.length < 2) {
      skipped.push({
        target: target.name,
        reason: `the train split holds ${trainClasses.length === 0 ? "no labelled row" : `only one class (${target.classes[trainClasses[0]!]})`}, so no classifier can be fitted`,
      });
      continue;
    }
    if (te.length === 0) {
      skipped.push({ target: target.name, reason: "the test split holds no labelled row" });
      continue;
    }
    for (const rep of reps) {
      const p = logisticProbe(
        takeRows(rep.X, tr),
        tr.map((i) => target.labels[i]!),
        takeRows(rep.X, te),
        te.map((i) => target.labels[i]!),
      );
      rows.push({
        representation: rep.name,
        target: target.name,
        balancedAccuracy: p.balancedAccuracy,
        accuracy: p.accuracy,
        macroF1: p.macroF1,
        majorityAccuracy: p.majorityAccuracy,
        chance: 1 / target.classes.length,
        nTrain: p.nTrain,
        nTest: p.nTest,
      });
    }
  }
  const scored = `scored on all ${test.length.toLocaleString("en-US")} test-split rows`;
  const note = s.sampled
    ? `fitted on ${s.note.replace(/^sampled /, "")} of the train split, ${scored}`
    : `fitted on all ${train.length.toLocaleString("en-US")} train-split rows, ${scored}`;
  return { rows, note, skipped };
}

/** Probe results as a table: one row per representation, balanced accuracy per target, then chance levels. */
export function probePivot(rows: ProbeRow[], order: string[]): Record<string, Cell>[] {
  const targets = [...new Set(rows.map((r) => r.target))];
  const table: Record<string, Cell>[] = order
    .filter((rep) => rows.some((r) => r.representation === rep))
    .map((rep) => {
      const row: Record<string, Cell> = { representation: modelLabel(rep) };
      for (const t of targets)
        row[`${t}: balanced accuracy`] =
          rows.find((r) => r.representation === rep && r.target === t)?.balancedAccuracy ?? null;
      for (const t of targets)
        row[`${t}: macro-F1`] = rows.find((r) => r.representation === rep && r.target === t)?.macroF1 ?? null;
      return row;
    });
  const chance: Record<string, Cell> = { representation: "chance (1 / classes)" };
  for (const t of targets) chance[`${t}: balanced accuracy`] = rows.find((r) => r.target === t)!.chance;
  for (const t of targets) chance[`${t}: macro-F1`] = null;
  table.push(chance);
  return table;
}
