/**
 * Close-only files (time,close at any interval), price-only days, file-name suffixes and the
 * feature set adapting to the columns the data has. Fixtures are invented
 * (test/fixtures/data/close); the last suite reads the real development data when present.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadPanel } from "../../lib/data/load";
import { loadCloseOnly, isCloseOnlyHeader } from "../../lib/data/loaders/close-only";
import { tokenIdFromFileName } from "../../lib/data/loaders/common";
import { assertPanel, dayToIso, MS_PER_DAY, tokenRanges, type Panel } from "../../lib/data/panel";
import { RawRows } from "../../lib/data/raw";
import { marketTokenMask } from "../../lib/data/taxonomy";
import { accountedRows, validateRows, type ValidationReport } from "../../lib/data/validate";
import { buildFeatures, type FeatureTable } from "../../lib/features/features";
import { FIXTURES } from "./support";

const DIR = path.join(FIXTURES, "close");
const REAL_DEV = path.resolve(__dirname, "../../../shared/data/real-dev");
const entry = (r: ValidationReport, check: string) => r.entries.find((e) => e.check === check);

/** The hourly fixture's closes, from the file itself. */
function hourlyCloses(): { time: string; close: number }[] {
  return fs
    .readFileSync(path.join(DIR, "AAAUSDT.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => {
      const [time, close] = l.split(",");
      return { time: time!, close: Number(close) };
    });
}

/** Columns of a feature table with a single value on every row. */
function constantFeatures(t: FeatureTable): string[] {
  return t.featureNames.filter((_, k) => {
    const first = t.X.data[k]!;
    for (let i = 1; i < t.X.rows; i++) if (t.X.data[i * t.X.cols + k] !== first) return false;
    return true;
  });
}

/**
 * A close-only panel of `nTokens` random-walk tokens over `nDays` days, through validation:
 * `barsPerDay` closes a day (1 = price-only days).
 */
function closeOnlyPanel(nTokens: number, nDays: number, barsPerDay: number): Panel {
  const raw = new RawRows({ stored: ["time", "close"] });
  const f = raw.addFile("made-up.csv");
  const step = MS_PER_DAY / barsPerDay;
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  for (let t = 0; t < nTokens; t++) {
    const id = `TOK${t}USDT`;
    const tok = raw.token(
      id,
      { symbol: id, name: id, sector: null },
      { intervalMs: step, intraday: barsPerDay > 1, volume: "none", prices: "closes" },
    );
    let p = 10 + t;
    for (let k = 0; k < nDays * barsPerDay; k++) {
      p *= Math.exp(0.02 * rand());
      raw.push(tok, 19000 * MS_PER_DAY + k * step, p, p, p, p, NaN, NaN, f, k + 2);
    }
  }
  return validateRows(raw, { source: "test" }).panel;
}

