// %% [markdown]
// # 01 · Data: load, validate, explore, prepare
//
// **Purpose.** Load a multi-token crypto price panel, check that it is consistent, look at it
// the way an analyst would (coverage, distributions, correlations), and turn it into
// leak-free model inputs.
//
// **Inputs.** The data source chosen by `CAE_SOURCE` (default: the embedded synthetic
// market; or `kaggle`, `binance`, `coingecko`, `csv`, `close` read from `CAE_DATA_PATH`).
//
// **Outputs** (for notebooks 02-11): `data/processed/panel.parquet`, `tokens.json`,
// `features.parquet`, `dataset.json` (feature names, split boundaries, training-set scaler),
// figures under `figures/`, and this notebook's report section.
//
// Steps: Setup → Load and validate → Look (coverage, distributions, correlations) →
// Prepare (features, date split with a gap, scaler fitted on train only, windows) → Save.

// %%
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import { loadMarket, describeSource } from "./lib/data/market";
import * as eda from "./lib/data/eda";
import { prepareDataset, savePanel, saveDataset, splitWindows } from "./lib/features/dataset";
import { describeWindowArithmetic } from "./lib/features/windows";
import { dayToIso } from "./lib/data/panel";
import { excludedTokens, includedClassesFromEnv, marketTokenMask, selectTokens } from "./lib/data/taxonomy";
import { showChart, showMarkdown, showTable } from "./lib/viz/display";
import * as charts from "./lib/viz/charts";
import { SectionBuilder } from "./lib/report/sections";
import * as stage01 from "./lib/stages/01-data-eda/index";

const ctx = await setupNotebook("01-data-eda");
const section = new SectionBuilder("01-data-eda", "Data: the market, its validation and its features");
const fig = figureSaver(ctx);

// %% [markdown]
// ## Load and validate
//
// Every source goes through the same validation: duplicates, gaps, OHLC invariants
// (`low ≤ open, close ≤ high`), non-positive or non-finite prices, negative volumes, stale
// prices and extreme jumps. Each repair or drop is counted below; a hard error would have
// named the file, line and column.
//
// The default source is a **simulated market** (seeded, offline). Its generative model: a
// market factor with GARCH(1,1) volatility and Student-t shocks under calm/bull/bear regimes
// and a few market-wide crash days; sector factors (layer-1, DeFi, exchange, meme,
// stablecoin, gaming, infrastructure) with their own volatility; token returns as
// beta × market + loading × sector + fat-tailed idiosyncratic noise; stablecoins that
// mean-revert tightly around 1; OHLC from an intraday range model; volumes that react to
// absolute returns and volatility; tokens listed and delisted on different dates and random
// missing days. It injects labelled anomalies (pump-and-dump, flash crash, stablecoin
// depeg, volume spike without a price move, bad or stale prints) that later notebooks use as
// ground truth.

// %%
const market = await loadMarket(ctx.config);
const panel = market.panel;
showMarkdown(describeSource(market));
showMarkdown(market.reportMarkdown);

// %% [markdown]
// ## Which tokens make the market
//
// Stablecoins, fiat pairs (EURUSDT), leveraged tokens (ADAUP, BTCDOWN), wrapped tokens
// (WBTC) and gold tokens (PAXG) trade like tokens but do not move like the crypto market: a
// stablecoin's returns are near zero, a leveraged token repeats another token's moves
// several times over, a wrapped token is a copy of its underlying. They are recognised by
// symbol rules and listed symbols, stay in the panel (and in the models' data), and are left
// out of the market statistics and figures below and of the market-wide stress index.
// `CAE_INCLUDE_CLASSES` (e.g. `stablecoin,wrapped` or `all`) counts them in.

// %%
const included = includedClassesFromEnv();
const excluded = excludedTokens(panel, included);
const nExcluded = excluded.reduce((s, c) => s + c.ids.length, 0);
const marketMask = marketTokenMask(panel, included);
// With no market token left (a folder of stablecoins only), the statistics use every token.
const edaPanel = nExcluded > 0 && nExcluded < panel.tokens.length ? selectTokens(panel, marketMask) : panel;
const exclusionNote =
  nExcluded === 0
    ? "No token was left out of the market statistics."
    : edaPanel === panel
      ? `Every token is non-market (${nExcluded}); the statistics below use all of them.`
      : `${nExcluded} of ${panel.tokens.length} tokens are left out of the market statistics below: ${excluded
          .map(
            (c) =>
              `${c.tokenClass} ${c.ids.slice(0, 12).join(", ")}${c.ids.length > 12 ? `, ... (${c.ids.length})` : ""}`,
          )
          .join("; ")}.`;
showMarkdown(`${exclusionNote} Classes counted as market: ${included.join(", ")}.`);

