/**
 * The report in a real browser: opened from disk (file://) in headless Chromium, it must
 * render every figure interactively with no console error, no failed request and no
 * request leaving the report folder; without JavaScript the static figures must show.
 *
 * By default it builds a report from a small fake run in a scratch folder. With
 * CAE_REPORT_DIR=<folder holding index.html> it checks that report instead (e.g. the real
 * one after `npm start`). Chromium: CAE_CHROMIUM or /usr/bin/chromium. Without it the test
 * is skipped with a message only outside CI when CAE_SKIP_BROWSER=1 was asked for; under
 * CI=true, or when nobody asked to skip, a missing Chromium fails the test (the test command
 * installs it, so a missing one means a broken set-up, not a reason to pass). A screenshot of the first screen is saved as
 * <report>/screenshot.png.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { buildReport } from "../../lib/report/build";
import { fakeRun, scratchDir, FAKE_NOTEBOOKS, RENDERED_FIGURES, XSS_SYMBOL } from "../report/fake-run";

const CHROMIUM = process.env.CAE_CHROMIUM || "/usr/bin/chromium";
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const MAY_SKIP = process.env.CAE_SKIP_BROWSER === "1" && process.env.CI !== "true";
const NO_CHROMIUM = `no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CAE_CHROMIUM`;
const SKIP = HAVE_CHROMIUM || !MAY_SKIP ? false : `${NO_CHROMIUM} (CAE_SKIP_BROWSER=1)`;

/** Flags for a quiet, isolated headless Chromium (no sandbox in containers, no background traffic). */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Time for all charts of a report to finish rendering (a real report has dozens of them). */
const RENDER_TIMEOUT_MS = 60_000;

/** The first screen of the screenshot. */
const VIEWPORT = { width: 1280, height: 900 };

/** URL schemes that stay on this machine and inside the page. */
const LOCAL_URL = /^(?:file:|data:|blob:|about:)/;

interface PageLog {
  consoleErrors: string[];
  pageErrors: string[];
  failed: string[];
  requests: string[];
  dialogs: string[];
}

