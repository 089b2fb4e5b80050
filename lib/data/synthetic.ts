/**
 * A seeded synthetic crypto market: a Panel with known structure and labelled anomalies.
 *
 * Why: the autoencoders must be judged on data whose answers are known. The simulator
 * reproduces what matters for that analysis in a real crypto panel (a dominant market
 * factor, sectors, fat tails, volatility clustering, regimes, crashes, a ragged panel with
 * gaps, realistic price and volume levels) and injects anomalies of five kinds whose
 * rows and episodes are returned as ground truth. Same seed, same bytes.
 *
 * The generative model, day by day (d = day index 0..nDays-1, token i, sector k):
 *
 * 1. Regimes. A Markov chain over {calm, bull, bear}: a regime lasts a minimum of
 *    REGIME_MIN_DAYS plus an exponential number of days with a regime-specific mean, then
 *    switches to one of the other two regimes. Each regime sets the market's daily drift
 *    mu(regime) and a volatility multiplier v(regime).
 * 2. Market factor (think BTC). m[d] = mu(regime) + v(regime) * MARKET.longRunVol
 *    * sqrt(h[d]) * z[d], where z is Student-t with MARKET.dof degrees of freedom scaled
 *    to unit variance and h follows a GARCH(1,1) normalised to a long-run mean of one:
 *    h[d] = (1 - alpha - beta) + alpha * h[d-1] * z[d-1]^2 + beta * h[d-1], capped at
 *    GARCH_MAX_H. On each crash day the market factor gets an extra shock of minus
 *    CRASH_SIZE (a log return) and that day's innovation is made negative; every sector
 *    factor falls by a further random part of the shock, the next day rebounds by a
 *    fraction of it, and the shock feeds into h so that volatility stays high for weeks.
 * 3. Sector factors. s[k][d] = hype drift (a few random windows per sector where the
 *    sector rallies, "DeFi summer") - sd^2 / 2 + sd * Student-t, with sd = sectorVol(k)
 *    * sqrt(h_k[d]) and h_k its own GARCH(1,1). Stablecoins have no sector factor.
 * 4. Token log returns. r[i][d] = a_i + b_i * m[d] + g_i * s[k(i)][d]
 *    + idioVol_i * L_i(age) * sqrt(h_i[d]) * e[i][d] + jump + death drift, where a_i is
 *    a small token drift minus IDIO_DRAG * idioVol_i^2 (volatile tokens decay in median,
 *    as most altcoins do), b_i the market beta and g_i the sector loading (drawn per
 *    sector), e Student-t with a token-specific dof, h_i a token GARCH(1,1), L_i a
 *    listing boost (volatility is higher in a token's first weeks, decaying
 *    exponentially), jump a rare compound-Poisson term (unlabelled natural outliers),
 *    and death drift a negative drift over the last weeks of a token that will be
 *    delisted. Close = listing price * exp(cumulative sum of r).
 * 5. Stablecoins. close = 1 + x[d], x[d] = STABLE_AR * x[d-1] + STABLE_NOISE * t-noise
 *    (clipped at STABLE_MAX_SHOCK sd), with a small dip on crash days: tight mean
 *    reversion around 1.
 * 6. OHLC. open = previous true close * exp(small noise); high = max(open, close)
 *    * exp(RANGE_SCALE * sigma * Exp(1)), low = min(open, close) * exp(-RANGE_SCALE
 *    * sigma * Exp(1)), sigma the token's conditional daily volatility that day.
 * 7. Volume (quote currency, e.g. USD). log volume = log(turnover_i * market cap)
 *    + VOLUME_ABS_RETURN_LOADING * (|r| / sigma - mean) + VOLUME_VOL_LOADING
 *    * log(sigma / long-run sigma) + AR(1) noise + weekend dip. So volume scales with the
 *    token's size and reacts to absolute returns and to volatility.
 * 8. Market cap = close * supply, supply = initial cap / listing price growing at a
 *    token-specific rate.
 * 9. Panel shape. Some tokens list late, some are delisted before the end (a ragged
 *    panel), and random gaps of 1..MAX_GAP_DAYS days are missing inside a token's life.
 * 10. Anomalies (labelled per row in `anomalyKind` and per episode in `events`):
 *    pump_and_dump: a 3..8 day convex ramp of +50%..+300% with rising volume and wider
 *      ranges, then a 1..3 day collapse to below the pre-pump level;
 *    flash_crash: one day whose intraday low is 25%..65% below the open while the close
 *      recovers most of the drop (it keeps 5%..40% of it), with a volume burst;
 *    depeg: a stablecoin slides to 0.85..0.97 over 1..3 days, stays 1..5 days and
 *      returns to 1 over 2..5 days, with heavy volume;
 *    volume_spike: volume x10..x50 on one or two days with the price path unchanged;
 *    bad_print: either one erroneous close (x10, /10, or a milder x or / 1.3..3) on one
 *      day, or a stale feed that repeats the previous row for 2..4 days.
 *    Anomaly episodes avoid crash days, listing weeks and each other; missing days avoid
 *    them, so every labelled row is in the panel. `anomalyRate` is the share of rows
 *    labelled, split among kinds by `anomalyMix` (shares of labelled rows); episodes are
 *    added while they bring a kind closer to its target, and a kind whose target is at
 *    least one row gets at least one episode.
 *
 * Every random draw comes from forks of one seeded Rng (market, tokens, anomalies,
 * missing days, one stream per token), so the market and sector factors do not depend
 * on the number of tokens, and one token's path does not shift another's.
 */
import { type Rng, makeRng } from "../runtime/rng";
import { ANOMALY_KINDS, type AnomalyEvent, type AnomalyKind, type Panel, type TokenInfo, isoToDay } from "./panel";

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

// ---------------------------------------------------------------------------------------
// Model constants (daily units; log returns).

/** Regime parameters: daily market drift, volatility multiplier, mean extra duration. */
const REGIMES: Record<RegimeName, { drift: number; volMult: number; meanDays: number }> = {
  // calm: flat prices and low volatility (2019-style consolidation).
  calm: { drift: 0.0002, volMult: 0.7, meanDays: 110 },
  // bull: +0.22%/day is about +120%/year, as in crypto bull runs.
  bull: { drift: 0.0022, volMult: 1.0, meanDays: 140 },
  // bear: -0.22%/day is about -55%/year, with higher volatility.
  bear: { drift: -0.0022, volMult: 1.3, meanDays: 110 },
};
/** Shortest regime spell in days (so regimes are visible periods, not noise). */
const REGIME_MIN_DAYS = 30;
/** Next-regime probabilities: from calm to bull, from bull to calm, from bear to calm. */
const REGIME_SWITCH = { calmToBull: 0.6, bullToCalm: 0.5, bearToCalm: 0.6 };

