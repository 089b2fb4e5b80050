/**
 * Exploratory summaries of a Panel for notebook 01: coverage (tokens by day, missing data
 * by token and month), return and volume distributions against the normal, and return
 * correlations (a sector-ordered matrix and a rolling average pairwise correlation).
 * Returns are close-to-close log returns between consecutive calendar days of one token;
 * a return across a gap is not computed (it would mix several days' moves).
 */
import * as ss from "simple-statistics";
import { dayToIso, tokenRanges, type Panel } from "./panel";
import { pearsonComplete } from "../stats/descriptive";

/** Per-day coverage: how many tokens have a row that day. */
export function tokensPerDay(p: Panel): { day: number; date: string; tokens: number }[] {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < p.day.length; i++) {
    lo = Math.min(lo, p.day[i]!);
    hi = Math.max(hi, p.day[i]!);
  }
  if (!Number.isFinite(lo)) return [];
  const counts = new Int32Array(hi - lo + 1);
  for (let i = 0; i < p.day.length; i++) counts[p.day[i]! - lo]! += 1;
  return Array.from(counts, (c, k) => ({ day: lo + k, date: dayToIso(lo + k), tokens: c }));
}

/** Missing-data grid: per token and calendar month, the share of days missing within the token's life. */
export function missingByTokenMonth(
  p: Panel,
  maxTokens = 60,
): { token: string; month: string; missing: number; listed: boolean }[] {
  const { start, end } = tokenRanges(p);
  const out: { token: string; month: string; missing: number; listed: boolean }[] = [];
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < p.day.length; i++) {
    lo = Math.min(lo, p.day[i]!);
    hi = Math.max(hi, p.day[i]!);
  }
  const months: string[] = [];
  for (let d = lo; d <= hi; d++) {
    const m = dayToIso(d).slice(0, 7);
    if (months[months.length - 1] !== m) months.push(m);
  }
  const step = Math.max(1, Math.ceil(p.tokens.length / maxTokens));
  for (let t = 0; t < p.tokens.length; t += step) {
    if (end[t]! <= start[t]!) continue;
    const first = p.day[start[t]!]!,
      last = p.day[end[t]! - 1]!;
    const have = new Map<string, number>();
    for (let i = start[t]!; i < end[t]!; i++) {
      const m = dayToIso(p.day[i]!).slice(0, 7);
      have.set(m, (have.get(m) ?? 0) + 1);
    }
    const expected = new Map<string, number>();
    for (let d = first; d <= last; d++) {
      const m = dayToIso(d).slice(0, 7);
      expected.set(m, (expected.get(m) ?? 0) + 1);
    }
    for (const m of months) {
      const e = expected.get(m) ?? 0;
      out.push({
        token: p.tokens[t]!.symbol,
        month: m,
        missing: e === 0 ? 1 : 1 - (have.get(m) ?? 0) / e,
        listed: e > 0,
      });
    }
  }
  return out;
}

/** Log returns between consecutive days of each token: arrays aligned by row (NaN where none). */
export function dailyLogReturns(p: Panel): Float64Array {
  const r = new Float64Array(p.day.length).fill(NaN);
  for (let i = 1; i < p.day.length; i++) {
    if (p.token[i] === p.token[i - 1] && p.day[i] === p.day[i - 1]! + 1) r[i] = Math.log(p.close[i]! / p.close[i - 1]!);
  }
  return r;
}

/** Distribution summary of a sample. */
export interface DistributionSummary {
  n: number;
  mean: number;
  sd: number;
  skewness: number;
  excessKurtosis: number;
  q01: number;
  q05: number;
  median: number;
  q95: number;
  q99: number;
  min: number;
  max: number;
  /** Share of |z| > 4 observations, and what a normal distribution would give (6.3e-5). */
  tail4: number;
}

/** P(|Z| > 4) for a standard normal: 2 * (1 - Phi(4)). */
const NORMAL_TAIL_4 = 6.334e-5;

/** Summarise a sample (finite values only). */
export function summarise(values: ArrayLike<number>): DistributionSummary {
  const x: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) x.push(values[i]!);
  if (x.length < 4) throw new Error(`Need at least 4 finite values to summarise a distribution, got ${x.length}.`);
  const sorted = x.slice().sort((a, b) => a - b);
  const mean = ss.mean(x),
    sd = ss.standardDeviation(x);
  let tail = 0;
  for (const v of x) if (Math.abs(v - mean) > 4 * sd) tail++;
  return {
    n: x.length,
    mean,
    sd,
    skewness: ss.sampleSkewness(x),
    excessKurtosis: ss.sampleKurtosis(x),
    q01: ss.quantileSorted(sorted, 0.01),
    q05: ss.quantileSorted(sorted, 0.05),
    median: ss.quantileSorted(sorted, 0.5),
    q95: ss.quantileSorted(sorted, 0.95),
    q99: ss.quantileSorted(sorted, 0.99),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    tail4: tail / x.length,
  };
}

