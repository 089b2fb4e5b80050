/**
 * The report's local assets (report/assets/): the browser builds of vega, vega-lite and
 * vega-embed copied from node_modules, the stylesheet and the small script that turns each
 * figure's static SVG into an interactive chart. The page references them relatively, so
 * the report folder opens offline from disk and nothing is fetched from a network.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { atomicWriteFile } from "../runtime/files";

/** Browser (UMD) builds the page loads, in load order: vega-embed needs vega and vega-lite as globals. */
export const VENDOR_SCRIPTS: readonly { pkg: string; file: string }[] = [
  { pkg: "vega", file: "build/vega.min.js" },
  { pkg: "vega-lite", file: "build/vega-lite.min.js" },
  { pkg: "vega-embed", file: "build/vega-embed.min.js" },
];

/** File name of the report's stylesheet under report/assets/. */
export const REPORT_CSS = "report.css";

/** File name of the report's chart script under report/assets/. */
export const REPORT_JS = "report.js";

/** A trailing source-map comment: removed so a browser's developer tools ask for no missing .map file. */
const SOURCE_MAP_COMMENT = /\n?\/\/# sourceMappingURL=\S+\s*$/;

/**
 * Folder of an installed npm package, looked up in node_modules folders above each start
 * folder (the packages' "exports" maps hide their browser builds from require.resolve).
 */
export function findPackageDir(pkg: string, starts: string[]): string {
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate = path.join(dir, "node_modules", pkg);
      if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(
    `npm package "${pkg}" not found in node_modules above ${starts.join(", ")}. Install the project's dependencies: npm ci.`,
  );
}

/**
 * Copy the vega browser builds into `assetsDir` (without their source-map comments).
 * @returns the copied file names, in load order
 */
export function copyVendorScripts(assetsDir: string, starts: string[]): string[] {
  return VENDOR_SCRIPTS.map(({ pkg, file }) => {
    const source = path.join(findPackageDir(pkg, starts), file);
    if (!fs.existsSync(source))
      throw new Error(`${source} is missing: the installed ${pkg} has no browser build. Reinstall it: npm ci.`);
    const name = path.basename(file);
    atomicWriteFile(path.join(assetsDir, name), fs.readFileSync(source, "utf8").replace(SOURCE_MAP_COMMENT, "\n"));
    return name;
  });
}

/** Write report.css and report.js into `assetsDir`. */
export function writeOwnAssets(assetsDir: string): void {
  atomicWriteFile(path.join(assetsDir, REPORT_CSS), STYLESHEET);
  atomicWriteFile(path.join(assetsDir, REPORT_JS), EMBED_SCRIPT);
}

/**
 * Turns every `.chart[data-spec]` into an interactive vega-embed chart. The chart renders
 * into a new element and replaces the static SVG only once it succeeded, so a failure
 * leaves the static figure in place. Each chart ends with class is-live (interactive) or
 * is-static (the static figure stayed), which tests wait for. vega gets a loader that
 * refuses every URL: specs carry their data inline, and an offline report must not try
 * the network.
 */
const EMBED_SCRIPT = `/* Interactive charts for the report (vega-embed). Without JavaScript the static SVG stays. */
(function () {
  "use strict";
  function refuse(uri) {
    return Promise.reject(new Error("This offline report loads no external resources (" + uri + ")."));
  }
  var offlineLoader = { options: {}, sanitize: refuse, load: refuse, http: refuse, file: refuse };

  function embed(chart) {
    var specNode = document.getElementById(chart.getAttribute("data-spec"));
    if (!specNode) return;
    var spec;
    try {
      spec = JSON.parse(specNode.textContent);
    } catch (err) {
      console.warn("Chart spec is not valid JSON; keeping the static figure.", err);
      return;
    }
    if (spec.usermeta && spec.usermeta.embedOptions) delete spec.usermeta.embedOptions;
    var target = document.createElement("div");
    target.className = "chart-live";
    chart.appendChild(target);
    window.vegaEmbed(target, spec, {
      actions: false,
      renderer: chart.getAttribute("data-renderer") || "svg",
      tooltip: true,
      loader: offlineLoader,
      logLevel: 0
    }).then(function () {
      var still = chart.querySelector(".chart-static");
      if (still) still.parentNode.removeChild(still);
      chart.classList.add("is-live");
    }).catch(function (err) {
      if (target.parentNode) target.parentNode.removeChild(target);
      chart.classList.add("is-static");
      console.warn("Interactive chart unavailable; keeping the static figure.", err);
    });
  }

  function start() {
    if (typeof window.vegaEmbed !== "function") return;
    document.documentElement.classList.add("has-vega");
    var charts = document.querySelectorAll(".chart[data-spec]");
    for (var i = 0; i < charts.length; i++) embed(charts[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
`;

