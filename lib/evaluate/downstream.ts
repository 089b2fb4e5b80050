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
import { ridgeProbe, type RidgeProbeResult } from "../stats/ridge";
import { clusterBootstrapStatistic, type BootstrapResult } from "../stats/bootstrap";
import { erfc, quantileSorted, std } from "../stats/descriptive";
import type { VlSpec } from "../viz/render";
import { standardiser } from "../stats/linalg";
import { fitLogistic, predictLogistic } from "../stats/logistic";
import { weightedRocAuc } from "../stats/roc";

/** Split codes used here (as in lib/features/dataset.ts SPLIT_NAMES). */
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
 * The volatility forecaster's benchmark: logs of the trailing volatilities of the raw
 * (unscaled) features, ln(max(v, VOL_FLOOR)), for the features in HAR_FEATURES. A
 * representation has to beat this to be worth using for volatility.
 * @throws naming the missing features when the dataset lacks them.
 */
export function harRepresentation(
  d: { raw: Matrix; token: Int32Array; day: Int32Array; split: Int8Array; featureNames: string[] },
  name = "HAR (trailing vols)",
): Representation {
  const cols = HAR_FEATURES.map((f) => d.featureNames.indexOf(f));
  const absent = HAR_FEATURES.filter((_, k) => cols[k]! < 0);
  if (absent.length)
    throw new Error(
      `harRepresentation: the features ${absent.join(", ")} are missing (have: ${d.featureNames.join(", ")}); build features with the default catalogue.`,
    );
  const logged = new Float32Array(d.raw.rows * cols.length);
  for (let i = 0; i < d.raw.rows; i++)
    cols.forEach(
      (j, q) => (logged[i * cols.length + q] = Math.log(Math.max(d.raw.data[i * d.raw.cols + j]!, VOL_FLOOR))),
    );
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

function takeMatrix(X: Matrix, rows: ArrayLike<number>): Matrix {
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
  for (const alpha of o.alphas ?? DEFAULT_RIDGE_ALPHAS) {
    const r = ridgeProbe(Xtr, ytr, Xva, yva, { alpha });
    if (!best || r.r2 > best.r2) best = { alpha, r2: r.r2 };
  }
  const fit = ridgeProbe(Xtr, ytr, Xte, yte, { alpha: best!.alpha });
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
  return blockBootstrapPositions(day, rows, (k) => statistic(Int32Array.from(k, (q) => rows[q]!)), o);
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
  const fit = fitLogistic(rep.X, y, tr);
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
// Token profiles and k-means

/** Mean representation vector of each token over one split. */
export interface TokenProfiles {
  /** Token indices with at least minRows rows, ascending. */
  tokens: Int32Array;
  /** `[tokens.length, d]` mean vector per token. */
  profiles: Matrix;
  /** Rows averaged per token. */
  counts: Int32Array;
}

/**
 * Average each token's rows of a representation over a split (default: training, so
 * clusters are formed before the test period they are judged on). Tokens with fewer than
 * `minRows` finite rows are left out (their average would be noise).
 */
export function tokenProfiles(rep: Representation, o: { split?: number; minRows?: number } = {}): TokenProfiles {
  const split = o.split ?? 0;
  const minRows = o.minRows ?? 1;
  const d = rep.X.cols;
  const sums = new Map<number, { s: Float64Array; n: number }>();
  outer: for (let i = 0; i < rep.X.rows; i++) {
    if (rep.split[i] !== split) continue;
    for (let j = 0; j < d; j++) if (!Number.isFinite(rep.X.data[i * d + j]!)) continue outer;
    const t = rep.token[i]!;
    let e = sums.get(t);
    if (!e) sums.set(t, (e = { s: new Float64Array(d), n: 0 }));
    for (let j = 0; j < d; j++) e.s[j] += rep.X.data[i * d + j]!;
    e.n++;
  }
  const tokens = [...sums.entries()]
    .filter(([, e]) => e.n >= minRows)
    .map(([t]) => t)
    .sort((a, b) => a - b);
  const data = new Float32Array(tokens.length * d);
  tokens.forEach((t, k) => {
    const e = sums.get(t)!;
    for (let j = 0; j < d; j++) data[k * d + j] = e.s[j]! / e.n;
  });
  return {
    tokens: Int32Array.from(tokens),
    profiles: { data, rows: tokens.length, cols: d },
    counts: Int32Array.from(tokens, (t) => sums.get(t)!.n),
  };
}

/** Z-score every column (population sd; constant columns become 0), so no dimension dominates distances. */
export function standardiseColumns(m: Matrix): Matrix {
  const rows = Int32Array.from({ length: m.rows }, (_, i) => i);
  const st = standardiser(m, rows);
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++)
    for (let j = 0; j < m.cols; j++) out[i * m.cols + j] = (m.data[i * m.cols + j]! - st.mean[j]!) / st.sd[j]!;
  return { data: out, rows: m.rows, cols: m.cols };
}

/** Result of k-means. */
export interface KMeansResult {
  /** `[n]` cluster of each row, 0..k-1, numbered by first appearance in row order (stable across equivalent solutions). */
  labels: Int32Array;
  /** `[k, d]` centroids (same numbering). */
  centroids: Float64Array;
  /** Sum of squared distances of rows to their centroid (the objective). */
  inertia: number;
  iterations: number;
  converged: boolean;
}

/** Options of kmeans. */
export interface KMeansOptions {
  /** Independent k-means++ starts; the lowest inertia wins (default 10, as sklearn). */
  nInit?: number;
  /** Lloyd iterations per start (default 100). */
  maxIter?: number;
}

/**
 * k-means (Lloyd's algorithm) with k-means++ seeding (Arthur & Vassilvitskii, 2007), nInit
 * seeded restarts, best inertia kept. An emptied cluster is re-seeded with the row farthest
 * from its centroid. Deterministic for a given rng state.
 * @param X `[n, d]` finite rows, n >= k.
 */
export function kmeans(X: Matrix, k: number, rng: Rng, o: KMeansOptions = {}): KMeansResult {
  const n = X.rows,
    d = X.cols;
  if (!Number.isInteger(k) || k < 1) throw new Error(`kmeans: k must be a positive integer, got ${k}.`);
  if (n < k) throw new Error(`kmeans: ${n} rows cannot form ${k} clusters; use k <= ${n}.`);
  for (let p = 0; p < X.data.length; p++)
    if (!Number.isFinite(X.data[p]!))
      throw new Error(
        `kmeans: value at [row ${Math.floor(p / d)}, col ${p % d}] is ${X.data[p]}; drop non-finite rows first (dropNonFinite).`,
      );
  const nInit = o.nInit ?? 10;
  const maxIter = o.maxIter ?? 100;
  const x = Float64Array.from(X.data);
  const dist2 = (i: number, c: Float64Array, q: number): number => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j]! - c[q * d + j]!;
      s += t * t;
    }
    return s;
  };
  let best: KMeansResult | null = null;
  for (let run = 0; run < nInit; run++) {
    const r = rng.fork(`kmeans-${run}`);
    const c = new Float64Array(k * d);
    // k-means++: first centre uniform, then proportional to squared distance to the nearest chosen centre.
    const first = r.int(n);
    for (let j = 0; j < d; j++) c[j] = x[first * d + j]!;
    const near = new Float64Array(n);
    for (let i = 0; i < n; i++) near[i] = dist2(i, c, 0);
    for (let q = 1; q < k; q++) {
      let total = 0;
      for (let i = 0; i < n; i++) total += near[i]!;
      let pick = 0;
      if (total > 0) {
        let u = r.uniform() * total;
        for (pick = 0; pick < n - 1; pick++) {
          u -= near[pick]!;
          if (u < 0) break;
        }
      } else pick = r.int(n);
      for (let j = 0; j < d; j++) c[q * d + j] = x[pick * d + j]!;
      for (let i = 0; i < n; i++) near[i] = Math.min(near[i]!, dist2(i, c, q));
    }
    const labels = new Int32Array(n);
    let it = 0;
    let converged = false;
    for (; it < maxIter; it++) {
      let changed = it === 0;
      for (let i = 0; i < n; i++) {
        let bq = 0,
          bd = Infinity;
        for (let q = 0; q < k; q++) {
          const v = dist2(i, c, q);
          if (v < bd) {
            bd = v;
            bq = q;
          }
        }
        if (labels[i] !== bq) {
          labels[i] = bq;
          changed = true;
        }
      }
      if (!changed) {
        converged = true;
        break;
      }
      const counts = new Int32Array(k);
      c.fill(0);
      for (let i = 0; i < n; i++) {
        const q = labels[i]!;
        counts[q]++;
        for (let j = 0; j < d; j++) c[q * d + j] += x[i * d + j]!;
      }
      for (let q = 0; q < k; q++) {
        if (counts[q]! > 0) {
          for (let j = 0; j < d; j++) c[q * d + j] /= counts[q]!;
          continue;
        }
        // Empty cluster: move its centre to the row farthest from its own centre.
        let far = 0,
          fd = -1;
        for (let i = 0; i < n; i++) {
          const v = dist2(i, c, labels[i]!);
          if (v > fd) {
            fd = v;
            far = i;
          }
        }
        for (let j = 0; j < d; j++) c[q * d + j] = x[far * d + j]!;
        labels[far] = q;
      }
    }
    let inertia = 0;
    for (let i = 0; i < n; i++) inertia += dist2(i, c, labels[i]!);
    if (!best || inertia < best.inertia - 1e-12) best = { labels, centroids: c, inertia, iterations: it, converged };
  }
  // Renumber clusters by first appearance so equal partitions get equal labels.
  const map = new Map<number, number>();
  const labels = Int32Array.from(best!.labels, (q) => {
    if (!map.has(q)) map.set(q, map.size);
    return map.get(q)!;
  });
  const centroids = new Float64Array(k * d);
  for (const [old, nw] of map) for (let j = 0; j < d; j++) centroids[nw * d + j] = best!.centroids[old * d + j]!;
  return { ...best!, labels, centroids };
}

