import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { loadKaggle } from "../../lib/data/loaders/kaggle";
import { assertPanel, dayToIso, tokenRanges } from "../../lib/data/panel";
import { accountedRows } from "../../lib/data/validate";
import { FIXTURES, tmpFile } from "./support";

const DIR = path.join(FIXTURES, "kaggle");

describe("Kaggle loader", () => {
  test("reads a folder of coin_*.csv into a sorted Panel with metadata", () => {
    const { panel, report } = loadKaggle(DIR);
    assertPanel(panel);
    assert.deepEqual(panel.tokens, [
      { id: "avalanche", symbol: "AVAX", name: "Avalanche", sector: "layer-1", tokenClass: "market" },
      { id: "ethereum", symbol: "ETH", name: "Ethereum", sector: "layer-1", tokenClass: "market" },
    ]);
    assert.equal(panel.day.length, 7);
    const { start, end } = tokenRanges(panel);
    assert.deepEqual([start[0], end[0], start[1], end[1]], [0, 4, 4, 7]);
    // "2016-01-01 23:59:59" is the close of 2016-01-01 (UTC)
    assert.equal(dayToIso(panel.day[0]!), "2016-01-01");
    assert.deepEqual([panel.open[0], panel.high[0], panel.low[0], panel.close[0]], [4.0, 4.5, 3.9, 4.25]);
    assert.equal(panel.volume[0], 1500000);
    assert.equal(panel.marketCap[0], 250000000.5);
    assert.equal(panel.source, `kaggle:${DIR}`);
    assert.equal(report.files.length, 2);
    assert.equal(report.rowsRead, 7);
    assert.equal(accountedRows(report), 7);
    assert.deepEqual(report.gaps, { count: 1, tokensWithGaps: 1, longest: 1 }, "ethereum misses 2016-01-04");
    assert.equal(report.firstDay, "2016-01-01");
    assert.equal(report.lastDay, "2016-01-05");
  });

  test("a single file works and sectors can be switched off", () => {
    const { panel } = loadKaggle(path.join(DIR, "coin_Ethereum.csv"), { sectors: false });
    assert.equal(panel.tokens.length, 1);
    assert.equal(panel.tokens[0]!.sector, null);
    assert.equal(panel.day.length, 3);
  });

  test("a custom sector map overrides the built-in one", () => {
    const { panel } = loadKaggle(DIR, { sectors: { ETH: "smart-contracts" } });
    assert.equal(panel.tokens.find((t) => t.id === "ethereum")!.sector, "smart-contracts");
    assert.equal(panel.tokens.find((t) => t.id === "avalanche")!.sector, "layer-1");
  });

  test("a Kaggle file without Marketcap gets NaN market caps", () => {
    const f = tmpFile(
      "coin_Foo.csv",
      "SNo,Name,Symbol,Date,High,Low,Open,Close,Volume\n1,Foo,FOO,2020-01-01 23:59:59,2,1,1.5,1.8,10\n",
    );
    const { panel } = loadKaggle(f);
    assert.ok(Number.isNaN(panel.marketCap[0]!));
    assert.equal(panel.tokens[0]!.id, "foo");
  });
});