export { NORMAL_TAIL_4 };

/**
 * Density of standardised values against the standard normal, on a log scale so the tails
 * show: rows (z, density, series) for "empirical" and "normal".
 */
export function tailDensity(
  values: ArrayLike<number>,
  bins = 60,
  range = 8,
): { z: number; density: number; series: string }[] {
  const s = summarise(values);
  const counts = new Float64Array(bins);
  let n = 0;
  const width = (2 * range) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const z = (v - s.mean) / s.sd;
    n++;
    const b = Math.floor((z + range) / width);
    if (b >= 0 && b < bins) counts[b]! += 1;
  }
  const rows: { z: number; density: number; series: string }[] = [];
  for (let b = 0; b < bins; b++) {
    const z = -range + (b + 0.5) * width;
    if (counts[b]! > 0) rows.push({ z, density: counts[b]! / (n * width), series: "empirical" });
    rows.push({ z, density: Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI), series: "normal" });
  }
  return rows.filter((r) => r.density > 1e-7);
}

/** Wide matrix of daily returns `[nDays][nTokens]` (NaN where missing) for the chosen tokens. */
function returnGrid(p: Panel, tokens: number[]): { days: number[]; grid: Float64Array[] } {
  const r = dailyLogReturns(p);
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < p.day.length; i++) {
    lo = Math.min(lo, p.day[i]!);
    hi = Math.max(hi, p.day[i]!);
  }
  const nDays = hi - lo + 1;
  const col = new Map(tokens.map((t, j) => [t, j]));
  const grid = tokens.map(() => new Float64Array(nDays).fill(NaN));
  for (let i = 0; i < p.day.length; i++) {
    const j = col.get(p.token[i]!);
    if (j !== undefined) grid[j]![p.day[i]! - lo] = r[i]!;
  }
  return { days: Array.from({ length: nDays }, (_, k) => lo + k), grid };
}

/** Fewest overlapping days for a pair's correlation in the EDA heatmaps. */
const MIN_PAIRS = 3;

/**
 * Pairwise return correlations of up to `maxTokens` tokens (the longest-lived, ordered by
 * sector then symbol), as long rows for a heatmap, with the within- and between-sector means.
 */