/** Adjusted Rand index of two labelings (Hubert & Arabie, 1985): 1 = identical partitions, ~0 = chance. */
export function adjustedRandIndex(a: ArrayLike<number | string>, b: ArrayLike<number | string>): number {
  const n = a.length;
  if (b.length !== n)
    throw new Error(`adjustedRandIndex: labelings have ${n} and ${b.length} entries; they must label the same items.`);
  if (n < 2) return NaN;
  const cell = new Map<string, number>(),
    ra = new Map<string, number>(),
    rb = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const x = String(a[i]),
      y = String(b[i]);
    cell.set(`${x}\u0000${y}`, (cell.get(`${x}\u0000${y}`) ?? 0) + 1);
    ra.set(x, (ra.get(x) ?? 0) + 1);
    rb.set(y, (rb.get(y) ?? 0) + 1);
  }
  const c2 = (m: number): number => (m * (m - 1)) / 2;
  let index = 0,
    sa = 0,
    sb = 0;
  for (const v of cell.values()) index += c2(v);
  for (const v of ra.values()) sa += c2(v);
  for (const v of rb.values()) sb += c2(v);
  const expected = (sa * sb) / c2(n);
  const max = (sa + sb) / 2;
  return max === expected ? (index === expected ? 1 : 0) : (index - expected) / (max - expected);
}

