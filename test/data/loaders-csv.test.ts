import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { DataError } from "../../lib/data/errors";
import { loadLongCsv } from "../../lib/data/loaders/long-csv";
import { assertPanel, dayToIso } from "../../lib/data/panel";
import { accountedRows } from "../../lib/data/validate";
import { FIXTURES, LONG_HEADER, tmpFile } from "./support";

describe("long CSV loader", () => {
  test("reads token,date,OHLCV with optional market cap, symbol, name and sector", () => {
    const { panel, report } = loadLongCsv(path.join(FIXTURES, "long", "prices.csv"));
    assertPanel(panel);
    assert.deepEqual(panel.tokens, [
      { id: "btc", symbol: "BTC", name: "Bitcoin", sector: "layer-1", tokenClass: "market" },
      { id: "mycoin", symbol: "MYC", name: "My Coin", sector: "gaming", tokenClass: "market" },
    ]);
    assert.equal(panel.day.length, 6);
    assert.equal(dayToIso(panel.day[0]!), "2023-03-01");
    assert.deepEqual(
      [panel.open[2], panel.high[2], panel.low[2], panel.close[2], panel.volume[2]],
      [23480.2, 23500, 22100, 22360, 598765],
    );
    assert.equal(panel.marketCap[0], 457000000000);
    assert.ok(Number.isNaN(panel.marketCap[2]!), "empty market cap is unknown");
    assert.ok(Number.isNaN(panel.marketCap[3]!));
    assert.equal(accountedRows(report), 6);
    assert.deepEqual(report.entries, []);
  });

  test("header names are case-insensitive and in any order; extra columns are ignored", () => {
    const f = tmpFile("p.csv", "Close,VOLUME,Date,Token,Open,High,Low,extra\n2,5,2022-01-01,eth,1,2.5,0.5,zzz\n");
    const { panel } = loadLongCsv(f);
    assert.deepEqual(
      [panel.open[0], panel.high[0], panel.low[0], panel.close[0], panel.volume[0]],
      [1, 2.5, 0.5, 2, 5],
    );
    assert.equal(panel.tokens[0]!.symbol, "eth");
    assert.equal(panel.tokens[0]!.sector, "layer-1", "built-in map, any case");
  });

  test("tab-separated files and a custom delimiter", () => {
    const f = tmpFile("p.tsv", "token\tdate\topen\thigh\tlow\tclose\tvolume\na\t2022-01-01\t1\t1\t1\t1\t1\n");
    assert.equal(loadLongCsv(f).panel.day.length, 1);
    const g = tmpFile("p.csv", "token;date;open;high;low;close;volume\na;2022-01-01;1;1;1;1;1\n");
    assert.equal(loadLongCsv(g, { delimiter: ";" }).panel.day.length, 1);
  });

  test("an empty token cell is a DataError at its line", () => {
    const f = tmpFile("p.csv", `${LONG_HEADER}\na,2022-01-01,1,1,1,1,1\n ,2022-01-02,1,1,1,1,1\n`);
    assert.throws(
      () => loadLongCsv(f),
      (e: unknown) =>
        e instanceof DataError && e.line === 3 && e.message.startsWith('p.csv:3: column "token": the token is empty'),
    );
  });

  test("intraday option aggregates hourly rows", () => {
    const rows = [LONG_HEADER];
    for (let h = 0; h < 3; h++) rows.push(`a,2022-01-01T0${h}:00:00Z,${1 + h},${2 + h},${0.5 + h},${1.5 + h},1`);
    const { panel, report } = loadLongCsv(tmpFile("h.csv", rows.join("\n")), { intraday: true });
    assert.deepEqual(
      [panel.open[0], panel.high[0], panel.low[0], panel.close[0], panel.volume[0]],
      [1, 4, 0.5, 3.5, 3],
    );
    assert.equal(report.rowsMerged, 2);
  });

  test("hourly rows without a stated interval: the interval is inferred and short days are flagged", () => {
    const rows = [LONG_HEADER];
    for (let h = 0; h < 24; h++) rows.push(`a,2022-01-01T${String(h).padStart(2, "0")}:00:00Z,1,2,0.5,1.5,1`);
    for (let h = 0; h < 20; h++) rows.push(`a,2022-01-02T${String(h).padStart(2, "0")}:00:00Z,1,2,0.5,1.5,1`);
    const { panel, report } = loadLongCsv(tmpFile("h2.csv", rows.join("\n")), { intraday: true });
    assert.equal(panel.day.length, 2);
    const inferred = report.entries.find((e) => e.check === "bar interval inferred");
    assert.ok(inferred && inferred.examples[0]!.includes("60 min"), JSON.stringify(inferred));
    const incomplete = report.entries.find((e) => e.check === "incomplete days");
    assert.equal(incomplete?.count, 1);
    assert.ok(incomplete!.examples[0]!.includes("20 of 24 bars"));
  });

  test("many tokens and rows keep every row accounted for", () => {
    const rows = [LONG_HEADER];
    for (let t = 0; t < 30; t++)
      for (let d = 0; d < 40; d++)
        rows.push(`T${t},${dayToIso(19000 + d)},${1 + d},${2 + d},${0.5 + d},${1.5 + d},${t}`);
    const { panel, report } = loadLongCsv(tmpFile("m.csv", rows.join("\n")));
    assert.equal(panel.tokens.length, 30);
    assert.equal(panel.day.length, 1200);
    assert.equal(report.rowsKept, 1200);
  });
});