/** Market factor: 3.2% long-run daily sd (BTC 2019-2023), GARCH(0.12, 0.85), t(4.5). */
const MARKET = { longRunVol: 0.032, alpha: 0.12, beta: 0.85, dof: 4.5 };
/** Sector factors: GARCH(0.08, 0.88), t(5). */
const SECTOR_GARCH = { alpha: 0.08, beta: 0.88, dof: 5 };
/** Cap of a normalised GARCH variance: at most 4x the long-run volatility. */
const GARCH_MAX_H = 16;

/** Crash shock of the market factor: -12%..-30% log return in one day (March 2020: -50% intraday). */
const CRASH_SIZE = { min: 0.12, max: 0.3 };
/** Extra fall of each sector factor on a crash day, as a fraction of the market shock. */
const CRASH_SECTOR_EXTRA = 0.5;
/** Next-day rebound as a fraction of the shock. */
const CRASH_REBOUND = { min: 0.1, max: 0.4 };
/** Weight of a crash shock in the next day's GARCH variance (keeps vol high for weeks). */
const CRASH_GARCH_WEIGHT = 0.1;
/** No crash in the first days (let GARCH settle) and at least this many days between crashes. */
const CRASH_MIN_DAY = 30;
const CRASH_MIN_SEPARATION = 60;

/** Sector hype windows: about one per 600 days per sector, 20..80 days, +0.3..1.2%/day. */
const HYPE = { daysPerWindow: 600, minLen: 20, maxLen: 80, minDrift: 0.003, maxDrift: 0.012 };

/** Idiosyncratic GARCH: alpha 0.08..0.16 and persistence alpha+beta 0.93..0.985 (crypto fits are this persistent). */
const TOKEN_GARCH = { alphaMin: 0.08, alphaMax: 0.16, persistMin: 0.93, persistMax: 0.985 };
/** Token tail dof 3.5..6: crypto daily returns have a tail index of roughly 3..5. */
const TOKEN_DOF = { min: 3.5, max: 6 };
/** Token drift a_i: sd 0.04%/day, about +-0.4 log units over 1000 days, minus IDIO_DRAG * idioVol^2. */
const TOKEN_DRIFT_SD = 0.0004;
/** Drag on log returns per unit idiosyncratic variance (the Ito correction would be 0.5). */
const IDIO_DRAG = 0.25;
/** Listing boost: volatility x(1 + 1.5 * exp(-age / 30)) in a token's first weeks. */
const LISTING_VOL_BOOST = 1.5;
const LISTING_VOL_DECAY_DAYS = 30;
/** Idiosyncratic jump size: 12% times a unit-variance t(3) draw. */
const JUMP_SCALE = 0.12;
/** Dying tokens: last 30..120 days drift at -0.5%..-2% per day (a slow death to delisting). */
const DEATH = { minDays: 30, maxDays: 120, minDrift: 0.005, maxDrift: 0.02 };
/** Supply growth per year: 0..25% (emissions, unlocks). */
const SUPPLY_GROWTH_MAX = 0.25;

/** Stablecoins: AR(1) coefficient and innovation sd of the deviation from 1; sd about 0.2%. */
const STABLE_AR = 0.6;
const STABLE_NOISE = 0.0015;
/** Stablecoin innovations: t(5), clipped at 8 sd (1.2%) so that only depegs leave the peg. */
const STABLE_DOF = 5;
const STABLE_MAX_SHOCK = 8;
/** Stablecoin dip on a crash day (-0.4%): pressure on redemptions. */
const STABLE_CRASH_DIP = 0.004;
/** Conditional daily sd used for stablecoin ranges and volumes. */
const STABLE_SIGMA = 0.002;

/** OHLC: open noise sd as a fraction of sigma; range extensions are RANGE_SCALE * sigma * Exp(1). */
const OPEN_NOISE = 0.05;
/** 0.45 gives (high - low) / close of about 1.6 sigma, e.g. 5% for a 3%-vol token. */
const RANGE_SCALE = 0.45;

/** Volume: loading on |r| / sigma (mean of |t| about 0.75 subtracted), on log vol, AR(1) noise. */
const VOLUME_ABS_RETURN_LOADING = 0.45;
const ABS_T_MEAN = 0.75;
const VOLUME_VOL_LOADING = 0.8;
const VOLUME_AR = 0.8;
const VOLUME_NOISE = 0.25;
/** Weekend volume is about 20% lower (log 0.8). */
const WEEKEND_LOG_VOLUME = Math.log(0.8);
/** Stablecoin volume rises with market stress: loading on |market return| / market vol. */
const STABLE_STRESS_LOADING = 0.3;

/** Panel shape: late listings happen in the first 80% of the calendar. */
const LATE_LISTING_MAX_FRACTION = 0.8;
/** Minimum life of a token in days (capped at a third of the calendar for short panels). */
const MIN_LIFE_DAYS = 90;
/** Missing gaps last 1..MAX_GAP_DAYS days (mean 2). */
const MAX_GAP_DAYS = 3;
const MEAN_GAP_DAYS = (1 + MAX_GAP_DAYS) / 2;

/** Anomalies: no episode in a token's first days or last days, and a gap between episodes. */
const ANOMALY_LISTING_MARGIN = 10;
const ANOMALY_END_MARGIN = 2;
const ANOMALY_BUFFER_DAYS = 3;
/** Placement attempts per episode before giving up on it (crowded tokens). */
const ANOMALY_MAX_TRIES = 200;
/** Token weights for pump-and-dumps: small speculative sectors are the usual targets. */
const PUMP_SECTOR_WEIGHT: Record<Sector, number> = {
  "layer-1": 0.6,
  defi: 1.2,
  exchange: 0.6,
  meme: 3,
  stablecoin: 0,
  gaming: 2,
  infra: 1,
};

/** Per-sector parameter ranges (log-uniform for prices, caps, turnover and vols). */
interface SectorProfile {
  beta: [number, number];
  loading: [number, number];
  idioVol: [number, number];
  sectorVol: number;
  price: [number, number];
  cap: [number, number];
  turnover: [number, number];
  jumpRate: number;
  words: [string[], string[]];
}