// ---------------------------------------------------------------------------------------
// Group risk on a return grid

/** Daily log returns of tokens on a day grid. */
export interface ReturnGrid {
  /** `[nDays]` UTC days, ascending, consecutive. */
  days: Int32Array;
  /** Token indices, one per grid row. */
  tokens: Int32Array;
  /** `[nTokens, nDays]` ln(C[t] / C[t-1]); NaN where either close is missing. */
  returns: Float64Array;
}

/** Daily log returns of the given tokens for days fromDay..toDay (inclusive). */
export function returnGrid(panel: Panel, tokens: ArrayLike<number>, fromDay: number, toDay: number): ReturnGrid {
  if (!(toDay >= fromDay)) throw new Error(`returnGrid: toDay ${toDay} is before fromDay ${fromDay}.`);
  const nd = toDay - fromDay + 1;
  const index = new PanelIndex(panel);
  const toks = Int32Array.from(tokens);
  const returns = new Float64Array(toks.length * nd).fill(NaN);
  toks.forEach((t, k) => {
    for (let q = 0; q < nd; q++) {
      const i = index.row(t, fromDay + q),
        p = index.row(t, fromDay + q - 1);
      if (i >= 0 && p >= 0 && panel.close[i]! > 0 && panel.close[p]! > 0)
        returns[k * nd + q] = Math.log(panel.close[i]! / panel.close[p]!);
    }
  });
  return { days: Int32Array.from({ length: nd }, (_, q) => fromDay + q), tokens: toks, returns };
}

/** Least overlapping days for a pairwise correlation to count (fewer gives a noisy estimate). */
export const MIN_OVERLAP_DAYS = 10;

/** `[nTokens, nTokens]` pairwise-complete Pearson correlations of grid rows (NaN with < MIN_OVERLAP_DAYS overlap or a constant series). */
export function pairwiseCorrelations(grid: ReturnGrid): Float64Array {
  const nt = grid.tokens.length,
    nd = grid.days.length;
  const out = new Float64Array(nt * nt).fill(NaN);
  for (let a = 0; a < nt; a++) {
    out[a * nt + a] = 1;
    for (let b = a + 1; b < nt; b++) {
      let n = 0,
        sa = 0,
        sb = 0,
        saa = 0,
        sbb = 0,
        sab = 0;
      for (let q = 0; q < nd; q++) {
        const x = grid.returns[a * nd + q]!,
          y = grid.returns[b * nd + q]!;
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        n++;
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
      }
      if (n < MIN_OVERLAP_DAYS) continue;
      const cov = sab - (sa * sb) / n,
        va = saa - (sa * sa) / n,
        vb = sbb - (sb * sb) / n;
      if (va <= 0 || vb <= 0) continue;
      out[a * nt + b] = out[b * nt + a] = Math.max(-1, Math.min(1, cov / Math.sqrt(va * vb)));
    }
  }
  return out;
}

/** Mean within-group and between-group pairwise correlation of a grouping (-1 = token left out). */
export function groupCorrelation(
  corr: Float64Array,
  labels: ArrayLike<number>,
): { within: number; between: number; withinPairs: number } {
  const nt = labels.length;
  let w = 0,
    nw = 0,
    b = 0,
    nb = 0;
  for (let i = 0; i < nt; i++) {
    if (labels[i]! < 0) continue;
    for (let j = i + 1; j < nt; j++) {
      if (labels[j]! < 0) continue;
      const c = corr[i * nt + j]!;
      if (!Number.isFinite(c)) continue;
      if (labels[i] === labels[j]) {
        w += c;
        nw++;
      } else {
        b += c;
        nb++;
      }
    }
  }
  return { within: nw ? w / nw : NaN, between: nb ? b / nb : NaN, withinPairs: nw };
}

/** Risk of one group's equal-weight portfolio over the grid's days. */
export interface GroupRisk {
  group: number;
  /** Members (grid rows). */
  size: number;
  /** Annualised volatility of daily simple portfolio returns. */
  annualVol: number;
  /** Largest peak-to-trough fall of the portfolio's wealth (a positive fraction). */
  maxDrawdown: number;
  /** Compound return over the period. */
  totalReturn: number;
  /** Mean pairwise correlation of members' daily returns (NaN for a single member). */
  withinCorrelation: number;
}

/**
 * Equal-weight, daily rebalanced portfolio returns of each group: each day, the average
 * simple return (e^r - 1) of the members with a return that day (a day with none is 0).
 * @returns `[nGroups]` arrays of `[nDays]` returns, groups numbered 0..max label.
 */
