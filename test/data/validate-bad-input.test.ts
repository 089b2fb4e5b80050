/** Bad input, one test per case: a clear DataError (file, line, column) or a counted repair. */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError } from "../../lib/data/errors";
import { loadPanel } from "../../lib/data/load";
import { assertPanel, dayToIso } from "../../lib/data/panel";
import { isSafeTokenId } from "../../lib/data/raw";
import { accountedRows, formatValidationReport, type ValidationReport } from "../../lib/data/validate";
import { LONG_HEADER, tmpDir, tmpFile } from "./support";

const entry = (r: ValidationReport, check: string) => r.entries.find((e) => e.check === check);

/** Load a long CSV written from lines; checks the Panel contract and the row accounting. */
function loadLong(lines: string[], options = {}, name = "prices.csv") {
  const res = loadPanel("csv", tmpFile(name, lines.join("\n") + "\n"), options);
  assertPanel(res.panel);
  assert.equal(accountedRows(res.report), res.report.rowsRead);
  return res;
}

/** Assert `fn` throws a DataError and return it. */
function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a DataError");
}

describe("bad input", () => {
  test("empty file", () => {
    const e = dataError(() => loadPanel("csv", tmpFile("prices.csv", "")));
    assert.match(e.message, /^prices\.csv: the file is empty\./);
    assert.ok(e.file?.endsWith("prices.csv"));
    assert.equal(e.line, null);
  });

  test("header only", () => {
    const e = dataError(() => loadPanel("csv", tmpFile("prices.csv", `${LONG_HEADER}\n`)));
    assert.match(e.message, /^prices\.csv: has a header \(token,date,open,high,low,close,volume\) but no data rows\./);
  });

  test("missing column: the error lists expected and found columns", () => {
    const e = dataError(() => loadLong(["token,date,open,high,low,close", "a,2022-01-01,1,1,1,1"]));
    assert.equal(e.line, 1);
    assert.match(e.message, /missing column "volume"/);
    assert.match(
      e.message,
      /expects columns token, date, open, high, low, close, volume, \[market_cap\], \[symbol\], \[name\], \[sector\]/,
    );
    assert.match(e.message, /this file has: "token", "date", "open", "high", "low", "close"/);
  });

  test("misspelled column: did you mean", () => {
    const e = dataError(() => loadLong(["Token,Date,Open,High,Low,Clsoe,Volumne", "a,2022-01-01,1,1,1,1,1"]));
    assert.match(
      e.message,
      /missing columns "close" \(did you mean "Clsoe"\?\), "volume" \(did you mean "Volumne"\?\)/,
    );
  });

  test("misspelled column in a Kaggle file", () => {
    const f = tmpFile(
      "coin_X.csv",
      "SNo,Name,Symbol,Date,Hihg,Low,Open,Close,Volume,Marketcap\n1,X,X,2020-01-01 23:59:59,1,1,1,1,1,1\n",
    );
    const e = dataError(() => loadPanel("kaggle", f));
    assert.match(e.message, /^coin_X\.csv:1: missing column "high" \(did you mean "Hihg"\?\)/);
    assert.match(
      e.message,
      /Kaggle "Cryptocurrency Historical Prices" layout expects columns name, symbol, date, high/,
    );
  });

  test("non-numeric cell: file, line and column", () => {
    const e = dataError(() => loadLong([LONG_HEADER, "a,2022-01-01,1,1,1,1,1", "a,2022-01-02,1,1,1,abc,1"]));
    assert.equal(e.message, 'prices.csv:3: column "close": "abc" is not a number. Fix the value or remove the row.');
    assert.equal(e.line, 3);
    assert.equal(e.column, "close");
  });

  test("NaN and Infinity: rows dropped and counted", () => {
    const { panel, report } = loadLong([
      LONG_HEADER,
      "a,2022-01-01,1,1,1,1,1",
      "a,2022-01-02,NaN,1,1,1,1",
      "a,2022-01-03,1,Infinity,1,1,1",
      "a,2022-01-04,1,1,1,,1",
      "a,2022-01-05,1,1,1,1,inf",
      "a,2022-01-06,1,1,1,1,1",
    ]);
    assert.equal(panel.day.length, 2);
    assert.equal(entry(report, "non-finite price")?.count, 3);
    assert.equal(entry(report, "non-finite volume")?.count, 1);
    assert.deepEqual(
      entry(report, "non-finite price")!.examples.map((x) => x.split(" ")[0]),
      ["prices.csv:3", "prices.csv:4", "prices.csv:5"],
    );
    assert.equal(report.rowsRead, 6);
    assert.equal(report.rowsKept, 2);
  });

  test("negative or zero prices: rows dropped and counted", () => {
    const { panel, report } = loadLong([
      LONG_HEADER,
      "a,2022-01-01,1,1,1,1,1",
      "a,2022-01-02,0,1,1,1,1",
      "a,2022-01-03,1,1,-2,1,1",
      "a,2022-01-04,1,1,1,1,-3",
    ]);
    assert.equal(panel.day.length, 1);
    assert.equal(entry(report, "non-positive price")?.count, 2);
    assert.equal(entry(report, "negative volume")?.count, 1);
    assert.match(formatValidationReport(report), /\| rows dropped \| 3 \|/);
  });

  test("high < low: swapped, counted as a repair", () => {
    const { panel, report } = loadLong([LONG_HEADER, "a,2022-01-01,10,9,11,10.5,1"]);
    assert.equal(panel.high[0], 11);
    assert.equal(panel.low[0], 9);
    const e = entry(report, "high below low");
    assert.equal(e?.action, "repaired");
    assert.equal(e?.count, 1);
    assert.match(e!.examples[0]!, /^prices\.csv:2 a 2022-01-01: high=9 low=11/);
  });

  test("duplicate (token, day) with different values: DataError naming both lines", () => {
    const lines = [LONG_HEADER, "a,2022-01-01,1,1,1,1,1", "a,2022-01-02,2,2,2,2,1", "a,2022-01-01,1,1.5,1,1.5,1"];
    const e = dataError(() => loadLong(lines));
    assert.equal(e.line, 4);
    assert.match(
      e.message,
      /^prices\.csv:4: token "a" \(id a\) has two different rows for day 2022-01-01: this one and prices\.csv:2/,
    );
    const kept = loadLong(lines, { duplicates: "keep-last" });
    assert.equal(kept.panel.close[0], 1.5);
    assert.equal(entry(kept.report, "conflicting duplicates")?.count, 1);
  });

  test("unsorted rows: sorted and counted", () => {
    const { panel, report } = loadLong([
      LONG_HEADER,
      "b,2022-01-02,4,4,4,4,1",
      "a,2022-01-02,2,2,2,2,1",
      "b,2022-01-01,3,3,3,3,1",
      "a,2022-01-01,1,1,1,1,1",
    ]);
    assert.deepEqual(
      panel.tokens.map((t) => t.id),
      ["a", "b"],
    );
    assert.deepEqual([...panel.close], [1, 2, 3, 4]);
    assert.equal(entry(report, "unsorted rows")?.count, 2);
    assert.equal(entry(report, "unsorted rows")?.action, "info");
  });

  test("mixed date formats and time zones: converted to UTC days and reported", () => {
    const { panel, report } = loadLong([
      LONG_HEADER,
      "a,2022-01-01,1,1,1,1,1",
      "a,2022/01/02,2,2,2,2,1",
      "a,2022-01-04T00:30:00+02:00,3,3,3,3,1",
      "a,2022-01-04 12:00:00 UTC,4,4,4,4,1",
      "a,1641340800,5,5,5,5,1",
    ]);
    // 2022-01-04T00:30+02:00 is 2022-01-03T22:30Z: it belongs to 2022-01-03
    assert.deepEqual([...panel.day].map(dayToIso), [
      "2022-01-01",
      "2022-01-02",
      "2022-01-03",
      "2022-01-04",
      "2022-01-05",
    ]);
    assert.deepEqual([...panel.close], [1, 2, 3, 4, 5]);
    const mixed = entry(report, "mixed date formats");
    assert.equal(mixed?.action, "info");
    assert.equal(mixed?.count, 4);
    assert.equal(entry(report, "time zone offsets")?.count, 1);
    assert.match(entry(report, "time zone offsets")!.examples[0]!, /^prices\.csv:4 2022-01-04T00:30:00\+02:00$/);
  });

  test("unparseable date: file, line and column", () => {
    const e = dataError(() => loadLong([LONG_HEADER, "a,2022-01-01,1,1,1,1,1", "a,01/02/2022,1,1,1,1,1"]));
    assert.equal(e.line, 3);
    assert.equal(e.column, "date");
    assert.match(
      e.message,
      /^prices\.csv:3: column "date": "01\/02\/2022" is not a date\. Day-first and month-first dates .* are ambiguous/,
    );
  });

  test("timestamp unit mismatch: ms file with a seconds row", () => {
    const f = tmpFile(
      "BTCUSDT-1h-2022-01.csv",
      ["1640995200000,1,1,1,1,1,1640998799999,0,1,0,0,0", "1640998800,1,1,1,1,1,1641002399,0,1,0,0,0"].join("\n"),
    );
    const e = dataError(() => loadPanel("binance", f));
    assert.equal(e.line, 2);
    assert.equal(e.column, 1);
    assert.match(
      e.message,
      /1640998800 looks like epoch seconds but this file's first timestamp \(line 1\) is in milliseconds/,
    );
  });

  test("timestamp unit mismatch: microsecond row in a millisecond file", () => {
    const f = tmpFile(
      "SOLUSDT-1m-2025-01.csv",
      ["1735689600000,1,1,1,1,1,1735689659999,0,1,0,0,0", "1735689660000000,1,1,1,1,1,1735689719999999,0,1,0,0,0"].join(
        "\n",
      ),
    );
    const e = dataError(() => loadPanel("binance", f));
    assert.equal(e.line, 2);
    assert.match(
      e.message,
      /looks like epoch microseconds but this file's first timestamp \(line 1\) is in milliseconds.*switched from milliseconds to microseconds in 2025/,
    );
  });

  test("timestamp unit mismatch: close_time unit differs from open_time", () => {
    const f = tmpFile("ETHUSDT-1d-2025-01.csv", "1735689600000000,1,1,1,1,1,1735775999999,0,1,0,0,0\n");
    const e = dataError(() => loadPanel("binance", f));
    assert.equal(e.line, 1);
    assert.equal(e.column, 7);
    assert.match(e.message, /1735775999999 is in epoch milliseconds but this row's open time is in microseconds/);
  });

  test("timestamp unit mismatch: a number that is no epoch time", () => {
    const f = tmpFile("ETHUSDT-1d-2022-01.csv", "16409952,1,1,1,1,1,16410816,0,1,0,0,0\n");
    const e = dataError(() => loadPanel("binance", f));
    assert.match(e.message, /16409952 is not an epoch time in seconds, milliseconds or microseconds/);
  });

  test("token symbol with HTML or path characters: kept as data, id made safe", () => {
    const dir = tmpDir({
      "prices.csv":
        [
          LONG_HEADER,
          "../../etc/passwd,2022-01-01,1,1,1,1,1",
          '"<script>alert(""x"")</script>",2022-01-01,2,2,2,2,1',
        ].join("\n") + "\n",
    });
    const before = fs.readdirSync(dir).sort();
    const { panel, report } = loadPanel("csv", dir);
    assertPanel(panel);
    const symbols = panel.tokens.map((t) => t.symbol).sort();
    assert.deepEqual(symbols, ["../../etc/passwd", '<script>alert("x")</script>'].sort());
    for (const t of panel.tokens) {
      assert.ok(isSafeTokenId(t.id), t.id);
      assert.ok(!t.id.includes("/") && !t.id.includes("<") && !t.id.includes(".."), t.id);
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), before, "no file was created from a token name");
    assert.ok(!fs.existsSync(path.resolve(dir, "../../etc/passwd.csv")));
    assert.equal(entry(report, "token ids made safe")?.count, 2);
    const md = formatValidationReport(report);
    assert.ok(!md.includes("<script>"), "markdown escapes the symbol");
  });
});
