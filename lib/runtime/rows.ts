/**
 * Rows: the plain records that tables and charts are built from (one object per row). They
 * live at the bottom so that the analysis layers can shape rows without importing viz.
 */

/** One table cell (undefined and null render as empty). */
export type Cell = string | number | boolean | null | undefined;

/** A row of table or chart data. */
export type Row = Record<string, string | number | boolean | null>;

/** Round non-integer numbers in rows to `digits` significant digits, to keep SVGs and embedded specs small. */
export function compactRows(rows: Row[], digits = 5): Row[] {
  return rows.map((r) => {
    const o: Row = {};
    for (const [k, v] of Object.entries(r))
      o[k] = typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(digits)) : v;
    return o;
  });
}
