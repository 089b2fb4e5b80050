/**
 * Downstream use of learned representations: do the latent codes help with the things a
 * quant actually does with a market panel, compared with the raw features and PCA?
 *
 *  - Prediction. Forward realised volatility (1 and 5 days) by ridge regression and the
 *    sign of the next 5-day return by logistic regression, fitted on the training split
 *    and scored out of sample on the test split. Ridge's penalty is chosen on the
 *    validation split. Uncertainty comes from a block bootstrap over calendar blocks of
 *    test days, because rows of one day share the market's shock (cross-sectional
 *    correlation) and overlapping 5-day targets are serially correlated: a plain row
 *    bootstrap would be far too optimistic.
 *  - Risk. Tokens clustered by their average latent vector (k-means, seeded) against
 *    sectors and random groupings of the same sizes: how coherent is each grouping (mean
 *    within-group return correlation), how well does it separate risk (portfolio vols,
 *    drawdowns, correlation between group portfolios). And a one-day 95% VaR/ES backtest
 *    from a representation-based volatility forecast, with Kupiec's coverage test.
 *
 * Leakage rules: every target is computed from the panel strictly after the row's day
 * (day t's features use data up to t; targets use closes and ranges of t+1..t+h); the
 * models are fitted on the training split only, the ridge penalty and the VaR quantile
 * are chosen on the validation split, and the test split is only scored. A target that
 * needs a day the panel does not have (end of data, a missing day) is NaN and its row is
 * dropped and counted, never filled.
 */

import type { Matrix } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import type { Panel } from "../data/panel";
import type { LatentFrame } from "../models/latents";
import { ridgePath, type RidgeProbeResult } from "../stats/ridge";
import { clusterBootstrapStatistic, type BootstrapResult } from "../stats/bootstrap";
import { standardiser } from "../stats/linalg";
import { fitLogistic, PROBE_L2, predictLogistic } from "../stats/logistic";
import { weightedRocAuc } from "../stats/roc";

/** Split codes used here (as in lib/features/dataset.ts SPLIT_NAMES). */

/** L2 penalty of the direction probe on its weight vector: PROBE_L2 (on the 2-class softmax, whose two weight rows split it, hence the 2). */
export const BINARY_PROBE_L2 = 2 * PROBE_L2;
export const SPLIT_CODES = { train: 0, validation: 1, test: 2 } as const;

/** Parkinson (1980): E[ln(H/L)^2] = 4 ln 2 sigma^2 for a driftless diffusion, so sigma = ln(H/L) / sqrt(4 ln 2). */
export const PARKINSON_SCALE = 1 / Math.sqrt(4 * Math.LN2);

/** Floor of a daily volatility before taking logs: 1 basis point, below any traded token's typical day (a zero range is a stale print). */
export const VOL_FLOOR = 1e-4;

/** Trading days per year in crypto (markets never close), for annualising. */
export const ANNUALISATION_DAYS = 365;

/** Default ridge penalties tried on the validation split (standardised inputs; 0.1 .. 1e4 spans "none" to "heavy"). */
export const DEFAULT_RIDGE_ALPHAS = [0.1, 1, 10, 100, 1000, 10000];

/** Default block length for the bootstrap: a calendar week of test days (blocks keep each day's cross-section and a week's serial dependence together). */
export const DEFAULT_BLOCK_DAYS = 7;

/** Default bootstrap replicates for the downstream intervals (Monte-Carlo error of a 95% bound ~ 0.02 sd). */
export const DEFAULT_DOWNSTREAM_BOOT = 500;

// ---------------------------------------------------------------------------------------
// Forward targets

/** How one day's volatility is measured. */
export type VolEstimator = "range" | "close";

/** Forward targets per panel row (NaN where the panel lacks a day the target needs). */
export interface ForwardTargets {
  horizons: number[];
  estimator: VolEstimator;
  /** `[nPanelRows]` per horizon h: ln(C[t+h] / C[t]). */
  forwardReturn: Record<number, Float64Array>;
  /** `[nPanelRows]` per horizon h: sqrt(mean over k = 1..h of v[t+k]^2), v = the day's volatility (see estimator). */
  forwardVol: Record<number, Float64Array>;
  /** `[nPanelRows]` ln(C[t+1] / C[t]): the next day's log return (the VaR backtest's P&L). */
  nextReturn: Float64Array;
  /** Rows with no complete horizon-h future, per horizon. */
  missing: Record<number, number>;
}

