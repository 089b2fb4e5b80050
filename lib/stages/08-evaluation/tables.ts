/** tables.ts */

import { modelLabel } from "../../runtime/model-registry";
import type { Table, Column } from "../../runtime/artifacts";
import type { Criterion, Ranking } from "../../evaluate/walk-forward";

/** The summary table: one row per criterion, "value (#rank)" per model, and a mean-rank row. */
export function rankingTable(criteria: Criterion[], ranking: Ranking, digits = 3): Record<string, string>[] {
  const rows = criteria.map((c, k) => {
    const row: Record<string, string> = { criterion: c.label, better: c.better };
    for (const m of ranking.models) {
      const v = c.values[m];
      const r = ranking.ranks[k]![m];
      row[modelLabel(m)] =
        v === undefined || !Number.isFinite(v) || r === null
          ? "—"
          : `${v.toFixed(digits)} (#${Number.isInteger(r) ? r : r.toFixed(1)})`;
    }
    row.best = ranking.models
      .filter(
        (m) =>
          ranking.ranks[k]![m] !== null &&
          ranking.ranks[k]![m] === Math.min(...ranking.models.map((x) => ranking.ranks[k]![x] ?? Infinity)),
      )
      .map(modelLabel)
      .join(", ");
    return row;
  });
  const last: Record<string, string> = { criterion: "mean rank", better: "lower" };
  for (const m of ranking.models)
    last[modelLabel(m)] = Number.isFinite(ranking.meanRank[m]!)
      ? `${ranking.meanRank[m]!.toFixed(2)} (${ranking.measured[m]} criteria)`
      : "—";
  last.best = modelLabel(ranking.order[0]!);
  return [...rows, last];
}

// ---------------------------------------------------------------------------------------
// Tables and charts
// ---------------------------------------------------------------------------------------

/** Object rows -> columns for the artifact store (numbers as Float64, everything else as text). */
export function rowsToTable(rows: Record<string, unknown>[]): Table {
  if (rows.length === 0) throw new Error("rowsToTable: no rows to write.");
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const out: Table = {};
  for (const n of names) {
    const numeric = rows.every((r) => typeof r[n] === "number" || r[n] === undefined || r[n] === null);
    out[n] = (
      numeric
        ? Float64Array.from(rows, (r) => (typeof r[n] === "number" ? (r[n] as number) : NaN))
        : rows.map((r) => (r[n] === undefined || r[n] === null ? "" : String(r[n])))
    ) as Column;
  }
  return out;
}

/**
 * Long rows -> a wide table: one output row per distinct `rowKey` value, one column per
 * distinct `colKey` value holding `cell(row)`; first-seen order for both.
 */
export function pivotRows<R>(
  rows: R[],
  rowKey: (r: R) => string,
  colKey: (r: R) => string,
  cell: (r: R) => string | number,
  rowTitle: string,
): Record<string, string | number>[] {
  const out = new Map<string, Record<string, string | number>>();
  for (const r of rows) {
    const k = rowKey(r);
    let o = out.get(k);
    if (!o) out.set(k, (o = { [rowTitle]: k }));
    o[colKey(r)] = cell(r);
  }
  return [...out.values()];
}
