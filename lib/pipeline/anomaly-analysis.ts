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
import type { Table } from "../runtime/artifacts";
import type { Matrix } from "../runtime/matrix";
import { ANOMALY_KINDS, dayToIso, tokenRanges, type Panel, type TokenInfo } from "../data/panel";
import { SPLIT_NAMES } from "./dataset";
import {
  applyGroupThresholds,
  applyThreshold,
  fitThreshold,
  groupThresholds,
  MIN_GROUP_SIZE,
  type PotThresholdResult,
  type ThresholdSpec,
} from "../anomaly/thresholds";
import { cohenKappa, flagOverlaps, jaccard, spearman, type FlagOverlaps } from "../anomaly/agreement";
import { confusion, prCurve, rocCurve } from "../anomaly/metrics";
import { eventStudy, type EventRef, type EventStudyOptions, type EventStudyResult } from "../anomaly/eventstudy";
import {
  crashDayEvents,
  KNOWN_MARKET_EVENTS,
  marketEventDays,
  type EventDays,
  type MarketEvent,
} from "../anomaly/market-events";
import { averageRanks, quantileSorted } from "../evaluate/stats";
import * as charts from "../viz/charts";
import type { VlSpec } from "../viz/render";

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

/** The notebook that writes each model's errors table (for "run this first" errors). */
export const ERROR_PRODUCERS: Record<string, string> = {
  ae: "02-train-ae",
  pca: "02-train-ae",
  vae: "03-train-vae",
  dae: "04-train-dae",
  conv1d: "05-train-conv1d-ae",
};

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

/**
 * Fewest tokens scored on a day for it to enter the stress ranking: with fewer, one flag is
 * already a 20%+ "share" and noise would top the ranking.
 */
export const MIN_STRESS_TOKENS = 5;

/** Stress days listed (and counted as "top" in the crash-day check). */
export const TOP_STRESS_DAYS = 10;

/**
 * Days after a documented event that still count as the event: a daily row closes at
 * 00:00 UTC, so a crash late in a day shows partly in the next day's returns and volume.
 */
export const EVENT_LAG_DAYS = 1;

/** Days of price shown on each side of an explained anomaly. */
export const PRICE_CONTEXT_DAYS = 30;

/** Two top anomalies of one token closer than this many days count as one episode. */
export const TOP_ANOMALY_GAP_DAYS = 10;

/** Day numbers per token in the grid key (token * KEY_DAY_SPAN + day); days must be below it. */
const KEY_DAY_SPAN = 1_000_000;

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
  return `${name} (written by notebook ${ERROR_PRODUCERS[model] ?? "02-05"})`;
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
      missing.push({ model: m, notebook: ERROR_PRODUCERS[m] ?? "02-05" });
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

/** Summary statistics of a score per model and split (for the "scores" table). */
export function errorSummaryRows(errors: readonly ModelErrors[]): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  for (const e of errors) {
    for (const name of SCORE_NAMES) {
      const s = e.scores[name];
      if (!s) continue;
      for (let code = 0; code < 3; code++) {
        const v: number[] = [];
        for (let i = 0; i < e.n; i++) if (e.split[i] === code) v.push(s[i]!);
        if (v.length === 0) continue;
        const sorted = Float64Array.from(v).sort();
        rows.push({
          model: e.model,
          score: name === "elbo" ? "−ELBO" : name.toUpperCase(),
          unit: e.unit,
          split: SPLIT_NAMES[code]!,
          rows: v.length,
          mean: sorted.reduce((a, b) => a + b, 0) / v.length,
          median: quantileSorted(sorted, 0.5),
          p99: quantileSorted(sorted, 0.99),
          max: sorted[sorted.length - 1]!,
        });
      }
    }
  }
  return rows;
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
      `errors-${e.model} has no ${SPLIT_NAMES[fitCode]} rows to fit thresholds on; rerun notebook ${ERROR_PRODUCERS[e.model] ?? "02-05"}.`,
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

/** Table rows: expected vs observed rates of every threshold. */
export function thresholdRateRows(outcomes: readonly ThresholdOutcome[]): Record<string, string | number>[] {
  return outcomes.map((o) => ({
    model: o.model,
    rule: o.label,
    variant: o.variant,
    threshold: o.threshold,
    "expected rate": o.expectedRate,
    "train rate": o.observed.train,
    "validation rate": o.observed.validation,
    "test rate": o.observed.test,
    "test flags": o.flagged.test,
    "test / expected": o.observed.test / o.expectedRate,
    notes: o.warnings.join(" "),
  }));
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

function pairs<T>(items: readonly T[]): [T, T][] {
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

// ---------------------------------------------------------------------------------------
// Ground truth
// ---------------------------------------------------------------------------------------

/** Detection quality of one score against labels. */
export interface DetectionQuality {
  /** Display name, e.g. "ae", "vae (−ELBO)", "consensus". */
  name: string;
  /** Rows evaluated (finite scores within the mask). */
  rows: number;
  anomalies: number;
  rocAuc: number | null;
  /** Average precision (step-wise PR-AUC, sklearn's average_precision_score). */
  averagePrecision: number | null;
  /** Trapezoidal PR-AUC, for comparison with papers. */
  prAuc: number | null;
  /** k = number of anomalies (R-precision): precision among the k highest scores. */
  k: number;
  precisionAtK: number | null;
  /** Per anomaly kind: that kind's rows against normal rows (other kinds left out). */
  byKind: Record<string, { rows: number; rocAuc: number | null; averagePrecision: number | null }>;
}

/** Ranking metrics of one positive class against one negative class, from one walk down the scores. */
export interface RankingMetrics {
  nPos: number;
  nNeg: number;
  /** Mann-Whitney ROC-AUC, ties counting one half (null without both classes). */
  rocAuc: number | null;
  /** Step-wise average precision over distinct scores (null without positives). */
  averagePrecision: number | null;
  /** Trapezoidal area under the PR points, starting at (recall 0, precision 1) (null without positives). */
  prAuc: number | null;
  /** Precision among the k = nPos highest scores, ties at the k-th score shared in expectation (null without positives). */
  precisionAtK: number | null;
}

/**
 * ROC-AUC, average precision, trapezoidal PR-AUC and precision@k (k = number of
 * positives) of the rows `cls` marks 1 (positive) against those it marks 0 (negative);
 * rows marked -1 are skipped. `order` lists row indices by descending score (computed
 * once and reused for every class split, e.g. each anomaly kind). Equal scores form one
 * threshold, exactly as lib/anomaly/metrics (scikit-learn's conventions).
 * @param scores `[n]` finite scores; `cls` `[n]`; `order` `[m]` indices into scores, descending.
 */
export function rankingMetrics(
  scores: ArrayLike<number>,
  cls: ArrayLike<number>,
  order: ArrayLike<number>,
): RankingMetrics {
  let nPos = 0,
    nNeg = 0;
  for (let k = 0; k < order.length; k++) {
    const c = cls[order[k]!]!;
    if (c === 1) nPos++;
    else if (c === 0) nNeg++;
  }
  let tp = 0,
    fp = 0,
    losses = 0,
    ap = 0,
    area = 0,
    prevR = 0,
    prevP = 1;
  let hitsAtK: number | null = null;
  let k = 0;
  while (k < order.length) {
    const v = scores[order[k]!]!;
    let p = 0,
      q = 0;
    let j = k;
    for (; j < order.length && scores[order[j]!] === v; j++) {
      const c = cls[order[j]!]!;
      if (c === 1) p++;
      else if (c === 0) q++;
    }
    k = j;
    if (p + q === 0) continue;
    const seen = tp + fp;
    if (hitsAtK === null && nPos > 0 && seen + p + q >= nPos) hitsAtK = tp + ((nPos - seen) * p) / (p + q);
    losses += p * fp + 0.5 * p * q;
    tp += p;
    fp += q;
    if (nPos > 0) {
      const recall = tp / nPos;
      const precision = tp / (tp + fp);
      ap += (recall - prevR) * precision;
      area += ((recall - prevR) * (precision + prevP)) / 2;
      prevR = recall;
      prevP = precision;
    }
  }
  return {
    nPos,
    nNeg,
    rocAuc: nPos > 0 && nNeg > 0 ? 1 - losses / (nPos * nNeg) : null,
    averagePrecision: nPos > 0 ? ap : null,
    prAuc: nPos > 0 ? area : null,
    precisionAtK: nPos > 0 && hitsAtK !== null ? hitsAtK / nPos : null,
  };
}

/**
 * ROC-AUC, PR-AUC, precision@k and per-kind AUC of a score vector (one sort, then one walk
 * per class split; see `rankingMetrics`).
 * NaN scores (a model that does not score a row) and rows outside `rowMask` are left out.
 * @param kind `[n]` anomaly kinds, or null without labels.
 * @returns null when there are no labels (real data); metrics inside are null when a class is missing.
 */
export function detectionQuality(
  name: string,
  scores: ArrayLike<number>,
  kind: Int8Array | null,
  rowMask?: Uint8Array,
): DetectionQuality | null {
  if (kind === null) return null;
  if (kind.length !== scores.length)
    throw new Error(
      `detectionQuality(${name}): ${kind.length} labels for ${scores.length} scores; align them row by row.`,
    );
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]!) && (!rowMask || rowMask[i])) idx.push(i);
  const s = Float64Array.from(idx, (i) => scores[i]!);
  const y = Int8Array.from(idx, (i) => kind[i]!);
  const order = Int32Array.from(s.keys()).sort((a, b) => s[b]! - s[a]! || a - b);
  const all = rankingMetrics(
    s,
    Int8Array.from(y, (v) => (v > 0 ? 1 : 0)),
    order,
  );
  const byKind: DetectionQuality["byKind"] = {};
  for (let k = 1; k < ANOMALY_KINDS.length; k++) {
    const m = rankingMetrics(
      s,
      Int8Array.from(y, (v) => (v === k ? 1 : v === 0 ? 0 : -1)),
      order,
    );
    if (m.nPos > 0)
      byKind[ANOMALY_KINDS[k]!] = { rows: m.nPos, rocAuc: m.rocAuc, averagePrecision: m.averagePrecision };
  }
  return {
    name,
    rows: s.length,
    anomalies: all.nPos,
    rocAuc: all.rocAuc,
    averagePrecision: all.averagePrecision,
    prAuc: all.prAuc,
    k: all.nPos,
    precisionAtK: all.precisionAtK,
    byKind,
  };
}