const SECTOR_PROFILES: Record<Sector, SectorProfile> = {
  "layer-1": {
    beta: [0.8, 1.3],
    loading: [0.6, 1.2],
    idioVol: [0.015, 0.04],
    sectorVol: 0.012,
    price: [0.5, 2000],
    cap: [2e8, 5e10],
    turnover: [0.02, 0.12],
    jumpRate: 0.001,
    words: [
      [
        "Aether",
        "Nova",
        "Solace",
        "Quantum",
        "Helix",
        "Zenith",
        "Orbit",
        "Vertex",
        "Lumen",
        "Arcadia",
        "Polar",
        "Tessera",
        "Kairos",
        "Nimbus",
        "Corvid",
        "Atlas",
        "Borealis",
        "Cinder",
        "Halcyon",
        "Meridian",
      ],
      ["Chain", "Network", "Ledger", "Protocol", "Layer", "Net"],
    ],
  },
  defi: {
    beta: [0.9, 1.5],
    loading: [0.7, 1.4],
    idioVol: [0.03, 0.06],
    sectorVol: 0.025,
    price: [0.2, 800],
    cap: [2e7, 5e9],
    turnover: [0.03, 0.2],
    jumpRate: 0.002,
    words: [
      [
        "Mosaic",
        "Lattice",
        "Tidal",
        "Granary",
        "Spindle",
        "Cascade",
        "Keystone",
        "Pillar",
        "Quarry",
        "Riverbed",
        "Saffron",
        "Trellis",
        "Umber",
        "Verdant",
        "Wicker",
        "Yarrow",
        "Zephyr",
        "Bramble",
        "Osprey",
        "Marlin",
      ],
      ["Finance", "Swap", "Lend", "Vault", "DAO", "Yield"],
    ],
  },
  exchange: {
    beta: [0.7, 1.1],
    loading: [0.6, 1.2],
    idioVol: [0.015, 0.035],
    sectorVol: 0.012,
    price: [0.05, 300],
    cap: [5e7, 2e10],
    turnover: [0.01, 0.06],
    jumpRate: 0.001,
    words: [
      [
        "Bitharbor",
        "Coinmarsh",
        "Tradewell",
        "Kestrel",
        "Ledgerline",
        "Marketa",
        "Orderly",
        "Pivot",
        "Quayside",
        "Tollgate",
        "Bazaar",
        "Wharf",
      ],
      ["Exchange", "Coin", "Token"],
    ],
  },
  meme: {
    beta: [1.1, 2.0],
    loading: [0.8, 1.5],
    idioVol: [0.05, 0.09],
    sectorVol: 0.04,
    price: [1e-6, 0.05],
    cap: [5e6, 5e9],
    turnover: [0.05, 0.5],
    jumpRate: 0.004,
    words: [
      [
        "Moon",
        "Wobbly",
        "Sleepy",
        "Turbo",
        "Fluffy",
        "Grumpy",
        "Rocket",
        "Bouncy",
        "Cosmic",
        "Soggy",
        "Dizzy",
        "Sneaky",
        "Chonky",
        "Giga",
        "Tiny",
        "Lazy",
      ],
      [
        "Otter",
        "Frog",
        "Hamster",
        "Pigeon",
        "Llama",
        "Wombat",
        "Gecko",
        "Badger",
        "Walrus",
        "Puffin",
        "Corgi",
        "Goose",
      ],
    ],
  },
  stablecoin: {
    beta: [0, 0],
    loading: [0, 0],
    idioVol: [0, 0],
    sectorVol: 0,
    price: [1, 1],
    cap: [1e8, 5e10],
    turnover: [0.1, 1],
    jumpRate: 0,
    words: [
      [
        "Steady",
        "Par",
        "Level",
        "Even",
        "Ballast",
        "Keel",
        "Plumb",
        "Still",
        "Harbor",
        "Bedrock",
        "Anchorage",
        "Mooring",
      ],
      ["Dollar", "USD"],
    ],
  },
  gaming: {
    beta: [1.0, 1.7],
    loading: [0.7, 1.4],
    idioVol: [0.04, 0.08],
    sectorVol: 0.03,
    price: [0.005, 20],
    cap: [1e7, 3e9],
    turnover: [0.04, 0.3],
    jumpRate: 0.003,
    words: [
      ["Pixel", "Quest", "Dungeon", "Arcade", "Guild", "Realm", "Shard", "Loot", "Saga", "Voxel", "Rune", "Glyph"],
      ["Heroes", "Worlds", "Legends", "Kingdoms", "Arena", "Raiders", "Odyssey"],
    ],
  },
  infra: {
    beta: [0.9, 1.4],
    loading: [0.6, 1.3],
    idioVol: [0.03, 0.055],
    sectorVol: 0.02,
    price: [0.05, 60],
    cap: [2e7, 5e9],
    turnover: [0.03, 0.15],
    jumpRate: 0.002,
    words: [
      [
        "Sentinel",
        "Conduit",
        "Parallax",
        "Waypoint",
        "Lodestar",
        "Filament",
        "Aqueduct",
        "Semaphore",
        "Watchtower",
        "Keyframe",
        "Gossamer",
        "Relayer",
      ],
      ["Oracle", "Relay", "Storage", "Compute", "Bridge", "Index"],
    ],
  },
};

/** The flagship (token 0, BTC-like): beta 1, little idiosyncratic noise, price in the thousands. */
const FLAGSHIP = {
  beta: 1,
  loading: 0.2,
  idioVol: 0.006,
  price: [6000, 12000] as [number, number],
  cap: 1.3e11,
  turnover: 0.03,
};

// ---------------------------------------------------------------------------------------

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

/** Split n into integer counts proportional to weights (largest remainder). */
function apportion(n: number, weights: number[]): number[] {
  const raw = weights.map((w) => w * n);
  const counts = raw.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; left > 0; j = (j + 1) % order.length, left--) counts[order[j]![1]]!++;
  return counts;
}

function logUniform(rng: Rng, [lo, hi]: [number, number]): number {
  return lo === hi ? lo : Math.exp(rng.range(Math.log(lo), Math.log(hi)));
}

function exponential(rng: Rng): number {
  return -Math.log(1 - rng.uniform());
}

/** Per-token parameters (internal). */
interface TokenSpec {
  sector: number;
  stable: boolean;
  beta: number;
  loading: number;
  idioVol: number;
  dof: number;
  garchAlpha: number;
  garchBeta: number;
  drift: number;
  price0: number;
  supply0: number;
  supplyGrowth: number;
  turnover: number;
  jumpRate: number;
  first: number; // day index of first day
  end: number; // day index after last day
  delisted: boolean;
  deathStart: number; // day index where the death drift starts (end when none)
  deathDrift: number;
}

/** One injected episode (internal), parameters drawn at placement. */
interface Episode {
  token: number;
  kind: number; // index into ANOMALY_KINDS
  start: number; // day index
  len: number;
  /** Added log return per day (pump, flash). */
  retAdd: number[] | null;
  /** Log level offset per day (depeg). */
  level: number[] | null;
  /** Volume multiplier per day. */
  volMult: number[];
  rangeMult: number;
  /** Flash crash: log depth of the low below the open. */
  depth: number;
  /** Bad print: close factor (fat finger), or 0 for a stale feed. */
  factor: number;
}