describe("close-only files", () => {
  test("the header tells a close-only file from a bar file", () => {
    assert.equal(isCloseOnlyHeader(["open_time", "close"]), true);
    assert.equal(isCloseOnlyHeader(["Date", "Price", "Volume"]), true);
    assert.equal(isCloseOnlyHeader(["timestamp", "open", "high", "low", "close", "volume"]), false);
    assert.equal(isCloseOnlyHeader(["close"]), false);
  });

  test("hourly closes become daily OHLC from the closes, counted; no volume; short day flagged", () => {
    const { panel, report } = loadCloseOnly(path.join(DIR, "AAAUSDT.csv"));
    assertPanel(panel);
    assert.deepEqual(panel.tokens, [
      {
        id: "AAAUSDT",
        symbol: "AAAUSDT",
        name: "AAAUSDT",
        sector: null,
        tokenClass: "market",
        columns: { ohlc: true, volume: false, ohlcFrom: "intraday closes" },
      },
    ]);
    assert.deepEqual([...panel.day].map(dayToIso), ["2022-03-01", "2022-03-02", "2022-03-03"]);
    const rows = hourlyCloses();
    for (let d = 0; d < 3; d++) {
      const day = rows.filter((r) => r.time.startsWith(`2022-03-0${d + 1}`)).map((r) => r.close);
      assert.equal(panel.open[d], day[0]);
      assert.equal(panel.close[d], day[day.length - 1]);
      assert.equal(panel.high[d], Math.max(...day));
      assert.equal(panel.low[d], Math.min(...day));
      assert.ok(Number.isNaN(panel.volume[d]!), "no volume is NaN, not zero");
    }
    assert.equal(report.rowsRead, 53);
    assert.equal(report.rowsMerged, 50);
    assert.equal(accountedRows(report), 53);
    assert.equal(entry(report, "daily OHLC from closes")?.count, 53);
    assert.equal(entry(report, "no volume")?.count, 1);
    assert.match(entry(report, "incomplete days")!.examples[0]!, /AAAUSDT 2022-03-03: 5 of 24 bars/);
  });

  test("daily closes are price-only: open, high and low unknown, suffix dropped from the id", () => {
    const { panel, report } = loadPanel("close", path.join(DIR, "BBBUSDT_1d.csv"));
    assert.equal(panel.tokens[0]!.id, "BBBUSDT");
    assert.deepEqual(panel.tokens[0]!.columns, { ohlc: false, volume: false });
    assert.equal(panel.day.length, 7);
    for (let i = 0; i < 7; i++) {
      assert.ok(Number.isNaN(panel.open[i]!) && Number.isNaN(panel.high[i]!) && Number.isNaN(panel.low[i]!));
    }
    assert.equal(panel.close[0], 2.127);
    assert.equal(entry(report, "price only")?.count, 7);
    assert.equal(report.rowsMerged, 0);
  });

  test("a folder of both, through the close source and through the binance source", () => {
    const viaClose = loadPanel("close", DIR);
    const viaBinance = loadPanel("binance", DIR);
    for (const { panel } of [viaClose, viaBinance]) {
      assert.deepEqual(
        panel.tokens.map((t) => t.id),
        ["AAAUSDT", "BBBUSDT"],
      );
      assert.equal(panel.day.length, 10);
    }
    assert.deepEqual([...viaBinance.panel.close], [...viaClose.panel.close]);
    assert.equal(entry(viaBinance.report, "close-only files")?.count, 2);
  });

  test("file-name suffixes do not stay in token ids", () => {
    const cases: [string, string][] = [
      ["DOGEUSDT_1d.csv", "DOGEUSDT"],
      ["data/ETHUSDT-1h.csv", "ETHUSDT"],
      ["btc-usd-max.csv", "BTC"],
      ["SOLUSDT_hourly.csv", "SOLUSDT"],
      ["ADAUSDT_15m_ohlcv.csv", "ADAUSDT"],
      ["BTCUSDT.csv", "BTCUSDT"],
      ["1d.csv", "1D"],
    ];
    for (const [file, id] of cases) assert.equal(tokenIdFromFileName(file), id, file);
  });
});

describe("features adapt to the columns the data has", () => {
  test("price-only days: no range, body, shadow or volume feature, and no constant feature", () => {
    const panel = closeOnlyPanel(5, 80, 1);
    const t = buildFeatures(panel);
    for (const f of ["hl_range", "co_return", "upper_shadow", "lower_shadow", "volume_z_30d", "logvol_change"])
      assert.ok(!t.featureNames.includes(f), f);
    assert.deepEqual(
      t.leftOut.map((x) => x.feature),
      ["hl_range", "co_return", "upper_shadow", "lower_shadow", "volume_z_30d", "logvol_change"],
    );
    assert.match(t.leftOut[0]!.reason, /needs high and low prices/);
    assert.match(t.leftOut[4]!.reason, /needs volume/);
    assert.ok(t.featureNames.includes("logret_1d") && t.featureNames.includes("beta_30d"));
    assert.deepEqual(constantFeatures(t), []);
    for (let i = 0; i < t.X.data.length; i++) assert.ok(Number.isFinite(t.X.data[i]!));
  });

  test("hourly closes: range features from the closes are kept, volume features left out", () => {
    const panel = closeOnlyPanel(4, 60, 24);
    const t = buildFeatures(panel);
    assert.ok(t.featureNames.includes("hl_range") && t.featureNames.includes("co_return"));
    assert.deepEqual(
      t.leftOut.map((x) => x.feature),
      ["volume_z_30d", "logvol_change"],
    );
    assert.deepEqual(constantFeatures(t), []);
  });

  test("three tokens: market features left out, the rest kept", () => {
    const t = buildFeatures(closeOnlyPanel(3, 60, 24));
    assert.deepEqual(t.leftOut.map((x) => x.feature).slice(-3), ["mkt_rel_ret", "beta_30d", "corr_30d"]);
    assert.ok(t.X.rows > 0);
  });
});

