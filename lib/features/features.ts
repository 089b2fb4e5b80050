/**
 * Per token-day feature rows for the autoencoders.
 *
 * The models see each token-day as a short vector of scale-free numbers: log returns over a
 * few horizons, rolling volatility, intraday shape (range, body, shadows), volume surprise,
 * the move relative to the rest of the market, co-movement with the market and distance
 * from recent prices. Every value is strictly causal: a row for day d reads only rows of the
 * same token (and, for market features, other tokens) on days <= d, so a model trained on
 * the past never sees the future through its inputs.
 *
 * Calendar, not row, arithmetic. Crypto trades every day, so a missing day in the Panel is
 * a gap in the data, never "the next trading day". Every window below is a span of calendar
 * days ending on the row's day, and a missing day simply leaves a hole in that span:
 *
 * - Return over horizon h on day d: log(close_d / close_ref), where ref is the EARLIEST
 *   available day in [d - h, d - ceil(minCoverage * h)]. When day d - h is present this is
 *   the exact h-day return; when it is missing the return covers a slightly shorter span
 *   (never longer than h, never shorter than minCoverage of it) and the row is counted in
 *   `repairs`. With no close in that span the return is NaN and the row is dropped. For
 *   h = 1 this means "yesterday's close or nothing".
 * - Rolling statistics over w days use the observations present in the w-day span and
 *   need at least ceil(minCoverage * w) of them (and at least 2), else NaN.
 * - Volume enters as log(1 + volume), so zero-volume days stay finite.
 * - The market return of a token-day is the median (or mean) of the OTHER tokens' 1-day
 *   returns that day (leave-one-out), so a token's own spike never moves its benchmark.
 *
 * Rows are dropped and counted, by the first reason that applies, in this order:
 *   "warm-up"      the row's lookback span [d - lookbackDays, d] reaches before the token's
 *                  first day. Always dropped, even where the coverage rule could give a
 *                  value, so every kept row has its full calendar history and coverage only
 *                  ever stands in for holes inside that history;
 * and, for rows with a non-finite selected feature:
 *   "gaps"         some day in the lookback span [d - lookbackDays, d] is missing;
 *   "thin market"  only market features are undefined: fewer than `minMarketTokens` other
 *                  tokens had a 1-day return that day (or over the beta window);
 *   "non-finite"   anything else (zero or negative prices, NaN in the input, ...).
 *
 * The feature set adapts to the data (`adaptFeatures`): features that need a column the
 * panel does not have for every token are left out, not filled with zeros (hl_range and the
 * shadows need high/low, co_return and the shadows need open, volume_z and logvol_change need
 * volume; close-only and price-only sources lack them), market features are left out when
 * the panel has no more than `minMarketTokens` tokens, and a feature that is constant on
 * every kept row is dropped. `FeatureTable.leftOut` lists each with its reason.
 *
 * Speed: one pass per feature over typed arrays with running sums (O(rows) per feature,
 * plus a per-day sort for the market median), Float64 arithmetic, a single Float32 output
 * buffer and no per-row objects.
 */
import { assertPanel, dayToIso, tokenRanges } from "../data/panel";
import type { Panel } from "../data/panel";
import type { Matrix } from "../runtime/matrix";

/** Return horizons in days: one day, a working week, a month of working days (the usual 1/5/20). */
export const DEFAULT_RETURN_HORIZONS: readonly number[] = [1, 5, 20];
/** Volatility windows in days: a short (about ten days) and a monthly (thirty days) regime. */
export const DEFAULT_VOLATILITY_WINDOWS: readonly number[] = [10, 30];
/** Trailing window for the volume and return z-scores: about a month of calendar days. */
export const DEFAULT_ZSCORE_WINDOW = 30;
/** Moving-average window: twenty days, the common "20-day MA". */
export const DEFAULT_MA_WINDOW = 20;
/** Window of the rolling beta and correlation to the market: about a month. */
export const DEFAULT_MARKET_WINDOW = 30;
/** Window of the drawdown from the rolling maximum close: about a month. */
export const DEFAULT_DRAWDOWN_WINDOW = 30;
/** Share of a window that must be observed: 0.8 tolerates 6 missing days in 30, not an outage. */
export const DEFAULT_MIN_COVERAGE = 0.8;
/** Fewest OTHER tokens that define a market return: a median of fewer is one token's noise. */
export const DEFAULT_MIN_MARKET_TOKENS = 3;
/**
 * Floor of the trailing 1-day return std in `ret_z`: 1e-4 (one basis point a day, the tick of
 * a $1 stablecoin quoted to 4 decimals). A perfectly flat price series then gives a large but
 * finite z when it finally moves (a depeg), instead of an infinite one that would be dropped.
 */
export const RETURN_STD_FLOOR = 1e-4;
/**
 * Floor of the trailing std of log(1 + volume) in `volume_z`: 0.01 (volume varying by less
 * than 1% a day only happens in stale feeds); keeps the z-score finite on constant volume.
 */
