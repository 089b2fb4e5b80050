import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { makeWindows, describeWindowArithmetic, windowEndRows, windowsEndingAt } from "../../lib/features/windows";
import type { WindowSource } from "../../lib/features/windows";
import { buildFeatures } from "../../lib/features/features";
import { splitByDate } from "../../lib/features/split";
import { BASE_DAY, randomPanel } from "./fixtures";

/**
 * Token 0: days 0..9. Token 1: days 0..3 and 5..12 (day 4 missing). Token 2: days 0..2.
 * X[row] = [row, 1000 + row] so every copied value tells where it came from.
 */
function source(): WindowSource {
  const spec: [number, number[]][] = [
    [0, Array.from({ length: 10 }, (_, d) => d)],
    [1, [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12]],
    [2, [0, 1, 2]],
  ];
  const token: number[] = [];
  const day: number[] = [];
  for (const [t, days] of spec)
    for (const d of days) {
      token.push(t);
      day.push(BASE_DAY + d);
    }
  const n = token.length;
  const data = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    data[2 * i] = i;
    data[2 * i + 1] = 1000 + i;
  }
  return {
    X: { data, rows: n, cols: 2 },
    token: Int32Array.from(token),
    day: Int32Array.from(day),
    featureNames: ["row", "tag"],
  };
}

describe("makeWindows", () => {
  test("shapes and counts follow floor((run - length) / stride) + 1 per contiguous run", () => {
    const w = makeWindows(source(), { length: 4, stride: 2 });
    // Runs: token 0 of 10 days -> 4 windows; token 1 of 4 -> 1 and of 8 -> 3; token 2 of 3 -> none.
    assert.equal(w.windows.n, 8);
    assert.equal(w.windows.length, 4);
    assert.equal(w.windows.features, 2);
    assert.equal(w.windows.data.length, 8 * 4 * 2);
    assert.deepEqual(Array.from(w.token), [0, 0, 0, 0, 1, 1, 1, 1]);
    assert.deepEqual(Array.from(w.startRow), [0, 2, 4, 6, 10, 14, 16, 18]);
    assert.deepEqual(
      Array.from(w.endDay, (d) => d - BASE_DAY),
      [3, 5, 7, 9, 3, 8, 10, 12],
    );
    assert.deepEqual(w.skipped, [
      { reason: "rows outside the given rows (split)", count: 0 },
      { reason: "rows in runs shorter than 4 days", count: 3 },
      { reason: "rows after a run's last full window (stride remainder)", count: 0 },
      { reason: "runs broken by a missing day", count: 1 },
    ]);
  });

  test("every window is one token over contiguous days, copied row by row", () => {
    const src = source();
    const w = makeWindows(src, { length: 3, stride: 1 });
    const size = 3 * 2;
    for (let k = 0; k < w.windows.n; k++) {
      const first = w.startRow[k]!;
      for (let s = 0; s < 3; s++) {
        const r = first + s;
        assert.equal(src.token[r], w.token[k]);
        assert.equal(src.day[r], src.day[first]! + s, `window ${k} step ${s} is a consecutive day`);
        assert.equal(w.windows.data[k * size + s * 2], r);
        assert.equal(w.windows.data[k * size + s * 2 + 1], 1000 + r);
      }
      assert.equal(w.endDay[k], src.day[first + 2]);
    }
    // Stride 1: 8 + (2 + 6) + 1 windows; none crosses day 4 of token 1.
    assert.equal(w.windows.n, 17);
  });

  test("feature subset by name, in the order asked", () => {
    const w = makeWindows(source(), { length: 4, stride: 3, features: ["tag"] });
    assert.equal(w.windows.features, 1);
    assert.deepEqual(w.featureNames, ["tag"]);
    assert.deepEqual(Array.from(w.windows.data.subarray(0, 4)), [1000, 1001, 1002, 1003]);
    // Stride 3 leaves a remainder: token 0 (10 days) -> starts 0, 3, 6 and covers all; token 1's 8-day run -> starts 0, 3, tail 1 day.
    assert.equal(w.windows.n, 3 + 1 + 2);
    assert.equal(w.skipped[2]!.count, 1);
  });

  test("restricted to a split: every row of every window belongs to the split", () => {
    const table = buildFeatures(randomPanel(4, 200, 9, { 1: [120] }));
    const split = splitByDate(table.day, { gapDays: 31, windowLength: 10, lookbackDays: table.lookbackDays });
    for (const part of ["train", "validation", "test"] as const) {
      const rows = split[part];
      const inSplit = new Uint8Array(table.X.rows);
      for (const i of rows) inSplit[i] = 1;
      const w = makeWindows(table, { length: 10, stride: 2, rows });
      assert.ok(w.windows.n > 0, `${part} has windows`);
      for (let k = 0; k < w.windows.n; k++) {
        for (let s = 0; s < 10; s++)
          assert.equal(inSplit[w.startRow[k]! + s], 1, `${part} window ${k} leaves the split`);
      }
      assert.equal(w.skipped[0]!.count, table.X.rows - rows.length);
    }
    // Unrestricted windows do cross the split boundaries, so the restriction above is doing work.
    const all = makeWindows(table, { length: 10, stride: 2 });
    const trainEnd = Math.max(...Array.from(split.train, (i) => table.day[i]!));
    assert.ok(Array.from(all.endDay).some((d) => d > trainEnd && d - 9 <= trainEnd));
  });

  test("errors: too long (naming the longest run), bad options, unsorted rows, unknown features", () => {
    const src = source();
    assert.throws(
      () => makeWindows(src, { length: 11, stride: 1 }),
      /Window length 11 is longer than every run of contiguous days: the longest is 10 days \(token 0, 2024-01-01..2024-01-10\). Use length <= 10/,
    );
    assert.throws(
      () => makeWindows(src, { length: 5, stride: 1, rows: [0, 1, 2] }),
      /inside the given rows: the longest is 3 days/,
    );
    assert.throws(() => makeWindows(src, { length: 0, stride: 1 }), /length must be a positive integer, got 0/);
    assert.throws(() => makeWindows(src, { length: 3, stride: 1.5 }), /stride must be a positive integer, got 1.5/);
    assert.throws(
      () => makeWindows(src, { length: 3, stride: 1, features: ["close"] }),
      /Unknown window feature "close". Available: row, tag/,
    );
    assert.throws(() => makeWindows(src, { length: 3, stride: 1, rows: [99] }), /index 99 \(position 0\) is outside/);
    const swapped = { ...src, day: src.day.slice().reverse() };
    assert.throws(() => makeWindows(swapped, { length: 3, stride: 1 }), /not sorted by \(token, day\)/);
    assert.throws(() => makeWindows({ ...src, token: new Int32Array(2) }, { length: 3, stride: 1 }), /arrays disagree/);
  });
});