export function groupPortfolioReturns(grid: ReturnGrid, labels: ArrayLike<number>): Float64Array[] {
  const nd = grid.days.length;
  let k = 0;
  for (let i = 0; i < labels.length; i++) k = Math.max(k, labels[i]! + 1);
  const out: Float64Array[] = [];
  for (let g = 0; g < k; g++) {
    const r = new Float64Array(nd);
    for (let q = 0; q < nd; q++) {
      let s = 0,
        m = 0;
      for (let i = 0; i < labels.length; i++) {
        if (labels[i] !== g) continue;
        const v = grid.returns[i * nd + q]!;
        if (Number.isFinite(v)) {
          s += Math.expm1(v);
          m++;
        }
      }
      r[q] = m ? s / m : 0;
    }
    out.push(r);
  }
  return out;
}

/** Max drawdown of a series of simple returns (positive fraction of the running peak). */
export function maxDrawdown(returns: ArrayLike<number>): number {
  let wealth = 1,
    peak = 1,
    mdd = 0;
  for (let i = 0; i < returns.length; i++) {
    wealth *= 1 + returns[i]!;
    peak = Math.max(peak, wealth);
    mdd = Math.max(mdd, 1 - wealth / peak);
  }
  return mdd;
}

/** Summary of how a grouping of tokens organises risk over a period. */
export interface GroupingRisk {
  /** Per group. */
  groups: GroupRisk[];
  /** Mean pairwise member correlation within groups (pair-weighted). */
  withinCorrelation: number;
  /** Mean pairwise correlation between members of different groups. */
  betweenCorrelation: number;
  /** Mean pairwise correlation between the group portfolios (lower = the groups diversify each other). */
  portfolioCorrelation: number;
  /** Standard deviation across groups of ln(annual vol): how far apart the groups' risk levels are. */
  volDispersion: number;
  /** Groups with at least one member. */
  nGroups: number;
}

/**
 * Risk view of a grouping on a return grid: per-group equal-weight portfolio (vol, max
 * drawdown, total return, within-group correlation) and grouping-level summaries.
 * @param labels `[grid tokens]` group 0..k-1, or -1 to leave a token out.
 * @param corr pairwiseCorrelations(grid), computed once and shared across groupings.
 */
export function groupingRisk(grid: ReturnGrid, labels: ArrayLike<number>, corr: Float64Array): GroupingRisk {
  if (labels.length !== grid.tokens.length)
    throw new Error(`groupingRisk: ${labels.length} labels for ${grid.tokens.length} tokens on the grid.`);
  const port = groupPortfolioReturns(grid, labels);
  const nt = labels.length;
  const groups: GroupRisk[] = [];
  port.forEach((r, g) => {
    const members: number[] = [];
    for (let i = 0; i < nt; i++) if (labels[i] === g) members.push(i);
    if (members.length === 0) return;
    let w = 0,
      nw = 0;
    for (let a = 0; a < members.length; a++)
      for (let b = a + 1; b < members.length; b++) {
        const c = corr[members[a]! * nt + members[b]!]!;
        if (Number.isFinite(c)) {
          w += c;
          nw++;
        }
      }
    let wealth = 1;
    for (const v of r) wealth *= 1 + v;
    groups.push({
      group: g,
      size: members.length,
      annualVol: std(r, 1) * Math.sqrt(ANNUALISATION_DAYS),
      maxDrawdown: maxDrawdown(r),
      totalReturn: wealth - 1,
      withinCorrelation: nw ? w / nw : NaN,
    });
  });
  const gc = groupCorrelation(corr, labels);
  let pc = 0,
    npc = 0;
  const live = groups.map((g) => port[g.group]!);
  for (let a = 0; a < live.length; a++)
    for (let b = a + 1; b < live.length; b++) {
      const c = pearsonPlain(live[a]!, live[b]!);
      if (Number.isFinite(c)) {
        pc += c;
        npc++;
      }
    }
  const logVols = groups.map((g) => Math.log(g.annualVol)).filter(Number.isFinite);
  return {
    groups,
    withinCorrelation: gc.within,
    betweenCorrelation: gc.between,
    portfolioCorrelation: npc ? pc / npc : NaN,
    volDispersion: logVols.length > 1 ? std(logVols, 1) : NaN,
    nGroups: groups.length,
  };
}

function pearsonPlain(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let sa = 0,
    sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / n,
    mb = sb / n;
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma,
      y = b[i]! - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
}

/** Distribution of grouping statistics under random groupings with the same group sizes. */
export interface RandomGroupingBaseline {
  draws: number;
  within: { mean: number; lo: number; hi: number };
  volDispersion: { mean: number; lo: number; hi: number };
  portfolioCorrelation: { mean: number; lo: number; hi: number };
}

/**
 * Shuffle the labels (keeping group sizes) `draws` times and measure the grouping: the
 * 2.5-97.5% band is what a grouping with no information about the tokens achieves.
 */
