/**
 * The report builder: assembles report/index.html from what the notebooks saved.
 *
 * Inputs are artifacts only: the sections (`data/processed/report-<notebook>.json`), the
 * run manifests (`manifest-<notebook>.json`), the notebook runner's log and the figures
 * (`figures/<stem>.svg|png|vl.json`). The builder formats, it never computes a result, so
 * every number on the page comes from a run.
 *
 * The page is self-contained and offline: styles and the vega browser builds sit in
 * report/assets/, used figures are copied to report/figures/, and a Content-Security-Policy
 * forbids any connection. Each figure's static SVG is inlined (a PNG <img> when the SVG is
 * very large) and vega-embed swaps it for the interactive chart when JavaScript runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Config } from "../config";
import { atomicWriteFile } from "../runtime/files";
import { tableHtml, type Cell } from "../viz/display";
import { escapeHtml, jsonForScript } from "../viz/html";
import { isRealData, leftOutOnRealData, leftOutPanel, simulatedOnlyMentions } from "./data-scope";
import { figureStem } from "../viz/render";
import { copyVendorScripts, REPORT_CSS, REPORT_JS, writeOwnAssets } from "./assets";
import {
  listNotebookStems,
  readManifests,
  readRunLog,
  readSections,
  type LoadedSection,
  type RunLog,
  type RunManifest,
} from "./load";
import {
  cellText,
  formatDuration,
  formatTimestamp,
  inlineMarkup,
  namespaceSvgIds,
  slug,
  svgIsInert,
  svgSize,
} from "./markup";
import type { ReportSection, SectionFigure } from "./sections";

/** The report's title. */
export const REPORT_TITLE = "Autoencoders on a crypto market";

/**
 * Largest SVG inlined into the page: 1.5 MB. A 5,000-point scatter is about 1.4 MB of SVG;
 * bigger ones (tens of thousands of points) make the page slow to parse, so they show as
 * their PNG instead (and render interactively on a canvas).
 */
export const SVG_INLINE_MAX_BYTES = 1.5 * 1024 * 1024;

/**
 * Charts wider than this take a full row of the figure grid: two default 560 px charts
 * (plus vega's padding) fit side by side in the 1180 px column; wider ones (facets,
 * concatenations) would be shrunk to unreadable labels.
 */
export const WIDE_FIGURE_PX = 640;

/** Headline values of the data section (01) repeated in the masthead's "Data" line. */
export const MASTHEAD_DATA_ITEMS = 4;

/** Text headline values longer than this get a smaller font (a 180 px card holds ~11 large characters). */
export const STAT_TEXT_LONG = 11;

/** Rows of the data section's validation table shown in the masthead. */
export const MASTHEAD_VALIDATION_ROWS = 12;

/** The CSP: local scripts and styles only, images from the report folder, no connections. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  // vega compiles its expressions with Function(): 'unsafe-eval'. 'self' and file: cover
  // the report opened from disk and served by a local web server alike.
  "script-src 'self' file: 'unsafe-eval'",
  // vega-embed and vega-tooltip inject <style> elements and style attributes.
  "style-src 'self' file: 'unsafe-inline'",
  "img-src 'self' file: data: blob:",
  "font-src 'none'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/** Options of buildReport. */
export interface BuildReportOptions {
  /** Notebook stems the report expects (default: the `NN-name.ipynb` files in config.paths.notebooks). */
  notebooks?: string[];
  /** Page title (default REPORT_TITLE). */
  title?: string;
  /** Largest SVG inlined, in bytes (default SVG_INLINE_MAX_BYTES). */
  inlineSvgMaxBytes?: number;
}

/** A notebook without a section in the report, and why. */
export interface NotebookStatus {
  notebook: string;
  /** failed: its last run failed; not-run: no run recorded; no-section: ran but saved no section. */
  status: "failed" | "not-run" | "no-section";
}

