// %% [markdown]
// # 07 · Anomalies: scores, thresholds, agreement, ground truth and economic meaning
//
// **Purpose.** Turn the models' reconstruction errors into anomalies a market analyst can
// trust and explain: thresholds with a stated false-alarm rate, agreement across models,
// accuracy against known anomalies (synthetic market only), the features behind each flag,
// and what flags mean for prices (a market stress index checked against crash days, and an
// event study of returns and volatility after a flag).
//
// **Inputs.** `errors-ae`, `errors-vae`, `errors-dae`, `errors-pca` (one row per token-day)
// and `errors-conv1d` (one row per window, keyed by its last day) from notebooks 02-05;
// `dataset.json`, `tokens.json`, `panel.parquet` and `market-truth.json` from notebook 01.
//
// **Outputs.** `anomaly-scores` (every token-day: each model's MSE, the consensus score and
// its flag), `stress-index` (share of tokens flagged per day), `anomaly-thresholds.json`,
// figures `07-*`, and this notebook's report section.
//
// Steps: Setup → Load the scores → Thresholds → What drives the error → Agreement →
// Ground truth → Explain the top anomalies → Economic meaning → Conclusions.

// %%
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import { loadDataset, loadPanelArtifact } from "./lib/features/dataset";
import * as an from "./lib/stages/07-anomalies/index";
import { crashCheck, crashHitRows, crashFindings, topDayRows } from "./lib/stages/07-anomalies/index";
import { STRESS_TOP_DAYS } from "./lib/anomaly/crash-protocol";
import { showChart, showTable, showMarkdown } from "./lib/viz/display";
import * as charts from "./lib/viz/charts";
import { SectionBuilder } from "./lib/report/sections";
import * as fs from "node:fs";

const ctx = await setupNotebook("07-anomalies");
const section = new SectionBuilder("07-anomalies", "Anomalies");
const fig = figureSaver(ctx);
const d = loadDataset(ctx.store);
const panel = loadPanelArtifact(ctx.store);
const hasLabels = d.meta.hasLabels;
showMarkdown(
  `Data: **${d.meta.source}**, ${d.tokens.length} tokens; ${hasLabels ? "labelled anomalies are available (synthetic market): the ground-truth sections run." : "no anomaly labels (real data): the ground-truth sections say so and the crash-day check uses documented market events."}`,
);

// %% [markdown]
// ## Load the scores
//
// Every model notebook saved, per row it scores, the mean squared error (MSE), the mean
// absolute error (MAE) — for the VAE also the negative ELBO (reconstruction + KL) — and one
// squared error per feature (`e_<feature>`). The row models score token-days; the Conv1D
// model scores windows of consecutive days, keyed by the window's **last** day. To compare
// models row by row, every score goes onto one token-day grid: a window's score lands on
// its last day, and days that end no window have no Conv1D score.

