/** downstream-suites.ts */

import type { Rng } from "../runtime/rng";
import type { Panel } from "../data/panel";
import { type KMeansOptions, adjustedRandIndex, kmeans, standardiseColumns, tokenProfiles } from "./clustering";
import {
  type GroupingRisk,
  MIN_OVERLAP_DAYS,
  type RandomGroupingBaseline,
  type ReturnGrid,
  type VarBacktest,
  groupingRisk,
  pairwiseCorrelations,
  randomGroupingBaseline,
  returnGrid,
  varBacktest,
} from "./risk";
import {
  type ClassificationOutcome,
  type ForwardTargets,
  type PanelIndex,
  type ProbeOptions,
  type RegressionOutcome,
  type Representation,
  classificationProbe,
  concatRepresentations,
  pairedR2Difference,
  rSquared,
  regressionProbe,
  rowTargets,
  selectColumns,
  takeMatrix,
} from "./downstream";

/** One representation's volatility forecasts, alone and on top of the benchmark. */
export interface VolatilityResult {
  horizon: number;
  /** Each representation alone (the benchmark included). */
  alone: RegressionOutcome[];
  /** Each representation concatenated with the benchmark, its R^2 gain over the benchmark on the same rows, and the combined forecast. */
  withBenchmark: {
    representation: string;
    combined: RegressionOutcome;
    benchmarkR2: number;
    gain: number;
    gainCi: [number, number];
  }[];
}

/** Everything the prediction part measures. */
export interface PredictionSuite {
  volatility: VolatilityResult[];
  direction: ClassificationOutcome[];
  directionHorizon: number;
  /** Next-day (h = 1) log-vol forecasts of each forecaster, for the VaR backtest. */
  forecasts: {
    name: string;
    rep: Representation;
    logVol: Float64Array;
    nextReturn: Float64Array;
    target: Float64Array;
  }[];
}

/**
 * Run the prediction tasks for every representation: ridge forecasts of the log forward
 * volatility at each horizon (alone, and concatenated with the benchmark with a paired
 * block-bootstrap interval of the R^2 gain), and a logistic classifier of the sign of the
 * forward return at `directionHorizon`. The benchmark must be one of `reps`.
 */
export function predictionSuite(
  reps: Representation[],
  benchmark: Representation,
  targets: ForwardTargets,
  index: PanelIndex,
  o: ProbeOptions & { volHorizons: number[]; directionHorizon: number; onStep?: (what: string) => void },
): PredictionSuite {
  for (const h of [...o.volHorizons, o.directionHorizon])
    if (!targets.horizons.includes(h))
      throw new Error(
        `predictionSuite: horizon ${h} was not computed; pass it to forwardTargets (have ${targets.horizons.join(", ")}).`,
      );
  const volatility: VolatilityResult[] = o.volHorizons.map((h) => ({ horizon: h, alone: [], withBenchmark: [] }));
  const direction: ClassificationOutcome[] = [];
  const forecasts: PredictionSuite["forecasts"] = [];
  for (const rep of reps) {
    o.onStep?.(rep.name);
    const t = rowTargets(rep, targets, index);
    volatility.forEach((v) => {
      const out = regressionProbe(rep, t.logVol[v.horizon]!, { ...o, rng: o.rng.fork(`${rep.name}-vol-${v.horizon}`) });
      v.alone.push(out);
      if (v.horizon === 1)
        forecasts.push({
          name: rep.name,
          rep,
          logVol: out.predictions,
          nextReturn: t.nextReturn,
          target: t.logVol[1]!,
        });
    });
    direction.push(classificationProbe(rep, t.up[o.directionHorizon]!, { ...o, rng: o.rng.fork(`${rep.name}-dir`) }));
    if (rep === benchmark) continue;
    const combined = concatRepresentations(rep, benchmark, `${benchmark.name.split(" ")[0]} + ${rep.name}`);
    const bench = selectColumns(
      combined,
      Array.from({ length: benchmark.X.cols }, (_, j) => rep.X.cols + j),
      benchmark.name,
    );
    const ct = rowTargets(combined, targets, index);
    volatility.forEach((v) => {
      const y = ct.logVol[v.horizon]!;
      const rng = o.rng.fork(`${combined.name}-vol-${v.horizon}`);
      const both = regressionProbe(combined, y, { ...o, rng });
      // The benchmark's own interval is not reported here (its alone-row has one): skip that bootstrap.
      const base = regressionProbe(bench, y, { ...o, rng: rng.fork("benchmark"), nBoot: 0 });
      const diff = pairedR2Difference(y, both.predictions, base.predictions, combined.day, both.testRows, {
        ...o,
        rng: rng.fork("gain"),
      });
      v.withBenchmark.push({
        representation: rep.name,
        combined: both,
        benchmarkR2: rSquared(y, base.predictions, both.testRows),
        gain: diff.estimate,
        gainCi: [diff.lo, diff.hi],
      });
      if (v.horizon === 1)
        forecasts.push({
          name: combined.name,
          rep: combined,
          logVol: both.predictions,
          nextReturn: ct.nextReturn,
          target: y,
        });
    });
  }
  return { volatility, direction, directionHorizon: o.directionHorizon, forecasts };
}