/** What buildReport wrote. */
export interface BuildReportResult {
  /** Absolute path of index.html. */
  file: string;
  /** Sections rendered. */
  sections: number;
  /** Figures rendered (with a static image, an interactive spec, or both). */
  figures: number;
  /** Problems worth a look that did not stop the build (missing notebooks, figures...). */
  warnings: string[];
  /** Expected notebooks that contribute no section. */
  missing: NotebookStatus[];
}

/** Facts about the run, gathered from the manifests and the run log. */
interface RunFacts {
  profiles: string[];
  sources: string[];
  seeds: string[];
  backends: string[];
  codeVersions: string[];
  nodes: string[];
  /** Epoch caps (CAE_MAX_EPOCHS) the sections' notebooks ran under; empty when none was. */
  epochCaps: string[];
  lastFinishedAt: string | null;
  totalSeconds: number | null;
  timedNotebooks: number;
}

/** State shared while rendering one report. */
interface Context {
  config: Config;
  reportDir: string;
  figuresOut: string;
  inlineMax: number;
  warnings: string[];
  manifests: Record<string, RunManifest>;
  runLog: RunLog | null;
  figureCount: number;
  copied: Set<string>;
}

function unique(values: (string | number | null | undefined)[]): string[] {
  return [
    ...new Set(values.filter((v): v is string | number => v !== null && v !== undefined && v !== "").map(String)),
  ];
}

function gatherFacts(
  sections: LoadedSection[],
  manifests: Record<string, RunManifest>,
  runLog: RunLog | null,
): RunFacts {
  const names = sections.map((s) => s.section.notebook);
  const own = names.map((n) => manifests[n]).filter((m): m is RunManifest => !!m);
  const used = own.length > 0 ? own : Object.values(manifests);
  let total = 0;
  let timed = 0;
  for (const n of names) {
    const seconds = runLog?.notebooks[n]?.seconds ?? manifests[n]?.seconds;
    if (typeof seconds === "number" && Number.isFinite(seconds)) {
      total += seconds;
      timed += 1;
    }
  }
  const times = [...used.map((m) => m.finishedAt), ...names.map((n) => runLog?.notebooks[n]?.finishedAt)]
    .filter((t): t is string => typeof t === "string" && !Number.isNaN(Date.parse(t)))
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return {
    profiles: unique(used.map((m) => m.profile)),
    sources: unique(used.map((m) => m.source)),
    seeds: unique(used.map((m) => m.seed)),
    backends: unique(used.map((m) => m.backend)),
    codeVersions: unique(used.map((m) => m.codeVersion)),
    nodes: unique(used.map((m) => m.node)),
    epochCaps: unique(used.map((m) => m.epochCap)),
    lastFinishedAt: times.length ? times[times.length - 1]! : null,
    totalSeconds: timed > 0 ? total : null,
    timedNotebooks: timed,
  };
}

function mixedRunWarnings(facts: RunFacts): string[] {
  const out: string[] = [];
  const check = (label: string, values: string[]) => {
    if (values.length > 1)
      out.push(
        `Sections come from runs with different ${label} (${values.join(", ")}): rerun all notebooks (npm run notebook) for a consistent report.`,
      );
  };
  check("profiles", facts.profiles);
  check("data sources", facts.sources);
  check("seeds", facts.seeds);
  check("backends", facts.backends);
  if (facts.epochCaps.length)
    out.push(
      `Training was capped at ${facts.epochCaps.join(", ")} epoch(s) (CAE_MAX_EPOCHS): the models are undertrained and the results are not real results. Rerun without CAE_MAX_EPOCHS.`,
    );
  return out;
}

function notRecorded(values: string[]): string {
  return values.length ? values.join(", ") : "not recorded";
}

/** Sort out which expected notebooks have no section, and why. */
function missingNotebooks(expected: string[], sections: LoadedSection[], runLog: RunLog | null): NotebookStatus[] {
  const have = new Set(sections.map((s) => s.section.notebook));
  return expected
    .filter((n) => !have.has(n))
    .map((notebook) => {
      const entry = runLog?.notebooks[notebook];
      return { notebook, status: entry ? (entry.ok ? "no-section" : "failed") : "not-run" };
    });
}

