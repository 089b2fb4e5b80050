/**
 * The anomaly stage (notebook 07): from the reconstruction errors that notebooks 02-05
 * saved to anomalies a market analyst can trust and explain.
 *
 * Why each step exists:
 * - Scores. Every model wrote `errors-<model>` (MSE, MAE, the VAE's negative ELBO and the
 *   per-feature squared errors e_<feature>). Row models score token-days; the Conv1D model
 *   scores windows keyed by their last day. `alignOnTokenDays` puts all models on one
 *   token-day grid (a window's score lands on its last day; other days have no Conv1D
 *   score, NaN), so that models can be compared row by row.
 * - Thresholds are fitted once, on training errors, outside the models, and applied to
 *   every split; each reports the false-alarm rate it promises and the rate observed.
 * - Agreement across models says whether a flag is a property of the data or of one
 *   network; the consensus score (mean rank-normalised score of the autoencoders) is the
 *   model-free summary used for the market-level views.
 * - Ground truth (synthetic data only) measures what each model finds, per anomaly kind,
 *   against PCA as the linear baseline. Every ground-truth function returns null when the
 *   data carry no labels, so the same notebook runs on real data.
 * - Explanation: the features that carry a flagged row's error, and its price path.
 * - Economic meaning: a daily stress index (share of tokens flagged), checked against
 *   market-wide crash days, and an event study of what prices do after a flag.
 *
 * Arrays are `[n]` per row of the table they come from unless stated; "grid" arrays are
 * `[nGrid]` per token-day of an `AlignedScores`.
 */

import { modelNotebook } from "../runtime/model-registry";
import type { Table } from "../runtime/artifacts";
import type { Matrix } from "../runtime/matrix";
import { ANOMALY_KINDS, dayToIso, type TokenInfo } from "../data/panel";
import { SPLIT_NAMES } from "../features/dataset";
import {
  applyGroupThresholds,
  applyThreshold,
  fitThreshold,
  groupThresholds,
  MIN_GROUP_SIZE,
  type PotThresholdResult,
  type ThresholdSpec,
} from "./thresholds";
import { cohenKappa, flagOverlaps, jaccard, type FlagOverlaps } from "./agreement";
import { spearman, averageRanks, quantileSorted } from "../stats/descriptive";

// ---------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------

/** Models whose `errors-<model>` tables the stage reads, in display order. */
export const MODEL_NAMES = ["ae", "vae", "dae", "conv1d", "pca"] as const;

/** The autoencoders (the consensus is built from these; PCA is the baseline they must beat). */
export const AUTOENCODER_MODELS: readonly string[] = ["ae", "vae", "dae", "conv1d"];

/** The linear baseline. */
export const BASELINE_MODEL = "pca";

/** Models that score windows keyed by their last day rather than single token-days. */
export const WINDOW_MODELS: readonly string[] = ["conv1d"];

/** Scores a table can carry: squared error, absolute error, the VAE's negative ELBO. */
export const SCORE_NAMES = ["mse", "mae", "elbo"] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];

/**
 * Floor applied before taking the log of a score. Reconstruction errors of standardised
 * features stored as float32 are resolved to ~1e-7 at best; 1e-12 only guards log(0).
 */
export const LOG_SCORE_FLOOR = 1e-12;

/**
 * k of the robust rule: median + 3 x 1.4826 x MAD on log scores. Log errors are close to
 * normal in their body (errors are sums of squares), where k = 3 promises P(Z > 3) = 0.135%.
 */
export const MAD_K = 3;

/**
 * Target false-alarm rate of peaks-over-threshold: 1 per 1,000 token-days, i.e. about one
 * flag every six days market-wide on a 160-token panel; beyond the 99th percentile, where
 * only the fitted tail (not the empirical quantile) can place a threshold reliably.
 */
export const POT_TARGET_RATE = 0.001;

/** One threshold rule of the stage. */
export interface ThresholdRule {
  /** Short id used in tables, e.g. "p99". */
  id: string;
  /** Readable name. */
  label: string;
  spec: ThresholdSpec;
  /** Fit on log(score) instead of the score (flags are the same; only the rule's fit differs). */
  logScale: boolean;
}