/** Share of panel rows with a usable high-low range at or above which forward volatility uses the range. */
export const MIN_RANGE_SHARE = 0.5;

/**
 * The volatility estimator the panel supports: "range" (Parkinson, from high and low) when
 * at least MIN_RANGE_SHARE of its rows have a usable range, else "close" (absolute daily
 * log returns): price-only sources (CoinGecko, close-only files) have no high or low.
 */
export function volEstimatorFor(panel: Pick<Panel, "high" | "low">): VolEstimator {
  const n = panel.high.length;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const hi = panel.high[i]!,
      lo = panel.low[i]!;
    if (hi > 0 && lo > 0 && hi >= lo) ok++;
  }
  return n > 0 && ok / n >= MIN_RANGE_SHARE ? "range" : "close";
}

/**
 * Forward targets from a panel sorted by (token, day). For row (token, t) and horizon h,
 * the target exists only when the token has rows for every day t+1..t+h: because days are
 * unique and sorted within a token, that is exactly when the row h positions later has
 * the same token and day t+h.
 * One day's volatility is, with "range" (default), Parkinson's estimate
 * ln(H/L) / sqrt(4 ln 2), about five times as efficient as a squared close-to-close return;
 * with "close", |ln(C[t+k] / C[t+k-1])|.
 * @throws when the panel is not sorted by (token, day), or a horizon is not a positive integer.
 */
export function forwardTargets(
  panel: Panel,
  horizons: number[] = [1, 5],
  estimator: VolEstimator = "range",
): ForwardTargets {
  for (const h of horizons)
    if (!Number.isInteger(h) || h < 1)
      throw new Error(`forwardTargets: horizon ${h} must be a positive integer number of days.`);
  if (estimator !== "range" && estimator !== "close")
    throw new Error(`forwardTargets: estimator "${String(estimator)}" is unknown; use "range" or "close".`);
  const n = panel.day.length;
  for (let i = 1; i < n; i++) {
    const t = panel.token[i]!,
      pt = panel.token[i - 1]!;
    if (t < pt || (t === pt && panel.day[i]! <= panel.day[i - 1]!)) {
      throw new Error(
        `forwardTargets: panel row ${i} is not sorted by (token, day) or repeats a key; build the panel with the project's loaders (they sort and validate).`,
      );
    }
  }
  // Daily volatility v[i] of row i's own day, and log return into row i from the previous day.
  const dayVol = new Float64Array(n).fill(NaN);
  const retIn = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    const c = panel.close[i]!;
    if (i > 0 && panel.token[i - 1] === panel.token[i] && panel.day[i - 1] === panel.day[i]! - 1) {
      const p = panel.close[i - 1]!;
      if (c > 0 && p > 0) retIn[i] = Math.log(c / p);
    }
    if (estimator === "range") {
      const hi = panel.high[i]!,
        lo = panel.low[i]!;
      if (hi > 0 && lo > 0 && hi >= lo) dayVol[i] = Math.log(hi / lo) * PARKINSON_SCALE;
    } else {
      dayVol[i] = Math.abs(retIn[i]!);
    }
  }
  const forwardReturn: Record<number, Float64Array> = {};
  const forwardVol: Record<number, Float64Array> = {};
  const missing: Record<number, number> = {};
  for (const h of horizons) {
    const fr = new Float64Array(n).fill(NaN);
    const fv = new Float64Array(n).fill(NaN);
    let miss = 0;
    for (let i = 0; i < n; i++) {
      const j = i + h;
      if (j >= n || panel.token[j] !== panel.token[i] || panel.day[j] !== panel.day[i]! + h) {
        miss++;
        continue;
      }
      const c0 = panel.close[i]!,
        ch = panel.close[j]!;
      if (c0 > 0 && ch > 0) fr[i] = Math.log(ch / c0);
      let s = 0;
      let ok = true;
      for (let k = i + 1; k <= j; k++) {
        const v = dayVol[k]!;
        if (!Number.isFinite(v)) {
          ok = false;
          break;
        }
        s += v * v;
      }
      if (ok) fv[i] = Math.sqrt(s / h);
      if (!Number.isFinite(fr[i]!) || !ok) miss++;
    }
    forwardReturn[h] = fr;
    forwardVol[h] = fv;
    missing[h] = miss;
  }
  const nextReturn = new Float64Array(n).fill(NaN);
  for (let i = 0; i + 1 < n; i++) nextReturn[i] = retIn[i + 1]!;
  for (let i = 0; i + 1 < n; i++) if (panel.token[i + 1] !== panel.token[i]) nextReturn[i] = NaN;
  return { horizons, estimator, forwardReturn, forwardVol, nextReturn, missing };
}

