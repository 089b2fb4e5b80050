/** The loaders on real public samples (read from ../shared/data/real; skipped when absent). */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadPanel } from "../../lib/data/load";
import { assertPanel, dayToIso, tokenRanges, type Panel } from "../../lib/data/panel";
import { isSafeTokenId } from "../../lib/data/raw";
import { accountedRows, formatValidationReport, type ValidationReport } from "../../lib/data/validate";
import { REAL } from "./support";

const skip = !fs.existsSync(REAL) && "no real samples";
const entry = (r: ValidationReport, check: string) => r.entries.find((e) => e.check === check);

/** Data lines of a CSV file (lines minus header, blank lines ignored). */
function dataLines(file: string): number {
  return (
    fs
      .readFileSync(file, "utf8")
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "").length - 1
  );
}

/** Checks every real Panel must pass. */
function checkPanel(panel: Panel, report: ValidationReport): void {
  assertPanel(panel);
  assert.equal(accountedRows(report), report.rowsRead);
  assert.equal(report.rowsKept, panel.day.length);
  for (let i = 0; i < panel.day.length; i++) {
    const cols = panel.tokens[panel.token[i]!]!.columns;
    assert.ok(panel.close[i]! > 0, `row ${i} close`);
    if (cols && !cols.ohlc) {
      assert.ok(
        Number.isNaN(panel.open[i]!) && Number.isNaN(panel.high[i]!) && Number.isNaN(panel.low[i]!),
        `row ${i}`,
      );
    } else {
      assert.ok(panel.low[i]! > 0 && panel.low[i]! <= Math.min(panel.open[i]!, panel.close[i]!), `row ${i} low`);
      assert.ok(panel.high[i]! >= Math.max(panel.open[i]!, panel.close[i]!), `row ${i} high`);
    }
    if (cols && !cols.volume) assert.ok(Number.isNaN(panel.volume[i]!), `row ${i} volume`);
    else assert.ok(panel.volume[i]! >= 0);
  }
  for (const t of panel.tokens) assert.ok(isSafeTokenId(t.id));
  assert.ok(formatValidationReport(report).startsWith("### Validation report"));
}

describe("real samples", () => {
  test("Kaggle coin_*.csv", { skip }, () => {
    const dir = path.join(REAL, "kaggle_crypto_historical");
    const { panel, report } = loadPanel("kaggle", dir);
    checkPanel(panel, report);
    assert.deepEqual(
      panel.tokens.map((t) => `${t.id}:${t.symbol}`),
      ["cardano:ADA", "dogecoin:DOGE", "ethereum:ETH", "litecoin:LTC", "tether:USDT"],
    );
    const expected = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".csv"))
      .sort()
      .reduce((s, f) => s + dataLines(path.join(dir, f)), 0);
    assert.equal(report.rowsRead, expected);
    const { start, end } = tokenRanges(panel);
    assert.equal(end[0]! - start[0]!, dataLines(path.join(dir, "coin_Cardano.csv")));
    assert.equal(dayToIso(panel.day[0]!), "2017-10-02");
    assert.ok(report.gaps.count > 0, "Tether's early history has gaps");
    assert.equal(panel.tokens.find((t) => t.id === "tether")!.sector, "stablecoin");
  });

  test("Binance daily OHLCV (timestamp,open,...)", { skip }, () => {
    const dir = path.join(REAL, "binance_1d_ohlcv");
    const { panel, report } = loadPanel("binance", dir);
    checkPanel(panel, report);
    assert.deepEqual(
      panel.tokens.map((t) => t.id),
      ["ADAUSDT", "DOGEUSDT", "ETHUSDT", "LINKUSDT", "SOLUSDT"],
    );
    assert.equal(panel.day.length, 5000);
    assert.equal(report.rowsMerged, 0);
    assert.equal(report.firstDay, "2022-04-21");
    assert.equal(panel.open[0], 0.937);
  });

  test("Binance bulk klines (with and without header) and REST JSON", { skip }, () => {
    const dir = path.join(REAL, "binance_klines_format");
    const { panel, report } = loadPanel("binance", dir);
    checkPanel(panel, report);
    const ids = panel.tokens.map((t) => t.id);
    assert.ok(ids.includes("BTCUSDT") && ids.includes("ADABTC"));
    const { start, end } = tokenRanges(panel);
    const btc = ids.indexOf("BTCUSDT");
    assert.equal(end[btc]! - start[btc]!, 31, "744 hourly bars of January 2022 make 31 days");
    assert.equal(dayToIso(panel.day[start[btc]!]!), "2022-01-01");
    assert.equal(panel.open[start[btc]!], 46216.93);
    const ada = ids.indexOf("ADABTC");
    assert.equal(end[ada]! - start[ada]!, 2);
    assert.equal(report.rowsRead, 21 + 744 + 10);
    const inc = entry(report, "incomplete days")!;
    assert.ok(inc.examples.some((x) => x.startsWith("ADABTC 2021-11-27: 10 of 1440 bars")));
    assert.ok(!inc.examples.some((x) => x.startsWith("BTCUSDT")), "every January day has 24 bars");
  });

  test("CoinGecko max CSVs and market_chart JSON", { skip }, () => {
    const dir = path.join(REAL, "coingecko");
    const { panel, report } = loadPanel("coingecko", dir);
    checkPanel(panel, report);
    assert.deepEqual(
      panel.tokens.map((t) => t.id),
      ["BTC", "BTC-2", "ETH"],
    );
    assert.equal(
      entry(report, "price only")!.count,
      dataLines(path.join(dir, "btc-usd-max.csv")) + dataLines(path.join(dir, "eth-usd-max.csv")),
    );
    assert.equal(entry(report, "market_chart points")!.count, 720);
    const { start, end } = tokenRanges(panel);
    assert.ok(end[0]! - start[0]! >= 30 && end[0]! - start[0]! <= 32, "720 hourly points span about 30 days");
    assert.equal(dayToIso(panel.day[start[1]!]!), "2013-04-28");
  });

  test("a single real file of each layout", { skip }, () => {
    assert.equal(
      loadPanel("binance", path.join(REAL, "binance_klines_format", "http_spot_market_klines.json"), {
        symbol: "BTCUSDT",
      }).panel.tokens[0]!.id,
      "BTCUSDT",
    );
    assert.equal(loadPanel("coingecko", path.join(REAL, "coingecko", "eth-usd-max.csv")).panel.tokens[0]!.id, "ETH");
    assert.equal(
      loadPanel("kaggle", path.join(REAL, "kaggle_crypto_historical", "coin_Litecoin.csv")).panel.tokens[0]!.symbol,
      "LTC",
    );
  });
});