function notebookHref(reportDir: string, notebook: string): string | null {
  const file = path.join(reportDir, "notebooks", `${notebook}.html`);
  return fs.existsSync(file) ? `notebooks/${encodeURIComponent(notebook)}.html` : null;
}

function sectionId(notebook: string): string {
  return `stage-${slug(notebook)}`;
}

function stageNumber(s: ReportSection): string {
  return String(s.order).padStart(2, "0");
}

function copyOnce(ctx: Context, source: string): string {
  const name = path.basename(source);
  if (!ctx.copied.has(name)) {
    fs.copyFileSync(source, path.join(ctx.figuresOut, name));
    ctx.copied.add(name);
  }
  return `figures/${encodeURIComponent(name)}`;
}

/** Read and check a figure's vega-lite spec; null (with a warning) when unusable. */
function readSpec(ctx: Context, file: string): Record<string, unknown> | null {
  try {
    const spec = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new Error("not a JSON object");
    const out = { ...(spec as Record<string, unknown>) };
    // Embed options inside a spec could point vega-embed at a URL: the page sets its own.
    if (typeof out.usermeta === "object" && out.usermeta !== null) {
      const { embedOptions: _ignored, ...rest } = out.usermeta as Record<string, unknown>;
      out.usermeta = rest;
    }
    return out;
  } catch (err) {
    ctx.warnings.push(
      `Figure spec ${file} is unusable (${(err as Error).message}); the figure stays static. Rerun the notebook that saves it.`,
    );
    return null;
  }
}

function renderFigure(ctx: Context, fig: SectionFigure, notebook: string): string {
  const caption = escapeHtml(fig.caption);
  let stem: string;
  try {
    stem = figureStem(fig.name);
  } catch (err) {
    ctx.warnings.push(`${notebook}: ${(err as Error).message}`);
    return `<figure class="figure missing"><div class="chart-missing">Figure “${escapeHtml(fig.name)}” has no usable file name.</div><figcaption>${caption}</figcaption></figure>`;
  }
  const base = path.join(ctx.config.paths.figures, stem);
  const svgFile = `${base}.svg`;
  const pngFile = `${base}.png`;
  const specFile = `${base}.vl.json`;
  const hasSvg = fs.existsSync(svgFile);
  const hasPng = fs.existsSync(pngFile);
  const hasSpec = fs.existsSync(specFile);
  if (!hasSvg && !hasPng && !hasSpec) {
    ctx.warnings.push(
      `${notebook}: figure "${stem}" is not in ${ctx.config.paths.figures} (no .svg, .png or .vl.json). Rerun notebook ${notebook}.`,
    );
    return `<figure class="figure missing"><div class="chart-missing">Figure <code>${escapeHtml(stem)}</code> was not found in figures/. Rerun notebook ${escapeHtml(notebook)}.</div><figcaption>${caption}</figcaption></figure>`;
  }
  ctx.figureCount += 1;
  const n = ctx.figureCount;
  const links: string[] = [];
  let staticHtml = "";
  let size: { width: number; height: number } | null = null;
  let large = false;
  const pngHref = hasPng ? copyOnce(ctx, pngFile) : null;
  if (hasPng) links.push(`<a href="${escapeHtml(pngHref!)}">PNG</a>`);
  if (hasSvg) {
    const svgHref = copyOnce(ctx, svgFile);
    links.push(`<a href="${escapeHtml(svgHref)}">SVG</a>`);
    const bytes = fs.statSync(svgFile).size;
    const svg = fs.readFileSync(svgFile, "utf8");
    size = svgSize(svg);
    large = bytes > ctx.inlineMax;
    const inert = svgIsInert(svg);
    if (!inert)
      ctx.warnings.push(
        `${notebook}: ${svgFile} contains scripts, event handlers or external links; it is shown as an image, not inlined.`,
      );
    const dims = size ? ` width="${size.width}" height="${size.height}"` : "";
    if (!large && inert)
      staticHtml = `<div class="chart-static" role="img" aria-label="${caption}">${namespaceSvgIds(svg.replace(/^<\?xml[^>]*>\s*/, ""), `f${n}-`)}</div>`;
    else if (pngHref)
      staticHtml = `<div class="chart-static"><img src="${escapeHtml(pngHref)}" alt="${caption}"${dims}></div>`;
    else staticHtml = `<div class="chart-static"><img src="${escapeHtml(svgHref)}" alt="${caption}"${dims}></div>`;
  } else if (pngHref) {
    staticHtml = `<div class="chart-static"><img src="${escapeHtml(pngHref)}" alt="${caption}"></div>`;
  } else {
    staticHtml = `<div class="chart-static chart-missing">The static image of <code>${escapeHtml(stem)}</code> is missing; it needs JavaScript to show.</div>`;
  }
  const spec = hasSpec ? readSpec(ctx, specFile) : null;
  const specId = `spec-${n}`;
  const specWidth = spec && typeof spec.width === "number" ? spec.width : 0;
  const wide = (size?.width ?? specWidth) > WIDE_FIGURE_PX;
  const attrs = spec ? ` data-spec="${specId}"${large ? ' data-renderer="canvas"' : ""}` : "";
  const files = links.length ? ` <span class="files">${links.join(" · ")}</span>` : "";
  return [
    `<figure class="figure${wide ? " wide" : ""}" id="fig-${escapeHtml(stem)}-${n}">`,
    `<div class="chart"${attrs}>${staticHtml}</div>`,
    `<figcaption>${caption}${files}</figcaption>`,
    spec ? `<script type="application/json" id="${specId}">${jsonForScript(spec)}</script>` : "",
    `</figure>`,
  ].join("\n");
}

