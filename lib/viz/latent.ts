/** latent.ts */

import { modelLabel } from "../runtime/model-registry";
import { dayToIso, type TokenInfo } from "../data/panel";
import { UNKNOWN_SECTOR } from "../models/latents";
import { compactRows, type Row } from "../runtime/rows";
import type { VlSpec } from "./render";
import { barChart } from "./charts";
import {
  type AlignedLatents,
  type EmbeddingQuality,
  METRIC_K,
  type ModelEmbedding,
  type PairValue,
  TOP_TOKENS,
  UMAP_PLOT_FIELDS,
} from "../latent/analysis";
import type { LatentCorrelation, TraversalResult } from "../latent/interpret";

// ---------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------

/** Colouring of a UMAP small-multiples figure. */
export interface UmapColour {
  field: string;
  type: "nominal" | "quantitative" | "ordinal" | "temporal";
  title: string;
  domain?: string[];
  range?: string[];
  scheme?: string;
}

/** Distinct colours of the top tokens (Tableau 10, as vega's default categorical scheme). */
export const TOKEN_COLOURS: readonly string[] = [
  "#4c78a8",
  "#f58518",
  "#e45756",
  "#72b7b2",
  "#54a24b",
  "#eeca3b",
  "#b279a2",
  "#ff9da6",
  "#9d755d",
  "#bab0ac",
];
/** Colours of the volatility terciles: calm blue, neutral grey, alarm red. */
export const TERCILE_COLOURS: readonly string[] = ["#4c78a8", "#b0b0b0", "#e45756"];

/** Colours of the synthetic market's regimes by name (others get the default scheme). */
export const REGIME_COLOURS: Record<string, string> = { calm: "#4c78a8", bull: "#54a24b", bear: "#e45756" };

/** Colour of tokens outside the top list. */
export const OTHER_COLOUR = "#cfcfcf";
/** Label of tokens outside the top list. */
export const OTHER_TOKENS = "other tokens";

/**
 * Rows of the UMAP scatter plots: one per (model, plotted point) with the model label, u0,
 * u1, symbol, sector, ISO date and any extra per-row labels (e.g. volatility tercile,
 * market regime).
 * @param plotRows row numbers into the embedded sample, the same for every model.
 * @param extra label arrays over the aligned rows.
 */
export function umapPlotRows(
  aligned: AlignedLatents,
  sample: Int32Array,
  embeddings: ModelEmbedding[],
  plotRows: ArrayLike<number>,
  tokens: TokenInfo[],
  extra: Record<string, ArrayLike<string>> = {},
): Row[] {
  const rows: Row[] = [];
  for (const e of embeddings) {
    const u = e.umap.embedding;
    for (let k = 0; k < plotRows.length; k++) {
      const p = plotRows[k]!;
      const r = sample[p]!;
      const t = aligned.token[r]!;
      const row: Row = {
        model: modelLabel(e.model),
        u0: u.data[p * u.cols]!,
        u1: u.data[p * u.cols + 1]!,
        symbol: tokens[t]!.symbol,
        sector: tokens[t]!.sector ?? UNKNOWN_SECTOR,
        date: dayToIso(aligned.day[r]!),
      };
      for (const [name, v] of Object.entries(extra)) row[name] = v[r]!;
      rows.push(row);
    }
  }
  return rows;
}

/**
 * Rows of the "by token" plots: the TOP_TOKENS tokens with the most embedded points, with
 * all their embedded points (labelled "symbol (sector)"), drawn over the plotted sample's
 * other tokens in grey (field `token` = OTHER_TOKENS, listed first so they lie underneath).
 */