/** Lookup of panel rows by (token index, day). */
export class PanelIndex {
  private readonly first: Int32Array;
  private readonly offsets: Int32Array;
  private readonly slots: Int32Array;

  /** @param panel any panel (rows may be in any order; keys must be unique). */
  constructor(panel: Pick<Panel, "token" | "day" | "tokens">) {
    const nt = panel.tokens.length;
    const lo = new Int32Array(nt).fill(2 ** 31 - 1);
    const hi = new Int32Array(nt).fill(-(2 ** 31));
    for (let i = 0; i < panel.day.length; i++) {
      const t = panel.token[i]!;
      lo[t] = Math.min(lo[t]!, panel.day[i]!);
      hi[t] = Math.max(hi[t]!, panel.day[i]!);
    }
    this.first = lo;
    this.offsets = new Int32Array(nt + 1);
    for (let t = 0; t < nt; t++) this.offsets[t + 1] = this.offsets[t]! + (hi[t]! >= lo[t]! ? hi[t]! - lo[t]! + 1 : 0);
    this.slots = new Int32Array(this.offsets[nt]!).fill(-1);
    for (let i = 0; i < panel.day.length; i++) {
      const t = panel.token[i]!;
      const s = this.offsets[t]! + panel.day[i]! - lo[t]!;
      if (this.slots[s] !== -1)
        throw new Error(
          `PanelIndex: token ${panel.tokens[t]?.id ?? t} has two rows for day ${panel.day[i]}; panel keys must be unique.`,
        );
      this.slots[s] = i;
    }
  }

  /** Panel row of (token, day), or -1. */
  row(token: number, day: number): number {
    if (token < 0 || token >= this.first.length) return -1;
    const k = day - this.first[token]!;
    if (k < 0 || k >= this.offsets[token + 1]! - this.offsets[token]!) return -1;
    return this.slots[this.offsets[token]! + k]!;
  }

  /** Panel rows of many keys (-1 where absent). */
  rows(token: Int32Array, day: Int32Array): Int32Array {
    return Int32Array.from(token, (t, i) => this.row(t, day[i]!));
  }
}

/** Values of a per-panel-row array at the given panel rows (NaN where the row is -1). */
export function gather(values: Float64Array, panelRows: Int32Array): Float64Array {
  return Float64Array.from(panelRows, (r) => (r >= 0 ? values[r]! : NaN));
}

// ---------------------------------------------------------------------------------------
// Representations

/** Rows of one representation: inputs with their keys and split. */
export interface Representation {
  /** Display name, e.g. "AE latents". */
  name: string;
  /** `[n, d]` inputs. */
  X: Matrix;
  /** `[n]` token index (into the panel's token list) and UTC day of each row. */
  token: Int32Array;
  day: Int32Array;
  /** `[n]` split code: 0 train, 1 validation, 2 test (other codes are ignored). */
  split: Int8Array;
}

function splitCode(s: string): number {
  const code = (SPLIT_CODES as Record<string, number>)[s];
  return code === undefined ? 3 : code;
}