// %% [markdown]
// ## Look: coverage
//
// How many tokens trade each day (tokens list and delist at different dates: the panel is
// ragged), and where data is missing inside each token's life.

// %%
const summary = eda.panelSummary(panel);
showTable(
  Object.entries(summary).map(([k, v]) => ({ measure: k, value: v })),
  { caption: "Panel summary" },
);
const perDay = eda.tokensPerDay(edaPanel);
await showChart(
  charts.timeSeries(
    perDay.filter((_, i) => i % 3 === 0),
    { title: "Tokens with a price each day", date: "date", value: "tokens", yTitle: "tokens" },
  ),
  fig("01-tokens-per-day"),
);

// %%
const missing = eda.missingByTokenMonth(edaPanel, 50);
const months = [...new Set(missing.map((m) => m.month))];
await showChart(
  charts.heatmap(
    missing.filter((m) => m.listed).map((m) => ({ token: m.token, month: m.month, missing: m.missing })),
    {
      title: "Missing days by token and month",
      subtitle: "share of days without a row while the token was listed (blank: not listed)",
      x: "month",
      y: "token",
      value: "missing",
      xSort: months,
      domain: [0, 0.3],
      width: 640,
      height: 520,
    },
  ),
  fig("01-missing-heatmap"),
);

// %% [markdown]
// ## Look: distributions
//
// Daily log returns of crypto tokens are far from normal: the tails are fat (large moves
// are much more frequent than a normal distribution allows), which matters for anomaly
// thresholds later. The log-scale density shows it directly.

// %%
const returns = eda.dailyLogReturns(edaPanel);
const nonStable = returns.filter((_, i) => edaPanel.tokens[edaPanel.token[i]!]!.sector !== "stablecoin");
const rs = eda.summarise(nonStable);
const logVolume = Float64Array.from(edaPanel.volume, (v) => (v > 0 ? Math.log10(v) : NaN));
const hasVolume = logVolume.some(Number.isFinite);
const vs = hasVolume ? eda.summarise(logVolume) : null;
showTable([{ series: "daily log return (market tokens)", ...rs }, ...(vs ? [{ series: "log10 volume", ...vs }] : [])], {
  caption: "Distribution summaries",
  digits: 3,
});
await showChart(
  charts.lineChart(eda.tailDensity(nonStable), {
    title: "Standardised daily returns against the normal",
    subtitle: "log scale: the fat tails are the gap at |z| > 3",
    x: "z",
    y: "density",
    series: "series",
    logY: true,
    xTitle: "standardised return z",
    yTitle: "density",
  }),
  fig("01-return-tails"),
);
if (!hasVolume) showMarkdown("The source has no volume: no volume distribution.");
else
  await showChart(
    charts.histogram(
      Array.from(logVolume)
        .filter(Number.isFinite)
        .filter((_, i) => i % 4 === 0)
        .map((v) => ({ log10_volume: v })),
      {
        title: "Daily volume (log10, quote currency)",
        field: "log10_volume",
        xTitle: "log10 volume",
      },
    ),
    fig("01-volume-hist"),
  );

// %% [markdown]
// ## Look: correlations
//
// Tokens of one sector should move together more than tokens of different sectors, and
// all tokens move together more in crashes. The matrix is ordered by sector; the rolling
// average pairwise correlation shows the market's co-movement over time.

// %%
const corr = eda.sectorCorrelation(edaPanel, 36);
await showChart(
  charts.heatmap(corr.rows, {
    title: "Return correlation, ordered by sector",
    x: "a",
    y: "b",
    value: "r",
    xSort: corr.order,
    ySort: corr.order,
    diverging: true,
    domain: [-1, 1],
    width: 560,
    height: 560,
  }),
  fig("01-correlation-matrix"),
);
showTable(
  corr.bySector.map((s) => ({ sector: s.sector, tokens: s.tokens, "mean within-sector correlation": s.within })),
  { caption: `Mean correlation within a sector vs between sectors (${corr.betweenSector.toFixed(3)})`, digits: 3 },
);

// %%
const rolling = eda.rollingMarketCorrelation(edaPanel, 60, 7);
const crashMarks = market.crashDays
  .map((d) => ({
    date: dayToIso(d),
    correlation: rolling.find((r) => r.date >= dayToIso(d))?.correlation ?? null,
    event: "crash day",
  }))
  .filter((m) => m.correlation !== null);
await showChart(
  charts.timeSeries(rolling, {
    title: "Average pairwise correlation (60-day window)",
    subtitle: market.crashDays.length
      ? market.truth
        ? "triangles: simulated market-wide crash days"
        : "triangles: documented market-wide crash days"
      : undefined,
    date: "date",
    value: "correlation",
    marks: crashMarks,
    markLabel: "event",
  }),
  fig("01-rolling-correlation"),
);

