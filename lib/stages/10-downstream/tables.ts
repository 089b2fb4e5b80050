/**
 * The tables and chart rows notebook 10 shows that are more than a mapping of one result:
 * volatility forecasts alone and on top of HAR, the token groupings and their portfolios,
 * the VaR backtest, and the summaries saved in downstream-results.json.
 */
import type { RegressionOutcome, Representation } from "../../evaluate/downstream";
import type { PredictionSuite, RiskSuite } from "../../evaluate/downstream-suites";
import type { VarBacktest } from "../../evaluate/risk";
import { dayToIso } from "../../data/panel";

/** An interval as "lo .. hi" with three decimals. */
function intervalText(ci: [number, number]): string {
  return `${ci[0].toFixed(3)} .. ${ci[1].toFixed(3)}`;
}

/** Each representation's volatility forecast alone, per horizon: ridge α, validation and test R² with its interval. */
export function volatilityRows(prediction: PredictionSuite): Record<string, string | number>[] {
  return prediction.volatility.flatMap((v) =>
    v.alone.map((o) => ({
      horizon: `${v.horizon}d`,
      representation: o.representation,
      dims: o.dims,
      "ridge α": o.alpha,
      "val R²": o.valR2,
      "test R²": o.testR2,
      "95% CI": intervalText(o.ci),
      "test rows": o.nTest,
    })),
  );
}

/** Each representation added to the HAR benchmark, per horizon: the paired R² gain on the same rows and its interval. */
export function harGainRows(prediction: PredictionSuite): Record<string, string | number>[] {
  return prediction.volatility.flatMap((v) =>
    v.withBenchmark.map((g) => ({
      horizon: `${v.horizon}d`,
      "added to HAR": g.representation,
      "HAR alone R²": g.benchmarkR2,
      "HAR + it R²": g.combined.testR2,
      gain: g.gain,
      "gain 95% CI": intervalText(g.gainCi),
      "test rows": g.combined.nTest,
    })),
  );
}

/** Bar-chart rows of the test R² of each representation alone (whiskers: its interval). */
export function volatilityChartRows(prediction: PredictionSuite): Record<string, string | number>[] {
  return prediction.volatility.flatMap((v) =>
    v.alone.map((o) => ({
      representation: o.representation,
      horizon: `${v.horizon}-day`,
      r2: o.testR2,
      lo: o.ci[0],
      hi: o.ci[1],
    })),
  );
}

/** Bar-chart rows of the R² gain of each representation over HAR (whiskers: its interval). */
export function harGainChartRows(prediction: PredictionSuite): Record<string, string | number>[] {
  return prediction.volatility.flatMap((v) =>
    v.withBenchmark.map((g) => ({
      representation: g.representation,
      horizon: `${v.horizon}-day`,
      gain: g.gain,
      lo: g.gainCi[0],
      hi: g.gainCi[1],
    })),
  );
}

/**
 * One row per grouping of tokens (co-movement, diversification, risk spread, extreme
 * groups), then the mean of the random groupings with the sectors' sizes (null where a
 * random grouping has no such number).
 */
export function groupingRows(risk: RiskSuite): Record<string, string | number | null>[] {
  const rows: Record<string, string | number | null>[] = risk.groupings.map((g) => ({
    grouping: g.name,
    groups: g.risk.nGroups,
    "ARI vs sectors": g.ariVsSector,
    "within-group corr": g.risk.withinCorrelation,
    "between-group corr": g.risk.betweenCorrelation,
    "portfolio corr": g.risk.portfolioCorrelation,
    "vol dispersion (sd of ln vol)": g.risk.volDispersion,
    "highest group vol": Math.max(...g.risk.groups.map((x) => x.annualVol)),
    "lowest group vol": Math.min(...g.risk.groups.map((x) => x.annualVol)),
    "worst max drawdown": Math.max(...g.risk.groups.map((x) => x.maxDrawdown)),
  }));
  rows.push({
    grouping: `random (sector sizes, ${risk.random.draws} draws): mean`,
    groups: risk.k,
    "ARI vs sectors": 0,
    "within-group corr": risk.random.within.mean,
    "between-group corr": null,
    "portfolio corr": risk.random.portfolioCorrelation.mean,
    "vol dispersion (sd of ln vol)": risk.random.volDispersion.mean,
    "highest group vol": null,
    "lowest group vol": null,
    "worst max drawdown": null,
  });
  return rows;
}

