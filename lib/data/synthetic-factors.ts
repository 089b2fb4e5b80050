/**
 * Regimes, the market factor and the sector factors of the synthetic market (steps 1-3 of
 * the generative model described in synthetic.ts).
 *
 * Why its own file: the factor simulation depends only on the options and its own Rng stream.
 */
import type { Rng } from "../runtime/rng";
import {
  CRASH_MIN_DAY,
  CRASH_MIN_SEPARATION,
  REGIME_NAMES,
  type ResolvedMarketOptions,
  SECTORS,
} from "./synthetic-options";
import {
  CRASH_REBOUND,
  CRASH_SECTOR_EXTRA,
  CRASH_SIZE,
  HYPE,
  MARKET,
  REGIMES,
  REGIME_MIN_DAYS,
  REGIME_SWITCH,
  SECTOR_GARCH,
  SECTOR_PROFILES,
  exponential,
  nextGarchVariance,
} from "./synthetic-params";

export interface MarketPaths {
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

export function simulateMarket(opts: ResolvedMarketOptions, rng: Rng): MarketPaths {
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
    let h = 1;
    let zPrev = 0;
    let shockPrev = 0;
    for (let d = 0; d < nDays; d++) {
      if (d > 0) h = nextGarchVariance(MARKET.alpha, MARKET.beta, h, zPrev, shockPrev);
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
    let h = 1;
    let zPrev = 0;
    let shockPrev = 0;
    for (let d = 0; d < nDays; d++) {
      if (d > 0) h = nextGarchVariance(SECTOR_GARCH.alpha, SECTOR_GARCH.beta, h, zPrev, shockPrev);
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