/** A representation from a model's df_latents (it must carry the split column). */
export function representationFromFrame(frame: LatentFrame, name: string): Representation {
  if (!frame.split)
    throw new Error(
      `The ${frame.model} latents have no split column; rerun the notebook that wrote latents-${frame.model} (model notebooks save the split with every row).`,
    );
  return { name, X: frame.latents, token: frame.token, day: frame.day, split: Int8Array.from(frame.split, splitCode) };
}

/** The rows of a dataset-like object in a split (codes 0-2), optionally some columns only. */
export function featureRepresentation(
  d: { X: Matrix; token: Int32Array; day: Int32Array; split: Int8Array },
  name: string,
  columns?: number[],
): Representation {
  const rows: number[] = [];
  for (let i = 0; i < d.split.length; i++) if (d.split[i]! >= 0 && d.split[i]! <= 2) rows.push(i);
  const cols = columns ?? Array.from({ length: d.X.cols }, (_, j) => j);
  const data = new Float32Array(rows.length * cols.length);
  rows.forEach((i, k) => cols.forEach((j, q) => (data[k * cols.length + q] = d.X.data[i * d.X.cols + j]!)));
  return {
    name,
    X: { data, rows: rows.length, cols: cols.length },
    token: Int32Array.from(rows, (i) => d.token[i]!),
    day: Int32Array.from(rows, (i) => d.day[i]!),
    split: Int8Array.from(rows, (i) => d.split[i]!),
  };
}

/** The trailing-volatility features of the HAR-style benchmark (Corsi, 2009): daily, ~2-week and monthly horizons. */
export const HAR_FEATURES = ["hl_range", "vol_10d", "vol_30d"] as const;

/**
 * The daily term on price-only data (no high and low, so no hl_range): the absolute daily
 * log return |logret_1d|, the usual one-observation proxy of a day's volatility.
 */
export const HAR_DAILY_FALLBACK = "logret_1d";

/**
 * The volatility forecaster's benchmark: logs of the trailing volatilities of the raw
 * (unscaled) features, ln(max(v, VOL_FLOOR)), for the features in HAR_FEATURES. A
 * representation has to beat this to be worth using for volatility. On price-only data
 * (no hl_range) the daily term is |logret_1d| (HAR_DAILY_FALLBACK).
 * @throws naming the missing features when the dataset lacks them.
 */
export function harRepresentation(
  d: { raw: Matrix; token: Int32Array; day: Int32Array; split: Int8Array; featureNames: string[] },
  name = "HAR (trailing vols)",
): Representation {
  const cols = HAR_FEATURES.map((f) => d.featureNames.indexOf(f));
  const fallback = d.featureNames.indexOf(HAR_DAILY_FALLBACK);
  // The daily term: hl_range, else |logret_1d| on price-only data.
  const abs = cols[0]! < 0 && fallback >= 0;
  if (abs) cols[0] = fallback;
  const absent = HAR_FEATURES.filter((_, k) => cols[k]! < 0);
  if (absent.length)
    throw new Error(
      `harRepresentation: the features ${absent.join(", ")} are missing (have: ${d.featureNames.join(", ")}); build features with the default catalogue (${HAR_DAILY_FALLBACK} can stand in for hl_range).`,
    );
  const logged = new Float32Array(d.raw.rows * cols.length);
  for (let i = 0; i < d.raw.rows; i++)
    cols.forEach((j, q) => {
      const v = d.raw.data[i * d.raw.cols + j]!;
      logged[i * cols.length + q] = Math.log(Math.max(abs && q === 0 ? Math.abs(v) : v, VOL_FLOOR));
    });
  return featureRepresentation(
    { X: { data: logged, rows: d.raw.rows, cols: cols.length }, token: d.token, day: d.day, split: d.split },
    name,
  );
}

/** Keep only rows whose token passes `keep` (e.g. drop stablecoins). */
export function filterTokens(rep: Representation, keep: (token: number) => boolean): Representation {
  const rows: number[] = [];
  for (let i = 0; i < rep.token.length; i++) if (keep(rep.token[i]!)) rows.push(i);
  return subsetRows(rep, Int32Array.from(rows));
}