// %%
const loaded = an.loadModelErrors(ctx.store, d.tokens, hasLabels);
const errors = loaded.errors;
if (loaded.missing.length)
  showMarkdown(
    `Missing tables (the stage runs without them): ${loaded.missing.map((m) => `\`errors-${m.model}\` (run ${m.notebook})`).join(", ")}.`,
  );
showTable(an.errorSummaryRows(errors), {
  caption: "Reconstruction error per row: distribution by model, score and split",
  maxRows: 60,
});
const aligned = an.alignOnTokenDays(errors, "mse");
showTable(
  aligned.models.map((m) => ({
    model: m,
    unit: errors.find((e) => e.model === m)!.unit,
    "token-days scored": aligned.scores[m]!.filter(Number.isFinite).length,
    "of grid": aligned.n,
  })),
  { caption: "Models on the token-day grid (MSE)" },
);

// %% [markdown]
// ## Thresholds
//
// A score becomes a flag above a threshold, fitted once on the **training** errors and
// applied to every split. Four rules, each with the false-alarm rate it promises on
// normal rows:
// - the 95th and 99th percentiles of training errors (promise 5% and 1%);
// - a robust rule, median + 3 × 1.4826 × MAD, on the **log** error (errors are sums of
//   squares, strongly skewed; their log is roughly normal, where 3 robust σ promise 0.135%);
// - peaks over threshold: a generalised Pareto distribution fitted to the excesses over
//   the 98th percentile, extrapolated to a 0.1% false-alarm rate, further into the tail
//   than the empirical quantile can reach reliably (it falls back to the empirical
//   quantile, with a warning, when there are too few excesses).
//
// Each rule comes in two variants: one global threshold, or one per token (tokens with
// fewer than 250 training rows keep the global one). Comparing the promised with the
// observed rate shows whether the errors on new data look like the training errors.

// %%
const outcomes = an.fitAllThresholds(errors);
showTable(an.thresholdSummaryRows(outcomes), {
  caption: "Thresholds fitted on training MSE: promised rate vs observed rate on the training and test splits",
  digits: 3,
});
showTable(an.thresholdRateRows(outcomes), {
  caption: "Every threshold (model × rule × variant) with its rates and caveats",
  maxRows: 60,
  digits: 3,
});
const primary = errors.find((e) => e.model === "ae") ?? errors[0]!;
await showChart(
  an.thresholdTailSpec(
    primary.scores.mse.filter((_, i) => primary.split[i] === 0),
    outcomes.filter((o) => o.model === primary.model),
    `${primary.model.toUpperCase()}: the tail of training errors and the thresholds`,
  ),
  fig("07-threshold-tail"),
);
for (const f of an.thresholdFindings(outcomes)) showMarkdown(f);

// %% [markdown]
// ## What drives the error
//
// The per-feature errors say *why* a row is hard to reconstruct. Below, each feature's
// share of the error, averaged over rows, for all rows, for the rows the 99th-percentile
// rule flags and — with labels — for each kind of injected anomaly. A feature whose share
// rises in a group is what makes that group anomalous.

// %%
const primaryP99 = outcomes.find((o) => o.model === primary.model && o.rule === "p99" && o.variant === "global")!;
const groups = an.contributionGroups(primary, primaryP99.flags);
await showChart(
  an.widenYLabels(
    an.withContrastLabels(
      charts.heatmap(an.contributionRows(groups, primary.featureNames), {
        title: `${primary.model.toUpperCase()}: share of the reconstruction error per feature`,
        subtitle: "mean share of each row's squared error; rows grouped by flag and (with labels) by anomaly kind",
        x: "feature",
        y: "group",
        value: "share",
        xSort: primary.featureNames,
        width: 620,
        height: 40 + 26 * groups.length,
        showValues: true,
      }),
      "share",
      0.12,
    ),
    240,
  ),
  fig("07-feature-contributions"),
);

// %% [markdown]
// ## Agreement across models
//
// Do the models flag the same token-days? For each rule: the Jaccard overlap of two
// models' flag sets (shared flags / flags of either) and Cohen's kappa (agreement beyond
// what the flag rates alone produce; it matters because two detectors agree on "normal"
// almost everywhere by chance). Scores are compared by Spearman rank correlation, since
// each model has its own scale. Pairs with the Conv1D model use the days that end a
// window. Agreement is a property of the models, so it is measured on every scored
// token-day (with the training thresholds).

// %%
const agreement = an.agreementByRule(aligned, outcomes);
showTable(an.agreementSummaryRows(agreement), {
  caption: "Agreement of flags across models, per rule (mean over pairs)",
  digits: 3,
});
const p99 = agreement.find((r) => r.rule === "p99")!;
const rho = an.pairwiseSpearman(aligned);
showTable(an.pairTableRows(p99.pairs, rho), {
  caption: "Pairs at the 99th percentile, with the Spearman correlation of their scores",
  digits: 3,
});
await showChart(an.agreementChart(aligned.models, p99.pairs, rho), fig("07-agreement"));

// %% [markdown]
// Which anomalies are found by which models: an UpSet chart counts, for the token-days
// every model scores, the flags of each exact combination of models (bars), with the
// combination shown as dots below. Tall bars of single models are flags only one model
// raises; the bar of all models is the hard core.

// %%
const overlap = an.overlapOnCommonRows(p99.flags);
await showChart(
  an.upsetSpec(overlap, {
    title: "Which models flag which token-days (99th percentile)",
    subtitle: `${overlap.n.toLocaleString("en-US")} token-days scored by every model; ${overlap.flaggedByAny} flagged by at least one`,
  }),
  fig("07-overlap"),
);

// %% [markdown]
// The **consensus score** summarises the autoencoders without choosing one: each model's
// scores are rank-normalised to [0, 1] over the token-days it scores, then averaged over
// the models that score the day. It is scale-free and robust to one model's quirks; PCA
// stays out of it, as the baseline the consensus must beat.

// %%
const consensus = an.consensusOnGrid(aligned);
showMarkdown(`Consensus of ${consensus.models.join(", ")} on ${aligned.n.toLocaleString("en-US")} token-days.`);

// %% [markdown]
// ## Ground truth
//
// The synthetic market carries its injected anomalies (pump-and-dump, flash crash,
// stablecoin depeg, volume spike, bad or stale print). Labels never entered training or
// the thresholds, so every scored row is evaluated (held-out rows, never trained on, are
// reported alongside). ROC-AUC is the probability that a random anomaly scores above a
// random normal row; PR-AUC (average precision) is what matters when anomalies are rare;
// precision@k takes k = the number of anomalies. Per kind, a kind's rows are ranked
// against normal rows only. PCA's reconstruction error is the baseline to beat. For the
// Conv1D model a window counts as anomalous when any of its days is.

// %%
const gt = an.evaluateGroundTruth(errors, aligned, consensus);
if (gt === null) {
  showMarkdown(
    "**No ground truth:** this data set has no anomaly labels (`dataset.json` hasLabels is false), so ROC-AUC, PR-AUC and recall cannot be computed. The crash-day check below is the validation for real data.",
  );
} else {
  showTable(an.groundTruthRows(gt), {
    caption: "Detection quality against injected anomalies (all scored rows; held-out = validation + test)",
    digits: 3,
    maxRows: 30,
  });
  showTable(an.aucByKindRows(gt.detectors), {
    caption: "ROC-AUC per detector and anomaly kind (kind vs normal rows)",
    digits: 3,
    maxRows: 30,
  });
  showTable(an.aucByKindRows(gt.detectors, "averagePrecision"), {
    caption:
      "PR-AUC (average precision) per detector and anomaly kind (kind vs normal rows; a random detector scores the kind's share of rows)",
    digits: 3,
    maxRows: 30,
  });
  for (const f of an.groundTruthFindings(gt)) showMarkdown(f);
}

// %%
if (gt !== null) {
  const kinds = Object.keys(an.aucByKindRows(gt.detectors)[0] ?? {}).filter((k) => k !== "detector");
  const heat = an
    .aucByKindRows(gt.detectors)
    .flatMap((r) => kinds.map((k) => ({ detector: String(r.detector), kind: k, auc: r[k] as number | null })));
  await showChart(
    an.withContrastLabels(
      charts.heatmap(heat, {
        title: "ROC-AUC by detector and anomaly kind",
        subtitle: "0.5 = chance; rows = model · score",
        x: "kind",
        y: "detector",
        value: "auc",
        xSort: kinds,
        domain: [0, 1],
        showValues: true,
        width: 420,
        height: 22 * gt.detectors.length,
      }),
      "auc",
      0.45,
    ),
    fig("07-auc-by-kind"),
  );
  await showChart(
    an.rocPrSpec(
      gt.curves.roc,
      gt.curves.pr,
      gt.curves.prevalence,
      "ROC and precision-recall curves (MSE per model, the VAE's −ELBO, consensus; token-day labels)",
    ),
    fig("07-roc-pr"),
  );
}

// %% [markdown]
// Precision and recall of each global threshold rule against the labels.

// %%
if (gt !== null) {
  const recall = an.thresholdRecallRows(outcomes, errors);
  if (recall)
    showTable(recall, {
      caption: "Precision and recall at each global threshold (all scored rows), overall and per kind",
      digits: 3,
      maxRows: 30,
    });
}

// %% [markdown]
// ## Explain the top anomalies
//
// The token-days with the highest consensus on the **test** split (what an analyst would
// have received out of sample), one per episode. For each: the models whose 99th-percentile
// rule flags it and the features that carry most of its error (shares averaged over the
// autoencoders). With labels, the table also gives the closest labelled anomaly of the same
// token within 3 days: features built on trailing windows (returns, volatility, z-scores)
// keep an anomaly visible for a few days, so a flag next to one is a near miss, not a false
// alarm. Then the token's closing price around the day (red point).

// %%
const explained = an.explainTopAnomalies(errors, aligned, consensus, d.tokens, {
  n: 6,
  rowMask: an.splitMask(aligned.split, ["test"]),
  flagsByModel: p99.flags,
});
showTable(an.explainedRows(explained, hasLabels), {
  caption: "Top anomalies of the test split by consensus score",
  digits: 3,
});
const picks = explained
  .slice(0, 4)
  .map((x) => ({ token: x.token, day: x.day, label: `#${x.rank} ${x.symbol} · ${x.date}` }));
