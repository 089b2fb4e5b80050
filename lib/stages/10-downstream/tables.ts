/** tables.ts */

import type { Representation } from "../../evaluate/downstream";

/** Long rows (a, b, count) of the contingency table of two labelings (for a heatmap). */
export function contingencyRows(
  a: ArrayLike<string>,
  b: ArrayLike<string>,
  names: [string, string],
): Record<string, string | number>[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < a.length; i++) counts.set(`${a[i]}\u0000${b[i]}`, (counts.get(`${a[i]}\u0000${b[i]}`) ?? 0) + 1);
  return [...counts.entries()].map(([k, n]) => {
    const [x, y] = k.split("\u0000");
    return { [names[0]]: x!, [names[1]]: y!, tokens: n };
  });
}

/**
 * One token's test days for a VaR chart: the next-day log return and the forecast VaR
 * boundary (q * sigma_hat, a negative return), and the exceedances as marks.
 * @param dayToDate formats a UTC day (e.g. dayToIso).
 */
export function varPathRows(
  f: { rep: Representation; logVol: Float64Array; nextReturn: Float64Array },
  zQuantile: number,
  token: number,
  dayToDate: (day: number) => string,
): { rows: Record<string, string | number>[]; marks: Record<string, string | number>[] } {
  const rows: Record<string, string | number>[] = [];
  const marks: Record<string, string | number>[] = [];
  for (let i = 0; i < f.rep.token.length; i++) {
    if (f.rep.token[i] !== token || f.rep.split[i] !== 2) continue;
    const r = f.nextReturn[i]!,
      v = f.logVol[i]!;
    if (!Number.isFinite(r) || !Number.isFinite(v)) continue;
    // Plotted on the day the return happens (the forecast is made the day before).
    const date = dayToDate(f.rep.day[i]! + 1);
    const boundary = zQuantile * Math.exp(v);
    rows.push({ date, series: "return", value: r }, { date, series: "VaR (95%)", value: boundary });
    if (r < boundary) marks.push({ date, value: r, event: "exceedance" });
  }
  return { rows, marks };
}

/** The most frequent name among the members of one group, as "name (count/size)". */
export function dominantLabel(labels: ArrayLike<number>, group: number, names: ArrayLike<string>): string {
  const counts = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < labels.length; i++)
    if (labels[i] === group) {
      counts.set(names[i]!, (counts.get(names[i]!) ?? 0) + 1);
      total++;
    }
  if (total === 0) return "";
  const [name, n] = [...counts.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]!;
  return `${name} (${n}/${total})`;
}
