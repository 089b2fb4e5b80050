import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { DataError } from "../../lib/data/errors";
import { assertPanel, dayToIso, isoToDay, MS_PER_DAY } from "../../lib/data/panel";
import { RawRows, isSafeTokenId, safeTokenId } from "../../lib/data/raw";
import {
  accountedRows,
  formatValidationReport,
  validateRows,
  type ValidateOptions,
  type ValidationReport,
} from "../../lib/data/validate";

type Row = [
  token: string,
  date: string,
  open: number,
  high: number,
  low: number,
  close: number,
  volume: number,
  marketCap?: number,
];

/** Raw rows from a compact table; line numbers start at 2 (after a header). */
function raw(rows: Row[], meta: { intraday?: boolean; intervalMs?: number; volume?: "sum" | "last" } = {}): RawRows {
  const r = new RawRows();
  const f = r.addFile("/data/prices.csv");
  rows.forEach(([tok, date, o, h, l, c, v, mc], k) => {
    const t = r.token(tok, { symbol: tok, name: tok, sector: null }, meta);
    const ms = Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date);
    r.push(t, ms, o, h, l, c, v, mc ?? NaN, f, k + 2);
  });
  return r;
}

function run(rows: Row[], options: Partial<ValidateOptions> = {}, meta = {}) {
  const res = validateRows(raw(rows, meta), { source: "test", ...options });
  assertPanel(res.panel);
  assert.equal(accountedRows(res.report), res.report.rowsRead, "every row read is kept, merged or dropped");
  return res;
}

const entry = (r: ValidationReport, check: string) => r.entries.find((e) => e.check === check);

