/**
 * Tiny hand-made Panels for the feature tests: a few tokens, a few dozen days, gaps where a
 * test wants them. Built directly in the Panel layout (sorted by token, then day).
 */
import type { Panel, TokenInfo } from "../../lib/data/panel";
import { allocatePanel, isoToDay } from "../../lib/data/panel";
import { makeRng } from "../../lib/runtime/rng";

/** Day number of 2024-01-01: fixture day offsets count from here. */
export const BASE_DAY = isoToDay("2024-01-01");

/** One token of a fixture: day offsets from BASE_DAY (ascending) and its closes; the rest optional. */
export interface SeriesSpec {
  id?: string;
  days: number[];
  close: number[];
  open?: number[];
  high?: number[];
  low?: number[];
  volume?: number[];
  anomalyKind?: number[];
}

/**
 * Build a Panel from per-token series. Defaults: open = previous close (or the close on the
 * first day), high = 1% above max(open, close), low = 1% below min(open, close), volume 1000.
 */
export function makePanel(series: SeriesSpec[], withAnomalies = false): Panel {
  const n = series.reduce((s, t) => s + t.days.length, 0);
  const p: Panel = allocatePanel(
    n,
    series.map(
      (s, k): TokenInfo => ({ id: s.id ?? `T${k}`, symbol: s.id ?? `T${k}`, name: `Token ${k}`, sector: null }),
    ),
    "fixture",
    withAnomalies,
  );
  let i = 0;
  series.forEach((s, t) => {
    if (s.close.length !== s.days.length)
      throw new Error(`fixture token ${t}: ${s.days.length} days but ${s.close.length} closes`);
    for (let k = 0; k < s.days.length; k++, i++) {
      const c = s.close[k]!;
      const o = s.open ? s.open[k]! : k > 0 ? s.close[k - 1]! : c;
      p.token[i] = t;
      p.day[i] = BASE_DAY + s.days[k]!;
      p.close[i] = c;
      p.open[i] = o;
      p.high[i] = s.high ? s.high[k]! : Math.max(o, c) * 1.01;
      p.low[i] = s.low ? s.low[k]! : Math.min(o, c) * 0.99;
      p.volume[i] = s.volume ? s.volume[k]! : 1000;
      if (p.anomalyKind && s.anomalyKind) p.anomalyKind[i] = s.anomalyKind[k]!;
    }
  });
  return p;
}

/** Day offsets 0..n-1 without the ones listed. */
export function daysWithout(n: number, missing: number[] = []): number[] {
  const skip = new Set(missing);
  return Array.from({ length: n }, (_, d) => d).filter((d) => !skip.has(d));
}

/** Closes 100 * exp(cumsum(returns)), starting at 100. */
export function closesFromReturns(returns: number[]): number[] {
  const out = [100];
  for (const r of returns) out.push(out[out.length - 1]! * Math.exp(r));
  return out;
}

/**
 * A small random market: `nTokens` correlated random walks over `nDays` days, with the
 * listed day offsets missing per token. Seeded, so every run builds the same panel.
 */
export function randomPanel(
  nTokens: number,
  nDays: number,
  seed: number,
  missing: Record<number, number[]> = {},
): Panel {
  const rng = makeRng(seed);
  const market = Array.from({ length: nDays }, () => rng.normal(0, 0.02));
  const series: SeriesSpec[] = [];
  for (let t = 0; t < nTokens; t++) {
    const beta = 0.5 + t * 0.3;
    const days = daysWithout(nDays, missing[t] ?? []);
    let c = 10 + 10 * t;
    const allClose: number[] = [];
    const allOpen: number[] = [];
    const allHigh: number[] = [];
    const allLow: number[] = [];
    const allVol: number[] = [];
    for (let d = 0; d < nDays; d++) {
      const o = c * Math.exp(rng.normal(0, 0.005));
      c = c * Math.exp(beta * market[d]! + rng.normal(0, 0.03));
      allOpen.push(o);
      allClose.push(c);
      allHigh.push(Math.max(o, c) * Math.exp(Math.abs(rng.normal(0, 0.01))));
      allLow.push(Math.min(o, c) * Math.exp(-Math.abs(rng.normal(0, 0.01))));
      allVol.push(1e6 * Math.exp(rng.normal(0, 0.4)));
    }
    series.push({
      days,
      close: days.map((d) => allClose[d]!),
      open: days.map((d) => allOpen[d]!),
      high: days.map((d) => allHigh[d]!),
      low: days.map((d) => allLow[d]!),
      volume: days.map((d) => allVol[d]!),
    });
  }
  return makePanel(series);
}

/** A copy of a panel (all columns), for look-ahead tests that edit one value. */
export function clonePanel(p: Panel): Panel {
  return {
    ...p,
    token: p.token.slice(),
    day: p.day.slice(),
    open: p.open.slice(),
    high: p.high.slice(),
    low: p.low.slice(),
    close: p.close.slice(),
    volume: p.volume.slice(),
    marketCap: p.marketCap.slice(),
    anomalyKind: p.anomalyKind ? p.anomalyKind.slice() : null,
  };
}