export const LOG_VOLUME_STD_FLOOR = 0.01;
/** Variances below this (std 1e-10, far below any price tick) are treated as zero. */
export const MIN_VARIANCE = 1e-20;
/**
 * Output memory: when at most this share of rows is dropped (the usual warm-up of 31 days
 * in hundreds), X.data is a view on the working buffer instead of a copy, saving a second
 * full-size buffer at peak; X.data.buffer may then be up to 10% longer than X.data.
 */
export const MAX_VIEW_WASTE = 0.1;
/** Most return horizons (repairs are tracked in one bit per horizon of a byte). */
export const MAX_RETURN_HORIZONS = 8;

/** Options of `buildFeatures`; every field has a documented default. */
export interface FeatureOptions {
  /** Log-return horizons in calendar days (default [1, 5, 20]); 1-day returns are computed internally either way. */
  returnHorizons?: readonly number[];
  /** Rolling volatility windows in days (default [10, 30]). */
  volatilityWindows?: readonly number[];
  /** Trailing window of the volume and return z-scores (default 30). */
  zScoreWindow?: number;
  /** Moving-average window for `ma_dist` (default 20). */
  maWindow?: number;
  /** Window of the rolling beta / correlation to the market (default 30). */
  marketWindow?: number;
  /** Window of the drawdown from the rolling maximum (default 30). */
  drawdownWindow?: number;
  /** Market return of a day: leave-one-out "median" (default, robust to one wild token) or "mean". */
  market?: "median" | "mean";
  /** Fewest other tokens with a return that day for the market return to exist (default 3). */
  minMarketTokens?: number;
  /** Share of each window that must be observed, in (0, 1] (default 0.8). */
  minCoverage?: number;
  /** Subset of feature names to output, in this order (default: all, see `featureCatalogue`). */
  features?: readonly string[];
}

/** Panel columns beyond the close that a feature may need. */
export type FeatureInput = "open" | "highLow" | "volume";

/** One feature of the catalogue. */
export interface FeatureSpec {
  name: string;
  /** Calendar days before the row's day that the feature reads (0 = the day itself only). */
  lookbackDays: number;
  /** True when the feature reads other tokens (the market). */
  market: boolean;
  /** Columns besides the close that it needs (absent: the close only). */
  needs?: FeatureInput[];
  description: string;
}

/** A feature of the catalogue that was not built, and why. */
export interface LeftOutFeature {
  feature: string;
  reason: string;
}

/**
 * The feature rows: `X` is `[nRows, nFeatures]` float32, row-major, rows in panel order
 * (token, then day). `token`, `day`, `rowOfPanel` and `anomalyKind` are per row.
 */
export interface FeatureTable {
  featureNames: string[];
  /** `[nRows, nFeatures]` float32 (possibly a view on a slightly longer buffer, see MAX_VIEW_WASTE). */
  X: Matrix;
  /** Row -> token index of the panel. */
  token: Int32Array;
  /** Row -> UTC day number. */
  day: Int32Array;
  /** Row -> row of the source panel. */
  rowOfPanel: Int32Array;
  /** Row -> ground-truth anomaly kind (index into ANOMALY_KINDS), or null when the panel has none. */
  anomalyKind: Int8Array | null;
  /** Dropped panel rows by reason ("warm-up", "gaps", "thin market", "non-finite"); counts sum to panel rows - nRows. */
  dropped: { reason: string; count: number }[];
  /** Kept rows whose value was computed over a documented substitute (e.g. a shortened return span). */
  repairs: { reason: string; count: number }[];
  /** Longest lookback of the selected features in days: splits need a gap at least this long. */
  lookbackDays: number;
  /**
   * Features of the selection that were not built: their columns are missing from the data
   * (a close-only or price-only source has no high/low or volume), the panel has too few
   * tokens for market features, or the values were constant on every kept row.
   */
  leftOut: LeftOutFeature[];
}

interface Resolved {
  returnHorizons: number[];
  volatilityWindows: number[];
  zScoreWindow: number;
  maWindow: number;
  marketWindow: number;
  drawdownWindow: number;
  market: "median" | "mean";
  minMarketTokens: number;
  minCoverage: number;
}

function checkInt(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) {
    throw new Error(`Feature option ${name} must be an integer >= ${min}, got ${v}.`);
  }
  return v;
}