describe("validateRows", () => {
  test("clean rows pass through sorted, typed and with no entries", () => {
    const { panel, report } = run([
      ["b", "2022-01-01", 1, 2, 0.5, 1.5, 10, 100],
      ["a", "2022-01-01", 10, 12, 9, 11, 5],
      ["a", "2022-01-02", 11, 13, 10, 12, 6],
    ]);
    assert.deepEqual(
      panel.tokens.map((t) => t.id),
      ["a", "b"],
    );
    assert.deepEqual([...panel.token], [0, 0, 1]);
    assert.deepEqual([...panel.day].map(dayToIso), ["2022-01-01", "2022-01-02", "2022-01-01"]);
    assert.deepEqual([...panel.close], [11, 12, 1.5]);
    assert.ok(panel.close instanceof Float64Array);
    assert.ok(Number.isNaN(panel.marketCap[0]!));
    assert.equal(panel.marketCap[2], 100);
    assert.equal(panel.anomalyKind, null);
    assert.equal(panel.events, null);
    assert.equal(report.rowsRead, 3);
    assert.equal(report.rowsKept, 3);
    assert.equal(report.tokens, 2);
    assert.equal(report.firstDay, "2022-01-01");
    assert.equal(report.lastDay, "2022-01-02");
    assert.deepEqual(report.entries, []);
    assert.deepEqual(report.gaps, { count: 0, tokensWithGaps: 0, longest: 0 });
  });

  test("non-finite and non-positive prices and bad volumes are dropped and counted with file:line", () => {
    const { panel, report } = run([
      ["a", "2022-01-01", 1, 1, 1, 1, 1],
      ["a", "2022-01-02", NaN, 1, 1, 1, 1],
      ["a", "2022-01-03", 1, Infinity, 1, 1, 1],
      ["a", "2022-01-04", 1, 1, 1, 0, 1],
      ["a", "2022-01-05", -1, 1, 1, 1, 1],
      ["a", "2022-01-06", 1, 1, 1, 1, -5],
      ["a", "2022-01-07", 1, 1, 1, 1, NaN],
      ["a", "2022-01-08", 1, 1, 1, 1, 0, 0],
    ]);
    assert.equal(panel.day.length, 2);
    assert.equal(entry(report, "non-finite price")?.count, 2);
    assert.equal(entry(report, "non-positive price")?.count, 2);
    assert.equal(entry(report, "negative volume")?.count, 1);
    assert.equal(entry(report, "non-finite volume")?.count, 1);
    assert.equal(entry(report, "market cap not positive")?.action, "repaired");
    assert.match(entry(report, "non-finite price")!.examples[0]!, /^prices\.csv:3 a 2022-01-02: open=NaN/);
    assert.match(entry(report, "negative volume")!.examples[0]!, /^prices\.csv:7 a 2022-01-06: volume=-5/);
    assert.equal(report.rowsRead, 8);
    assert.equal(report.rowsKept, 2);
  });

  test("high < low is swapped; open/close outside the range widens it", () => {
    const { panel, report } = run([
      ["a", "2022-01-01", 5, 4, 6, 5.5, 1],
      ["a", "2022-01-02", 5, 6, 4.5, 7, 1],
      ["a", "2022-01-03", 3, 6, 4, 5, 1],
    ]);
    assert.deepEqual([...panel.high], [6, 7, 6]);
    assert.deepEqual([...panel.low], [4, 4.5, 3]);
    assert.equal(entry(report, "high below low")?.count, 1);
    assert.equal(entry(report, "open/close outside high-low")?.count, 2);
    for (let i = 0; i < panel.day.length; i++) {
      assert.ok(panel.low[i]! <= Math.min(panel.open[i]!, panel.close[i]!));
      assert.ok(panel.high[i]! >= Math.max(panel.open[i]!, panel.close[i]!));
    }
  });

  test("exact duplicates are dropped; conflicting ones throw naming both lines", () => {
    const ok = run([
      ["a", "2022-01-01", 1, 1, 1, 1, 1],
      ["a", "2022-01-01", 1, 1, 1, 1, 1],
    ]);
    assert.equal(ok.panel.day.length, 1);
    assert.equal(entry(ok.report, "exact duplicate")?.count, 1);
    assert.match(entry(ok.report, "exact duplicate")!.examples[0]!, /prices\.csv:3 repeats prices\.csv:2/);
    assert.throws(
      () =>
        run([
          ["a", "2022-01-01", 1, 1, 1, 1, 1],
          ["a", "2022-01-02", 1, 1, 1, 1, 1],
          ["a", "2022-01-01", 2, 2, 2, 2, 1],
        ]),
      (e: unknown) =>
        e instanceof DataError &&
        e.line === 4 &&
        /this one and prices\.csv:2/.test(e.message) &&
        /keep-last/.test(e.message),
    );
  });

  test('duplicates: "keep-last" keeps the later row and accounts for the replaced one', () => {
    const { panel, report } = run(
      [
        ["a", "2022-01-01", 1, 1, 1, 1, 1],
        ["a", "2022-01-01", 2, 2, 2, 2, 1],
        ["a", "2022-01-02", 3, 3, 3, 3, 1],
      ],
      { duplicates: "keep-last" },
    );
    assert.deepEqual([...panel.close], [2, 3]);
    assert.equal(entry(report, "conflicting duplicates")?.action, "repaired");
    assert.equal(entry(report, "conflicting duplicates")?.count, 1);
    assert.equal(entry(report, "superseded duplicate")?.count, 1);
  });

  test("unsorted rows are sorted and counted as info", () => {
    const { panel, report } = run([
      ["a", "2022-01-03", 3, 3, 3, 3, 1],
      ["a", "2022-01-01", 1, 1, 1, 1, 1],
      ["a", "2022-01-02", 2, 2, 2, 2, 1],
    ]);
    assert.deepEqual([...panel.close], [1, 2, 3]);
    assert.equal(entry(report, "unsorted rows")?.action, "info");
    assert.equal(entry(report, "unsorted rows")?.count, 1);
  });

  test("gaps are counted, not filled", () => {
    const { panel, report } = run([
      ["a", "2022-01-01", 1, 1, 1, 1, 1],
      ["a", "2022-01-05", 1, 1, 1, 1, 1],
      ["a", "2022-01-07", 1.1, 1.1, 1.1, 1.1, 1],
      ["b", "2022-01-01", 1, 1, 1, 1, 1],
      ["b", "2022-01-02", 1.1, 1.1, 1.1, 1.1, 1],
    ]);
    assert.equal(panel.day.length, 5);
    assert.deepEqual(report.gaps, { count: 4, tokensWithGaps: 1, longest: 3 });
    assert.match(
      entry(report, "gaps")!.examples[0]!,
      /a 2022-01-02\.\.2022-01-04: 3 day\(s\) missing before prices\.csv:3/,
    );
  });

  test("stale runs and extreme jumps are flagged, not changed", () => {
    const rows: Row[] = [];
    const closes = [10, 10, 10, 10, 10, 11, 40, 12, 12];
    closes.forEach((c, k) => rows.push(["a", dayToIso(isoToDay("2022-01-01") + k), c, c, c, c, 1]));
    const { panel, report } = run(rows);
    assert.deepEqual([...panel.close], closes);
    assert.equal(entry(report, "stale prices")?.count, 1);
    assert.match(entry(report, "stale prices")!.examples[0]!, /a 2022-01-01\.\.2022-01-05: close 10 x5/);
    assert.equal(entry(report, "extreme jumps")?.count, 2, "11 -> 40 and 40 -> 12");
    const short = run(rows, { staleRunDays: 6, jumpLogThreshold: 2 });
    assert.equal(entry(short.report, "stale prices"), undefined);
    assert.equal(entry(short.report, "extreme jumps"), undefined);
  });

  test("intraday bars aggregate to UTC days with first/max/min/last/sum", () => {
    const H = 3_600_000;
    const base = Date.parse("2022-01-01T00:00:00Z");
    const rows: Row[] = [];
    for (let k = 0; k < 26; k++)
      rows.push(["x", new Date(base + k * H).toISOString(), 100 + k, 102 + k, 99 + k, 101 + k, 1 + k]);
    const { panel, report } = run(rows, {}, { intraday: true, intervalMs: H });
    assert.equal(panel.day.length, 2);
    assert.deepEqual(
      [panel.open[0], panel.high[0], panel.low[0], panel.close[0], panel.volume[0]],
      [100, 125, 99, 124, 300],
    );
    assert.deepEqual(
      [panel.open[1], panel.high[1], panel.low[1], panel.close[1], panel.volume[1]],
      [124, 127, 123, 126, 51],
    );
    assert.equal(report.rowsMerged, 24);
    assert.equal(entry(report, "intraday aggregation")?.count, 26);
    const inc = entry(report, "incomplete days");
    assert.equal(inc?.count, 1);
    assert.match(inc!.examples[0]!, /x 2022-01-02: 2 of 24 bars/);
  });

  test("rolling volumes take the day's last value", () => {
    const base = Date.parse("2022-01-01T00:00:00Z");
    const rows: Row[] = [0, 1, 2].map((k) => [
      "x",
      new Date(base + k * 8 * 3_600_000).toISOString(),
      5,
      5,
      5,
      5,
      100 + k,
    ]);
    const { panel } = run(rows, {}, { intraday: true, volume: "last" });
    assert.equal(panel.volume[0], 102);
  });

  test("intraday duplicates are keyed by exact time", () => {
    const rows: Row[] = [
      ["x", "2022-01-01T00:00:00Z", 1, 1, 1, 1, 1],
      ["x", "2022-01-01T01:00:00Z", 2, 2, 2, 2, 1],
      ["x", "2022-01-01T01:00:00Z", 3, 3, 3, 3, 1],
    ];
    assert.throws(() => run(rows, {}, { intraday: true }), /two different rows for time 2022-01-01T01:00:00\.000Z/);
  });

  test("all rows dropped is a DataError with the drop counts", () => {
    assert.throws(
      () => run([["a", "2022-01-01", -1, 1, 1, 1, 1]]),
      (e: unknown) => e instanceof DataError && /no valid rows.*non-positive price: 1/.test(e.message),
    );
  });

  test("tokens without valid rows leave the Panel and are reported", () => {
    const { panel, report } = run([
      ["a", "2022-01-01", 1, 1, 1, 1, 1],
      ["z", "2022-01-01", NaN, 1, 1, 1, 1],
    ]);
    assert.deepEqual(
      panel.tokens.map((t) => t.id),
      ["a"],
    );
    assert.deepEqual(entry(report, "tokens without valid rows")?.examples, ["z"]);
  });

  test("invalid options throw", () => {
    assert.throws(
      () => validateRows(raw([["a", "2022-01-01", 1, 1, 1, 1, 1]]), { source: "t", duplicates: "first" as "error" }),
      /Unknown duplicates policy "first"/,
    );
    assert.throws(
      () => validateRows(raw([["a", "2022-01-01", 1, 1, 1, 1, 1]]), { source: "t", staleRunDays: 1 }),
      /staleRunDays/,
    );
    assert.throws(
      () => validateRows(raw([["a", "2022-01-01", 1, 1, 1, 1, 1]]), { source: "t", jumpLogThreshold: 0 }),
      /jumpLogThreshold/,
    );
  });

  test("day numbers come from UTC epoch ms", () => {
    const { panel } = run([["a", "2022-01-01T23:59:59Z", 1, 1, 1, 1, 1]]);
    assert.equal(panel.day[0], Math.floor(Date.parse("2022-01-01T23:59:59Z") / MS_PER_DAY));
  });
});

