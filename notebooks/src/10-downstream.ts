// %% [markdown]
// # 10 · Downstream: do the latents help predict and manage risk?
//
// **Purpose.** A latent code is only worth having if it is useful for something. This
// notebook puts the saved latents of every model (AE, VAE, DAE, Conv1D, and PCA as the
// linear reference) to two uses a quant cares about, and compares them with the raw
// features and with a standard benchmark:
//
// 1. **Prediction.** Next-day and 5-day forward realised volatility (ridge regression,
//    out-of-sample R² on the test split) and the sign of the next 5-day return (logistic
//    regression, accuracy against always predicting the majority class).
// 2. **Risk.** Tokens clustered by their average latent vector: do the clusters group
//    tokens that move together, and separate risk levels, better than sectors or random
//    groups? And a one-day 95% VaR / ES backtest built on latent-based volatility
//    forecasts, with Kupiec's coverage test.
//
// **Inputs.** `panel.parquet`, `features.parquet`, `dataset.json` (notebook 01);
// `latents-ae`, `latents-pca` (02), `latents-vae` (03), `latents-dae` (04),
// `latents-conv1d` (05).
//
// **Outputs.** `downstream-results.json`, figures, the report section.
//
// **No leakage.** Every target is computed from the panel strictly after the row's day
// (closes and high/low ranges of days t+1..t+h); models are fitted on the training split,
// the ridge penalty and the VaR quantile are chosen on the validation split, and the test
// split is only scored. A row whose future days are missing is dropped, not filled.
//
// Steps: Setup → Load → Targets → Prediction (volatility, direction) → Risk (clusters,
// VaR) → Save → Conclusions.

// %%
import { modelLabel } from "./lib/runtime/model-registry";
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import { loadDataset, loadPanelArtifact } from "./lib/features/dataset";
import { readLatentFrame } from "./lib/models/latents";
import * as ds from "./lib/stages/10-downstream/index";
import { dayToIso, isoToDay } from "./lib/data/panel";
import { Progress } from "./lib/runtime/progress";
import { showChart, showTable, showMarkdown } from "./lib/viz/display";
import * as charts from "./lib/viz/charts";
import { SectionBuilder } from "./lib/report/sections";
import { compareValues } from "./lib/stats/compare";

const ctx = await setupNotebook("10-downstream");
const section = new SectionBuilder("10-downstream", "Downstream: prediction and risk");
const fig = figureSaver(ctx);

// %% [markdown]
// ## Load
// The features (scaled with the training statistics) and the latents of every model, keyed
// by token and day. The Conv1D latents exist only on the last day of each window (every
// `windowStride` days), so its rows are a subset.

// %%
const d = loadDataset(ctx.store);
const panel = loadPanelArtifact(ctx.store);
const sectorOf = (t: number) => d.tokens[t]!.sector ?? "unknown";
const MODELS: [string, string][] = ["pca", "ae", "vae", "dae", "conv1d"].map((m) => [m, modelLabel(m)]);
const latentReps = MODELS.map(([model, label]) =>
  ds.representationFromFrame(readLatentFrame(ctx.store, model, d.tokens), label),
);
const rawRep = ds.featureRepresentation(d, "raw features");
const harRep = ds.harRepresentation({
  raw: d.raw,
  token: d.token,
  day: d.day,
  split: d.split,
  featureNames: d.meta.featureNames,
});
showTable(
  [rawRep, harRep, ...latentReps].map((r) => ({
    representation: r.name,
    dimensions: r.X.cols,
    rows: r.X.rows,
    "train / validation / test": [0, 1, 2].map((c) => r.split.filter((x) => x === c).length).join(" / "),
  })),
  { caption: "Representations compared" },
);