function statCards(headline: Record<string, Cell>): string {
  const entries = Object.entries(headline);
  if (entries.length === 0) return "";
  const cards = entries.map(([label, value]) => {
    const text = cellText(value);
    const cls = typeof value === "string" && text.length > STAT_TEXT_LONG ? "stat-value long" : "stat-value";
    return `<div class="stat"><div class="${cls}">${escapeHtml(text)}</div><div class="stat-label">${escapeHtml(label)}</div></div>`;
  });
  return `<div class="stats">\n${cards.join("\n")}\n</div>`;
}

function stageMeta(ctx: Context, notebook: string): string {
  const m = ctx.manifests[notebook];
  const seconds = ctx.runLog?.notebooks[notebook]?.seconds ?? m?.seconds;
  const parts: string[] = [];
  if (typeof seconds === "number") parts.push(`ran in ${formatDuration(seconds)}`);
  if (m?.backend) parts.push(`backend ${m.backend}`);
  if (m?.profile) parts.push(`profile ${m.profile}`);
  if (m?.finishedAt) parts.push(`finished ${formatTimestamp(m.finishedAt)}`);
  if (parts.length === 0) return "";
  return `<p class="stage-meta">Notebook <code>${escapeHtml(notebook)}</code>: ${escapeHtml(parts.join(" · "))}.</p>`;
}

function renderSection(ctx: Context, loaded: LoadedSection): string {
  const s = loaded.section;
  const href = notebookHref(ctx.reportDir, s.notebook);
  const link = href ? `<a class="nb-link" href="${escapeHtml(href)}">Full notebook →</a>` : "";
  const findings = s.findings.length
    ? `<div class="findings">\n${s.findings.map((f) => `<p>${inlineMarkup(f)}</p>`).join("\n")}\n</div>`
    : "";
  const figures = s.figures.length
    ? `<h3>Figures</h3>\n<div class="figures">\n${s.figures.map((f) => renderFigure(ctx, f, s.notebook)).join("\n")}\n</div>`
    : "";
  const tables = s.tables.length
    ? `<h3>Tables</h3>\n${s.tables.map((t) => `<div class="table-wrap">${tableHtml(t.rows, { caption: t.caption })}</div>`).join("\n")}`
    : "";
  return [
    `<section class="panel stage" id="${sectionId(s.notebook)}">`,
    `<div class="stage-head"><span class="stage-no">${escapeHtml(stageNumber(s))}</span><h2>${escapeHtml(s.title)}</h2>${link}</div>`,
    statCards(s.headline),
    findings,
    figures,
    tables,
    stageMeta(ctx, s.notebook),
    `</section>`,
  ]
    .filter((x) => x !== "")
    .join("\n");
}