await showChart(
  charts.facetedTimeSeries(an.priceContextRows(panel, picks), {
    title: "Top test anomalies: closing price ±30 days (flagged day in red)",
    date: "date",
    value: "close",
    facet: "panel",
    highlight: "anomaly",
    columns: 2,
    panelWidth: 300,
    panelHeight: 130,
  }),
  fig("07-explained-prices"),
);

// %% [markdown]
// The features that carry the error of the top anomaly.

// %%
const top1 = explained[0];
if (top1) {
  const ex = an.explainGridRow(errors, aligned, top1.g, consensus.models);
  await showChart(
    charts.barChart(
      an.topFeatures(ex.shares, ex.featureNames, 8).map((t) => ({ feature: t.feature, share: t.share })),
      {
        title: `Why #1 (${top1.symbol}, ${top1.date}) is anomalous`,
        subtitle: `share of its reconstruction error per feature, mean over ${ex.models.join(", ")}`,
        category: "feature",
        value: "share",
        valueTitle: "share of error",
        height: 220,
      },
    ),
    fig("07-explained-features"),
  );
}

// %% [markdown]
// ## Economic meaning
//
// **Stress index.** If anomalies are market-relevant, market-wide crash days should top a
// daily index of them. One protocol judges every index: a token-day is flagged when its
// score exceeds the 99th percentile of the training scores; the index of a day is the share
// of its scored tokens that are flagged (ties broken by the day's mean score); only days
// with enough scored tokens are ranked (10, or a quarter of the widest day on small
// panels); a crash window counts as hit when one of the top 20 days lies within ±1 day of
// it (a crash late in a UTC day shows in the next day's row). Every token-day is scored,
// including the days in the gaps between the splits. For the synthetic market the check
// uses the simulated crash days; for real data, documented market-wide sell-offs
// (`lib/anomaly/market-events.ts`, with sources).
//
// A model's token-day first gets its **token stress**: each feature's squared error over
// that feature's mean training error, averaged over features (a failure on the returns,
// which the models reconstruct closely, counts as much as one on the always-noisy volume),
// then a robust z against the token's **own** training errors. On real panels an index of
// token stress alone spends its top days on two things that are not new crashes: the
// **echo** of a crash (for weeks after it the 5-30 day features - volatility, drawdown,
// 20-day return - stay abnormal, so the same tokens stay flagged) and days of **scattered**
// large moves (some tokens up, some down). A crash is many tokens breaking at once, in the
// same direction, often each by only 2-3 sigma. So the default **market stress** of a day is
// built from the token stress in two steps: the **onset** (token stress minus its median
// over the token's previous 10 days, so a persisting state adds nothing) and the
// **coherence** (minus the mean over the day's tokens of the onset, capped at 3 sigma and
// signed by the token's daily return, floored at zero: breaks in one direction add up,
// opposite ones cancel, one token's spike counts as one token, and only a net fall counts,
// since a model's error has no sign and a rally or a rebound breaks the tokens' behaviour as
// much as a crash). It is one value per day, so the protocol ranks the days by it. The token stress and the raw pooled MSE stay in the table
// for comparison, and the token stress still ranks token-days (which token broke when).
//
// **No-model anchors**, with the same protocol: the share of tokens whose daily log return
// exceeds 3 trailing 30-day standard deviations, the market move (|median daily log return|
// over its trailing 30-day standard deviation), and the coherent move (the market stress's
// coherence step, net falls only, applied to each token's return over its trailing 30-day
// standard deviation instead of a model's error). An index built on autoencoders is worth its training only if
// it finds crash days at least as well as these; the coherent move shows what the models'
// errors add over the same aggregation of returns.

