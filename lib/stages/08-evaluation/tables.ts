/** tables.ts */

import { modelLabel } from "../../runtime/model-registry";
import type { Table, Column } from "../../runtime/artifacts";
import type { Criterion, Ranking } from "../../evaluate/walk-forward";
import type { Crossover, SweepPoint } from "../../evaluate/sweep";
import { type PairedDifference, differenceVerdict, formatCI } from "../../evaluate/evaluation";

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

/** The latent-size sweep as shown: one row per trained point (model label, size, test MSE, share explained, epochs, stop, seconds to 0.1). */
export function sweepRows(sweep: SweepPoint[]): Record<string, string | number>[] {
  return sweep.map((p) => ({
    model: modelLabel(p.model),
    "latent size": p.latentDim,
    "test MSE": p.testMse,
    "variance explained": p.explained,
    epochs: p.epochs,
    stop: p.stopReason,
    seconds: Number(p.seconds.toFixed(1)),
  }));
}

/** Where each model stops beating PCA, in words: the size, or "still beats at largest" / "never beats". */
function stopsBeating(c: Crossover): number | string {
  return c.stopsBeatingAt ?? (c.beatsAt.length ? "still beats at largest" : "never beats");
}

/**
 * Test MSE ÷ PCA's at each latent size of the sweep (3 decimals), one row per model. With
 * `withReference` (the notebook's table) the PCA compared with is a column and the size
 * columns read "MSE ÷ PCA at k"; without it (the report's table) they read "size k".
 */
export function crossoverRows(crossovers: Crossover[], withReference: boolean): Record<string, string | number>[] {
  return crossovers.map((c) => ({
    model: modelLabel(c.model),
    ...(withReference ? { reference: modelLabel(c.reference) } : {}),
    ...Object.fromEntries(
      c.dims.map((k, i) => [withReference ? `MSE ÷ PCA at ${k}` : `size ${k}`, Number(c.ratios[i]!.toFixed(3))]),
    ),
    "stops beating PCA at": stopsBeating(c),
  }));
}

/** Paired differences to PCA as reported: both MSEs, the difference with its 95% interval and the verdict. */
export function pairedRows(paired: PairedDifference[]): Record<string, string | number>[] {
  return paired.map((p) => ({
    model: modelLabel(p.model),
    reference: modelLabel(p.reference),
    "model MSE": p.modelMse,
    "PCA MSE": p.referenceMse,
    "difference [95% CI]": formatCI(p.difference, p.lo, p.hi),
    verdict: differenceVerdict(p),
  }));
}
