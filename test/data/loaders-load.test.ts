import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError } from "../../lib/data/errors";
import { loadPanel, PANEL_SOURCES, SUPPORTED_FORMATS } from "../../lib/data/load";
import { baseAsset, sectorFor, symbolForName } from "../../lib/data/sectors";
import { FIXTURES, tmpDir, tmpFile } from "./support";

describe("loadPanel", () => {
  test("dispatches by source name to each loader", () => {
    const cases: [string, string, string[]][] = [
      ["kaggle", "kaggle", ["avalanche", "ethereum"]],
      ["binance", "binance", ["AVAXUSDT", "BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT"]],
      ["coingecko", "coingecko", ["AVAX", "BTC"]],
      ["csv", "long", ["btc", "mycoin"]],
      ["close", "close", ["AAAUSDT", "BBBUSDT"]],
    ];
    for (const [source, dir, ids] of cases) {
      const { panel, report } = loadPanel(source, path.join(FIXTURES, dir));
      assert.deepEqual(
        panel.tokens.map((t) => t.id),
        ids,
        source,
      );
      assert.ok(report.source.startsWith(`${source}:`));
      assert.ok(panel.source.startsWith(`${source}:`));
    }
    assert.deepEqual([...PANEL_SOURCES], ["kaggle", "binance", "coingecko", "csv", "close"]);
  });

  test("unknown source: error lists the supported formats", () => {
    assert.throws(
      () => loadPanel("yahoo", FIXTURES),
      (e: unknown) =>
        e instanceof Error &&
        /Unknown data source "yahoo"/.test(e.message) &&
        SUPPORTED_FORMATS.every((f) => e.message.includes(f)),
    );
    assert.throws(() => loadPanel("synthetic", FIXTURES), /generated, not read from files/);
  });

  test("a file of an unknown format: error lists the supported formats", () => {
    const f = tmpFile("prices.parquet", "PAR1");
    assert.throws(
      () => loadPanel("csv", f),
      (e: unknown) =>
        e instanceof DataError &&
        /is not a long CSV file/.test(e.message) &&
        /Supported formats: kaggle:/.test(e.message),
    );
  });

  test("a missing path and a folder without data files are explained", () => {
    assert.throws(
      () => loadPanel("kaggle", "/no/such/folder"),
      (e: unknown) => e instanceof DataError && /does not exist/.test(e.message),
    );
    const dir = tmpDir({ "README.md": "x", "data.zip": "PK" });
    assert.throws(
      () => loadPanel("binance", dir),
      (e: unknown) =>
        e instanceof DataError && /holds no Binance klines .* \(found: "README\.md", "data\.zip"\)/.test(e.message),
    );
  });

  test("files skipped in a folder are reported, not silently ignored", () => {
    const dir = tmpDir({
      "prices.csv": "token,date,open,high,low,close,volume\na,2022-01-01,1,1,1,1,1\n",
      "notes.md": "x",
      "raw.zip": "PK",
    });
    const { report } = loadPanel("csv", dir);
    const ign = report.entries.find((e) => e.check === "ignored files");
    assert.equal(ign?.count, 2);
    assert.match(ign!.detail, /unzip them first/);
  });

  test("subfolders are searched (vendor download trees)", () => {
    const dir = tmpDir({ "top.txt": "not data" });
    const sub = path.join(dir, "spot", "BTCUSDT");
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(
      path.join(sub, "BTCUSDT-1d-2022-01.csv"),
      "1640995200000,1,2,0.5,1.5,10,1641081599999,0,1,0,0,0\n",
    );
    const { panel } = loadPanel("binance", dir);
    assert.deepEqual(
      panel.tokens.map((t) => t.id),
      ["BTCUSDT"],
    );
  });
});

describe("sectors", () => {
  test("built-in map of well-known symbols", () => {
    assert.equal(sectorFor("BTC"), "layer-1");
    assert.equal(sectorFor("eth"), "layer-1");
    assert.equal(sectorFor("UNI"), "defi");
    assert.equal(sectorFor("LINK"), "oracle");
    assert.equal(sectorFor("FTT"), "exchange");
    assert.equal(sectorFor("SHIB"), "meme");
    assert.equal(sectorFor("DAI"), "stablecoin");
    assert.equal(sectorFor("XRP"), "payments");
    assert.equal(sectorFor("NOPE"), null);
  });

  test("pair symbols and names resolve to the base asset", () => {
    assert.equal(baseAsset("BTCUSDT"), "BTC");
    assert.equal(baseAsset("ADABTC"), "ADA");
    assert.equal(baseAsset("USDT"), "USDT");
    assert.equal(sectorFor("SOLUSDT"), "layer-1");
    assert.equal(sectorFor("XYZ", "Dogecoin"), "meme");
    assert.equal(symbolForName("Shiba Inu"), "SHIB");
  });

  test("custom maps win and the built-in map can be switched off", () => {
    assert.equal(sectorFor("BTC", undefined, { btc: "store-of-value" }), "store-of-value");
    assert.equal(sectorFor("BTC", undefined, undefined, false), null);
    assert.equal(sectorFor("FOO", "My Foo", { "my foo": "gaming" }, false), "gaming");
  });
});