/** The rows of a representation at the given positions. */
export function subsetRows(rep: Representation, rows: Int32Array): Representation {
  const d = rep.X.cols;
  const data = new Float32Array(rows.length * d);
  rows.forEach((i, k) => data.set(rep.X.data.subarray(i * d, (i + 1) * d), k * d));
  return {
    name: rep.name,
    X: { data, rows: rows.length, cols: d },
    token: Int32Array.from(rows, (i) => rep.token[i]!),
    day: Int32Array.from(rows, (i) => rep.day[i]!),
    split: Int8Array.from(rows, (i) => rep.split[i]!),
  };
}

export function takeMatrix(X: Matrix, rows: ArrayLike<number>): Matrix {
  const d = X.cols;
  const data = new Float32Array(rows.length * d);
  for (let k = 0; k < rows.length; k++) data.set(X.data.subarray(rows[k]! * d, (rows[k]! + 1) * d), k * d);
  return { data, rows: rows.length, cols: d };
}

function finiteRows(X: Matrix, y: Float64Array | null, split: Int8Array, code: number): Int32Array {
  const out: number[] = [];
  const d = X.cols;
  outer: for (let i = 0; i < X.rows; i++) {
    if (split[i] !== code) continue;
    if (y && !Number.isFinite(y[i]!)) continue;
    for (let j = 0; j < d; j++) if (!Number.isFinite(X.data[i * d + j]!)) continue outer;
    out.push(i);
  }
  return Int32Array.from(out);
}

/** R^2 of predictions about the mean of the true values (1 - SS_res / SS_tot). */
export function rSquared(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, rows?: ArrayLike<number>): number {
  const n = rows ? rows.length : yTrue.length;
  if (n < 2) return NaN;
  let m = 0;
  for (let k = 0; k < n; k++) m += yTrue[rows ? rows[k]! : k]!;
  m /= n;
  let res = 0,
    tot = 0;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k]! : k;
    res += (yTrue[i]! - yPred[i]!) ** 2;
    tot += (yTrue[i]! - m) ** 2;
  }
  return tot > 0 ? 1 - res / tot : NaN;
}

/** Options of regressionProbe and classificationProbe. */
export interface ProbeOptions {
  /** Stream for the block bootstrap. */
  rng: Rng;
  /** Ridge penalties tried on the validation split (default DEFAULT_RIDGE_ALPHAS). */
  alphas?: number[];
  /** Bootstrap block length in days (default DEFAULT_BLOCK_DAYS). */
  blockDays?: number;
  /** Bootstrap replicates (default DEFAULT_DOWNSTREAM_BOOT); 0 skips the intervals (they come back NaN). */
  nBoot?: number;
}

/** Out-of-sample quality of a ridge forecast from one representation. */
export interface RegressionOutcome {
  representation: string;
  /** Input dimension. */
  dims: number;
  /** Penalty chosen on the validation split. */
  alpha: number;
  valR2: number;
  trainR2: number;
  /** R^2 on the test split (out of sample; can be negative). */
  testR2: number;
  testMse: number;
  /** 95% block-bootstrap interval of testR2 (blocks of test days). */
  ci: [number, number];
  nTrain: number;
  nValidation: number;
  nTest: number;
  /** `[n rows of the representation]` predictions of the final model (NaN where inputs are not finite). */
  predictions: Float64Array;
  /** Positions (in the representation) of the test rows scored. */
  testRows: Int32Array;
}

/**
 * Ridge forecast of y from a representation: fitted on its training rows (ridgeProbe,
 * standardised inputs), penalty chosen by validation R^2, scored on the test rows, with a
 * block-bootstrap interval of the test R^2.
 * @param y `[n rows of rep]` target per row; NaN rows are skipped.
 */
