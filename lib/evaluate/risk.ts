/** risk.ts */

import type { Rng } from "../runtime/rng";
import type { Panel } from "../data/panel";
import { erfc, pearsonComplete, quantileSorted, std } from "../stats/descriptive";
import { ANNUALISATION_DAYS, PanelIndex } from "./downstream";

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
    const ra = grid.returns.subarray(a * nd, (a + 1) * nd);
    for (let b = a + 1; b < nt; b++) {
      const { r } = pearsonComplete(ra, grid.returns.subarray(b * nd, (b + 1) * nd), MIN_OVERLAP_DAYS);
      if (Number.isNaN(r)) continue;
      out[a * nt + b] = out[b * nt + a] = Math.max(-1, Math.min(1, r));
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