describe("describeWindowArithmetic", () => {
  test("count and explanation on tiny examples", () => {
    const a = describeWindowArithmetic(10, 4, 3);
    assert.equal(a.nWindows, 3);
    assert.deepEqual(a.starts, [0, 3, 6]);
    assert.equal(a.uncoveredTail, 0);
    assert.match(a.explanation, /floor\(\(10 - 4\) \/ 3\) \+ 1 = 3 windows/);
    const b = describeWindowArithmetic(30, 16, 4);
    assert.equal(b.nWindows, 4);
    assert.equal(b.uncoveredTail, 2);
    assert.match(b.explanation, /leaving 2 day\(s\)/);
    assert.equal(describeWindowArithmetic(5, 5, 1).nWindows, 1);
    assert.equal(describeWindowArithmetic(3, 5, 1).nWindows, 0);
    assert.throws(() => describeWindowArithmetic(10, 0, 1), /length must be a positive integer/);
    assert.throws(() => describeWindowArithmetic(-1, 3, 1), /nDays must be a non-negative integer/);
  });

  test("agrees with makeWindows on a single run", () => {
    for (const [nDays, length, stride] of [
      [10, 4, 3],
      [30, 16, 4],
      [17, 5, 5],
      [9, 9, 2],
    ] as const) {
      const n = nDays;
      const src: WindowSource = {
        X: { data: new Float32Array(n), rows: n, cols: 1 },
        token: new Int32Array(n),
        day: Int32Array.from({ length: n }, (_, d) => BASE_DAY + d),
      };
      assert.equal(
        makeWindows(src, { length, stride }).windows.n,
        describeWindowArithmetic(nDays, length, stride).nWindows,
      );
    }
  });
});

describe("windowEndRows / windowsEndingAt", () => {
  test("every row with length - 1 contiguous earlier days of its token ends a window", () => {
    // Token 0: days 0,1,2,3 then a missing day 4 and days 5,6,7; token 1: days 0,1.
    const token = [0, 0, 0, 0, 0, 0, 0, 1, 1];
    const day = [0, 1, 2, 3, 5, 6, 7, 0, 1];
    assert.deepEqual(Array.from(windowEndRows(token, day, 3)), [2, 3, 6]);
    assert.deepEqual(Array.from(windowEndRows(token, day, 1)), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.throws(() => windowEndRows(token, day, 0), /positive integer/);
  });
  test("windowsEndingAt copies the rows ending at each end row, in order", () => {
    const X = { data: Float32Array.from([0, 10, 1, 11, 2, 12, 3, 13]), rows: 4, cols: 2 };
    const w = windowsEndingAt(X, [2, 3], 2);
    assert.equal(w.n, 2);
    assert.deepEqual(Array.from(w.data), [1, 11, 2, 12, 2, 12, 3, 13]);
    assert.throws(() => windowsEndingAt(X, [0], 2), /no 2-row window/);
  });
});