export function umapTokenRows(
  aligned: AlignedLatents,
  sample: Int32Array,
  embeddings: ModelEmbedding[],
  plotRows: ArrayLike<number>,
  tokens: TokenInfo[],
): { rows: Row[]; topTokens: string[] } {
  const counts = new Map<number, number>();
  for (const r of sample) counts.set(aligned.token[r]!, (counts.get(aligned.token[r]!) ?? 0) + 1);
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, TOP_TOKENS)
    .map(([t]) => t);
  const topSet = new Set(top);
  const label = (t: number) => `${tokens[t]!.symbol} (${tokens[t]!.sector ?? UNKNOWN_SECTOR})`;
  const others = Array.from(plotRows).filter((p) => !topSet.has(aligned.token[sample[p]!]!));
  const mine = Array.from(sample.keys()).filter((p) => topSet.has(aligned.token[sample[p]!]!));
  const tokenOf = (p: number) => aligned.token[sample[p]!]!;
  const rows: Row[] = [];
  for (const e of embeddings) {
    for (const [ps, named] of [
      [others, false],
      [mine, true],
    ] as const) {
      const part = umapPlotRows(aligned, sample, [e], ps, tokens);
      part.forEach((row, k) => (row.token = named ? label(tokenOf(ps[k]!)) : OTHER_TOKENS));
      rows.push(...part);
    }
  }
  return { rows, topTokens: top.map(label) };
}

/** Small multiples of UMAP embeddings, one panel per model, coloured by one field, with (symbol, date) tooltips. */
export function umapSmallMultiples(
  rows: Row[],
  colour: UmapColour,
  o: { title: string; subtitle?: string; models: string[]; columns?: number },
): VlSpec {
  const scale: VlSpec = {};
  if (colour.domain) scale.domain = colour.domain;
  if (colour.range) scale.range = colour.range;
  if (colour.scheme) scale.scheme = colour.scheme;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    // Only the fields this figure uses, numbers to 3 significant digits: the data is embedded in the notebook.
    data: {
      values: compactRows(
        rows.map((r) => Object.fromEntries([...UMAP_PLOT_FIELDS, colour.field].map((f) => [f, r[f] ?? null]))),
        3,
      ),
    },
    facet: { field: "model", type: "nominal", title: null, sort: o.models.map(modelLabel) },
    columns: o.columns ?? 3,
    spec: {
      width: 250,
      height: 210,
      // aria: false drops vega's per-point accessibility labels, ~40% of the SVG's bytes here.
      mark: { type: "circle", size: 14, opacity: 0.7, aria: false },
      encoding: {
        x: { field: "u0", type: "quantitative", title: "UMAP 1", axis: { labels: false, ticks: false } },
        y: { field: "u1", type: "quantitative", title: "UMAP 2", axis: { labels: false, ticks: false } },
        color: {
          field: colour.field,
          type: colour.type,
          title: colour.title,
          ...(Object.keys(scale).length ? { scale } : {}),
          ...(colour.type === "temporal" ? { legend: { format: "%b %Y" } } : {}),
        },
        tooltip: [
          { field: "symbol", title: "token" },
          { field: "date", title: "day" },
          { field: "sector" },
          ...(colour.field !== "sector" && colour.field !== "token" && colour.field !== "date"
            ? [{ field: colour.field }]
            : []),
        ],
      },
    },
    resolve: { scale: { x: "independent", y: "independent" } },
  };
}

/** Square heatmap of pair values (CKA, kNN overlap) with the values printed. */
export function pairHeatmap(
  pairs: PairValue[],
  order: string[],
  o: { title: string; subtitle?: string; valueTitle: string },
): VlSpec {
  const labels = order.map(modelLabel);
  const size = Math.max(220, 58 * order.length);
  const enc = {
    x: { field: "b", type: "ordinal", sort: labels, title: null, axis: { labelAngle: -30 } },
    y: { field: "a", type: "ordinal", sort: labels, title: null },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: size,
    height: size,
    data: {
      values: compactRows(
        pairs.map((p) => ({ a: modelLabel(p.a), b: modelLabel(p.b), value: p.value })),
        4,
      ),
    },
    layer: [
      {
        mark: "rect",
        encoding: {
          ...enc,
          color: {
            field: "value",
            type: "quantitative",
            title: o.valueTitle,
            scale: { scheme: "blues", domain: [0, 1] },
          },
          tooltip: [{ field: "a" }, { field: "b" }, { field: "value", format: ".3f" }],
        },
      },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: {
          ...enc,
          text: { field: "value", type: "quantitative", format: ".2f" },
          color: { condition: { test: "datum.value > 0.6", value: "white" }, value: "#222" },
        },
      },
    ],
  };
}

/**
 * Latent-feature correlation heatmaps, one per model stacked vertically: rows = latent
 * dimensions, columns = variables in the given order (inputs, market, regime, sector).
 */