const KIND_INDEX: Record<AnomalyKind, number> = Object.fromEntries(ANOMALY_KINDS.map((k, i) => [k, i])) as Record<
  AnomalyKind,
  number
>;

/**
 * Generate a synthetic crypto market panel with labelled anomalies.
 *
 * @param options sizes, calendar and rates (see MarketOptions and DEFAULT_MARKET_OPTIONS)
 * @param rngOrSeed a seed or a seeded Rng; equal seeds give byte-identical output
 * @returns the Panel (sorted by (token, day), anomalyKind and events filled) and the
 *   MarketTruth behind it (regimes, factors, crash days, betas, lives)
 */
export function generateMarket(options: MarketOptions, rngOrSeed: Rng | number): { panel: Panel; truth: MarketTruth } {
  const opts = resolveMarketOptions(options);
  const root = typeof rngOrSeed === "number" ? makeRng(rngOrSeed) : rngOrSeed;
  const { nTokens, nDays } = opts;
  const startDay = isoToDay(opts.startDate);

  // 1. Market: regimes, crashes, market and sector factors.
  const market = simulateMarket(opts, root.fork("market"));

  // 2. Tokens: sectors, parameters, names, lives.
  const { specs, infos } = makeTokens(opts, root.fork("tokens"));

  // 3. Anomaly episodes (need lives and crash days).
  const busy = new Uint8Array(nTokens * nDays);
  const episodes = placeAnomalies(opts, specs, market.crashIndex, busy, root.fork("anomalies"));
  const byToken: Episode[][] = Array.from({ length: nTokens }, () => []);
  for (const e of episodes) byToken[e.token]!.push(e);

  // 4. Missing days (never on or next to an anomaly, never the first or last day).
  const missing = new Uint8Array(nTokens * nDays);
  const rowStart = new Int32Array(nTokens + 1);
  let missingRows = 0;
  {
    const rng = root.fork("missing");
    const pStart = opts.missingDayRate / MEAN_GAP_DAYS;
    for (let t = 0; t < nTokens; t++) {
      const s = specs[t]!;
      const base = t * nDays;
      let kept = 0;
      for (let d = s.first; d < s.end; d++) {
        if (missing[base + d]) continue;
        kept++;
        if (d === s.first || d >= s.end - 2 || pStart === 0) continue;
        if (rng.uniform() >= pStart) continue;
        const len = 1 + rng.int(MAX_GAP_DAYS);
        for (let j = 1; j <= len && d + j < s.end - 1; j++) {
          const dd = d + j;
          if (busy[base + dd] === 2 || busy[base + dd - 1] === 2 || busy[base + dd + 1] === 2) break;
          missing[base + dd] = 1;
          missingRows++;
        }
      }
      rowStart[t + 1] = rowStart[t]! + kept;
    }
  }
  const nRows = rowStart[nTokens]!;

  // 5. Simulate each token's path and write its rows.
  const cols = {
    token: new Int32Array(nRows),
    day: new Int32Array(nRows),
    open: new Float64Array(nRows),
    high: new Float64Array(nRows),
    low: new Float64Array(nRows),
    close: new Float64Array(nRows),
    volume: new Float64Array(nRows),
    marketCap: new Float64Array(nRows),
    anomalyKind: new Int8Array(nRows),
  };
  const work = makeWorkspace(nDays);
  const anomalyRows = Object.fromEntries(ANOMALY_KINDS.slice(1).map((k) => [k, 0])) as Record<
    InjectedAnomalyKind,
    number
  >;
  for (let t = 0; t < nTokens; t++) {
    simulateToken(specs[t]!, byToken[t]!, market, startDay, root.fork(`token:${t}`), work);
    let row = rowStart[t]!;
    const base = t * nDays;
    for (let d = specs[t]!.first; d < specs[t]!.end; d++) {
      if (missing[base + d]) continue;
      cols.token[row] = t;
      cols.day[row] = startDay + d;
      cols.open[row] = work.open[d]!;
      cols.high[row] = work.high[d]!;
      cols.low[row] = work.low[d]!;
      cols.close[row] = work.close[d]!;
      cols.volume[row] = work.volume[d]!;
      cols.marketCap[row] = work.cap[d]!;
      const k = work.label[d]!;
      cols.anomalyKind[row] = k;
      if (k > 0) anomalyRows[ANOMALY_KINDS[k] as InjectedAnomalyKind]++;
      row++;
    }
  }

  const events: AnomalyEvent[] = episodes
    .map((e) => ({
      token: e.token,
      kind: ANOMALY_KINDS[e.kind]!,
      startDay: startDay + e.start,
      endDay: startDay + e.start + e.len - 1,
    }))
    .sort((a, b) => a.token - b.token || a.startDay - b.startDay);

  const panel: Panel = {
    tokens: infos,
    ...cols,
    events,
    source: `synthetic(seed=${root.seed})`,
  };
  const truth: MarketTruth = {
    startDay,
    nDays,
    regime: market.regime,
    regimeNames: REGIME_NAMES,
    marketReturn: market.m,
    marketVol: market.mVol,
    crashDays: market.crashIndex.map((d) => startDay + d),
    crashShocks: market.crashShocks,
    sectorNames: SECTORS,
    sectorReturn: market.s,
    tokenSector: Int32Array.from(specs, (s) => s.sector),
    betaMarket: Float64Array.from(specs, (s) => s.beta),
    betaSector: Float64Array.from(specs, (s) => s.loading),
    idioVol: Float64Array.from(specs, (s) => s.idioVol),
    tailDof: Float64Array.from(specs, (s) => s.dof),
    firstDay: Int32Array.from(specs, (s) => startDay + s.first),
    lastDay: Int32Array.from(specs, (s) => startDay + s.end - 1),
    delisted: Uint8Array.from(specs, (s) => (s.delisted ? 1 : 0)),
    anomalyRows,
    missingRows,
    options: opts,
  };
  return { panel, truth };
}

// ---------------------------------------------------------------------------------------
// Market and sector factors.

interface MarketPaths {
  regime: Int8Array;
  /** Market factor log return and conditional sd, `[nDays]`. */
  m: Float64Array;
  mVol: Float64Array;
  /** Sector factor log returns and conditional sds, per sector `[nDays]`. */
  s: Float64Array[];
  sVol: Float64Array[];
  crashIndex: number[];
  crashShocks: number[];
  isCrash: Uint8Array;
}