export function regressionProbe(rep: Representation, y: Float64Array, o: ProbeOptions): RegressionOutcome {
  if (y.length !== rep.X.rows)
    throw new Error(
      `regressionProbe: ${rep.name} has ${rep.X.rows} rows but the target has ${y.length}; align targets with gather(values, index.rows(rep.token, rep.day)).`,
    );
  const tr = finiteRows(rep.X, y, rep.split, 0);
  const va = finiteRows(rep.X, y, rep.split, 1);
  const te = finiteRows(rep.X, y, rep.split, 2);
  for (const [name, rows] of [
    ["training", tr],
    ["validation", va],
    ["test", te],
  ] as const) {
    if (rows.length < 2)
      throw new Error(
        `regressionProbe: ${rep.name} has ${rows.length} ${name} rows with a finite target; the split is too short for this horizon or the latents do not cover it.`,
      );
  }
  const Xtr = takeMatrix(rep.X, tr),
    Xva = takeMatrix(rep.X, va),
    Xte = takeMatrix(rep.X, te);
  const ytr = Float64Array.from(tr, (i) => y[i]!),
    yva = Float64Array.from(va, (i) => y[i]!),
    yte = Float64Array.from(te, (i) => y[i]!);
  let best: { alpha: number; r2: number } | null = null;
  const path = ridgePath(Xtr, ytr);
  for (const alpha of o.alphas ?? DEFAULT_RIDGE_ALPHAS) {
    const r = path.probe(alpha, Xva, yva);
    if (!best || r.r2 > best.r2) best = { alpha, r2: r.r2 };
  }
  const fit = path.probe(best!.alpha, Xte, yte);
  const predictions = ridgePredict(fit, rep.X, tr);
  const ci = blockBootstrap(rep.day, te, (rows) => rSquared(y, predictions, rows), o);
  return {
    representation: rep.name,
    dims: rep.X.cols,
    alpha: best!.alpha,
    valR2: best!.r2,
    trainR2: fit.trainR2,
    testR2: fit.r2,
    testMse: fit.mse,
    ci: [ci.lo, ci.hi],
    nTrain: tr.length,
    nValidation: va.length,
    nTest: te.length,
    predictions,
    testRows: te,
  };
}

/**
 * Predictions of a ridgeProbe fit for every row of X: the coefficients apply to inputs
 * standardised with the statistics of the training rows the probe was fitted on.
 * @param trainRows positions in X of the rows passed to ridgeProbe as Xtrain, in order.
 */
export function ridgePredict(fit: RidgeProbeResult, X: Matrix, trainRows: ArrayLike<number>): Float64Array {
  if (fit.coefficients.length !== X.cols)
    throw new Error(`ridgePredict: the fit has ${fit.coefficients.length} coefficients but X has ${X.cols} columns.`);
  const st = standardiser(X, trainRows);
  const d = X.cols;
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let p = fit.intercept;
    for (let j = 0; j < d; j++) p += ((X.data[i * d + j]! - st.mean[j]!) / st.sd[j]!) * fit.coefficients[j]!;
    out[i] = p;
  }
  return out;
}

/** Block bootstrap of a statistic over the given rows, blocks = floor(day / blockDays). */
function blockBootstrap(
  day: Int32Array,
  rows: Int32Array,
  statistic: (rows: Int32Array) => number,
  o: ProbeOptions,
): BootstrapResult {
  return blockBootstrapPositions(
    day,
    rows,
    (k) => {
      // A plain loop: Int32Array.from(k, mapFn) walks the iterator protocol, ~20x slower, and
      // this runs once per replicate of every probe (most of notebook 10's CPU).
      const picked = new Int32Array(k.length);
      for (let q = 0; q < k.length; q++) picked[q] = rows[k[q]!]!;
      return statistic(picked);
    },
    o,
  );
}

/** As blockBootstrap, but the statistic receives positions into `rows` (0..rows.length-1, with repeats). */
function blockBootstrapPositions(
  day: Int32Array,
  rows: Int32Array,
  statistic: (positions: Int32Array) => number,
  o: ProbeOptions,
): BootstrapResult {
  const nBoot = o.nBoot ?? DEFAULT_DOWNSTREAM_BOOT;
  if (nBoot === 0) {
    const all = Int32Array.from({ length: rows.length }, (_, k) => k);
    return {
      estimate: statistic(all),
      lo: NaN,
      hi: NaN,
      se: NaN,
      alpha: 0.05,
      nBoot: 0,
      nValid: 0,
      nUnits: 0,
      resampled: "clusters",
      warnings: ["bootstrap skipped (nBoot = 0)"],
    };
  }
  const block = o.blockDays ?? DEFAULT_BLOCK_DAYS;
  const groups = Int32Array.from(rows, (i) => Math.floor(day[i]! / block));
  return clusterBootstrapStatistic(groups, statistic, { rng: o.rng, nBoot });
}

