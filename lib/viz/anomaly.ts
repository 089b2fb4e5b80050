/** anomaly.ts */

import { dayToIso } from "../data/panel";
import type { FlagOverlaps } from "../anomaly/agreement";
import type { EventStudyResult } from "../anomaly/eventstudy";
import type { EventDays } from "../data/market-events";
import * as charts from "./charts";
import type { VlSpec } from "./render";
import type { ThresholdOutcome } from "../anomaly/analysis";
import type { StressDay } from "../anomaly/stress";

// ---------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Make the value labels of a heatmap from lib/viz/charts readable on dark cells: white text
 * where the value is below `darkBelow` (viridis is dark at its low end) or above
 * `darkAbove` (a diverging scheme is dark at both ends), dark text elsewhere.
 * Returns the same spec, changed in place.
 */
export function withContrastLabels(spec: VlSpec, field: string, darkBelow: number, darkAbove = Infinity): VlSpec {
  const test =
    `datum['${field}'] < ${darkBelow}` + (Number.isFinite(darkAbove) ? ` || datum['${field}'] > ${darkAbove}` : "");
  for (const layer of (spec.layer ?? []) as VlSpec[]) {
    if (layer.mark?.type === "text" && layer.encoding)
      layer.encoding.color = { condition: { test, value: "#ffffff" }, value: "#222222" };
  }
  return spec;
}

/** Let the y-axis labels of a (layered) spec use up to `px` pixels before truncation. Returns the spec, changed in place. */
export function widenYLabels(spec: VlSpec, px: number): VlSpec {
  for (const layer of (spec.layer ?? [spec]) as VlSpec[]) {
    const y = layer.encoding?.y;
    if (y) y.axis = { ...(y.axis ?? {}), labelLimit: px };
  }
  return spec;
}

/** Readable name of a model combination, e.g. "ae + vae". */
export function combinationLabel(models: readonly string[]): string {
  return models.join(" + ");
}

/**
 * UpSet-style chart: bars of the rows flagged by exactly each combination of models
 * (largest first, at most `maxBars`), above a dot matrix showing which models make up each
 * combination. Set sizes appear in the matrix's row labels.
 */
export function upsetSpec(o: FlagOverlaps, options: { title: string; subtitle?: string; maxBars?: number }): VlSpec {
  const combos = o.combinations.filter((c) => c.count > 0).slice(0, options.maxBars ?? 15);
  const order = combos.map((c) => combinationLabel(c.models));
  const setLabel = (m: string) => `${m} (${o.totals[m]})`;
  const bars = combos.map((c) => ({ combination: combinationLabel(c.models), count: c.count, size: c.models.length }));
  const dots = combos.flatMap((c) =>
    o.models.map((m) => ({
      combination: combinationLabel(c.models),
      model: setLabel(m),
      member: c.models.includes(m),
    })),
  );
  const lines = combos
    .filter((c) => c.models.length > 1)
    .map((c) => {
      const idx = c.models.map((m) => o.models.indexOf(m));
      return {
        combination: combinationLabel(c.models),
        from: setLabel(o.models[Math.min(...idx)]!),
        to: setLabel(o.models[Math.max(...idx)]!),
      };
    });
  const width = Math.max(240, 34 * combos.length);
  // Explicit domains (not sort arrays) so that the layers' scales union without conflicts.
  const x = { field: "combination", type: "nominal", scale: { domain: order }, title: null };
  const sets = o.models.map(setLabel);
  return {
    $schema: SCHEMA,
    title: options.subtitle ? { text: options.title, subtitle: options.subtitle } : options.title,
    vconcat: [
      {
        width,
        height: 200,
        data: { values: bars },
        layer: [
          {
            mark: { type: "bar", color: "#4c78a8" },
            encoding: {
              x: { ...x, axis: null },
              y: { field: "count", type: "quantitative", title: "token-days flagged" },
              tooltip: [{ field: "combination" }, { field: "count" }],
            },
          },
          {
            mark: { type: "text", dy: -6, fontSize: 10 },
            encoding: {
              x: { ...x, axis: null },
              y: { field: "count", type: "quantitative" },
              text: { field: "count" },
            },
          },
        ],
      },
      {
        width,
        height: 24 * o.models.length,
        layer: [
          {
            data: { values: lines },
            mark: { type: "rule", strokeWidth: 2, color: "#333" },
            encoding: {
              x: { ...x, axis: null },
              y: { field: "from", type: "nominal", scale: { domain: sets }, title: null },
              y2: { field: "to" },
            },
          },
          {
            data: { values: dots },
            mark: { type: "circle", size: 110, opacity: 1 },
            encoding: {
              x: { ...x, axis: null },
              y: { field: "model", type: "nominal", scale: { domain: sets }, title: null },
              color: {
                field: "member",
                type: "nominal",
                scale: { domain: [true, false], range: ["#333333", "#dddddd"] },
                legend: null,
              },
              tooltip: [{ field: "combination" }, { field: "model" }],
            },
          },
        ],
      },
    ],
    spacing: 4,
    resolve: { scale: { x: "shared" } },
  };
}

