/**
 * Tokens of the synthetic market: per-token parameters, names, and each token's daily path
 * (log returns, OHLC, volume, supply; steps 4-6 of the generative model in synthetic.ts).
 *
 * Why its own file: token drawing and path simulation are the bulk of the simulator.
 */
import type { Rng } from "../runtime/rng";
import { ANOMALY_KINDS, type TokenInfo } from "./panel";
import type { MarketPaths } from "./synthetic-factors";
import { type ResolvedMarketOptions, SECTORS, type Sector } from "./synthetic-options";
import {
  ABS_T_MEAN,
  DEATH,
  type Episode,
  FLAGSHIP,
  IDIO_DRAG,
  JUMP_SCALE,
  LATE_LISTING_MAX_FRACTION,
  LISTING_VOL_BOOST,
  LISTING_VOL_DECAY_DAYS,
  MARKET,
  MIN_LIFE_DAYS,
  OPEN_NOISE,
  RANGE_SCALE,
  SECTOR_PROFILES,
  STABLE_AR,
  STABLE_CRASH_DIP,
  STABLE_DOF,
  STABLE_MAX_SHOCK,
  STABLE_NOISE,
  STABLE_SIGMA,
  STABLE_STRESS_LOADING,
  SUPPLY_GROWTH_MAX,
  TOKEN_DOF,
  TOKEN_DRIFT_SD,
  TOKEN_GARCH,
  type TokenSpec,
  VOLUME_ABS_RETURN_LOADING,
  VOLUME_AR,
  VOLUME_NOISE,
  VOLUME_VOL_LOADING,
  WEEKEND_LOG_VOLUME,
  apportion,
  exponential,
  logUniform,
  nextGarchVariance,
} from "./synthetic-params";

export function makeTokens(opts: ResolvedMarketOptions, rng: Rng): { specs: TokenSpec[]; infos: TokenInfo[] } {
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

export function makeWorkspace(nDays: number): Workspace {
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

export function simulateToken(
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
      if (age > 0) h = nextGarchVariance(s.garchAlpha, s.garchBeta, h, zPrev);
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
