import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  cellText,
  formatDuration,
  formatTimestamp,
  inlineMarkup,
  namespaceSvgIds,
  slug,
  svgIsInert,
  svgSize,
} from "../../lib/report/markup";
import { listNotebookStems, validateSection } from "../../lib/report/load";

describe("inlineMarkup", () => {
  test("bold and code become tags, the rest is escaped", () => {
    assert.equal(inlineMarkup("MSE **0.01** in `fit()`"), "MSE <strong>0.01</strong> in <code>fit()</code>");
    assert.equal(inlineMarkup("<b>x</b> & 'y'"), "&lt;b&gt;x&lt;/b&gt; &amp; &#39;y&#39;");
    assert.equal(
      inlineMarkup("**<img src=x onerror=alert(1)>**"),
      "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>",
    );
    assert.equal(inlineMarkup("`<script>`"), "<code>&lt;script&gt;</code>");
  });

  test("markers inside code stay literal; unpaired markers stay text", () => {
    assert.equal(inlineMarkup("`a **b** c`"), "<code>a **b** c</code>");
    assert.equal(inlineMarkup("one ` backtick and ** stars"), "one ` backtick and ** stars");
    assert.equal(inlineMarkup(""), "");
  });
});

describe("value formatting", () => {
  test("cellText formats numbers, booleans and empty values", () => {
    assert.equal(cellText(1234567), "1,234,567");
    assert.equal(cellText(0.0123456), "0.01235");
    assert.equal(cellText(true), "yes");
    assert.equal(cellText(null), "—");
    assert.equal(cellText(""), "—");
    assert.equal(cellText(Number.NaN), "NaN");
    assert.equal(cellText("BTC"), "BTC");
  });

  test("formatDuration picks seconds, minutes or hours", () => {
    assert.equal(formatDuration(4.25), "4.3 s");
    assert.equal(formatDuration(42.4), "42 s");
    assert.equal(formatDuration(82), "1 min 22 s");
    assert.equal(formatDuration(3725), "1 h 02 min");
    assert.equal(formatDuration(-1), "—");
    assert.equal(formatDuration(Number.NaN), "—");
  });

  test("formatTimestamp shows UTC minutes and passes through what does not parse", () => {
    assert.equal(formatTimestamp("2024-06-07T10:01:30.000Z"), "2024-06-07 10:01 UTC");
    assert.equal(formatTimestamp("yesterday"), "yesterday");
  });

  test("slug", () => {
    assert.equal(slug("02-Train AE!"), "02-train-ae");
    assert.equal(slug("<>"), "section");
  });
});

describe("SVG checks", () => {
  const vegaLike = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="370" height="200" viewBox="0 0 370 200"><defs><clipPath id="clip1"><rect width="10" height="10"/></clipPath></defs><g clip-path="url(#clip1)"><path aria-label="s: &lt;img src=x onerror=alert(1)&gt;"/><use href="#clip1"/><text>id="clip1" onerror=1</text></g></svg>`;

  test("svgSize reads width and height, or the viewBox", () => {
    assert.deepEqual(svgSize(vegaLike), { width: 370, height: 200 });
    assert.deepEqual(svgSize(`<svg viewBox="0 0 50 40"></svg>`), { width: 50, height: 40 });
    assert.equal(svgSize("<div></div>"), null);
  });

  test("vega output with escaped data is inert; scripts, handlers and remote links are not", () => {
    assert.equal(svgIsInert(vegaLike), true);
    assert.equal(svgIsInert(`<svg><script>alert(1)</script></svg>`), false);
    assert.equal(svgIsInert(`<svg><rect onclick="alert(1)"/></svg>`), false);
    assert.equal(svgIsInert(`<svg><image href="https://example.org/a.png"/></svg>`), false);
    assert.equal(svgIsInert(`<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>`), false);
    assert.equal(svgIsInert(`<svg><rect style="fill:url(http://example.org/x)"/></svg>`), false);
    assert.equal(svgIsInert(`<svg><foreignObject><div/></foreignObject></svg>`), false);
  });

  test("namespaceSvgIds prefixes ids and their references inside tags only", () => {
    const out = namespaceSvgIds(vegaLike, "f3-");
    assert.ok(out.includes('<clipPath id="f3-clip1">'));
    assert.ok(out.includes('clip-path="url(#f3-clip1)"'));
    assert.ok(out.includes('<use href="#f3-clip1"/>'));
    assert.ok(out.includes('<text>id="clip1" onerror=1</text>'), "text content is untouched");
    assert.equal(namespaceSvgIds("<svg><g/></svg>", "x-"), "<svg><g/></svg>");
  });
});

describe("validateSection", () => {
  const good = {
    notebook: "02-train-ae",
    order: 2,
    title: "AE",
    headline: { mse: 0.1, ok: true, none: null },
    findings: ["a"],
    tables: [{ caption: "t", rows: [{ a: 1, b: "x" }] }],
    figures: [{ name: "loss", caption: "c" }],
  };

  test("accepts the contract", () => {
    assert.deepEqual(validateSection(good, "f.json"), good);
  });

  test("names the file and the field of a violation", () => {
    assert.throws(
      () => validateSection({ ...good, order: "2" }, "f.json"),
      /f\.json: field "order" must be a finite number/,
    );
    assert.throws(
      () => validateSection({ ...good, tables: [{ caption: "t", rows: [{ a: [1] }] }] }, "f.json"),
      /tables\[0\]\.rows\[0\]\.a/,
    );
    assert.throws(
      () => validateSection({ ...good, figures: [{ name: "", caption: "c" }] }, "f.json"),
      /figures\[0\]\.name/,
    );
    assert.throws(() => validateSection([], "f.json"), /\(root\)/);
  });
});

describe("listNotebookStems", () => {
  test("joins generated notebooks and their sources, in run order", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cae-nb-"));
    fs.mkdirSync(path.join(dir, "src"));
    for (const f of [
      "02-train-ae.ipynb",
      "01-data-eda.ipynb",
      "notes.ipynb",
      "src/01-data-eda.ts",
      "src/03-train-vae.ts",
      "src/helpers.ts",
    ])
      fs.writeFileSync(path.join(dir, f), "");
    assert.deepEqual(listNotebookStems(dir), ["01-data-eda", "02-train-ae", "03-train-vae"]);
    assert.deepEqual(listNotebookStems(path.join(dir, "absent")), []);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
