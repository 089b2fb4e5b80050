import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError } from "../../lib/data/errors";
import { loadBinance, parseBinanceFileName } from "../../lib/data/loaders/binance";
import { assertPanel, dayToIso, tokenRanges, type Panel } from "../../lib/data/panel";
import { accountedRows, type ValidationReport } from "../../lib/data/validate";
import { FIXTURES, tmpFile } from "./support";

const DIR = path.join(FIXTURES, "binance");
const entry = (r: ValidationReport, check: string) => r.entries.find((e) => e.check === check);

function rowsOf(panel: Panel, id: string): { day: string; o: number; h: number; l: number; c: number; v: number }[] {
  const t = panel.tokens.findIndex((x) => x.id === id);
  assert.ok(t >= 0, `token ${id}`);
  const { start, end } = tokenRanges(panel);
  const out = [];
  for (let i = start[t]!; i < end[t]!; i++)
    out.push({
      day: dayToIso(panel.day[i]!),
      o: panel.open[i]!,
      h: panel.high[i]!,
      l: panel.low[i]!,
      c: panel.close[i]!,
      v: panel.volume[i]!,
    });
  return out;
}

describe("Binance loader", () => {
  test("file names give symbol and interval", () => {
    assert.deepEqual(parseBinanceFileName("/x/BTCUSDT-1h-2022-01.csv"), {
      symbol: "BTCUSDT",
      intervalMs: 3_600_000,
      intervalText: "1h",
    });
    assert.equal(parseBinanceFileName("ADABTC-1m-2021-11-27.csv").intervalMs, 60_000);
    assert.equal(parseBinanceFileName("AVAXUSDT.csv").symbol, null);
  });

  test("hourly bulk file with header: aggregated to UTC days, incomplete day flagged", () => {
    const { panel, report } = loadBinance(path.join(DIR, "BTCUSDT-1h-2022-01.csv"));
    assertPanel(panel);
    assert.deepEqual(panel.tokens, [
      { id: "BTCUSDT", symbol: "BTCUSDT", name: "BTCUSDT", sector: "layer-1", tokenClass: "market" },
    ]);
    // bars k = 0..29: open 100+k, high 102+k, low 99+k, close 101+k, volume 10+k
    assert.deepEqual(rowsOf(panel, "BTCUSDT"), [
      { day: "2022-01-01", o: 100, h: 125, l: 99, c: 124, v: 516 },
      { day: "2022-01-02", o: 124, h: 131, l: 123, c: 130, v: 219 },
    ]);
    assert.equal(report.rowsRead, 30);
    assert.equal(report.rowsKept, 2);
    assert.equal(report.rowsMerged, 28);
    assert.equal(accountedRows(report), 30);
    assert.match(entry(report, "intraday aggregation")!.detail, /^30 intraday bars made 2 daily rows/);
    const inc = entry(report, "incomplete days");
    assert.equal(inc?.count, 1);
    assert.match(inc!.examples[0]!, /BTCUSDT 2022-01-02: 6 of 24 bars \(BTCUSDT-1h-2022-01\.csv:26\)/);
  });

  test("daily klines without header stay daily", () => {
    const { panel, report } = loadBinance(path.join(DIR, "ETHUSDT-1d-2022-01.csv"));
    assert.deepEqual(rowsOf(panel, "ETHUSDT")[0], {
      day: "2022-01-01",
      o: 3676.22,
      h: 3780,
      l: 3676.22,
      c: 3765.54,
      v: 75000.1,
    });
    assert.equal(panel.day.length, 3);
    assert.equal(report.rowsMerged, 0);
    assert.equal(entry(report, "intraday aggregation"), undefined);
  });

  test("microsecond timestamps (2025 spot files) and CRLF", () => {
    const { panel, report } = loadBinance(path.join(DIR, "SOLUSDT-1m-2025-01-01.csv"));
    const rows = rowsOf(panel, "SOLUSDT");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.day, "2025-01-01");
    assert.equal(rows[0]!.o, 190);
    assert.equal(rows[0]!.c, 192.4);
    assert.equal(rows[0]!.v, 510);
    assert.match(entry(report, "incomplete days")!.examples[0]!, /5 of 1440 bars/);
  });

  test("simple daily layout with ISO dates", () => {
    const { panel } = loadBinance(path.join(DIR, "AVAXUSDT.csv"));
    const rows = rowsOf(panel, "AVAXUSDT");
    assert.deepEqual(
      rows.map((r) => r.day),
      ["2023-03-01", "2023-03-02", "2023-03-03", "2023-03-04"],
    );
    assert.equal(rows[0]!.v, 2500000.25);
    assert.equal(panel.tokens[0]!.sector, "layer-1");
  });

  test("REST /api/v3/klines JSON with string numbers, across midnight", () => {
    const { panel, report } = loadBinance(path.join(DIR, "BNBUSDT-1m-rest.json"));
    assert.deepEqual(rowsOf(panel, "BNBUSDT"), [
      { day: "2021-10-22", o: 300.1, h: 301.2, l: 299.8, c: 301, v: 43.5 },
      { day: "2021-10-23", o: 301, h: 301.5, l: 300.7, c: 301.3, v: 10.25 },
    ]);
    assert.equal(panel.tokens[0]!.sector, "exchange");
    assert.match(entry(report, "incomplete days")!.examples[0]!, /BNBUSDT-1m-rest\.json item 1/);
  });

  test("a folder mixes all layouts, one token per symbol", () => {
    const { panel, report } = loadBinance(DIR);
    assertPanel(panel);
    assert.deepEqual(
      panel.tokens.map((t) => t.id),
      ["AVAXUSDT", "BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT"],
    );
    assert.equal(report.files.length, 5);
    assert.equal(report.rowsRead, 4 + 3 + 30 + 3 + 5);
    assert.equal(panel.day.length, 4 + 2 + 2 + 3 + 1);
    assert.equal(accountedRows(report), report.rowsRead);
  });

  test("monthly files of one symbol join; the same symbol at two intervals is refused", () => {
    const jan = "1640995200000,1,2,0.5,1.5,10,1640998799999,0,1,0,0,0\n";
    const a = tmpFile("XRPUSDT-1h-2022-01.csv", jan);
    const dir = path.dirname(a);
    fs.writeFileSync(
      path.join(dir, "XRPUSDT-1h-2022-02.csv"),
      "1643673600000,2,3,1.5,2.5,20,1643677199999,0,1,0,0,0\n",
    );
    const { panel } = loadBinance(dir);
    assert.equal(panel.tokens.length, 1);
    assert.equal(panel.day.length, 2);
    fs.writeFileSync(
      path.join(dir, "XRPUSDT-1m-2022-03.csv"),
      "1646092800000,2,3,1.5,2.5,20,1646092859999,0,1,0,0,0\n",
    );
    assert.throws(
      () => loadBinance(dir),
      (e: unknown) =>
        e instanceof DataError && /at interval 1m but .*XRPUSDT-1h-2022-0\d\.csv holds it at 1h/.test(e.message),
    );
  });

  test("intervals coarser than a day are refused", () => {
    const f = tmpFile("BTCUSDT-1w-2022.csv", "1640995200000,1,2,0.5,1.5,10,1641599999999,0,1,0,0,0\n");
    assert.throws(() => loadBinance(f), /interval 1w, coarser than a day/);
  });

  test("a headerless file with too few fields is explained", () => {
    const f = tmpFile("BTCUSDT-1d-2022.csv", "1640995200000,1,2\n");
    assert.throws(() => loadBinance(f), /has 3 field\(s\) per row and no header\. Binance klines have 12/);
  });

  test("a JSON file that is not a klines response is explained", () => {
    const f = tmpFile("BTCUSDT-1m-x.json", '{"code": -1121, "msg": "Invalid symbol."}');
    assert.throws(() => loadBinance(f), /is not a Binance \/api\/v3\/klines response/);
    const g = tmpFile("BTCUSDT-1m-y.json", '[[1640995200000, "1", "x", "1", "1", "1"]]');
    assert.throws(
      () => loadBinance(g),
      (e: unknown) => e instanceof DataError && e.column === "item 1, high" && /"x" is not a number/.test(e.message),
    );
  });

  test("the REST token symbol can be given", () => {
    const f = tmpFile("response.json", JSON.stringify([[1640995200000, "1", "2", "0.5", "1.5", "3", 1640995259999]]));
    const { panel } = loadBinance(f, { symbol: "DOGEUSDT" });
    assert.equal(panel.tokens[0]!.id, "DOGEUSDT");
    assert.equal(panel.tokens[0]!.sector, "meme");
  });
});
