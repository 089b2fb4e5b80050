/**
 * The feature catalogue of `buildFeatures`: default windows and floors, `FeatureOptions` and
 * their resolution, the catalogue of feature names with their inputs, and the selection of the
 * features a panel can support (`adaptFeatures`).
 *
 * Why its own file: which features exist and which a panel gets is separate from how they are
 * computed (features.ts, feature-windows.ts).
 */
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

export interface Resolved {
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

export function resolve(o: FeatureOptions): Resolved {
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