/** Table rows of detection quality (one row per score). */
export function detectionRows(qs: readonly DetectionQuality[]): Record<string, string | number | null>[] {
  return qs.map((q) => ({
    detector: q.name,
    rows: q.rows,
    anomalies: q.anomalies,
    "ROC-AUC": q.rocAuc,
    "PR-AUC (AP)": q.averagePrecision,
    "PR-AUC (trapezoid)": q.prAuc,
    k: q.k,
    "precision@k": q.precisionAtK,
  }));
}

/** Table rows of ROC-AUC (or average precision) per detector x anomaly kind. */
export function aucByKindRows(
  qs: readonly DetectionQuality[],
  metric: "rocAuc" | "averagePrecision" = "rocAuc",
): Record<string, string | number | null>[] {
  const kinds = ANOMALY_KINDS.slice(1).filter((k) => qs.some((q) => q.byKind[k]));
  return qs.map((q) => {
    const row: Record<string, string | number | null> = { detector: q.name, all: q[metric] };
    for (const k of kinds) row[k] = q.byKind[k]?.[metric] ?? null;
    return row;
  });
}

/**
 * For each anomaly kind, the detector with the highest ROC-AUC (ties: first listed).
 * @returns kind -> { best, auc, runnerUp, runnerUpAuc } for the kinds present.
 */
export function bestDetectorByKind(
  qs: readonly DetectionQuality[],
): { kind: string; best: string; auc: number; rows: number; runnerUp: string | null; runnerUpAuc: number | null }[] {
  const out: {
    kind: string;
    best: string;
    auc: number;
    rows: number;
    runnerUp: string | null;
    runnerUpAuc: number | null;
  }[] = [];
  for (const kind of ANOMALY_KINDS.slice(1)) {
    const ranked = qs
      .map((q) => ({ name: q.name, auc: q.byKind[kind]?.rocAuc ?? null, rows: q.byKind[kind]?.rows ?? 0 }))
      .filter((x): x is { name: string; auc: number; rows: number } => x.auc !== null)
      .sort((a, b) => b.auc - a.auc);
    if (ranked.length === 0) continue;
    out.push({
      kind,
      best: ranked[0]!.name,
      auc: ranked[0]!.auc,
      rows: ranked[0]!.rows,
      runnerUp: ranked[1]?.name ?? null,
      runnerUpAuc: ranked[1]?.auc ?? null,
    });
  }
  return out;
}

/** Precision and recall of a thresholded detector, overall and per kind. */
export interface ThresholdRecall {
  model: string;
  rule: string;
  variant: ThresholdVariant;
  flagged: number;
  precision: number;
  recall: number;
  f1: number;
  /** kind -> share of that kind's rows flagged. */
  recallByKind: Record<string, number>;
}

/**
 * Precision/recall of a threshold outcome against the model's own labels (for windows:
 * "any labelled day in the window"), within `rowMask` over the model's rows.
 * @returns null without labels.
 */
export function thresholdRecall(
  o: ThresholdOutcome,
  kind: Int8Array | null,
  rowMask?: Uint8Array,
): ThresholdRecall | null {
  if (kind === null) return null;
  const idx: number[] = [];
  for (let i = 0; i < o.flags.length; i++) if (!rowMask || rowMask[i]) idx.push(i);
  const f = Uint8Array.from(idx, (i) => o.flags[i]!);
  const y = Int8Array.from(idx, (i) => kind[i]!);
  if (f.length === 0) return null;
  const c = confusion(f, y)!;
  const recallByKind: Record<string, number> = {};
  for (let k = 1; k < ANOMALY_KINDS.length; k++) {
    let n = 0,
      hit = 0;
    for (let i = 0; i < y.length; i++)
      if (y[i] === k) {
        n++;
        hit += f[i]!;
      }
    if (n > 0) recallByKind[ANOMALY_KINDS[k]!] = hit / n;
  }
  return {
    model: o.model,
    rule: o.rule,
    variant: o.variant,
    flagged: c.tp + c.fp,
    precision: c.precision,
    recall: c.recall,
    f1: c.f1,
    recallByKind,
  };
}

