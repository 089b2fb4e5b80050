import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { splitByDate, describeSplit, DEFAULT_GAP_DAYS } from "../../lib/features/split";
import { dayToIso, isoToDay } from "../../lib/data/panel";
import { buildFeatures } from "../../lib/features/features";
import { BASE_DAY, randomPanel } from "./fixtures";

/** Three tokens with one row a day each over `nDays` days from 2024-01-01, in panel order. */
function dailyRows(nDays: number, nTokens = 3): Int32Array {
  const out = new Int32Array(nDays * nTokens);
  for (let t = 0; t < nTokens; t++) for (let d = 0; d < nDays; d++) out[t * nDays + d] = BASE_DAY + d;
  return out;
}

function dayRange(days: Int32Array, idx: Int32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of idx) {
    lo = Math.min(lo, days[i]!);
    hi = Math.max(hi, days[i]!);
  }
  return [lo, hi];
}

describe("splitByDate by fractions", () => {
  const days = dailyRows(200);
  const s = splitByDate(days, { fractions: [0.7, 0.15, 0.15], gapDays: 10 });

  test("calendar arithmetic: 200 days - 2 gaps of 10 = 180 usable -> 126 / 27 / 27 days", () => {
    assert.equal(s.gapDays, 10);
    assert.deepEqual(s.boundaries, {
      trainStart: "2024-01-01",
      trainEnd: dayToIso(BASE_DAY + 125),
      validationStart: dayToIso(BASE_DAY + 136),
      validationEnd: dayToIso(BASE_DAY + 162),
      testStart: dayToIso(BASE_DAY + 173),
      testEnd: dayToIso(BASE_DAY + 199),
    });
    assert.equal(s.train.length, 3 * 126);
    assert.equal(s.validation.length, 3 * 27);
    assert.equal(s.test.length, 3 * 27);
    assert.equal(s.rowsInGaps, 3 * 20);
  });

  test("no overlap, ascending indices, and exactly gapDays unused days between splits", () => {
    const seen = new Uint8Array(days.length);
    for (const part of [s.train, s.validation, s.test]) {
      for (let k = 0; k < part.length; k++) {
        assert.equal(seen[part[k]!], 0, `row ${part[k]} in two splits`);
        seen[part[k]!] = 1;
        if (k > 0) assert.ok(part[k]! > part[k - 1]!);
      }
    }
    const [, trEnd] = dayRange(days, s.train);
    const [vaStart, vaEnd] = dayRange(days, s.validation);
    const [teStart] = dayRange(days, s.test);
    assert.equal(vaStart - trEnd - 1, 10);
    assert.equal(teStart - vaEnd - 1, 10);
    for (let i = 0; i < days.length; i++) {
      if (seen[i]) continue;
      const d = days[i]!;
      assert.ok(
        (d > trEnd && d < vaStart) || (d > vaEnd && d < teStart),
        `unassigned row ${i} on ${dayToIso(d)} is not in a gap`,
      );
    }
    assert.match(describeSplit(s), /gap 10 d/);
  });

  test("default gap covers the default feature lookback", () => {
    const t = buildFeatures(randomPanel(4, 60, 5));
    assert.ok(DEFAULT_GAP_DAYS >= t.lookbackDays);
    const d = splitByDate(dailyRows(400));
    assert.equal(d.gapDays, DEFAULT_GAP_DAYS);
    assert.equal(isoToDay(d.boundaries.validationStart) - isoToDay(d.boundaries.trainEnd) - 1, DEFAULT_GAP_DAYS);
  });
});