export function correlationHeatmaps(
  rows: LatentCorrelation[],
  models: string[],
  variables: string[],
  o: { title: string; subtitle?: string },
): VlSpec {
  const cell = 17;
  const specs = models.map((m) => {
    const mine = rows.filter((r) => r.model === m);
    const dims = [...new Set(mine.map((r) => r.dim))];
    return {
      title: { text: modelLabel(m), anchor: "start", fontSize: 12 },
      width: cell * variables.length,
      height: cell * dims.length,
      data: {
        values: compactRows(
          mine.map((r) => ({ dim: r.dim, variable: r.variable, group: r.group, r: Number.isFinite(r.r) ? r.r : 0 })),
          3,
        ),
      },
      mark: { type: "rect", aria: false },
      encoding: {
        x: {
          field: "variable",
          type: "ordinal",
          sort: variables,
          title: null,
          axis:
            m === models[models.length - 1] ? { labelAngle: -50, labelLimit: 180 } : { labels: false, ticks: false },
        },
        y: { field: "dim", type: "ordinal", sort: dims, title: null },
        color: {
          field: "r",
          type: "quantitative",
          title: "Pearson r",
          scale: { scheme: "redblue", reverse: true, domain: [-1, 1] },
        },
        tooltip: [{ field: "dim" }, { field: "variable" }, { field: "group" }, { field: "r", format: ".3f" }],
      },
    };
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    vconcat: specs,
    spacing: 8,
    resolve: { scale: { color: "shared" } },
  };
}

/** Blues for negative shifts, dark grey for none, reds for positive ones (darker = farther). */
export function traversalColours(offsets: number[]): string[] {
  const blues = ["#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  const reds = ["#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
  const maxAbs = Math.max(...offsets.map(Math.abs), 1e-12);
  const shade = (v: number, ramp: string[]) =>
    ramp[Math.min(ramp.length - 1, Math.floor((Math.abs(v) / maxAbs) * (ramp.length - 1) + 1e-9))]!;
  return offsets.map((v) => (v === 0 ? "#444444" : v < 0 ? shade(v, blues) : shade(v, reds)));
}

/** Feature profiles of a traversal: one panel per latent dimension, one line per offset. */
export function traversalChart(
  t: TraversalResult,
  featureNames: string[],
  o: { title: string; subtitle?: string; columns?: number },
): VlSpec {
  const offsets = [...new Set(t.rows.map((r) => Number(r.offset.toFixed(2))))].sort((a, b) => a - b);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    data: {
      values: compactRows(
        t.rows.map((r) => ({ ...r, offset: Number(r.offset.toFixed(2)) })),
        4,
      ),
    },
    facet: { field: "dim", type: "ordinal", title: null, sort: t.effects.map((e) => e.dim) },
    columns: o.columns ?? 4,
    spec: {
      width: 190,
      height: 120,
      mark: { type: "line", strokeWidth: 1.4, point: { size: 12, aria: false }, aria: false },
      encoding: {
        x: {
          field: "feature",
          type: "ordinal",
          sort: featureNames,
          title: null,
          axis: { labelAngle: -60, labelFontSize: 8 },
        },
        y: { field: "value", type: "quantitative", title: "decoded (sd)" },
        color: {
          field: "offset",
          type: "ordinal",
          title: "shift (sd)",
          scale: { domain: offsets, range: traversalColours(offsets) },
        },
        tooltip: [{ field: "dim" }, { field: "offset" }, { field: "feature" }, { field: "value", format: ".3f" }],
      },
    },
  };
}

/** Bars of each model's UMAP trustworthiness and latent -> UMAP kNN overlap (1 = perfect). */
export function umapQualitySpec(quality: EmbeddingQuality[]): VlSpec {
  return barChart(
    quality.flatMap((q) => [
      { model: modelLabel(q.model), measure: "trustworthiness", value: q.trustworthiness },
      { model: modelLabel(q.model), measure: "kNN overlap", value: q.umapOverlap },
    ]),
    {
      title: "How faithful is each UMAP map?",
      subtitle: `trustworthiness and kNN overlap (k = ${METRIC_K}) of the 2-D embedding against the latent space`,
      category: "model",
      value: "value",
      group: "measure",
      sort: null,
      valueTitle: "value (1 = perfect)",
    },
  );
}