function resolve(o: FeatureOptions): Resolved {
  const returnHorizons = [...(o.returnHorizons ?? DEFAULT_RETURN_HORIZONS)];
  if (returnHorizons.length === 0 || returnHorizons.length > MAX_RETURN_HORIZONS) {
    throw new Error(
      `Feature option returnHorizons must list 1 to ${MAX_RETURN_HORIZONS} horizons, got [${returnHorizons.join(", ")}].`,
    );
  }
  returnHorizons.forEach((h) => checkInt("returnHorizons", h, 1));
  if (new Set(returnHorizons).size !== returnHorizons.length) {
    throw new Error(`Feature option returnHorizons has duplicates: [${returnHorizons.join(", ")}].`);
  }
  const volatilityWindows = [...(o.volatilityWindows ?? DEFAULT_VOLATILITY_WINDOWS)];
  volatilityWindows.forEach((w) => checkInt("volatilityWindows", w, 2));
  if (new Set(volatilityWindows).size !== volatilityWindows.length) {
    throw new Error(`Feature option volatilityWindows has duplicates: [${volatilityWindows.join(", ")}].`);
  }
  const minCoverage = o.minCoverage ?? DEFAULT_MIN_COVERAGE;
  if (!(minCoverage > 0 && minCoverage <= 1)) {
    throw new Error(
      `Feature option minCoverage must be in (0, 1], got ${minCoverage}. Use 1 to require every day of a window.`,
    );
  }
  const market = o.market ?? "median";
  if (market !== "median" && market !== "mean") {
    throw new Error(`Feature option market must be "median" or "mean", got "${String(market)}".`);
  }
  return {
    returnHorizons,
    volatilityWindows,
    zScoreWindow: checkInt("zScoreWindow", o.zScoreWindow ?? DEFAULT_ZSCORE_WINDOW, 2),
    maWindow: checkInt("maWindow", o.maWindow ?? DEFAULT_MA_WINDOW, 2),
    marketWindow: checkInt("marketWindow", o.marketWindow ?? DEFAULT_MARKET_WINDOW, 2),
    drawdownWindow: checkInt("drawdownWindow", o.drawdownWindow ?? DEFAULT_DRAWDOWN_WINDOW, 2),
    market,
    minMarketTokens: checkInt("minMarketTokens", o.minMarketTokens ?? DEFAULT_MIN_MARKET_TOKENS, 1),
    minCoverage,
  };
}

/**
 * The full list of features `buildFeatures` can produce with these options, in output
 * order, with each one's lookback and meaning (for notebooks and the report).
 */
export function featureCatalogue(options: FeatureOptions = {}): FeatureSpec[] {
  const o = resolve(options);
  const specs: FeatureSpec[] = [];
  for (const h of o.returnHorizons) {
    specs.push({
      name: `logret_${h}d`,
      lookbackDays: h,
      market: false,
      description: `log(close / close ${h} day(s) earlier); see the gap rule`,
    });
  }
  for (const w of o.volatilityWindows) {
    specs.push({
      name: `vol_${w}d`,
      lookbackDays: w,
      market: false,
      description: `sample std of 1-day log returns over the last ${w} days (today included)`,
    });
  }
  specs.push(
    {
      name: "hl_range",
      lookbackDays: 0,
      market: false,
      needs: ["highLow"],
      description: "log(high / low): the day's range",
    },
    {
      name: "co_return",
      lookbackDays: 0,
      market: false,
      needs: ["open"],
      description: "log(close / open): the day's body",
    },
    {
      name: "upper_shadow",
      lookbackDays: 0,
      market: false,
      needs: ["open", "highLow"],
      description: "log(high / max(open, close))",
    },
    {
      name: "lower_shadow",
      lookbackDays: 0,
      market: false,
      needs: ["open", "highLow"],
      description: "log(min(open, close) / low)",
    },
    {
      name: `volume_z_${o.zScoreWindow}d`,
      lookbackDays: o.zScoreWindow,
      market: false,
      needs: ["volume"],
      description: `log(1 + volume) minus its mean over the previous ${o.zScoreWindow} days, over their std (floor ${LOG_VOLUME_STD_FLOOR})`,
    },
    {
      name: "logvol_change",
      lookbackDays: 1,
      market: false,
      needs: ["volume"],
      description: "log(1 + volume) minus yesterday's (NaN when yesterday is missing)",
    },
    {
      name: `ret_z_${o.zScoreWindow}d`,
      lookbackDays: o.zScoreWindow + 1,
      market: false,
      description: `1-day log return over the std of the previous ${o.zScoreWindow} days' returns (floor ${RETURN_STD_FLOOR})`,
    },
    {
      name: `ma_dist_${o.maWindow}d`,
      lookbackDays: o.maWindow - 1,
      market: false,
      description: `log(close / mean close of the last ${o.maWindow} days)`,
    },
    {
      name: `drawdown_${o.drawdownWindow}d`,
      lookbackDays: o.drawdownWindow - 1,
      market: false,
      description: `log(close / max close of the last ${o.drawdownWindow} days), <= 0`,
    },
    {
      name: "mkt_rel_ret",
      lookbackDays: 1,
      market: true,
      description: `1-day log return minus the ${o.market} 1-day return of the OTHER tokens that day`,
    },
    {
      name: `beta_${o.marketWindow}d`,
      lookbackDays: o.marketWindow,
      market: true,
      description: `beta of 1-day returns to the leave-one-out market over ${o.marketWindow} days (0 if the market is flat)`,
    },
    {
      name: `corr_${o.marketWindow}d`,
      lookbackDays: o.marketWindow,
      market: true,
      description: `correlation of 1-day returns with the leave-one-out market over ${o.marketWindow} days (0 if either is flat)`,
    },
  );
  return specs;
}

/** Names of the features produced with these options (all of them, in output order). */
export function defaultFeatureNames(options: FeatureOptions = {}): string[] {
  return featureCatalogue(options).map((s) => s.name);
}

/** What the panel's data has, for choosing features. */
export interface PanelInputs {
  open: boolean;
  highLow: boolean;
  volume: boolean;
  /** Tokens in the panel (market features need more than minMarketTokens). */
  tokens: number;
}

