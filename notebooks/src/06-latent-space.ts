// %% [markdown]
// # 06 · Latent spaces: what the autoencoders learned
//
// **Purpose.** See and measure what each autoencoder learned: does its latent space
// separate tokens, sectors and market regimes, how faithful are the 2-D maps of it, and
// how do the four models and PCA differ from each other and from their inputs?
//
// **Inputs.** df_latents of every model, `latents-ae`, `latents-vae`, `latents-dae`,
// `latents-conv1d`, `latents-pca` (written by notebooks 02-05: one row per token-day, or
// per window for the Conv1D model keyed by the window's last day, with token, symbol,
// sector, day, date, split and z0, z1, ...); `features.parquet`, `dataset.json`,
// `panel.parquet`, `market-truth.json` (notebook 01); `models/ae`, `models/vae` (02, 03).
//
// **Outputs.** `umap-<model>` (emb_df: the embedded rows' keys with u0, u1),
// `latent-comparison.json` (every number measured here), figures `06-*`, and this
// notebook's report section.
//
// Steps: Setup → Load df_latents → Align the models → Sample → Neighbour graphs and UMAP →
// Look → Compare (CKA, kNN overlap, trustworthiness, silhouette) → Probe → Interpret
// (correlations, traversals) → Sectors → Conclusions.

// %%
import { modelLabel } from "./lib/runtime/model-registry";
import { setupNotebook, finishNotebook, figureSaver } from "./lib/stages/notebook";
import { loadDataset, loadPanelArtifact } from "./lib/features/dataset";
import * as la from "./lib/stages/06-latent-space/index";
import { stratifiedSample } from "./lib/features/sampling";
import { takeRows } from "./lib/runtime/matrix";
import { Progress } from "./lib/runtime/progress";
import { showChart, showMarkdown, showTable } from "./lib/viz/display";
import { barChart } from "./lib/viz/charts";
import { SectionBuilder } from "./lib/report/sections";

const ctx = await setupNotebook("06-latent-space");
const section = new SectionBuilder("06-latent-space", "Latent spaces");
const fig = figureSaver(ctx);
const timings: { stage: string; seconds: number }[] = [];
let lap = performance.now();
const timed = (stage: string) => {
  timings.push({ stage, seconds: (performance.now() - lap) / 1000 });
  lap = performance.now();
};

// %% [markdown]
// ## Load df_latents
//
// The model notebooks already saved each model's df_latents as the artifact
// `latents-<model>`; this notebook reads them with `readLatentFrame` (inside
// `loadAllLatents`) instead of encoding again. Rows with a NaN or infinite latent value (a
// diverged model) cannot be embedded: they are dropped and counted here. A missing table
// stops the notebook with the notebook to run first.

// %%
const d = loadDataset(ctx.store);
const panel = loadPanelArtifact(ctx.store);
const truth = ctx.store.readJson<la.MarketTruth>("market-truth");
const synthetic = truth.kind === "synthetic";
const { frames, cleaning } = la.loadAllLatents(ctx.store, d.tokens);
showTable(
  cleaning.map((c) => ({
    model: modelLabel(c.model),
    artifact: `latents-${c.model}`,
    rows: c.rows,
    "latent dims": c.latentDim,
    "dropped (NaN / infinite)": c.dropped,
    kept: c.kept,
  })),
  { caption: "df_latents of every model, as notebooks 02-05 saved them" },
);
showTable(la.frameHead(frames[0]!, d.tokens), { caption: `First rows of df_latents (${frames[0]!.model})`, digits: 3 });
timed("load");

// %% [markdown]
// ## Align the models
//
// Comparing two latent spaces point by point needs the same points in both. The row
// models encode every token-day; the Conv1D model encodes windows, keyed by the window's
// last day. So every comparison below uses the token-days that **end a Conv1D window** and
// have finite latents in every model; for those days the row models' code describes the
// day and the Conv1D code the window that ends on it.

