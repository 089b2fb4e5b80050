/**
 * Options and ground-truth types of the synthetic market (`generateMarket`): sectors, regimes,
 * `MarketOptions` with its defaults and their resolution, and `MarketTruth`.
 *
 * Why its own file: the option surface is what callers read; the simulation lives in
 * synthetic-factors.ts, synthetic-tokens.ts and synthetic-anomalies.ts.
 */
import { ANOMALY_KINDS, type AnomalyKind, isoToDay } from "./panel";

/** Sectors of the synthetic market, in the order used by `MarketTruth.sectorNames`. */
export const SECTORS = ["layer-1", "defi", "exchange", "meme", "stablecoin", "gaming", "infra"] as const;
export type Sector = (typeof SECTORS)[number];

/** Market regimes, in the order of the codes in `MarketTruth.regime`. */
export const REGIME_NAMES = ["calm", "bull", "bear"] as const;
export type RegimeName = (typeof REGIME_NAMES)[number];

/** Anomaly kinds that can be injected (every kind of ANOMALY_KINDS except "none"). */
export type InjectedAnomalyKind = Exclude<AnomalyKind, "none">;

/** Options of `generateMarket`; every field is optional (see DEFAULT_MARKET_OPTIONS). */
export interface MarketOptions {
  /** Number of tokens (default 160, the default profile). */
  nTokens?: number;
  /** Number of calendar days (default 1500). */
  nDays?: number;
  /** ISO date of day index 0 (default "2020-01-01"). */
  startDate?: string;
  /** Relative weights of sectors; missing sectors get weight 0 when an object is given. */
  sectorMix?: Partial<Record<Sector, number>>;
  /** Share of panel rows labelled anomalous (default 0.006). 0 disables injection. */
  anomalyRate?: number;
  /** Shares of labelled rows per anomaly kind (normalised; default DEFAULT_ANOMALY_MIX). */
  anomalyMix?: Partial<Record<InjectedAnomalyKind, number>>;
  /** Number of market-wide crash days (default: one per 365 days, at least 1 when nDays >= 42). */
  crashCount?: number;
  /** Expected share of days missing inside a token's life (default 0.01). */
  missingDayRate?: number;
  /** Share of tokens (besides the flagships) listed after day 0 (default 0.4). */
  lateListingRate?: number;
  /** Share of tokens (besides the flagships) delisted before the last day (default 0.12). */
  delistingRate?: number;
}

/** `MarketOptions` with every field resolved. */
export interface ResolvedMarketOptions {
  nTokens: number;
  nDays: number;
  startDate: string;
  sectorMix: Record<Sector, number>;
  anomalyRate: number;
  anomalyMix: Record<InjectedAnomalyKind, number>;
  crashCount: number;
  missingDayRate: number;
  lateListingRate: number;
  delistingRate: number;
}

/**
 * Default sector weights: roughly the share of each sector among the top few hundred coins
 * by count (DeFi and meme coins are numerous, stablecoins and exchange tokens few).
 */
export const DEFAULT_SECTOR_MIX: Readonly<Record<Sector, number>> = {
  "layer-1": 0.16,
  defi: 0.22,
  exchange: 0.08,
  meme: 0.18,
  stablecoin: 0.06,
  gaming: 0.14,
  infra: 0.16,
};

/**
 * Default shares of labelled rows per kind. Pump-and-dumps are long episodes and the most
 * common manipulation; depegs only happen to the few stablecoins.
 */
export const DEFAULT_ANOMALY_MIX: Readonly<Record<InjectedAnomalyKind, number>> = {
  pump_and_dump: 0.3,
  flash_crash: 0.15,
  depeg: 0.08,
  volume_spike: 0.27,
  bad_print: 0.2,
};

/** Defaults of `MarketOptions` (crashCount depends on nDays, see `resolveMarketOptions`). */
export const DEFAULT_MARKET_OPTIONS = {
  nTokens: 160,
  nDays: 1500,
  startDate: "2020-01-01",
  anomalyRate: 0.006,
  missingDayRate: 0.01,
  lateListingRate: 0.4,
  delistingRate: 0.12,
} as const;

