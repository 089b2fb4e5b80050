/**
 * The market stage of notebook 01: get a validated Panel from the configured source.
 *
 * Real sources go through their loader (lib/data/load.ts), which validates. The synthetic
 * market goes through the very same validation (its rows are fed to validateRows as if read
 * from a file), so its report is comparable with a real source's and nothing the simulator
 * produced escapes the checks; its ground-truth labels are carried over by (token, day).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Config } from "../config";
import { generateMarket, type MarketTruth } from "./synthetic";
import { loadPanel } from "./load";
import { RawRows } from "./raw";
import { validateRows, formatValidationReport, type ValidationReport } from "./validate";
import { MS_PER_DAY, dayToIso, isoToDay, type Panel } from "./panel";
import { marketEventDays } from "./market-events";

/** A loaded market with its validation report. */
export interface Market {
  panel: Panel;
  report: ValidationReport;
  reportMarkdown: string;
  /** Short label for tables, e.g. "synthetic (160 tokens, seed 20240607)". */
  sourceLabel: string;
  /** Ground truth of the simulator, or null for real data. */
  truth: MarketTruth | null;
  /** Market-wide crash days (UTC day numbers): the simulated ones, or for real data the documented events that fall in the data's span. */
  crashDays: number[];
  /** A JSON-friendly summary of the truth for later notebooks (crash days, regimes). */
  truthJson: Record<string, unknown>;
}

/** Feed a simulated panel through the standard validation and carry its labels over. */
export function validateSyntheticPanel(p: Panel, label: string): { panel: Panel; report: ValidationReport } {
  const raw = new RawRows();
  const file = raw.addFile(label, "item");
  const ids = p.tokens.map((t) => raw.token(t.id, { symbol: t.symbol, name: t.name, sector: t.sector }, {}, t.id));
  for (let i = 0; i < p.day.length; i++) {
    raw.push(
      ids[p.token[i]!]!,
      p.day[i]! * MS_PER_DAY,
      p.open[i]!,
      p.high[i]!,
      p.low[i]!,
      p.close[i]!,
      p.volume[i]!,
      p.marketCap[i]!,
      file,
      i + 1,
    );
  }
  const { panel, report } = validateRows(raw, { source: label });
  if (p.anomalyKind) {
    const key = (tokenId: string, day: number) => `${tokenId}|${day}`;
    const kinds = new Map<string, number>();
    for (let i = 0; i < p.day.length; i++)
      if (p.anomalyKind[i]! > 0) kinds.set(key(p.tokens[p.token[i]!]!.id, p.day[i]!), p.anomalyKind[i]!);
    const labels = new Int8Array(panel.day.length);
    for (let i = 0; i < panel.day.length; i++)
      labels[i] = kinds.get(key(panel.tokens[panel.token[i]!]!.id, panel.day[i]!)) ?? 0;
    const tokenIndex = new Map(panel.tokens.map((t, i) => [t.id, i]));
    panel.anomalyKind = labels;
    panel.events = (p.events ?? [])
      .map((e) => ({ ...e, token: tokenIndex.get(p.tokens[e.token]!.id) ?? -1 }))
      .filter((e) => e.token >= 0);
  }
  return { panel, report };
}

/** Load the market chosen by the config (synthetic by default). */
export async function loadMarket(config: Config): Promise<Market> {
  if (config.source === "synthetic") {
    const s = config.settings;
    const label = `synthetic(seed=${config.seed}, tokens=${s.nTokens}, days=${s.nDays})`;
    const { panel: simulated, truth } = generateMarket({ nTokens: s.nTokens, nDays: s.nDays }, config.seed);
    const { panel, report } = validateSyntheticPanel(simulated, label);
    return {
      panel,
      report,
      reportMarkdown: formatValidationReport(report),
      truth,
      sourceLabel: `synthetic market (${s.nTokens} tokens × ${s.nDays} days, seed ${config.seed})`,
      crashDays: truth.crashDays,
      truthJson: {
        kind: "synthetic",
        crashDays: truth.crashDays.map((d) => dayToIso(d)),
        regimeNames: truth.regimeNames,
        regimes: Array.from(truth.regime),
        startDay: truth.startDay,
        anomalyRows: truth.anomalyRows,
      },
    };
  }
  const target = config.dataPath!;
  if (!fs.existsSync(target)) {
    throw new Error(
      `Data path ${target} does not exist for source "${config.source}". Put the files there or set CAE_DATA_PATH (see the README's data sources).`,
    );
  }
  const { panel, report } = loadPanel(config.source, target);
  const span =
    report.firstDay && report.lastDay
      ? { fromDay: isoToDay(report.firstDay), toDay: isoToDay(report.lastDay) }
      : undefined;
  const documented = span ? marketEventDays(undefined, span).map((e) => e.startDay) : [];
  return {
    panel,
    report,
    reportMarkdown: formatValidationReport(report),
    truth: null,
    sourceLabel: `${config.source}: ${path.basename(target)} (${report.tokens} tokens, ${report.firstDay} to ${report.lastDay})`,
    crashDays: documented,
    truthJson: { kind: "real", crashDays: [] },
  };
}

/** One paragraph on where the data came from. */
export function describeSource(m: Market): string {
  const r = m.report;
  const labelled = m.panel.anomalyKind
    ? ` It carries **${m.panel.anomalyKind.reduce((a, k) => a + (k > 0 ? 1 : 0), 0).toLocaleString("en-US")}** labelled anomaly rows in ${m.panel.events?.length ?? 0} injected episodes (ground truth for notebook 07).`
    : " Real data has no anomaly labels: the anomaly notebook compares its findings with documented market events instead.";
  return `**Source:** ${m.sourceLabel}. ${r.rowsKept.toLocaleString("en-US")} rows kept of ${r.rowsRead.toLocaleString("en-US")} read, ${r.tokens} tokens, ${r.firstDay} to ${r.lastDay}.${labelled}`;
}