// %%
const aligned = la.alignLatents(frames, d);
const models = aligned.models;
showMarkdown(aligned.note);
showTable(
  aligned.counts.map((c) => ({
    model: modelLabel(c.model),
    "rows after cleaning": c.rows,
    "rows common to all models": c.aligned,
  })),
  { caption: "Rows per model and rows used for the comparison" },
);

// %% [markdown]
// ## Sample
//
// UMAP's cost grows faster than linearly with the number of points, so the profile caps
// the points per model (`umapMaxPoints`). Above the cap the rows are sampled in a
// stratified way, by token and calendar quarter, so that young tokens and quiet quarters
// keep points. One sample is drawn and embedded for **every** model: the panels of the
// figures below show the same token-days.

// %%
const maxPoints = ctx.config.settings.umapMaxPoints;
const sampled = stratifiedSample({ token: aligned.token, day: aligned.day }, maxPoints, ctx.rng.fork("umap-sample"));
const sample = sampled.indices;
la.checkEnoughPoints(sample.length);
showMarkdown(
  `**Embedded rows:** ${sampled.note} (profile \`${ctx.config.profile}\` allows ${maxPoints.toLocaleString("en-US")} points per model).`,
);
timed("align and sample");

// %% [markdown]
// ## Neighbour graphs and UMAP
//
// For each model, the exact 16-nearest-neighbour graph of its sampled latents is computed
// **once**: UMAP (the library's typed-array implementation of the standard algorithm, seeded from the config) lays the points out from it
// (15 neighbours, the point itself included), and the neighbour metrics below read the same
// graph (15 neighbours besides the point). The embedding's own neighbour graph is computed
// once too. Each embedding is saved with its keys as `umap-<model>` (emb_df).

// %%
const umapProgress = new Progress("UMAP");
const embeddings = await la.embedModels(aligned, sample, {
  rng: ctx.rng.fork("umap"),
  onProgress: (m, e, total) => umapProgress.update(`${modelLabel(m)}: epoch ${e}/${total}`),
});
umapProgress.done(`${embeddings.length} models embedded, ${sample.length.toLocaleString("en-US")} points each`);
for (const e of embeddings) ctx.store.writeTable(`umap-${e.model}`, la.embeddingArtifact(aligned, e, sample, d.tokens));
showTable(
  embeddings.map((e) => ({
    model: modelLabel(e.model),
    points: e.latents.rows,
    "latent dims": e.latents.cols,
    "kNN graph (s)": e.knn.seconds,
    "UMAP layout (s)": e.umap.seconds,
    epochs: e.umap.nEpochs,
    artifact: `umap-${e.model}`,
  })),
  { caption: "Exact neighbour graphs (one per model, shared) and UMAP layouts", digits: 3 },
);
timed("neighbour graphs and UMAP");

// %% [markdown]
// ## Look
//
// Small multiples: one panel per model, the same points in each. A UMAP map keeps local
// neighbourhoods better than distances between far-apart groups, so read clusters and
// gradients, not the gaps between them. Hover a point for its token and day (interactive
// view). Colours: the token's sector; the most frequent tokens; the date; the volatility
// tercile of the token-day (`vol_30d`, cut points from the train split); on the synthetic
// market, the simulated market regime of the day.