/** Chart rows of ROC and PR curves for several detectors (downsampled). */
export function curveRows(
  items: readonly { name: string; scores: ArrayLike<number> }[],
  kind: Int8Array | null,
  rowMask?: Uint8Array,
): { roc: charts.Row[]; pr: charts.Row[]; prevalence: number | null } {
  const roc: charts.Row[] = [];
  const pr: charts.Row[] = [];
  let prevalence: number | null = null;
  if (kind === null) return { roc, pr, prevalence };
  for (const it of items) {
    const idx: number[] = [];
    for (let i = 0; i < it.scores.length; i++)
      if (Number.isFinite(it.scores[i]!) && (!rowMask || rowMask[i])) idx.push(i);
    const s = Float64Array.from(idx, (i) => it.scores[i]!);
    const y = Uint8Array.from(idx, (i) => (kind[i]! > 0 ? 1 : 0));
    const r = rocCurve(s, y);
    const p = prCurve(s, y);
    const label = `${it.name} (AUC ${r ? r.auc.toFixed(3) : "n/a"} · AP ${p ? p.averagePrecision.toFixed(3) : "n/a"})`;
    if (r) r.fpr.forEach((x, k) => roc.push({ detector: label, fpr: x, tpr: r.tpr[k]! }));
    if (p) {
      p.recall.forEach((x, k) => pr.push({ detector: label, recall: x, precision: p.precision[k]! }));
      prevalence ??= p.baseline;
    }
  }
  return { roc, pr, prevalence };
}

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
): charts.Row[] {
  const { start, end } = tokenRanges(panel);
  const rows: charts.Row[] = [];
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

// ---------------------------------------------------------------------------------------
// Economic meaning: stress index, crash days, event study
// ---------------------------------------------------------------------------------------

/** One day of the stress index. */
export interface StressDay {
  day: number;
  date: string;
  /** Tokens scored that day. */
  tokens: number;
  /** Tokens flagged that day. */
  flagged: number;
  /** flagged / tokens. */
  share: number;
}

/**
 * Market stress index: per day, the share of scored tokens that are flagged.
 * @param flags `[n]` 1 flagged, 0 not, negative = not scored (left out).
 * @returns days ascending.
 */
export function stressIndex(day: ArrayLike<number>, flags: ArrayLike<number>, rowMask?: Uint8Array): StressDay[] {
  if (day.length !== flags.length)
    throw new Error(`stressIndex: ${day.length} days but ${flags.length} flags; align them row by row.`);
  const byDay = new Map<number, { tokens: number; flagged: number }>();
  for (let i = 0; i < day.length; i++) {
    const f = flags[i]!;
    if (f < 0 || Number.isNaN(f) || (rowMask && !rowMask[i])) continue;
    let d = byDay.get(day[i]!);
    if (!d) byDay.set(day[i]!, (d = { tokens: 0, flagged: 0 }));
    d.tokens++;
    if (f > 0) d.flagged++;
  }
  return [...byDay.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([d, v]) => ({
      day: d,
      date: dayToIso(d),
      tokens: v.tokens,
      flagged: v.flagged,
      share: v.flagged / v.tokens,
    }));
}

/**
 * Rank days by stress (highest share first; ties by more flagged tokens) with competition
 * ranking: tied days share the better rank ("1, 2, 2, 4"). Days with fewer than
 * `minTokens` scored tokens are not ranked.
 */
export function rankStressDays(
  days: readonly StressDay[],
  minTokens = MIN_STRESS_TOKENS,
): { ranked: StressDay[]; rankOf: Map<number, number> } {
  const ranked = days
    .filter((d) => d.tokens >= minTokens)
    .sort((a, b) => b.share - a.share || b.flagged - a.flagged || a.day - b.day);
  const rankOf = new Map<number, number>();
  ranked.forEach((d, i) => {
    const prev = ranked[i - 1];
    rankOf.set(d.day, prev && prev.share === d.share && prev.flagged === d.flagged ? rankOf.get(prev.day)! : i + 1);
  });
  return { ranked, rankOf };
}

/** Where a documented (or simulated) event lands in the stress ranking. */
export interface EventCheck {
  event: string;
  startDay: number;
  endDay: number;
  /** Days ranked in the window [start, end + lag]. */
  rankedDays: number;
  /** Best rank of a day within [start, end], that day and its share of tokens flagged, or null when none is ranked. */
  rank: number | null;
  day: string | null;
  share: number | null;
  /** Best rank within [start, end + lagDays] and that day. */
  rankWithLag: number | null;
  dayWithLag: string | null;
  /** Share of tokens flagged on dayWithLag. */
  shareWithLag: number | null;
  /** Days ranked in total. */
  of: number;
  /** rankWithLag as a top fraction (rank / of), or null. */
  topFraction: number | null;
  /** rankWithLag <= topN. */
  inTop: boolean;
}

/**
 * For each event, the best stress rank among its days (and with `lagDays` extra days after
 * it), against all ranked days. Events outside the scored days are reported with nulls.
 */
export function checkEventDays(
  days: readonly StressDay[],
  events: readonly EventDays[],
  options: { minTokens?: number; lagDays?: number; topN?: number } = {},
): EventCheck[] {
  const lag = options.lagDays ?? EVENT_LAG_DAYS;
  const topN = options.topN ?? TOP_STRESS_DAYS;
  const { ranked, rankOf } = rankStressDays(days, options.minTokens);
  const best = (from: number, to: number) => {
    let r: number | null = null;
    let d: StressDay | null = null;
    for (const s of ranked) {
      if (s.day < from || s.day > to) continue;
      const k = rankOf.get(s.day)!;
      if (r === null || k < r) {
        r = k;
        d = s;
      }
    }
    return { r, d };
  };
  return events.map((e) => {
    const exact = best(e.startDay, e.endDay);
    const withLag = best(e.startDay, e.endDay + lag);
    const rankedDays = ranked.filter((s) => s.day >= e.startDay && s.day <= e.endDay + lag).length;
    return {
      event: e.label,
      startDay: e.startDay,
      endDay: e.endDay,
      rankedDays,
      rank: exact.r,
      day: exact.d?.date ?? null,
      share: exact.d?.share ?? null,
      rankWithLag: withLag.r,
      dayWithLag: withLag.d?.date ?? null,
      shareWithLag: withLag.d?.share ?? null,
      of: ranked.length,
      topFraction: withLag.r !== null && ranked.length ? withLag.r / ranked.length : null,
      inTop: withLag.r !== null && withLag.r <= topN,
    };
  });
}

/** Per-token close-to-close log returns of a panel, with the day of each row. */
export interface PanelReturns {
  /** One `[rows of token]` array per token: log(close[t] / close[t-1]) between consecutive rows, NaN on the first row. */
  returnsByToken: Float64Array[];
  /** One `[rows of token]` array of UTC days per token. */
  daysByToken: Int32Array[];
}

/**
 * Log returns between consecutive rows of each token (over a missing day the return spans
 * the gap, as the event study counts rows, not calendar days). Non-positive closes give NaN.
 */
export function panelReturns(panel: Panel): PanelReturns {
  const { start, end } = tokenRanges(panel);
  const returnsByToken: Float64Array[] = [];
  const daysByToken: Int32Array[] = [];
  for (let t = 0; t < panel.tokens.length; t++) {
    const a = start[t]!,
      b = end[t]!;
    const r = new Float64Array(b - a).fill(NaN);
    for (let i = a + 1; i < b; i++) {
      const p0 = panel.close[i - 1]!,
        p1 = panel.close[i]!;
      r[i - a] = p0 > 0 && p1 > 0 ? Math.log(p1 / p0) : NaN;
    }
    returnsByToken.push(r);
    daysByToken.push(panel.day.slice(a, b));
  }
  return { returnsByToken, daysByToken };
}

/**
 * Events (token, row in the token's returns) of flagged token-days.
 * @param token `[n]` token indices (same token list as the panel), `day` `[n]`, `flags` `[n]` (> 0 = event).
 * @returns the events and how many flagged token-days have no price row (should be 0).
 */
export function eventRefsFromFlags(
  pr: PanelReturns,
  token: ArrayLike<number>,
  day: ArrayLike<number>,
  flags: ArrayLike<number>,
  rowMask?: Uint8Array,
): { events: EventRef[]; nMissing: number } {
  const lookup = pr.daysByToken.map((days) => new Map(Array.from(days, (d, i) => [d, i])));
  const events: EventRef[] = [];
  let nMissing = 0;
  for (let i = 0; i < flags.length; i++) {
    if (!(flags[i]! > 0) || (rowMask && !rowMask[i])) continue;
    const k = lookup[token[i]!]?.get(day[i]!);
    if (k === undefined) nMissing++;
    else events.push({ token: token[i]!, index: k });
  }
  return { events, nMissing };
}

/**
 * Event study of flagged token-days: forward returns and realised volatility after each
 * flag against matched non-flagged days of the same token (see lib/anomaly/eventstudy.ts).
 * @returns the study, or null (with the reason) when no flag has a price row.
 */
export function eventStudyOfFlags(
  pr: PanelReturns,
  token: ArrayLike<number>,
  day: ArrayLike<number>,
  flags: ArrayLike<number>,
  options: EventStudyOptions & { rowMask?: Uint8Array },
): { result: EventStudyResult | null; nEvents: number; nMissing: number; reason: string | null } {
  const { events, nMissing } = eventRefsFromFlags(pr, token, day, flags, options.rowMask);
  if (events.length === 0)
    return {
      result: null,
      nEvents: 0,
      nMissing,
      reason: "no flagged token-day has a price row, so there is nothing to study",
    };
  return { result: eventStudy(pr.returnsByToken, events, options), nEvents: events.length, nMissing, reason: null };
}

/** Table rows of an event study: per horizon, event vs control means and the difference with its interval. */
export function eventStudyRows(r: EventStudyResult): Record<string, string | number | null>[] {
  return r.horizons.map((h) => ({
    "horizon (days)": h.horizon,
    events: h.nEvents,
    tokens: h.nTokens,
    "event return": h.eventMeanReturn,
    "control return": h.controlMeanReturn,
    "return diff": h.diffReturn?.estimate ?? null,
    "return diff 95% lo": h.diffReturn?.lo ?? null,
    "return diff 95% hi": h.diffReturn?.hi ?? null,
    "event vol": h.eventMeanVol,
    "control vol": h.controlMeanVol,
    "vol diff": h.diffVol?.estimate ?? null,
    "vol diff 95% lo": h.diffVol?.lo ?? null,
    "vol diff 95% hi": h.diffVol?.hi ?? null,
    "no forward window": h.nNoWindow,
  }));
}

// ---------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Make the value labels of a heatmap from lib/viz/charts readable on dark cells: white text
 * where the value is below `darkBelow` (viridis is dark at its low end) or above
 * `darkAbove` (a diverging scheme is dark at both ends), dark text elsewhere.
 * Returns the same spec, changed in place.
 */
export function withContrastLabels(spec: VlSpec, field: string, darkBelow: number, darkAbove = Infinity): VlSpec {
  const test =
    `datum['${field}'] < ${darkBelow}` + (Number.isFinite(darkAbove) ? ` || datum['${field}'] > ${darkAbove}` : "");
  for (const layer of (spec.layer ?? []) as VlSpec[]) {
    if (layer.mark?.type === "text" && layer.encoding)
      layer.encoding.color = { condition: { test, value: "#ffffff" }, value: "#222222" };
  }
  return spec;
}

/** Let the y-axis labels of a (layered) spec use up to `px` pixels before truncation. Returns the spec, changed in place. */
export function widenYLabels(spec: VlSpec, px: number): VlSpec {
  for (const layer of (spec.layer ?? [spec]) as VlSpec[]) {
    const y = layer.encoding?.y;
    if (y) y.axis = { ...(y.axis ?? {}), labelLimit: px };
  }
  return spec;
}

/** Readable name of a model combination, e.g. "ae + vae". */
export function combinationLabel(models: readonly string[]): string {
  return models.join(" + ");
}

/**
 * UpSet-style chart: bars of the rows flagged by exactly each combination of models
 * (largest first, at most `maxBars`), above a dot matrix showing which models make up each
 * combination. Set sizes appear in the matrix's row labels.
 */
export function upsetSpec(o: FlagOverlaps, options: { title: string; subtitle?: string; maxBars?: number }): VlSpec {
  const combos = o.combinations.filter((c) => c.count > 0).slice(0, options.maxBars ?? 15);
  const order = combos.map((c) => combinationLabel(c.models));
  const setLabel = (m: string) => `${m} (${o.totals[m]})`;
  const bars = combos.map((c) => ({ combination: combinationLabel(c.models), count: c.count, size: c.models.length }));
  const dots = combos.flatMap((c) =>
    o.models.map((m) => ({
      combination: combinationLabel(c.models),
      model: setLabel(m),
      member: c.models.includes(m),
    })),
  );
  const lines = combos
    .filter((c) => c.models.length > 1)
    .map((c) => {
      const idx = c.models.map((m) => o.models.indexOf(m));
      return {
        combination: combinationLabel(c.models),
        from: setLabel(o.models[Math.min(...idx)]!),
        to: setLabel(o.models[Math.max(...idx)]!),
      };
    });
  const width = Math.max(240, 34 * combos.length);
  // Explicit domains (not sort arrays) so that the layers' scales union without conflicts.
  const x = { field: "combination", type: "nominal", scale: { domain: order }, title: null };
  const sets = o.models.map(setLabel);
  return {
    $schema: SCHEMA,
    title: options.subtitle ? { text: options.title, subtitle: options.subtitle } : options.title,
    vconcat: [
      {
        width,
        height: 200,
        data: { values: bars },
        layer: [
          {
            mark: { type: "bar", color: "#4c78a8" },
            encoding: {
              x: { ...x, axis: null },
              y: { field: "count", type: "quantitative", title: "token-days flagged" },
              tooltip: [{ field: "combination" }, { field: "count" }],
            },
          },
          {
            mark: { type: "text", dy: -6, fontSize: 10 },
            encoding: {
              x: { ...x, axis: null },
              y: { field: "count", type: "quantitative" },
              text: { field: "count" },
            },
          },
        ],
      },
      {
        width,
        height: 24 * o.models.length,
        layer: [
          {
            data: { values: lines },
            mark: { type: "rule", strokeWidth: 2, color: "#333" },
            encoding: {
              x: { ...x, axis: null },
              y: { field: "from", type: "nominal", scale: { domain: sets }, title: null },
              y2: { field: "to" },
            },
          },
          {
            data: { values: dots },
            mark: { type: "circle", size: 110, opacity: 1 },
            encoding: {
              x: { ...x, axis: null },
              y: { field: "model", type: "nominal", scale: { domain: sets }, title: null },
              color: {
                field: "member",
                type: "nominal",
                scale: { domain: [true, false], range: ["#333333", "#dddddd"] },
                legend: null,
              },
              tooltip: [{ field: "combination" }, { field: "model" }],
            },
          },
        ],
      },
    ],
    spacing: 4,
    resolve: { scale: { x: "shared" } },
  };
}

/** ROC and PR curves side by side, with the chance diagonal and the prevalence line. */
export function rocPrSpec(roc: charts.Row[], pr: charts.Row[], prevalence: number | null, title: string): VlSpec {
  const line = (x: string, y: string) => ({
    mark: { type: "line", strokeWidth: 1.6 },
    encoding: {
      x: {
        field: x,
        type: "quantitative",
        title: x === "fpr" ? "false-positive rate" : "recall",
        scale: { domain: [0, 1] },
      },
      y: {
        field: y,
        type: "quantitative",
        title: y === "tpr" ? "true-positive rate" : "precision",
        scale: { domain: [0, 1] },
      },
      color: {
        field: "detector",
        type: "nominal",
        title: "detector",
        legend: { labelLimit: 320, orient: "bottom", columns: 2 },
      },
      order: { field: x },
      tooltip: [{ field: "detector" }, { field: x, format: ".3f" }, { field: y, format: ".3f" }],
    },
  });
  return {
    $schema: SCHEMA,
    title,
    hconcat: [
      {
        width: 300,
        height: 300,
        title: "ROC",
        layer: [
          { data: { values: charts.compactRows(roc, 4) }, ...line("fpr", "tpr") },
          {
            data: {
              values: [
                { a: 0, b: 0 },
                { a: 1, b: 1 },
              ],
            },
            mark: { type: "line", strokeDash: [4, 4], color: "#999" },
            encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } },
          },
        ],
      },
      {
        width: 300,
        height: 300,
        title: "Precision-recall",
        layer: [
          { data: { values: charts.compactRows(pr, 4) }, ...line("recall", "precision") },
          ...(prevalence !== null
            ? [
                {
                  data: { values: [{ p: prevalence }] },
                  mark: { type: "rule", strokeDash: [4, 4], color: "#999" },
                  encoding: { y: { field: "p", type: "quantitative" } },
                },
              ]
            : []),
        ],
      },
    ],
    resolve: { scale: { color: "shared" } },
  };
}