/** ROC and PR curves side by side, with the chance diagonal and the prevalence line. */
export function rocPrSpec(roc: charts.Row[], pr: charts.Row[], prevalence: number | null, title: string): VlSpec {
  const line = (x: string, y: string) => ({
    mark: { type: "line", strokeWidth: 1.6 },
    encoding: {
      x: {
        field: x,
        type: "quantitative",
        title: x === "fpr" ? "false-positive rate" : "recall",
        scale: { domain: [0, 1] },
      },
      y: {
        field: y,
        type: "quantitative",
        title: y === "tpr" ? "true-positive rate" : "precision",
        scale: { domain: [0, 1] },
      },
      color: {
        field: "detector",
        type: "nominal",
        title: "detector",
        legend: { labelLimit: 320, orient: "bottom", columns: 2 },
      },
      order: { field: x },
      tooltip: [{ field: "detector" }, { field: x, format: ".3f" }, { field: y, format: ".3f" }],
    },
  });
  return {
    $schema: SCHEMA,
    title,
    hconcat: [
      {
        width: 300,
        height: 300,
        title: "ROC",
        layer: [
          { data: { values: charts.compactRows(roc, 4) }, ...line("fpr", "tpr") },
          {
            data: {
              values: [
                { a: 0, b: 0 },
                { a: 1, b: 1 },
              ],
            },
            mark: { type: "line", strokeDash: [4, 4], color: "#999" },
            encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } },
          },
        ],
      },
      {
        width: 300,
        height: 300,
        title: "Precision-recall",
        layer: [
          { data: { values: charts.compactRows(pr, 4) }, ...line("recall", "precision") },
          ...(prevalence !== null
            ? [
                {
                  data: { values: [{ p: prevalence }] },
                  mark: { type: "rule", strokeDash: [4, 4], color: "#999" },
                  encoding: { y: { field: "p", type: "quantitative" } },
                },
              ]
            : []),
        ],
      },
    ],
    resolve: { scale: { color: "shared" } },
  };
}

/**
 * Chart rows of a stress index with a null share on the first missing day of every gap
 * (vega-lite breaks a line at nulls, so the split gaps are not drawn as slopes).
 */
export function stressLineRows(days: readonly StressDay[]): charts.Row[] {
  const rows: charts.Row[] = [];
  days.forEach((d, i) => {
    const prev = days[i - 1];
    if (prev && d.day - prev.day > 1) rows.push({ date: dayToIso(prev.day + 1), share: null, tokens: 0, flagged: 0 });
    rows.push({ date: d.date, share: d.share, tokens: d.tokens, flagged: d.flagged });
  });
  return rows;
}

/** Chart marks (ISO date of the first day, label) of events. */
export function eventMarks(events: readonly EventDays[]): { date: string; label: string }[] {
  return events.map((e) => ({ date: dayToIso(e.startDay), label: e.label }));
}

/**
 * The stress index over time with marked event days (red rules) and the top days (points).
 * The y value is each day's `share`; `o.valueTitle` names it when it is not a share of tokens
 * (then it is drawn as a plain number, not a percentage).
 */
export function stressSpec(
  days: readonly StressDay[],
  marks: readonly { date: string; label: string }[],
  top: readonly StressDay[],
  o: { title: string; subtitle?: string; valueTitle?: string },
): VlSpec {
  const yTitle = o.valueTitle ?? "share of tokens flagged";
  const fmt = o.valueTitle ? ".3f" : ".1%";
  const layers: VlSpec[] = [
    {
      data: { values: charts.compactRows(stressLineRows(days), 4) },
      mark: { type: "line", strokeWidth: 1, color: "#4c78a8" },
      encoding: {
        x: { field: "date", type: "temporal", title: null },
        y: { field: "share", type: "quantitative", title: yTitle, ...(o.valueTitle ? {} : { axis: { format: "%" } }) },
        tooltip: [
          { field: "date", type: "temporal" },
          { field: "share", format: fmt },
          { field: "flagged" },
          { field: "tokens" },
        ],
      },
    },
  ];
  if (marks.length) {
    layers.push({
      data: { values: marks.map((m) => ({ date: m.date, event: m.label })) },
      mark: { type: "rule", color: "#d62728", strokeDash: [5, 3], strokeWidth: 1.5 },
      encoding: { x: { field: "date", type: "temporal" }, tooltip: [{ field: "event" }] },
    });
  }
  if (top.length) {
    layers.push({
      data: { values: top.map((d) => ({ date: d.date, share: d.share })) },
      mark: { type: "point", filled: true, color: "#f58518", size: 45 },
      encoding: {
        x: { field: "date", type: "temporal" },
        y: { field: "share", type: "quantitative" },
        tooltip: [
          { field: "date", type: "temporal" },
          { field: "share", format: fmt },
        ],
      },
    });
  }
  return {
    $schema: SCHEMA,
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: 760,
    height: 260,
    layer: layers,
  };
}