// %%
const volTarget = la.volatilityTarget(aligned, d);
const regimeTarget = la.regimeTarget(aligned, synthetic ? truth : null);
const labelsOf = (t: la.ProbeTarget) => Array.from(t.labels, (l) => (l < 0 ? "n/a" : t.classes[l]!));
const extra: Record<string, string[]> = {};
if (volTarget) extra.volatility = labelsOf(volTarget);
if (regimeTarget) extra.regime = labelsOf(regimeTarget);
const plotPick = stratifiedSample(
  { token: Int32Array.from(sample, (r) => aligned.token[r]!), day: Int32Array.from(sample, (r) => aligned.day[r]!) },
  la.PLOT_POINTS,
  ctx.rng.fork("plot-sample"),
);
const plotRows = la.umapPlotRows(aligned, sample, embeddings, plotPick.indices, d.tokens, extra);
const shown = `${plotPick.indices.length.toLocaleString("en-US")} of the ${sample.length.toLocaleString("en-US")} embedded token-days per panel`;
await showChart(
  la.umapSmallMultiples(
    plotRows,
    { field: "sector", type: "nominal", title: "sector" },
    { title: "UMAP of each model's latent space, by sector", subtitle: shown, models: models },
  ),
  fig("06-umap-sector"),
);

// %%
const byToken = la.umapTokenRows(aligned, sample, embeddings, plotPick.indices, d.tokens);
await showChart(
  la.umapSmallMultiples(
    byToken.rows,
    {
      field: "token",
      type: "nominal",
      title: "token",
      domain: [...byToken.topTokens, la.OTHER_TOKENS],
      range: [...la.TOKEN_COLOURS.slice(0, byToken.topTokens.length), la.OTHER_COLOUR],
    },
    {
      title: `UMAP by token: the ${byToken.topTokens.length} tokens with the most embedded points`,
      subtitle: `all their embedded token-days; grey: ${shown}`,
      models: models,
    },
  ),
  fig("06-umap-token"),
);
await showChart(
  la.umapSmallMultiples(
    plotRows,
    { field: "date", type: "temporal", title: "date", scheme: "viridis" },
    { title: "UMAP by date", subtitle: shown, models: models },
  ),
  fig("06-umap-time"),
);

// %%
if (volTarget)
  await showChart(
    la.umapSmallMultiples(
      plotRows,
      {
        field: "volatility",
        type: "ordinal",
        title: "vol_30d tercile",
        domain: [...la.VOL_TERCILES],
        range: [...la.TERCILE_COLOURS],
      },
      { title: "UMAP by volatility regime (terciles of 30-day volatility)", subtitle: shown, models: models },
    ),
    fig("06-umap-volatility"),
  );
if (regimeTarget)
  await showChart(
    la.umapSmallMultiples(
      plotRows,
      {
        field: "regime",
        type: "nominal",
        title: "market regime",
        domain: regimeTarget.classes,
        range: regimeTarget.classes.map((c) => la.REGIME_COLOURS[c] ?? "#888888"),
      },
      { title: "UMAP by the simulated market regime of the day", subtitle: shown, models: models },
    ),
    fig("06-umap-regime"),
  );
timed("figures: UMAP");

// %% [markdown]
// ## Compare: linear CKA
//
// Linear CKA compares two representations of the same rows up to rotation and scale (1 =
// the same geometry, near 0 = unrelated). It runs on all aligned token-days, not only the
// embedded sample, and includes the scaled input features as a reference.

// %%
const reps: la.NamedMatrix[] = [
  ...models.map((m) => ({ name: m, X: aligned.latents[m]! })),
  { name: la.FEATURES_NAME, X: aligned.features },
];
const order = reps.map((r) => r.name);
const cka = la.ckaPairs(reps);
showTable(la.pairTable(cka, order), {
  caption: `Linear CKA between representations (${aligned.n.toLocaleString("en-US")} aligned token-days)`,
  digits: 3,
});
await showChart(
  la.pairHeatmap(cka, order, {
    title: "Linear CKA between latent spaces",
    subtitle: `${aligned.n.toLocaleString("en-US")} token-days that end a Conv1D window; 1 = same geometry up to rotation and scale`,
    valueTitle: "CKA",
  }),
  fig("06-cka"),
);
timed("CKA");

