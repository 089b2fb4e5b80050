import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { DataError } from "../../lib/data/errors";
import { loadCoinGecko } from "../../lib/data/loaders/coingecko";
import { assertPanel, dayToIso, tokenRanges } from "../../lib/data/panel";
import { accountedRows, type ValidationReport } from "../../lib/data/validate";
import { FIXTURES, tmpFile } from "./support";

const DIR = path.join(FIXTURES, "coingecko");
const entry = (r: ValidationReport, check: string) => r.entries.find((e) => e.check === check);

describe("CoinGecko loader", () => {
  test("max CSV: price-only rows, zero market cap repaired to unknown, gap counted", () => {
    const { panel, report } = loadCoinGecko(path.join(DIR, "avax-usd-max.csv"));
    assertPanel(panel);
    assert.deepEqual(panel.tokens, [
      {
        id: "AVAX",
        symbol: "AVAX",
        name: "avax",
        sector: "layer-1",
        tokenClass: "market",
        columns: { ohlc: false, volume: true },
      },
    ]);
    assert.deepEqual([...panel.day].map(dayToIso), [
      "2023-01-01",
      "2023-01-02",
      "2023-01-03",
      "2023-01-05",
      "2023-01-06",
    ]);
    for (let i = 0; i < panel.day.length; i++) {
      assert.ok(Number.isNaN(panel.open[i]!), "open is unknown, not a copy of the close");
      assert.ok(Number.isNaN(panel.high[i]!));
      assert.ok(Number.isNaN(panel.low[i]!));
      assert.ok(panel.close[i]! > 0);
    }
    assert.equal(panel.close[0], 10.25);
    assert.equal(panel.volume[0], 150000000.25);
    assert.equal(panel.marketCap[0], 3200000000.5);
    assert.ok(Number.isNaN(panel.marketCap[4]!), "market_cap 0.0 means unknown");
    const po = entry(report, "price only");
    assert.equal(po?.action, "info");
    assert.equal(po?.count, 5);
    assert.equal(entry(report, "market cap not positive")?.count, 1);
    assert.equal(report.gaps.count, 1);
    assert.equal(report.rowsMerged, 0);
  });

  test("market_chart JSON: points aggregate to daily OHLC, rolling volume takes the last value", () => {
    const { panel, report } = loadCoinGecko(path.join(DIR, "bitcoin_market_chart.json"));
    assertPanel(panel);
    assert.equal(panel.tokens[0]!.id, "BTC");
    assert.deepEqual(panel.tokens[0]!.columns, { ohlc: true, volume: true, ohlcFrom: "intraday closes" });
    assert.equal(panel.tokens[0]!.symbol, "BTC");
    assert.deepEqual([...panel.day].map(dayToIso), ["2024-11-04", "2024-11-05"]);
    assert.deepEqual([panel.open[0], panel.high[0], panel.low[0], panel.close[0]], [69000.5, 69200, 68500.25, 69200]);
    assert.deepEqual([panel.open[1], panel.high[1], panel.low[1], panel.close[1]], [69300, 70100, 69300, 70000]);
    assert.equal(panel.volume[0], 3.2e10);
    assert.equal(panel.volume[1], 3.5e10);
    assert.equal(panel.marketCap[1], 70000 * 19.7e6);
    assert.equal(report.rowsRead, 6);
    assert.equal(report.rowsMerged, 4);
    assert.equal(accountedRows(report), 6);
    assert.equal(entry(report, "market_chart points")?.count, 6);
    assert.equal(entry(report, "incomplete days"), undefined, "irregular points have no expected count");
  });

  test("a folder reads both layouts", () => {
    const { panel, report } = loadCoinGecko(DIR);
    assert.deepEqual(
      panel.tokens.map((t) => t.id),
      ["AVAX", "BTC"],
    );
    const { start, end } = tokenRanges(panel);
    assert.equal(end[0]! - start[0]!, 5);
    assert.equal(report.files.length, 2);
    assert.equal(entry(report, "mixed date formats"), undefined, "one format per file is not mixing");
  });

  test("market caps matched by time when the lists are not aligned", () => {
    const f = tmpFile(
      "eth_market_chart.json",
      JSON.stringify({
        prices: [
          [1704067200000, 2300],
          [1704070800000, 2310],
        ],
        market_caps: [[1704070800000, 2.8e11]],
        total_volumes: [
          [1704067200000, 1e10],
          [1704070800000, 1.1e10],
        ],
      }),
    );
    const { panel } = loadCoinGecko(f);
    assert.equal(panel.marketCap[0], 2.8e11);
    assert.equal(panel.tokens[0]!.symbol, "ETH");
  });

  test("a JSON without total_volumes or with a bad point is explained", () => {
    const a = tmpFile("x_market_chart.json", JSON.stringify({ prices: [[1704067200000, 1]] }));
    assert.throws(
      () => loadCoinGecko(a),
      (e: unknown) => e instanceof DataError && e.column === "total_volumes",
    );
    const b = tmpFile(
      "y_market_chart.json",
      JSON.stringify({ prices: [[1704067200000, "abc"]], total_volumes: [[1704067200000, 1]] }),
    );
    assert.throws(
      () => loadCoinGecko(b),
      (e: unknown) => e instanceof DataError && e.column === "prices[0][1]" && /"abc" is not a number/.test(e.message),
    );
    const c = tmpFile("z_market_chart.json", "{not json");
    assert.throws(() => loadCoinGecko(c), /is not valid JSON/);
  });

  test("a max CSV with a misspelled column is explained", () => {
    const f = tmpFile("sol-usd-max.csv", "snapped_at,prcie,market_cap,total_volume\n2020-01-01 00:00:00 UTC,1,1,1\n");
    assert.throws(() => loadCoinGecko(f), /missing column "price" \(did you mean "prcie"\?\)/);
  });
});