/**
 * Block-bootstrap interval of the difference in test R^2 between two forecasts of the same
 * target on the same rows (a paired comparison: both see the same resampled blocks).
 */
export function pairedR2Difference(
  y: Float64Array,
  predA: Float64Array,
  predB: Float64Array,
  day: Int32Array,
  rows: Int32Array,
  o: ProbeOptions,
): BootstrapResult {
  return blockBootstrap(day, rows, (r) => rSquared(y, predA, r) - rSquared(y, predB, r), o);
}

/** Out-of-sample quality of a direction classifier from one representation. */
export interface ClassificationOutcome {
  representation: string;
  dims: number;
  /** Test accuracy of predicting "up" when P(up) > 0.5. */
  accuracy: number;
  /** Test accuracy of always predicting the training split's majority class. */
  majorityAccuracy: number;
  /** The training majority class (1 = up). */
  majorityClass: number;
  /** Share of "up" labels in the test split. */
  testUpRate: number;
  /** accuracy - majorityAccuracy with its 95% block-bootstrap interval. */
  edge: number;
  edgeCi: [number, number];
  /** Test ROC-AUC of P(up) (0.5 = no skill). */
  auc: number;
  aucCi: [number, number];
  trainAccuracy: number;
  nTrain: number;
  nTest: number;
  converged: boolean;
}

/**
 * Logistic classifier of a 0/1 label (e.g. next 5-day return > 0) from a representation:
 * fitted on the training rows, scored on the test rows against always predicting the
 * training majority class, with block-bootstrap intervals.
 * @param y `[n rows of rep]` labels 0/1 (NaN rows are skipped).
 */
export function classificationProbe(rep: Representation, y: Float64Array, o: ProbeOptions): ClassificationOutcome {
  if (y.length !== rep.X.rows)
    throw new Error(`classificationProbe: ${rep.name} has ${rep.X.rows} rows but the labels have ${y.length}.`);
  const tr = finiteRows(rep.X, y, rep.split, 0);
  const te = finiteRows(rep.X, y, rep.split, 2);
  if (te.length < 2)
    throw new Error(
      `classificationProbe: ${rep.name} has ${te.length} test rows with a label; the test split is too short for this horizon.`,
    );
  // The softmax fit penalises both classes' weights; with two classes that halves the
  // penalty on their difference, so twice PROBE_L2 keeps the binary probe's own penalty.
  const fit = fitLogistic(rep.X, y, tr, { l2: BINARY_PROBE_L2 });
  const p = predictLogistic(fit, rep.X);
  let up = 0;
  for (const i of tr) up += y[i]!;
  const majorityClass = up * 2 >= tr.length ? 1 : 0;
  const acc = (rows: ArrayLike<number>): number => {
    let c = 0;
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k]!;
      if ((p[i]! > 0.5 ? 1 : 0) === y[i]) c++;
    }
    return c / rows.length;
  };
  const maj = (rows: ArrayLike<number>): number => {
    let c = 0;
    for (let k = 0; k < rows.length; k++) if (y[rows[k]!] === majorityClass) c++;
    return c / rows.length;
  };
  const teScores = Float64Array.from(te, (i) => p[i]!);
  const teLabels = Float64Array.from(te, (i) => y[i]!);
  const order = Int32Array.from({ length: te.length }, (_, k) => k).sort(
    (a, b) => teScores[a]! - teScores[b]! || a - b,
  );
  const weight = new Float64Array(te.length);
  const auc = (positions: Int32Array): number => {
    weight.fill(0);
    for (let q = 0; q < positions.length; q++) weight[positions[q]!]++;
    return weightedRocAuc(order, teScores, teLabels, weight);
  };
  const edge = blockBootstrap(rep.day, te, (rows) => acc(rows) - maj(rows), o);
  const aucB = blockBootstrapPositions(rep.day, te, auc, { ...o, rng: o.rng.fork("auc") });
  let testUp = 0;
  for (const i of te) testUp += y[i]!;
  return {
    representation: rep.name,
    dims: rep.X.cols,
    accuracy: acc(te),
    majorityAccuracy: maj(te),
    majorityClass,
    testUpRate: testUp / te.length,
    edge: edge.estimate,
    edgeCi: [edge.lo, edge.hi],
    auc: aucB.estimate,
    aucCi: [aucB.lo, aucB.hi],
    trainAccuracy: acc(tr),
    nTrain: tr.length,
    nTest: te.length,
    converged: fit.converged,
  };
}