/** Human name of a feature input, for reasons. */
const INPUT_TEXT: Record<FeatureInput, string> = {
  open: "open prices",
  highLow: "high and low prices",
  volume: "volume",
};

/**
 * What a panel offers the features: an input is available when every token has it, by its
 * declared columns (TokenInfo.columns, set by close-only and price-only loaders) and by the
 * data (a column that is NaN on every row of a token counts as missing).
 */
export function panelInputs(panel: Panel): PanelInputs {
  const nTok = panel.tokens.length;
  const seen = { open: new Uint8Array(nTok), highLow: new Uint8Array(nTok), volume: new Uint8Array(nTok) };
  for (let i = 0; i < panel.day.length; i++) {
    const t = panel.token[i]!;
    if (!seen.open[t] && Number.isFinite(panel.open[i]!)) seen.open[t] = 1;
    if (!seen.highLow[t] && Number.isFinite(panel.high[i]!) && Number.isFinite(panel.low[i]!)) seen.highLow[t] = 1;
    if (!seen.volume[t] && Number.isFinite(panel.volume[i]!)) seen.volume[t] = 1;
  }
  const all = (
    k: keyof typeof seen,
    declared: (c: NonNullable<Panel["tokens"][number]["columns"]>) => boolean,
  ): boolean =>
    panel.tokens.every((tok, t) => seen[k][t] === 1 && (tok.columns === undefined || declared(tok.columns)));
  return {
    open: all("open", (c) => c.ohlc),
    highLow: all("highLow", (c) => c.ohlc),
    volume: all("volume", (c) => c.volume),
    tokens: nTok,
  };
}

/**
 * Split a feature selection into the features the panel can feed and those left out, with
 * the reason: a needed column is missing, or (market features) the panel has no more than
 * `minMarketTokens` tokens, so no token-day has enough other tokens for a market return.
 */
export function adaptFeatures(
  names: readonly string[],
  inputs: PanelInputs,
  options: FeatureOptions = {},
): { names: string[]; leftOut: LeftOutFeature[] } {
  const o = resolve(options);
  const byName = new Map(featureCatalogue(options).map((spec) => [spec.name, spec]));
  const kept: string[] = [];
  const leftOut: LeftOutFeature[] = [];
  for (const nm of names) {
    const spec = byName.get(nm);
    if (!spec) {
      kept.push(nm);
      continue;
    }
    const missing = (spec.needs ?? []).filter((k) => !inputs[k]);
    if (missing.length > 0) {
      leftOut.push({
        feature: nm,
        reason: `needs ${missing.map((k) => INPUT_TEXT[k]).join(" and ")}, which the data does not have for every token`,
      });
    } else if (spec.market && inputs.tokens <= o.minMarketTokens) {
      leftOut.push({
        feature: nm,
        reason: `a market feature needs more than ${o.minMarketTokens} tokens (the market of a token is at least ${o.minMarketTokens} others); the panel has ${inputs.tokens}`,
      });
    } else kept.push(nm);
  }
  return { names: kept, leftOut };
}

/** Smallest count of observations that a window of `w` slots must hold. */
function minCount(w: number, coverage: number): number {
  return Math.max(2, Math.ceil(coverage * w - 1e-9));
}

/**
 * Rolling mean and sample std over a calendar window, per token.
 * Window of row i (day d): days [d - w + 1, d], or [d - w, d - 1] when `excludeCurrent`.
 * Non-finite values are skipped; fewer than `need` observations give NaN.
 * Values are shifted by the token's first finite value so that the running sums of, e.g.,
 * log volumes (~15 +- 1) do not lose the variance to cancellation.
 */
function rollingMeanStd(
  values: Float64Array,
  day: Int32Array,
  start: Int32Array,
  end: Int32Array,
  w: number,
  excludeCurrent: boolean,
  need: number,
  outMean: Float64Array,
  outStd: Float64Array | null,
): void {
  outMean.fill(NaN);
  if (outStd) outStd.fill(NaN);
  for (let t = 0; t < start.length; t++) {
    const s = start[t]!;
    const e = end[t]!;
    let ref = NaN;
    for (let j = s; j < e; j++) {
      if (Number.isFinite(values[j]!)) {
        ref = values[j]!;
        break;
      }
    }
    if (Number.isNaN(ref)) continue;
    let lo = s;
    let hi = s;
    let cnt = 0;
    let sum = 0;
    let sumsq = 0;
    for (let i = s; i < e; i++) {
      const highDay = excludeCurrent ? day[i]! - 1 : day[i]!;
      const lowDay = highDay - w + 1;
      while (hi < e && day[hi]! <= highDay) {
        const v = values[hi]!;
        if (Number.isFinite(v)) {
          const x = v - ref;
          cnt++;
          sum += x;
          sumsq += x * x;
        }
        hi++;
      }
      while (lo < hi && day[lo]! < lowDay) {
        const v = values[lo]!;
        if (Number.isFinite(v)) {
          const x = v - ref;
          cnt--;
          sum -= x;
          sumsq -= x * x;
        }
        lo++;
      }
      if (cnt === 0) {
        // Nothing in the window: restart the sums so that rounding residue cannot build up.
        sum = 0;
        sumsq = 0;
      } else if (cnt >= need) {
        const mean = sum / cnt;
        outMean[i] = ref + mean;
        if (outStd) {
          const v = (sumsq - sum * mean) / (cnt - 1);
          outStd[i] = v > MIN_VARIANCE ? Math.sqrt(v) : 0;
        }
      }
    }
  }
}