/** The data section: the one with order 1 (or the first whose notebook starts with "01"). */
function dataSection(sections: LoadedSection[]): ReportSection | null {
  return (
    (sections.find((s) => s.section.order === 1) ?? sections.find((s) => s.section.notebook.startsWith("01")))
      ?.section ?? null
  );
}

function masthead(title: string, sections: LoadedSection[], facts: RunFacts): string {
  const data = dataSection(sections);
  const fact = (label: string, valueHtml: string, wide = false) =>
    `<div${wide ? ' class="wide"' : ""}><dt>${escapeHtml(label)}</dt><dd>${valueHtml}</dd></div>`;
  const items: string[] = [];
  const dataParts = [`<span class="kv">source <b>${escapeHtml(notRecorded(facts.sources))}</b></span>`];
  if (data) {
    for (const [label, value] of Object.entries(data.headline).slice(0, MASTHEAD_DATA_ITEMS)) {
      dataParts.push(`<span class="kv">${escapeHtml(label)} <b>${escapeHtml(cellText(value))}</b></span>`);
    }
  }
  items.push(fact("Data", dataParts.join(""), true));
  let validation = "";
  if (data) {
    const table = data.tables.find((t) => /validat/i.test(t.caption));
    if (table) {
      validation = `<details><summary>Validation summary (${escapeHtml(table.caption)})</summary><div class="table-wrap">${tableHtml(table.rows, { maxRows: MASTHEAD_VALIDATION_ROWS })}</div></details>`;
    } else {
      const checks = Object.entries(data.headline).filter(([k]) => /valid|repair|drop|kept|reject|error/i.test(k));
      if (checks.length)
        items.push(
          fact(
            "Validation",
            checks
              .map(([k, v]) => `<span class="kv">${escapeHtml(k)} <b>${escapeHtml(cellText(v))}</b></span>`)
              .join(""),
            true,
          ),
        );
    }
  }
  items.push(fact("Backend", escapeHtml(notRecorded(facts.backends))));
  items.push(fact("Profile", escapeHtml(notRecorded(facts.profiles))));
  if (facts.epochCaps.length)
    items.push(
      fact(
        "Training",
        `<b>capped at ${escapeHtml(facts.epochCaps.join(", "))} epoch(s) (CAE_MAX_EPOCHS): not real results</b>`,
      ),
    );
  items.push(fact("Seed", escapeHtml(notRecorded(facts.seeds))));
  items.push(fact("Code version", escapeHtml(notRecorded(facts.codeVersions))));
  items.push(
    fact("Run date", escapeHtml(facts.lastFinishedAt ? formatTimestamp(facts.lastFinishedAt) : "not recorded")),
  );
  const duration =
    facts.totalSeconds === null
      ? "not recorded"
      : `${escapeHtml(formatDuration(facts.totalSeconds))} <small>${facts.timedNotebooks} notebook${facts.timedNotebooks === 1 ? "" : "s"}</small>`;
  items.push(fact("Total duration", duration));
  if (facts.nodes.length) items.push(fact("Node.js", escapeHtml(facts.nodes.join(", "))));
  return [
    `<header class="masthead"><div class="wrap">`,
    `<p class="kicker">Research report</p>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="lede">What autoencoders (dense, variational, denoising and convolutional) learn from a panel of daily token prices: their reconstructions, latent spaces and the anomalies they flag, compared with a linear baseline. Every number below is read from the run's artifacts.</p>`,
    `<dl class="facts">\n${items.join("\n")}\n</dl>`,
    validation,
    `</div></header>`,
  ]
    .filter((x) => x !== "")
    .join("\n");
}