/** The rules of the issue: 95th and 99th percentiles, a robust MAD rule and POT with a GPD tail. */
export const THRESHOLD_RULES: readonly ThresholdRule[] = [
  { id: "p95", label: "95th percentile", spec: { method: "percentile", q: 0.95 }, logScale: false },
  { id: "p99", label: "99th percentile", spec: { method: "percentile", q: 0.99 }, logScale: false },
  { id: "mad", label: `median + ${MAD_K}·MAD of log score`, spec: { method: "mad", k: MAD_K }, logScale: true },
  {
    id: "pot",
    label: `POT/GPD tail at ${POT_TARGET_RATE * 100}%`,
    spec: { method: "pot", targetRate: POT_TARGET_RATE },
    logScale: false,
  },
];

/**
 * Quantile of training consensus scores above which a token-day counts as anomalous for
 * the stress index and the event study: 1% of normal token-days, so a calm day flags about
 * 1 token in 100 and a market-wide event stands out.
 */
export const CONSENSUS_QUANTILE = 0.99;

const SPLIT_CODE: Record<string, number> = Object.fromEntries(SPLIT_NAMES.map((s, i) => [s, i]));

// ---------------------------------------------------------------------------------------
// Errors tables
// ---------------------------------------------------------------------------------------

/** What a score row stands for. */
export type ErrorUnit = "token-day" | "window";

/** One model's reconstruction errors, typed. */
export interface ModelErrors {
  model: string;
  /** "token-day" for row models; "window" for Conv1D (keyed by the window's last day). */
  unit: ErrorUnit;
  n: number;
  /** `[n]` index into the token list. */
  token: Int32Array;
  /** `[n]` UTC day (for windows: the last day). */
  day: Int32Array;
  /** `[n]` split code, index into SPLIT_NAMES. */
  split: Int8Array;
  /** `[n]` anomaly kind (index into ANOMALY_KINDS; for windows any labelled day in the window), or null without labels. */
  kind: Int8Array | null;
  /** Scores present in the table (mse and mae always, elbo for the VAE), each `[n]`, higher = more anomalous. */
  scores: Partial<Record<ScoreName, Float64Array>> & { mse: Float64Array; mae: Float64Array };
  /** Feature names of the per-feature columns (e_<feature> without the prefix). */
  featureNames: string[];
  /** `[n, nFeatures]` per-feature squared errors. */
  perFeature: Matrix;
}

function tableLabel(name: string, model: string): string {
  return `${name} (written by notebook ${modelNotebook(model) ?? "02-05"})`;
}

function stringColumn(table: Table, col: string, label: string): string[] {
  const c = table[col];
  if (!Array.isArray(c) || (c.length > 0 && typeof c[0] !== "string")) {
    throw new Error(`${label} has no text column "${col}"; rerun the notebook that writes it.`);
  }
  return c as string[];
}

function numericColumn(table: Table, col: string, label: string, n: number): Float64Array {
  const c = table[col];
  if (!c || Array.isArray(c))
    throw new Error(`${label} has no numeric column "${col}"; rerun the notebook that writes it.`);
  if (c.length !== n) throw new Error(`${label}: column "${col}" has ${c.length} rows, "day" has ${n}.`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(c[i]);
    if (!Number.isFinite(v))
      throw new Error(
        `${label}, row ${i + 1}, column "${col}": ${v} is not a finite score; rerun that notebook (a non-finite error means the model diverged).`,
      );
    out[i] = v;
  }
  return out;
}

/**
 * Type and check an `errors-<model>` table as the model notebooks write it (token, symbol,
 * sector, day, date, split, anomaly, mse, mae, [elbo], e_<feature>...).
 * @param tokens the token list (tokens.json) that token ids refer to.
 * @param options.hasLabels false for real data: the anomaly column is then ignored.
 * @throws naming the table, row and column of the first bad value.
 */