/**
 * Rolling beta of x on y and correlation over days [d - w + 1, d], per token, using only
 * days where both are finite. Flat y gives beta 0; flat x or y gives correlation 0.
 */
function rollingBetaCorr(
  x: Float64Array,
  y: Float64Array,
  day: Int32Array,
  start: Int32Array,
  end: Int32Array,
  w: number,
  need: number,
  outBeta: Float64Array,
  outCorr: Float64Array,
): void {
  outBeta.fill(NaN);
  outCorr.fill(NaN);
  for (let t = 0; t < start.length; t++) {
    const s = start[t]!;
    const e = end[t]!;
    let lo = s;
    let cnt = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = s; i < e; i++) {
      const xi = x[i]!;
      const yi = y[i]!;
      if (Number.isFinite(xi) && Number.isFinite(yi)) {
        cnt++;
        sx += xi;
        sy += yi;
        sxx += xi * xi;
        syy += yi * yi;
        sxy += xi * yi;
      }
      const lowDay = day[i]! - w + 1;
      while (day[lo]! < lowDay) {
        const xl = x[lo]!;
        const yl = y[lo]!;
        if (Number.isFinite(xl) && Number.isFinite(yl)) {
          cnt--;
          sx -= xl;
          sy -= yl;
          sxx -= xl * xl;
          syy -= yl * yl;
          sxy -= xl * yl;
        }
        lo++;
      }
      if (cnt === 0) {
        sx = sy = sxx = syy = sxy = 0;
      } else if (cnt >= need) {
        const vx = (sxx - (sx * sx) / cnt) / (cnt - 1);
        const vy = (syy - (sy * sy) / cnt) / (cnt - 1);
        const cxy = (sxy - (sx * sy) / cnt) / (cnt - 1);
        outBeta[i] = vy > MIN_VARIANCE ? cxy / vy : 0;
        outCorr[i] = vx > MIN_VARIANCE && vy > MIN_VARIANCE ? Math.max(-1, Math.min(1, cxy / Math.sqrt(vx * vy))) : 0;
      }
    }
  }
}

/**
 * log(close / max close) over days [d - w + 1, d], per token (monotonic deque of row
 * indices, O(rows)). Needs `need` finite closes in the window.
 */
function rollingDrawdown(
  logClose: Float64Array,
  day: Int32Array,
  start: Int32Array,
  end: Int32Array,
  w: number,
  need: number,
  out: Float64Array,
  deque: Int32Array,
): void {
  out.fill(NaN);
  for (let t = 0; t < start.length; t++) {
    const s = start[t]!;
    const e = end[t]!;
    let head = s;
    let tail = s;
    let lo = s;
    let cnt = 0;
    for (let i = s; i < e; i++) {
      const v = logClose[i]!;
      const finite = Number.isFinite(v);
      if (finite) {
        while (tail > head && logClose[deque[tail - 1]!]! <= v) tail--;
        deque[tail++] = i;
        cnt++;
      }
      const lowDay = day[i]! - w + 1;
      while (day[lo]! < lowDay) {
        if (Number.isFinite(logClose[lo]!)) cnt--;
        lo++;
      }
      while (tail > head && day[deque[head]!]! < lowDay) head++;
      if (finite && cnt >= need) out[i] = v - logClose[deque[head]!]!;
    }
  }
}

/** Index of the first element >= v in sorted[0..m). */
function lowerBound(sorted: Float64Array, m: number, v: number): number {
  let a = 0;
  let b = m;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (sorted[mid]! < v) a = mid + 1;
    else b = mid;
  }
  return a;
}

/**
 * Leave-one-out market return per row: the median (or mean) of the 1-day returns of the
 * OTHER tokens on the same day; NaN when the row has no return or fewer than `minOthers`
 * other tokens have one. Rows are grouped by day with a counting sort (O(rows)); each day's
 * returns are sorted once and the median without element k is read off the sorted list.
 */
