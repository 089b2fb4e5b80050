/** interpret.ts */

import * as fs from "node:fs";
import * as path from "node:path";
import { mean, std } from "../stats/descriptive";
import { takeRows, type Matrix } from "../runtime/matrix";
import type { Panel } from "../data/panel";
import { marketTokenMask } from "../data/taxonomy";
import type { Dataset } from "../features/dataset";
import { LATENT_PRODUCERS, UNKNOWN_SECTOR } from "../models/latents";
import { correlationMatrix } from "./metrics";
import { loadRowModel } from "../models/load";
import { type MarketTruth, regimeTarget } from "./probes";
import { type AlignedLatents, sectorLabels } from "./analysis";

/** Traversal steps along one latent dimension, from -span to +span standard deviations. */
export const TRAVERSAL_STEPS = 5;
/** Traversal half-width in standard deviations of the dimension (±2 sd covers ~95% of codes). */
export const TRAVERSAL_SPAN = 2;
/**
 * A dimension counts as active when moving it from -span to +span sd changes the decoded
 * standardised features by more than this on average (5% of a feature's standard deviation).
 */
export const ACTIVE_DIM_THRESHOLD = 0.05;

/** Window of the market volatility and of the volume z-score, days (as the vol_30d feature). */
export const MARKET_WINDOW = 30;
/** Fewest observations in that window for a value (two thirds of it); fewer gives NaN. */
export const MARKET_MIN_OBS = 20;

// ---------------------------------------------------------------------------------------
// Interpretation: correlations with features and market variables, traversals
// ---------------------------------------------------------------------------------------

/** Daily market variables, indexed by day - day0. NaN where undefined. */
export interface MarketSeries {
  day0: number;
  /** Equal-weighted mean daily log return of the non-stablecoin tokens. */
  marketReturn: Float64Array;
  /** Standard deviation of marketReturn over the last MARKET_WINDOW days (this one included). */
  marketVol: Float64Array;
  /** log10 of the day's total volume, z-scored against the previous MARKET_WINDOW days. */
  marketVolumeZ: Float64Array;
}

/**
 * Market return, volatility and volume per day from the panel (causal: each value uses
 * that day and earlier ones). Returns need a token's previous calendar day; stablecoins are
 * left out of the market return (they would pull it towards 0).
 */
export function marketSeries(panel: Panel): MarketSeries {
  const n = panel.day.length;
  if (n === 0) throw new Error("marketSeries: the panel is empty.");
  let day0 = Infinity;
  let day1 = -Infinity;
  for (let i = 0; i < n; i++) {
    day0 = Math.min(day0, panel.day[i]!);
    day1 = Math.max(day1, panel.day[i]!);
  }
  const span = day1 - day0 + 1;
  const sumRet = new Float64Array(span);
  const cntRet = new Int32Array(span);
  const volume = new Float64Array(span);
  // Non-market tokens (stablecoins, fiat, leveraged, wrapped, gold; lib/data/taxonomy.ts) stay out of the market return.
  const market = marketTokenMask(panel);
  for (let i = 0; i < n; i++) {
    const t = panel.day[i]! - day0;
    const v = panel.volume[i]!;
    if (Number.isFinite(v) && v > 0) volume[t] += v;
    if (i === 0 || panel.token[i - 1] !== panel.token[i] || panel.day[i - 1] !== panel.day[i]! - 1) continue;
    if (!market[panel.token[i]!]) continue;
    const r = Math.log(panel.close[i]! / panel.close[i - 1]!);
    if (!Number.isFinite(r)) continue;
    sumRet[t] += r;
    cntRet[t]++;
  }
  const marketReturn = Float64Array.from(sumRet, (s, t) => (cntRet[t]! > 0 ? s / cntRet[t]! : NaN));
  const marketVol = new Float64Array(span).fill(NaN);
  const marketVolumeZ = new Float64Array(span).fill(NaN);
  const logVol = Float64Array.from(volume, (v) => (v > 0 ? Math.log10(v) : NaN));
  for (let t = 0; t < span; t++) {
    const win = (arr: Float64Array, from: number, to: number): number[] => {
      const out: number[] = [];
      for (let u = Math.max(0, from); u <= to; u++) if (Number.isFinite(arr[u]!)) out.push(arr[u]!);
      return out;
    };
    const rets = win(marketReturn, t - MARKET_WINDOW + 1, t);
    if (rets.length >= MARKET_MIN_OBS) marketVol[t] = std(rets, 1);
    const past = win(logVol, t - MARKET_WINDOW, t - 1);
    if (past.length >= MARKET_MIN_OBS && Number.isFinite(logVol[t]!)) {
      const s = std(past, 1);
      if (s > 0) marketVolumeZ[t] = (logVol[t]! - mean(past)) / s;
    }
  }
  return { day0, marketReturn, marketVol, marketVolumeZ };
}