// %% [markdown]
// ## Targets
//
// For a row on day *t*: the **forward realised volatility** over *h* days is
// √(mean of σ²ₜ₊₁ … σ²ₜ₊ₕ), with each day's σ the Parkinson range estimate
// ln(high/low)/√(4 ln 2) (five times as efficient as a squared close-to-close return; on
// price-only data, without high and low, σ is the absolute daily log return);
// models predict its logarithm, as volatility forecasters do (its distribution is close to
// normal, a level is heavily skewed). The **direction** target is the sign of
// ln(Cₜ₊₅/Cₜ). The VaR backtest's P&L is the next day's log return ln(Cₜ₊₁/Cₜ).
//
// Stablecoins are left out of the prediction tasks: their volatility level and their
// mean-reversion to the peg are trivially predictable and would flatter every R² and
// accuracy below. The benchmark to beat is **HAR** (Corsi, 2009): a regression on the logs
// of yesterday's range (on price-only data its absolute log return) and the trailing 10- and
// 30-day volatilities.

// %%
const HORIZONS = [1, 5];
const DIRECTION_HORIZON = 5;
const targets = ds.forwardTargets(panel, HORIZONS, ds.volEstimatorFor(panel));
const index = new ds.PanelIndex(panel);
const notStable = (t: number) => sectorOf(t) !== "stablecoin";
const predReps = [rawRep, harRep, ...latentReps].map((r) => ds.filterTokens(r, notStable));
const stableTokens = d.tokens.filter((t) => t.sector === "stablecoin").length;
showTable(
  HORIZONS.map((h) => ({
    horizon: `${h} day(s)`,
    "panel rows without a complete future (dropped)": targets.missing[h]!,
    "of panel rows": panel.day.length,
  })),
  { caption: "Forward targets: rows whose next days are missing are dropped, never filled" },
);
showMarkdown(
  `${stableTokens} stablecoin(s) left out of the prediction tasks; ${predReps[0]!.X.rows.toLocaleString("en-US")} token-days remain for the row representations.`,
);

// %% [markdown]
// ## Prediction: volatility and direction
//
// For each representation: a ridge regression with its penalty chosen on the validation
// split, scored on the test split. Then each representation **on top of HAR** (its columns
// next to the benchmark's): the R² gain over HAR alone on the same rows says whether the
// latent code carries volatility information the trailing volatilities do not. Intervals
// are 95% block-bootstrap intervals over calendar weeks of test days (rows of one day share
// the market's shock, and 5-day targets overlap, so rows are far from independent).

// %%
const progress = new Progress("prediction");
const prediction = ds.predictionSuite(predReps, predReps[1]!, targets, index, {
  rng: ctx.rng.fork("prediction"),
  volHorizons: HORIZONS,
  directionHorizon: DIRECTION_HORIZON,
  onStep: (what) => progress.update(what),
});
progress.done("all representations scored");
const volRows = ds.volatilityRows(prediction);
showTable(volRows, {
  caption: "Log forward realised volatility: out-of-sample R² (test split; Conv1D rows are window-end days only)",
  digits: 3,
});
const gainRows = ds.harGainRows(prediction);
showTable(gainRows, {
  caption: "Does the representation add to the HAR benchmark? Paired R² gain on the same test rows",
  digits: 3,
});

// %% [markdown]
// The same numbers as charts: each representation's test R² alone, and what it adds to HAR.

// %%
await showChart(
  charts.barChart(ds.volatilityChartRows(prediction), {
    title: "Forecasting log forward volatility: test R²",
    subtitle: "ridge on each representation alone; whiskers: 95% block-bootstrap interval",
    category: "representation",
    value: "r2",
    group: "horizon",
    lo: "lo",
    hi: "hi",
    valueTitle: "out-of-sample R²",
    sort: null,
  }),
  fig("10-vol-r2"),
);
await showChart(
  ds.withReferenceLine(
    charts.barChart(ds.harGainChartRows(prediction), {
      title: "What each representation adds to the HAR benchmark",
      subtitle: "test R² of HAR + representation minus HAR alone, same rows; whiskers: 95% block-bootstrap interval",
      category: "representation",
      value: "gain",
      group: "horizon",
      lo: "lo",
      hi: "hi",
      valueTitle: "R² gain over HAR",
      sort: null,
    }),
    0,
    "no gain",
  ),
  fig("10-vol-gain-over-har"),
);

// %% [markdown]
// Predicted against realised log volatility on test days for the best forecaster that
// combines HAR with a latent code (a sample of points, coloured by sector).