// %%
const truth = fs.existsSync(ctx.store.jsonPath("market-truth"))
  ? ctx.store.readJson<{ kind?: string; crashDays?: string[] }>("market-truth")
  : null;
const dayRange = {
  fromDay: aligned.day.reduce((a, b) => Math.min(a, b)),
  toDay: aligned.day.reduce((a, b) => Math.max(a, b)),
};
const check = an.stressCheckEvents(truth, dayRange);
const crash = crashCheck(errors, panel, check.events);
showTable(crashHitRows(crash), {
  caption: `Crash windows hit by each index (${check.kind}; best rank near each window, "-" = no ranked day near it; days with >= ${crash.minTokens} scored tokens)`,
  maxRows: 20,
});
const defaultIndex = crash.indices.find((x) => x.kind === "model" && x.model === primary.model) ?? crash.indices[0]!;
// The market stress is one value per day: chart that value (the protocol's share is 0 or 1).
const dayLevel = defaultIndex.kind === "model" || defaultIndex.name.includes("move");
const asValue = (d: (typeof defaultIndex.result.days)[number]) => (dayLevel ? { ...d, share: d.intensity } : d);
const stress = defaultIndex.result.days.map(asValue);
const ranking = { ranked: defaultIndex.result.ranked.map(asValue) };
showTable(topDayRows(defaultIndex.result), {
  caption: `Top ${STRESS_TOP_DAYS} stress days of the default index (${defaultIndex.name}; share: tokens above the training days' 99th percentile, 0 or 1 for a one-value-per-day index; value: the day's mean score, here the market stress)`,
  digits: 3,
});
await showChart(
  an.stressSpec(stress, an.eventMarks(check.events), ranking.ranked.slice(0, STRESS_TOP_DAYS), {
    title: `Market stress index (${defaultIndex.name})`,
    subtitle: `red dashed: ${check.kind} crash days; orange: top ${STRESS_TOP_DAYS} days`,
    valueTitle: dayLevel ? "market stress (coherent onset, sigmas)" : undefined,
  }),
  fig("07-stress-index"),
);
const crashText = crashFindings(crash, check.kind);
for (const f of crashText) showMarkdown(f);
const cflags = an.consensusFlags(aligned, consensus);