/** Ground truth of a synthetic market, for analysis and tests. Day arrays are `[nDays]`. */
export interface MarketTruth {
  /** UTC day number of day index 0; day index d is UTC day startDay + d. */
  startDay: number;
  nDays: number;
  /** Regime code per day index (index into regimeNames), `[nDays]`. */
  regime: Int8Array;
  regimeNames: readonly RegimeName[];
  /** Market factor log return per day index, crash shocks included, `[nDays]`. */
  marketReturn: Float64Array;
  /** Conditional daily volatility of the market factor, `[nDays]`. */
  marketVol: Float64Array;
  /** UTC day numbers of the market-wide crash days, ascending. */
  crashDays: number[];
  /** Market-factor shock (negative log return) of each crash day, same order. */
  crashShocks: number[];
  sectorNames: readonly Sector[];
  /** Sector factor log return per sector (same order as sectorNames), each `[nDays]`. */
  sectorReturn: Float64Array[];
  /** Sector of each token as an index into sectorNames, `[nTokens]`. */
  tokenSector: Int32Array;
  /** Market beta b_i per token, `[nTokens]` (0 for stablecoins). */
  betaMarket: Float64Array;
  /** Sector loading g_i per token, `[nTokens]`. */
  betaSector: Float64Array;
  /** Long-run daily sd of the idiosyncratic part per token, `[nTokens]`. */
  idioVol: Float64Array;
  /** Student-t degrees of freedom of each token's idiosyncratic innovations, `[nTokens]`. */
  tailDof: Float64Array;
  /** UTC day of each token's first and last row, `[nTokens]`. */
  firstDay: Int32Array;
  lastDay: Int32Array;
  /** 1 when the token stops before the last day of the panel, `[nTokens]`. */
  delisted: Uint8Array;
  /** Labelled rows per injected kind. */
  anomalyRows: Record<InjectedAnomalyKind, number>;
  /** Days dropped as missing inside tokens' lives. */
  missingRows: number;
  /** The options actually used. */
  options: ResolvedMarketOptions;
}

/** No crash in the first days (let GARCH settle) and at least this many days between crashes. */
export const CRASH_MIN_DAY = 30;
export const CRASH_MIN_SEPARATION = 60;

/** Fill in defaults and check options; throws naming the bad value and the fix. */
export function resolveMarketOptions(options: MarketOptions = {}): ResolvedMarketOptions {
  const d = DEFAULT_MARKET_OPTIONS;
  const nTokens = options.nTokens ?? d.nTokens;
  const nDays = options.nDays ?? d.nDays;
  if (!Number.isInteger(nTokens) || nTokens < 1)
    throw new Error(`generateMarket: nTokens must be a positive integer, got ${nTokens}.`);
  if (!Number.isInteger(nDays) || nDays < 30)
    throw new Error(`generateMarket: nDays must be an integer >= 30, got ${nDays}. Use at least a month of days.`);
  const startDate = options.startDate ?? d.startDate;
  isoToDay(startDate); // throws on a bad date
  const rate = (name: string, v: number | undefined, fallback: number, max: number): number => {
    const x = v ?? fallback;
    if (!(x >= 0 && x <= max)) throw new Error(`generateMarket: ${name} must be in [0, ${max}], got ${x}.`);
    return x;
  };
  const anomalyRate = rate("anomalyRate", options.anomalyRate, d.anomalyRate, 0.2);
  const missingDayRate = rate("missingDayRate", options.missingDayRate, d.missingDayRate, 0.5);
  const lateListingRate = rate("lateListingRate", options.lateListingRate, d.lateListingRate, 1);
  const delistingRate = rate("delistingRate", options.delistingRate, d.delistingRate, 1);
  const sectorMix = normaliseMix("sectorMix", SECTORS, options.sectorMix ?? DEFAULT_SECTOR_MIX);
  const kinds = ANOMALY_KINDS.slice(1) as InjectedAnomalyKind[];
  const anomalyMix = normaliseMix("anomalyMix", kinds, options.anomalyMix ?? DEFAULT_ANOMALY_MIX);
  // Crashes need CRASH_MIN_DAY quiet days first, 5 at the end and about a week each.
  const maxCrashes = Math.max(0, Math.floor((nDays - CRASH_MIN_DAY - 5) / 7));
  const crashCount = options.crashCount ?? Math.min(maxCrashes, Math.max(1, Math.round(nDays / 365)));
  if (!Number.isInteger(crashCount) || crashCount < 0)
    throw new Error(`generateMarket: crashCount must be a non-negative integer, got ${crashCount}.`);
  if (crashCount > maxCrashes)
    throw new Error(
      `generateMarket: crashCount ${crashCount} does not fit in ${nDays} days; use at most ${maxCrashes} or more days.`,
    );
  return {
    nTokens,
    nDays,
    startDate,
    sectorMix,
    anomalyRate,
    anomalyMix,
    crashCount,
    missingDayRate,
    lateListingRate,
    delistingRate,
  };
}

function normaliseMix<K extends string>(
  name: string,
  keys: readonly K[],
  mix: Partial<Record<K, number>>,
): Record<K, number> {
  for (const k of Object.keys(mix)) {
    if (!(keys as readonly string[]).includes(k))
      throw new Error(`generateMarket: unknown ${name} key "${k}". Allowed: ${keys.join(", ")}.`);
  }
  let total = 0;
  for (const k of keys) {
    const w = mix[k] ?? 0;
    if (!(w >= 0) || !Number.isFinite(w))
      throw new Error(`generateMarket: ${name}.${k} must be a finite weight >= 0, got ${w}.`);
    total += w;
  }
  if (!(total > 0)) throw new Error(`generateMarket: ${name} weights sum to 0; give at least one positive weight.`);
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = (mix[k] ?? 0) / total;
  return out;
}
