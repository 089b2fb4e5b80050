/**
 * Hostile inputs (hostile-corpus.ts): every case ends at once with a DataError that says
 * where and what, or with a Panel whose report counts the repair. Never a hang, a raw Node
 * error, a stack overflow, an unbounded message or a non-finite value in a Panel or a
 * feature matrix. Then one test per stated limit of lib/data/limits.ts.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { loadCreditCard } from "../../lib/data/creditcard";
import { DataError } from "../../lib/data/errors";
import { loadPanel } from "../../lib/data/load";
import { assertPanel } from "../../lib/data/panel";
import { accountedRows, formatValidationReport, type ValidationReport } from "../../lib/data/validate";
import { buildFeatures, featureCatalogue } from "../../lib/features/features";
import {
  MAX_EXAMPLE_CHARS,
  MAX_JSON_DEPTH,
  MAX_LINE_BYTES,
  MAX_MESSAGE_CHARS,
  MAX_TOKEN_TEXT_CHARS,
  MIN_PLAUSIBLE_TIME_MS,
  clipMiddle,
  describeJsonValue,
  jsonNestingDepth,
} from "../../lib/data/limits";
import { HOSTILE_CASES, caseDir, corpusRoot, dailyRows, isoDay, type HostileCase } from "./hostile-corpus";
import { tmpFile } from "./support";

/** A case must finish within this (the slowest, a 5 MB file, takes ~50 ms). */
const CASE_BUDGET_MS = 2000;

/** Longest whole message: location prefix (file name and column, each bounded) + bounded detail. */
const MAX_WHOLE_MESSAGE = MAX_MESSAGE_CHARS + 400;

/** Feature windows short enough for 10-30 day histories of one token. */
const SHORT_WINDOWS = {
  returnHorizons: [1, 2],
  volatilityWindows: [3],
  zScoreWindow: 3,
  maWindow: 3,
  marketWindow: 3,
  drawdownWindow: 3,
  minMarketTokens: 1,
};
/** The features that do not need other tokens (most corpus cases hold one token). */
const OWN_FEATURES = featureCatalogue(SHORT_WINDOWS)
  .filter((f) => !f.market)
  .map((f) => f.name);

function runCase(c: HostileCase, target: string): ValidationReport | null {
  if (c.source === "creditcard") {
    const d = loadCreditCard(target);
    for (const v of d.features.data) assert.ok(Number.isFinite(v), "non-finite credit-card feature");
    return null;
  }
  const { panel, report } = loadPanel(c.source, target, c.options ?? {});
  assertPanel(panel);
  for (const v of panel.close) assert.ok(Number.isFinite(v), "non-finite close in the Panel");
  // Price-only and close-only layouts leave open/high/low (and volume) unknown: NaN, never infinite.
  for (const col of [panel.open, panel.high, panel.low, panel.volume])
    for (const v of col) assert.ok(Number.isNaN(v) || Number.isFinite(v), "infinite value in the Panel");
  for (const v of panel.marketCap) assert.ok(Number.isNaN(v) || Number.isFinite(v), "infinite market cap");
  assert.equal(accountedRows(report), report.rowsRead, "every row read is kept, merged or counted as dropped");
  for (const e of report.entries)
    for (const x of e.examples) assert.ok(x.length <= MAX_EXAMPLE_CHARS + 60, "bounded example");
  assert.ok(formatValidationReport(report).length < 50_000, "bounded report");
  // Short windows so that the corpus's short histories give feature rows.
  let features: ReturnType<typeof buildFeatures> | null = null;
  try {
    features = buildFeatures(panel, { ...SHORT_WINDOWS, features: OWN_FEATURES });
  } catch (e) {
    if (!/No feature row survives/.test((e as Error).message)) throw e;
  }
  if (features)
    for (const v of features.X.data.subarray(0, features.X.rows * features.X.cols))
      assert.ok(Number.isFinite(v), "non-finite value in the feature matrix");
  return report;
}

describe("hostile input corpus", () => {
  const root = corpusRoot();
  test("the corpus has at least 60 cases over the issue's classes", () => {
    assert.ok(HOSTILE_CASES.length >= 60, `${HOSTILE_CASES.length} cases`);
    const kinds = new Set(HOSTILE_CASES.map((c) => c.kind));
    for (const k of [
      "non-finite sums",
      "absurd magnitudes",
      "implausible dates",
      "non-regular entries",
      "deep JSON",
      "cost bombs",
      "silent merges",
      "misleading errors",
      "credit card",
    ])
      assert.ok(kinds.has(k), `class ${k}`);
  });
  HOSTILE_CASES.forEach((c, k) => {
    test(`${c.kind}: ${c.name}`, (t) => {
      const target = c.build(caseDir(root, k));
      if (target === null) {
        t.skip("needs mkfifo or /dev/null");
        return;
      }
      const t0 = performance.now();
      let report: ValidationReport | null = null;
      let error: unknown = null;
      try {
        report = runCase(c, target);
      } catch (e) {
        error = e;
      }
      const ms = performance.now() - t0;
      assert.ok(ms < CASE_BUDGET_MS, `took ${ms.toFixed(0)} ms`);
      if (error !== null && !(error instanceof DataError)) throw error; // a raw Node error, RangeError or assertion
      if ("error" in c.expect) {
        assert.ok(error instanceof DataError, `expected a DataError, the load succeeded`);
        const e = error as DataError;
        assert.match(e.message, c.expect.error);
        assert.ok(e.message.length <= MAX_WHOLE_MESSAGE, `message of ${e.message.length} characters`);
        assert.ok(!/\n\s+at /.test(e.message), "no stack trace in the message");
        if (c.expect.line !== undefined) assert.equal(e.line, c.expect.line);
        if (c.expect.column !== undefined) assert.equal(e.column, c.expect.column);
      } else {
        if (error) throw error;
        c.expect.ok(report);
      }
    });
  });
});