// %% [markdown]
// ## Prepare: features, split, scaler
//
// One row per token-day with causal features (each uses only data up to that day): returns
// over 1, 5 and 20 days, rolling volatility, intraday range, candle shape, volume z-score,
// return relative to the market, distance from the moving average, drawdown, rolling beta
// and correlation to the market. Rows without enough history are dropped and counted.
// The feature set adapts to the data: features that need a column the source does not have
// (high and low for ranges and candle shadows, volume for the volume features) are left out
// rather than filled with zeros, and the table below says which and why.
//
// The split is by **date**: train, then validation, then test, with a gap between them at
// least as long as the longest feature lookback and the Conv1D window, so that no feature
// or window straddles two splits. The scaler's statistics come from the training rows only.

// %%
const { dataset, table } = prepareDataset(panel, { windowLength: ctx.config.settings.windowLength });
showTable(stage01.featureRows(dataset.meta), { caption: `${dataset.meta.featureNames.length} features` });
if (table.leftOut.length > 0)
  showTable(
    table.leftOut.map((x) => ({ "left out": x.feature, why: x.reason })),
    { caption: `${table.leftOut.length} feature(s) left out for this data` },
  );
else showMarkdown("Every feature of the catalogue could be built from this data.");
showTable(stage01.rowFlowRows(table, dataset.raw.rows), { caption: "From panel rows to feature rows" });
showTable(stage01.splitRows(dataset.meta, true), { caption: "Date split" });
showTable(stage01.scalerRows(dataset.meta), {
  caption: "Scaler statistics (fitted on the training split only)",
  digits: 3,
});

// %% [markdown]
// ### Window arithmetic for the Conv1D model
//
// The Conv1D autoencoder reads per-token windows `[nWindows, windowLength, nFeatures]` of
// consecutive days. On a tiny example: a token with 10 days, windows of 4 days, stride 2.

// %%
const tiny = describeWindowArithmetic(10, 4, 2);
showMarkdown(tiny.explanation);
const L = ctx.config.settings.windowLength,
  S = ctx.config.settings.windowStride;
const trainWindows = splitWindows(dataset, "train", L, S);
showMarkdown(
  `With this profile's windows of **${L} days** and stride **${S}**, the training split gives **${trainWindows.windows.n.toLocaleString("en-US")} windows** of shape [${L}, ${trainWindows.windows.features}].`,
);

// %% [markdown]
// ## Save
// The panel, the features, the split and the scaler go to `data/processed/` for the
// model notebooks.

// %%
savePanel(ctx.store, panel);
saveDataset(ctx.store, dataset);
ctx.store.writeJson("market-truth", market.truthJson);
const dropped = market.report.rowsRead - market.report.rowsKept;
section.headline({
  dataset: market.sourceLabel,
  tokens: Number(summary.tokens),
  "token-days": panel.day.length,
  "calendar days": Number(summary["calendar days"]),
  "rows dropped in validation": dropped,
  features: dataset.meta.featureNames.length,
  "train / validation / test rows": `${dataset.meta.rows.train} / ${dataset.meta.rows.validation} / ${dataset.meta.rows.test}`,
});
for (const finding of stage01.dataFindings({
  excluded: excluded,
  excludedApplied: edaPanel !== panel,
  leftOut: table.leftOut,
  returns: rs,
  withinSector: corr.withinSector,
  betweenSector: corr.betweenSector,
  rolling: rolling,
  report: market.report,
}))
  section.finding(finding);

// %%
section.table(
  "Validation",
  market.report.entries.map((e) => ({ check: e.check, action: e.action, rows: e.count, detail: e.detail })),
);
section.table("Date split", stage01.splitRows(dataset.meta, false));
section
  .figure("01-tokens-per-day", "Tokens with a price each day (the panel is ragged).")
  .figure("01-return-tails", "Standardised returns against the normal density (log scale).")
  .figure("01-correlation-matrix", "Return correlations ordered by sector.")
  .figure("01-rolling-correlation", "Average pairwise correlation over time, crash days marked.");
section.save(ctx.store);
finishNotebook(ctx, {
  outputs: ["panel.parquet", "tokens.json", "features.parquet", "dataset.json"],
  metrics: {
    rows: panel.day.length,
    tokens: Number(summary.tokens),
    features: dataset.meta.featureNames.length,
    featuresLeftOut: table.leftOut.length,
    nonMarketTokens: nExcluded,
    excessKurtosis: rs.excessKurtosis,
    withinSectorCorrelation: corr.withinSector,
    betweenSectorCorrelation: corr.betweenSector,
  },
});