function simulateMarket(opts: ResolvedMarketOptions, rng: Rng): MarketPaths {
  const { nDays } = opts;
  // Regimes.
  const regime = new Int8Array(nDays);
  {
    const r = rng.fork("regimes");
    let cur = r.int(REGIME_NAMES.length);
    let d = 0;
    while (d < nDays) {
      const name = REGIME_NAMES[cur]!;
      const len = REGIME_MIN_DAYS + Math.round(REGIMES[name].meanDays * exponential(r));
      regime.fill(cur, d, Math.min(nDays, d + len));
      d += len;
      const u = r.uniform();
      if (name === "calm") cur = u < REGIME_SWITCH.calmToBull ? 1 : 2;
      else if (name === "bull") cur = u < REGIME_SWITCH.bullToCalm ? 0 : 2;
      else cur = u < REGIME_SWITCH.bearToCalm ? 0 : 1;
    }
  }

  // Crash days: evenly random, at least a separation apart.
  const crashIndex: number[] = [];
  const crashShocks: number[] = [];
  const isCrash = new Uint8Array(nDays);
  if (opts.crashCount > 0) {
    const r = rng.fork("crashes");
    const lo = CRASH_MIN_DAY;
    const hi = nDays - 5;
    const sep = Math.max(5, Math.min(CRASH_MIN_SEPARATION, Math.floor((hi - lo) / (opts.crashCount + 1))));
    // Draw sorted points with spacing: classic "stars and bars" on the slack.
    const slack = hi - lo - sep * (opts.crashCount - 1);
    const points = Array.from({ length: opts.crashCount }, () => r.int(slack)).sort((a, b) => a - b);
    for (let j = 0; j < points.length; j++) {
      const d = lo + points[j]! + j * sep;
      crashIndex.push(d);
      crashShocks.push(-r.range(CRASH_SIZE.min, CRASH_SIZE.max));
      isCrash[d] = 1;
    }
  }
  const crashShockAt = new Float64Array(nDays);
  crashIndex.forEach((d, j) => (crashShockAt[d] = crashShocks[j]!));
  const reboundAt = new Float64Array(nDays);
  {
    const r = rng.fork("rebounds");
    for (let j = 0; j < crashIndex.length; j++) {
      const d = crashIndex[j]! + 1;
      if (d < nDays) reboundAt[d] = -crashShocks[j]! * r.range(CRASH_REBOUND.min, CRASH_REBOUND.max);
    }
  }

  // Market factor.
  const m = new Float64Array(nDays);
  const mVol = new Float64Array(nDays);
  {
    const r = rng.fork("market-factor");
    const omega = 1 - MARKET.alpha - MARKET.beta;
    let h = 1;
    let zPrev = 0;
    let shockPrev = 0;
    for (let d = 0; d < nDays; d++) {
      if (d > 0)
        h = Math.min(
          GARCH_MAX_H,
          omega + MARKET.alpha * h * zPrev * zPrev + MARKET.beta * h + CRASH_GARCH_WEIGHT * shockPrev * shockPrev,
        );
      const reg = REGIMES[REGIME_NAMES[regime[d]!]!];
      const sd = reg.volMult * MARKET.longRunVol * Math.sqrt(h);
      // On a crash day the day's own innovation may not offset the shock: it is made negative.
      const zRaw = r.studentT(MARKET.dof);
      const z = isCrash[d] ? -Math.abs(zRaw) : zRaw;
      m[d] = reg.drift + sd * z + crashShockAt[d]! + reboundAt[d]!;
      mVol[d] = sd;
      zPrev = z;
      shockPrev = crashShockAt[d]! / MARKET.longRunVol;
    }
  }

  // Sector factors with hype windows and crash participation.
  const s: Float64Array[] = [];
  const sVol: Float64Array[] = [];
  for (let k = 0; k < SECTORS.length; k++) {
    const sector = SECTORS[k]!;
    const prof = SECTOR_PROFILES[sector];
    const path = new Float64Array(nDays);
    const vol = new Float64Array(nDays);
    s.push(path);
    sVol.push(vol);
    if (prof.sectorVol === 0) continue;
    const r = rng.fork(`sector:${sector}`);
    const drift = new Float64Array(nDays);
    const nHype = r.poisson(nDays / HYPE.daysPerWindow);
    for (let j = 0; j < nHype; j++) {
      const len = HYPE.minLen + r.int(HYPE.maxLen - HYPE.minLen + 1);
      const start = r.int(nDays);
      const mu = r.range(HYPE.minDrift, HYPE.maxDrift);
      for (let d = start; d < Math.min(nDays, start + len); d++) drift[d] += mu;
    }
    const omega = 1 - SECTOR_GARCH.alpha - SECTOR_GARCH.beta;
    let h = 1;
    let zPrev = 0;
    let shockPrev = 0;
    for (let d = 0; d < nDays; d++) {
      if (d > 0)
        h = Math.min(
          GARCH_MAX_H,
          omega +
            SECTOR_GARCH.alpha * h * zPrev * zPrev +
            SECTOR_GARCH.beta * h +
            CRASH_GARCH_WEIGHT * shockPrev * shockPrev,
        );
      const sd = prof.sectorVol * Math.sqrt(h);
      const z = r.studentT(SECTOR_GARCH.dof);
      const crash = isCrash[d] ? crashShockAt[d]! * CRASH_SECTOR_EXTRA * r.uniform() : 0;
      path[d] = drift[d]! - 0.5 * sd * sd + sd * z + crash;
      vol[d] = sd;
      zPrev = z;
      shockPrev = crash / prof.sectorVol;
    }
  }
  return { regime, m, mVol, s, sVol, crashIndex, crashShocks, isCrash };
}

// ---------------------------------------------------------------------------------------
// Tokens.

