import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  mae,
  maePerColumn,
  maePerRow,
  mse,
  msePerColumn,
  msePerRow,
  r2,
  r2PerColumn,
  rmse,
} from "../../lib/evaluate/regression";
import { fromRows } from "../../lib/runtime/matrix";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe("regression errors", () => {
  // A = [[1, 2], [3, 4], [5, 6]], B = [[1, 0], [4, 4], [5, 9]]: differences [[0, 2], [-1, 0], [0, -3]].
  const A = fromRows([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const B = fromRows([
    [1, 0],
    [4, 4],
    [5, 9],
  ]);
  test("overall", () => {
    close(mse(A, B), (4 + 1 + 9) / 6);
    close(mae(A, B), (2 + 1 + 3) / 6);
    close(rmse(A, B), Math.sqrt(14 / 6));
  });
  test("per row (anomaly scores)", () => {
    assert.deepEqual([...msePerRow(A, B)], [2, 0.5, 4.5]);
    assert.deepEqual([...maePerRow(A, B)], [1, 0.5, 1.5]);
  });
  test("per column", () => {
    const m = msePerColumn(A, B);
    close(m[0]!, 1 / 3);
    close(m[1]!, 13 / 3);
    const a = maePerColumn(A, B);
    close(a[0]!, 1 / 3);
    close(a[1]!, 5 / 3);
  });
  test("vectors work as one column", () => {
    close(mse([1, 2, 3], [1, 2, 5]), 4 / 3);
    assert.deepEqual([...msePerRow([1, 2], [2, 2])], [1, 0]);
  });
});

describe("r2", () => {
  test("matches sklearn r2_score", () => {
    // sklearn: r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.9486081370449679
    close(r2([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 0.9486081370449679, 1e-12);
    // sklearn multioutput uniform average: 0.9368005266622779
    const yt = fromRows([
      [0.5, 1],
      [-1, 1],
      [7, -6],
    ]);
    const yp = fromRows([
      [0, 2],
      [-1, 2],
      [8, -5],
    ]);
    close(r2(yt, yp), 0.9368005266622779, 1e-7);
    assert.equal(r2PerColumn(yt, yp).length, 2);
  });
  test("constant target follows sklearn force_finite", () => {
    assert.equal(r2([2, 2, 2], [2, 2, 2]), 1);
    assert.equal(r2([2, 2, 2], [2, 3, 2]), 0);
  });
  test("worse than the mean is negative", () => {
    assert.ok(r2([1, 2, 3], [3, 2, 1]) < 0);
    close(r2([1, 2, 3], [3, 2, 1]), -3);
  });
});

describe("bad input", () => {
  test("shape mismatch", () => {
    assert.throws(() => mse(fromRows([[1, 2]]), fromRows([[1], [2]])), /shape \[1, 2\] but yPred has \[2, 1\]/);
    assert.throws(() => mse([1, 2], [1]), /must match/);
  });
  test("empty", () => {
    assert.throws(() => mse([], []), /empty/);
  });
  test("NaN names row and column", () => {
    assert.throws(
      () =>
        msePerRow(
          fromRows([
            [1, 2],
            [3, 4],
          ]),
          fromRows([
            [1, 2],
            [3, NaN],
          ]),
        ),
      /yPred\[row 1, col 1\] is NaN/,
    );
    assert.throws(() => mae([1, NaN], [1, 2]), /yTrue\[1\] is NaN/);
  });
});