function leaveOneOutMarket(
  r1: Float64Array,
  day: Int32Array,
  how: "median" | "mean",
  minOthers: number,
  out: Float64Array,
): void {
  const n = r1.length;
  out.fill(NaN);
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (let i = 0; i < n; i++) {
    const d = day[i]!;
    if (d < minDay) minDay = d;
    if (d > maxDay) maxDay = d;
  }
  const nDays = maxDay - minDay + 1;
  const offset = new Int32Array(nDays + 1);
  for (let i = 0; i < n; i++) offset[day[i]! - minDay + 1]++;
  let largest = 0;
  for (let k = 0; k < nDays; k++) {
    largest = Math.max(largest, offset[k + 1]!);
    offset[k + 1] += offset[k]!;
  }
  const cursor = offset.slice(0, nDays);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[cursor[day[i]! - minDay]!++] = i;
  const scratch = new Float64Array(largest);
  for (let k = 0; k < nDays; k++) {
    const a = offset[k]!;
    const b = offset[k + 1]!;
    let m = 0;
    let sum = 0;
    for (let q = a; q < b; q++) {
      const v = r1[order[q]!]!;
      if (Number.isFinite(v)) {
        scratch[m++] = v;
        sum += v;
      }
    }
    if (m - 1 < minOthers) continue;
    const sorted = scratch.subarray(0, m);
    if (how === "median") sorted.sort();
    const rest = m - 1;
    for (let q = a; q < b; q++) {
      const row = order[q]!;
      const v = r1[row]!;
      if (!Number.isFinite(v)) continue;
      if (how === "mean") {
        out[row] = (sum - v) / rest;
        continue;
      }
      const skip = lowerBound(sorted, m, v);
      // Rank j among the others is sorted[j] below the removed element, sorted[j + 1] above.
      const hi = rest >> 1;
      const upper = sorted[hi < skip ? hi : hi + 1]!;
      if (rest % 2 === 1) out[row] = upper;
      else {
        const lo = hi - 1;
        out[row] = 0.5 * (sorted[lo < skip ? lo : lo + 1]! + upper);
      }
    }
  }
}

/**
 * Build per token-day feature rows from a Panel. See the module comment for the gap rule,
 * the causality guarantee and the drop reasons.
 *
 * @param panel a valid Panel (checked with assertPanel), sorted by (token, day).
 * @param options documented defaults: horizons [1, 5, 20], volatility [10, 30], z-scores 30,
 *   MA 20, beta/corr 30, drawdown 30, leave-one-out median market, minCoverage 0.8.
 * @returns a FeatureTable with `X` `[nRows, nFeatures]` float32 in panel order.
 * @throws when the panel is empty or invalid, an option is invalid, a feature name is
 *   unknown, or no row survives (the message gives the counts and the worst features).
 */