/** Bar-chart rows of each grouping's within-group correlation, then the random groupings' mean and 95% band. */
export function withinCorrelationChartRows(
  risk: RiskSuite,
): { grouping: string; within: number; lo: number | null; hi: number | null }[] {
  return [
    ...risk.groupings.map((g) => ({ grouping: g.name, within: g.risk.withinCorrelation, lo: null, hi: null })),
    {
      grouping: "random groups (95% band)",
      within: risk.random.within.mean,
      lo: risk.random.within.lo,
      hi: risk.random.within.hi,
    },
  ];
}

/** Groupings whose group portfolios are listed one by one. */
export const PORTFOLIO_GROUPINGS = ["sectors", "AE clusters", "PCA clusters"];

/** One row per group portfolio of the sector, AE-cluster and PCA-cluster groupings: size, risk, return, main sector. */
export function portfolioRows(risk: RiskSuite): {
  grouping: string;
  group: string;
  tokens: number;
  "annual vol": number;
  "max drawdown": number;
  "total return": number;
  "within corr": number;
  "main sector": string;
}[] {
  return risk.groupings
    .filter((g) => PORTFOLIO_GROUPINGS.includes(g.name))
    .flatMap((g) =>
      g.risk.groups.map((x) => ({
        grouping: g.name,
        group: g.name === "sectors" ? risk.sectorNames[x.group]! : `cluster ${x.group}`,
        tokens: x.size,
        "annual vol": x.annualVol,
        "max drawdown": x.maxDrawdown,
        "total return": x.totalReturn,
        "within corr": x.withinCorrelation,
        "main sector": dominantLabel(g.labels, x.group, risk.sectors),
      })),
    );
}

/** One row per VaR forecaster: exceedances, Kupiec p, tokens rejected, ES ratio, mean VaR and the busiest day. */
export function varRows(vars: VarBacktest[]): Record<string, string | number>[] {
  return vars.map((v) => ({
    forecaster: v.representation,
    "test forecasts": v.nTest,
    exceedances: v.exceedances,
    rate: v.rate,
    "Kupiec p": v.kupiecP,
    "tokens rejected": `${v.tokensRejected}/${v.tokensTested}`,
    "ES ratio": v.esRatio,
    "mean VaR (log return)": v.meanVar,
    "busiest day": `${dayToIso(v.worstDay.day + 1)}: ${v.worstDay.exceedances}/${v.worstDay.forecasts}`,
  }));
}

/** The token with the most test-split rows of a representation (ties: the lower index). */
export function busiestTestToken(rep: Representation): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < rep.token.length; i++)
    if (rep.split[i] === 2) counts.set(rep.token[i]!, (counts.get(rep.token[i]!) ?? 0) + 1);
  const tokens = [...new Set(Array.from(rep.token))];
  if (tokens.length === 0) throw new Error("busiestTestToken: the representation has no rows.");
  return tokens.map((t) => ({ t, n: counts.get(t) ?? 0 })).sort((x, y) => y.n - x.n || x.t - y.t)[0]!.t;
}

/** A regression outcome without its predictions: what downstream-results.json keeps. */
export function outcomeSummary(o: RegressionOutcome) {
  return {
    representation: o.representation,
    dims: o.dims,
    alpha: o.alpha,
    valR2: o.valR2,
    trainR2: o.trainR2,
    testR2: o.testR2,
    testMse: o.testMse,
    ci: o.ci,
    nTrain: o.nTrain,
    nValidation: o.nValidation,
    nTest: o.nTest,
  };
}

