/**
 * vega-lite spec builders for every chart in the notebooks and the report. Each takes
 * plain rows (arrays of objects) and one options object, and returns a spec that renders
 * headless (SVG/PNG) and interactively (tooltips) alike. Untrusted text (token symbols)
 * only ever enters specs as data values, which vega renders as text, never as markup.
 */
import type { VlSpec } from "./render";

/** Default chart size in pixels (fits a notebook column and a report card). */
export const WIDTH = 560;
export const HEIGHT = 300;

import { compactRows, type Row } from "../runtime/rows";

/** Rows and their rounding live in lib/runtime/rows.ts; re-exported for chart callers. */
export { compactRows, type Row };

interface Common {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
}

function frame(o: Common): VlSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: o.width ?? WIDTH,
    height: o.height ?? HEIGHT,
  };
}

/** Multi-series line chart (e.g. training and validation loss per epoch). */
export function lineChart(
  rows: Row[],
  o: Common & {
    x: string;
    y: string;
    series?: string;
    xTitle?: string;
    yTitle?: string;
    logY?: boolean;
    xType?: "quantitative" | "temporal";
    points?: boolean;
  },
): VlSpec {
  return {
    ...frame(o),
    data: { values: compactRows(rows) },
    mark: { type: "line", point: o.points ?? false, strokeWidth: 1.8 },
    encoding: {
      x: { field: o.x, type: o.xType ?? "quantitative", title: o.xTitle ?? o.x },
      y: {
        field: o.y,
        type: "quantitative",
        title: o.yTitle ?? o.y,
        scale: o.logY ? { type: "log" } : { zero: false },
      },
      ...(o.series ? { color: { field: o.series, type: "nominal", title: o.series } } : {}),
      tooltip: [{ field: o.x }, { field: o.y, format: ".4g" }, ...(o.series ? [{ field: o.series }] : [])],
    },
  };
}

/** Loss curves: one line per (model, split), log scale, best epoch marked. */
export function lossCurves(
  history: { epoch: number; loss: number; valLoss: number }[],
  o: Common & { bestEpoch?: number },
): VlSpec {
  const rows: Row[] = history.flatMap((h) => [
    { epoch: h.epoch, split: "train", loss: h.loss },
    { epoch: h.epoch, split: "validation", loss: h.valLoss },
  ]);
  const layers: VlSpec[] = [
    {
      mark: { type: "line", point: history.length <= 40, strokeWidth: 2 },
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "epoch" },
        y: { field: "loss", type: "quantitative", title: "loss (log scale)", scale: { type: "log" } },
        color: {
          field: "split",
          type: "nominal",
          title: null,
          scale: { domain: ["train", "validation"], range: ["#4c78a8", "#f58518"] },
        },
        tooltip: [{ field: "epoch" }, { field: "split" }, { field: "loss", format: ".5g" }],
      },
    },
  ];
  if (o.bestEpoch !== undefined) {
    layers.push({
      data: { values: [{ best: o.bestEpoch }] },
      mark: { type: "rule", strokeDash: [4, 3], color: "#555" },
      encoding: { x: { field: "best", type: "quantitative" } },
    });
  }
  return { ...frame(o), data: { values: compactRows(rows) }, layer: layers };
}

/** Histogram of one numeric field, optionally coloured by a group, with an optional log y-axis. */
export function histogram(
  rows: Row[],
  o: Common & { field: string; group?: string; maxbins?: number; logY?: boolean; xTitle?: string; normalize?: boolean },
): VlSpec {
  return {
    ...frame(o),
    data: { values: compactRows(rows) },
    mark: { type: "bar", opacity: o.group ? 0.6 : 0.9, binSpacing: 0 },
    encoding: {
      x: { field: o.field, bin: { maxbins: o.maxbins ?? 60 }, title: o.xTitle ?? o.field },
      y: {
        aggregate: "count",
        type: "quantitative",
        title: "count",
        stack: o.group ? null : undefined,
        scale: o.logY ? { type: "symlog" } : {},
      },
      ...(o.group ? { color: { field: o.group, type: "nominal" } } : {}),
    },
  };
}

/** Pre-binned density comparison: lines for each series over x (e.g. empirical vs normal). */
export function densityLines(
  rows: Row[],
  o: Common & { x: string; y: string; series: string; logY?: boolean; xTitle?: string; yTitle?: string },
): VlSpec {
  return lineChart(rows, { ...o, logY: o.logY });
}