export function sectorCorrelation(
  p: Panel,
  maxTokens = 40,
  minOverlap = 60,
): {
  rows: { a: string; b: string; r: number }[];
  order: string[];
  withinSector: number;
  betweenSector: number;
  bySector: { sector: string; within: number; tokens: number }[];
} {
  const { start, end } = tokenRanges(p);
  const lengths = p.tokens.map((_, t) => ({ t, len: end[t]! - start[t]! }));
  const bySectorPick = new Map<string, number[]>();
  for (const { t } of lengths.sort((a, b) => b.len - a.len)) {
    const s = p.tokens[t]!.sector ?? "unknown";
    if (!bySectorPick.has(s)) bySectorPick.set(s, []);
    bySectorPick.get(s)!.push(t);
  }
  // Round-robin across sectors so every sector is represented.
  const chosen: number[] = [];
  const lists = [...bySectorPick.values()];
  for (let k = 0; chosen.length < Math.min(maxTokens, p.tokens.length); k++) {
    let added = false;
    for (const l of lists)
      if (k < l.length && chosen.length < maxTokens) {
        chosen.push(l[k]!);
        added = true;
      }
    if (!added) break;
  }
  chosen.sort(
    (a, b) =>
      (p.tokens[a]!.sector ?? "").localeCompare(p.tokens[b]!.sector ?? "") ||
      p.tokens[a]!.symbol.localeCompare(p.tokens[b]!.symbol),
  );
  const { grid } = returnGrid(p, chosen);
  const label = (t: number) => `${p.tokens[t]!.symbol} (${p.tokens[t]!.sector ?? "?"})`;
  const rows: { a: string; b: string; r: number }[] = [];
  let wSum = 0,
    wN = 0,
    bSum = 0,
    bN = 0;
  const secStats = new Map<string, { sum: number; n: number }>();
  for (let i = 0; i < chosen.length; i++) {
    for (let j = 0; j < chosen.length; j++) {
      const { r, n } = i === j ? { r: 1, n: minOverlap } : pearsonComplete(grid[i]!, grid[j]!, MIN_PAIRS);
      const value = n >= minOverlap ? r : NaN;
      if (Number.isFinite(value)) rows.push({ a: label(chosen[i]!), b: label(chosen[j]!), r: value });
      if (i < j && Number.isFinite(value)) {
        const si = p.tokens[chosen[i]!]!.sector,
          sj = p.tokens[chosen[j]!]!.sector;
        if (si !== null && si === sj) {
          wSum += value;
          wN++;
          const st = secStats.get(si) ?? { sum: 0, n: 0 };
          st.sum += value;
          st.n++;
          secStats.set(si, st);
        } else {
          bSum += value;
          bN++;
        }
      }
    }
  }
  const counts = new Map<string, number>();
  for (const t of chosen) {
    const s = p.tokens[t]!.sector ?? "unknown";
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return {
    rows,
    order: chosen.map(label),
    withinSector: wN ? wSum / wN : NaN,
    betweenSector: bN ? bSum / bN : NaN,
    bySector: [...secStats.entries()].map(([sector, st]) => ({
      sector,
      within: st.sum / st.n,
      tokens: counts.get(sector) ?? 0,
    })),
  };
}

/**
 * Rolling average pairwise correlation of non-stablecoin returns (window in days), sampled
 * every `step` days: how much tokens move together over time (it jumps in crashes).
 */
export function rollingMarketCorrelation(
  p: Panel,
  window = 60,
  step = 7,
  maxTokens = 30,
): { date: string; correlation: number; pairs: number }[] {
  const { start, end } = tokenRanges(p);
  const candidates = p.tokens
    .map((tok, t) => ({ t, len: end[t]! - start[t]!, stable: tok.sector === "stablecoin" }))
    .filter((c) => !c.stable && c.len > window)
    .sort((a, b) => b.len - a.len)
    .slice(0, maxTokens)
    .map((c) => c.t);
  const { days, grid } = returnGrid(p, candidates);
  const out: { date: string; correlation: number; pairs: number }[] = [];
  for (let e = window; e <= days.length; e += step) {
    let sum = 0,
      n = 0;
    for (let i = 0; i < grid.length; i++) {
      for (let j = i + 1; j < grid.length; j++) {
        const { r, n: m } = pearsonComplete(grid[i]!, grid[j]!, MIN_PAIRS, e - window, e);
        if (m >= window * 0.6 && Number.isFinite(r)) {
          sum += r;
          n++;
        }
      }
    }
    if (n > 0) out.push({ date: dayToIso(days[e - 1]!), correlation: sum / n, pairs: n });
  }
  return out;
}

/** Panel-wide counts for the summary table. */
export function panelSummary(p: Panel): Record<string, number | string> {
  const { start, end } = tokenRanges(p);
  let lo = Infinity,
    hi = -Infinity,
    gaps = 0;
  for (let i = 0; i < p.day.length; i++) {
    lo = Math.min(lo, p.day[i]!);
    hi = Math.max(hi, p.day[i]!);
    if (i > 0 && p.token[i] === p.token[i - 1] && p.day[i]! - p.day[i - 1]! > 1) gaps += p.day[i]! - p.day[i - 1]! - 1;
  }
  const lives = p.tokens.map((_, t) => end[t]! - start[t]!).filter((l) => l > 0);
  const sectors = new Set(p.tokens.map((t) => t.sector ?? "unknown"));
  let mcap = 0;
  for (let i = 0; i < p.marketCap.length; i++) if (Number.isFinite(p.marketCap[i]!)) mcap++;
  return {
    rows: p.day.length,
    tokens: lives.length,
    sectors: sectors.size,
    "first day": Number.isFinite(lo) ? dayToIso(lo) : "",
    "last day": Number.isFinite(hi) ? dayToIso(hi) : "",
    "calendar days": Number.isFinite(lo) ? hi - lo + 1 : 0,
    "median days per token": lives.length ? ss.median(lives) : 0,
    "missing days inside token lives": gaps,
    "rows with market cap": mcap,
    "labelled anomaly rows": p.anomalyKind ? p.anomalyKind.reduce((a, k) => a + (k > 0 ? 1 : 0), 0) : "n/a (no labels)",
  };
}
