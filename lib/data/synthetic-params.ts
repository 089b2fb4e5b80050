/**
 * Model constants and small shared helpers of the synthetic market (daily units, log returns).
 *
 * Why its own file: the constants are shared by the factor simulation, the token paths and
 * the anomaly injection; keeping them together keeps each derivation in one place.
 */
import type { Rng } from "../runtime/rng";
import { ANOMALY_KINDS, type AnomalyKind } from "./panel";
import type { RegimeName, Sector } from "./synthetic-options";

/** Regime parameters: daily market drift, volatility multiplier, mean extra duration. */
export const REGIMES: Record<RegimeName, { drift: number; volMult: number; meanDays: number }> = {
  // calm: flat prices and low volatility (2019-style consolidation).
  calm: { drift: 0.0002, volMult: 0.7, meanDays: 110 },
  // bull: +0.22%/day is about +120%/year, as in crypto bull runs.
  bull: { drift: 0.0022, volMult: 1.0, meanDays: 140 },
  // bear: -0.22%/day is about -55%/year, with higher volatility.
  bear: { drift: -0.0022, volMult: 1.3, meanDays: 110 },
};
/** Shortest regime spell in days (so regimes are visible periods, not noise). */
export const REGIME_MIN_DAYS = 30;
/** Next-regime probabilities: from calm to bull, from bull to calm, from bear to calm. */
export const REGIME_SWITCH = { calmToBull: 0.6, bullToCalm: 0.5, bearToCalm: 0.6 };

/** Market factor: 3.2% long-run daily sd (BTC 2019-2023), GARCH(0.12, 0.85), t(4.5). */
export const MARKET = { longRunVol: 0.032, alpha: 0.12, beta: 0.85, dof: 4.5 };
/** Sector factors: GARCH(0.08, 0.88), t(5). */
export const SECTOR_GARCH = { alpha: 0.08, beta: 0.88, dof: 5 };
/** Cap of a normalised GARCH variance: at most 4x the long-run volatility. */
export const GARCH_MAX_H = 16;

/** Crash shock of the market factor: -12%..-30% log return in one day (March 2020: -50% intraday). */
export const CRASH_SIZE = { min: 0.12, max: 0.3 };
/** Extra fall of each sector factor on a crash day, as a fraction of the market shock. */
export const CRASH_SECTOR_EXTRA = 0.5;
/** Next-day rebound as a fraction of the shock. */
export const CRASH_REBOUND = { min: 0.1, max: 0.4 };
/** Weight of a crash shock in the next day's GARCH variance (keeps vol high for weeks). */
export const CRASH_GARCH_WEIGHT = 0.1;

/**
 * The next day's normalised GARCH(1,1) variance (long-run level 1) of the market, sector and
 * token paths: (1 - alpha - beta) + alpha h z^2 + beta h + CRASH_GARCH_WEIGHT shock^2,
 * capped at GARCH_MAX_H. z: the previous day's innovation; shock: the previous day's crash
 * shock in long-run sd units (0 where a path takes no crash shock).
 */
export function nextGarchVariance(alpha: number, beta: number, h: number, z: number, shock = 0): number {
  return Math.min(GARCH_MAX_H, 1 - alpha - beta + alpha * h * z * z + beta * h + CRASH_GARCH_WEIGHT * shock * shock);
}
/** CRASH_MIN_DAY and CRASH_MIN_SEPARATION are in synthetic-options.ts (resolveMarketOptions checks them). */

/** Sector hype windows: about one per 600 days per sector, 20..80 days, +0.3..1.2%/day. */
export const HYPE = { daysPerWindow: 600, minLen: 20, maxLen: 80, minDrift: 0.003, maxDrift: 0.012 };

/** Idiosyncratic GARCH: alpha 0.08..0.16 and persistence alpha+beta 0.93..0.985 (crypto fits are this persistent). */
export const TOKEN_GARCH = { alphaMin: 0.08, alphaMax: 0.16, persistMin: 0.93, persistMax: 0.985 };
/** Token tail dof 3.5..6: crypto daily returns have a tail index of roughly 3..5. */
export const TOKEN_DOF = { min: 3.5, max: 6 };
/** Token drift a_i: sd 0.04%/day, about +-0.4 log units over 1000 days, minus IDIO_DRAG * idioVol^2. */
export const TOKEN_DRIFT_SD = 0.0004;
/** Drag on log returns per unit idiosyncratic variance (the Ito correction would be 0.5). */
export const IDIO_DRAG = 0.25;
/** Listing boost: volatility x(1 + 1.5 * exp(-age / 30)) in a token's first weeks. */
export const LISTING_VOL_BOOST = 1.5;
export const LISTING_VOL_DECAY_DAYS = 30;
/** Idiosyncratic jump size: 12% times a unit-variance t(3) draw. */
export const JUMP_SCALE = 0.12;
/** Dying tokens: last 30..120 days drift at -0.5%..-2% per day (a slow death to delisting). */
export const DEATH = { minDays: 30, maxDays: 120, minDrift: 0.005, maxDrift: 0.02 };
/** Supply growth per year: 0..25% (emissions, unlocks). */
export const SUPPLY_GROWTH_MAX = 0.25;

