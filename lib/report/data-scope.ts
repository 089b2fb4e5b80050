/**
 * What a report on real market data leaves out, and a check that nothing simulated-only slipped in.
 *
 * Some analyses need what only the market simulator knows: injected anomalies with their
 * labels, the regime it was in each day, the days it crashed. On real data the notebooks
 * skip them and run what does make sense instead (documented crash windows, regimes from
 * realised volatility, probes of volatility terciles). The report says which ones were left
 * out and why (SIMULATION_ONLY), and the builder warns when a section on real data still
 * speaks of simulated content (simulatedOnlyMentions).
 */
import { escapeHtml } from "../viz/html";
import type { ReportSection } from "./sections";

/** The data source of the market simulator (config CAE_SOURCE). */
export const SIMULATED_SOURCE = "synthetic";

/** An analysis that needs the simulator's ground truth, and what replaces it on real data. */
export interface SimulationOnlyAnalysis {
  /** Notebook stem of the section it belongs to. */
  notebook: string;
  /** What is left out. */
  what: string;
  /** Why it cannot run on real data. */
  why: string;
  /** What the section shows instead. */
  instead: string;
}

/** Every analysis that only the simulated market supports, by notebook. */
export const SIMULATION_ONLY: readonly SimulationOnlyAnalysis[] = [
  {
    notebook: "01-data-eda",
    what: "the simulated crash days on the correlation chart",
    why: "a real market has no simulated crashes",
    instead: "the documented market-wide crash days are marked",
  },
  {
    notebook: "06-latent-space",
    what: "the probe and the UMAP colouring by the simulated market regime",
    why: "a real market's regime on a day is not known",
    instead: "the probes of the volatility tercile and, where the token list gives sectors, of the sector",
  },
  {
    notebook: "07-anomalies",
    what: "detection accuracy against injected anomalies (ROC-AUC, PR-AUC, precision@k, per anomaly kind, the consensus)",
    why: "real prices carry no anomaly labels",
    instead: "the market stress index checked against documented crash windows, and the event study of flags",
  },
  {
    notebook: "08-evaluation",
    what: "reconstruction error by the simulator's own regimes",
    why: "real data have no simulated regimes",
    instead: "error by market regime estimated from realised volatility",
  },
];

/** Sections whose data do not come from the market source (the credit-card notebook reads its own file or stand-in). */
export const OWN_DATA_NOTEBOOKS: readonly string[] = ["11-credit-card"];

/**
 * Wording that only a simulated market supports: "simulated", "injected", "synthetic
 * market", "ground truth", "labelled anomalies".
 */
export const SIMULATED_ONLY_WORDING = /\b(simulat\w*|injected|synthetic market|ground[- ]truth|labelled anomal\w*)\b/i;

/** True when the run's market data are real: sources are known and none is the simulator. */
export function isRealData(sources: readonly string[]): boolean {
  return sources.length > 0 && !sources.includes(SIMULATED_SOURCE);
}

/** The simulation-only analyses of the notebooks present, on real data (none on simulated data). */
export function leftOutOnRealData(sources: readonly string[], notebooks: readonly string[]): SimulationOnlyAnalysis[] {
  if (!isRealData(sources)) return [];
  return SIMULATION_ONLY.filter((a) => notebooks.includes(a.notebook));
}

/**
 * Texts of a section (findings, headline, table and figure captions, table cells) that use
 * simulated-only wording. Empty for sections with their own data (OWN_DATA_NOTEBOOKS).
 */
export function simulatedOnlyMentions(section: ReportSection): string[] {
  if (OWN_DATA_NOTEBOOKS.includes(section.notebook)) return [];
  const texts = [
    section.title,
    ...section.findings,
    ...Object.entries(section.headline).map(([k, v]) => `${k}: ${String(v)}`),
    ...section.tables.map((t) => t.caption),
    ...section.tables.flatMap((t) => t.rows.flatMap((r) => [...Object.keys(r), ...Object.values(r).map(String)])),
    ...section.figures.map((f) => f.caption),
  ];
  return [...new Set(texts.filter((t) => SIMULATED_ONLY_WORDING.test(t)))];
}

/** The report panel listing what was left out on real data, or "" when nothing was. */
export function leftOutPanel(
  left: readonly SimulationOnlyAnalysis[],
  section: (notebook: string) => { id: string; title: string },
): string {
  if (left.length === 0) return "";
  const items = left.map((a) => {
    const s = section(a.notebook);
    return `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>: ${escapeHtml(a.what)}, because ${escapeHtml(a.why)}; instead, ${escapeHtml(a.instead)}.</li>`;
  });
  return [
    `<section class="panel left-out" id="left-out"><h2>Left out on real data</h2>`,
    `<p>These analyses need what only the market simulator knows, so this run on real prices leaves them out:</p>`,
    `<ul>\n${items.join("\n")}\n</ul></section>`,
  ].join("\n");
}