/** A forecast that ignores the inputs: the training mean of the target (the "no model" VaR). */
export function constantForecast(rep: Representation, y: Float64Array): Float64Array {
  let s = 0,
    n = 0;
  for (let i = 0; i < y.length; i++)
    if (rep.split[i] === 0 && Number.isFinite(y[i]!)) {
      s += y[i]!;
      n++;
    }
  if (n === 0) throw new Error(`constantForecast: ${rep.name} has no training rows with a finite target.`);
  return new Float64Array(y.length).fill(s / n);
}

/** One grouping of tokens and how it organises risk on the test period. */
export interface GroupingResult {
  name: string;
  /** `[grid tokens]` group per token on the grid. */
  labels: Int32Array;
  /** Adjusted Rand index against the sector grouping. */
  ariVsSector: number;
  risk: GroupingRisk;
}

/** What the risk part measures. */
export interface RiskSuite {
  grid: ReturnGrid;
  /** Sector per grid token. */
  sectors: string[];
  /** Sectors in label order (the sector grouping's group g is sectorNames[g]). */
  sectorNames: string[];
  k: number;
  groupings: GroupingResult[];
  random: RandomGroupingBaseline;
  /** Tokens left out (no training profile in some representation, or too few test days). */
  excluded: number;
}

/**
 * Cluster tokens by their training-split average of each representation (columns
 * z-scored across tokens, k-means with k = number of sectors) and compare the groupings
 * with the sectors and with random groupings of the sectors' sizes on the test period's
 * daily returns (fromDay..toDay).
 * @param tokenSector sector name of every token index.
 */
export function riskSuite(
  reps: Representation[],
  panel: Panel,
  tokenSector: (token: number) => string,
  fromDay: number,
  toDay: number,
  o: { rng: Rng; randomDraws?: number; minTrainRows?: number; minTestDays?: number; kmeans?: KMeansOptions },
): RiskSuite {
  const minTrain = o.minTrainRows ?? 20;
  const minDays = o.minTestDays ?? MIN_OVERLAP_DAYS;
  const profiles = reps.map((r) => tokenProfiles(r, { split: 0, minRows: minTrain }));
  let common = new Set(profiles[0]?.tokens ?? []);
  for (const p of profiles.slice(1)) common = new Set(p.tokens.filter((t) => common.has(t)));
  const full = returnGrid(
    panel,
    [...common].sort((a, b) => a - b),
    fromDay,
    toDay,
  );
  const nd = full.days.length;
  const keep: number[] = [];
  full.tokens.forEach((_t, k) => {
    let c = 0;
    for (let q = 0; q < nd; q++) if (Number.isFinite(full.returns[k * nd + q]!)) c++;
    if (c >= minDays) keep.push(k);
  });
  const grid: ReturnGrid = {
    days: full.days,
    tokens: Int32Array.from(keep, (k) => full.tokens[k]!),
    returns: new Float64Array(keep.length * nd),
  };
  keep.forEach((k, i) => grid.returns.set(full.returns.subarray(k * nd, (k + 1) * nd), i * nd));
  if (grid.tokens.length < 4)
    throw new Error(
      `riskSuite: only ${grid.tokens.length} tokens have a training profile and ${minDays}+ test days; the clustering needs at least 4 (lower minTrainRows/minTestDays or use more data).`,
    );
  const corr = pairwiseCorrelations(grid);
  const sectors = Array.from(grid.tokens, tokenSector);
  const sectorNames = [...new Set(sectors)].sort();
  const sectorLabels = Int32Array.from(sectors, (s) => sectorNames.indexOf(s));
  const k = Math.max(2, Math.min(sectorNames.length, grid.tokens.length - 1));
  const groupings: GroupingResult[] = [
    { name: "sectors", labels: sectorLabels, ariVsSector: 1, risk: groupingRisk(grid, sectorLabels, corr) },
  ];
  reps.forEach((rep, r) => {
    const p = profiles[r]!;
    const pos = new Map<number, number>();
    p.tokens.forEach((t, i) => pos.set(t, i));
    const rows = Array.from(grid.tokens, (t) => pos.get(t)!);
    const X = standardiseColumns(takeMatrix(p.profiles, rows));
    const km = kmeans(X, k, o.rng.fork(`kmeans-${rep.name}`), o.kmeans);
    groupings.push({
      name: `${rep.name} clusters`,
      labels: km.labels,
      ariVsSector: adjustedRandIndex(km.labels, sectorLabels),
      risk: groupingRisk(grid, km.labels, corr),
    });
  });
  const random = randomGroupingBaseline(grid, sectorLabels, corr, o.randomDraws ?? 200, o.rng.fork("random-groupings"));
  return { grid, sectors, sectorNames, k, groupings, random, excluded: panel.tokens.length - grid.tokens.length };
}

/** The VaR backtest of every forecaster of a prediction suite, plus the constant forecast. */
export function varSuite(forecasts: PredictionSuite["forecasts"], p = 0.05): VarBacktest[] {
  const out: VarBacktest[] = [];
  const first = forecasts[0];
  if (!first) throw new Error("varSuite: no forecasts; run predictionSuite with horizon 1 in volHorizons.");
  const constant = constantForecast(first.rep, first.target);
  out.push(
    varBacktest("constant (no model)", constant, first.nextReturn, first.rep.split, first.rep.token, first.rep.day, p),
  );
  for (const f of forecasts)
    out.push(varBacktest(f.name, f.logVol, f.nextReturn, f.rep.split, f.rep.token, f.rep.day, p));
  return out;
}