// %%
const latentLabels = latentReps.map((r) => r.name);
const bestCombo = prediction.volatility[0]!.withBenchmark.filter((g) => latentLabels.includes(g.representation)).reduce(
  (a, b) => (b.combined.testR2 > a.combined.testR2 ? b : a),
);
const comboForecast = prediction.forecasts.find((f) => f.name === bestCombo.combined.representation)!;
const testRows = bestCombo.combined.testRows;
const step = Math.max(1, Math.floor(testRows.length / 2000));
const scatterRows = Array.from(testRows)
  .filter((_, k) => k % step === 0)
  .map((i) => ({
    predicted: comboForecast.logVol[i]!,
    realised: comboForecast.target[i]!,
    sector: sectorOf(comboForecast.rep.token[i]!),
    token: d.tokens[comboForecast.rep.token[i]!]!.symbol,
    date: dayToIso(comboForecast.rep.day[i]!),
  }));
await showChart(
  charts.scatter(scatterRows, {
    title: `Next-day log volatility: ${bestCombo.combined.representation} forecast vs realised (test)`,
    subtitle: `R² ${bestCombo.combined.testR2.toFixed(3)}; one point per token-day (sampled)`,
    x: "predicted",
    y: "realised",
    color: "sector",
    tooltip: ["token", "date", "predicted", "realised"],
    xTitle: "forecast ln σ",
    yTitle: targets.estimator === "range" ? "realised ln σ (Parkinson)" : "realised ln σ (|daily log return|)",
    size: 10,
    opacity: 0.5,
  }),
  fig("10-vol-scatter"),
);

// %% [markdown]
// **Direction of the next 5 days.** Daily crypto returns are close to unpredictable, so
// the honest reference is not 50% but **always predicting the training split's majority
// class**; the edge is accuracy minus that, with a block-bootstrap interval. ROC-AUC uses
// the predicted probabilities (0.5 = no skill).

// %%
const dirRows = prediction.direction.map((c) => ({
  representation: c.representation,
  "test accuracy": c.accuracy,
  "majority-class accuracy": c.majorityAccuracy,
  edge: c.edge,
  "edge 95% CI": `${c.edgeCi[0].toFixed(3)} .. ${c.edgeCi[1].toFixed(3)}`,
  "ROC-AUC": c.auc,
  "AUC 95% CI": `${c.aucCi[0].toFixed(3)} .. ${c.aucCi[1].toFixed(3)}`,
  "train accuracy": c.trainAccuracy,
  "test rows": c.nTest,
}));
showTable(dirRows, {
  caption: `Sign of the next ${DIRECTION_HORIZON}-day return (logistic regression, test split; up-rate in test ${(prediction.direction[0]!.testUpRate * 100).toFixed(1)}%, training majority: ${prediction.direction[0]!.majorityClass === 1 ? "up" : "down"})`,
  digits: 3,
});
await showChart(
  ds.withReferenceLine(
    charts.barChart(
      prediction.direction.map((c) => ({
        representation: c.representation,
        auc: c.auc,
        lo: c.aucCi[0],
        hi: c.aucCi[1],
      })),
      {
        title: `Direction of the next ${DIRECTION_HORIZON} days: ROC-AUC on the test split`,
        subtitle: "whiskers: 95% block-bootstrap interval; dashed: no skill",
        category: "representation",
        value: "auc",
        lo: "lo",
        hi: "hi",
        valueTitle: "ROC-AUC",
        sort: null,
      },
    ),
    0.5,
    "no skill",
  ),
  fig("10-direction-auc"),
);

// %% [markdown]
// ## Risk: clusters of tokens
//
// Each token's average vector over the **training** split (columns z-scored across tokens)
// is clustered by k-means with as many clusters as there are sectors (seeded, 10
// k-means++ starts). The groupings are judged on the **test** period's daily returns:
//
// - *within-group correlation*: mean pairwise return correlation of tokens in the same
//   group (higher = the grouping captures co-movement); random groupings with the sectors'
//   sizes give the no-information band;
// - *portfolio correlation*: mean correlation between the groups' equal-weight portfolios
//   (lower = the groups diversify each other);
// - *vol dispersion*: spread of the groups' log portfolio volatility (higher = the grouping
//   separates risk levels), and per group the annualised volatility and maximum drawdown.
//
// All tokens take part here, stablecoins included (a risk view must place them). Prices are
// used as they are, including the labelled bad prints that notebook 07 detects: one such
// print can dominate the volatility of a small group (a stablecoin group especially).

