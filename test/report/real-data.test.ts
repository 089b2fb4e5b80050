/**
 * A report built from a real-source run: it says which simulation-only analyses were left
 * out and why, and no section speaks of simulated content (the builder warns if one does).
 */
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildReport } from "../../lib/report/build";
import {
  SIMULATED_ONLY_WORDING,
  isRealData,
  leftOutOnRealData,
  simulatedOnlyMentions,
} from "../../lib/report/data-scope";
import type { ReportSection } from "../../lib/report/sections";
import { stressFindings } from "../../lib/stages/07-anomalies/findings";
import { fakeRun, scratchDir, FAKE_NOTEBOOKS } from "./fake-run";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Set every manifest's source (the fixture's are "synthetic"). */
function setSource(processed: string, source: string): void {
  for (const f of fs.readdirSync(processed).filter((n) => n.startsWith("manifest-"))) {
    const file = path.join(processed, f);
    const m = JSON.parse(fs.readFileSync(file, "utf8")) as { source: string };
    m.source = source;
    fs.writeFileSync(file, JSON.stringify(m, null, 2));
  }
}

/** An anomaly section as notebook 07 writes it on real data (invented numbers). */
function realAnomalySection(): ReportSection {
  const stress = Array.from({ length: 30 }, (_, i) => ({
    day: 19000 + i,
    date: `2022-01-${String(i + 1).padStart(2, "0")}`,
    tokens: 10,
    flagged: i === 4 ? 8 : 1,
    share: i === 4 ? 0.8 : 0.1,
  }));
  return {
    notebook: "07-anomalies",
    order: 7,
    title: "Anomalies",
    headline: { "top stress day": "2022-01-05 (80%)" },
    findings: [
      "The data carry no anomaly labels, so detection accuracy is not measured; the stress index and the crash-day check stand in for it.",
      ...stressFindings(stress as never, [], "documented", { minTokens: 5, topN: 3 }),
    ],
    tables: [],
    figures: [],
  };
}

async function run(source: string, extra: ReportSection[] = []) {
  const dir = scratchDir("cae-report-real-");
  dirs.push(dir);
  const config = await fakeRun(dir);
  setSource(config.paths.processed, source);
  for (const s of extra)
    fs.writeFileSync(path.join(config.paths.processed, `report-${s.notebook}.json`), JSON.stringify(s));
  const result = buildReport(config, { notebooks: [...FAKE_NOTEBOOKS, ...extra.map((s) => s.notebook)] });
  return { result, html: fs.readFileSync(result.file, "utf8") };
}

describe("report on real data", () => {
  test("lists what was left out and why, and no section speaks of simulated content", async () => {
    const { result, html } = await run("binance", [realAnomalySection()]);
    const panel = /<section class="panel left-out"[\s\S]*?<\/section>/.exec(html);
    assert.ok(panel, "a real-data report has the 'Left out on real data' panel");
    assert.match(panel[0], /<h2>Left out on real data<\/h2>/);
    assert.match(panel[0], /href="#stage-07-anomalies">Anomalies<\/a>: detection accuracy against injected anomalies/);
    assert.match(panel[0], /because real prices carry no anomaly labels/);
    assert.match(panel[0], /href="#stage-01-data-eda">/);
    // Only notebooks present are listed.
    assert.doesNotMatch(panel[0], /08-evaluation|06-latent-space/);
    // Outside the panel (and the script/style assets) nothing simulated-only.
    const rest = html.replace(panel[0], "").replace(/<script[\s\S]*?<\/script>/g, "");
    const text = rest.replace(/<[^>]+>/g, " ");
    assert.doesNotMatch(
      text,
      SIMULATED_ONLY_WORDING,
      `found: ${SIMULATED_ONLY_WORDING.exec(text)?.[0]} in ...${text.slice(Math.max(0, (SIMULATED_ONLY_WORDING.exec(text)?.index ?? 0) - 80), (SIMULATED_ONLY_WORDING.exec(text)?.index ?? 0) + 40)}`,
    );
    assert.match(text, /documented market-wide event/);
    assert.ok(!result.warnings.some((w) => /simulated content/.test(w)), result.warnings.join("\n"));
  });

  test("a section that still speaks of simulated content on real data gives a build warning", async () => {
    const bad = realAnomalySection();
    bad.findings.push("On the synthetic market the 7 sectors are known (ground truth).");
    const { result } = await run("coingecko", [bad]);
    const w = result.warnings.find((x) => /simulated content/.test(x));
    assert.ok(w, result.warnings.join("\n"));
    assert.match(w, /Section 07-anomalies is built from real data \(coingecko\)/);
    assert.match(w, /synthetic market/);
  });

  test("on simulated data nothing is left out and nothing is warned", async () => {
    const { result, html } = await run("synthetic", [realAnomalySection()]);
    assert.doesNotMatch(html, /left-out/);
    assert.ok(!result.warnings.some((w) => /simulated content/.test(w)));
  });

  test("helpers: real data, the left-out list and the wording check", () => {
    assert.equal(isRealData(["binance"]), true);
    assert.equal(isRealData(["binance", "synthetic"]), false);
    assert.equal(isRealData([]), false, "unknown source: nothing is claimed left out");
    assert.deepEqual(
      leftOutOnRealData(["csv"], ["06-latent-space", "09-hpo"]).map((a) => a.notebook),
      ["06-latent-space"],
    );
    const s = realAnomalySection();
    assert.deepEqual(simulatedOnlyMentions(s), []);
    s.figures.push({ name: "x", caption: "UMAP coloured by the simulated market regime of the day." });
    assert.deepEqual(simulatedOnlyMentions(s), ["UMAP coloured by the simulated market regime of the day."]);
    // The credit-card section has its own data (a stand-in may be simulated and says so).
    assert.deepEqual(simulatedOnlyMentions({ ...s, notebook: "11-credit-card" }), []);
  });
});