export function randomGroupingBaseline(
  grid: ReturnGrid,
  labels: ArrayLike<number>,
  corr: Float64Array,
  draws: number,
  rng: Rng,
): RandomGroupingBaseline {
  if (!Number.isInteger(draws) || draws < 2)
    throw new Error(`randomGroupingBaseline: draws must be an integer >= 2, got ${draws}.`);
  const within: number[] = [],
    disp: number[] = [],
    pcorr: number[] = [];
  const shuffled = Int32Array.from(labels);
  for (let b = 0; b < draws; b++) {
    rng.shuffle(shuffled);
    const r = groupingRisk(grid, shuffled, corr);
    within.push(r.withinCorrelation);
    disp.push(r.volDispersion);
    pcorr.push(r.portfolioCorrelation);
  }
  const band = (v: number[]): { mean: number; lo: number; hi: number } => {
    const f = Float64Array.from(v.filter(Number.isFinite)).sort();
    if (f.length === 0) return { mean: NaN, lo: NaN, hi: NaN };
    return {
      mean: f.reduce((a, x) => a + x, 0) / f.length,
      lo: quantileSorted(f, 0.025),
      hi: quantileSorted(f, 0.975),
    };
  };
  return { draws, within: band(within), volDispersion: band(disp), portfolioCorrelation: band(pcorr) };
}

// ---------------------------------------------------------------------------------------
// VaR / ES backtest

/** Kupiec's (1995) proportion-of-failures test: LR = -2 ln[L(p) / L(x/n)] ~ chi^2(1) under correct coverage. */
export function kupiecTest(n: number, exceedances: number, p: number): { lr: number; pValue: number } {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`kupiecTest: n must be a positive integer number of forecasts, got ${n}.`);
  if (!Number.isInteger(exceedances) || exceedances < 0 || exceedances > n)
    throw new Error(`kupiecTest: exceedances ${exceedances} must be an integer in [0, ${n}].`);
  if (!(p > 0 && p < 1)) throw new Error(`kupiecTest: p must be in (0, 1) (0.05 for a 95% VaR), got ${p}.`);
  const x = exceedances;
  const xlogy = (a: number, b: number): number => (a === 0 ? 0 : a * Math.log(b));
  const phat = x / n;
  const l0 = xlogy(n - x, 1 - p) + xlogy(x, p);
  const l1 = xlogy(n - x, 1 - phat) + xlogy(x, phat);
  const lr = Math.max(0, -2 * (l0 - l1));
  // chi^2(1) survival: P(X > lr) = P(|Z| > sqrt(lr)) = erfc(sqrt(lr / 2)).
  // erfc is a fit with ~1e-7 relative error: clamp so a p-value never exceeds 1.
  return { lr, pValue: Math.min(1, erfc(Math.sqrt(lr / 2))) };
}

/** Outcome of a VaR/ES backtest. */
export interface VarBacktest {
  representation: string;
  /** Tail probability (0.05 for a 95% VaR). */
  p: number;
  /** Standardised-return quantile q (VaR = -q * sigma_hat) and mean beyond it, from the validation split. */
  zQuantile: number;
  zShortfall: number;
  nTest: number;
  exceedances: number;
  /** exceedances / nTest (should be near p). */
  rate: number;
  kupiecLR: number;
  kupiecP: number;
  /** Tokens with at least minTokenDays test forecasts, and those whose own Kupiec test rejects at 5%. */
  tokensTested: number;
  tokensRejected: number;
  /** Realised mean loss on exceedance days / forecast ES on those days (1 = ES right on average; > 1 = tails worse than forecast). */
  esRatio: number;
  /** Mean forecast VaR on test rows (a daily log-return loss). */
  meanVar: number;
  /** Most exceedances on one day and the number of forecasts that day. */
  worstDay: { day: number; exceedances: number; forecasts: number };
}

/** Test days a token needs for its own Kupiec test (fewer makes the chi^2 approximation poor at p = 0.05). */
export const MIN_TOKEN_DAYS = 20;

/**
 * Backtest a one-day VaR built from a volatility forecast. With sigma_hat = exp(log-vol
 * forecast) and z = r / sigma_hat the standardised next-day log return, the p-quantile q
 * and the shortfall E[z | z <= q] are estimated on the validation split (out of sample for
 * the forecaster, which was fitted on train: filtered historical simulation). On the test
 * split VaR = -q sigma_hat, an exceedance is r < q sigma_hat, ES = -E[z | z <= q] sigma_hat.
 * @param logVol `[n rows]` forecast of the log daily volatility; nextReturn `[n rows]` realised next-day log return.
 */
