/**
 * Charts of notebook 07 that combine several chart builders with this stage's table
 * shaping (the single chart specs live in lib/viz/anomaly.ts).
 */
import type { PairAgreement, PairCorrelation } from "../../anomaly/analysis";
import * as charts from "../../viz/charts";
import { withContrastLabels } from "../../viz/anomaly";
import type { VlSpec } from "../../viz/render";
import { pairMatrixRows } from "./tables";

/**
 * "How similar are the detectors?": side by side, the Jaccard overlap of the models' flags
 * at one rule (`pairs`) and the Spearman correlation of their scores (`rho`), each a model
 * x model heatmap with its own colour scale.
 */
export function agreementChart(
  models: readonly string[],
  pairs: readonly PairAgreement[],
  rho: readonly PairCorrelation[],
): VlSpec {
  const size = { xSort: [...models], ySort: [...models], showValues: true, width: 260, height: 260 };
  const chart = charts.concat(
    [
      withContrastLabels(
        charts.heatmap(
          pairMatrixRows(models, pairs, (p) => p.jaccard, "jaccard"),
          {
            title: "Jaccard of flags (99th percentile)",
            x: "a",
            y: "b",
            value: "jaccard",
            ...size,
            domain: [0, 1],
          },
        ),
        "jaccard",
        0.5,
      ),
      withContrastLabels(
        charts.heatmap(
          pairMatrixRows(models, rho, (p) => p.spearman, "spearman"),
          {
            title: "Spearman correlation of scores",
            x: "a",
            y: "b",
            value: "spearman",
            ...size,
            domain: [-1, 1],
            diverging: true,
          },
        ),
        "spearman",
        -0.7,
        0.7,
      ),
    ],
    { title: "How similar are the detectors?", columns: 2 },
  );
  chart.resolve = { scale: { color: "independent" } };
  return chart;
}
