/**
 * Agreement between anomaly detectors: do the AE, VAE, DAE and Conv1D AE flag the same
 * rows, and rank rows alike?
 *
 * Flags are compared as sets (Jaccard) and as chance-corrected agreement (Cohen's kappa,
 * which matters because anomalies are rare and two detectors agree on "normal" almost
 * everywhere by chance). Scores live on different scales per model, so they are compared by
 * rank (Spearman) and combined by rank (consensus = mean rank-normalised score). The
 * overlap counts feed an UpSet-style figure: how many rows each exact combination of models
 * flagged.
 */

import { assertSameLength, averageRanks, type NumericVector } from "../stats/descriptive";
import { type Labels, toBinaryLabels } from "../stats/roc";

/** Boolean flags per row (booleans, or numbers with non-zero = flagged). */
export type Flags = Labels;

/** Check a flag vector against an expected length and convert it to 0/1. */
function flags01(flags: Flags, n: number, name: string): Uint8Array {
  return toBinaryLabels(flags, n, name);
}

/**
 * Jaccard similarity |A ∩ B| / |A ∪ B| of the rows flagged by two detectors.
 * Two detectors that flag nothing return 1 (identical empty sets, as scipy's Jaccard
 * distance 0 for all-false vectors).
 * @throws on empty input or a length mismatch.
 */
export function jaccard(flagsA: Flags, flagsB: Flags): number {
  if (flagsA.length === 0) throw new Error("jaccard: flagsA is empty; pass one flag per row.");
  assertSameLength(flagsA, flagsB, "flagsA", "flagsB");
  const a = flags01(flagsA, flagsA.length, "flagsA");
  const b = flags01(flagsB, flagsB.length, "flagsB");
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * Cohen's kappa (po - pe) / (1 - pe) for two binary flag vectors, where po is the observed
 * agreement and pe the agreement expected from the two flag rates alone.
 * When pe = 1 (both detectors constant and equal, so po = 1 too) kappa is 0/0; this
 * returns 1 there (perfect agreement) where sklearn returns NaN.
 * @throws on empty input or a length mismatch.
 */
export function cohenKappa(flagsA: Flags, flagsB: Flags): number {
  if (flagsA.length === 0) throw new Error("cohenKappa: flagsA is empty; pass one flag per row.");
  assertSameLength(flagsA, flagsB, "flagsA", "flagsB");
  const a = flags01(flagsA, flagsA.length, "flagsA");
  const b = flags01(flagsB, flagsB.length, "flagsB");
  const n = a.length;
  let agree = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agree++;
    na += a[i]!;
    nb += b[i]!;
  }
  const po = agree / n;
  const pa = na / n;
  const pb = nb / n;
  const pe = pa * pb + (1 - pa) * (1 - pb);
  if (pe >= 1) return 1;
  return (po - pe) / (1 - pe);
}

/**
 * Map scores to [0, 1] by rank: `(rank - 1) / (n - 1)` with average ranks for ties, so the
 * lowest score maps to 0 and the highest to 1 regardless of the model's scale. All-equal
 * scores (and n = 1) map to 0.5.
 * @param scores `[n]` finite.
 * @returns `[n]` Float64.
 */
export function rankNormalise(scores: NumericVector): Float64Array {
  if (scores.length === 0) throw new Error("rankNormalise: scores is empty; pass at least one value.");
  const r = averageRanks(scores, "scores");
  const n = r.length;
  if (n === 1) {
    r[0] = 0.5;
    return r;
  }
  for (let i = 0; i < n; i++) r[i] = (r[i]! - 1) / (n - 1);
  return r;
}

/**
 * Consensus anomaly score: the mean over models of rank-normalised scores.
 * @param scoreVectors one `[n]` score vector per model, all aligned row by row.
 * @returns `[n]` Float64 in [0, 1].
 */
export function consensusScore(scoreVectors: NumericVector[]): Float64Array {
  if (scoreVectors.length === 0) throw new Error("consensusScore needs at least one score vector.");
  const n = scoreVectors[0]!.length;
  const out = new Float64Array(n);
  scoreVectors.forEach((v, m) => {
    if (v.length !== n) {
      throw new Error(
        `consensusScore: score vector ${m} has ${v.length} values, vector 0 has ${n}; align them row by row.`,
      );
    }
    const r = rankNormalise(v);
    for (let i = 0; i < n; i++) out[i] += r[i]!;
  });
  for (let i = 0; i < n; i++) out[i] /= scoreVectors.length;
  return out;
}