/**
 * Chart rows of a stress index with a null share on the first missing day of every gap
 * (vega-lite breaks a line at nulls, so the split gaps are not drawn as slopes).
 */
export function stressLineRows(days: readonly StressDay[]): charts.Row[] {
  const rows: charts.Row[] = [];
  days.forEach((d, i) => {
    const prev = days[i - 1];
    if (prev && d.day - prev.day > 1) rows.push({ date: dayToIso(prev.day + 1), share: null, tokens: 0, flagged: 0 });
    rows.push({ date: d.date, share: d.share, tokens: d.tokens, flagged: d.flagged });
  });
  return rows;
}

/** Chart marks (ISO date of the first day, label) of events. */
export function eventMarks(events: readonly EventDays[]): { date: string; label: string }[] {
  return events.map((e) => ({ date: dayToIso(e.startDay), label: e.label }));
}

/** The stress index over time with marked event days (red rules) and the top days (points). */
export function stressSpec(
  days: readonly StressDay[],
  marks: readonly { date: string; label: string }[],
  top: readonly StressDay[],
  o: { title: string; subtitle?: string },
): VlSpec {
  const layers: VlSpec[] = [
    {
      data: { values: charts.compactRows(stressLineRows(days), 4) },
      mark: { type: "line", strokeWidth: 1, color: "#4c78a8" },
      encoding: {
        x: { field: "date", type: "temporal", title: null },
        y: { field: "share", type: "quantitative", title: "share of tokens flagged", axis: { format: "%" } },
        tooltip: [
          { field: "date", type: "temporal" },
          { field: "share", format: ".1%" },
          { field: "flagged" },
          { field: "tokens" },
        ],
      },
    },
  ];
  if (marks.length) {
    layers.push({
      data: { values: marks.map((m) => ({ date: m.date, event: m.label })) },
      mark: { type: "rule", color: "#d62728", strokeDash: [5, 3], strokeWidth: 1.5 },
      encoding: { x: { field: "date", type: "temporal" }, tooltip: [{ field: "event" }] },
    });
  }
  if (top.length) {
    layers.push({
      data: { values: top.map((d) => ({ date: d.date, share: d.share })) },
      mark: { type: "point", filled: true, color: "#f58518", size: 45 },
      encoding: {
        x: { field: "date", type: "temporal" },
        y: { field: "share", type: "quantitative" },
        tooltip: [
          { field: "date", type: "temporal" },
          { field: "share", format: ".1%" },
        ],
      },
    });
  }
  return {
    $schema: SCHEMA,
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: 760,
    height: 260,
    layer: layers,
  };
}

