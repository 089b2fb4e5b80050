/**
 * The tables notebook 01 shows and puts in the report: the feature catalogue of this data,
 * the way from panel rows to feature rows, the date split and the scaler's statistics.
 */
import type { DatasetMeta } from "../../features/dataset";
import type { FeatureTable } from "../../features/feature-catalogue";
import { featureCatalogue } from "../../features/features";

/** One row per feature built for this data: its lookback, whether it uses the market, what it is. */
export function featureRows(meta: DatasetMeta): Record<string, string | number | boolean>[] {
  return featureCatalogue()
    .filter((f) => meta.featureNames.includes(f.name))
    .map((f) => ({
      feature: f.name,
      "lookback (days)": f.lookbackDays,
      "uses market": f.market,
      description: f.description,
    }));
}

/** Panel rows dropped or repaired on the way to feature rows, and the rows kept. */
export function rowFlowRows(
  table: Pick<FeatureTable, "dropped" | "repairs">,
  keptRows: number,
): { what: string; rows: number }[] {
  return [
    ...table.dropped.map((d) => ({ what: `dropped: ${d.reason}`, rows: d.count })),
    ...table.repairs.map((r) => ({ what: `kept, repaired: ${r.reason}`, rows: r.count })),
    { what: "feature rows kept", rows: keptRows },
  ];
}

/** The date split: one row per split with its first and last day and rows; `withGaps` adds the gap rows. */
export function splitRows(
  meta: DatasetMeta,
  withGaps: boolean,
): { split: string; from: string; to: string; rows: number }[] {
  const b = meta.boundaries;
  const rows = [
    { split: "train", from: b.trainStart, to: b.trainEnd, rows: meta.rows.train },
    { split: "validation", from: b.validationStart, to: b.validationEnd, rows: meta.rows.validation },
    { split: "test", from: b.testStart, to: b.testEnd, rows: meta.rows.test },
  ];
  if (withGaps) rows.push({ split: `gaps (${meta.gapDays} days each)`, from: "", to: "", rows: meta.rows.gap });
  return rows;
}

/** The scaler's per-feature mean and standard deviation (fitted on the training split). */
export function scalerRows(meta: DatasetMeta): { feature: string; "train mean": number; "train std": number }[] {
  return meta.featureNames.map((name, j) => ({
    feature: name,
    "train mean": meta.scaler.center[j]!,
    "train std": meta.scaler.scale[j]!,
  }));
}
