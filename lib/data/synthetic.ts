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
import { ANOMALY_KINDS, type AnomalyEvent, type Panel, isoToDay } from "./panel";
import { placeAnomalies } from "./synthetic-anomalies";
import { simulateMarket } from "./synthetic-factors";
import {
  type InjectedAnomalyKind,
  type MarketOptions,
  type MarketTruth,
  REGIME_NAMES,
  SECTORS,
  resolveMarketOptions,
} from "./synthetic-options";
import { type Episode, MAX_GAP_DAYS, MEAN_GAP_DAYS } from "./synthetic-params";
import { makeTokens, makeWorkspace, simulateToken } from "./synthetic-tokens";

// The option surface and its types live in synthetic-options.ts; re-exported so that
// callers keep importing them from here.
export {
  DEFAULT_ANOMALY_MIX,
  DEFAULT_MARKET_OPTIONS,
  DEFAULT_SECTOR_MIX,
  REGIME_NAMES,
  SECTORS,
  resolveMarketOptions,
} from "./synthetic-options";
export type {
  InjectedAnomalyKind,
  MarketOptions,
  MarketTruth,
  RegimeName,
  ResolvedMarketOptions,
  Sector,
} from "./synthetic-options";

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