/** Heatmap of a matrix given as long rows (row label, column label, value). */
export function heatmap(
  rows: Row[],
  o: Common & {
    x: string;
    y: string;
    value: string;
    xSort?: string[];
    ySort?: string[];
    diverging?: boolean;
    domain?: [number, number];
    showValues?: boolean;
    xTitle?: string;
    yTitle?: string;
  },
): VlSpec {
  const base: VlSpec = {
    x: {
      field: o.x,
      type: "ordinal",
      sort: o.xSort ?? null,
      title: o.xTitle ?? null,
      axis: { labelAngle: -45, labelLimit: 120 },
    },
    y: { field: o.y, type: "ordinal", sort: o.ySort ?? null, title: o.yTitle ?? null, axis: { labelLimit: 160 } },
  };
  const layers: VlSpec[] = [
    {
      mark: "rect",
      encoding: {
        ...base,
        color: {
          field: o.value,
          type: "quantitative",
          title: o.value,
          scale: o.diverging
            ? { scheme: "redblue", reverse: true, domainMid: 0, ...(o.domain ? { domain: o.domain } : {}) }
            : { scheme: "viridis", ...(o.domain ? { domain: o.domain } : {}) },
        },
        tooltip: [{ field: o.y }, { field: o.x }, { field: o.value, format: ".3f" }],
      },
    },
  ];
  if (o.showValues) {
    // Light text on dark cells: viridis is dark at its low end, the diverging scheme at both ends.
    const values = rows.map((r) => r[o.value]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    const [lo, hi] = o.domain ?? [Math.min(...values), Math.max(...values)];
    const dark = o.diverging
      ? `abs(datum['${o.value}']) > ${0.55 * Math.max(Math.abs(lo), Math.abs(hi))}`
      : `datum['${o.value}'] < ${lo + 0.45 * (hi - lo)}`;
    layers.push({
      mark: { type: "text", fontSize: 10 },
      encoding: {
        ...base,
        text: { field: o.value, type: "quantitative", format: ".2f" },
        color: { condition: { test: dark, value: "white" }, value: "#222" },
      },
    });
  }
  return { ...frame(o), data: { values: compactRows(rows, 4) }, layer: layers };
}

/** Scatter plot (e.g. a UMAP embedding) with colour, tooltips and optional facets. */
export function scatter(
  rows: Row[],
  o: Common & {
    x: string;
    y: string;
    color?: string;
    colorType?: "nominal" | "quantitative" | "ordinal";
    tooltip?: string[];
    size?: number;
    opacity?: number;
    facet?: string;
    columns?: number;
    xTitle?: string;
    yTitle?: string;
    scheme?: string;
    independent?: boolean;
  },
): VlSpec {
  const encoding: VlSpec = {
    x: { field: o.x, type: "quantitative", title: o.xTitle ?? o.x, scale: { zero: false } },
    y: { field: o.y, type: "quantitative", title: o.yTitle ?? o.y, scale: { zero: false } },
    ...(o.color
      ? {
          color: {
            field: o.color,
            type: o.colorType ?? "nominal",
            title: o.color,
            ...(o.scheme ? { scale: { scheme: o.scheme } } : {}),
          },
        }
      : {}),
    tooltip: (o.tooltip ?? []).map((f) => ({ field: f })),
  };
  const mark = { type: "circle", size: o.size ?? 12, opacity: o.opacity ?? 0.7 };
  if (o.facet) {
    const { width, height, title, ...rest } = frame(o);
    return {
      ...rest,
      title,
      data: { values: compactRows(rows, 4) },
      facet: { field: o.facet, type: "nominal", title: null },
      columns: o.columns ?? 3,
      spec: { width: o.width ?? 260, height: o.height ?? 220, mark, encoding },
      resolve: o.independent === false ? {} : { scale: { x: "independent", y: "independent" } },
      ...(width && height ? {} : {}),
    };
  }
  return { ...frame(o), data: { values: compactRows(rows, 4) }, mark, encoding };
}

/** Horizontal or vertical bar chart; optional grouping (side by side) and error bars. */
export function barChart(
  rows: Row[],
  o: Common & {
    category: string;
    value: string;
    group?: string;
    horizontal?: boolean;
    lo?: string;
    hi?: string;
    sort?: "ascending" | "descending" | null;
    valueTitle?: string;
    categoryTitle?: string;
  },
): VlSpec {
  const cat = {
    field: o.category,
    type: "nominal",
    sort: o.sort === undefined ? "-x" : o.sort,
    title: o.categoryTitle ?? null,
  };
  const val = { field: o.value, type: "quantitative", title: o.valueTitle ?? o.value };
  const enc: VlSpec =
    o.horizontal === false ? { x: { ...cat, sort: o.sort === undefined ? "-y" : o.sort }, y: val } : { y: cat, x: val };
  if (o.group) {
    enc.color = { field: o.group, type: "nominal" };
    if (o.horizontal === false) enc.xOffset = { field: o.group };
    else enc.yOffset = { field: o.group };
  }
  enc.tooltip = [{ field: o.category }, ...(o.group ? [{ field: o.group }] : []), { field: o.value, format: ".4g" }];
  const layers: VlSpec[] = [{ mark: { type: "bar" }, encoding: enc }];
  if (o.lo && o.hi) {
    const errEnc: VlSpec =
      o.horizontal === false
        ? {
            x: enc.x,
            ...(enc.xOffset ? { xOffset: enc.xOffset } : {}),
            y: { field: o.lo, type: "quantitative" },
            y2: { field: o.hi },
          }
        : {
            y: enc.y,
            ...(enc.yOffset ? { yOffset: enc.yOffset } : {}),
            x: { field: o.lo, type: "quantitative" },
            x2: { field: o.hi },
          };
    layers.push({ mark: { type: "rule", color: "#333" }, encoding: errEnc });
  }
  return { ...frame(o), data: { values: compactRows(rows) }, layer: layers };
}

/** Time series of one or more series over ISO dates, with optional highlighted points. */
export function timeSeries(
  rows: Row[],
  o: Common & {
    date: string;
    value: string;
    series?: string;
    logY?: boolean;
    marks?: Row[];
    markLabel?: string;
    yTitle?: string;
  },
): VlSpec {
  const layers: VlSpec[] = [
    {
      mark: { type: "line", strokeWidth: 1.4 },
      encoding: {
        x: { field: o.date, type: "temporal", title: null },
        y: {
          field: o.value,
          type: "quantitative",
          title: o.yTitle ?? o.value,
          scale: o.logY ? { type: "log" } : { zero: false },
        },
        ...(o.series ? { color: { field: o.series, type: "nominal" } } : {}),
        tooltip: [
          { field: o.date, type: "temporal" },
          { field: o.value, format: ".4g" },
          ...(o.series ? [{ field: o.series }] : []),
        ],
      },
    },
  ];
  if (o.marks?.length) {
    layers.push({
      data: { values: compactRows(o.marks) },
      mark: { type: "point", shape: "triangle-down", size: 70, filled: true, color: "#d62728" },
      encoding: {
        x: { field: o.date, type: "temporal" },
        y: { field: o.value, type: "quantitative" },
        tooltip: [
          { field: o.date, type: "temporal" },
          ...(o.markLabel ? [{ field: o.markLabel }] : []),
          { field: o.value, format: ".4g" },
        ],
      },
    });
  }
  return { ...frame(o), data: { values: compactRows(rows) }, layer: layers };
}

/** Small multiples of time series, one panel per facet value (e.g. a token around an anomaly). */
export function facetedTimeSeries(
  rows: Row[],
  o: Common & {
    date: string;
    value: string;
    facet: string;
    columns?: number;
    highlight?: string;
    panelWidth?: number;
    panelHeight?: number;
  },
): VlSpec {
  const layers: VlSpec[] = [
    {
      mark: { type: "line", strokeWidth: 1.3 },
      encoding: {
        x: { field: o.date, type: "temporal", title: null },
        y: { field: o.value, type: "quantitative", scale: { zero: false }, title: o.value },
        tooltip: [
          { field: o.date, type: "temporal" },
          { field: o.value, format: ".4g" },
        ],
      },
    },
  ];
  if (o.highlight) {
    layers.push({
      transform: [{ filter: `datum.${o.highlight}` }],
      mark: { type: "point", color: "#d62728", filled: true, size: 50 },
      encoding: { x: { field: o.date, type: "temporal" }, y: { field: o.value, type: "quantitative" } },
    });
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    data: { values: compactRows(rows) },
    facet: { field: o.facet, type: "nominal", title: null },
    columns: o.columns ?? 3,
    spec: { width: o.panelWidth ?? 220, height: o.panelHeight ?? 120, layer: layers },
    resolve: { scale: { y: "independent", x: "independent" } },
  };
}

/** Concatenate specs side by side (or in rows of `columns`). */
export function concat(specs: VlSpec[], o: { title: string; columns?: number }): VlSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.title,
    concat: specs.map(({ $schema: _s, ...rest }) => rest),
    columns: o.columns ?? 2,
  };
}