/** Event-study differences (event minus controls) with 95% intervals, returns and volatility side by side. */
export function eventStudySpec(r: EventStudyResult, title: string): VlSpec {
  const rows = (key: "diffReturn" | "diffVol") =>
    r.horizons
      .filter((h) => h[key])
      .map((h) => ({
        horizon: `${h.horizon} day${h.horizon > 1 ? "s" : ""}`,
        diff: h[key]!.estimate,
        lo: h[key]!.lo,
        hi: h[key]!.hi,
      }));
  const panel = (key: "diffReturn" | "diffVol", t: string) => {
    const spec = charts.barChart(rows(key), {
      title: t,
      category: "horizon",
      value: "diff",
      lo: "lo",
      hi: "hi",
      sort: null,
      valueTitle: "event − control",
      width: 300,
      height: 140,
    });
    spec.layer.push({
      data: { values: [{ z: 0 }] },
      mark: { type: "rule", color: "#999" },
      encoding: { x: { field: "z", type: "quantitative" } },
    });
    return spec;
  };
  return charts.concat([panel("diffReturn", "forward log return"), panel("diffVol", "forward realised volatility")], {
    title,
    columns: 2,
  });
}

/**
 * Empirical survival function of training scores (log-log) with the fitted GPD tail over
 * it and the global thresholds as vertical rules: shows why a percentile, a MAD rule and
 * a tail fit disagree.
 * @param train `[n]` training scores of one model.
 */
export function thresholdTailSpec(
  train: ArrayLike<number>,
  outcomes: readonly ThresholdOutcome[],
  title: string,
): VlSpec {
  const s = Float64Array.from(train).sort();
  const n = s.length;
  const pts: charts.Row[] = [];
  // Log-spaced ranks from the top: ~40 points per decade of survival probability.
  let last = -1;
  for (let q = 0; q <= 40 * Math.log10(n); q++) {
    const k = Math.max(1, Math.round(Math.pow(10, q / 40)));
    if (k === last || k > n) continue;
    last = k;
    const v = s[n - k]!;
    if (v > 0) pts.push({ score: v, survival: k / n, series: "training scores" });
  }
  const pot = outcomes.find((o) => o.variant === "global" && o.rule === "pot" && o.tail);
  if (pot?.tail && s[n - 1]! > pot.tail.initialThreshold) {
    const { initialThreshold: u, shape, scale, exceedRate } = pot.tail;
    const hi = Math.max(s[n - 1]!, pot.threshold) * 1.5;
    for (let k = 0; k <= 60; k++) {
      const x = u + ((hi - u) * k) / 60;
      const z = 1 + (shape * (x - u)) / scale;
      const surv =
        shape === 0 ? exceedRate * Math.exp(-(x - u) / scale) : z > 0 ? exceedRate * Math.pow(z, -1 / shape) : 0;
      if (surv > 0 && x > 0) pts.push({ score: x, survival: surv, series: "GPD tail fit" });
    }
  }
  const rules = outcomes
    .filter((o) => o.variant === "global" && o.threshold > 0)
    .map((o) => ({ threshold: o.threshold, rule: `${o.label}: ${(o.expectedRate * 100).toPrecision(2)}%` }));
  return {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: "share of training token-days above each score (log-log), the fitted tail and the global thresholds",
    },
    width: 520,
    height: 300,
    layer: [
      {
        data: { values: charts.compactRows(pts, 4) },
        mark: { type: "line", strokeWidth: 1.8 },
        encoding: {
          x: { field: "score", type: "quantitative", scale: { type: "log" }, title: "reconstruction error (log)" },
          y: {
            field: "survival",
            type: "quantitative",
            scale: { type: "log" },
            title: "P(score > x) on training rows (log)",
          },
          color: {
            field: "series",
            type: "nominal",
            title: null,
            scale: { domain: ["training scores", "GPD tail fit"], range: ["#4c78a8", "#d62728"] },
            legend: { labelLimit: 360 },
          },
          tooltip: [{ field: "series" }, { field: "score", format: ".4g" }, { field: "survival", format: ".3g" }],
        },
      },
      {
        data: { values: charts.compactRows(rules, 4) },
        mark: { type: "rule", strokeWidth: 1.4 },
        encoding: {
          x: { field: "threshold", type: "quantitative" },
          strokeDash: {
            field: "rule",
            type: "nominal",
            title: "threshold: promised rate",
            legend: { labelLimit: 420, titleLimit: 300 },
          },
          tooltip: [{ field: "rule" }, { field: "threshold", format: ".4g" }],
        },
      },
    ],
    resolve: { scale: { color: "independent" } },
  };
}

// ---------------------------------------------------------------------------------------
// Stage functions: one call per notebook step
// ---------------------------------------------------------------------------------------

/** Display name of a model's score, e.g. "ae · MSE", "vae · −ELBO". */
export function detectorName(model: string, score: ScoreName): string {
  return `${model} · ${score === "elbo" ? "−ELBO" : score.toUpperCase()}`;
}