describe("stated limits", () => {
  test(`line length: a line of MAX_LINE_BYTES (${MAX_LINE_BYTES}) loads, one byte more is refused`, () => {
    const header = "token,date,open,high,low,close,volume,name";
    const row = (len: number) => {
      const base = `${dailyRows("a", 1)[0]!},`;
      return base + "n".repeat(len - base.length);
    };
    const ok = loadPanel("csv", tmpFile("p.csv", `${header}\n${row(MAX_LINE_BYTES)}\n`));
    assert.equal(ok.report.rowsKept, 1);
    assert.throws(
      () => loadPanel("csv", tmpFile("p.csv", `${header}\n${row(MAX_LINE_BYTES + 1)}\n`)),
      (e: unknown) => e instanceof DataError && e.line === 2 && /longer than 65536 bytes/.test(e.message),
    );
  });

  test(`message length: details are cut to MAX_MESSAGE_CHARS (${MAX_MESSAGE_CHARS}), start and end kept`, () => {
    const e = new DataError("f.csv", 3, "x".repeat(10_000), `start ${"y".repeat(100_000)} end`);
    assert.ok(e.detail.length <= MAX_MESSAGE_CHARS + 40);
    assert.ok(e.message.length <= MAX_WHOLE_MESSAGE);
    assert.match(e.detail, /^start y+ \[\.\.\. \d+ characters cut \.\.\.\] y+ end$/);
    assert.equal(clipMiddle("short", 10), "short");
  });

  test(`nesting depth: MAX_JSON_DEPTH (${MAX_JSON_DEPTH}) levels parse, one more is refused`, () => {
    assert.equal(jsonNestingDepth("[[[]]]", 16), 3);
    assert.equal(jsonNestingDepth('["[[[[", {"a": "}}}"}]', 16), 2);
    assert.equal(jsonNestingDepth("[".repeat(1e6), 16), 17, "stops at the limit");
    const doc = (depth: number) =>
      `[[1640995200000,${"[".repeat(depth - 2)}1${"]".repeat(depth - 2)},"1","1","1","1"]]`;
    assert.throws(
      () => loadPanel("binance", tmpFile("X-1h.json", doc(MAX_JSON_DEPTH))),
      (e: unknown) => e instanceof DataError && /is not a number/.test(e.message),
    );
    assert.throws(
      () => loadPanel("binance", tmpFile("X-1h.json", doc(MAX_JSON_DEPTH + 1))),
      (e: unknown) => e instanceof DataError && /more than 16 levels/.test(e.message),
    );
    assert.equal(describeJsonValue(JSON.parse(`${"[".repeat(500)}${"]".repeat(500)}`)), "[[[...]]]");
  });

  test("plausible dates: 2009-01-03 is kept, 2009-01-02 and the day after tomorrow + 1 are dropped", () => {
    const first = new Date(MIN_PLAUSIBLE_TIME_MS).toISOString().slice(0, 10);
    assert.equal(first, "2009-01-03");
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const header = "token,date,open,high,low,close,volume";
    const { panel, report } = loadPanel(
      "csv",
      tmpFile(
        "p.csv",
        [
          header,
          "a,2009-01-02,1,1,1,1,1",
          "a,2009-01-03,1,1,1,1,1",
          "a,2009-01-04,1,1,1,1,1",
          `a,${future},1,1,1,1,1`,
        ].join("\n"),
      ),
    );
    assert.equal(panel.day.length, 2);
    assert.equal(report.firstDay, "2009-01-03");
    assert.equal(report.entries.find((e) => e.check === "implausible date")?.count, 2);
  });

  test("plausible magnitudes: 1e-12 and 1e12 prices and a 1e20 volume are kept, beyond them dropped", () => {
    const header = "token,date,open,high,low,close,volume";
    const rows = [
      `a,${isoDay(0)},1e-12,1e-12,1e-12,1e-12,1e20`,
      `a,${isoDay(1)},1e12,1e12,1e12,1e12,1`,
      `a,${isoDay(2)},9e-13,1,1,1,1`,
      `a,${isoDay(3)},1,1.1e12,1,1,1`,
      `a,${isoDay(4)},1,1,1,1,1.1e20`,
    ];
    const { panel, report } = loadPanel("csv", tmpFile("p.csv", [header, ...rows].join("\n")));
    assert.equal(panel.day.length, 2);
    assert.equal(report.entries.find((e) => e.check === "implausible magnitude")?.count, 3);
  });

  test(`token text: symbols and names are cut to MAX_TOKEN_TEXT_CHARS (${MAX_TOKEN_TEXT_CHARS})`, () => {
    const long = "S".repeat(5000);
    const { panel } = loadPanel(
      "csv",
      tmpFile(
        "p.csv",
        ["token,date,open,high,low,close,volume,name", ...dailyRows("t", 3).map((r) => `${r},${long}`)].join("\n"),
      ),
    );
    assert.equal(panel.tokens[0]!.name.length, MAX_TOKEN_TEXT_CHARS);
  });
});
