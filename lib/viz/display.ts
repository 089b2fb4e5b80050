/**
 * Rich output in notebooks. Inside a tslab kernel a chart is sent as one mime bundle:
 * vega-lite JSON (JupyterLab renders it interactively) plus SVG (what nbconvert's HTML
 * export and classic Notebook show). Outside a kernel (scripts, tests) the same calls print
 * a one-line text summary, so library code can call them anywhere.
 */
import type { Cell } from "../runtime/rows";
import { escapeHtml } from "./html";
import { renderSvg, saveFigure, THEME, type VlSpec } from "./render";
import { displayWriter } from "../runtime/jupyter";

/** vega-lite mime type that JupyterLab's built-in renderer understands. */
const VEGALITE_MIME = "application/vnd.vegalite.v5+json";

/** True when running inside a Jupyter kernel cell. */
export function inNotebook(): boolean {
  return displayWriter() !== null;
}

/** Emit one display bundle (mime type -> content). Prints the text/plain part outside a kernel. */
export function displayBundle(data: Record<string, unknown>): void {
  const write = displayWriter();
  if (write) write({ data, metadata: {}, transient: {} }, false);
  else if (typeof data["text/plain"] === "string") console.log(data["text/plain"]);
}

/** Show markdown. */
export function showMarkdown(markdown: string): void {
  displayBundle({ "text/markdown": markdown, "text/plain": markdown });
}

/** Show raw HTML (caller is responsible for escaping untrusted text). */
export function showHtml(html: string, plain = "[html output]"): void {
  displayBundle({ "text/html": html, "text/plain": plain });
}

/** Options for showChart. */
export interface ShowChartOptions {
  /** Save under figures/ with this stable name (svg, png and spec). */
  save?: { dir: string; name: string };
}

/**
 * Render a vega-lite chart and display it (interactive spec + static SVG). Returns nothing,
 * so that a cell ending in `await showChart(...)` prints no value after the chart.
 */
export async function showChart(spec: VlSpec, options: ShowChartOptions = {}): Promise<void> {
  const svg = options.save ? (await saveFigure(options.save.dir, options.save.name, spec)).svg : await renderSvg(spec);
  const { $schema: _schema, ...rest } = spec;
  const title = typeof spec.title === "string" ? spec.title : (spec.title?.text ?? "chart");
  displayBundle({
    [VEGALITE_MIME]: { ...rest, config: { ...THEME, ...(spec.config ?? {}) } },
    "image/svg+xml": svg,
    "text/plain": `[chart: ${title}${options.save ? ` -> figures/${options.save.name}` : ""}]`,
  });
}

/** A table cell (lives in lib/runtime/rows.ts so that analysis layers can shape tables). */
export type { Cell };

/** Options for showTable / tableHtml. */
export interface TableOptions {
  caption?: string;
  /** Significant digits for numbers (default 4). */
  digits?: number;
  /** Most rows to show (default 50); the caption says how many were left out. */
  maxRows?: number;
}

/** Format a number for tables: fixed significant digits, thousands kept readable. */
export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "-∞";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e7)) return v.toExponential(Math.max(0, digits - 1));
  return Number(v.toPrecision(digits)).toLocaleString("en-US", { maximumFractionDigits: 10 });
}

function cellText(v: Cell, digits: number): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return formatNumber(v, digits);
  return String(v);
}

/** Render rows as an escaped HTML table. */
export function tableHtml(rows: Record<string, Cell>[], options: TableOptions = {}): string {
  const digits = options.digits ?? 4;
  const maxRows = options.maxRows ?? 50;
  const columns = rows.length ? Object.keys(rows[0]!) : [];
  const shown = rows.slice(0, maxRows);
  const numeric = columns.map((c) => shown.every((r) => typeof r[c] === "number" || r[c] == null));
  const head = columns.map((c, j) => `<th${numeric[j] ? ' class="num"' : ""}>${escapeHtml(c)}</th>`).join("");
  const body = shown
    .map(
      (r) =>
        `<tr>${columns.map((c, j) => `<td${numeric[j] ? ' class="num"' : ""}>${escapeHtml(cellText(r[c], digits))}</td>`).join("")}</tr>`,
    )
    .join("\n");
  const more = rows.length > shown.length ? ` (first ${shown.length} of ${rows.length} rows)` : "";
  const caption = options.caption || more ? `<caption>${escapeHtml((options.caption ?? "") + more)}</caption>` : "";
  return `<table class="cae-table">${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Render rows as aligned plain text. */
export function tableText(rows: Record<string, Cell>[], options: TableOptions = {}): string {
  const digits = options.digits ?? 4;
  const shown = rows.slice(0, options.maxRows ?? 50);
  const columns = rows.length ? Object.keys(rows[0]!) : [];
  const cells = shown.map((r) => columns.map((c) => cellText(r[c], digits)));
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j]!.length)));
  const line = (vals: string[]) => vals.map((v, j) => v.padEnd(widths[j]!)).join("  ");
  return [options.caption ?? "", line(columns), ...cells.map(line)].filter((l) => l !== "").join("\n");
}

/** Display a table (HTML in notebooks, aligned text elsewhere). */
export function showTable(rows: Record<string, Cell>[], options: TableOptions = {}): void {
  displayBundle({ "text/html": TABLE_STYLE + tableHtml(rows, options), "text/plain": tableText(rows, options) });
}

/** Minimal table styling that survives nbconvert's HTML export. */
const TABLE_STYLE =
  "<style>.cae-table{border-collapse:collapse;font-size:12px;margin:6px 0}.cae-table caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}.cae-table th,.cae-table td{border-bottom:1px solid #e3e3e3;padding:3px 8px;text-align:left}.cae-table .num{text-align:right;font-variant-numeric:tabular-nums}</style>";