// ---------------------------------------------------------------------------------------
// Suites: what notebook 10 runs, one call per part

/** Side-by-side columns of two representations on the rows of `a` that `b` also has (b's rows looked up by key). */
export function concatRepresentations(a: Representation, b: Representation, name: string): Representation {
  const at = new Map<number, number>();
  for (let i = 0; i < b.token.length; i++) at.set(b.token[i]! * 1_000_000 + b.day[i]!, i);
  const rows: number[] = [],
    partner: number[] = [];
  for (let i = 0; i < a.token.length; i++) {
    const j = at.get(a.token[i]! * 1_000_000 + a.day[i]!);
    if (j !== undefined) {
      rows.push(i);
      partner.push(j);
    }
  }
  const d = a.X.cols + b.X.cols;
  const data = new Float32Array(rows.length * d);
  rows.forEach((i, k) => {
    data.set(a.X.data.subarray(i * a.X.cols, (i + 1) * a.X.cols), k * d);
    const j = partner[k]!;
    data.set(b.X.data.subarray(j * b.X.cols, (j + 1) * b.X.cols), k * d + a.X.cols);
  });
  return {
    name,
    X: { data, rows: rows.length, cols: d },
    token: Int32Array.from(rows, (i) => a.token[i]!),
    day: Int32Array.from(rows, (i) => a.day[i]!),
    split: Int8Array.from(rows, (i) => a.split[i]!),
  };
}

/** The same rows with only some columns (e.g. the benchmark part of a concatenation). */
export function selectColumns(rep: Representation, columns: number[], name: string): Representation {
  const d = columns.length;
  const data = new Float32Array(rep.X.rows * d);
  for (let i = 0; i < rep.X.rows; i++) columns.forEach((j, q) => (data[i * d + q] = rep.X.data[i * rep.X.cols + j]!));
  return { name, X: { data, rows: rep.X.rows, cols: d }, token: rep.token, day: rep.day, split: rep.split };
}

/** Targets looked up for a representation's rows. */
export interface RowTargets {
  /** Per horizon: ln(max(forward vol, VOL_FLOOR)). */
  logVol: Record<number, Float64Array>;
  /** Per horizon: 1 when the forward return is > 0, 0 when < 0, NaN when missing or exactly 0. */
  up: Record<number, Float64Array>;
  /** Next-day log return. */
  nextReturn: Float64Array;
}

/** Look up the forward targets of every row of a representation (strictly after each row's day). */
export function rowTargets(rep: Representation, targets: ForwardTargets, index: PanelIndex): RowTargets {
  const rows = index.rows(rep.token, rep.day);
  const logVol: Record<number, Float64Array> = {};
  const up: Record<number, Float64Array> = {};
  for (const h of targets.horizons) {
    logVol[h] = gather(targets.forwardVol[h]!, rows).map((v) =>
      Number.isFinite(v) ? Math.log(Math.max(v, VOL_FLOOR)) : NaN,
    );
    up[h] = gather(targets.forwardReturn[h]!, rows).map((v) => (Number.isFinite(v) && v !== 0 ? (v > 0 ? 1 : 0) : NaN));
  }
  return { logVol, up, nextReturn: gather(targets.nextReturn, rows) };
}