function makeTokens(opts: ResolvedMarketOptions, rng: Rng): { specs: TokenSpec[]; infos: TokenInfo[] } {
  const { nTokens, nDays } = opts;
  const counts = apportion(
    nTokens,
    SECTORS.map((s) => opts.sectorMix[s]),
  );
  const hasFlagship = counts[0]! > 0;
  const labels: number[] = [];
  counts.forEach((c, k) => {
    for (let j = 0; j < c - (k === 0 && hasFlagship ? 1 : 0); j++) labels.push(k);
  });
  const shuffled = rng.fork("order").shuffle(labels);
  const sectorOf = hasFlagship ? [0, ...shuffled] : shuffled;

  const nameRng = rng.fork("names");
  const usedNames = new Set<string>();
  const usedSymbols = new Set<string>();
  const minLife = Math.min(MIN_LIFE_DAYS, Math.floor(nDays / 3));
  const lifeRng = rng.fork("lives");
  const paramRng = rng.fork("params");
  let seenStable = false;

  const specs: TokenSpec[] = [];
  const infos: TokenInfo[] = [];
  for (let t = 0; t < nTokens; t++) {
    const k = sectorOf[t]!;
    const sector = SECTORS[k]!;
    const prof = SECTOR_PROFILES[sector];
    const stable = sector === "stablecoin";
    const flagship = t === 0 && hasFlagship;
    const majorStable = stable && !seenStable;
    if (stable) seenStable = true;

    // Parameters: always drawn in the same order so each token's draws are stable.
    let beta = paramRng.range(prof.beta[0], prof.beta[1]);
    let loading = paramRng.range(prof.loading[0], prof.loading[1]);
    let idioVol = prof.idioVol[0] === 0 ? 0 : logUniform(paramRng, prof.idioVol);
    const dof = paramRng.range(TOKEN_DOF.min, TOKEN_DOF.max);
    const garchAlpha = paramRng.range(TOKEN_GARCH.alphaMin, TOKEN_GARCH.alphaMax);
    const garchBeta = paramRng.range(TOKEN_GARCH.persistMin, TOKEN_GARCH.persistMax) - garchAlpha;
    // Half an Ito drag: volatile tokens drift down in median, as most altcoins do, without
    // the full correction's collapse of meme coins to nothing.
    let drift = paramRng.normal(0, TOKEN_DRIFT_SD) - IDIO_DRAG * idioVol * idioVol;
    let price0 = logUniform(paramRng, prof.price);
    let cap0 = logUniform(paramRng, prof.cap);
    let turnover = logUniform(paramRng, prof.turnover);
    const supplyGrowth = paramRng.range(stable ? -0.1 : 0, SUPPLY_GROWTH_MAX * (stable ? 3 : 1));
    if (flagship) {
      beta = FLAGSHIP.beta;
      loading = FLAGSHIP.loading;
      idioVol = FLAGSHIP.idioVol;
      drift = 0;
      price0 = logUniform(paramRng, FLAGSHIP.price);
      cap0 = FLAGSHIP.cap;
      turnover = FLAGSHIP.turnover;
    }
    if (stable) {
      drift = 0;
      price0 = 1;
      if (majorStable) cap0 = prof.cap[1];
    }

    // Life: flagships live throughout; others may list late or be delisted.
    let first = 0;
    let end = nDays;
    let delisted = false;
    const uLate = lifeRng.uniform();
    const uFirst = lifeRng.uniform();
    const uDelist = lifeRng.uniform();
    const uEnd = lifeRng.uniform();
    const uDeathLen = lifeRng.uniform();
    const uDeathDrift = lifeRng.uniform();
    if (!flagship && !majorStable) {
      const lastFirst = Math.min(Math.floor(nDays * LATE_LISTING_MAX_FRACTION), nDays - minLife);
      if (uLate < opts.lateListingRate && lastFirst > 1) first = 1 + Math.floor(uFirst * (lastFirst - 1));
      const endLo = first + minLife;
      const endHi = nDays - 1;
      if (uDelist < opts.delistingRate && endHi > endLo) {
        end = endLo + Math.floor(uEnd * (endHi - endLo));
        delisted = true;
      }
    }
    let deathStart = end;
    let deathDrift = 0;
    if (delisted && !stable) {
      const len = Math.min(
        Math.floor((end - first) / 2),
        DEATH.minDays + Math.floor(uDeathLen * (DEATH.maxDays - DEATH.minDays)),
      );
      deathStart = end - len;
      deathDrift = -(DEATH.minDrift + uDeathDrift * (DEATH.maxDrift - DEATH.minDrift));
    }

    specs.push({
      sector: k,
      stable,
      beta: stable ? 0 : beta,
      loading: stable ? 0 : loading,
      idioVol,
      dof,
      garchAlpha,
      garchBeta,
      drift,
      price0,
      supply0: cap0 / price0,
      supplyGrowth,
      turnover,
      jumpRate: prof.jumpRate,
      first,
      end,
      delisted,
      deathStart,
      deathDrift,
    });
    const { name, symbol } = makeName(sector, nameRng, usedNames, usedSymbols, flagship);
    infos.push({ id: `SYN${String(t).padStart(3, "0")}`, symbol, name, sector });
  }
  return { specs, infos };
}

/** A made-up name and ticker for a token of a sector, unique within the market. */
function makeName(
  sector: Sector,
  rng: Rng,
  usedNames: Set<string>,
  usedSymbols: Set<string>,
  flagship: boolean,
): { name: string; symbol: string } {
  let a: string;
  let b: string;
  let name: string;
  if (flagship) {
    a = "Genesis";
    b = "Coin";
    name = "Genesis Coin";
  } else {
    const [as, bs] = SECTOR_PROFILES[sector].words;
    let tries = 0;
    do {
      a = as[rng.int(as.length)]!;
      b = bs[rng.int(bs.length)]!;
      name = `${a} ${b}`;
      tries++;
    } while (usedNames.has(name) && tries < 50);
    for (let n = 2; usedNames.has(name); n++) name = `${a} ${b} ${n}`;
  }
  usedNames.add(name);
  const A = a.toUpperCase().replace(/[^A-Z]/g, "");
  const B = b.toUpperCase().replace(/[^A-Z]/g, "");
  const candidates: string[] = [];
  if (flagship) candidates.push("GNC");
  else if (sector === "stablecoin") candidates.push(`${A[0]}USD`, `${A.slice(0, 2)}USD`, `${A.slice(0, 3)}USD`);
  else if (sector === "meme")
    candidates.push(`${A[0]}${B.slice(0, 3)}`, `${A.slice(0, 2)}${B.slice(0, 2)}`, `${B.slice(0, 4)}`);
  else candidates.push(A.slice(0, 3), `${A.slice(0, 2)}${B[0]}`, `${A.slice(0, 3)}${B[0]}`, A.slice(0, 4));
  let symbol = candidates.find((c) => !usedSymbols.has(c));
  for (let n = 2; symbol === undefined; n++)
    if (!usedSymbols.has(`${candidates[0]}${n}`)) symbol = `${candidates[0]}${n}`;
  usedSymbols.add(symbol);
  return { name, symbol };
}

// ---------------------------------------------------------------------------------------
// Anomaly placement. busy: 1 = buffer zone, 2 = episode day, per (token, day index).