// %%
const b = d.meta.boundaries;
const risk = ds.riskSuite([rawRep, ...latentReps], panel, sectorOf, isoToDay(b.testStart), isoToDay(b.testEnd), {
  rng: ctx.rng.fork("risk"),
  randomDraws: 200,
});
const allGroupingRows = ds.groupingRows(risk);
showTable(allGroupingRows, {
  caption: `${risk.grid.tokens.length} tokens, test period ${b.testStart} .. ${b.testEnd} (${risk.grid.days.length} days), k = ${risk.k}; random 95% band of within-group corr: ${risk.random.within.lo.toFixed(3)} .. ${risk.random.within.hi.toFixed(3)}`,
  digits: 3,
});

// %% [markdown]
// Within-group correlation of each grouping against the band of random groupings.

// %%
await showChart(
  ds.widenCategoryLabels(
    charts.barChart(ds.withinCorrelationChartRows(risk), {
      title: "How well does each grouping capture co-movement?",
      subtitle: "mean pairwise daily-return correlation of tokens in the same group, test period",
      category: "grouping",
      value: "within",
      lo: "lo",
      hi: "hi",
      valueTitle: "within-group correlation",
      sort: null,
    }),
    240,
  ),
  fig("10-cluster-coherence"),
);

// %%
const aeGrouping = risk.groupings.find((g) => g.name === "AE clusters")!;
await showChart(
  ds.integerCellText(
    charts.heatmap(
      ds.contingencyRows(
        Array.from(aeGrouping.labels, (l) => `cluster ${l}`),
        risk.sectors,
        ["cluster", "sector"],
      ),
      {
        title: "AE clusters against sectors",
        subtitle: `tokens per (cluster, sector); ARI ${aeGrouping.ariVsSector.toFixed(2)}`,
        x: "sector",
        y: "cluster",
        value: "tokens",
        showValues: true,
        width: 420,
        height: 260,
      },
    ),
  ),
  fig("10-ae-clusters-vs-sectors"),
);
const portfolioRows = ds.portfolioRows(risk);
showTable(portfolioRows, {
  caption: "Equal-weight portfolio of each group over the test period (annualised with 365 days)",
  digits: 3,
});

// %% [markdown]
// The group portfolios' volatility against their drawdown.

// %%
await showChart(
  charts.scatter(
    portfolioRows.map((r) => ({
      grouping: r.grouping,
      group: r.group,
      vol: r["annual vol"],
      drawdown: r["max drawdown"],
      tokens: r.tokens,
    })),
    {
      title: "Group portfolios: volatility against drawdown",
      subtitle: "each point an equal-weight portfolio of one group, test period",
      x: "vol",
      y: "drawdown",
      color: "grouping",
      tooltip: ["grouping", "group", "tokens", "vol", "drawdown"],
      xTitle: "annualised volatility",
      yTitle: "maximum drawdown",
      size: 90,
      opacity: 0.85,
    },
  ),
  fig("10-group-portfolios"),
);

// %% [markdown]
// ## Risk: one-day 95% VaR and ES from volatility forecasts
//
// Each next-day volatility forecast σ̂ becomes a VaR by filtered historical simulation: the
// 5% quantile *q* of standardised returns r/σ̂ is taken on the **validation** split (out of
// sample for the forecaster), then on each test day VaR = −q·σ̂ and ES = −E[z | z ≤ q]·σ̂.
// A correct 95% VaR is exceeded on 5% of days; Kupiec's test checks the pooled rate
// (p-value < 0.05 rejects), the same test per token counts the tokens it rejects, and the
// ES ratio compares the realised loss on exceedance days with the forecast ES (1 = right).
// Caveat: tokens' exceedances cluster on market-wide crash days, which a pooled Kupiec
// test (it assumes independent days) does not account for; the busiest day is listed.

