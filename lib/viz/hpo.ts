/** hpo.ts */

import type { VlSpec } from "./render";
import { type TrialRecord, configColumns } from "../evaluate/hpo";
import type { AnytimePoint } from "../evaluate/search/anytime";

/** The hyperparameters drawn on the objective-vs-hyperparameter charts: [column, title, scale]. */
const PARAM_AXES: [keyof ReturnType<typeof configColumns>, string, "ordinal" | "log" | "linear" | "nominal"][] = [
  ["latent_dim", "latent size", "ordinal"],
  ["hidden", "hidden widths", "nominal"],
  ["activation", "activation", "nominal"],
  ["learning_rate", "learning rate (log)", "log"],
  ["dropout", "dropout", "ordinal"],
  ["l2", "L2 penalty", "ordinal"],
  ["batch_size", "batch size", "ordinal"],
  ["noise_std", "DAE noise std", "linear"],
];

/**
 * Small multiples of the rung-0 objective (every configuration at the same small budget,
 * so the values compare) against each hyperparameter; colour = the furthest rung reached.
 */
export function objectiveVsParamsSpec(trials: TrialRecord[], title: string): VlSpec {
  const rung0 = trials.filter((t) => t.rung === 0 && Number.isFinite(t.valMse));
  const furthest = new Map<number, number>();
  for (const t of trials) furthest.set(t.trial, Math.max(furthest.get(t.trial) ?? 0, t.rung));
  const values = rung0.map((t) => ({
    trial: t.trial,
    val_mse: Number(t.valMse.toPrecision(5)),
    furthest_rung: `rung ${furthest.get(t.trial)}`,
    ...configColumns(t.config),
  }));
  const isDae = rung0.some((t) => t.config.kind === "dae");
  const axes = PARAM_AXES.filter(([k]) => isDae || k !== "noise_std");
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle:
        "validation reconstruction MSE after the first rung (equal budget) against each hyperparameter; colour: how far the configuration got",
    },
    data: { values },
    concat: axes.map(([field, label, scale]) => ({
      width: 170,
      height: 140,
      mark: { type: "point", filled: true, size: 60, opacity: 0.85 },
      encoding: {
        x:
          scale === "log" || scale === "linear"
            ? {
                field,
                type: "quantitative",
                title: label,
                scale: scale === "log" ? { type: "log" } : { zero: false },
                axis: { format: scale === "log" ? ".0e" : ".2f", tickCount: 4 },
              }
            : { field, type: scale, title: label, sort: "ascending" },
        y: { field: "val_mse", type: "quantitative", title: "val MSE", scale: { type: "log", zero: false } },
        color: {
          field: "furthest_rung",
          type: "ordinal",
          title: "reached",
          scale: { scheme: "viridis", reverse: true },
        },
        tooltip: [
          { field: "trial" },
          { field: "val_mse", format: ".4f" },
          { field: "latent_dim" },
          { field: "hidden" },
          { field: "activation" },
          { field: "learning_rate", format: ".2e" },
          { field: "dropout" },
          { field: "l2" },
          { field: "batch_size" },
        ],
      },
    })),
    columns: 4,
  };
}

/** Short axis names for the parallel-coordinates chart (its axes are ~100 px apart). */
const PARALLEL_LABELS: Record<string, string> = {
  latent_dim: "latent",
  hidden: "hidden",
  activation: "activation",
  learning_rate: "lr (log)",
  dropout: "dropout",
  l2: "L2",
  batch_size: "batch",
  noise_std: "noise",
};

/**
 * Parallel coordinates: one line per configuration across the hyperparameter axes (each
 * axis scaled to [0, 1] over the values drawn: rank order for choices, log for the learning
 * rate), coloured by the rung-0 objective; every level of a choice axis and the extremes
 * of a continuous axis are labelled.
 */