/** Stablecoins: AR(1) coefficient and innovation sd of the deviation from 1; sd about 0.2%. */
export const STABLE_AR = 0.6;
export const STABLE_NOISE = 0.0015;
/** Stablecoin innovations: t(5), clipped at 8 sd (1.2%) so that only depegs leave the peg. */
export const STABLE_DOF = 5;
export const STABLE_MAX_SHOCK = 8;
/** Stablecoin dip on a crash day (-0.4%): pressure on redemptions. */
export const STABLE_CRASH_DIP = 0.004;
/** Conditional daily sd used for stablecoin ranges and volumes. */
export const STABLE_SIGMA = 0.002;

/** OHLC: open noise sd as a fraction of sigma; range extensions are RANGE_SCALE * sigma * Exp(1). */
export const OPEN_NOISE = 0.05;
/** 0.45 gives (high - low) / close of about 1.6 sigma, e.g. 5% for a 3%-vol token. */
export const RANGE_SCALE = 0.45;

/** Volume: loading on |r| / sigma (mean of |t| about 0.75 subtracted), on log vol, AR(1) noise. */
export const VOLUME_ABS_RETURN_LOADING = 0.45;
export const ABS_T_MEAN = 0.75;
export const VOLUME_VOL_LOADING = 0.8;
export const VOLUME_AR = 0.8;
export const VOLUME_NOISE = 0.25;
/** Weekend volume is about 20% lower (log 0.8). */
export const WEEKEND_LOG_VOLUME = Math.log(0.8);
/** Stablecoin volume rises with market stress: loading on |market return| / market vol. */
export const STABLE_STRESS_LOADING = 0.3;

/** Panel shape: late listings happen in the first 80% of the calendar. */
export const LATE_LISTING_MAX_FRACTION = 0.8;
/** Minimum life of a token in days (capped at a third of the calendar for short panels). */
export const MIN_LIFE_DAYS = 90;
/** Missing gaps last 1..MAX_GAP_DAYS days (mean 2). */
export const MAX_GAP_DAYS = 3;
export const MEAN_GAP_DAYS = (1 + MAX_GAP_DAYS) / 2;

/** Anomalies: no episode in a token's first days or last days, and a gap between episodes. */
export const ANOMALY_LISTING_MARGIN = 10;
export const ANOMALY_END_MARGIN = 2;
export const ANOMALY_BUFFER_DAYS = 3;
/** Placement attempts per episode before giving up on it (crowded tokens). */
export const ANOMALY_MAX_TRIES = 200;
/** Token weights for pump-and-dumps: small speculative sectors are the usual targets. */
export const PUMP_SECTOR_WEIGHT: Record<Sector, number> = {
  "layer-1": 0.6,
  defi: 1.2,
  exchange: 0.6,
  meme: 3,
  stablecoin: 0,
  gaming: 2,
  infra: 1,
};

/** Per-sector parameter ranges (log-uniform for prices, caps, turnover and vols). */
export interface SectorProfile {
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

export const SECTOR_PROFILES: Record<Sector, SectorProfile> = {
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
export const FLAGSHIP = {
  beta: 1,
  loading: 0.2,
  idioVol: 0.006,
  price: [6000, 12000] as [number, number],
  cap: 1.3e11,
  turnover: 0.03,
};

/** Split n into integer counts proportional to weights (largest remainder). */
export function apportion(n: number, weights: number[]): number[] {
  const raw = weights.map((w) => w * n);
  const counts = raw.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; left > 0; j = (j + 1) % order.length, left--) counts[order[j]![1]]!++;
  return counts;
}

export function logUniform(rng: Rng, [lo, hi]: [number, number]): number {
  return lo === hi ? lo : Math.exp(rng.range(Math.log(lo), Math.log(hi)));
}

export function exponential(rng: Rng): number {
  return -Math.log(1 - rng.uniform());
}

/** Per-token parameters (internal). */
export interface TokenSpec {
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
export interface Episode {
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

export const KIND_INDEX: Record<AnomalyKind, number> = Object.fromEntries(
  ANOMALY_KINDS.map((k, i) => [k, i]),
) as Record<AnomalyKind, number>;