/** Variables to correlate latent dimensions with, over the aligned rows that have all of them. */
export interface InterpretationVariables {
  /** Column names, e.g. "vol_30d", "market return", "sector: defi". */
  names: string[];
  /** Group of each column: "input feature", "market", "regime", "sector". */
  groups: string[];
  /** `[kept, names.length]`. */
  matrix: Matrix;
  /** Aligned rows used (every variable finite). */
  kept: Int32Array;
  /** Aligned rows left out because a market variable is undefined on their day (too early in the panel). */
  dropped: number;
}

/**
 * The raw input features of each aligned row, the market's return, volatility and volume
 * z-score on its day, the market regime (synthetic market) and its token's sector, as 0/1
 * indicators for the categorical ones.
 */
export function interpretationVariables(
  aligned: AlignedLatents,
  d: Dataset,
  panel: Panel,
  truth: MarketTruth | null,
): InterpretationVariables {
  const market = marketSeries(panel);
  const cols: { name: string; group: string; values: Float64Array }[] = [];
  d.meta.featureNames.forEach((f, j) =>
    cols.push({
      name: f,
      group: "input feature",
      values: Float64Array.from(aligned.datasetRow, (r) => d.raw.data[r * d.raw.cols + j]!),
    }),
  );
  const at = (arr: Float64Array) => Float64Array.from(aligned.day, (day) => arr[day - market.day0] ?? NaN);
  cols.push({ name: "market return", group: "market", values: at(market.marketReturn) });
  cols.push({ name: `market vol (${MARKET_WINDOW}d)`, group: "market", values: at(market.marketVol) });
  cols.push({ name: "market volume z", group: "market", values: at(market.marketVolumeZ) });
  const regime = regimeTarget(aligned, truth);
  if (regime)
    regime.classes.forEach((c, k) =>
      cols.push({
        name: `regime: ${c}`,
        group: "regime",
        values: Float64Array.from(regime.labels, (l) => (l < 0 ? NaN : l === k ? 1 : 0)),
      }),
    );
  const sectors = sectorLabels(aligned.token, d.tokens);
  if (sectors) {
    for (const s of [...new Set(sectors)].filter((x) => x !== UNKNOWN_SECTOR).sort())
      cols.push({
        name: `sector: ${s}`,
        group: "sector",
        values: Float64Array.from(sectors, (x) => (x === s ? 1 : 0)),
      });
  }
  const keep: number[] = [];
  for (let i = 0; i < aligned.n; i++) if (cols.every((c) => Number.isFinite(c.values[i]!))) keep.push(i);
  const kept = Int32Array.from(keep);
  const q = cols.length;
  const data = new Float32Array(kept.length * q);
  for (let k = 0; k < kept.length; k++) for (let c = 0; c < q; c++) data[k * q + c] = cols[c]!.values[kept[k]!]!;
  return {
    names: cols.map((c) => c.name),
    groups: cols.map((c) => c.group),
    matrix: { data, rows: kept.length, cols: q },
    kept,
    dropped: aligned.n - kept.length,
  };
}

/** Correlation of one latent dimension with one variable. */
export interface LatentCorrelation {
  model: string;
  dim: string;
  variable: string;
  group: string;
  r: number;
}

/**
 * Pearson correlation of each of a model's latent dimensions with each variable (over the
 * variables' kept rows). A constant column gives NaN, reported as 0 in the heatmap rows.
 */
export function latentCorrelations(
  aligned: AlignedLatents,
  vars: InterpretationVariables,
  model: string,
): LatentCorrelation[] {
  if (vars.kept.length < 3)
    throw new Error(
      `Only ${vars.kept.length} aligned rows have every market variable; correlations need at least 3. Use more days of data.`,
    );
  const z = takeRows(aligned.latents[model]!, vars.kept);
  const c = correlationMatrix(z, vars.matrix);
  const out: LatentCorrelation[] = [];
  for (let i = 0; i < c.rows; i++)
    for (let j = 0; j < c.cols; j++)
      out.push({ model, dim: `z${i}`, variable: vars.names[j]!, group: vars.groups[j]!, r: c.data[i * c.cols + j]! });
  return out;
}

/** The strongest |r| of each dimension, or of the model, within a group of variables. */
export function strongestCorrelation(rows: LatentCorrelation[], group?: string): LatentCorrelation | null {
  let best: LatentCorrelation | null = null;
  for (const r of rows)
    if ((!group || r.group === group) && Number.isFinite(r.r) && (!best || Math.abs(r.r) > Math.abs(best.r))) best = r;
  return best;
}

/** A model that can decode latent vectors (the row models' `decodeLatents`). */
export interface LatentDecoder {
  readonly name: string;
  readonly latentDim: number;
  readonly featureNames: string[];
  decodeLatents(z: Matrix): Matrix;
}

/**
 * Load a saved row model (models/<name>/) that can decode latent vectors (AE, VAE, DAE, PCA).
 * @throws naming the notebook to run when the model was not saved, or when it cannot decode.
 */