// %%
const vars = ds.varSuite(prediction.forecasts, 0.05);
const varRows = ds.varRows(vars);
showTable(varRows, { caption: "95% one-day VaR backtest on the test split (expected rate 0.05)", digits: 3 });
await showChart(
  ds.withReferenceLine(
    charts.barChart(
      vars.map((v) => ({
        forecaster: v.representation,
        rate: v.rate,
        Kupiec: v.kupiecP < 0.05 ? "rejects" : "passes",
      })),
      {
        title: "95% VaR exceedance rate by forecaster",
        subtitle: "test split; dashed: the 5% a correct VaR gives; colour: pooled Kupiec test at 5%",
        category: "forecaster",
        value: "rate",
        group: "Kupiec",
        valueTitle: "exceedance rate",
        sort: null,
      },
    ),
    0.05,
    "target 5%",
  ),
  fig("10-var-exceedances"),
);

// %% [markdown]
// One token's test days under the best HAR + latent forecaster: its next-day return against
// the 95% VaR boundary (the token with the most test days).

// %%
const pathForecaster = prediction.forecasts.find((f) => f.name === bestCombo.combined.representation)!;
const pathVar = vars.find((v) => v.representation === pathForecaster.name)!;
const exampleToken = ds.busiestTestToken(pathForecaster.rep);
const path = ds.varPathRows(pathForecaster, pathVar.zQuantile, exampleToken, dayToIso);
await showChart(
  charts.timeSeries(path.rows, {
    title: `${d.tokens[exampleToken]!.symbol}: next-day return and its 95% VaR boundary (${pathForecaster.name})`,
    subtitle: `test split; triangles: exceedances (${path.marks.length} of ${path.rows.length / 2} days)`,
    date: "date",
    value: "value",
    series: "series",
    marks: path.marks,
    markLabel: "event",
    yTitle: "log return",
  }),
  fig("10-var-path"),
);

// %% [markdown]
// ## Save

// %%
const results = {
  targets: {
    horizons: HORIZONS,
    estimator: targets.estimator,
    directionHorizon: DIRECTION_HORIZON,
    missing: targets.missing,
    stablecoinsExcluded: stableTokens,
    transform: "ln(max(vol, 1e-4))",
  },
  volatility: ds.volatilityResults(prediction),
  direction: prediction.direction,
  clustering: ds.clusteringResults(
    risk,
    d.tokens.map((t) => t.id),
  ),
  var: vars,
  seed: ctx.config.seed,
};
ctx.store.writeJson("downstream-results", results);
showMarkdown("Saved `downstream-results.json`.");

// %% [markdown]
// ## Conclusions
// Written from the numbers above.

// %%
const vol1 = prediction.volatility.find((v) => v.horizon === 1)!;
const vol5 = prediction.volatility.find((v) => v.horizon === 5)!;
const har1 = vol1.alone.find((o) => o.representation === harRep.name)!;
const har5 = vol5.alone.find((o) => o.representation === harRep.name)!;
const AUTOENCODERS = ["ae", "vae", "dae", "conv1d"].map(modelLabel);
const bestLatent1 = vol1.alone
  .filter((o) => AUTOENCODERS.includes(o.representation))
  .reduce((a, o) => (o.testR2 > a.testR2 ? o : a));
const raw1 = vol1.alone.find((o) => o.representation === rawRep.name)!;
const pca1 = vol1.alone.find((o) => o.representation === "PCA")!;
const significant = vol1.withBenchmark
  .filter((g) => latentLabels.includes(g.representation) && g.gainCi[0] > 0)
  .map((g) => g.representation);
const bestDir = prediction.direction.reduce((a, c) => (c.edge > a.edge ? c : a));
const dirSignificant = prediction.direction.filter((c) => c.edgeCi[0] > 0).map((c) => c.representation);
const aucSignificant = prediction.direction
  .filter((c) => c.aucCi[0] > 0.5)
  .map((c) => `${c.representation} (${c.auc.toFixed(3)})`);
const sectorsG = risk.groupings[0]!;
const groupingOf = (name: string) => risk.groupings.find((g) => g.name === name)!;
const bestCluster = risk.groupings
  .filter((g) => AUTOENCODERS.some((a) => g.name === `${a} clusters`))
  .reduce((a, g) => (g.risk.withinCorrelation > a.risk.withinCorrelation ? g : a));