export function errorsFromTable(
  model: string,
  table: Table,
  tokens: readonly TokenInfo[],
  options: { hasLabels: boolean; unit?: ErrorUnit; tableName?: string },
): ModelErrors {
  const label = tableLabel(options.tableName ?? `errors-${model}`, model);
  const dayCol = table.day;
  if (!(dayCol instanceof Int32Array)) throw new Error(`${label} has no integer column "day"; rerun that notebook.`);
  const n = dayCol.length;
  const index = new Map(tokens.map((t, i) => [t.id, i]));
  const ids = stringColumn(table, "token", label);
  const splits = stringColumn(table, "split", label);
  const token = new Int32Array(n);
  const split = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const t = index.get(ids[i]!);
    if (t === undefined)
      throw new Error(
        `${label}, row ${i + 1}, column "token": "${ids[i]}" is not in tokens.json; rerun notebooks 01-05 on one data set.`,
      );
    token[i] = t;
    const s = SPLIT_CODE[splits[i]!];
    if (s === undefined)
      throw new Error(
        `${label}, row ${i + 1}, column "split": "${splits[i]}" is not one of ${SPLIT_NAMES.join(", ")}.`,
      );
    split[i] = s;
  }
  let kind: Int8Array | null = null;
  if (options.hasLabels) {
    const kinds = stringColumn(table, "anomaly", label);
    kind = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const k = (ANOMALY_KINDS as readonly string[]).indexOf(kinds[i]!);
      if (k < 0)
        throw new Error(
          `${label}, row ${i + 1}, column "anomaly": "${kinds[i]}" is not one of ${ANOMALY_KINDS.join(", ")} (dataset.json says the data are labelled).`,
        );
      kind[i] = k;
    }
  }
  const scores: ModelErrors["scores"] = {
    mse: numericColumn(table, "mse", label, n),
    mae: numericColumn(table, "mae", label, n),
  };
  if (table.elbo) scores.elbo = numericColumn(table, "elbo", label, n);
  const featureCols = Object.keys(table).filter((c) => c.startsWith("e_"));
  const f = featureCols.length;
  const data = new Float32Array(n * f);
  featureCols.forEach((c, j) => {
    const col = table[c]!;
    if (Array.isArray(col)) throw new Error(`${label}: per-feature column "${c}" is not numeric.`);
    for (let i = 0; i < n; i++) data[i * f + j] = Number(col[i]);
  });
  return {
    model,
    unit: options.unit ?? (WINDOW_MODELS.includes(model) ? "window" : "token-day"),
    n,
    token,
    day: dayCol,
    split,
    kind,
    scores,
    featureNames: featureCols.map((c) => c.slice(2)),
    perFeature: { data, rows: n, cols: f },
  };
}

/** Minimal store interface: what loadModelErrors needs from the ArtifactStore. */
export interface ErrorTableSource {
  hasTable(name: string): boolean;
  readTable(name: string): Table;
}

/**
 * Load every model's errors table that exists. Missing tables are listed with the notebook
 * that writes them (so the stage can run with the models that are there).
 * @throws when no table exists at all (run notebooks 02-05 first).
 */
export function loadModelErrors(
  store: ErrorTableSource,
  tokens: readonly TokenInfo[],
  hasLabels: boolean,
  models: readonly string[] = MODEL_NAMES,
): { errors: ModelErrors[]; missing: { model: string; notebook: string }[] } {
  const errors: ModelErrors[] = [];
  const missing: { model: string; notebook: string }[] = [];
  for (const m of models) {
    const name = `errors-${m}`;
    if (!store.hasTable(name)) {
      missing.push({ model: m, notebook: modelNotebook(m) ?? "02-05" });
      continue;
    }
    errors.push(errorsFromTable(m, store.readTable(name), tokens, { hasLabels }));
  }
  if (errors.length === 0) {
    throw new Error(
      `No errors-<model> table found (${models.join(", ")}): run notebooks 02-train-ae to 05-train-conv1d-ae first.`,
    );
  }
  return { errors, missing };
}

// ---------------------------------------------------------------------------------------
// Alignment and consensus
// ---------------------------------------------------------------------------------------

