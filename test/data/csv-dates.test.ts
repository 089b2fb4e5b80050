import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { DataError } from "../../lib/data/errors";
import { isoToDay, MS_PER_DAY } from "../../lib/data/panel";
import { civilToDays, DateParser, epochToMs, epochUnitOf } from "../../lib/data/timestamps";

const ms = (iso: string): number => Date.parse(iso);

describe("DateParser", () => {
  test("reads the date layouts of the supported sources as UTC", () => {
    const p = new DateParser();
    p.startFile("x.csv");
    assert.equal(p.text("2022-01-31", 2, "date"), ms("2022-01-31T00:00:00Z"));
    assert.equal(p.text("2017-10-02 23:59:59", 3, "date"), ms("2017-10-02T23:59:59Z"));
    assert.equal(p.text("2013-04-28 00:00:00 UTC", 4, "date"), ms("2013-04-28T00:00:00Z"));
    assert.equal(p.text("2022-01-31T13:05:07.250Z", 5, "date"), ms("2022-01-31T13:05:07.250Z"));
    assert.equal(p.text("2022/1/5", 6, "date"), ms("2022-01-05T00:00:00Z"));
    assert.equal(p.text(" 2022-01-31 ", 7, "date"), ms("2022-01-31T00:00:00Z"));
  });

  test("converts offsets to UTC, which can change the day", () => {
    const p = new DateParser();
    p.startFile("x.csv");
    const t = p.text("2022-01-01T01:00:00+02:00", 2, "date");
    assert.equal(t, ms("2021-12-31T23:00:00Z"));
    assert.equal(Math.floor(t / MS_PER_DAY), isoToDay("2021-12-31"));
    assert.equal(p.text("2022-01-01T20:30-0530", 3, "date"), ms("2022-01-02T02:00:00Z"));
    const entries = p.entries();
    const tz = entries.find((e) => e.check === "time zone offsets");
    assert.equal(tz?.count, 2);
    assert.match(tz!.examples[0]!, /^x\.csv:2 2022-01-01T01:00:00\+02:00$/);
  });

  test("epoch numbers: unit from magnitude", () => {
    const p = new DateParser();
    p.startFile("a.csv");
    assert.equal(p.text("1640995200", 1, 1), ms("2022-01-01T00:00:00Z"));
    p.startFile("b.csv");
    assert.equal(p.text("1640995200000", 1, 1), ms("2022-01-01T00:00:00Z"));
    p.startFile("c.csv");
    assert.equal(p.text("1735689600000000", 1, 1), ms("2025-01-01T00:00:00Z"));
    assert.equal(epochUnitOf(1640995200), "s");
    assert.equal(epochUnitOf(1640995200000), "ms");
    assert.equal(epochUnitOf(1735689600000000), "us");
    assert.equal(epochUnitOf(12345), null);
    assert.equal(epochToMs(1735689600000123, "us"), 1735689600000);
  });

  test("a file mixing epoch units is refused with both units named", () => {
    const p = new DateParser();
    p.startFile("BTCUSDT-1m-2025-01.csv");
    p.epoch(1735689600000, 1, "open_time");
    assert.throws(
      () => p.epoch(1735689660000000, 2, "open_time"),
      (e: unknown) =>
        e instanceof DataError &&
        e.line === 2 &&
        /microseconds but this file's first timestamp \(line 1\) is in milliseconds/.test(e.message),
    );
  });

  test("units may differ between files", () => {
    const p = new DateParser();
    p.startFile("2024.csv");
    p.epoch(1704067200000, 1, 1);
    p.startFile("2025.csv");
    assert.equal(p.epoch(1735689600000000, 1, 1), ms("2025-01-01T00:00:00Z"));
  });

  test("unparseable and impossible dates are DataErrors with file, line and column", () => {
    const p = new DateParser();
    p.startFile("prices.csv");
    for (const bad of [
      "2022-13-01",
      "2022-02-30",
      "2022-01-01T25:00",
      "yesterday",
      "2022-01-01 12:00 XYZ",
      "20220101",
    ]) {
      assert.throws(
        () => p.text(bad, 7, "date"),
        (e: unknown) => e instanceof DataError && e.file === "prices.csv" && e.line === 7 && e.column === "date",
        bad,
      );
    }
    assert.throws(() => p.text("31/01/2022", 8, "date"), /ambiguous/);
  });

  test("mixed formats within a file are counted; different formats across files are not", () => {
    const p = new DateParser();
    p.startFile("a.csv");
    p.text("2022-01-01", 2, "date");
    p.text("2022-01-02", 3, "date");
    p.text("2022/01/03", 4, "date");
    p.startFile("b.csv");
    p.text("2022-01-01 00:00:00 UTC", 2, "date");
    const mixed = p.entries().find((e) => e.check === "mixed date formats");
    assert.equal(mixed?.count, 1);
    assert.match(mixed!.examples[0]!, /^a\.csv:4 YYYY\/MM\/DD/);
  });

  test("leap days and the calendar", () => {
    assert.equal(civilToDays(1970, 1, 1), 0);
    assert.equal(civilToDays(2000, 2, 29), isoToDay("2000-02-29"));
    assert.equal(civilToDays(2024, 12, 31), isoToDay("2024-12-31"));
    const p = new DateParser();
    p.startFile("x.csv");
    assert.throws(() => p.text("2023-02-29", 1, 1), DataError);
    assert.equal(p.text("2024-02-29", 1, 1), ms("2024-02-29T00:00:00Z"));
  });
});
