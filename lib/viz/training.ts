/** training.ts */

import type { TrainHistory } from "../train/types";
import * as charts from "./charts";
import type { VlSpec } from "./render";

/** Loss-curve chart of a history (train and validation; VAE terms in a second chart). */
export function lossCurveSpecs(history: TrainHistory, title: string): VlSpec[] {
  const specs: VlSpec[] = [
    charts.lossCurves(history.epochs, {
      title,
      subtitle: `best epoch ${history.bestEpoch} (dashed), stop: ${history.stopReason}`,
      bestEpoch: history.bestEpoch,
    }),
  ];
  const withTerms = history.epochs.filter((e) => e.terms && e.valTerms);
  if (withTerms.length) {
    const rows = withTerms.flatMap((e) =>
      Object.entries(e.terms!)
        .filter(([k]) => k !== "beta")
        .map(([term, v]) => ({ epoch: e.epoch, term: `train ${term}`, value: v }))
        .concat(
          Object.entries(e.valTerms!).map(([term, v]) => ({ epoch: e.epoch, term: `validation ${term}`, value: v })),
        ),
    );
    specs.push(
      charts.lineChart(
        rows.filter((r) => r.value > 0),
        {
          title: `${title}: loss terms`,
          x: "epoch",
          y: "value",
          series: "term",
          logY: true,
          yTitle: "value (log scale)",
        },
      ),
    );
  }
  return specs;
}

/** Faceted actual-vs-reconstructed chart. */
export function reconstructionChart(rows: charts.Row[], title: string): VlSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: "standardised feature values on test days: actual (blue) and reconstructed (orange)",
    },
    data: { values: charts.compactRows(rows) },
    facet: { field: "panel", type: "nominal", title: null },
    columns: 2,
    spec: {
      width: 300,
      height: 120,
      mark: { type: "line", strokeWidth: 1.3 },
      encoding: {
        x: { field: "date", type: "temporal", title: null },
        y: { field: "value", type: "quantitative", title: null },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: { domain: ["actual", "reconstructed"], range: ["#4c78a8", "#f58518"] },
        },
        tooltip: [{ field: "date", type: "temporal" }, { field: "series" }, { field: "value", format: ".3f" }],
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}