function toc(sections: LoadedSection[], missing: NotebookStatus[]): string {
  const items = sections.map(({ section: s }) => {
    const counts = [
      s.figures.length && `${s.figures.length} figure${s.figures.length === 1 ? "" : "s"}`,
      s.tables.length && `${s.tables.length} table${s.tables.length === 1 ? "" : "s"}`,
    ]
      .filter(Boolean)
      .join(", ");
    return `<li><span class="no">${escapeHtml(stageNumber(s))}</span><a href="#${sectionId(s.notebook)}">${escapeHtml(s.title)}</a>${counts ? ` <span class="count">(${counts})</span>` : ""}</li>`;
  });
  const pending = missing.filter((m) => m.status !== "no-section").length;
  if (pending) items.push(`<li><span class="no">—</span><a href="#not-run">Not in this report (${pending})</a></li>`);
  if (items.length === 0) return "";
  return `<nav class="panel toc" aria-label="Contents"><h2>Contents</h2><ol>\n${items.join("\n")}\n</ol></nav>`;
}

const STATUS_TEXT: Record<NotebookStatus["status"], { badge: string; text: string }> = {
  failed: { badge: "failed", text: "its last run failed" },
  "not-run": { badge: "pending", text: "has not run yet" },
  "no-section": { badge: "nosection", text: "ran, adds no report section" },
};

function notRunPanel(reportDir: string, missing: NotebookStatus[]): string {
  const shown = missing.filter((m) => m.status !== "no-section");
  if (shown.length === 0) return "";
  const items = shown.map((m) => {
    const info = STATUS_TEXT[m.status];
    const href = m.status === "failed" ? notebookHref(reportDir, m.notebook) : null;
    const partial = href ? ` (<a href="${escapeHtml(href)}">partial output</a>)` : "";
    const number = /^\d+/.exec(m.notebook)?.[0] ?? m.notebook;
    return `<li><code>${escapeHtml(m.notebook)}</code><span class="badge ${info.badge}">${escapeHtml(info.text)}</span>${partial}: run it with <code>npm run notebook -- ${escapeHtml(number)}</code>.</li>`;
  });
  return `<section class="panel not-run" id="not-run"><h2>Not in this report</h2><p>These notebooks have no section yet; the report shows what the other notebooks produced.</p><ul>\n${items.join("\n")}\n</ul></section>`;
}

function footer(sections: number, figures: number, warnings: string[]): string {
  const warn = warnings.length
    ? `<details class="warnings"><summary>${warnings.length} build warning${warnings.length === 1 ? "" : "s"}</summary><ul>${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul></details>`
    : "";
  return `<footer class="wrap"><p>Built by <code>npm run report</code> from ${sections} section artifact${sections === 1 ? "" : "s"} (<code>data/processed/report-*.json</code>) and ${figures} figure${figures === 1 ? "" : "s"} (<code>figures/</code>). Charts are interactive (hover for values) and render offline; without JavaScript the static images show.</p>${warn}</footer>`;
}

/**
 * Build report/index.html (with report/assets/ and report/figures/) from the artifacts of
 * the notebooks that ran. Missing notebooks are listed on the page and in `warnings`; a
 * malformed section artifact or a missing vega installation throws, naming the file.
 */