// %% [markdown]
// ## Compare: neighbourhoods, UMAP faithfulness, sectors
//
// - **kNN overlap** between two spaces: the share of a point's 15 nearest neighbours in
//   one space that are also among its 15 nearest in the other (1 = same neighbourhoods,
//   about 15 / n for unrelated spaces). Between models, from the shared graphs.
// - **Latent → UMAP overlap** and **trustworthiness** (Venna & Kaski; 1 = no point is
//   a UMAP neighbour without being close in latent space): how much UMAP distorts.
// - **Silhouette of sectors** in latent space and in UMAP (-1..1; above ~0.25 sectors
//   form clusters), and the **same-sector share** of the 15 latent neighbours against
//   its chance level.

// %%
const featuresGraph = la.neighbourGraph(takeRows(aligned.features, sample));
const overlap = la.overlapPairs([
  ...embeddings.map((e) => ({ name: e.model, neighbours: e.neighbours })),
  { name: la.FEATURES_NAME, neighbours: featuresGraph.neighbours },
]);
await showChart(
  la.pairHeatmap(overlap, order, {
    title: `kNN overlap between spaces (${la.METRIC_K} neighbours)`,
    subtitle: `mean share of a point's ${la.METRIC_K} nearest neighbours found in both spaces; ${sample.length.toLocaleString("en-US")} embedded token-days`,
    valueTitle: "overlap",
  }),
  fig("06-knn-overlap"),
);
const sampleSectors = la.sectorLabels(
  Int32Array.from(sample, (r) => aligned.token[r]!),
  d.tokens,
);
const quality = embeddings.map((e) => la.embeddingQuality(e, sampleSectors));
const featuresSeparation = sampleSectors
  ? la.sectorSeparation(takeRows(aligned.features, sample), featuresGraph.neighbours, sampleSectors)
  : null;
showTable(la.qualityRows(quality, featuresSeparation), {
  caption: `UMAP faithfulness and sector separation (k = ${la.METRIC_K}; chance same-sector share ${featuresSeparation ? featuresSeparation.chance.toFixed(3) : "n/a"})`,
  digits: 3,
});
if (!sampleSectors)
  showMarkdown("Fewer than two sectors are known for these tokens: sector silhouettes and probes are skipped.");
await showChart(la.umapQualitySpec(quality), fig("06-umap-quality"));
timed("neighbour metrics and silhouettes");

// %% [markdown]
// ## Probe: what can be read off the latents linearly?
//
// A linear probe (softmax regression) is fitted on the **train split's** token-days and
// scored on the **test split's** days, for each latent space, for PCA and for the raw
// (scaled) input features. Targets: the token's sector; the volatility tercile of the
// token-day; on the synthetic market, the simulated market regime of the day. The sector is
// also probed on **unseen tokens** (a share of each sector's tokens kept out of training),
// which stops the probe from reading a sector off a token it has already seen. Balanced
// accuracy (mean recall over classes) makes the levels comparable across targets: chance
// is 1 / number of classes.

// %%
const sectorTarget = la.sectorTarget(aligned, d.tokens);
const unseenSectorTarget = sectorTarget
  ? la.heldOutTokenTarget(sectorTarget, aligned, { rng: ctx.rng.fork("held-out-tokens") })
  : null;
const targets = [sectorTarget, unseenSectorTarget, volTarget, regimeTarget].filter(
  (t): t is la.ProbeTarget => t !== null,
);
const probes = la.runProbes(aligned, reps, targets, { rng: ctx.rng.fork("probe-sample") });
showMarkdown(
  `Targets: ${targets.map((t) => `**${t.name}**: ${t.description} (${t.classes.length} classes)`).join("; ")}. Probes were ${probes.note}.` +
    probes.skipped.map((sk) => ` The **${sk.target}** probe was not run: ${sk.reason}.`).join(""),
);
const probeTable = la.probePivot(probes.rows, order);
showTable(probeTable, {
  caption: "Linear probes on held-out test-split days: balanced accuracy and macro-F1",
  digits: 3,
});
await showChart(
  barChart(
    probes.rows.map((p) => ({
      representation: modelLabel(p.representation),
      target: p.target,
      "balanced accuracy": p.balancedAccuracy,
    })),
    {
      title: "Linear probes: balanced accuracy on test-split days",
      subtitle: `fitted on the train split; chance: ${targets
        .filter((t) => probes.rows.some((p) => p.target === t.name))
        .map((t) => `${t.name} ${(1 / t.classes.length).toFixed(2)}`)
        .join(", ")}`,
      category: "representation",
      value: "balanced accuracy",
      group: "target",
      sort: null,
    },
  ),
  fig("06-probes"),
);
timed("probes");

