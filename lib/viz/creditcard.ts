/** creditcard.ts */

import { type Row, compactRows } from "../runtime/rows";
import * as charts from "./charts";
import type { VlSpec } from "./render";
import { pct } from "../anomaly/creditcard";
import type { ModelCurves, NamedThreshold } from "../anomaly/creditcard-eval";

/** ROC (with the chance diagonal) and PR (with the fraud-rate baseline) curves of every model, side by side. */
export function curvesChart(curves: ModelCurves[], subtitle: string): VlSpec {
  const roc: Row[] = curves.flatMap((c) =>
    Array.from(c.roc.fpr, (x, i) => ({
      model: `${c.model} (AUC ${c.roc.auc.toFixed(3)})`,
      fpr: x,
      tpr: c.roc.tpr[i]!,
    })),
  );
  const pr: Row[] = curves.flatMap((c) =>
    Array.from(c.pr.recall, (x, i) => ({
      model: `${c.model} (AP ${c.pr.averagePrecision.toFixed(3)})`,
      recall: x,
      precision: c.pr.precision[i]!,
    })),
  );
  const baseline = curves[0]?.pr.baseline ?? 0;
  const size = { width: 330, height: 300 };
  const rocSpec: VlSpec = {
    ...size,
    title: "ROC",
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: "line", strokeDash: [4, 3], color: "#999" },
        encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
      },
      {
        data: { values: compactRows(roc, 4) },
        mark: { type: "line", strokeWidth: 1.8 },
        encoding: {
          x: { field: "fpr", type: "quantitative", title: "false-positive rate" },
          y: { field: "tpr", type: "quantitative", title: "true-positive rate (recall)" },
          color: {
            field: "model",
            type: "nominal",
            title: null,
            sort: null,
            legend: { orient: "bottom", direction: "vertical", labelLimit: 0 },
          },
          tooltip: [{ field: "model" }, { field: "fpr", format: ".4f" }, { field: "tpr", format: ".3f" }],
        },
      },
    ],
  };
  const prSpec: VlSpec = {
    ...size,
    title: `Precision-recall (baseline = fraud rate ${pct(baseline, 2)})`,
    layer: [
      {
        data: { values: [{ y: baseline }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#999" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
      {
        data: { values: compactRows(pr, 4) },
        mark: { type: "line", strokeWidth: 1.8, interpolate: "step-after" },
        encoding: {
          x: { field: "recall", type: "quantitative", title: "recall", scale: { domain: [0, 1] } },
          y: { field: "precision", type: "quantitative", title: "precision", scale: { domain: [0, 1] } },
          color: {
            field: "model",
            type: "nominal",
            title: null,
            sort: null,
            legend: { orient: "bottom", direction: "vertical", labelLimit: 0 },
          },
          tooltip: [{ field: "model" }, { field: "recall", format: ".3f" }, { field: "precision", format: ".3f" }],
        },
      },
    ],
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Credit-card fraud: ROC and precision-recall curves on the test split", subtitle },
    hconcat: [rocSpec, prSpec],
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
  };
}

/** Number of log-score bins of the distribution chart. */
export const SCORE_BINS = 40;

/**
 * Rows for `scoreDistributionChart`: per model and class, the density of log10(score) in
 * SCORE_BINS equal bins over the model's range (each class normalised on its own, since
 * frauds are hundreds of times rarer), plus one row per threshold to draw as a rule.
 * @param groups `[n]` class label per row ("normal"/"fraud", or "all" without labels).
 */
export function scoreDensityRows(
  models: { model: string; scores: Float64Array; thresholds: NamedThreshold[] }[],
  groups: string[],
): Row[] {
  const rows: Row[] = [];
  const floor = 1e-12;
  for (const m of models) {
    const logs = Float64Array.from(m.scores, (v) => Math.log10(Math.max(v, floor)));
    if (logs.length !== groups.length)
      throw new Error(`scoreDensityRows: ${m.model} has ${logs.length} scores but ${groups.length} group labels.`);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of logs) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const width = hi > lo ? (hi - lo) / SCORE_BINS : 1;
    const byGroup = new Map<string, Float64Array>();
    const totals = new Map<string, number>();
    logs.forEach((v, i) => {
      const g = groups[i]!;
      let h = byGroup.get(g);
      if (!h) byGroup.set(g, (h = new Float64Array(SCORE_BINS)));
      h[Math.min(SCORE_BINS - 1, Math.floor((v - lo) / width))]!++;
      totals.set(g, (totals.get(g) ?? 0) + 1);
    });
    for (const [g, h] of byGroup) {
      const total = totals.get(g)!;
      h.forEach((c, b) =>
        rows.push({
          model: m.model,
          kind: "density",
          class: g,
          log10_score: lo + (b + 0.5) * width,
          density: c / total / width,
        }),
      );
    }
    for (const t of m.thresholds)
      rows.push({
        model: m.model,
        kind: "threshold",
        class: t.name,
        log10_score: Math.log10(Math.max(t.result.threshold, floor)),
        density: null,
      });
  }
  return rows;
}

/** Class colours: normal blue-grey, fraud red; unlabelled data: "all" grey, flagged red. */
const CLASS_COLOURS: Record<string, string> = {
  normal: "#4c78a8",
  fraud: "#d62728",
  all: "#555555",
  "flagged (p99)": "#d62728",
  "not flagged": "#9aa9bd",
};

/** Distinct values of a field in first-appearance order (facet and legend order follow the data). */
function distinct(rows: Row[], field: string, where: (r: Row) => boolean = () => true): string[] {
  const seen: string[] = [];
  for (const r of rows) if (where(r) && !seen.includes(String(r[field]))) seen.push(String(r[field]));
  return seen;
}

/** A colour scale holding only the classes present. */
function classScale(classes: string[]): { domain: string[]; range: string[] } {
  return { domain: classes, range: classes.map((c) => CLASS_COLOURS[c] ?? "#888888") };
}

/** Densities of log10 reconstruction error by class, one panel per model, thresholds as dashed rules. */
export function scoreDistributionChart(rows: Row[], subtitle: string): VlSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: distinct(rows, "class", (r) => r.kind === "density").includes("fraud")
        ? "Reconstruction error of frauds and normal transactions (test split)"
        : "Reconstruction error of the test rows",
      subtitle,
    },
    data: { values: compactRows(rows, 4) },
    facet: { field: "model", type: "nominal", title: null, sort: distinct(rows, "model") },
    columns: 2,
    spec: {
      width: 300,
      height: 170,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'density'" }],
          mark: { type: "area", interpolate: "step", opacity: 0.35, line: true },
          encoding: {
            x: { field: "log10_score", type: "quantitative", title: "log10 score (standardised reconstruction error)" },
            y: { field: "density", type: "quantitative", title: "density", stack: null },
            color: {
              field: "class",
              type: "nominal",
              title: "class",
              scale: classScale(distinct(rows, "class", (r) => r.kind === "density")),
            },
            tooltip: [{ field: "class" }, { field: "log10_score", format: ".2f" }, { field: "density", format: ".3f" }],
          },
        },
        {
          transform: [{ filter: "datum.kind === 'threshold'" }],
          mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
          encoding: {
            x: { field: "log10_score", type: "quantitative" },
            tooltip: [
              { field: "class", title: "threshold" },
              { field: "log10_score", format: ".2f" },
            ],
          },
        },
      ],
    },
    resolve: { scale: { x: "independent", y: "independent" } },
  };
}

/** UMAP scatter of latents, one panel per model, coloured by class (frauds drawn last, on top). */
export function umapChart(rows: Row[], subtitle: string): VlSpec {
  const on = (r: Row) => (r.class === "fraud" || r.class === "flagged (p99)" ? 1 : 0);
  const sorted = [...rows].sort((a, b) => on(a) - on(b));
  const title = `UMAP of each model's latent space, coloured by ${rows.some((r) => r.class === "fraud" || r.class === "normal") ? "class" : "flag"} (test split)`;
  const spec = charts.scatter(sorted, {
    title,
    subtitle,
    x: "u0",
    y: "u1",
    color: "class",
    facet: "model",
    columns: 2,
    size: 10,
    opacity: 0.6,
    tooltip: ["model", "class"],
    xTitle: "UMAP 1",
    yTitle: "UMAP 2",
    width: 280,
    height: 230,
  });
  const classes = distinct(sorted, "class");
  spec.spec.encoding.color.scale = {
    ...classScale(classes),
    range: classes.map((c) => (c === "normal" ? "#9aa9bd" : (CLASS_COLOURS[c] ?? "#888888"))),
  };
  spec.facet.sort = distinct(rows, "model");
  return spec;
}