describe("real development data (skipped when absent)", () => {
  const skip = !fs.existsSync(REAL_DEV) && "no real-dev data";

  test("hourly close-only pairs: daily OHLC from closes, features without volume", { skip }, () => {
    const { panel, report } = loadPanel("close", path.join(REAL_DEV, "hourly_close_only"));
    assertPanel(panel);
    assert.deepEqual(
      panel.tokens.map((t) => t.id),
      ["BTCUSDT", "ETHUSDT", "SOLUSDT"],
    );
    assert.equal(accountedRows(report), report.rowsRead);
    assert.ok(report.rowsRead > 100_000);
    assert.equal(entry(report, "daily OHLC from closes")?.count, report.rowsRead - sumDropped(report));
    const t = buildFeatures(panel);
    assert.ok(!t.featureNames.some((f) => f.startsWith("volume") || f === "logvol_change"));
    assert.ok(t.featureNames.includes("hl_range"));
    assert.deepEqual(constantFeatures(t), []);
  });

  test("Binance daily pairs: ids without the _1d suffix, PAXG is a commodity token", { skip }, () => {
    const { panel, report } = loadPanel("binance", path.join(REAL_DEV, "binance_1d_21pairs"));
    assert.ok(panel.tokens.every((t) => !/_1D$/i.test(t.id)));
    assert.ok(panel.tokens.some((t) => t.id === "DOGEUSDT"));
    const paxg = panel.tokens.find((t) => t.id === "PAXGUSDT")!;
    assert.equal(paxg.tokenClass, "commodity");
    assert.equal(entry(report, "non-market tokens")?.count, 1);
    assert.equal(
      marketTokenMask(panel, ["market"]).reduce((a, b) => a + b, 0),
      panel.tokens.length - 1,
    );
  });

  test("CoinGecko price-only coins: ids are symbols, no constant-zero range features", { skip }, () => {
    const { panel, report } = loadPanel("coingecko", path.join(REAL_DEV, "coingecko_50coins"));
    assert.ok(panel.tokens.some((t) => t.id === "BTC"));
    const classes = new Map(panel.tokens.map((t) => [t.id, t.tokenClass]));
    for (const s of ["USDT", "USDC", "BUSD", "DAI", "MIM"])
      if (classes.has(s)) assert.equal(classes.get(s), "stablecoin", s);
    assert.ok(entry(report, "price only")!.count > 0);
    const t = buildFeatures(panel);
    assert.ok(!t.featureNames.includes("hl_range"));
    assert.ok(t.featureNames.includes("volume_z_30d"), "CoinGecko has volumes");
    assert.deepEqual(constantFeatures(t), []);
    const { start, end } = tokenRanges(panel);
    assert.ok(end[0]! > start[0]!);
  });
});

function sumDropped(r: ValidationReport): number {
  return r.entries.filter((e) => e.action === "dropped").reduce((s, e) => s + e.count, 0);
}

describe("RawRows with close-only storage", () => {
  test("keeps time and close only: open/high/low read as the close, volume and market cap as NaN", () => {
    const raw = new RawRows({ stored: ["time", "close"] });
    const f = raw.addFile("x.csv");
    const t = raw.token("A", { symbol: "A", name: "A", sector: null });
    raw.push(t, 1000, 9, 99, 1, 5, 7, 8, f, 2);
    raw.push(t, 2000, 9, 99, 1, 6, 7, 8, f, 3);
    const c = raw.columns();
    assert.deepEqual([...c.close], [5, 6]);
    assert.equal(c.open, c.close);
    assert.equal(c.high, c.close);
    assert.ok(Number.isNaN(c.volume[0]!) && Number.isNaN(c.marketCap[1]!));
    assert.deepEqual([...c.time], [1000, 2000]);
    assert.throws(() => new RawRows({ stored: ["time"] }), /must include "close"/);
  });
});