export function varBacktest(
  name: string,
  logVol: Float64Array,
  nextReturn: Float64Array,
  split: Int8Array,
  token: Int32Array,
  day: Int32Array,
  p = 0.05,
): VarBacktest {
  const n = logVol.length;
  if (nextReturn.length !== n || split.length !== n || token.length !== n || day.length !== n)
    throw new Error(
      `varBacktest: inputs have different lengths (${n}, ${nextReturn.length}, ${split.length}, ${token.length}, ${day.length}); align them by row.`,
    );
  if (!(p > 0 && p < 0.5)) throw new Error(`varBacktest: p must be in (0, 0.5) (0.05 for a 95% VaR), got ${p}.`);
  const ok = (i: number): boolean => Number.isFinite(logVol[i]!) && Number.isFinite(nextReturn[i]!);
  const z: number[] = [];
  for (let i = 0; i < n; i++) if (split[i] === 1 && ok(i)) z.push(nextReturn[i]! / Math.exp(logVol[i]!));
  if (z.length < Math.ceil(2 / p))
    throw new Error(
      `varBacktest: only ${z.length} validation rows to estimate the ${p} quantile; need at least ${Math.ceil(2 / p)}.`,
    );
  const zs = Float64Array.from(z).sort();
  const q = quantileSorted(zs, p);
  let tail = 0,
    nt = 0;
  for (const v of zs)
    if (v <= q) {
      tail += v;
      nt++;
    }
  const es = tail / nt;
  let count = 0,
    exc = 0,
    varSum = 0,
    lossSum = 0,
    esSum = 0;
  const perToken = new Map<number, { n: number; x: number }>();
  const perDay = new Map<number, { n: number; x: number }>();
  for (let i = 0; i < n; i++) {
    if (split[i] !== 2 || !ok(i)) continue;
    const s = Math.exp(logVol[i]!);
    const hit = nextReturn[i]! < q * s;
    count++;
    varSum += -q * s;
    if (hit) {
      exc++;
      lossSum += nextReturn[i]!;
      esSum += es * s;
    }
    const pt = perToken.get(token[i]!) ?? { n: 0, x: 0 };
    pt.n++;
    if (hit) pt.x++;
    perToken.set(token[i]!, pt);
    const pd = perDay.get(day[i]!) ?? { n: 0, x: 0 };
    pd.n++;
    if (hit) pd.x++;
    perDay.set(day[i]!, pd);
  }
  if (count === 0) throw new Error(`varBacktest: no test rows with a forecast and a next-day return for ${name}.`);
  const k = kupiecTest(count, exc, p);
  let tested = 0,
    rejected = 0;
  for (const v of perToken.values()) {
    if (v.n < MIN_TOKEN_DAYS) continue;
    tested++;
    if (kupiecTest(v.n, v.x, p).pValue < 0.05) rejected++;
  }
  let worst = { day: 0, exceedances: -1, forecasts: 0 };
  for (const [d, v] of perDay)
    if (v.x > worst.exceedances || (v.x === worst.exceedances && d < worst.day))
      worst = { day: d, exceedances: v.x, forecasts: v.n };
  return {
    representation: name,
    p,
    zQuantile: q,
    zShortfall: es,
    nTest: count,
    exceedances: exc,
    rate: exc / count,
    kupiecLR: k.lr,
    kupiecP: k.pValue,
    tokensTested: tested,
    tokensRejected: rejected,
    esRatio: exc ? lossSum / esSum : NaN,
    meanVar: varSum / count,
    worstDay: worst,
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

/** One representation's volatility forecasts, alone and on top of the benchmark. */
export interface VolatilityResult {
  horizon: number;
  /** Each representation alone (the benchmark included). */
  alone: RegressionOutcome[];
  /** Each representation concatenated with the benchmark, its R^2 gain over the benchmark on the same rows, and the combined forecast. */
  withBenchmark: {
    representation: string;
    combined: RegressionOutcome;
    benchmarkR2: number;
    gain: number;
    gainCi: [number, number];
  }[];
}

/** Everything the prediction part measures. */
export interface PredictionSuite {
  volatility: VolatilityResult[];
  direction: ClassificationOutcome[];
  directionHorizon: number;
  /** Next-day (h = 1) log-vol forecasts of each forecaster, for the VaR backtest. */
  forecasts: {
    name: string;
    rep: Representation;
    logVol: Float64Array;
    nextReturn: Float64Array;
    target: Float64Array;
  }[];
}

/**
 * Run the prediction tasks for every representation: ridge forecasts of the log forward
 * volatility at each horizon (alone, and concatenated with the benchmark with a paired
 * block-bootstrap interval of the R^2 gain), and a logistic classifier of the sign of the
 * forward return at `directionHorizon`. The benchmark must be one of `reps`.
 */
export function predictionSuite(
  reps: Representation[],
  benchmark: Representation,
  targets: ForwardTargets,
  index: PanelIndex,
  o: ProbeOptions & { volHorizons: number[]; directionHorizon: number; onStep?: (what: string) => void },
): PredictionSuite {
  for (const h of [...o.volHorizons, o.directionHorizon])
    if (!targets.horizons.includes(h))
      throw new Error(
        `predictionSuite: horizon ${h} was not computed; pass it to forwardTargets (have ${targets.horizons.join(", ")}).`,
      );
  const volatility: VolatilityResult[] = o.volHorizons.map((h) => ({ horizon: h, alone: [], withBenchmark: [] }));
  const direction: ClassificationOutcome[] = [];
  const forecasts: PredictionSuite["forecasts"] = [];
  for (const rep of reps) {
    o.onStep?.(rep.name);
    const t = rowTargets(rep, targets, index);
    volatility.forEach((v) => {
      const out = regressionProbe(rep, t.logVol[v.horizon]!, { ...o, rng: o.rng.fork(`${rep.name}-vol-${v.horizon}`) });
      v.alone.push(out);
      if (v.horizon === 1)
        forecasts.push({
          name: rep.name,
          rep,
          logVol: out.predictions,
          nextReturn: t.nextReturn,
          target: t.logVol[1]!,
        });
    });
    direction.push(classificationProbe(rep, t.up[o.directionHorizon]!, { ...o, rng: o.rng.fork(`${rep.name}-dir`) }));
    if (rep === benchmark) continue;
    const combined = concatRepresentations(rep, benchmark, `${benchmark.name.split(" ")[0]} + ${rep.name}`);
    const bench = selectColumns(
      combined,
      Array.from({ length: benchmark.X.cols }, (_, j) => rep.X.cols + j),
      benchmark.name,
    );
    const ct = rowTargets(combined, targets, index);
    volatility.forEach((v) => {
      const y = ct.logVol[v.horizon]!;
      const rng = o.rng.fork(`${combined.name}-vol-${v.horizon}`);
      const both = regressionProbe(combined, y, { ...o, rng });
      // The benchmark's own interval is not reported here (its alone-row has one): skip that bootstrap.
      const base = regressionProbe(bench, y, { ...o, rng: rng.fork("benchmark"), nBoot: 0 });
      const diff = pairedR2Difference(y, both.predictions, base.predictions, combined.day, both.testRows, {
        ...o,
        rng: rng.fork("gain"),
      });
      v.withBenchmark.push({
        representation: rep.name,
        combined: both,
        benchmarkR2: rSquared(y, base.predictions, both.testRows),
        gain: diff.estimate,
        gainCi: [diff.lo, diff.hi],
      });
      if (v.horizon === 1)
        forecasts.push({
          name: combined.name,
          rep: combined,
          logVol: both.predictions,
          nextReturn: ct.nextReturn,
          target: y,
        });
    });
  }
  return { volatility, direction, directionHorizon: o.directionHorizon, forecasts };
}

/** A forecast that ignores the inputs: the training mean of the target (the "no model" VaR). */
export function constantForecast(rep: Representation, y: Float64Array): Float64Array {
  let s = 0,
    n = 0;
  for (let i = 0; i < y.length; i++)
    if (rep.split[i] === 0 && Number.isFinite(y[i]!)) {
      s += y[i]!;
      n++;
    }
  if (n === 0) throw new Error(`constantForecast: ${rep.name} has no training rows with a finite target.`);
  return new Float64Array(y.length).fill(s / n);
}

/** One grouping of tokens and how it organises risk on the test period. */
export interface GroupingResult {
  name: string;
  /** `[grid tokens]` group per token on the grid. */
  labels: Int32Array;
  /** Adjusted Rand index against the sector grouping. */
  ariVsSector: number;
  risk: GroupingRisk;
}

/** What the risk part measures. */
export interface RiskSuite {
  grid: ReturnGrid;
  /** Sector per grid token. */
  sectors: string[];
  /** Sectors in label order (the sector grouping's group g is sectorNames[g]). */
  sectorNames: string[];
  k: number;
  groupings: GroupingResult[];
  random: RandomGroupingBaseline;
  /** Tokens left out (no training profile in some representation, or too few test days). */
  excluded: number;
}

/**
 * Cluster tokens by their training-split average of each representation (columns
 * z-scored across tokens, k-means with k = number of sectors) and compare the groupings
 * with the sectors and with random groupings of the sectors' sizes on the test period's
 * daily returns (fromDay..toDay).
 * @param tokenSector sector name of every token index.
 */
export function riskSuite(
  reps: Representation[],
  panel: Panel,
  tokenSector: (token: number) => string,
  fromDay: number,
  toDay: number,
  o: { rng: Rng; randomDraws?: number; minTrainRows?: number; minTestDays?: number; kmeans?: KMeansOptions },
): RiskSuite {
  const minTrain = o.minTrainRows ?? 20;
  const minDays = o.minTestDays ?? MIN_OVERLAP_DAYS;
  const profiles = reps.map((r) => tokenProfiles(r, { split: 0, minRows: minTrain }));
  let common = new Set(profiles[0]?.tokens ?? []);
  for (const p of profiles.slice(1)) common = new Set(p.tokens.filter((t) => common.has(t)));
  const full = returnGrid(
    panel,
    [...common].sort((a, b) => a - b),
    fromDay,
    toDay,
  );
  const nd = full.days.length;
  const keep: number[] = [];
  full.tokens.forEach((_t, k) => {
    let c = 0;
    for (let q = 0; q < nd; q++) if (Number.isFinite(full.returns[k * nd + q]!)) c++;
    if (c >= minDays) keep.push(k);
  });
  const grid: ReturnGrid = {
    days: full.days,
    tokens: Int32Array.from(keep, (k) => full.tokens[k]!),
    returns: new Float64Array(keep.length * nd),
  };
  keep.forEach((k, i) => grid.returns.set(full.returns.subarray(k * nd, (k + 1) * nd), i * nd));
  if (grid.tokens.length < 4)
    throw new Error(
      `riskSuite: only ${grid.tokens.length} tokens have a training profile and ${minDays}+ test days; the clustering needs at least 4 (lower minTrainRows/minTestDays or use more data).`,
    );
  const corr = pairwiseCorrelations(grid);
  const sectors = Array.from(grid.tokens, tokenSector);
  const sectorNames = [...new Set(sectors)].sort();
  const sectorLabels = Int32Array.from(sectors, (s) => sectorNames.indexOf(s));
  const k = Math.max(2, Math.min(sectorNames.length, grid.tokens.length - 1));
  const groupings: GroupingResult[] = [
    { name: "sectors", labels: sectorLabels, ariVsSector: 1, risk: groupingRisk(grid, sectorLabels, corr) },
  ];
  reps.forEach((rep, r) => {
    const p = profiles[r]!;
    const pos = new Map<number, number>();
    p.tokens.forEach((t, i) => pos.set(t, i));
    const rows = Array.from(grid.tokens, (t) => pos.get(t)!);
    const X = standardiseColumns(takeMatrix(p.profiles, rows));
    const km = kmeans(X, k, o.rng.fork(`kmeans-${rep.name}`), o.kmeans);
    groupings.push({
      name: `${rep.name} clusters`,
      labels: km.labels,
      ariVsSector: adjustedRandIndex(km.labels, sectorLabels),
      risk: groupingRisk(grid, km.labels, corr),
    });
  });
  const random = randomGroupingBaseline(grid, sectorLabels, corr, o.randomDraws ?? 200, o.rng.fork("random-groupings"));
  return { grid, sectors, sectorNames, k, groupings, random, excluded: panel.tokens.length - grid.tokens.length };
}

/** The VaR backtest of every forecaster of a prediction suite, plus the constant forecast. */
export function varSuite(forecasts: PredictionSuite["forecasts"], p = 0.05): VarBacktest[] {
  const out: VarBacktest[] = [];
  const first = forecasts[0];
  if (!first) throw new Error("varSuite: no forecasts; run predictionSuite with horizon 1 in volHorizons.");
  const constant = constantForecast(first.rep, first.target);
  out.push(
    varBacktest("constant (no model)", constant, first.nextReturn, first.rep.split, first.rep.token, first.rep.day, p),
  );
  for (const f of forecasts)
    out.push(varBacktest(f.name, f.logVol, f.nextReturn, f.rep.split, f.rep.token, f.rep.day, p));
  return out;
}

// ---------------------------------------------------------------------------------------
// Chart data

/** Add a dashed reference rule at `value` on the quantitative x axis of a (layered) horizontal chart. */
export function withReferenceLine(spec: VlSpec, value: number, label: string): VlSpec {
  const layers = Array.isArray(spec.layer) ? spec.layer : [{ mark: spec.mark, encoding: spec.encoding }];
  const { mark: _m, encoding: _e, ...rest } = spec;
  return {
    ...rest,
    layer: [
      ...layers,
      {
        data: { values: [{ reference: value, label }] },
        mark: { type: "rule", strokeDash: [5, 4], color: "#d62728", strokeWidth: 1.5 },
        encoding: {
          x: { field: "reference", type: "quantitative" },
          tooltip: [{ field: "label" }, { field: "reference" }],
        },
      },
    ],
  };
}

/** Long rows (a, b, count) of the contingency table of two labelings (for a heatmap). */
export function contingencyRows(
  a: ArrayLike<string>,
  b: ArrayLike<string>,
  names: [string, string],
): Record<string, string | number>[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < a.length; i++) counts.set(`${a[i]}\u0000${b[i]}`, (counts.get(`${a[i]}\u0000${b[i]}`) ?? 0) + 1);
  return [...counts.entries()].map(([k, n]) => {
    const [x, y] = k.split("\u0000");
    return { [names[0]]: x!, [names[1]]: y!, tokens: n };
  });
}

/**
 * One token's test days for a VaR chart: the next-day log return and the forecast VaR
 * boundary (q * sigma_hat, a negative return), and the exceedances as marks.
 * @param dayToDate formats a UTC day (e.g. dayToIso).
 */
export function varPathRows(
  f: { rep: Representation; logVol: Float64Array; nextReturn: Float64Array },
  zQuantile: number,
  token: number,
  dayToDate: (day: number) => string,
): { rows: Record<string, string | number>[]; marks: Record<string, string | number>[] } {
  const rows: Record<string, string | number>[] = [];
  const marks: Record<string, string | number>[] = [];
  for (let i = 0; i < f.rep.token.length; i++) {
    if (f.rep.token[i] !== token || f.rep.split[i] !== 2) continue;
    const r = f.nextReturn[i]!,
      v = f.logVol[i]!;
    if (!Number.isFinite(r) || !Number.isFinite(v)) continue;
    // Plotted on the day the return happens (the forecast is made the day before).
    const date = dayToDate(f.rep.day[i]! + 1);
    const boundary = zQuantile * Math.exp(v);
    rows.push({ date, series: "return", value: r }, { date, series: "VaR (95%)", value: boundary });
    if (r < boundary) marks.push({ date, value: r, event: "exceedance" });
  }
  return { rows, marks };
}

/** The most frequent name among the members of one group, as "name (count/size)". */
export function dominantLabel(labels: ArrayLike<number>, group: number, names: ArrayLike<string>): string {
  const counts = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < labels.length; i++)
    if (labels[i] === group) {
      counts.set(names[i]!, (counts.get(names[i]!) ?? 0) + 1);
      total++;
    }
  if (total === 0) return "";
  const [name, n] = [...counts.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]!;
  return `${name} (${n}/${total})`;
}

/** Let a horizontal bar chart's category labels be up to `px` pixels wide (vega-lite truncates long labels by default). */
export function widenCategoryLabels(spec: VlSpec, px: number): VlSpec {
  const layers: VlSpec[] = Array.isArray(spec.layer) ? spec.layer : [spec];
  for (const l of layers)
    if (l.encoding?.y && l.encoding.y.type === "nominal")
      l.encoding.y.axis = { ...(l.encoding.y.axis ?? {}), labelLimit: px };
  return spec;
}

/** Show integer counts (not two decimals) in a heatmap built with showValues. */
export function integerCellText(spec: VlSpec): VlSpec {
  const layers: VlSpec[] = Array.isArray(spec.layer) ? spec.layer : [];
  for (const l of layers) if (l.encoding?.text) l.encoding.text.format = "d";
  return spec;
}