function placeAnomalies(
  opts: ResolvedMarketOptions,
  specs: TokenSpec[],
  crashIndex: number[],
  busy: Uint8Array,
  rng: Rng,
): Episode[] {
  const { nDays } = opts;
  const episodes: Episode[] = [];
  if (opts.anomalyRate === 0) return episodes;
  const lifeRows = specs.reduce((acc, s) => acc + (s.end - s.first), 0);
  const expectedRows = lifeRows * (1 - opts.missingDayRate);
  const nearCrash = new Uint8Array(nDays);
  for (const d of crashIndex) for (let j = d - 1; j <= d + 2; j++) if (j >= 0 && j < nDays) nearCrash[j] = 1;

  const kinds = ANOMALY_KINDS.slice(1) as InjectedAnomalyKind[];
  for (const kind of kinds) {
    const wanted = opts.anomalyRate * opts.anomalyMix[kind] * expectedRows;
    // A kind whose expected share is at least one row gets at least one episode.
    if (!(wanted >= 1)) continue;
    const r = rng.fork(kind);
    // Candidate tokens weighted by usable life (so rows, not tokens, are uniform).
    const weights = specs.map((s) => {
      const usable = Math.max(0, s.end - s.first - ANOMALY_LISTING_MARGIN - ANOMALY_END_MARGIN);
      const sector = SECTORS[s.sector]!;
      let w = usable;
      if (kind === "depeg") w = s.stable ? usable : 0;
      else if (kind === "pump_and_dump") w = usable * PUMP_SECTOR_WEIGHT[sector];
      else if (kind === "flash_crash") w = s.stable ? 0 : usable;
      return w;
    });
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) continue;
    let placed = 0;
    let failures = 0;
    while (failures < 20) {
      const ep = drawEpisode(kind, r);
      if (placed > 0 && placed + ep.len / 2 > wanted) break;
      // Pick a token, then a start day that fits.
      let u = r.uniform() * total;
      let t = 0;
      while (t < specs.length - 1 && (u -= weights[t]!) >= 0) t++;
      if (weights[t] === 0) {
        failures++;
        continue;
      }
      const s = specs[t]!;
      const lo = s.first + ANOMALY_LISTING_MARGIN;
      const hi = s.end - ANOMALY_END_MARGIN - ep.len;
      let ok = false;
      if (hi > lo) {
        for (let tries = 0; tries < ANOMALY_MAX_TRIES && !ok; tries++) {
          const start = lo + r.int(hi - lo);
          ok = true;
          for (let d = start; d < start + ep.len; d++) {
            if (busy[t * nDays + d] || nearCrash[d]) {
              ok = false;
              break;
            }
          }
          if (ok) {
            ep.token = t;
            ep.start = start;
          }
        }
      }
      if (!ok) {
        failures++;
        continue;
      }
      const base = ep.token * nDays;
      for (
        let d = Math.max(s.first, ep.start - ANOMALY_BUFFER_DAYS);
        d < Math.min(s.end, ep.start + ep.len + ANOMALY_BUFFER_DAYS);
        d++
      ) {
        busy[base + d] = d >= ep.start && d < ep.start + ep.len ? 2 : Math.max(busy[base + d]!, 1);
      }
      episodes.push(ep);
      placed += ep.len;
    }
  }
  return episodes;
}

/** Draw an episode's shape (token and start are set at placement). */
function drawEpisode(kind: InjectedAnomalyKind, r: Rng): Episode {
  const ep: Episode = {
    token: -1,
    kind: KIND_INDEX[kind],
    start: -1,
    len: 1,
    retAdd: null,
    level: null,
    volMult: [1],
    rangeMult: 1,
    depth: 0,
    factor: 1,
  };
  switch (kind) {
    case "pump_and_dump": {
      // Ramp 3..8 days to +50%..+300% (log-uniform), collapse in 1..3 days to 5..30% below start.
      const ramp = 3 + r.int(6);
      const collapse = 1 + r.int(3);
      const gain = Math.log(logUniform(r, [1.5, 4]));
      const endLevel = Math.log(1 - r.range(0.05, 0.3));
      const peakVolume = Math.log(r.range(3, 12));
      const offsets: number[] = [];
      ep.volMult = [];
      for (let j = 0; j < ramp; j++) {
        const p = (j + 1) / ramp;
        offsets.push(gain * Math.pow(p, 1.6));
        ep.volMult.push(Math.exp(peakVolume * p));
      }
      for (let j = 1; j <= collapse; j++) {
        offsets.push(gain + (endLevel - gain) * (j / collapse));
        ep.volMult.push(Math.exp(peakVolume) * r.range(0.7, 1.3));
      }
      ep.retAdd = offsets.map((o, j) => o - (j === 0 ? 0 : offsets[j - 1]!));
      ep.len = ramp + collapse;
      ep.rangeMult = r.range(1.5, 2.5);
      break;
    }
    case "flash_crash": {
      // Low 25..65% below the open; the close keeps only 5..40% of the (log) drop.
      ep.depth = -Math.log(1 - r.range(0.25, 0.65));
      ep.retAdd = [-ep.depth * r.range(0.05, 0.4)];
      ep.volMult = [r.range(3, 8)];
      break;
    }
    case "depeg": {
      // Slide 1..3 days to 0.85..0.97, hold 1..5 days, recover over 2..5 days.
      const down = 1 + r.int(3);
      const hold = 1 + r.int(5);
      const up = 2 + r.int(4);
      const depth = Math.log(1 - r.range(0.03, 0.15));
      const level: number[] = [];
      for (let j = 1; j <= down; j++) level.push((depth * j) / down);
      for (let j = 0; j < hold; j++) level.push(depth * r.range(0.8, 1.1));
      // The last day closes back at the peg, so the next (unlabelled) day opens there.
      for (let j = 1; j <= up; j++) level.push(depth * (1 - j / up));
      ep.level = level;
      ep.len = level.length;
      const peak = r.range(3, 15);
      ep.volMult = level.map((l) => 1 + (peak - 1) * Math.max(0.2, Math.min(1, l / depth)));
      ep.rangeMult = r.range(3, 8);
      break;
    }
    case "volume_spike": {
      ep.len = r.uniform() < 0.8 ? 1 : 2;
      ep.volMult = Array.from({ length: ep.len }, () => r.range(10, 50));
      break;
    }
    case "bad_print": {
      if (r.uniform() < 0.6) {
        // Fat finger: x10 or /10, or a milder x or / 1.3..3 (wrong quote, partial fill).
        const big = r.uniform() < 0.5;
        const f = big ? 10 : logUniform(r, [1.3, 3]);
        ep.factor = r.uniform() < 0.5 ? f : 1 / f;
      } else {
        ep.factor = 0; // stale feed
        ep.len = 2 + r.int(3);
      }
      ep.volMult = Array.from({ length: ep.len }, () => 1);
      break;
    }
  }
  return ep;
}

// ---------------------------------------------------------------------------------------
// One token's path.