/** All models' scores on one token-day grid. */
export interface AlignedScores {
  n: number;
  /** `[nGrid]` token index, UTC day and split code of each token-day, sorted by (token, day). */
  token: Int32Array;
  day: Int32Array;
  split: Int8Array;
  /** `[nGrid]` the token-day's own anomaly kind (from token-day tables), or null without labels. */
  kind: Int8Array | null;
  /** Models that carry the aligned score, in input order. */
  models: string[];
  score: ScoreName;
  /** model -> `[nGrid]` score, NaN where the model does not score that token-day. */
  scores: Record<string, Float64Array>;
  /** model -> `[nGrid]` row of the model's own table, -1 where absent. */
  source: Record<string, Int32Array>;
  /** Grid rows that only window models score (no token-day label; counted as normal). */
  nWindowOnly: number;
}

/**
 * Put every model on one token-day grid: the union of the token-days any model scores.
 * A window model's score lands on its window's last day. The grid's anomaly label is the
 * token-day's own (from token-day tables), never a window's "any day in the window" label.
 * @param score which score to align; models without it are left out.
 * @throws when a table repeats a token-day or two tables disagree on a token-day's split.
 */
export function alignOnTokenDays(errors: readonly ModelErrors[], score: ScoreName = "mse"): AlignedScores {
  const used = errors.filter((e) => e.scores[score] !== undefined);
  if (used.length === 0) throw new Error(`No model carries the score "${score}"; use "mse" or "mae".`);
  const keySet = new Set<number>();
  for (const e of used) {
    for (let i = 0; i < e.n; i++) {
      const d = e.day[i]!;
      if (d < 0 || d >= KEY_DAY_SPAN)
        throw new Error(`errors-${e.model}, row ${i + 1}: day ${d} is outside 0..${KEY_DAY_SPAN - 1} (1970..4707).`);
      keySet.add(e.token[i]! * KEY_DAY_SPAN + d);
    }
  }
  const keys = Float64Array.from(keySet).sort();
  const n = keys.length;
  const where = new Map<number, number>();
  keys.forEach((k, i) => where.set(k, i));
  const token = Int32Array.from(keys, (k) => Math.floor(k / KEY_DAY_SPAN));
  const day = Int32Array.from(keys, (k) => k % KEY_DAY_SPAN);
  const split = new Int8Array(n).fill(-1);
  const labelled = used.some((e) => e.unit === "token-day" && e.kind !== null);
  const kind = labelled ? new Int8Array(n) : null;
  const haveDayLabel = new Uint8Array(n);
  const scores: Record<string, Float64Array> = {};
  const source: Record<string, Int32Array> = {};
  for (const e of used) {
    const s = new Float64Array(n).fill(NaN);
    const src = new Int32Array(n).fill(-1);
    const v = e.scores[score]!;
    for (let i = 0; i < e.n; i++) {
      const g = where.get(e.token[i]! * KEY_DAY_SPAN + e.day[i]!)!;
      if (src[g] !== -1)
        throw new Error(
          `errors-${e.model} has two rows for token-day (token ${e.token[i]}, ${dayToIso(e.day[i]!)}): rows ${src[g]! + 1} and ${i + 1}.`,
        );
      src[g] = i;
      s[g] = v[i]!;
      if (split[g] === -1) split[g] = e.split[i]!;
      else if (split[g] !== e.split[i]) {
        throw new Error(
          `errors-${e.model}, row ${i + 1}: ${dayToIso(e.day[i]!)} is in split "${SPLIT_NAMES[e.split[i]!]}" but another model has it in "${SPLIT_NAMES[split[g]!]}"; rerun notebooks 02-05 on the same dataset.`,
        );
      }
      if (kind && e.unit === "token-day" && e.kind) {
        kind[g] = e.kind[i]!;
        haveDayLabel[g] = 1;
      }
    }
    scores[e.model] = s;
    source[e.model] = src;
  }
  let nWindowOnly = 0;
  for (let g = 0; g < n; g++) if (!used.some((e) => e.unit === "token-day" && source[e.model]![g]! >= 0)) nWindowOnly++;
  return { n, token, day, split, kind, models: used.map((e) => e.model), score, scores, source, nWindowOnly };
}