export function buildFeatures(panel: Panel, options: FeatureOptions = {}): FeatureTable {
  const o = resolve(options);
  assertPanel(panel);
  const n = panel.day.length;
  if (n === 0) throw new Error(`Cannot build features from an empty panel (source ${panel.source}): it has no rows.`);

  const catalogue = featureCatalogue(options);
  const byName = new Map(catalogue.map((s) => [s.name, s]));
  const wanted = options.features ? [...options.features] : catalogue.map((s) => s.name);
  if (wanted.length === 0)
    throw new Error(`Feature option features is empty: choose at least one of ${[...byName.keys()].join(", ")}.`);
  for (const nm of wanted) {
    if (!byName.has(nm))
      throw new Error(`Unknown feature "${nm}". Known with these options: ${[...byName.keys()].join(", ")}.`);
  }
  if (new Set(wanted).size !== wanted.length)
    throw new Error(`Feature option features lists a name twice: ${wanted.join(", ")}.`);
  // The feature set adapts to the data: features whose columns are missing are left out.
  const adapted = adaptFeatures(wanted, panelInputs(panel), options);
  const names = adapted.names;
  if (names.length === 0)
    throw new Error(
      `None of the chosen features can be built from this panel (${adapted.leftOut.map((x) => `${x.feature}: ${x.reason}`).join("; ")}). Choose features that need only closes, e.g. logret_1d.`,
    );
  const F = names.length;
  const colOf = (nm: string): number => names.indexOf(nm);
  const lookbackDays = Math.max(...names.map((nm) => byName.get(nm)!.lookbackDays));
  const isMarketCol = new Uint8Array(F);
  names.forEach((nm, k) => (isMarketCol[k] = byName.get(nm)!.market ? 1 : 0));
  const anyMarket = isMarketCol.some((v) => v === 1);

  const { day } = panel;
  const { start, end } = tokenRanges(panel);
  const buf = new Float32Array(n * F);
  const put = (k: number, values: Float64Array): void => {
    if (k < 0) return;
    for (let i = 0, p = k; i < n; i++, p += F) buf[p] = values[i]!;
  };

  // Base series. Non-positive prices and negative volumes become NaN (dropped as non-finite).
  const logClose = new Float64Array(n);
  const logVol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = panel.close[i]!;
    logClose[i] = c > 0 ? Math.log(c) : NaN;
    const v = panel.volume[i]!;
    // log(1 + volume): zero-volume days stay finite.
    logVol[i] = v >= 0 ? Math.log1p(v) : NaN;
  }
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const r1 = new Float64Array(n);
  const shortened = new Uint8Array(n);

  // Returns: reference = earliest row with day in [d - h, d - ceil(minCoverage * h)].
  const horizonOrder = [...o.returnHorizons].sort((x, y) => x - y);
  if (horizonOrder[0] !== 1) horizonOrder.unshift(1);
  for (const h of horizonOrder) {
    const bit = o.returnHorizons.indexOf(h);
    const target = h === 1 ? r1 : a;
    const latest = Math.max(1, Math.ceil(o.minCoverage * h - 1e-9));
    target.fill(NaN);
    for (let t = 0; t < start.length; t++) {
      let p = start[t]!;
      for (let i = start[t]!; i < end[t]!; i++) {
        const d = day[i]!;
        while (p < i && day[p]! < d - h) p++;
        if (p < i && day[p]! <= d - latest) {
          target[i] = logClose[i]! - logClose[p]!;
          if (day[p]! !== d - h && bit >= 0) shortened[i] |= 1 << bit;
        }
      }
    }
    if (bit >= 0) put(colOf(`logret_${h}d`), target);
  }

  for (const w of o.volatilityWindows) {
    const k = colOf(`vol_${w}d`);
    if (k < 0) continue;
    rollingMeanStd(r1, day, start, end, w, false, minCount(w, o.minCoverage), a, b);
    put(k, b);
  }

  // Intraday shape.
  const kRange = colOf("hl_range");
  const kBody = colOf("co_return");
  const kUp = colOf("upper_shadow");
  const kLow = colOf("lower_shadow");
  if (kRange >= 0 || kBody >= 0 || kUp >= 0 || kLow >= 0) {
    for (let i = 0; i < n; i++) {
      const op = panel.open[i]!;
      const hi = panel.high[i]!;
      const lo = panel.low[i]!;
      const cl = panel.close[i]!;
      const ok = op > 0 && hi > 0 && lo > 0 && cl > 0;
      const p = i * F;
      if (kRange >= 0) buf[p + kRange] = ok ? Math.log(hi / lo) : NaN;
      if (kBody >= 0) buf[p + kBody] = ok ? Math.log(cl / op) : NaN;
      if (kUp >= 0) buf[p + kUp] = ok ? Math.log(hi / Math.max(op, cl)) : NaN;
      if (kLow >= 0) buf[p + kLow] = ok ? Math.log(Math.min(op, cl) / lo) : NaN;
    }
  }

  const zw = o.zScoreWindow;
  const kVz = colOf(`volume_z_${zw}d`);
  if (kVz >= 0) {
    rollingMeanStd(logVol, day, start, end, zw, true, minCount(zw, o.minCoverage), a, b);
    for (let i = 0; i < n; i++) a[i] = (logVol[i]! - a[i]!) / Math.max(b[i]!, LOG_VOLUME_STD_FLOOR);
    put(kVz, a);
  }
  const kVc = colOf("logvol_change");
  if (kVc >= 0) {
    a.fill(NaN);
    for (let i = 1; i < n; i++) {
      if (panel.token[i] === panel.token[i - 1] && day[i] === day[i - 1]! + 1) a[i] = logVol[i]! - logVol[i - 1]!;
    }
    put(kVc, a);
  }
  const kRz = colOf(`ret_z_${zw}d`);
  if (kRz >= 0) {
    rollingMeanStd(r1, day, start, end, zw, true, minCount(zw, o.minCoverage), a, b);
    for (let i = 0; i < n; i++) a[i] = r1[i]! / Math.max(b[i]!, RETURN_STD_FLOOR);
    put(kRz, a);
  }
  const kMa = colOf(`ma_dist_${o.maWindow}d`);
  if (kMa >= 0) {
    for (let i = 0; i < n; i++) b[i] = panel.close[i]! > 0 ? panel.close[i]! : NaN;
    rollingMeanStd(b, day, start, end, o.maWindow, false, minCount(o.maWindow, o.minCoverage), a, null);
    for (let i = 0; i < n; i++) a[i] = logClose[i]! - Math.log(a[i]!);
    put(kMa, a);
  }
  const kDd = colOf(`drawdown_${o.drawdownWindow}d`);
  if (kDd >= 0) {
    rollingDrawdown(
      logClose,
      day,
      start,
      end,
      o.drawdownWindow,
      minCount(o.drawdownWindow, o.minCoverage),
      a,
      new Int32Array(n),
    );
    put(kDd, a);
  }

  // Market features (leave-one-out, so a token's own move never defines its market).
  const mkt = anyMarket ? new Float64Array(n) : null;
  if (mkt) {
    leaveOneOutMarket(r1, day, o.market, o.minMarketTokens, mkt);
    const kRel = colOf("mkt_rel_ret");
    if (kRel >= 0) {
      for (let i = 0; i < n; i++) a[i] = r1[i]! - mkt[i]!;
      put(kRel, a);
    }
    const kBeta = colOf(`beta_${o.marketWindow}d`);
    const kCorr = colOf(`corr_${o.marketWindow}d`);
    if (kBeta >= 0 || kCorr >= 0) {
      rollingBetaCorr(r1, mkt, day, start, end, o.marketWindow, minCount(o.marketWindow, o.minCoverage), a, b);
      put(kBeta, a);
      put(kCorr, b);
    }
  }

  // Keep rows whose features are all finite (after the float32 cast); classify the rest.
  const outToken = new Int32Array(n);
  const outDay = new Int32Array(n);
  const outRow = new Int32Array(n);
  const outKind = panel.anomalyKind ? new Int8Array(n) : null;
  let warm = 0;
  let gaps = 0;
  let thin = 0;
  let bad = 0;
  const shortCount = new Float64Array(o.returnHorizons.length);
  let kept = 0;
  for (let t = 0; t < start.length; t++) {
    const s = start[t]!;
    const e = end[t]!;
    let lo = s;
    for (let i = s; i < e; i++) {
      const d = day[i]!;
      while (day[lo]! < d - lookbackDays) lo++;
      const p = i * F;
      let finiteOwn = true;
      let finiteMarket = true;
      for (let k = 0; k < F; k++) {
        if (!Number.isFinite(buf[p + k]!)) {
          if (isMarketCol[k]) finiteMarket = false;
          else finiteOwn = false;
        }
      }
      if (d - day[s]! < lookbackDays) warm++;
      else if (finiteOwn && finiteMarket) {
        if (kept !== i) for (let k = 0, q = kept * F; k < F; k++) buf[q + k] = buf[p + k]!;
        outToken[kept] = t;
        outDay[kept] = d;
        outRow[kept] = i;
        if (outKind) outKind[kept] = panel.anomalyKind![i]!;
        const bits = shortened[i]!;
        if (bits) for (let q = 0; q < shortCount.length; q++) if (bits & (1 << q)) shortCount[q]++;
        kept++;
      } else if (i - lo < lookbackDays) gaps++;
      else if (finiteOwn && Number.isFinite(r1[i]!)) thin++;
      else bad++;
    }
  }
  const dropped = [
    { reason: "warm-up", count: warm },
    { reason: "gaps", count: gaps },
    { reason: "thin market", count: thin },
    { reason: "non-finite", count: bad },
  ];
  if (kept === 0) {
    throw new Error(
      `No feature row survives out of ${n} panel rows (${dropped.map((x) => `${x.reason}: ${x.count}`).join(", ")}). ` +
        `Features need ${lookbackDays} days of history per token` +
        (anyMarket ? ` and at least ${o.minMarketTokens} other tokens trading the same day` : "") +
        `; supply longer histories, lower the windows, or choose fewer features (option features).`,
    );
  }
  // Never a constant feature: a column with one value on every kept row carries nothing.
  const leftOut = adapted.leftOut;
  const constant = constantColumns(buf, kept, F);
  let outNames = names;
  let outF = F;
  if (constant.length > 0 && constant.length < F) {
    const keepCols = names.map((_, k) => k).filter((k) => !constant.includes(k));
    for (const k of constant)
      leftOut.push({ feature: names[k]!, reason: `constant (${buf[k]}) on every one of the ${kept} feature rows` });
    for (let i = 0; i < kept; i++) {
      const from = i * F;
      const to = i * keepCols.length;
      for (let q = 0; q < keepCols.length; q++) buf[to + q] = buf[from + keepCols[q]!]!;
    }
    outNames = keepCols.map((k) => names[k]!);
    outF = keepCols.length;
  }
  const repairs = o.returnHorizons
    .map((h, q) => ({ h, q }))
    .filter(({ h }) => h > 1 && outNames.includes(`logret_${h}d`))
    .map(({ h, q }) => ({ reason: `logret_${h}d over a shorter span (day d-${h} missing)`, count: shortCount[q]! }));
  return {
    featureNames: outNames,
    X: {
      data: kept >= n * (1 - MAX_VIEW_WASTE) ? buf.subarray(0, kept * outF) : buf.slice(0, kept * outF),
      rows: kept,
      cols: outF,
    },
    token: outToken.slice(0, kept),
    day: outDay.slice(0, kept),
    rowOfPanel: outRow.slice(0, kept),
    anomalyKind: outKind ? outKind.slice(0, kept) : null,
    dropped,
    repairs,
    lookbackDays,
    leftOut,
  };
}

