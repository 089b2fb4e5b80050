import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { RawRows } from "../../lib/data/raw";

/** Rows enough to grow the columns several times (the first allocation is 65,536 rows). */
const MANY_ROWS = 300_000;

function fill(raw: RawRows, n: number): void {
  const f = raw.addFile("x.csv");
  const a = raw.token("A", { symbol: "A", name: "A", sector: null });
  const b = raw.token("B", { symbol: "B", name: "B", sector: null });
  for (let i = 0; i < n; i++)
    raw.push(
      i % 3 === 0 ? b : a,
      1000 * i,
      i + 0.25,
      i + 0.5,
      i - 0.5,
      i + 0.125,
      2 * i,
      i % 7 ? 3 * i : NaN,
      f,
      i + 2,
    );
}

describe("RawRows storage", () => {
  test("every row pushed comes back in order, across growths, in columns of exactly the row count", () => {
    const raw = new RawRows();
    fill(raw, MANY_ROWS);
    assert.equal(raw.length, MANY_ROWS);
    const c = raw.columns();
    assert.equal(c.length, MANY_ROWS);
    for (const col of [c.token, c.time, c.open, c.high, c.low, c.close, c.volume, c.marketCap, c.file, c.line])
      assert.equal(col.length, MANY_ROWS);
    for (const i of [0, 1, 65_535, 65_536, 131_072, 200_001, MANY_ROWS - 1]) {
      assert.equal(c.token[i], i % 3 === 0 ? 1 : 0, `token of row ${i}`);
      assert.equal(c.time[i], 1000 * i);
      assert.equal(c.open[i], i + 0.25);
      assert.equal(c.high[i], i + 0.5);
      assert.equal(c.low[i], i - 0.5);
      assert.equal(c.close[i], i + 0.125);
      assert.equal(c.volume[i], 2 * i);
      assert.ok(i % 7 ? c.marketCap[i] === 3 * i : Number.isNaN(c.marketCap[i]!), `market cap of row ${i}`);
      assert.equal(c.file[i], 0);
      assert.equal(c.line[i], i + 2);
    }
    // the columns are the storage itself: a write is seen through the same array
    c.marketCap[5] = NaN;
    assert.ok(Number.isNaN(c.marketCap[5]!));
  });

  test("close-only storage across growths: open/high/low are the close column, volume and market cap NaN", () => {
    const raw = new RawRows({ stored: ["time", "close"] });
    fill(raw, MANY_ROWS);
    const c = raw.columns();
    assert.equal(c.open, c.close);
    assert.equal(c.low, c.close);
    assert.equal(c.close[MANY_ROWS - 1], MANY_ROWS - 1 + 0.125);
    assert.equal(c.volume.length, MANY_ROWS);
    assert.ok(Number.isNaN(c.volume[MANY_ROWS - 1]!) && Number.isNaN(c.marketCap[70_000]!));
  });

  test("no rows: empty columns; columns() once; no push after it", () => {
    const empty = new RawRows();
    const e = empty.columns();
    assert.equal(e.length, 0);
    assert.equal(e.close.length, 0);
    assert.throws(() => empty.columns(), /called once/);
    const raw = new RawRows();
    fill(raw, 10);
    raw.columns();
    assert.throws(() => fill(raw, 1), /push after columns\(\)/);
  });
});
