/** explain.ts */

import type { Row } from "../runtime/rows";
import type { Matrix } from "../runtime/matrix";
import { ANOMALY_KINDS, dayToIso, tokenRanges, type Panel, type TokenInfo } from "../data/panel";
import { SPLIT_NAMES } from "../features/dataset";
import { AUTOENCODER_MODELS, type AlignedScores, type Consensus, type ModelErrors } from "./analysis";

/** Days of price shown on each side of an explained anomaly. */
export const PRICE_CONTEXT_DAYS = 30;

/** Two top anomalies of one token closer than this many days count as one episode. */
export const TOP_ANOMALY_GAP_DAYS = 10;

// ---------------------------------------------------------------------------------------
// Explanation
// ---------------------------------------------------------------------------------------

/**
 * Each feature's share of one row's error (per-feature errors divided by their sum; a row
 * whose errors are all 0 gives equal shares).
 * @returns `[nFeatures]`.
 */
export function rowContributions(perFeature: Matrix, row: number): Float64Array {
  const f = perFeature.cols;
  const out = new Float64Array(f);
  let sum = 0;
  for (let j = 0; j < f; j++) {
    const v = Math.max(0, perFeature.data[row * f + j]!);
    out[j] = v;
    sum += v;
  }
  for (let j = 0; j < f; j++) out[j] = sum > 0 ? out[j]! / sum : 1 / f;
  return out;
}

/** Mean over rows of each feature's share of the row's error: `[nFeatures]`. */
export function meanContributionShares(perFeature: Matrix, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(perFeature.cols);
  if (rows.length === 0) return out.fill(NaN);
  for (let k = 0; k < rows.length; k++) {
    const c = rowContributions(perFeature, rows[k]!);
    for (let j = 0; j < c.length; j++) out[j]! += c[j]! / rows.length;
  }
  return out;
}

/**
 * Mean error shares per feature for normal rows and for each anomaly kind (a model's own
 * rows and labels). Null without labels.
 */
export function contributionsByKind(
  e: ModelErrors,
  rowMask?: Uint8Array,
): { kind: string; rows: number; shares: Float64Array }[] | null {
  if (e.kind === null) return null;
  const out: { kind: string; rows: number; shares: Float64Array }[] = [];
  for (let k = 0; k < ANOMALY_KINDS.length; k++) {
    const rows: number[] = [];
    for (let i = 0; i < e.n; i++) if (e.kind[i] === k && (!rowMask || rowMask[i])) rows.push(i);
    if (rows.length === 0) continue;
    out.push({
      kind: k === 0 ? "normal" : ANOMALY_KINDS[k]!,
      rows: rows.length,
      shares: meanContributionShares(e.perFeature, rows),
    });
  }
  return out;
}

/** The k features with the largest shares, largest first. */
export function topFeatures(
  shares: ArrayLike<number>,
  names: readonly string[],
  k = 3,
): { feature: string; share: number }[] {
  return Array.from(shares, (share, j) => ({ feature: names[j] ?? `f${j}`, share }))
    .filter((x) => Number.isFinite(x.share))
    .sort((a, b) => b.share - a.share)
    .slice(0, k);
}

/**
 * The `n` highest-scoring grid rows, one per episode: a row is skipped when a row of the
 * same token within `minGapDays` days was already taken (so four days of one pump do not
 * fill the list).
 * @returns grid row indices, highest score first.
 */
export function topAnomalies(
  aligned: AlignedScores,
  score: ArrayLike<number>,
  options: { n: number; rowMask?: Uint8Array; minGapDays?: number },
): number[] {
  const gap = options.minGapDays ?? TOP_ANOMALY_GAP_DAYS;
  const cand: number[] = [];
  for (let g = 0; g < aligned.n; g++)
    if (Number.isFinite(score[g]!) && (!options.rowMask || options.rowMask[g])) cand.push(g);
  cand.sort((a, b) => score[b]! - score[a]! || a - b);
  const picked: number[] = [];
  for (const g of cand) {
    if (picked.length >= options.n) break;
    if (picked.some((p) => aligned.token[p] === aligned.token[g] && Math.abs(aligned.day[p]! - aligned.day[g]!) < gap))
      continue;
    picked.push(g);
  }
  return picked;
}

/**
 * Error shares of a grid row averaged over the models that score it (each model's own
 * per-feature errors, normalised to shares first, so no model's scale dominates).
 * @returns `[nFeatures]` shares and the models that contributed.
 */
export function explainGridRow(
  errors: readonly ModelErrors[],
  aligned: AlignedScores,
  g: number,
  models: readonly string[] = AUTOENCODER_MODELS,
): { shares: Float64Array; models: string[]; featureNames: string[] } {
  const use = errors.filter(
    (e) => models.includes(e.model) && aligned.source[e.model] && aligned.source[e.model]![g]! >= 0,
  );
  const names = use[0]?.featureNames ?? errors[0]?.featureNames ?? [];
  const shares = new Float64Array(names.length);
  const contributing: string[] = [];
  for (const e of use) {
    if (e.featureNames.length !== names.length || e.featureNames.some((f, j) => f !== names[j])) continue;
    const c = rowContributions(e.perFeature, aligned.source[e.model]![g]!);
    for (let j = 0; j < c.length; j++) shares[j]! += c[j]!;
    contributing.push(e.model);
  }
  for (let j = 0; j < shares.length; j++) shares[j] = contributing.length ? shares[j]! / contributing.length : NaN;
  return { shares, models: contributing, featureNames: names };
}