interface Workspace {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  cap: Float64Array;
  label: Int8Array;
  retAdd: Float64Array;
  level: Float64Array;
  volMult: Float64Array;
  rangeMult: Float64Array;
  flashDepth: Float64Array;
}

function makeWorkspace(nDays: number): Workspace {
  const f = () => new Float64Array(nDays);
  return {
    open: f(),
    high: f(),
    low: f(),
    close: f(),
    volume: f(),
    cap: f(),
    label: new Int8Array(nDays),
    retAdd: f(),
    level: f(),
    volMult: f(),
    rangeMult: f(),
    flashDepth: f(),
  };
}

function simulateToken(
  s: TokenSpec,
  eps: Episode[],
  market: MarketPaths,
  startDay: number,
  rng: Rng,
  w: Workspace,
): void {
  const { first, end } = s;
  w.retAdd.fill(0, first, end);
  w.level.fill(0, first, end);
  w.volMult.fill(1, first, end);
  w.rangeMult.fill(1, first, end);
  w.flashDepth.fill(0, first, end);
  w.label.fill(0, first, end);
  for (const e of eps) {
    for (let j = 0; j < e.len; j++) {
      const d = e.start + j;
      w.label[d] = e.kind;
      if (e.retAdd) w.retAdd[d] += e.retAdd[j]!;
      if (e.level) w.level[d] += e.level[j]!;
      w.volMult[d] *= e.volMult[j]!;
      w.rangeMult[d] *= e.rangeMult;
      if (e.depth > 0) w.flashDepth[d] = e.depth;
    }
  }

  const sectorPath = market.s[s.sector]!;
  const sectorVol = market.sVol[s.sector]!;
  const omega = 1 - s.garchAlpha - s.garchBeta;
  const longRunSigma = s.stable
    ? STABLE_SIGMA
    : Math.sqrt(
        s.beta * s.beta * MARKET.longRunVol ** 2 +
          s.loading * s.loading * SECTOR_PROFILES[SECTORS[s.sector]!].sectorVol ** 2 +
          s.idioVol ** 2,
      );
  let h = 1;
  let zPrev = 0;
  let logClose = Math.log(s.price0);
  let prevClose = s.price0;
  let x = 0; // stablecoin deviation from 1
  let u = 0; // volume AR(1) noise
  for (let d = first; d < end; d++) {
    const age = d - first;
    let r: number;
    let sigma: number;
    let close: number;
    if (s.stable) {
      const shock = Math.max(-STABLE_MAX_SHOCK, Math.min(STABLE_MAX_SHOCK, rng.studentT(STABLE_DOF)));
      x = STABLE_AR * x + STABLE_NOISE * shock - (market.isCrash[d] ? STABLE_CRASH_DIP : 0);
      close = (1 + x) * Math.exp(w.level[d]!);
      r = Math.log(close / prevClose);
      sigma = STABLE_SIGMA;
    } else {
      if (age > 0) h = Math.min(GARCH_MAX_H, omega + s.garchAlpha * h * zPrev * zPrev + s.garchBeta * h);
      const boost = 1 + LISTING_VOL_BOOST * Math.exp(-age / LISTING_VOL_DECAY_DAYS);
      const idio = s.idioVol * boost * Math.sqrt(h);
      const z = rng.studentT(s.dof);
      const jump = s.jumpRate > 0 && rng.uniform() < s.jumpRate ? JUMP_SCALE * rng.studentT(3) : 0;
      const death = d >= s.deathStart ? s.deathDrift : 0;
      r = s.drift + s.beta * market.m[d]! + s.loading * sectorPath[d]! + idio * z + jump + death + w.retAdd[d]!;
      const bm = s.beta * market.mVol[d]!;
      const gs = s.loading * sectorVol[d]!;
      sigma = Math.sqrt(bm * bm + gs * gs + idio * idio);
      logClose += r;
      close = Math.exp(logClose);
      zPrev = z;
    }
    const open = age === 0 ? (s.stable ? 1 : s.price0) : prevClose * Math.exp(OPEN_NOISE * sigma * rng.normal());
    const rangeSigma = RANGE_SCALE * sigma * w.rangeMult[d]!;
    const high = Math.max(open, close) * Math.exp(rangeSigma * exponential(rng));
    let low = Math.min(open, close) * Math.exp(-rangeSigma * exponential(rng));
    // Flash crash: the low is far below the open, and the close sits well above the low.
    if (w.flashDepth[d]! > 0)
      low = Math.min(open * Math.exp(-w.flashDepth[d]!), close * Math.exp(-0.5 * w.flashDepth[d]!));
    const supply = s.supply0 * Math.exp((s.supplyGrowth * age) / 365);
    const cap = close * supply;
    // Volume: size x turnover, reaction to |r| and volatility, AR(1) noise, weekend dip.
    u = VOLUME_AR * u + VOLUME_NOISE * rng.normal();
    const dow = (startDay + d + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    const weekend = dow === 0 || dow === 6 ? WEEKEND_LOG_VOLUME : 0;
    let logVol = Math.log(s.turnover * cap) + u + weekend;
    if (s.stable) {
      logVol += STABLE_STRESS_LOADING * (Math.abs(market.m[d]!) / market.mVol[d]! - ABS_T_MEAN);
    } else {
      logVol +=
        VOLUME_ABS_RETURN_LOADING * (Math.abs(r) / sigma - ABS_T_MEAN) +
        VOLUME_VOL_LOADING * Math.log(sigma / longRunSigma);
    }
    w.open[d] = open;
    w.high[d] = Math.max(high, open, close);
    w.low[d] = Math.min(low, open, close);
    w.close[d] = close;
    w.volume[d] = Math.exp(logVol) * w.volMult[d]!;
    w.cap[d] = cap;
    prevClose = close;
  }

  // Bad prints alter the recorded rows only; the true path continues underneath.
  for (const e of eps) {
    if (ANOMALY_KINDS[e.kind] !== "bad_print") continue;
    if (e.factor > 0) {
      const d = e.start;
      const c = w.close[d]! * e.factor;
      w.cap[d] = (w.cap[d]! / w.close[d]!) * c;
      w.close[d] = c;
      w.high[d] = Math.max(w.high[d]!, c);
      w.low[d] = Math.min(w.low[d]!, c);
    } else {
      const p = e.start - 1;
      for (let d = e.start; d < e.start + e.len; d++) {
        w.open[d] = w.open[p]!;
        w.high[d] = w.high[p]!;
        w.low[d] = w.low[p]!;
        w.close[d] = w.close[p]!;
        w.volume[d] = w.volume[p]!;
        w.cap[d] = w.cap[p]!;
      }
    }
  }
}
