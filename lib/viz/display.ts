/**
 * Rich output in notebooks. Inside a tslab kernel a chart is sent as one mime bundle:
 * vega-lite JSON (JupyterLab renders it interactively), SVG (what nbconvert's HTML export
 * shows) and, in an interactive session, an HTML output that classic Notebook shows: the
 * static SVG, turned into an interactive chart by vega-embed loaded from the project's own
 * copy (jupyter/nbextensions/cae-vega, served by the notebook server; nothing from the
 * network). The notebook runner sets CAE_STATIC_CHARTS=1, so executed notebooks and their
 * HTML export stay static. Outside a kernel (scripts, tests) the same calls print a
 * one-line text summary, so library code can call them anywhere.
 */
import { randomUUID } from "node:crypto";
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

/** Environment variable that turns the interactive HTML chart output off (set by the notebook runner). */
export const STATIC_CHARTS_ENV = "CAE_STATIC_CHARTS";

/** Folder under the notebook server's nbextensions/ that holds vega, vega-lite and vega-embed (scripts/jupyter.ts). */
export const VEGA_NBEXTENSION_DIR = "cae-vega";

/**
 * Script of an interactive chart output, run by classic Notebook (trusted outputs only).
 * It loads vega-embed through the page's require.js in a context of its own (so other
 * extensions' "vega" modules do not interfere) from `<base url>nbextensions/cae-vega/`,
 * renders the spec beside the static SVG and removes the SVG only once that worked. When
 * the files are not served (Jupyter started without the project's JUPYTER_PATH) or
 * anything fails, the static SVG stays and the chart gets class is-static. vega gets a
 * loader that refuses every URL: specs carry their data inline.
 */
const CHART_SCRIPT = `(function (id) {
  var el = document.getElementById(id);
  if (!el || el.getAttribute("data-started")) return;
  el.setAttribute("data-started", "1");
  function still(reason) {
    el.classList.add("is-static");
    if (reason) console.warn("Interactive chart unavailable; keeping the static figure.", reason);
  }
  function refuse(uri) { return Promise.reject(new Error("Charts load no external resources (" + uri + ").")); }
  function embed(vegaEmbed) {
    var spec = JSON.parse(el.querySelector(".cae-chart-spec").textContent);
    var target = document.createElement("div");
    target.className = "cae-chart-live";
    el.appendChild(target);
    vegaEmbed(target, spec, {
      actions: false, renderer: "svg", tooltip: true, logLevel: 0,
      loader: { options: {}, sanitize: refuse, load: refuse, http: refuse, file: refuse }
    }).then(function () {
      var svg = el.querySelector(".cae-chart-static");
      if (svg) svg.parentNode.removeChild(svg);
      el.classList.add("is-live");
    }).catch(function (err) {
      if (target.parentNode) target.parentNode.removeChild(target);
      still(err);
    });
  }
  if (typeof window.vegaEmbed === "function") return embed(window.vegaEmbed);
  var req = window.requirejs;
  if (typeof req !== "function" || typeof req.config !== "function") return still();
  var base = (document.body.getAttribute("data-base-url") || "/") + "nbextensions/${VEGA_NBEXTENSION_DIR}/";
  var load = req.config({
    context: "${VEGA_NBEXTENSION_DIR}",
    paths: { vega: base + "vega.min", "vega-lite": base + "vega-lite.min", "vega-embed": base + "vega-embed.min" }
  });
  load(["vega-embed"], function (vegaEmbed) { embed(vegaEmbed && vegaEmbed.default ? vegaEmbed.default : vegaEmbed); }, still);
})`;

/**
 * HTML of an interactive chart: the static SVG (shown at once, and kept when JavaScript or
 * the vega files are unavailable), the spec as inline JSON and the script that embeds it.
 */
export function interactiveChartHtml(spec: object, svg: string, id = `cae-chart-${randomUUID()}`): string {
  if (!/^[\w-]+$/.test(id)) throw new Error(`Chart element id "${id}" must be letters, digits, "_" or "-".`);
  const json = JSON.stringify(spec).replace(/</g, "\\u003c");
  return (
    `<div class="cae-chart" id="${id}"><div class="cae-chart-static">${svg}</div>` +
    `<script type="application/json" class="cae-chart-spec">${json}</script></div>` +
    `<script>${CHART_SCRIPT}(${JSON.stringify(id)});</script>`
  );
}

/**
 * Render a vega-lite chart and display it (interactive spec + static SVG, and the
 * interactive HTML for classic Notebook unless CAE_STATIC_CHARTS=1). Returns nothing, so
 * that a cell ending in `await showChart(...)` prints no value after the chart.
 */
export async function showChart(spec: VlSpec, options: ShowChartOptions = {}): Promise<void> {
  const svg = options.save ? (await saveFigure(options.save.dir, options.save.name, spec)).svg : await renderSvg(spec);
  const { $schema: _schema, ...rest } = spec;
  const title = typeof spec.title === "string" ? spec.title : (spec.title?.text ?? "chart");
  const themed = { ...rest, config: { ...THEME, ...(spec.config ?? {}) } };
  const interactive = inNotebook() && process.env[STATIC_CHARTS_ENV] !== "1";
  displayBundle({
    [VEGALITE_MIME]: themed,
    "image/svg+xml": svg,
    ...(interactive ? { "text/html": interactiveChartHtml({ ...themed, $schema: spec.$schema }, svg) } : {}),
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
