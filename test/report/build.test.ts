import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadConfig, type Config } from "../../lib/config";
import { buildReport, REPORT_TITLE, type BuildReportResult } from "../../lib/report/build";
import { VENDOR_SCRIPTS } from "../../lib/report/assets";
import { fakeRun, scratchDir as makeScratch, FAKE_NOTEBOOKS, RENDERED_FIGURES, XSS_SYMBOL } from "./fake-run";

const scratchDirs: string[] = [];
function scratchDir(): string {
  const dir = makeScratch();
  scratchDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const ESCAPED_XSS = "&lt;img src=x onerror=alert(1)&gt;";

/** Every src/href attribute value and CSS url() in a text. */
function references(text: string): string[] {
  const attrs = [...text.matchAll(/\s(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map(
    (m) => m[1] ?? m[2] ?? m[3]!,
  );
  const urls = [...text.matchAll(/url\(\s*["']?([^"')]*)/gi)].map((m) => m[1]!);
  const imports = [...text.matchAll(/@import\s+["']([^"']+)/gi)].map((m) => m[1]!);
  return [...attrs, ...urls, ...imports];
}

describe("buildReport on a fake run", () => {
  let config: Config;
  let result: BuildReportResult;
  let html: string;

  before(async () => {
    config = await fakeRun(scratchDir());
    result = buildReport(config, { notebooks: FAKE_NOTEBOOKS });
    html = fs.readFileSync(result.file, "utf8");
  });

  test("writes index.html with the title and every section title, in order", () => {
    assert.equal(result.file, path.join(config.paths.report, "index.html"));
    assert.equal(result.sections, 3);
    assert.ok(html.includes(`<title>${REPORT_TITLE}</title>`));
    const titles = [
      "Data: a validated token panel",
      "Dense autoencoder (AE) &amp; PCA baseline",
      "Variational autoencoder (VAE)",
    ];
    const positions = titles.map((t) => html.indexOf(`<h2>${t}</h2>`));
    assert.ok(
      positions.every((p) => p > 0),
      `section titles missing: ${positions}`,
    );
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
    );
  });

  test("links each section to its notebook HTML when it exists", () => {
    assert.ok(html.includes('href="notebooks/01-data-eda.html"'));
    assert.ok(html.includes('href="notebooks/02-train-ae.html"'));
    assert.ok(!html.includes('href="notebooks/03-train-vae.html"'), "03 has no HTML export, so no link");
  });

  test("header shows data, backend, profile, seed, code version, run date and total duration from the artifacts", () => {
    const header = html.slice(html.indexOf('<header class="masthead">'), html.indexOf("</header>"));
    for (const fact of [
      "synthetic",
      "wasm",
      "ci",
      "20240607",
      "abc1234",
      "2024-06-07 10:01 UTC",
      "10,080",
      "Validation summary",
    ]) {
      assert.ok(header.includes(fact), `header lacks ${fact}`);
    }
    // 5 + 32 + 45 s from the run log (it wins over the manifests' 4.2 + 31.5 + 44.25 s).
    assert.ok(header.includes("1 min 22 s <small>3 notebooks</small>"), header);
  });

  test("headline numbers become stat cards, formatted", () => {
    assert.ok(html.includes('<div class="stat-value">0.01235</div><div class="stat-label">validation MSE</div>'));
    assert.ok(html.includes('<div class="stat-value">yes</div><div class="stat-label">early stopped</div>'));
    assert.ok(html.includes('<div class="stat-value">10,080</div>'));
  });

  test("findings keep **bold** and `code`, escape everything else", () => {
    assert.ok(html.includes("The panel holds <strong>24 tokens</strong>"));
    assert.ok(html.includes("<code>validation.drops</code>"));
    assert.ok(html.includes("<code>**literal**</code>"));
    assert.ok(html.includes(`Token ${ESCAPED_XSS} has the widest`));
  });

  test("an HTML-injection symbol shows as text everywhere, never as a tag", () => {
    assert.ok(!html.includes(XSS_SYMBOL), "raw tag found in the page");
    assert.ok(!/<img[^>]*onerror/i.test(html));
    const occurrences = html.split(ESCAPED_XSS).length - 1;
    // headline card, finding, validation table (header and section), figure SVG text.
    assert.ok(occurrences >= 5, `escaped symbol seen ${occurrences} times`);
    assert.ok(html.includes("(&lt;b&gt;synthetic&lt;/b&gt; market)"), "figure captions are escaped");
    // In the embedded specs the symbol is JSON with < and > as unicode escapes.
    assert.ok(html.includes("\\u003cimg src=x onerror=alert(1)\\u003e"));
  });

  test("renders tables through tableHtml", () => {
    assert.ok(html.includes("<caption>Reconstruction error by split</caption>"));
    assert.ok(html.includes('<td class="num">0.01235</td>'));
  });

  test("copies the vega browser builds and its own assets, without source-map comments", () => {
    const assets = path.join(config.paths.report, "assets");
    for (const { file } of VENDOR_SCRIPTS) {
      const f = path.join(assets, path.basename(file));
      const text = fs.readFileSync(f, "utf8");
      assert.ok(text.length > 10_000, `${f} looks truncated`);
      assert.ok(!text.includes("sourceMappingURL"), `${f} still names a source map`);
      assert.ok(html.includes(`<script src="assets/${path.basename(file)}"></script>`));
    }
    assert.ok(fs.existsSync(path.join(assets, "report.css")));
    assert.ok(fs.existsSync(path.join(assets, "report.js")));
    assert.ok(
      html.indexOf("vega.min.js") < html.indexOf("vega-lite.min.js") &&
        html.indexOf("vega-lite.min.js") < html.indexOf("vega-embed.min.js"),
      "load order",
    );
  });

  test("copies the figures it uses and inlines their SVG with a spec for vega-embed", () => {
    assert.equal(result.figures, RENDERED_FIGURES.length);
    for (const stem of RENDERED_FIGURES) {
      assert.ok(fs.existsSync(path.join(config.paths.report, "figures", `${stem}.svg`)), `${stem}.svg not copied`);
      assert.ok(fs.existsSync(path.join(config.paths.report, "figures", `${stem}.png`)), `${stem}.png not copied`);
    }
    assert.equal((html.match(/<div class="chart-static" role="img"[^>]*><svg/g) ?? []).length, RENDERED_FIGURES.length);
    assert.equal(
      (html.match(/<script type="application\/json" id="spec-\d+">/g) ?? []).length,
      RENDERED_FIGURES.length,
    );
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(new Set(ids).size, ids.length, "element ids must be unique across inlined SVGs");
  });

  test("references nothing remote: every src, href, url() and @import is relative", () => {
    const css = fs.readFileSync(path.join(config.paths.report, "assets", "report.css"), "utf8");
    const js = fs.readFileSync(path.join(config.paths.report, "assets", "report.js"), "utf8");
    const refs = [...references(html), ...references(css)];
    assert.ok(refs.length > 10);
    const remote = refs.filter(
      (r) => /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(r.trim()) || /^(?:https?|ftp|ws|wss):/i.test(r.trim()),
    );
    assert.deepEqual(remote, []);
    assert.ok(!/https?:\/\//.test(js), "report.js names a URL");
    for (const tag of html.match(/<(?:script|link)\b[^>]*>/gi) ?? [])
      assert.ok(!/\/\//.test(tag.replace(/type="[^"]*"/, "")), `remote tag: ${tag}`);
    assert.ok(html.includes("connect-src &#39;none&#39;"), "CSP forbids connections");
  });

  test("lists notebooks that have not run or failed, and warns about them and the missing figure", () => {
    const panel = html.slice(html.indexOf('id="not-run"'));
    assert.ok(panel.includes("<code>05-train-conv1d-ae</code>"));
    assert.ok(panel.includes("has not run yet"));
    assert.ok(panel.includes("<code>04-train-dae</code>"));
    assert.ok(panel.includes("its last run failed"));
    assert.ok(panel.includes('href="notebooks/04-train-dae.html"'), "failed notebook links to its partial output");
    assert.deepEqual(
      result.missing.map((m) => [m.notebook, m.status]),
      [
        ["04-train-dae", "failed"],
        ["05-train-conv1d-ae", "not-run"],
      ],
    );
    assert.ok(result.warnings.some((w) => w.includes("05-train-conv1d-ae") && w.includes("have not run")));
    assert.ok(result.warnings.some((w) => w.includes("04-train-dae") && w.includes("failed")));
    assert.ok(result.warnings.some((w) => w.includes("vae-never-saved")));
    assert.ok(html.includes("Figure <code>vae-never-saved</code> was not found"));
  });

  test("a rebuild replaces stale copied figures", () => {
    const stale = path.join(config.paths.report, "figures", "stale.png");
    fs.writeFileSync(stale, "old");
    buildReport(config, { notebooks: FAKE_NOTEBOOKS });
    assert.ok(!fs.existsSync(stale));
  });

  test("an SVG over the inline limit is shown as its PNG and rendered on canvas", () => {
    const small = buildReport(config, { notebooks: FAKE_NOTEBOOKS, inlineSvgMaxBytes: 100 });
    const page = fs.readFileSync(small.file, "utf8");
    assert.equal((page.match(/<svg/g) ?? []).length, 0);
    for (const stem of RENDERED_FIGURES)
      assert.ok(page.includes(`<img src="figures/${stem}.png"`), `${stem} not shown as PNG`);
    assert.equal((page.match(/data-renderer="canvas"/g) ?? []).length, RENDERED_FIGURES.length);
    buildReport(config, { notebooks: FAKE_NOTEBOOKS });
  });
});

describe("buildReport edge cases", () => {
  test("with no artifacts it still builds and lists every notebook as not run", () => {
    const config = loadConfig({ CAE_OUT: scratchDir(), CAE_PROFILE: "ci" });
    const result = buildReport(config, { notebooks: ["01-data-eda", "02-train-ae"] });
    const html = fs.readFileSync(result.file, "utf8");
    assert.equal(result.sections, 0);
    assert.equal(result.figures, 0);
    assert.ok(result.warnings.some((w) => w.includes("No report sections")));
    assert.ok(html.includes("<code>01-data-eda</code>") && html.includes("<code>02-train-ae</code>"));
    assert.ok(html.includes("not recorded"));
  });

  test("a malformed section fails naming the file and the field", () => {
    const config = loadConfig({ CAE_OUT: scratchDir(), CAE_PROFILE: "ci" });
    fs.mkdirSync(config.paths.processed, { recursive: true });
    const file = path.join(config.paths.processed, "report-07-anomalies.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        notebook: "07-anomalies",
        order: 7,
        title: "Anomalies",
        headline: {},
        findings: "not a list",
        tables: [],
        figures: [],
      }),
    );
    assert.throws(
      () => buildReport(config, { notebooks: [] }),
      (err: Error) => err.message.includes(file) && err.message.includes('"findings"'),
    );
    fs.writeFileSync(
      file,
      JSON.stringify({
        notebook: "07-anomalies",
        order: 7,
        title: "Anomalies",
        headline: { bad: { nested: 1 } },
        findings: [],
        tables: [],
        figures: [],
      }),
    );
    assert.throws(() => buildReport(config, { notebooks: [] }), /headline\.bad/);
  });

  test("a run with training capped by CAE_MAX_EPOCHS says so in the header and in a warning", async () => {
    const config = await fakeRun(scratchDir());
    const m = path.join(config.paths.processed, "manifest-03-train-vae.json");
    fs.writeFileSync(m, JSON.stringify({ ...JSON.parse(fs.readFileSync(m, "utf8")), epochCap: 2 }));
    const result = buildReport(config, { notebooks: FAKE_NOTEBOOKS });
    assert.ok(
      result.warnings.some((w) => /capped at 2 epoch\(s\) \(CAE_MAX_EPOCHS\).*not real results/.test(w)),
      result.warnings.join("\n"),
    );
    assert.match(fs.readFileSync(result.file, "utf8"), /<dt>Training<\/dt><dd><b>capped at 2 epoch\(s\)/);
  });

  test("sections from runs with different profiles give a warning", async () => {
    const config = await fakeRun(scratchDir());
    const m = path.join(config.paths.processed, "manifest-03-train-vae.json");
    fs.writeFileSync(m, JSON.stringify({ ...JSON.parse(fs.readFileSync(m, "utf8")), profile: "default" }));
    const result = buildReport(config, { notebooks: FAKE_NOTEBOOKS });
    assert.ok(
      result.warnings.some((w) => w.includes("different profiles (ci, default)")),
      result.warnings.join("\n"),
    );
  });
});