const harVar = vars.find((v) => v.representation === harRep.name)!;
const constVar = vars[0]!;
const aeVar = vars.find((v) => v.representation === modelLabel("ae"))!;
const harAeVar = vars.find((v) => v.representation === "HAR + AE")!;
const harSameRows = vol1.withBenchmark.find((g) => g.representation === bestLatent1.representation)!.benchmarkR2;
// The findings, in the order the report lists them.
const findings = [
  `Next-day log volatility: the HAR benchmark (3 trailing-volatility inputs) reaches out-of-sample R² **${har1.testR2.toFixed(3)}** (5-day: ${har5.testR2.toFixed(3)}). The best autoencoder code alone, ${bestLatent1.representation}, reaches **${bestLatent1.testR2.toFixed(3)}** against ${harSameRows.toFixed(3)} for HAR on the same rows; PCA reaches ${pca1.testR2.toFixed(3)} and the ${rawRep.X.cols} raw features ${raw1.testR2.toFixed(3)}: ${{ higher: "the compressed code beats the purpose-built benchmark", tie: "the compressed code matches the purpose-built benchmark", lower: "a code learned for reconstruction does not replace a purpose-built volatility benchmark", overlap: "the compressed code is level with the purpose-built benchmark", unknown: "the comparison with the benchmark is not available" }[compareValues(bestLatent1.testR2, harSameRows, { digits: 3 })]}.`,
  `On top of HAR, ${significant.length ? `**${significant.join(", ")}** add${significant.length === 1 ? "s" : ""} next-day volatility information, with a block-bootstrap interval of the R² gain above zero` : "no latent code adds next-day volatility information with an interval above zero"}; the largest gain among the codes is ${bestCombo.gain.toFixed(3)} (${bestCombo.representation}, 95% CI ${bestCombo.gainCi[0].toFixed(3)} .. ${bestCombo.gainCi[1].toFixed(3)}).`,
  `The sign of the next ${DIRECTION_HORIZON}-day return is close to unpredictable, as expected: the best edge over always predicting the training majority is **${(bestDir.edge * 100).toFixed(1)} percentage points** (${bestDir.representation}, 95% CI ${(bestDir.edgeCi[0] * 100).toFixed(1)} .. ${(bestDir.edgeCi[1] * 100).toFixed(1)}); ${dirSignificant.length ? `${dirSignificant.join(", ")} ha${dirSignificant.length === 1 ? "s" : "ve"} an accuracy edge whose interval is above zero` : "no representation has an accuracy edge whose interval is above zero"}, and ${aucSignificant.length ? `ROC-AUC intervals above 0.5 only for ${aucSignificant.join(", ")}` : "no ROC-AUC interval lies above 0.5"}.`,
  `Tokens clustered by their average training-period code, judged on test-period returns: within-group correlation is **${sectorsG.risk.withinCorrelation.toFixed(3)}** for sectors, **${bestCluster.risk.withinCorrelation.toFixed(3)}** for the best autoencoder clusters (${bestCluster.name}, ARI with sectors ${bestCluster.ariVsSector.toFixed(2)}), ${groupingOf("PCA clusters").risk.withinCorrelation.toFixed(3)} for PCA clusters, ${groupingOf("raw features clusters").risk.withinCorrelation.toFixed(3)} for raw-feature clusters, and ${risk.random.within.lo.toFixed(3)} .. ${risk.random.within.hi.toFixed(3)} for random groups of the sectors' sizes. The spread of group volatility levels (sd of ln vol) is ${bestCluster.risk.volDispersion.toFixed(2)} for ${bestCluster.name} against ${sectorsG.risk.volDispersion.toFixed(2)} for sectors and ${risk.random.volDispersion.mean.toFixed(2)} for random groups: ${bestCluster.risk.volDispersion > 1.1 * sectorsG.risk.volDispersion ? "the clusters sort tokens by risk level more sharply than sectors do" : bestCluster.risk.volDispersion < 0.9 * sectorsG.risk.volDispersion ? "sectors separate risk levels more sharply than the clusters" : "clusters and sectors separate risk levels about equally (within 10%)"}.`,
  `95% one-day VaR on ${harVar.nTest.toLocaleString("en-US")} test token-days (5% expected): HAR-based VaR is exceeded on **${(harVar.rate * 100).toFixed(2)}%** (Kupiec p ${harVar.kupiecP.toFixed(3)}, ${harVar.tokensRejected}/${harVar.tokensTested} tokens rejected, ES ratio ${harVar.esRatio.toFixed(2)}), HAR + AE on ${(harAeVar.rate * 100).toFixed(2)}% (p ${harAeVar.kupiecP.toFixed(3)}, ${harAeVar.tokensRejected}/${harAeVar.tokensTested}), the AE code alone on ${(aeVar.rate * 100).toFixed(2)}% (p ${aeVar.kupiecP.toFixed(3)}, ${aeVar.tokensRejected}/${aeVar.tokensTested}), and a constant volatility on ${(constVar.rate * 100).toFixed(2)}% (p ${constVar.kupiecP.toFixed(3)}, ${constVar.tokensRejected}/${constVar.tokensTested})${constVar.tokensRejected > harVar.tokensRejected ? ": a state-dependent volatility is what makes VaR hold token by token" : ""}. Exceedances cluster on market-wide shocks: on the busiest day (${dayToIso(harVar.worstDay.day + 1)}) ${harVar.worstDay.exceedances} of ${harVar.worstDay.forecasts} tokens breached their HAR VaR together, which no per-token volatility forecast anticipates and a pooled Kupiec test (independent days) does not penalise.`,
];