// %% [markdown]
// ## Interpret: what does each dimension follow?
//
// Pearson correlation of every latent dimension with each input feature (raw values of
// the token-day; for Conv1D, the window's last day), with the market's equal-weighted
// daily return, its 30-day volatility and a volume z-score, with the market regime (on
// the synthetic market) and with sector membership. Red = positive, blue = negative.

// %%
const vars = la.interpretationVariables(aligned, d, panel, synthetic ? truth : null);
const correlations = models.flatMap((m) => la.latentCorrelations(aligned, vars, m));
if (vars.dropped > 0)
  showMarkdown(
    `${vars.dropped.toLocaleString("en-US")} of ${aligned.n.toLocaleString("en-US")} aligned token-days are left out of the correlations: a market variable needs ${la.MARKET_MIN_OBS} earlier days of data.`,
  );
await showChart(
  la.correlationHeatmaps(correlations, models, vars.names, {
    title: "Correlation of latent dimensions with inputs, the market and sectors",
    subtitle: `${vars.kept.length.toLocaleString("en-US")} aligned token-days; one block per model`,
  }),
  fig("06-latent-correlations"),
);
showTable(
  models.map((m) => {
    const mine = correlations.filter((c) => c.model === m);
    const f = la.strongestCorrelation(mine, "input feature"),
      mk = la.strongestCorrelation(mine, "market"),
      s = la.strongestCorrelation(mine, "sector");
    return {
      model: modelLabel(m),
      "strongest input link": f ? `${f.dim} ~ ${f.variable}` : "",
      r: f?.r ?? null,
      "strongest market link": mk ? `${mk.dim} ~ ${mk.variable}` : "",
      "r (market)": mk?.r ?? null,
      "strongest sector link": s ? `${s.dim} ~ ${s.variable}` : "",
      "r (sector)": s?.r ?? null,
    };
  }),
  { caption: "Strongest correlation of any latent dimension, per model", digits: 3 },
);
timed("correlations");

// %% [markdown]
// ### Latent traversals (AE and VAE)
//
// Start from the average code, move **one** dimension from -2 to +2 of its standard
// deviation (the others held at their average) and decode. Each panel shows the feature
// profile the decoder produces along one dimension: flat lines mean the dimension is
// unused. The VAE's codes are its posterior means.

// %%
const traversals: la.TraversalResult[] = [];
for (const name of ["ae", "vae"].filter((m) => models.includes(m))) {
  const decoder = await la.loadDecoder(ctx.config.paths.models, name, d.meta.featureNames);
  const t = la.latentTraversal(decoder, aligned.latents[name]!);
  decoder.dispose();
  traversals.push(t);
  await showChart(
    la.traversalChart(t, d.meta.featureNames, {
      title: `${modelLabel(name)}: decoded feature profiles along each latent dimension`,
      subtitle: `${t.activeDims} of ${t.effects.length} dimensions active; lines: the dimension moved from -${la.TRAVERSAL_SPAN} to +${la.TRAVERSAL_SPAN} sd`,
    }),
    fig(`06-traversal-${name}`),
  );
}
showTable(
  traversals.flatMap((t) =>
    t.effects.map((e) => ({
      model: modelLabel(t.model),
      dim: e.dim,
      "sd of codes": e.sd,
      "mean |change| (sd)": e.effect,
      "feature moved most": e.topFeature,
      "its change (sd)": e.topDelta,
    })),
  ),
  {
    caption: `Effect of moving each dimension from -${la.TRAVERSAL_SPAN} to +${la.TRAVERSAL_SPAN} sd (decoded standardised features)`,
    digits: 3,
  },
);
timed("traversals");