/** Columns of the first `rows` rows of a row-major `[rows, cols]` buffer that hold one value only. */
function constantColumns(buf: Float32Array, rows: number, cols: number): number[] {
  if (rows < 2) return [];
  const varying = new Uint8Array(cols);
  let left = cols;
  for (let i = 1; i < rows && left > 0; i++) {
    const p = i * cols;
    for (let k = 0; k < cols; k++) {
      if (!varying[k] && buf[p + k] !== buf[k]) {
        varying[k] = 1;
        left--;
      }
    }
  }
  const out: number[] = [];
  for (let k = 0; k < cols; k++) if (!varying[k]) out.push(k);
  return out;
}

/** One-line summary of a FeatureTable (rows, features, drops, day range) for logs and notebooks. */
export function describeFeatureTable(table: FeatureTable): string {
  const { rows, cols } = table.X;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < table.day.length; i++) {
    lo = Math.min(lo, table.day[i]!);
    hi = Math.max(hi, table.day[i]!);
  }
  const range = rows > 0 ? `${dayToIso(lo)}..${dayToIso(hi)}` : "no days";
  const drops =
    table.dropped
      .filter((d) => d.count > 0)
      .map((d) => `${d.reason} ${d.count}`)
      .join(", ") || "none";
  return `${rows} rows x ${cols} features (${range}); dropped: ${drops}; lookback ${table.lookbackDays} days.`;
}