describe("splitByDate by cut dates", () => {
  test("cuts put the gap before each split start", () => {
    const days = dailyRows(100, 2);
    const s = splitByDate(days, { validationStart: "2024-02-15", testStart: "2024-03-15", gapDays: 5 });
    assert.equal(s.boundaries.trainEnd, "2024-02-09");
    assert.equal(s.boundaries.validationStart, "2024-02-15");
    assert.equal(s.boundaries.validationEnd, "2024-03-09");
    assert.equal(s.boundaries.testStart, "2024-03-15");
    assert.equal(s.boundaries.testEnd, dayToIso(BASE_DAY + 99));
    for (const i of s.train) assert.ok(days[i]! <= isoToDay("2024-02-09"));
    for (const i of s.validation) assert.ok(days[i]! >= isoToDay("2024-02-15") && days[i]! <= isoToDay("2024-03-09"));
    for (const i of s.test) assert.ok(days[i]! >= isoToDay("2024-03-15"));
    assert.equal(s.train.length + s.validation.length + s.test.length + s.rowsInGaps, days.length);
    assert.equal(s.rowsInGaps, 2 * 10);
  });

  test("unsorted input days are handled (indices refer to the input order)", () => {
    const days = Int32Array.from([BASE_DAY + 90, BASE_DAY + 0, BASE_DAY + 50, BASE_DAY + 10]);
    const s = splitByDate(days, { validationStart: "2024-02-15", testStart: "2024-03-15", gapDays: 5 });
    assert.deepEqual(Array.from(s.train), [1, 3]);
    assert.deepEqual(Array.from(s.validation), [2]);
    assert.deepEqual(Array.from(s.test), [0]);
  });
});

describe("splitByDate errors", () => {
  const days = dailyRows(100);
  test("gap shorter than the window or the lookback", () => {
    assert.throws(
      () => splitByDate(days, { gapDays: 10, windowLength: 30 }),
      /gapDays 10 is shorter than windowLength 30.*gapDays >= 30/,
    );
    assert.throws(
      () => splitByDate(days, { gapDays: 10, lookbackDays: 31, windowLength: 16 }),
      /shorter than lookbackDays 31/,
    );
    assert.throws(() => splitByDate(days, { gapDays: -1 }), /non-negative integer, got -1/);
  });
  test("empty splits name the empty range and the fix", () => {
    assert.throws(
      () => splitByDate(days, { validationStart: "2024-01-03", testStart: "2024-03-01", gapDays: 5 }),
      /Train split is empty/,
    );
    assert.throws(
      () => splitByDate(days, { validationStart: "2024-02-01", testStart: "2024-02-04", gapDays: 5 }),
      /Validation would be empty.*lower gapDays/,
    );
    assert.throws(
      () => splitByDate(days, { validationStart: "2024-02-01", testStart: "2024-06-01", gapDays: 5 }),
      /Test split is empty: no row on or after 2024-06-01/,
    );
    // Rows only at the two ends: validation days hold no rows.
    const ends = Int32Array.from([BASE_DAY, BASE_DAY + 1, BASE_DAY + 2, BASE_DAY + 98, BASE_DAY + 99]);
    assert.throws(() => splitByDate(ends, { gapDays: 2 }), /Validation split is empty: no row in/);
    assert.throws(() => splitByDate(dailyRows(50), { gapDays: 24 }), /cannot hold three splits and two 24-day gaps/);
    assert.throws(() => splitByDate(new Int32Array(0)), /no rows/);
  });
  test("inconsistent options", () => {
    assert.throws(() => splitByDate(days, { validationStart: "2024-02-01" }), /both validationStart and testStart/);
    assert.throws(
      () => splitByDate(days, { validationStart: "2024-03-01", testStart: "2024-02-01" }),
      /must come after/,
    );
    assert.throws(() => splitByDate(days, { fractions: [0.5, 0.5, 0.5] }), /summing to 1, got \[0.5, 0.5, 0.5\]/);
    assert.throws(() => splitByDate(days, { fractions: [1, 0, 0] }), /three positive numbers/);
    assert.throws(
      () => splitByDate(days, { validationStart: "yesterday", testStart: "2024-03-01" }),
      /Not an ISO date: "yesterday"/,
    );
  });
});