/** One bar of an UpSet figure: rows flagged by exactly these models and no other. */
export interface FlagCombination {
  /** Model names in the combination, in input order. */
  models: string[];
  /** Bit mask over models (bit m set = model m flagged). */
  mask: number;
  /** Rows flagged by exactly this combination. */
  count: number;
}

/** Overlap counts of several detectors' flags. */
export interface FlagOverlaps {
  /** Model names in input order. */
  models: string[];
  /** Rows each model flagged (set sizes of the UpSet figure). */
  totals: Record<string, number>;
  /** Exact combinations, sorted by count descending then by mask. */
  combinations: FlagCombination[];
  /** Rows flagged by at least one model. */
  flaggedByAny: number;
  /** Rows no model flagged. */
  flaggedByNone: number;
  n: number;
}

/** Most models an overlap table supports (bit masks are 32-bit integers). */
export const MAX_OVERLAP_MODELS = 30;

/**
 * For each combination of models, count the rows flagged by exactly that combination
 * (UpSet "exclusive intersections"). Counts over all combinations sum to `flaggedByAny`.
 * @param flagsByModel model name -> `[n]` flags, all aligned row by row.
 * @param includeEmpty also list combinations with a count of 0 (all 2^m - 1 of them; only
 *   for m <= 12 models).
 */
export function flagOverlaps(flagsByModel: Record<string, Flags>, includeEmpty = false): FlagOverlaps {
  const models = Object.keys(flagsByModel);
  const m = models.length;
  if (m === 0) throw new Error("flagOverlaps needs flags of at least one model.");
  if (m > MAX_OVERLAP_MODELS) throw new Error(`flagOverlaps supports at most ${MAX_OVERLAP_MODELS} models, got ${m}.`);
  if (includeEmpty && m > 12)
    throw new Error(`includeEmpty lists 2^${m} - 1 combinations; pass includeEmpty=false for more than 12 models.`);
  const n = flagsByModel[models[0]!]!.length;
  if (n === 0) throw new Error(`flagOverlaps: flags of "${models[0]}" are empty; pass one flag per row.`);
  const masks = new Int32Array(n);
  const totals: Record<string, number> = {};
  models.forEach((name, j) => {
    const f = flagsByModel[name]!;
    if (f.length !== n)
      throw new Error(`flagOverlaps: "${name}" has ${f.length} flags, "${models[0]}" has ${n}; align them row by row.`);
    const b = flags01(f, n, `flags of "${name}"`);
    let t = 0;
    for (let i = 0; i < n; i++) {
      if (b[i]) {
        masks[i] |= 1 << j;
        t++;
      }
    }
    totals[name] = t;
  });
  const counts = new Map<number, number>();
  let none = 0;
  for (let i = 0; i < n; i++) {
    const k = masks[i]!;
    if (k === 0) none++;
    else counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  if (includeEmpty) for (let k = 1; k < 1 << m; k++) if (!counts.has(k)) counts.set(k, 0);
  const combinations: FlagCombination[] = [...counts.entries()]
    .map(([mask, count]) => ({ mask, count, models: models.filter((_, j) => (mask >>> j) & 1) }))
    .sort((a, b) => b.count - a.count || a.mask - b.mask);
  return { models, totals, combinations, flaggedByAny: n - none, flaggedByNone: none, n };
}

/** A symmetric model x model table of agreement. */
export interface AgreementMatrix {
  models: string[];
  /** `[m, m]` row-major; the diagonal is 1. */
  values: Float64Array;
}

/**
 * Pairwise agreement of several detectors' flags, for a heatmap.
 * @param metric "jaccard" or "kappa".
 */
export function agreementMatrix(
  flagsByModel: Record<string, Flags>,
  metric: "jaccard" | "kappa" = "jaccard",
): AgreementMatrix {
  const models = Object.keys(flagsByModel);
  const m = models.length;
  if (m === 0) throw new Error("agreementMatrix needs flags of at least one model.");
  const f = metric === "jaccard" ? jaccard : metric === "kappa" ? cohenKappa : null;
  if (!f) throw new Error(`agreementMatrix: unknown metric "${String(metric)}"; use "jaccard" or "kappa".`);
  const values = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    values[i * m + i] = 1;
    for (let j = i + 1; j < m; j++) {
      const v = f(flagsByModel[models[i]!]!, flagsByModel[models[j]!]!);
      values[i * m + j] = v;
      values[j * m + i] = v;
    }
  }
  return { models, values };
}