/**
 * Chart rows of closing prices around picked token-days: `halfWidthDays` on each side,
 * one panel per pick, `anomaly` true on the picked day (for facetedTimeSeries's highlight).
 * Picks whose token has no price rows in that span are skipped.
 */
export function priceContextRows(
  panel: Panel,
  picks: readonly { token: number; day: number; label: string }[],
  halfWidthDays = PRICE_CONTEXT_DAYS,
): Row[] {
  const { start, end } = tokenRanges(panel);
  const rows: Row[] = [];
  for (const p of picks) {
    if (p.token < 0 || p.token >= panel.tokens.length)
      throw new Error(`priceContextRows: token index ${p.token} is not in the panel (0..${panel.tokens.length - 1}).`);
    for (let i = start[p.token]!; i < end[p.token]!; i++) {
      const d = panel.day[i]!;
      if (Math.abs(d - p.day) > halfWidthDays) continue;
      rows.push({ date: dayToIso(d), close: panel.close[i]!, panel: p.label, anomaly: d === p.day });
    }
  }
  return rows;
}

/**
 * Error shares per feature for groups of a model's rows: all rows, the rows its p99 rule
 * flags, and (with labels) each anomaly kind. Works on unlabelled data too.
 * @param flags `[n]` the model's flags at some rule.
 */
export function contributionGroups(
  e: ModelErrors,
  flags: Uint8Array,
): { group: string; rows: number; shares: Float64Array }[] {
  const all = Int32Array.from({ length: e.n }, (_, i) => i);
  const flagged: number[] = [];
  for (let i = 0; i < e.n; i++) if (flags[i]) flagged.push(i);
  const out = [{ group: "all rows", rows: e.n, shares: meanContributionShares(e.perFeature, all) }];
  if (flagged.length)
    out.push({ group: "flagged rows", rows: flagged.length, shares: meanContributionShares(e.perFeature, flagged) });
  for (const k of contributionsByKind(e) ?? [])
    if (k.kind !== "normal") out.push({ group: k.kind, rows: k.rows, shares: k.shares });
  return out;
}

/** One explained top anomaly. */
export interface ExplainedAnomaly {
  /** Grid row. */
  g: number;
  rank: number;
  token: number;
  symbol: string;
  day: number;
  date: string;
  split: string;
  consensus: number;
  /** The token-day's label, "" without labels. */
  kind: string;
  /** The closest labelled anomaly of the same token within NEAR_LABEL_DAYS, e.g. "bad_print 1 day before"; "" when none or no labels. */
  nearLabel: string;
  /** Models whose rule flags it. */
  flaggedBy: string[];
  top: { feature: string; share: number }[];
}

/**
 * The top anomalies by consensus (one per episode) with the features that carry their
 * error (shares averaged over the autoencoders that score the day) and the models whose
 * `rule` flags them.
 */
export function explainTopAnomalies(
  errors: readonly ModelErrors[],
  aligned: AlignedScores,
  consensus: Consensus,
  tokens: readonly TokenInfo[],
  options: { n: number; rowMask?: Uint8Array; flagsByModel?: Record<string, Int8Array>; nFeatures?: number },
): ExplainedAnomaly[] {
  const picked = topAnomalies(aligned, consensus.score, { n: options.n, rowMask: options.rowMask });
  return picked.map((g, k) => {
    const ex = explainGridRow(errors, aligned, g, consensus.models);
    return {
      g,
      rank: k + 1,
      token: aligned.token[g]!,
      symbol: tokens[aligned.token[g]!]?.symbol ?? String(aligned.token[g]),
      day: aligned.day[g]!,
      date: dayToIso(aligned.day[g]!),
      split: SPLIT_NAMES[aligned.split[g]!] ?? "",
      consensus: consensus.score[g]!,
      kind: aligned.kind ? ANOMALY_KINDS[aligned.kind[g]!]! : "",
      nearLabel: nearestLabel(aligned, g),
      flaggedBy: Object.entries(options.flagsByModel ?? {})
        .filter(([, f]) => f[g] === 1)
        .map(([m]) => m),
      top: topFeatures(ex.shares, ex.featureNames, options.nFeatures ?? 3),
    };
  });
}

/**
 * Days around a flag searched for a labelled anomaly of the same token: features built
 * from trailing windows (returns, volatility, z-scores) keep an anomaly visible for a few
 * days, so a flag the day after a bad print is a near miss, not a false alarm.
 */
export const NEAR_LABEL_DAYS = 3;

/** The closest labelled anomaly of grid row g's token within NEAR_LABEL_DAYS days ("" when none). */
export function nearestLabel(aligned: AlignedScores, g: number, maxDays = NEAR_LABEL_DAYS): string {
  if (!aligned.kind) return "";
  if (aligned.kind[g]! > 0) return ANOMALY_KINDS[aligned.kind[g]!]!;
  let best = "";
  let bestGap = Infinity;
  for (let h = Math.max(0, g - 2 * maxDays); h <= Math.min(aligned.n - 1, g + 2 * maxDays); h++) {
    if (aligned.token[h] !== aligned.token[g] || aligned.kind[h]! === 0) continue;
    const gap = aligned.day[h]! - aligned.day[g]!;
    if (Math.abs(gap) > maxDays || Math.abs(gap) >= Math.abs(bestGap)) continue;
    bestGap = gap;
    best = `${ANOMALY_KINDS[aligned.kind[h]!]} ${Math.abs(gap)} day${Math.abs(gap) > 1 ? "s" : ""} ${gap < 0 ? "before" : "after"}`;
  }
  return best;
}
