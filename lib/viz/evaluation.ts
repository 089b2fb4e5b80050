/** evaluation.ts */

import { type Row, compactRows } from "../runtime/rows";
import { modelLabel } from "../runtime/model-registry";
import type { VlSpec } from "./render";
import { type FeatureErrorRow, type GroupErrorRow, referenceOf } from "../evaluate/evaluation";
import { type MonthRow, REGIME_NAMES, type RegimeSegment } from "../evaluate/regimes";
import type { Corruption, RobustnessRow } from "../evaluate/robustness";
import type { SweepPoint } from "../evaluate/sweep";

/** Test MSE against latent size, one panel per input (token-days, windows), PCA dashed. */
export function sweepChart(points: SweepPoint[], o: { title: string; subtitle?: string; nFeatures?: number }): VlSpec {
  const rows = points.map((p) => ({
    model: modelLabel(p.model),
    input: p.unit === "window" ? "windows (Conv1D vs PCA on flattened windows)" : "token-days (AE, VAE, DAE vs PCA)",
    latent: p.latentDim,
    mse: p.testMse,
    linear: p.model === p.reference ? "PCA" : "network",
  }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    data: { values: compactRows(rows) },
    facet: { field: "input", type: "nominal", title: null },
    columns: 2,
    spec: {
      width: 300,
      height: 240,
      mark: { type: "line", point: true, strokeWidth: 2 },
      encoding: {
        x: {
          field: "latent",
          type: "quantitative",
          title: "latent size",
          scale: { type: "log", base: 2 },
          axis: { values: [...new Set(points.map((p) => p.latentDim))] },
        },
        y: { field: "mse", type: "quantitative", title: "test MSE (log scale)", scale: { type: "log" } },
        color: { field: "model", type: "nominal", title: null },
        strokeDash: {
          field: "linear",
          type: "nominal",
          title: null,
          scale: {
            domain: ["network", "PCA"],
            range: [
              [1, 0],
              [5, 3],
            ],
          },
        },
        tooltip: [{ field: "model" }, { field: "latent" }, { field: "mse", format: ".4f" }],
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}

/**
 * Noise-robustness curves per corruption kind: the error of the reconstruction against the
 * clean input (log scale) and the rank correlation of anomaly scores with the clean
 * ranking; level 0 is the clean input (its own error, correlation 1).
 */
export function noiseChart(rows: RobustnessRow[], o: { title: string; subtitle?: string }): VlSpec {
  const kindLabel = (k: Corruption["kind"]) => (k === "gaussian" ? "Gaussian noise (std)" : "random masking (share)");
  const clean = new Map<string, RobustnessRow>();
  for (const r of rows) if (!clean.has(`${r.model}|${r.corruption}`)) clean.set(`${r.model}|${r.corruption}`, r);
  const points = [
    ...[...clean.values()].map((r) => ({
      model: r.model,
      corruption: r.corruption,
      level: 0,
      mse: r.cleanMse,
      spearman: 1,
    })),
    ...rows.map((r) => ({
      model: r.model,
      corruption: r.corruption,
      level: r.level,
      mse: r.noisyMse,
      spearman: r.spearman,
    })),
  ];
  const long = points.flatMap((p) => [
    {
      model: modelLabel(p.model),
      corruption: kindLabel(p.corruption),
      level: p.level,
      metric: "a. MSE against the clean input (log)",
      value: p.mse,
    },
    {
      model: modelLabel(p.model),
      corruption: kindLabel(p.corruption),
      level: p.level,
      metric: "b. Spearman of anomaly scores with the clean ranking",
      value: p.spearman,
    },
  ]);
  const panel = (kind: Corruption["kind"], metric: string, logY: boolean): VlSpec => ({
    title: { text: kindLabel(kind), fontSize: 12 },
    width: 260,
    height: 170,
    transform: [
      {
        filter: {
          and: [
            { field: "metric", equal: metric },
            { field: "corruption", equal: kindLabel(kind) },
          ],
        },
      },
    ],
    mark: { type: "line", point: true, strokeWidth: 1.8 },
    encoding: {
      x: { field: "level", type: "quantitative", title: "corruption level (0 = clean)" },
      y: { field: "value", type: "quantitative", title: metric, scale: logY ? { type: "log" } : { zero: false } },
      color: { field: "model", type: "nominal", title: null },
      tooltip: [{ field: "model" }, { field: "level" }, { field: "value", format: ".4f" }],
    },
  });
  const kinds = (["gaussian", "mask"] as const).filter((k) => rows.some((r) => r.corruption === k));
  const mseTitle = "MSE vs clean input (log)",
    rankTitle = "Spearman with clean ranking";
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    data: {
      values: compactRows(long.map((r) => ({ ...r, metric: r.metric.startsWith("a.") ? mseTitle : rankTitle }))),
    },
    columns: kinds.length,
    concat: [...kinds.map((k) => panel(k, mseTitle, true)), ...kinds.map((k) => panel(k, rankTitle, false))],
  };
}

/** Rows of the per-feature heatmap: log2(model MSE ÷ its PCA's) per feature, and a symmetric colour limit. */
export function featureRatioRows(rows: FeatureErrorRow[], models: string[]): { rows: Row[]; limit: number } {
  const find = (m: string, f: string) => rows.find((r) => r.model === m && r.feature === f);
  const out: Row[] = [];
  for (const m of models) {
    for (const r of rows.filter((x) => x.model === m)) {
      const ref = find(referenceOf(m), r.feature);
      if (!ref) throw new Error(`featureRatioRows: no ${referenceOf(m)} error for feature ${r.feature}.`);
      out.push({ model: modelLabel(m), feature: r.feature, "log2 MSE ÷ PCA": Math.log2(r.mse / ref.mse) });
    }
  }
  const limit = Math.max(0.5, ...out.map((r) => Math.abs(r["log2 MSE ÷ PCA"] as number)).filter(Number.isFinite));
  return { rows: out, limit };
}

/** Error by regime relative to the calm regime, bars per model with interval rules, regimes in calm → crash order. */
export function regimeChart(
  byModel: { model: string; rows: GroupErrorRow[] }[],
  o: { title: string; subtitle?: string },
): VlSpec {
  const rows = byModel.flatMap(({ model, rows: g }) => {
    const calm = g.find((r) => r.group === "calm")?.value ?? NaN;
    return g.map((r) => ({
      model: modelLabel(model),
      regime: r.group,
      ratio: r.value / calm,
      lo: r.lo / calm,
      hi: r.hi / calm,
    }));
  });
  const regimes = REGIME_NAMES.filter((r) => rows.some((x) => x.regime === r));
  const y = { field: "model", type: "nominal", title: null, sort: byModel.map((b) => modelLabel(b.model)) };
  const yOffset = { field: "regime", type: "nominal", sort: regimes };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: 520,
    height: 60 * byModel.length,
    data: { values: compactRows(rows) },
    layer: [
      {
        mark: "bar",
        encoding: {
          y,
          yOffset,
          x: { field: "ratio", type: "quantitative", title: "MSE ÷ the model's calm-regime MSE" },
          color: {
            field: "regime",
            type: "nominal",
            title: "market regime",
            scale: { domain: regimes, range: regimes.map((r) => REGIME_COLOURS[r]) },
          },
          tooltip: [
            { field: "model" },
            { field: "regime" },
            { field: "ratio", format: ".3f" },
            { field: "lo", format: ".3f" },
            { field: "hi", format: ".3f" },
          ],
        },
      },
      {
        mark: { type: "rule", color: "#333" },
        encoding: { y, yOffset, x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } },
      },
      {
        data: { values: [{ one: 1 }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#777" },
        encoding: { x: { field: "one", type: "quantitative" } },
      },
    ],
  };
}

/** Regime colours: calm green, volatile amber, crash red. */
const REGIME_COLOURS: Record<string, string> = { calm: "#59a14f", volatile: "#f28e2b", crash: "#e15759" };

/**
 * Monthly error index (MSE ÷ the model's training mean; log scale) per model, over shaded
 * regime segments, with the validation and test starts marked.
 */
export function monthlyErrorChart(
  months: MonthRow[],
  segments: RegimeSegment[],
  marks: { date: string; label: string }[],
  o: { title: string; subtitle?: string },
): VlSpec {
  const rows = months.map((m) => ({
    model: modelLabel(m.model),
    date: m.date,
    index: m.index,
    mse: m.mse,
    split: m.split,
  }));
  const seen = new Set(segments.map((s) => s.regime));
  const regimes = [
    ...REGIME_NAMES.filter((r) => seen.has(r)),
    ...[...seen].filter((r) => !(REGIME_NAMES as readonly string[]).includes(r)),
  ];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: 640,
    height: 300,
    layer: [
      {
        data: { values: segments.map((s) => ({ start: s.start, end: s.end, regime: s.regime })) },
        mark: { type: "rect", opacity: 0.18 },
        encoding: {
          x: { field: "start", type: "temporal", title: null, axis: { format: "%b %Y", labelAngle: 0 } },
          x2: { field: "end" },
          fill: {
            field: "regime",
            type: "nominal",
            title: "market regime",
            scale: { domain: regimes, range: regimes.map((r) => REGIME_COLOURS[r] ?? "#bbbbbb") },
          },
        },
      },
      {
        data: { values: marks },
        mark: { type: "rule", strokeDash: [4, 3], color: "#555" },
        encoding: { x: { field: "date", type: "temporal" } },
      },
      {
        data: { values: marks },
        mark: { type: "text", align: "left", dx: 3, dy: -140, fontSize: 10, color: "#333" },
        encoding: { x: { field: "date", type: "temporal" }, text: { field: "label" } },
      },
      {
        data: { values: compactRows(rows) },
        mark: { type: "line", point: true, strokeWidth: 1.6 },
        encoding: {
          x: { field: "date", type: "temporal", title: null },
          y: {
            field: "index",
            type: "quantitative",
            title: "monthly MSE ÷ model's train MSE (log)",
            scale: { type: "log", nice: false, zero: false },
          },
          color: { field: "model", type: "nominal", title: null },
          tooltip: [
            { field: "model" },
            { field: "date", type: "temporal", format: "%Y-%m" },
            { field: "split" },
            { field: "mse", format: ".4f" },
            { field: "index", format: ".2f" },
          ],
        },
      },
    ],
    resolve: { scale: { color: "independent" } },
  };
}
