/** downstream.ts */

import type { VlSpec } from "./render";

// ---------------------------------------------------------------------------------------
// Chart data

/** Add a dashed reference rule at `value` on the quantitative x axis of a (layered) horizontal chart. */
export function withReferenceLine(spec: VlSpec, value: number, label: string): VlSpec {
  const layers = Array.isArray(spec.layer) ? spec.layer : [{ mark: spec.mark, encoding: spec.encoding }];
  const { mark: _m, encoding: _e, ...rest } = spec;
  return {
    ...rest,
    layer: [
      ...layers,
      {
        data: { values: [{ reference: value, label }] },
        mark: { type: "rule", strokeDash: [5, 4], color: "#d62728", strokeWidth: 1.5 },
        encoding: {
          x: { field: "reference", type: "quantitative" },
          tooltip: [{ field: "label" }, { field: "reference" }],
        },
      },
    ],
  };
}

/** Let a horizontal bar chart's category labels be up to `px` pixels wide (vega-lite truncates long labels by default). */
export function widenCategoryLabels(spec: VlSpec, px: number): VlSpec {
  const layers: VlSpec[] = Array.isArray(spec.layer) ? spec.layer : [spec];
  for (const l of layers)
    if (l.encoding?.y && l.encoding.y.type === "nominal")
      l.encoding.y.axis = { ...(l.encoding.y.axis ?? {}), labelLimit: px };
  return spec;
}

/** Show integer counts (not two decimals) in a heatmap built with showValues. */
export function integerCellText(spec: VlSpec): VlSpec {
  const layers: VlSpec[] = Array.isArray(spec.layer) ? spec.layer : [];
  for (const l of layers) if (l.encoding?.text) l.encoding.text.format = "d";
  return spec;
}