// %% [markdown]
// **Event study.** What happens to a token's price after a flag? For each flagged
// token-day: the forward log return and realised volatility over the next 1, 5 and 20
// trading days, minus the same for 5 randomly drawn non-flagged days of the same token
// (more than h days away from any flag, so windows never overlap). The mean difference has
// a bootstrap 95% interval; an interval that excludes 0 says flags carry information about
// what follows. Horizons count rows of the token.

// %%
const pr = an.panelReturns(panel);
const es = an.eventStudyOfFlags(pr, aligned.token, aligned.day, cflags.flags, { rng: ctx.rng.fork("event-study") });
if (es.result === null) showMarkdown(`No event study: ${es.reason}.`);
else {
  showTable(an.eventStudyRows(es.result), {
    caption: `Event study of ${es.nEvents} consensus flags vs matched non-flagged days of the same token`,
    digits: 3,
  });
  await showChart(
    an.eventStudySpec(es.result, "After a flag: event minus matched control days (95% bootstrap CI)"),
    fig("07-event-study"),
  );
  for (const f of an.eventStudyFindings(es.result)) showMarkdown(f);
}

// %% [markdown]
// ## Save
// The grid of scores with the consensus and its flag, and the stress index, for the
// evaluation notebooks; the fitted thresholds as JSON.

// %%
ctx.store.writeTable("anomaly-scores", an.gridTable(aligned, consensus, cflags.flags, d.tokens));
const indexDays = defaultIndex.result.days;
ctx.store.writeTable("stress-index", {
  day: Int32Array.from(indexDays, (s) => s.day),
  date: indexDays.map((s) => s.date),
  tokens: Int32Array.from(indexDays, (s) => s.tokens),
  flagged: Int32Array.from(indexDays, (s) => s.flagged),
  share: Float64Array.from(indexDays, (s) => s.share),
  value: Float64Array.from(indexDays, (s) => s.intensity),
});
const thresholdsFile = ctx.store.writeJson("anomaly-thresholds", {
  consensus: { quantile: an.CONSENSUS_QUANTILE, threshold: cflags.threshold },
  thresholds: outcomes.map((o) => ({
    model: o.model,
    score: o.score,
    rule: o.rule,
    variant: o.variant,
    threshold: o.threshold,
    expectedRate: o.expectedRate,
    observed: o.observed,
    tail: o.tail,
    warnings: o.warnings,
  })),
});
showMarkdown(
  `Saved \`anomaly-scores\` (${aligned.n.toLocaleString("en-US")} token-days), \`stress-index\` (${indexDays.length} days) and \`${thresholdsFile.split("/").pop()}\`.`,
);