// %% [markdown]
// ## Sectors: does any model recover them?
//
// On the default synthetic market every token's sector is known. The table gathers the
// three views of sector recovery measured above: clusters (silhouette), neighbourhoods
// (same-sector share of the 15 nearest latent neighbours) and linear readability (probe
// balanced accuracy on test-split days), with the input features and chance as references.

// %%
const findingsInput: la.LatentFindingsInput = {
  models: models,
  cka: cka,
  overlap: overlap,
  quality: quality,
  featuresSeparation: featuresSeparation,
  probes: probes.rows,
  skippedProbes: probes.skipped,
  correlations: correlations,
  traversals: traversals,
  nSectors: sectorTarget ? sectorTarget.classes.length : 0,
  synthetic: synthetic,
};
const sectorRows = la.sectorRecoveryRows(findingsInput);
showTable(sectorRows, { caption: "Sector recovery by representation", digits: 3 });
const { headline, findings } = la.latentFindings(findingsInput);
showMarkdown(findings.map((f) => `- ${f}`).join("\n"));

// %% [markdown]
// ## Conclusions
//
// The findings above are written from this run's numbers; they, the headline numbers and
// the key tables and figures go to the report. Every number is also saved in
// `latent-comparison.json` for the notebooks that follow.

// %%
timed("findings");
ctx.store.writeJson("latent-comparison", {
  alignedRows: aligned.n,
  sampleNote: sampled.note,
  embeddedPoints: sample.length,
  k: la.METRIC_K,
  cleaning: cleaning,
  counts: aligned.counts,
  cka: la.uniquePairs(cka, order),
  overlap: la.uniquePairs(overlap, order),
  quality: quality,
  featuresSeparation: featuresSeparation,
  probes: probes.rows,
  probeNote: probes.note,
  traversals: traversals.map((t) => ({ model: t.model, activeDims: t.activeDims, effects: t.effects })),
  timings: timings,
});

// %%
section.headline({
  "models compared": models.length,
  "aligned token-days": aligned.n,
  "embedded points per model": sample.length,
  ...headline,
});
for (const f of findings) section.finding(f);
section.finding(`Method: ${aligned.note} UMAP input: ${sampled.note}. Probes were ${probes.note}.`);
section.table("Linear CKA between representations", la.pairTable(cka, order));
section.table("Linear probes on test-split days (balanced accuracy, macro-F1)", probeTable);
section.table("Sector recovery by representation", sectorRows);
section
  .figure("06-umap-sector", "UMAP of each model's latent space (same token-days in every panel), coloured by sector.")
  .figure("06-cka", "Linear CKA between the models' latent spaces and the input features.")
  .figure(
    "06-latent-correlations",
    "Correlation of each latent dimension with the input features, market variables and sectors.",
  )
  .figure("06-probes", "Linear probes: balanced accuracy on test-split days.");
if (regimeTarget) section.figure("06-umap-regime", "UMAP coloured by the simulated market regime of the day.");
section.save(ctx.store);

// %%
showTable(timings, { caption: "Time per stage (s)", digits: 3 });
finishNotebook(ctx, {
  outputs: [...models.map((m) => `umap-${m}`), "latent-comparison.json"],
  metrics: {
    alignedRows: aligned.n,
    embeddedPoints: sample.length,
    droppedNonFinite: cleaning.reduce((a, c) => a + c.dropped, 0),
    ...Object.fromEntries(quality.map((q) => [`trustworthiness_${q.model}`, q.trustworthiness])),
    timings: timings,
  },
  notes: [aligned.note, sampled.note, probes.note],
});