export async function loadDecoder(
  modelsDir: string,
  name: string,
  featureNames: string[],
): Promise<LatentDecoder & { dispose(): void }> {
  const dir = path.join(modelsDir, name);
  if (!fs.existsSync(path.join(dir, "meta.json"))) {
    throw new Error(
      `No saved model in ${dir}. Run notebook ${LATENT_PRODUCERS[name] ?? "that trains it"} first (npm run notebook -- ${(LATENT_PRODUCERS[name] ?? "").slice(0, 2)}); it saves models/${name}/.`,
    );
  }
  const model = (await loadRowModel(dir, featureNames)) as unknown as Partial<LatentDecoder> & {
    name: string;
    dispose(): void;
  };
  if (typeof model.decodeLatents !== "function") {
    model.dispose();
    throw new Error(
      `${dir} holds a model without a decoder (decodeLatents); latent traversals need an AE, VAE, DAE or PCA model.`,
    );
  }
  return model as LatentDecoder & { dispose(): void };
}

/** Decoded feature values along one latent dimension, and each dimension's effect. */
export interface TraversalResult {
  model: string;
  /** One row per (dimension, offset in sd, feature): the decoded standardised value. */
  rows: { dim: string; offset: number; feature: string; value: number }[];
  /** Per dimension: mean |decoded(+span) - decoded(-span)| over features, and the feature it moves most. */
  effects: { dim: string; sd: number; effect: number; topFeature: string; topDelta: number }[];
  /** Dimensions whose effect exceeds ACTIVE_DIM_THRESHOLD. */
  activeDims: number;
}

/**
 * Latent traversal: start from the mean code of `latents`, move one dimension at a time
 * from -span to +span of its standard deviation (others held at their mean) and decode.
 * @param latents `[n, latentDim]` codes of real rows (the VAE's posterior means), n >= 2.
 */
export function latentTraversal(
  decoder: LatentDecoder,
  latents: Matrix,
  options: { steps?: number; span?: number } = {},
): TraversalResult {
  const steps = options.steps ?? TRAVERSAL_STEPS;
  const span = options.span ?? TRAVERSAL_SPAN;
  if (!Number.isInteger(steps) || steps < 2)
    throw new Error(`latentTraversal: steps must be an integer >= 2, got ${steps}.`);
  if (!(span > 0)) throw new Error(`latentTraversal: span must be > 0 standard deviations, got ${span}.`);
  const k = decoder.latentDim;
  if (latents.cols !== k)
    throw new Error(`latentTraversal: latents have ${latents.cols} columns but ${decoder.name} has latentDim ${k}.`);
  if (latents.rows < 2)
    throw new Error(
      `latentTraversal needs at least 2 latent rows to estimate each dimension's spread, got ${latents.rows}.`,
    );
  const mu = new Float64Array(k);
  const sdv = new Float64Array(k);
  for (let i = 0; i < latents.rows; i++) for (let j = 0; j < k; j++) mu[j] += latents.data[i * k + j]! / latents.rows;
  for (let i = 0; i < latents.rows; i++)
    for (let j = 0; j < k; j++) sdv[j] += (latents.data[i * k + j]! - mu[j]!) ** 2 / (latents.rows - 1);
  for (let j = 0; j < k; j++) sdv[j] = Math.sqrt(sdv[j]!);
  const offsets = Array.from({ length: steps }, (_, s) => -span + (2 * span * s) / (steps - 1));
  const codes = new Float32Array(k * steps * k);
  for (let j = 0; j < k; j++) {
    for (let s = 0; s < steps; s++) {
      const row = (j * steps + s) * k;
      for (let c = 0; c < k; c++) codes[row + c] = mu[c]!;
      codes[row + j] = mu[j]! + offsets[s]! * sdv[j]!;
    }
  }
  const decoded = decoder.decodeLatents({ data: codes, rows: k * steps, cols: k });
  const f = decoder.featureNames.length;
  const rows: TraversalResult["rows"] = [];
  const effects: TraversalResult["effects"] = [];
  for (let j = 0; j < k; j++) {
    for (let s = 0; s < steps; s++) {
      for (let c = 0; c < f; c++)
        rows.push({
          dim: `z${j}`,
          offset: offsets[s]!,
          feature: decoder.featureNames[c]!,
          value: decoded.data[(j * steps + s) * f + c]!,
        });
    }
    const lo = j * steps * f;
    const hi = (j * steps + steps - 1) * f;
    let sum = 0;
    let top = 0;
    let topDelta = 0;
    for (let c = 0; c < f; c++) {
      const delta = decoded.data[hi + c]! - decoded.data[lo + c]!;
      sum += Math.abs(delta);
      if (Math.abs(delta) > Math.abs(topDelta)) {
        topDelta = delta;
        top = c;
      }
    }
    effects.push({ dim: `z${j}`, sd: sdv[j]!, effect: sum / f, topFeature: decoder.featureNames[top]!, topDelta });
  }
  return {
    model: decoder.name,
    rows,
    effects,
    activeDims: effects.filter((e) => e.effect > ACTIVE_DIM_THRESHOLD).length,
  };
}