/** Everything the ground-truth step shows. */
export interface GroundTruthResult {
  /** Every model x score on its own rows (windows: "any labelled day in the window"), then the consensus on the grid. */
  detectors: DetectionQuality[];
  /** The same on held-out rows only (validation + test): the models never trained on them. */
  heldOut: DetectionQuality[];
  /** Highest ROC-AUC among the detectors (consensus included). */
  best: DetectionQuality;
  /** PCA's MSE, the baseline to beat, or null when PCA is absent. */
  baseline: DetectionQuality | null;
  consensus: DetectionQuality | null;
  /** Per kind: which detector finds it best. */
  bestByKind: ReturnType<typeof bestDetectorByKind>;
  /** ROC/PR chart rows of each model's MSE and the consensus on the grid (day labels). */
  curves: ReturnType<typeof curveRows>;
}

/**
 * Ground-truth evaluation of every model and score, and of the consensus. Labels never
 * enter training or thresholds, so every scored row is evaluated; held-out rows are
 * reported separately.
 * @returns null when the data have no labels (real markets).
 */
export function evaluateGroundTruth(
  errors: readonly ModelErrors[],
  aligned: AlignedScores,
  consensus: Consensus | null,
): GroundTruthResult | null {
  if (aligned.kind === null || errors.every((e) => e.kind === null)) return null;
  const detectors: DetectionQuality[] = [];
  const heldOut: DetectionQuality[] = [];
  for (const e of errors) {
    const mask = splitMask(e.split, ["validation", "test"]);
    // Gap days are scored (for the stress index) but stay out of evaluation metrics.
    const inSplits = splitMask(e.split, ["train", "validation", "test"]);
    for (const s of SCORE_NAMES) {
      const v = e.scores[s];
      if (!v) continue;
      const q = detectionQuality(detectorName(e.model, s), v, e.kind, inSplits);
      const h = detectionQuality(detectorName(e.model, s), v, e.kind, mask);
      if (q) detectors.push(q);
      if (h) heldOut.push(h);
    }
  }
  let cq: DetectionQuality | null = null;
  if (consensus) {
    cq = detectionQuality(
      "consensus",
      consensus.score,
      aligned.kind,
      splitMask(aligned.split, ["train", "validation", "test"]),
    );
    const ch = detectionQuality(
      "consensus",
      consensus.score,
      aligned.kind,
      splitMask(aligned.split, ["validation", "test"]),
    );
    if (cq) detectors.push(cq);
    if (ch) heldOut.push(ch);
  }
  const withAuc = detectors.filter((q) => q.rocAuc !== null);
  if (withAuc.length === 0) return null;
  const best = withAuc.reduce((a, b) => (b.rocAuc! > a.rocAuc! ? b : a));
  const baseline = detectors.find((q) => q.name === detectorName(BASELINE_MODEL, "mse")) ?? null;
  const curveItems = aligned.models
    .map((m) => ({ name: m, scores: aligned.scores[m]! }))
    .filter((it) => !WINDOW_MODELS.includes(it.name));
  if (consensus) curveItems.push({ name: "consensus", scores: consensus.score });
  const curves = curveRows(curveItems, aligned.kind);
  // Scores other than the aligned one (the VAE's -ELBO) get their curve on the model's own token-day rows.
  for (const e of errors) {
    if (e.unit !== "token-day" || !e.kind) continue;
    for (const sn of SCORE_NAMES) {
      if (sn === "mse" || sn === "mae" || !e.scores[sn]) continue;
      const extra = curveRows([{ name: detectorName(e.model, sn), scores: e.scores[sn]! }], e.kind);
      curves.roc.push(...extra.roc);
      curves.pr.push(...extra.pr);
    }
  }
  return { detectors, heldOut, best, baseline, consensus: cq, bestByKind: bestDetectorByKind(detectors), curves };
}

/** Detection table rows with the held-out ROC-AUC next to the all-rows one. */
export function groundTruthRows(gt: GroundTruthResult): Record<string, string | number | null>[] {
  const held = new Map(gt.heldOut.map((q) => [q.name, q]));
  return detectionRows(gt.detectors).map((r) => {
    const h = held.get(String(r.detector));
    return { ...r, "held-out anomalies": h?.anomalies ?? null, "held-out ROC-AUC": h?.rocAuc ?? null };
  });
}

/** Fit and apply every rule to every model (training scores; MSE unless told). */
export function fitAllThresholds(
  errors: readonly ModelErrors[],
  options: { score?: ScoreName; minGroupSize?: number } = {},
): ThresholdOutcome[] {
  return errors.flatMap((e) => evaluateThresholds(e, options));
}

/**
 * Compact threshold table: one row per rule and variant, the expected rate and each model's
 * observed test rate (and training rate) side by side.
 */