/**
 * Rank-normalise the finite entries of a score vector to [0, 1] (average ranks for ties;
 * lowest 0, highest 1; all-equal or a single value 0.5). NaN entries stay NaN.
 * @returns `[n]` Float64.
 */
export function rankNormaliseFinite(scores: ArrayLike<number>): Float64Array {
  const n = scores.length;
  const out = new Float64Array(n).fill(NaN);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(scores[i]!)) idx.push(i);
  const m = idx.length;
  if (m === 0) return out;
  const r = averageRanks(
    Float64Array.from(idx, (i) => scores[i]!),
    "scores",
  );
  for (let k = 0; k < m; k++) out[idx[k]!] = m === 1 ? 0.5 : (r[k]! - 1) / (m - 1);
  return out;
}

/** The consensus score and how many models voted on each row. */
export interface Consensus {
  /** `[nGrid]` mean rank-normalised score over the models that score the row, in [0, 1]; NaN where none does. */
  score: Float64Array;
  /** `[nGrid]` number of models averaged. */
  voters: Uint8Array;
  models: string[];
}

/**
 * Consensus anomaly score on the grid: each model's scores are rank-normalised over the
 * rows it scores, then averaged over the models that score each row (the Conv1D model
 * votes only on its windows' last days). Scale-free: a model's units never matter.
 * @param models default: the autoencoders present (PCA stays the baseline).
 */
export function consensusOnGrid(aligned: AlignedScores, models?: readonly string[]): Consensus {
  const use = (models ?? AUTOENCODER_MODELS).filter((m) => aligned.scores[m] !== undefined);
  if (use.length === 0)
    throw new Error(
      `consensusOnGrid: none of ${(models ?? AUTOENCODER_MODELS).join(", ")} is on the grid (models: ${aligned.models.join(", ")}).`,
    );
  const sum = new Float64Array(aligned.n);
  const voters = new Uint8Array(aligned.n);
  for (const m of use) {
    const r = rankNormaliseFinite(aligned.scores[m]!);
    for (let g = 0; g < aligned.n; g++) {
      if (Number.isNaN(r[g]!)) continue;
      sum[g]! += r[g]!;
      voters[g]!++;
    }
  }
  const score = Float64Array.from(sum, (s, g) => (voters[g]! > 0 ? s / voters[g]! : NaN));
  return { score, voters, models: use };
}

// ---------------------------------------------------------------------------------------
// Thresholds
// ---------------------------------------------------------------------------------------

/** Global (one threshold) or per-token (each token its own, small tokens fall back to global). */
export type ThresholdVariant = "global" | "per-token";

/** Rates or counts per split. */
export interface SplitValues {
  train: number;
  validation: number;
  test: number;
}

/** A fitted and applied threshold of one model. */
export interface ThresholdOutcome {
  model: string;
  score: ScoreName;
  rule: string;
  label: string;
  variant: ThresholdVariant;
  /** Threshold in score units (per-token: the median over tokens with their own threshold, else the global one). */
  threshold: number;
  /** False-alarm rate the rule promises on normal rows. */
  expectedRate: number;
  /** Observed flag rate per split (NaN for an empty split). */
  observed: SplitValues;
  /** Flags per split. */
  flagged: SplitValues;
  /** `[n]` flags over the model's rows (1 = score above its threshold). */
  flags: Uint8Array;
  /** Caveats: ties, fallbacks, degenerate tails. */
  warnings: string[];
  /** Per-token variant: tokens with their own threshold and tokens on the global one. */
  tokensOwn: number;
  tokensGlobal: number;
  /** Global POT: the fitted tail (in score units), else null. */
  tail: { initialThreshold: number; shape: number; scale: number; nExceedances: number; exceedRate: number } | null;
}