/**
 * The report's look: system fonts (DejaVu Sans where nothing else is installed), a 1180 px
 * column (two 560 px charts side by side at their natural size), cards for headline
 * numbers, a responsive figure grid and a print style without navigation chrome.
 */
const STYLESHEET = `/* Report stylesheet: no web fonts, no external resources. */
:root {
  --ink: #1d2733;
  --muted: #5b6877;
  --line: #e2e7ee;
  --paper: #ffffff;
  --bg: #f5f7fa;
  --accent: #2b5d8a;
  --accent-soft: #e8f0f8;
  --warn: #9a5b00;
  --warn-soft: #fff4e0;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--ink);
  font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif;
}
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
code { font-family: var(--mono); font-size: 0.88em; background: #eef1f5; border-radius: 4px; padding: 0.1em 0.35em; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 24px; }

/* Masthead */
.masthead { background: linear-gradient(135deg, #14283d 0%, #1f4a72 100%); color: #fff; padding: 44px 0 36px; }
.masthead .kicker { text-transform: uppercase; letter-spacing: 0.12em; font-size: 12px; font-weight: 600; opacity: 0.75; margin: 0 0 6px; }
.masthead h1 { font-size: clamp(28px, 4vw, 40px); line-height: 1.15; margin: 0 0 12px; font-weight: 700; }
.masthead .lede { font-size: 17px; max-width: 52em; margin: 0 0 26px; color: #d9e5f1; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 0; }
.facts > div { background: rgba(255, 255, 255, 0.08); border: 1px solid rgba(255, 255, 255, 0.14); border-radius: 8px; padding: 8px 12px; }
.facts > div.wide { grid-column: 1 / -1; }
.facts dt { font-size: 11px; text-transform: uppercase; letter-spacing: 0.08em; opacity: 0.7; }
.facts dd { margin: 2px 0 0; font-weight: 600; overflow-wrap: anywhere; }
.facts dd .kv { display: inline-block; margin-right: 16px; font-weight: 400; }
.facts dd .kv b { font-weight: 700; }
.facts dd small { font-weight: 400; opacity: 0.75; margin-left: 4px; }
.masthead details { margin-top: 12px; }
.masthead summary { cursor: pointer; color: #d9e5f1; }
.masthead details .table-wrap { background: var(--paper); color: var(--ink); border-radius: 8px; padding: 8px 12px; margin-top: 8px; }

/* Layout */
main.wrap { padding-top: 28px; padding-bottom: 56px; }
.panel { background: var(--paper); border: 1px solid var(--line); border-radius: 12px; padding: 24px 28px; margin: 0 0 24px; box-shadow: 0 1px 2px rgba(20, 40, 61, 0.04); }
.toc h2, .not-run h2 { font-size: 18px; margin: 0 0 10px; }
.toc ol { margin: 0; padding: 0; list-style: none; columns: 2 300px; column-gap: 32px; }
.toc li { break-inside: avoid; padding: 3px 0; }
.toc .no { display: inline-block; min-width: 2.2em; color: var(--muted); font-variant-numeric: tabular-nums; }
.toc .count { color: var(--muted); font-size: 13px; }

/* Stage sections */
.stage-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 14px; border-bottom: 1px solid var(--line); padding-bottom: 12px; margin-bottom: 18px; }
.stage-head h2 { font-size: 24px; line-height: 1.25; margin: 0; flex: 1 1 auto; }
.stage-no { font-size: 13px; font-weight: 700; color: var(--accent); background: var(--accent-soft); border-radius: 999px; padding: 2px 10px; font-variant-numeric: tabular-nums; }
.nb-link { font-size: 14px; white-space: nowrap; }
.stage-meta { color: var(--muted); font-size: 13px; margin: 18px 0 0; }
h3 { font-size: 15px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); margin: 22px 0 10px; }

/* Stat cards */
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 12px; margin: 0 0 18px; }
.stat { border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 8px; padding: 10px 14px; background: #fbfcfe; min-width: 0; }
.stat-value { font-size: 22px; font-weight: 700; line-height: 1.25; font-variant-numeric: tabular-nums; overflow-wrap: break-word; }
.stat-value.long { font-size: 16px; line-height: 1.35; padding-top: 3px; overflow-wrap: anywhere; }
.stat-label { font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }

/* Findings */
.findings p { margin: 0 0 10px; max-width: 60em; }
.findings p:last-child { margin-bottom: 0; }

/* Figures */
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 500px), 1fr)); gap: 18px; }
.figure { margin: 0; border: 1px solid var(--line); border-radius: 10px; padding: 12px; background: #fff; min-width: 0; break-inside: avoid; }
.figure.wide { grid-column: 1 / -1; }
.chart { overflow-x: auto; text-align: center; }
.chart svg, .chart img, .chart-static svg { max-width: 100%; height: auto; }
.chart .vega-embed { max-width: 100%; }
.chart .vega-embed svg { max-width: 100%; height: auto; }
.chart-missing { padding: 32px 12px; color: var(--warn); background: var(--warn-soft); border-radius: 6px; }
figcaption { font-size: 14px; color: var(--muted); margin-top: 8px; }
figcaption .files { white-space: nowrap; margin-left: 6px; font-size: 12px; }

/* Tables */
.table-wrap { overflow-x: auto; margin: 0 0 14px; }
.cae-table { border-collapse: collapse; font-size: 14px; min-width: 40%; }
.cae-table caption { caption-side: top; text-align: left; font-weight: 600; padding: 4px 0 6px; color: var(--ink); }
.cae-table th, .cae-table td { border-bottom: 1px solid var(--line); padding: 5px 12px 5px 0; text-align: left; vertical-align: top; }
.cae-table th { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); border-bottom: 2px solid var(--line); }
.cae-table .num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 12px; }
.cae-table tbody tr:hover { background: #f7f9fc; }

/* Missing stages and warnings */
.not-run { border-color: #f0d9b5; background: #fffcf6; }
.not-run li { margin: 4px 0; }
.badge { display: inline-block; font-size: 12px; font-weight: 600; border-radius: 999px; padding: 0 8px; margin-left: 6px; }
.badge.failed { background: #fde8e8; color: #9b1c1c; }
.badge.pending { background: var(--warn-soft); color: var(--warn); }
.badge.nosection { background: #eef1f5; color: var(--muted); }
.warnings { color: var(--warn); font-size: 14px; }

footer { color: var(--muted); font-size: 13px; padding: 0 0 40px; }

/* vega tooltip, kept readable over charts */
#vg-tooltip-element { font-family: inherit; font-size: 12px; }

@media (max-width: 640px) {
  .wrap { padding: 0 14px; }
  .panel { padding: 18px 16px; }
  .stat-value { font-size: 19px; }
}

@media print {
  body { background: #fff; font-size: 11pt; }
  .masthead { background: none; color: #000; padding: 0 0 12px; border-bottom: 2px solid #000; }
  .masthead .lede, .masthead summary { color: #333; }
  .facts > div { border-color: #bbb; background: none; }
  .toc, .nb-link, figcaption .files { display: none; }
  main.wrap { padding-top: 12px; padding-bottom: 0; }
  .panel { border: none; box-shadow: none; padding: 0; margin: 0 0 18pt; }
  .stage-head, h3 { break-after: avoid; }
  .figure, .stat, .cae-table tr { break-inside: avoid; }
  .figures { grid-template-columns: 1fr; }
  a { color: inherit; text-decoration: none; }
}
`;