export function thresholdSummaryRows(
  outcomes: readonly ThresholdOutcome[],
  options: { compact?: boolean } = {},
): Record<string, string | number>[] {
  const models = [...new Set(outcomes.map((o) => o.model))];
  const keys = [...new Set(outcomes.map((o) => `${o.rule}|${o.variant}`))];
  return keys.map((key) => {
    const [rule, variant] = key.split("|") as [string, ThresholdVariant];
    const group = outcomes.filter((o) => o.rule === rule && o.variant === variant);
    const row: Record<string, string | number> = {
      rule: group[0]!.label,
      variant,
      "expected rate": group[0]!.expectedRate,
    };
    if (options.compact) {
      // One training range (calibration) and one test rate per model (generalisation), as percentages.
      const train = group.map((o) => o.observed.train);
      row["expected rate"] = pct(group[0]!.expectedRate, 2);
      row["train (all models)"] = `${pct(Math.min(...train), 2)}–${pct(Math.max(...train), 2)}`;
      for (const o of group)
        row[`${o.model} test`] = Number.isFinite(o.observed.test) ? pct(o.observed.test, 2) : "n/a";
      return row;
    }
    for (const m of models) {
      const o = group.find((x) => x.model === m);
      if (!o) continue;
      row[`${m} train`] = o.observed.train;
      row[`${m} test`] = o.observed.test;
    }
    return row;
  });
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

/** Table rows of agreement: per rule, the mean Jaccard and kappa over pairs, and the best and worst pairs. */
export function agreementSummaryRows(ra: readonly RuleAgreement[]): Record<string, string | number>[] {
  return ra.map((r) => {
    const ok = r.pairs.filter((p) => Number.isFinite(p.jaccard));
    const byJ = [...ok].sort((a, b) => b.jaccard - a.jaccard);
    const mean = (f: (p: PairAgreement) => number) => (ok.length ? ok.reduce((a, p) => a + f(p), 0) / ok.length : NaN);
    return {
      rule: r.label,
      pairs: ok.length,
      "mean Jaccard": mean((p) => p.jaccard),
      "mean kappa": mean((p) => p.kappa),
      "most similar": byJ[0] ? `${byJ[0].a}/${byJ[0].b} (${byJ[0].jaccard.toFixed(2)})` : "",
      "least similar": byJ.length
        ? `${byJ[byJ.length - 1]!.a}/${byJ[byJ.length - 1]!.b} (${byJ[byJ.length - 1]!.jaccard.toFixed(2)})`
        : "",
    };
  });
}

/** Table rows of pairwise agreement at one rule, with the Spearman correlation of the pair's scores. */
export function pairTableRows(
  pairsAtRule: readonly PairAgreement[],
  rho: readonly PairCorrelation[],
): Record<string, string | number | null>[] {
  return pairsAtRule.map((p) => ({
    pair: `${p.a} / ${p.b}`,
    "token-days": p.n,
    "flags a": p.flaggedA,
    "flags b": p.flaggedB,
    both: p.both,
    Jaccard: p.jaccard,
    kappa: p.kappa,
    Spearman: rho.find((r) => r.a === p.a && r.b === p.b)?.spearman ?? null,
  }));
}

/** Long rows (a, b, value) of a symmetric pairwise measure, both triangles and the unit diagonal, for a heatmap. */
export function pairMatrixRows<P extends { a: string; b: string }>(
  models: readonly string[],
  pairs: readonly P[],
  value: (p: P) => number,
  field: string,
): charts.Row[] {
  const rows: charts.Row[] = models.map((m) => ({ a: m, b: m, [field]: 1 }));
  for (const p of pairs) {
    const v = value(p);
    rows.push(
      { a: p.a, b: p.b, [field]: Number.isFinite(v) ? v : null },
      { a: p.b, b: p.a, [field]: Number.isFinite(v) ? v : null },
    );
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

/** Heatmap rows (group x feature -> share) of contribution groups. */
export function contributionRows(
  groups: readonly { group: string; rows: number; shares: Float64Array }[],
  featureNames: readonly string[],
): charts.Row[] {
  return groups.flatMap((g) =>
    Array.from(g.shares, (share, j) => ({
      group: `${g.group} (${g.rows})`,
      feature: featureNames[j] ?? `f${j}`,
      share,
    })),
  );
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

/** Table rows of explained anomalies. */
export function explainedRows(xs: readonly ExplainedAnomaly[], hasLabels: boolean): Record<string, string | number>[] {
  return xs.map((x) => ({
    rank: x.rank,
    token: x.symbol,
    date: x.date,
    split: x.split,
    consensus: x.consensus,
    ...(hasLabels ? { "true kind": x.kind, "labelled anomaly nearby": x.nearLabel } : {}),
    "flagged by": x.flaggedBy.join(", ") || "none",
    "top features (share of error)": x.top.map((t) => `${t.feature} ${(t.share * 100).toFixed(0)}%`).join(", "),
  }));
}

/**
 * The events to check the stress index against: the simulated crash days of a synthetic
 * market (market-truth.json), or the documented market-wide events inside the data's span.
 * @param documented override of the documented events (default KNOWN_MARKET_EVENTS).
 */
export function stressCheckEvents(
  truth: { kind?: string; crashDays?: string[] } | null,
  span: { fromDay: number; toDay: number },
  documented: readonly MarketEvent[] = KNOWN_MARKET_EVENTS,
): { events: EventDays[]; kind: "simulated" | "documented" } {
  if (truth && truth.kind === "synthetic") return { events: crashDayEvents(truth.crashDays ?? []), kind: "simulated" };
  return { events: marketEventDays(documented, span), kind: "documented" };
}

/** Table rows: precision and recall of every global threshold against labels (overall and per kind). Null without labels. */
export function thresholdRecallRows(
  outcomes: readonly ThresholdOutcome[],
  errors: readonly ModelErrors[],
  variant: ThresholdVariant = "global",
): Record<string, string | number>[] | null {
  const rows: Record<string, string | number>[] = [];
  for (const o of outcomes) {
    if (o.variant !== variant) continue;
    const e = errors.find((x) => x.model === o.model);
    const r = e ? thresholdRecall(o, e.kind) : null;
    if (!r) continue;
    const row: Record<string, string | number> = {
      model: o.model,
      rule: o.label,
      flagged: r.flagged,
      precision: r.precision,
      recall: r.recall,
      F1: r.f1,
    };
    for (const [k, v] of Object.entries(r.recallByKind)) row[`recall ${k}`] = v;
    rows.push(row);
  }
  return rows.length ? rows : null;
}

function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** Findings (sentences from the numbers) about thresholds: promised vs observed rates. */
export function thresholdFindings(outcomes: readonly ThresholdOutcome[]): string[] {
  const out: string[] = [];
  const global = outcomes.filter((o) => o.variant === "global" && Number.isFinite(o.observed.test));
  for (const rule of [...new Set(global.map((o) => o.rule))]) {
    const g = global.filter((o) => o.rule === rule);
    const range = (f: (o: ThresholdOutcome) => number) =>
      `${pct(Math.min(...g.map(f)), 2)}–${pct(Math.max(...g.map(f)), 2)}`;
    const calib = g.map((o) => o.observed.train / o.expectedRate).filter(Number.isFinite);
    const calibMean = calib.reduce((a, b) => a + b, 0) / Math.max(1, calib.length);
    const drift = g.map((o) => o.observed.test / o.observed.train).filter(Number.isFinite);
    const driftMean = drift.reduce((a, b) => a + b, 0) / Math.max(1, drift.length);
    const calibText =
      calibMean >= 0.8 && calibMean <= 1.25
        ? "as promised"
        : `${calibMean.toFixed(1)}× the promise: the rule's assumption (${rule === "mad" ? "normal log errors" : rule === "pot" ? "a GPD tail" : "the empirical quantile"}) does not hold on these errors`;
    const driftText =
      drift.length === 0
        ? ""
        : driftMean < 0.8
          ? `, ${driftMean.toFixed(2)}× the training rate: test errors are smaller than training errors, so training-fitted rates overstate test alarms`
          : driftMean > 1.25
            ? `, ${driftMean.toFixed(2)}× the training rate: test errors are larger than training errors (drift or a turbulent test period)`
            : `, ${driftMean.toFixed(2)}× the training rate`;
    out.push(
      `**${g[0]!.label}** promises ${pct(g[0]!.expectedRate, 2)} of normal token-days flagged; on training rows it flags ${range((o) => o.observed.train)} across models (${calibText}); on the test split ${range((o) => o.observed.test)}${driftText}.`,
    );
  }
  const fallbacks = outcomes.filter((o) => o.variant === "global" && o.rule === "pot" && o.tail === null);
  if (fallbacks.length)
    out.push(
      `The GPD tail fit fell back to the empirical quantile for ${fallbacks.map((o) => o.model).join(", ")}: ${fallbacks[0]!.warnings.join(" ")}`,
    );
  const fitted = outcomes.filter((o) => o.tail);
  if (fitted.length)
    out.push(
      `Fitted GPD tail shapes: ${fitted.map((o) => `${o.model} ξ = ${o.tail!.shape.toFixed(2)}`).join(", ")} (ξ > 0: heavy-tailed errors, so a normal-theory k·σ rule would under-flag extremes).`,
    );
  const perToken = outcomes.filter((o) => o.variant === "per-token");
  if (perToken.some((o) => o.tokensOwn > 0)) {
    // Does a threshold per token hold its training flag rate out of sample better than one
    // global threshold? (Test rate / training rate; 1 = the rate holds.)
    const ratio = (v: ThresholdVariant) => {
      const r = outcomes
        .filter((o) => o.variant === v && o.observed.train > 0 && Number.isFinite(o.observed.test))
        .map((o) => o.observed.test / o.observed.train);
      return r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN;
    };
    const g = ratio("global"),
      t = ratio("per-token");
    if (Number.isFinite(g) && Number.isFinite(t)) {
      out.push(
        `Averaged over models and rules, the test flag rate is ${g.toFixed(2)}× the training rate with global thresholds and ${t.toFixed(2)}× with per-token thresholds (1 = the rate holds out of sample)${Math.abs(t - 1) < Math.abs(g - 1) ? ": thresholds per token track each token's own error level and hold their rate better" : ""}.`,
      );
    }
  }
  if (perToken.length) {
    const own = Math.max(...perToken.map((o) => o.tokensOwn));
    const all = perToken[0]!.tokensOwn + perToken[0]!.tokensGlobal;
    out.push(
      own === 0
        ? `Per-token thresholds: no token has the ${MIN_GROUP_SIZE} training rows a token needs for its own threshold, so every token uses the global one.`
        : `Per-token thresholds: up to ${own} of ${all} tokens have their own threshold (at least ${MIN_GROUP_SIZE} training rows and a usable fit); the rest use the global one.`,
    );
  }
  return out;
}

/** Findings about ground truth: best detector vs PCA, consensus, and which model finds which kind best. */
export function groundTruthFindings(gt: GroundTruthResult): string[] {
  const out: string[] = [];
  const f = (x: number | null) => (x === null ? "n/a" : x.toFixed(3));
  const b = gt.baseline;
  out.push(
    `Best ROC-AUC: **${gt.best.name} ${f(gt.best.rocAuc)}** (PR-AUC ${f(gt.best.averagePrecision)}) on ${gt.best.rows.toLocaleString("en-US")} rows with ${gt.best.anomalies.toLocaleString("en-US")} labelled anomalies` +
      (b
        ? `; the PCA baseline reaches ${f(b.rocAuc)} (PR-AUC ${f(b.averagePrecision)})${b.rocAuc !== null && gt.best.rocAuc !== null ? `, ${gt.best.rocAuc > b.rocAuc ? `${(gt.best.rocAuc - b.rocAuc).toFixed(3)} below the best` : "the best itself"}` : ""}.`
        : "."),
  );
  if (b && b.rocAuc !== null) {
    const mse = gt.detectors.filter((q) => q.name.endsWith("· MSE") && q !== b && q.rocAuc !== null);
    const beat = mse.filter((q) => q.rocAuc! > b.rocAuc!);
    const list = (qs: DetectionQuality[]) =>
      qs.map((q) => `${q.name.split(" · ")[0]} ${q.rocAuc!.toFixed(3)}`).join(", ");
    if (mse.length) {
      out.push(
        beat.length === mse.length
          ? `On MSE every autoencoder beats PCA's ${b.rocAuc.toFixed(3)} (${list(mse)}).`
          : beat.length === 0
            ? `On MSE no autoencoder beats PCA's ${b.rocAuc.toFixed(3)} (${list(mse)}): the linear baseline is hard to beat on these anomalies.`
            : `On MSE, ${list(beat)} beat PCA's ${b.rocAuc.toFixed(3)}; ${list(mse.filter((q) => !beat.includes(q)))} do not.`,
      );
    }
  }
  const windows = gt.detectors.filter((q) => WINDOW_MODELS.some((m) => q.name.startsWith(`${m} ·`)) && q.rows > 0);
  const days = gt.detectors.find(
    (q) => !WINDOW_MODELS.some((m) => q.name.startsWith(`${m} ·`)) && q.rows > 0 && q.name !== "consensus",
  );
  if (windows.length && days) {
    out.push(
      `${windows[0]!.name.split(" · ")[0]} scores windows, anomalous when any of their days is: ${pct(windows[0]!.anomalies / windows[0]!.rows)} of its windows are positive against ${pct(days.anomalies / days.rows, 2)} of token-days, so its PR-AUC and precision@k are not comparable with the row models' (its ROC-AUC is).`,
    );
  }
  if (gt.consensus && gt.consensus.rocAuc !== null)
    out.push(
      `The consensus of the autoencoders (mean rank-normalised MSE) reaches ROC-AUC ${f(gt.consensus.rocAuc)} and PR-AUC ${f(gt.consensus.averagePrecision)}.`,
    );
  if (gt.bestByKind.length) {
    out.push(
      `By kind (ROC-AUC against normal rows): ${gt.bestByKind.map((k) => `**${k.kind}** best found by ${k.best} (${k.auc.toFixed(3)}, ${k.rows} rows${k.runnerUp ? `; next ${k.runnerUp} ${k.runnerUpAuc!.toFixed(3)}` : ""})`).join("; ")}.`,
    );
    const hard = gt.bestByKind.filter((k) => k.auc < 0.7);
    if (hard.length)
      out.push(
        `Hard for every detector: ${hard.map((k) => `${k.kind} (best ${k.auc.toFixed(3)})`).join(", ")} — reconstruction error barely separates these rows from normal ones.`,
      );
  }
  return out;
}

/** Findings about the stress index and the crash-day check. */
export function stressFindings(
  stress: readonly StressDay[],
  checks: readonly EventCheck[],
  kind: "simulated" | "documented",
  options: { minTokens?: number; topN?: number } = {},
): string[] {
  const minTokens = options.minTokens ?? MIN_STRESS_TOKENS;
  const topN = options.topN ?? TOP_STRESS_DAYS;
  const out: string[] = [];
  const { ranked } = rankStressDays(stress, minTokens);
  if (ranked.length === 0) return [`No day has the ${minTokens} scored tokens the stress ranking needs.`];
  const top = ranked[0]!;
  const mean = ranked.reduce((a, d) => a + d.share, 0) / ranked.length;
  out.push(
    `The top stress day is **${top.date}**: ${top.flagged} of ${top.tokens} tokens flagged (${pct(top.share)}), against ${pct(mean, 2)} on an average day over ${ranked.length} ranked days.`,
  );
  const label = kind === "simulated" ? "simulated crash day" : "documented market-wide event";
  if (checks.length === 0) {
    out.push(`No ${label} falls inside the scored days, so the crash-day check has nothing to test.`);
    return out;
  }
  const scored = checks.filter((c) => c.rankWithLag !== null);
  const inTop = scored.filter((c) => c.inTop);
  out.push(
    `Of ${checks.length} ${label}${checks.length === 1 ? "" : "s"}, ${scored.length} ${scored.length === 1 ? "falls" : "fall"} on scored days; ${inTop.length === 0 ? "none ranks" : `${inTop.length} ${inTop.length === 1 ? "ranks" : "rank"}`} in the top ${topN} stress days` +
      (scored.length
        ? ` (${scored.map((c) => `${c.event.split(" ")[0]}: rank ${c.rankWithLag} of ${c.of}, ${pct(c.shareWithLag ?? 0)} of tokens flagged${c.rank !== null && c.rank !== c.rankWithLag ? `; the event day itself ranks ${c.rank}` : ""}`).join("; ")}).`
        : "."),
  );
  return out;
}

/** Findings about the event study: forward returns and volatility after flags against controls. */
export function eventStudyFindings(r: EventStudyResult): string[] {
  const out: string[] = [];
  for (const h of r.horizons) {
    if (!h.diffReturn || !h.diffVol) continue;
    const sig = (x: { lo: number; hi: number }) =>
      x.lo > 0 ? "above" : x.hi < 0 ? "below" : "not distinguishable from";
    out.push(
      `${h.horizon} day${h.horizon > 1 ? "s" : ""} after a flag (${h.nEvents} events, ${h.nTokens} tokens): forward log return ${h.diffReturn.estimate >= 0 ? "+" : ""}${h.diffReturn.estimate.toFixed(4)} vs matched days ` +
        `[95% CI ${h.diffReturn.lo.toFixed(4)}, ${h.diffReturn.hi.toFixed(4)}], ${sig(h.diffReturn)} the controls; realised volatility ${h.diffVol.estimate >= 0 ? "+" : ""}${h.diffVol.estimate.toFixed(4)} ` +
        `[${h.diffVol.lo.toFixed(4)}, ${h.diffVol.hi.toFixed(4)}], ${sig(h.diffVol)} the controls.`,
    );
  }
  return out;
}

/**
 * The grid as a table artifact: token, day, split, label, each model's aligned score,
 * the consensus and its flag (for the evaluation notebooks).
 */
export function gridTable(
  aligned: AlignedScores,
  consensus: Consensus,
  flags: Int8Array,
  tokens: readonly TokenInfo[],
): Record<string, string[] | Int32Array | Float64Array | Int8Array> {
  const cols: Record<string, string[] | Int32Array | Float64Array | Int8Array> = {
    token: Array.from(aligned.token, (t) => tokens[t]?.id ?? String(t)),
    symbol: Array.from(aligned.token, (t) => tokens[t]?.symbol ?? ""),
    day: aligned.day,
    date: Array.from(aligned.day, dayToIso),
    split: Array.from(aligned.split, (s) => SPLIT_NAMES[s] ?? ""),
    anomaly: aligned.kind ? Array.from(aligned.kind, (k) => ANOMALY_KINDS[k]!) : Array.from(aligned.day, () => ""),
  };
  for (const m of aligned.models) cols[`${aligned.score}_${m}`] = aligned.scores[m]!;
  cols.consensus = consensus.score;
  cols.consensus_flag = flags;
  return cols;
}