export function parallelCoordinatesSpec(trials: TrialRecord[], title: string): VlSpec {
  const rung0 = trials.filter((t) => t.rung === 0 && Number.isFinite(t.valMse));
  const isDae = rung0.some((t) => t.config.kind === "dae");
  const axes = PARAM_AXES.filter(([k]) => isDae || k !== "noise_std");
  const lines: Record<string, string | number>[] = [];
  const labels: Record<string, string | number>[] = [];
  for (const [field, label, scale] of axes) {
    const raw = rung0.map((t) => configColumns(t.config)[field]!);
    let position: (v: string | number) => number;
    const axis = PARALLEL_LABELS[field] ?? label;
    if (scale === "log" || scale === "linear") {
      const f = (v: number): number => (scale === "log" ? Math.log10(v) : v);
      const nums = (raw as number[]).map(f);
      const min = Math.min(...nums),
        max = Math.max(...nums);
      position = (v) => (max > min ? (f(v as number) - min) / (max - min) : 0.5);
      const fmt = (v: number): string => (scale === "log" ? v.toExponential(1) : v.toFixed(2));
      // Continuous axes: label the extremes only.
      labels.push({ axis, position: max > min ? 0 : 0.5, text: fmt(Math.min(...(raw as number[]))) });
      if (max > min) labels.push({ axis, position: 1, text: fmt(Math.max(...(raw as number[]))) });
    } else {
      const levels = [...new Set(raw.map(String))].sort((a, b) =>
        Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : a.localeCompare(b),
      );
      position = (v) => (levels.length > 1 ? levels.indexOf(String(v)) / (levels.length - 1) : 0.5);
      // Choice axes: label every level drawn.
      const text = (l: string): string => {
        const v = Number(l);
        return Number.isFinite(v) && v > 0 && v < 1e-3 ? v.toExponential(0) : l;
      };
      levels.forEach((l) => labels.push({ axis, position: position(l), text: text(l) }));
    }
    rung0.forEach((t, k) =>
      lines.push({
        trial: t.trial,
        axis,
        position: Number(position(raw[k]!).toFixed(4)),
        value: String(raw[k]),
        val_mse: Number(t.valMse.toPrecision(5)),
      }),
    );
  }
  const axisOrder = axes.map(([field, label]) => PARALLEL_LABELS[field] ?? label);
  const x = {
    field: "axis",
    type: "nominal",
    sort: axisOrder,
    title: null,
    axis: { labelAngle: 0, labelLimit: 110, domain: false },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle:
        "one line per configuration; axes scaled to the values drawn; colour: rung-0 validation MSE (dark = better)",
    },
    width: 720,
    height: 300,
    layer: [
      { data: { values: axisOrder.map((a) => ({ axis: a })) }, mark: { type: "rule", color: "#bbb" }, encoding: { x } },
      {
        data: { values: lines },
        mark: { type: "line", strokeWidth: 1.6, opacity: 0.85 },
        encoding: {
          x,
          y: { field: "position", type: "quantitative", axis: null, scale: { domain: [-0.05, 1.05] } },
          detail: { field: "trial", type: "nominal" },
          color: {
            field: "val_mse",
            type: "quantitative",
            title: "val MSE",
            scale: { scheme: "viridis", type: "log" },
          },
          tooltip: [{ field: "trial" }, { field: "axis" }, { field: "value" }, { field: "val_mse", format: ".4f" }],
        },
      },
      {
        data: { values: labels },
        mark: { type: "text", dx: 4, align: "left", fontSize: 9, color: "#444" },
        encoding: { x, y: { field: "position", type: "quantitative" }, text: { field: "text" } },
      },
    ],
  };
}

/** Learning curves of every configuration over cumulative epochs: the halving made visible. */
export function halvingCurvesSpec(trials: TrialRecord[], title: string): VlSpec {
  const rows: Record<string, string | number>[] = [];
  const offset = new Map<number, number>();
  for (const t of [...trials].sort((a, b) => a.rung - b.rung || a.trial - b.trial)) {
    const start = offset.get(t.trial) ?? 0;
    t.curve.forEach((v, k) => {
      if (Number.isFinite(v))
        rows.push({
          config: `trial ${t.trial}`,
          epoch: start + k + 1,
          val_mse: Number(v.toPrecision(5)),
          rung: t.rung,
        });
    });
    offset.set(t.trial, start + t.curve.length);
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle: "validation MSE per epoch; a line ends where its configuration was dropped" },
    width: 560,
    height: 300,
    data: { values: rows },
    mark: { type: "line", point: { size: 14 }, strokeWidth: 1.5 },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "cumulative epochs" },
      y: { field: "val_mse", type: "quantitative", title: "validation MSE (log)", scale: { type: "log", zero: false } },
      color: { field: "config", type: "nominal", title: null, legend: { columns: 2 } },
      tooltip: [{ field: "config" }, { field: "epoch" }, { field: "rung" }, { field: "val_mse", format: ".4f" }],
    },
  };
}

/** Anytime chart: median best objective over seeds per strategy (line) with its min-max band. */
export function anytimeSpec(points: AnytimePoint[], title: string, objective: string): VlSpec {
  const values = points.map((p) => ({
    strategy: p.strategy,
    epochs: p.epochs,
    median: Number(p.median.toPrecision(5)),
    lo: Number(p.min.toPrecision(5)),
    hi: Number(p.max.toPrecision(5)),
    seeds: p.seeds,
  }));
  const x = { field: "epochs", type: "quantitative", title: "epochs spent by the search" };
  const color = { field: "strategy", type: "nominal", title: "strategy" };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle: `best ${objective} so far: median over seeds (line), min-max (band)` },
    width: 560,
    height: 300,
    data: { values },
    layer: [
      {
        mark: { type: "area", opacity: 0.18, interpolate: "step-after" },
        encoding: {
          x,
          y: { field: "lo", type: "quantitative", scale: { type: "log", zero: false } },
          y2: { field: "hi" },
          color,
        },
      },
      {
        mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
        encoding: {
          x,
          y: {
            field: "median",
            type: "quantitative",
            title: `best ${objective} (log)`,
            scale: { type: "log", zero: false },
          },
          color,
          tooltip: [
            { field: "strategy" },
            { field: "epochs" },
            { field: "median", format: ".4f" },
            { field: "lo", title: "min", format: ".4f" },
            { field: "hi", title: "max", format: ".4f" },
            { field: "seeds" },
          ],
        },
      },
    ],
  };
}