async function openPage(
  userDataDir: string,
  javaScriptEnabled: boolean,
): Promise<{ context: BrowserContext; page: Page; log: PageLog }> {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: VIEWPORT,
    javaScriptEnabled,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const log: PageLog = { consoleErrors: [], pageErrors: [], failed: [], requests: [], dialogs: [] };
  page.on("console", (m) => {
    if (m.type() === "error") log.consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => log.pageErrors.push(e.message));
  page.on("requestfailed", (r) => log.failed.push(`${r.url()} (${r.failure()?.errorText ?? "failed"})`));
  page.on("request", (r) => log.requests.push(r.url()));
  page.on("dialog", (d) => {
    log.dialogs.push(d.message());
    void d.dismiss();
  });
  return { context, page, log };
}

describe("report in headless Chromium", { skip: SKIP }, () => {
  let reportDir = "";
  let fake = false;
  const cleanup: string[] = [];

  before(async () => {
    assert.ok(HAVE_CHROMIUM, `${NO_CHROMIUM}. The browser test is never skipped under CI=true.`);
    if (process.env.CAE_REPORT_DIR) {
      reportDir = path.resolve(process.env.CAE_REPORT_DIR);
      assert.ok(
        fs.existsSync(path.join(reportDir, "index.html")),
        `CAE_REPORT_DIR=${reportDir} has no index.html: build it first (npm run report).`,
      );
    } else {
      const out = scratchDir("cae-report-e2e-");
      cleanup.push(out);
      const config = await fakeRun(out);
      reportDir = config.paths.report;
      buildReport(config, { notebooks: FAKE_NOTEBOOKS });
      fake = true;
    }
  });

  after(() => {
    for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("renders every figure interactively, offline, without errors", async () => {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "cae-chromium-"));
    cleanup.push(userDataDir);
    const { context, page, log } = await openPage(userDataDir, true);
    try {
      await page.goto(pathToFileURL(path.join(reportDir, "index.html")).href, { waitUntil: "load" });
      const nCharts = await page.locator(".chart[data-spec]").count();
      // Evaluated in the page (a string: this project compiles without the DOM library).
      await page.waitForFunction(
        `[...document.querySelectorAll(".chart[data-spec]")].every((c) => c.classList.contains("is-live") || c.classList.contains("is-static"))`,
        null,
        { timeout: RENDER_TIMEOUT_MS },
      );
      await page.screenshot({ path: path.join(reportDir, "screenshot.png") });

      const figures = await page.$$eval("figure.figure", (els) =>
        els.map((el) => {
          const box = el.getBoundingClientRect();
          const chart = el.querySelector(".chart");
          const live = chart?.querySelector(".chart-live svg, .chart-live canvas");
          const liveBox = live?.getBoundingClientRect();
          return {
            id: el.id,
            missing: el.classList.contains("missing"),
            hasSpec: chart?.hasAttribute("data-spec") ?? false,
            isLive: chart?.classList.contains("is-live") ?? false,
            staticLeft: !!chart?.querySelector(".chart-static"),
            width: box.width,
            height: box.height,
            liveWidth: liveBox?.width ?? 0,
            liveHeight: liveBox?.height ?? 0,
          };
        }),
      );
      const rendered = figures.filter((f) => !f.missing);
      assert.ok(rendered.length > 0, "the report has no figures");
      assert.equal(rendered.filter((f) => f.hasSpec).length, nCharts);
      if (fake) assert.equal(rendered.length, RENDERED_FIGURES.length);
      for (const f of rendered) {
        assert.ok(f.width > 0 && f.height > 0, `figure ${f.id} has no size`);
        if (!f.hasSpec) continue;
        assert.ok(f.isLive, `figure ${f.id}: vega-embed did not render (static fallback kept)`);
        assert.ok(!f.staticLeft, `figure ${f.id}: the static fallback was not replaced`);
        assert.ok(
          f.liveWidth > 50 && f.liveHeight > 50,
          `figure ${f.id}: interactive chart is ${f.liveWidth}x${f.liveHeight}`,
        );
      }

      if (fake) {
        // Hover a point whose token symbol is an HTML-injection attempt: the tooltip shows it as text.
        const point = page.locator(`.chart-live .mark-symbol path[aria-label*="onerror"]`).first();
        await point.scrollIntoViewIfNeeded();
        const box = await point.boundingBox();
        assert.ok(box, "no chart point carries the injected symbol");
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        const tooltip = page.locator("#vg-tooltip-element");
        await tooltip.waitFor({ state: "visible", timeout: 5_000 });
        assert.ok((await tooltip.innerText()).includes(XSS_SYMBOL), "tooltip shows the symbol as text");
        assert.equal(await tooltip.locator("img").count(), 0, "tooltip must not contain an <img> element");
      }
      assert.equal(await page.locator("img[onerror]").count(), 0);

      assert.deepEqual(log.consoleErrors, [], "console errors");
      assert.deepEqual(log.pageErrors, [], "uncaught page errors");
      assert.deepEqual(log.failed, [], "failed requests");
      assert.deepEqual(log.dialogs, [], "a dialog opened: injected script ran");
      assert.ok(
        log.requests.length >= 4,
        `expected the page and its assets to load, saw ${log.requests.length} requests`,
      );
      assert.deepEqual(
        log.requests.filter((u) => !LOCAL_URL.test(u)),
        [],
        "requests left the report folder",
      );
      const outside = log.requests.filter(
        (u) => u.startsWith("file:") && !decodeURIComponent(new URL(u).pathname).startsWith(reportDir),
      );
      assert.deepEqual(outside, [], "file requests outside the report folder (not portable)");
      assert.ok(fs.statSync(path.join(reportDir, "screenshot.png")).size > 10_000, "screenshot looks empty");
    } finally {
      await context.close();
    }
  });

  test("without JavaScript the static figures show", async () => {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "cae-chromium-"));
    cleanup.push(userDataDir);
    const { context, page, log } = await openPage(userDataDir, false);
    try {
      await page.goto(pathToFileURL(path.join(reportDir, "index.html")).href, { waitUntil: "load" });
      const sizes = await page.$$eval("figure.figure:not(.missing) .chart-static", (els) =>
        els.map((el) => {
          const img = el.querySelector("svg, img");
          const box = img?.getBoundingClientRect();
          const image = img as unknown as { tagName: string; complete?: boolean; naturalWidth?: number } | null;
          const loaded = image?.tagName === "IMG" ? !!image.complete && (image.naturalWidth ?? 0) > 0 : !!image;
          return { width: box?.width ?? 0, height: box?.height ?? 0, loaded };
        }),
      );
      assert.ok(sizes.length > 0, "no static figures");
      if (fake) assert.equal(sizes.length, RENDERED_FIGURES.length);
      for (const [i, s] of sizes.entries()) {
        assert.ok(s.width > 50 && s.height > 50, `static figure ${i} is ${s.width}x${s.height}`);
        assert.ok(s.loaded, `static image ${i} did not load`);
      }
      assert.equal(await page.locator(".chart-live").count(), 0);
      assert.deepEqual(log.failed, [], "failed requests");
      assert.deepEqual(
        log.requests.filter((u) => !LOCAL_URL.test(u)),
        [],
        "requests left the report folder",
      );
    } finally {
      await context.close();
    }
  });
});