/** The volatility forecasts for downstream-results.json: per horizon, each representation alone and with HAR. */
export function volatilityResults(prediction: PredictionSuite) {
  return prediction.volatility.map((v) => ({
    horizon: v.horizon,
    alone: v.alone.map(outcomeSummary),
    withHar: v.withBenchmark.map((g) => ({
      representation: g.representation,
      combined: outcomeSummary(g.combined),
      harR2: g.benchmarkR2,
      gain: g.gain,
      gainCi: g.gainCi,
    })),
  }));
}

/**
 * The token groupings for downstream-results.json: grid size, k, each grouping's risk and
 * labels by token id (`tokenIds`: id of every token index), the random baseline.
 */
export function clusteringResults(risk: RiskSuite, tokenIds: ArrayLike<string>) {
  return {
    tokens: risk.grid.tokens.length,
    days: risk.grid.days.length,
    k: risk.k,
    excluded: risk.excluded,
    groupings: risk.groupings.map((g) => ({
      name: g.name,
      ariVsSector: g.ariVsSector,
      ...g.risk,
      labels: Object.fromEntries(Array.from(risk.grid.tokens, (t, i) => [tokenIds[t]!, g.labels[i]!])),
    })),
    random: risk.random,
    sectorNames: risk.sectorNames,
  };
}

/** Long rows (a, b, count) of the contingency table of two labelings (for a heatmap). */
export function contingencyRows(
  a: ArrayLike<string>,
  b: ArrayLike<string>,
  names: [string, string],
): Record<string, string | number>[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < a.length; i++) counts.set(`${a[i]}\u0000${b[i]}`, (counts.get(`${a[i]}\u0000${b[i]}`) ?? 0) + 1);
  return [...counts.entries()].map(([k, n]) => {
    const [x, y] = k.split("\u0000");
    return { [names[0]]: x!, [names[1]]: y!, tokens: n };
  });
}

/**
 * One token's test days for a VaR chart: the next-day log return and the forecast VaR
 * boundary (q * sigma_hat, a negative return), and the exceedances as marks.
 * @param dayToDate formats a UTC day (e.g. dayToIso).
 */
export function varPathRows(
  f: { rep: Representation; logVol: Float64Array; nextReturn: Float64Array },
  zQuantile: number,
  token: number,
  dayToDate: (day: number) => string,
): { rows: Record<string, string | number>[]; marks: Record<string, string | number>[] } {
  const rows: Record<string, string | number>[] = [];
  const marks: Record<string, string | number>[] = [];
  for (let i = 0; i < f.rep.token.length; i++) {
    if (f.rep.token[i] !== token || f.rep.split[i] !== 2) continue;
    const r = f.nextReturn[i]!,
      v = f.logVol[i]!;
    if (!Number.isFinite(r) || !Number.isFinite(v)) continue;
    // Plotted on the day the return happens (the forecast is made the day before).
    const date = dayToDate(f.rep.day[i]! + 1);
    const boundary = zQuantile * Math.exp(v);
    rows.push({ date, series: "return", value: r }, { date, series: "VaR (95%)", value: boundary });
    if (r < boundary) marks.push({ date, value: r, event: "exceedance" });
  }
  return { rows, marks };
}

/** The most frequent name among the members of one group, as "name (count/size)". */
export function dominantLabel(labels: ArrayLike<number>, group: number, names: ArrayLike<string>): string {
  const counts = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < labels.length; i++)
    if (labels[i] === group) {
      counts.set(names[i]!, (counts.get(names[i]!) ?? 0) + 1);
      total++;
    }
  if (total === 0) return "";
  const [name, n] = [...counts.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]!;
  return `${name} (${n}/${total})`;
}