export function buildReport(config: Config, options: BuildReportOptions = {}): BuildReportResult {
  const reportDir = config.paths.report;
  const assetsDir = path.join(reportDir, "assets");
  const figuresOut = path.join(reportDir, "figures");
  const sections = readSections(config.paths.processed);
  const { manifests, problems } = readManifests(config.paths.processed);
  const { log: runLog, problem } = readRunLog(reportDir);
  const warnings = [...problems, ...(problem ? [problem] : [])];

  for (const { section, file } of sections) {
    if (path.basename(file) !== `report-${section.notebook}.json`)
      warnings.push(
        `${file} holds the section of notebook "${section.notebook}"; expected the file report-${section.notebook}.json.`,
      );
  }
  const seen = new Set<string>();
  for (const { section } of sections) {
    if (seen.has(section.notebook))
      throw new Error(
        `Two section artifacts in ${config.paths.processed} claim notebook "${section.notebook}": delete the stale one.`,
      );
    seen.add(section.notebook);
  }

  const expected = options.notebooks ?? listNotebookStems(config.paths.notebooks);
  const missing = missingNotebooks(expected, sections, runLog);
  if (sections.length === 0)
    warnings.push(`No report sections in ${config.paths.processed}: run the notebooks first (npm run notebook).`);
  const notRun = missing.filter((m) => m.status === "not-run").map((m) => m.notebook);
  const failed = missing.filter((m) => m.status === "failed").map((m) => m.notebook);
  if (notRun.length) warnings.push(`${notRun.length} notebook(s) have not run: ${notRun.join(", ")}.`);
  if (failed.length) warnings.push(`${failed.length} notebook(s) failed in their last run: ${failed.join(", ")}.`);

  const facts = gatherFacts(sections, manifests, runLog);
  warnings.push(...mixedRunWarnings(facts));
  const leftOut = leftOutOnRealData(
    facts.sources,
    sections.map((s) => s.section.notebook),
  );
  if (isRealData(facts.sources)) {
    for (const { section } of sections) {
      const said = simulatedOnlyMentions(section);
      if (said.length)
        warnings.push(
          `Section ${section.notebook} is built from real data (${facts.sources.join(", ")}) but speaks of simulated content: "${said[0]}"${said.length > 1 ? ` (and ${said.length - 1} more)` : ""}. Its notebook should leave this out on real data.`,
        );
    }
  }

  fs.mkdirSync(assetsDir, { recursive: true });
  fs.rmSync(figuresOut, { recursive: true, force: true });
  fs.mkdirSync(figuresOut, { recursive: true });
  const vendor = copyVendorScripts(assetsDir, [__dirname, config.paths.root]);
  writeOwnAssets(assetsDir);

  const ctx: Context = {
    config,
    reportDir,
    figuresOut,
    inlineMax: options.inlineSvgMaxBytes ?? SVG_INLINE_MAX_BYTES,
    warnings,
    manifests,
    runLog,
    figureCount: 0,
    copied: new Set(),
  };
  const title = options.title ?? REPORT_TITLE;
  const body = sections.map((s) => renderSection(ctx, s)).join("\n\n");
  const scripts = [...vendor, REPORT_JS].map((f) => `<script src="assets/${escapeHtml(f)}"></script>`).join("\n");
  const html = [
    `<!DOCTYPE html>`,
    `<html lang="en">`,
    `<head>`,
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CONTENT_SECURITY_POLICY)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<link rel="stylesheet" href="assets/${REPORT_CSS}">`,
    `</head>`,
    `<body>`,
    masthead(title, sections, facts),
    `<main class="wrap">`,
    toc(sections, missing),
    leftOutPanel(leftOut, (notebook) => ({
      id: sectionId(notebook),
      title: sections.find((s) => s.section.notebook === notebook)?.section.title ?? notebook,
    })),
    body,
    notRunPanel(reportDir, missing),
    `</main>`,
    footer(sections.length, ctx.figureCount, warnings),
    scripts,
    `</body>`,
    `</html>`,
    ``,
  ]
    .filter((x, i, all) => x !== "" || i === all.length - 1)
    .join("\n");
  const file = path.join(reportDir, "index.html");
  atomicWriteFile(file, html);
  return { file, sections: sections.length, figures: ctx.figureCount, warnings, missing };
}