// %%
section.headline({
  "HAR R² (1d / 5d vol)": `${har1.testR2.toFixed(3)} / ${har5.testR2.toFixed(3)}`,
  [`best autoencoder code alone, R² 1d (${bestLatent1.representation})`]: bestLatent1.testR2,
  "PCA / raw features R² 1d": `${pca1.testR2.toFixed(3)} / ${raw1.testR2.toFixed(3)}`,
  [`best HAR + code R² 1d (${bestCombo.representation})`]: bestCombo.combined.testR2,
  [`direction: best edge over majority (${bestDir.representation})`]: bestDir.edge,
  "within-group corr: sectors / best autoencoder clusters": `${sectorsG.risk.withinCorrelation.toFixed(3)} / ${bestCluster.risk.withinCorrelation.toFixed(3)}`,
  "95% VaR exceedance rate (HAR / HAR + AE)": `${(harVar.rate * 100).toFixed(2)}% / ${(harAeVar.rate * 100).toFixed(2)}%`,
});
for (const f of findings) section.finding(f);
section.table("Log forward volatility: test R² by representation", volRows);
section.table("R² gain over the HAR benchmark", gainRows);
section.table(`Direction of the next ${DIRECTION_HORIZON} days`, dirRows);
section.table("Token groupings on the test period", allGroupingRows);
section.table("95% VaR backtest", varRows);
section
  .figure("10-vol-r2", "Out-of-sample R² of log forward volatility by representation.")
  .figure("10-vol-gain-over-har", "R² gain of each representation on top of the HAR benchmark.")
  .figure("10-direction-auc", "ROC-AUC of the 5-day direction classifier.")
  .figure("10-cluster-coherence", "Within-group return correlation: sectors, latent clusters, random groups.")
  .figure("10-ae-clusters-vs-sectors", "AE clusters against sectors.")
  .figure("10-var-exceedances", "95% VaR exceedance rates by forecaster.")
  .figure("10-var-path", "One token's next-day returns against its VaR boundary.");
section.save(ctx.store);
finishNotebook(ctx, {
  outputs: ["downstream-results.json"],
  metrics: {
    harR2_1d: har1.testR2,
    harR2_5d: har5.testR2,
    bestLatentR2_1d: bestLatent1.testR2,
    bestComboGain: bestCombo.gain,
    directionBestEdge: bestDir.edge,
    withinCorrSectors: sectorsG.risk.withinCorrelation,
    withinCorrBestClusters: bestCluster.risk.withinCorrelation,
    varRateHar: harVar.rate,
  },
});