/** A plausible price time (dates before 2009 are dropped as implausible). */
const T2020 = Date.UTC(2020, 0, 1);

describe("safe token ids", () => {
  test("path and markup characters never reach the id", () => {
    for (const bad of ["../../etc/passwd", "<script>alert(1)</script>", "a/b\\c", ".hidden", "CON", "", "  "]) {
      const id = safeTokenId(bad);
      assert.ok(isSafeTokenId(id), `${JSON.stringify(bad)} -> ${id}`);
      assert.ok(!/[/\\<>]/.test(id));
    }
    assert.equal(safeTokenId("../../etc/passwd"), "etc_passwd");
    assert.equal(safeTokenId("BTCUSDT"), "BTCUSDT");
  });

  test("clashing ids get a suffix and the rename is reported", () => {
    const r = new RawRows();
    const f = r.addFile("x.csv");
    const a = r.token("a/b", { symbol: "a/b", name: "a/b", sector: null });
    const b = r.token("a_b", { symbol: "a_b", name: "a_b", sector: null });
    r.push(a, T2020, 1, 1, 1, 1, 1, NaN, f, 2);
    r.push(b, T2020, 1, 1, 1, 1, 1, NaN, f, 3);
    const { panel, report } = validateRows(r, { source: "t" });
    assert.deepEqual(panel.tokens.map((t) => t.id).sort(), ["a_b", "a_b-2"]);
    assert.equal(entry(report, "token ids made safe")?.count, 2);
  });
});

describe("formatValidationReport", () => {
  test("renders a summary and escapes untrusted text", () => {
    const r = new RawRows();
    const f = r.addFile("/x/p|<b>.csv");
    const t = r.token("<img src=x>", { symbol: "<img src=x>", name: "n", sector: null });
    r.push(t, T2020, 1, 1, 1, 1, 1, NaN, f, 2);
    r.push(t, T2020 + MS_PER_DAY, -1, 1, 1, 1, 1, NaN, f, 3);
    const { report } = validateRows(r, { source: "csv:<x>" });
    const md = formatValidationReport(report);
    assert.match(md, /### Validation report: csv:&lt;x&gt;/);
    assert.match(md, /\| rows read \| 2 \|/);
    assert.match(md, /\| rows dropped \| 1 \|/);
    assert.match(md, /\| non-positive price \| dropped \| 1 \|/);
    assert.ok(!md.includes("<img"), "no raw HTML from data");
    assert.ok(md.includes("p\\|&lt;b&gt;.csv"), "file names escaped");
  });
});