/** Event-study differences (event minus controls) with 95% intervals, returns and volatility side by side. */
export function eventStudySpec(r: EventStudyResult, title: string): VlSpec {
  const rows = (key: "diffReturn" | "diffVol") =>
    r.horizons
      .filter((h) => h[key])
      .map((h) => ({
        horizon: `${h.horizon} day${h.horizon > 1 ? "s" : ""}`,
        diff: h[key]!.estimate,
        lo: h[key]!.lo,
        hi: h[key]!.hi,
      }));
  const panel = (key: "diffReturn" | "diffVol", t: string) => {
    const spec = charts.barChart(rows(key), {
      title: t,
      category: "horizon",
      value: "diff",
      lo: "lo",
      hi: "hi",
      sort: null,
      valueTitle: "event − control",
      width: 300,
      height: 140,
    });
    spec.layer.push({
      data: { values: [{ z: 0 }] },
      mark: { type: "rule", color: "#999" },
      encoding: { x: { field: "z", type: "quantitative" } },
    });
    return spec;
  };
  return charts.concat([panel("diffReturn", "forward log return"), panel("diffVol", "forward realised volatility")], {
    title,
    columns: 2,
  });
}

/**
 * Empirical survival function of training scores (log-log) with the fitted GPD tail over
 * it and the global thresholds as vertical rules: shows why a percentile, a MAD rule and
 * a tail fit disagree.
 * @param train `[n]` training scores of one model.
 */
export function thresholdTailSpec(
  train: ArrayLike<number>,
  outcomes: readonly ThresholdOutcome[],
  title: string,
): VlSpec {
  const s = Float64Array.from(train).sort();
  const n = s.length;
  const pts: charts.Row[] = [];
  // Log-spaced ranks from the top: ~40 points per decade of survival probability.
  let last = -1;
  for (let q = 0; q <= 40 * Math.log10(n); q++) {
    const k = Math.max(1, Math.round(Math.pow(10, q / 40)));
    if (k === last || k > n) continue;
    last = k;
    const v = s[n - k]!;
    if (v > 0) pts.push({ score: v, survival: k / n, series: "training scores" });
  }
  const pot = outcomes.find((o) => o.variant === "global" && o.rule === "pot" && o.tail);
  if (pot?.tail && s[n - 1]! > pot.tail.initialThreshold) {
    const { initialThreshold: u, shape, scale, exceedRate } = pot.tail;
    const hi = Math.max(s[n - 1]!, pot.threshold) * 1.5;
    for (let k = 0; k <= 60; k++) {
      const x = u + ((hi - u) * k) / 60;
      const z = 1 + (shape * (x - u)) / scale;
      const surv =
        shape === 0 ? exceedRate * Math.exp(-(x - u) / scale) : z > 0 ? exceedRate * Math.pow(z, -1 / shape) : 0;
      if (surv > 0 && x > 0) pts.push({ score: x, survival: surv, series: "GPD tail fit" });
    }
  }
  const rules = outcomes
    .filter((o) => o.variant === "global" && o.threshold > 0)
    .map((o) => ({ threshold: o.threshold, rule: `${o.label}: ${(o.expectedRate * 100).toPrecision(2)}%` }));
  return {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: "share of training token-days above each score (log-log), the fitted tail and the global thresholds",
    },
    width: 520,
    height: 300,
    layer: [
      {
        data: { values: charts.compactRows(pts, 4) },
        mark: { type: "line", strokeWidth: 1.8 },
        encoding: {
          x: { field: "score", type: "quantitative", scale: { type: "log" }, title: "reconstruction error (log)" },
          y: {
            field: "survival",
            type: "quantitative",
            scale: { type: "log" },
            title: "P(score > x) on training rows (log)",
          },
          color: {
            field: "series",
            type: "nominal",
            title: null,
            scale: { domain: ["training scores", "GPD tail fit"], range: ["#4c78a8", "#d62728"] },
            legend: { labelLimit: 360 },
          },
          tooltip: [{ field: "series" }, { field: "score", format: ".4g" }, { field: "survival", format: ".3g" }],
        },
      },
      {
        data: { values: charts.compactRows(rules, 4) },
        mark: { type: "rule", strokeWidth: 1.4 },
        encoding: {
          x: { field: "threshold", type: "quantitative" },
          strokeDash: {
            field: "rule",
            type: "nominal",
            title: "threshold: promised rate",
            legend: { labelLimit: 420, titleLimit: 300 },
          },
          tooltip: [{ field: "rule" }, { field: "threshold", format: ".4g" }],
        },
      },
    ],
    resolve: { scale: { color: "independent" } },
  };
}