function splitCounts(flags: Uint8Array, split: Int8Array): { observed: SplitValues; flagged: SplitValues } {
  const n = [0, 0, 0];
  const f = [0, 0, 0];
  for (let i = 0; i < flags.length; i++) {
    const s = split[i]!;
    if (s < 0 || s > 2) continue;
    n[s]!++;
    f[s]! += flags[i]!;
  }
  const rate = (k: number) => (n[k]! > 0 ? f[k]! / n[k]! : NaN);
  return {
    observed: { train: rate(0), validation: rate(1), test: rate(2) },
    flagged: { train: f[0]!, validation: f[1]!, test: f[2]! },
  };
}

/**
 * Fit every rule on one split's scores (default: train) of a model, globally and per token,
 * and apply it to all rows. With `logScale` a rule is fitted on log(max(score,
 * LOG_SCORE_FLOOR)); its threshold is reported back in score units.
 * @throws when the fitting split has no rows.
 */
export function evaluateThresholds(
  e: ModelErrors,
  options: {
    score?: ScoreName;
    rules?: readonly ThresholdRule[];
    fitSplit?: "train" | "validation";
    minGroupSize?: number;
  } = {},
): ThresholdOutcome[] {
  const score = options.score ?? "mse";
  const rules = options.rules ?? THRESHOLD_RULES;
  const fitCode = SPLIT_CODE[options.fitSplit ?? "train"]!;
  const raw = e.scores[score];
  if (!raw) throw new Error(`errors-${e.model} has no "${score}" score (only the VAE has "elbo").`);
  const fitRows: number[] = [];
  for (let i = 0; i < e.n; i++) if (e.split[i] === fitCode) fitRows.push(i);
  if (fitRows.length === 0)
    throw new Error(
      `errors-${e.model} has no ${SPLIT_NAMES[fitCode]} rows to fit thresholds on; rerun notebook ${modelNotebook(e.model) ?? "02-05"}.`,
    );
  const logScores = Float64Array.from(raw, (v) => Math.log(Math.max(v, LOG_SCORE_FLOOR)));
  const out: ThresholdOutcome[] = [];
  for (const rule of rules) {
    const s = rule.logScale ? logScores : raw;
    const back = (t: number) => (rule.logScale ? Math.exp(t) : t);
    const fitScores = Float64Array.from(fitRows, (i) => s[i]!);
    // Global.
    const g = fitThreshold(fitScores, rule.spec);
    const applied = applyThreshold(s, g.threshold);
    const pot = g.method === "pot" ? (g as PotThresholdResult) : null;
    out.push({
      model: e.model,
      score,
      rule: rule.id,
      label: rule.label,
      variant: "global",
      threshold: back(g.threshold),
      expectedRate: g.expectedRate,
      ...splitCounts(applied.flags, e.split),
      flags: applied.flags,
      warnings: [...g.warnings],
      tokensOwn: 0,
      tokensGlobal: 0,
      tail:
        pot && pot.fallback === undefined
          ? {
              initialThreshold: back(pot.initialThreshold),
              shape: pot.shape,
              scale: pot.scale,
              nExceedances: pot.nExceedances,
              exceedRate: pot.nExceedances / pot.nTrain,
            }
          : null,
    });
    // Per token.
    const gt = groupThresholds(
      fitScores,
      Int32Array.from(fitRows, (i) => e.token[i]!),
      rule.spec,
      { minGroupSize: options.minGroupSize ?? MIN_GROUP_SIZE },
    );
    const ag = applyGroupThresholds(s, e.token, gt);
    const own = gt.groups
      .filter((x) => x.source === "group")
      .map((x) => back(x.threshold))
      .sort((a, b) => a - b);
    const reasons = new Map<string, number>();
    for (const x of gt.groups) {
      if (x.source !== "global") continue;
      const why = x.own === null ? `fewer than ${gt.minGroupSize} training rows` : "its own POT fit fell back";
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    const warnings = [...reasons.entries()].map(
      ([why, c]) => `${c} of ${gt.groups.length} tokens use the global threshold: ${why}.`,
    );
    if (ag.nUnseenGroupRows > 0)
      warnings.push(
        `${ag.nUnseenGroupRows} rows belong to tokens without ${SPLIT_NAMES[fitCode]} rows and use the global threshold.`,
      );
    out.push({
      model: e.model,
      score,
      rule: rule.id,
      label: rule.label,
      variant: "per-token",
      threshold: own.length ? quantileSorted(own, 0.5) : back(gt.global.threshold),
      expectedRate: ag.expectedRate,
      ...splitCounts(ag.flags, e.split),
      flags: ag.flags,
      warnings,
      tokensOwn: gt.groups.length - gt.nGlobalFallback,
      tokensGlobal: gt.nGlobalFallback,
      tail: null,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Agreement
// ---------------------------------------------------------------------------------------

/** A model's flags on the grid: `[nGrid]` 1 flagged, 0 not, -1 where the model does not score the token-day. */
export function gridFlags(aligned: AlignedScores, model: string, flags: Uint8Array): Int8Array {
  const src = aligned.source[model];
  if (!src) throw new Error(`gridFlags: model "${model}" is not on the grid (models: ${aligned.models.join(", ")}).`);
  return Int8Array.from(src, (i) => (i < 0 ? -1 : flags[i]!));
}

/** Agreement of two models' flags on the token-days both score. */
export interface PairAgreement {
  a: string;
  b: string;
  /** Token-days both score (within the row mask). */
  n: number;
  flaggedA: number;
  flaggedB: number;
  both: number;
  jaccard: number;
  kappa: number;
}

export function pairs<T>(items: readonly T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) out.push([items[i]!, items[j]!]);
  return out;
}

/**
 * Jaccard overlap and Cohen's kappa of every pair of models, on the grid rows both score
 * (and `rowMask`, e.g. the test split). Pairs without common rows get NaN.
 * @param flagsByModel model -> grid flags from `gridFlags`.
 */
export function pairwiseAgreement(flagsByModel: Record<string, Int8Array>, rowMask?: Uint8Array): PairAgreement[] {
  return pairs(Object.keys(flagsByModel)).map(([a, b]) => {
    const fa = flagsByModel[a]!;
    const fb = flagsByModel[b]!;
    const xa: number[] = [];
    const xb: number[] = [];
    for (let g = 0; g < fa.length; g++) {
      if (fa[g]! < 0 || fb[g]! < 0 || (rowMask && !rowMask[g])) continue;
      xa.push(fa[g]!);
      xb.push(fb[g]!);
    }
    let na = 0,
      nb = 0,
      both = 0;
    for (let k = 0; k < xa.length; k++) {
      na += xa[k]!;
      nb += xb[k]!;
      both += xa[k]! & xb[k]!;
    }
    const n = xa.length;
    return {
      a,
      b,
      n,
      flaggedA: na,
      flaggedB: nb,
      both,
      jaccard: n ? jaccard(xa, xb) : NaN,
      kappa: n ? cohenKappa(xa, xb) : NaN,
    };
  });
}

/** Spearman correlation of two models' scores on the rows both score. */
export interface PairCorrelation {
  a: string;
  b: string;
  n: number;
  /** NaN when either score is constant there or fewer than 2 rows are shared. */
  spearman: number;
}

/** Spearman correlation of every pair of models' grid scores (rows both score, within `rowMask`). */
export function pairwiseSpearman(
  aligned: AlignedScores,
  rowMask?: Uint8Array,
  models?: readonly string[],
): PairCorrelation[] {
  return pairs(models ?? aligned.models).map(([a, b]) => {
    const sa = aligned.scores[a]!;
    const sb = aligned.scores[b]!;
    const xa: number[] = [];
    const xb: number[] = [];
    for (let g = 0; g < aligned.n; g++) {
      if (Number.isNaN(sa[g]!) || Number.isNaN(sb[g]!) || (rowMask && !rowMask[g])) continue;
      xa.push(sa[g]!);
      xb.push(sb[g]!);
    }
    return { a, b, n: xa.length, spearman: xa.length >= 2 ? spearman(xa, xb) : NaN };
  });
}

/**
 * UpSet counts on the grid rows that every model scores (within `rowMask`): which exact
 * combination of models flagged each row.
 */
export function overlapOnCommonRows(flagsByModel: Record<string, Int8Array>, rowMask?: Uint8Array): FlagOverlaps {
  const models = Object.keys(flagsByModel);
  if (models.length === 0) throw new Error("overlapOnCommonRows needs the flags of at least one model.");
  const n = flagsByModel[models[0]!]!.length;
  const keep: number[] = [];
  for (let g = 0; g < n; g++)
    if ((!rowMask || rowMask[g]) && models.every((m) => flagsByModel[m]![g]! >= 0)) keep.push(g);
  if (keep.length === 0)
    throw new Error(`No token-day is scored by all of ${models.join(", ")} within the mask; compare fewer models.`);
  const sub: Record<string, Uint8Array> = {};
  for (const m of models) sub[m] = Uint8Array.from(keep, (g) => flagsByModel[m]![g]!);
  return flagOverlaps(sub);
}

/** A 0/1 row mask of the grid rows in the given splits. */
export function splitMask(split: Int8Array, names: readonly ("train" | "validation" | "test")[]): Uint8Array {
  const codes = new Set(names.map((s) => SPLIT_CODE[s]!));
  return Uint8Array.from(split, (s) => (codes.has(s) ? 1 : 0));
}

/** Fit and apply every rule to every model (training scores; MSE unless told). */
export function fitAllThresholds(
  errors: readonly ModelErrors[],
  options: { score?: ScoreName; minGroupSize?: number } = {},
): ThresholdOutcome[] {
  return errors.flatMap((e) => evaluateThresholds(e, options));
}

/** Agreement of every pair of models at each global rule. */
export interface RuleAgreement {
  rule: string;
  label: string;
  pairs: PairAgreement[];
  /** Grid flags per model at this rule (for overlap charts and the stress index). */
  flags: Record<string, Int8Array>;
}

/** Jaccard and kappa of every pair of models at each global rule, on grid rows in `rowMask`. */
export function agreementByRule(
  aligned: AlignedScores,
  outcomes: readonly ThresholdOutcome[],
  rowMask?: Uint8Array,
  variant: ThresholdVariant = "global",
): RuleAgreement[] {
  const rules = [...new Set(outcomes.map((o) => o.rule))];
  return rules.map((rule) => {
    const flags: Record<string, Int8Array> = {};
    let label = rule;
    for (const m of aligned.models) {
      const o = outcomes.find(
        (x) => x.model === m && x.rule === rule && x.variant === variant && x.score === aligned.score,
      );
      if (!o) continue;
      label = o.label;
      flags[m] = gridFlags(aligned, m, o.flags);
    }
    return { rule, label, pairs: pairwiseAgreement(flags, rowMask), flags };
  });
}

/**
 * Consensus flags for the market views: a grid row is flagged when its consensus exceeds
 * the `quantile` of the training rows' consensus.
 * @returns grid flags (`[nGrid]` 1/0, -1 where no model votes) and the threshold.
 */
export function consensusFlags(
  aligned: AlignedScores,
  consensus: Consensus,
  quantile = CONSENSUS_QUANTILE,
): { flags: Int8Array; threshold: number; expectedRate: number; warnings: string[] } {
  const train: number[] = [];
  for (let g = 0; g < aligned.n; g++)
    if (aligned.split[g] === 0 && Number.isFinite(consensus.score[g]!)) train.push(consensus.score[g]!);
  if (train.length === 0)
    throw new Error("consensusFlags: no training row has a consensus score; the thresholds need training rows.");
  const t = fitThreshold(train, { method: "percentile", q: quantile });
  const flags = Int8Array.from(consensus.score, (v) => (Number.isNaN(v) ? -1 : v > t.threshold ? 1 : 0));
  return { flags, threshold: t.threshold, expectedRate: t.expectedRate, warnings: t.warnings };
}

/** Day numbers per token in the grid key (token * KEY_DAY_SPAN + day); days must be below it. */
export const KEY_DAY_SPAN = 1_000_000;