// %% [markdown]
// ## Conclusions
// The findings below are written from this run's numbers; they also go to the report.

// %%
const topDay = defaultIndex.result.ranked[0];
const crashSummary =
  check.events.length === 0
    ? "no crash day in range"
    : `${defaultIndex.result.nHit} of ${check.events.length} in top ${STRESS_TOP_DAYS} (${defaultIndex.name})`;
section.headline({
  ...(gt
    ? {
        "best ROC-AUC": gt.best.rocAuc,
        "best detector": gt.best.name,
        "PCA ROC-AUC": gt.baseline?.rocAuc ?? null,
        "consensus ROC-AUC": gt.consensus?.rocAuc ?? null,
      }
    : {}),
  "top stress day": topDay
    ? `${topDay.date} (${dayLevel ? `market stress ${topDay.intensity.toFixed(2)}` : `${(topDay.share * 100).toFixed(0)}%`})`
    : "n/a",
  [`${check.kind} crash days`]: crashSummary,
});
for (const f of gt
  ? an.groundTruthFindings(gt)
  : [
      "The data carry no anomaly labels, so detection accuracy is not measured; the stress index and the crash-day check stand in for it.",
    ])
  section.finding(f);
for (const f of an.thresholdFindings(outcomes)) section.finding(f);
const meanJ = an.agreementSummaryRows(agreement);
section.finding(
  `Agreement of flags across models (mean over pairs): ${meanJ.map((r) => `${r.rule} Jaccard ${(r["mean Jaccard"] as number).toFixed(2)}, kappa ${(r["mean kappa"] as number).toFixed(2)}`).join("; ")}. At the 99th percentile ${overlap.combinations.find((c) => c.models.length === overlap.models.length)?.count ?? 0} of ${overlap.flaggedByAny} token-days flagged by any model are flagged by all ${overlap.models.length}.`,
);
if (top1)
  section.finding(
    `The top test anomaly is ${top1.symbol} on ${top1.date}${hasLabels ? ` (true kind: ${top1.kind})` : ""}, driven by ${top1.top.map((t) => `${t.feature} (${(t.share * 100).toFixed(0)}% of its error)`).join(", ")}.`,
  );
for (const f of crashText) section.finding(f);
if (es.result) for (const f of an.eventStudyFindings(es.result)) section.finding(f);

// %%
if (gt) section.table("ROC-AUC per detector and anomaly kind (kind vs normal rows)", an.aucByKindRows(gt.detectors));
section.table(
  "Thresholds fitted on training MSE: promised rate, training rates (all models) and each model's test rate",
  an.thresholdSummaryRows(outcomes, { compact: true }),
);
section.table("Crash windows hit by each model's stress index and by the no-model anchors", crashHitRows(crash));
section.figure("07-stress-index", `Market stress index with the ${check.kind} crash days marked.`);
if (gt) section.figure("07-roc-pr", "ROC and precision-recall curves per model and for the consensus.");
section.figure("07-overlap", "Which models flag which token-days (UpSet, 99th percentile).");
section.figure("07-explained-prices", "The top test anomalies in their price context.");
if (top1) section.figure("07-explained-features", "The features behind the top test anomaly.");
section.save(ctx.store);
finishNotebook(ctx, {
  outputs: ["anomaly-scores", "stress-index", "anomaly-thresholds.json"],
  metrics: {
    bestRocAuc: gt?.best.rocAuc ?? null,
    bestDetector: gt?.best.name ?? null,
    pcaRocAuc: gt?.baseline?.rocAuc ?? null,
    consensusRocAuc: gt?.consensus?.rocAuc ?? null,
    topStressDay: topDay?.date ?? null,
    crashDays: defaultIndex.result.hits.map((h) => ({ event: h.event, rank: h.bestRank, hit: h.hit })),
    crashHits: Object.fromEntries(crash.indices.map((x) => [x.name, x.result.nHit])),
  },
});
