/**
 * Standardised reconstruction error: equal to mean z² of the residuals fitted on the fit
 * rows, features weighted by their residual spread, chunking and a diverged model's error.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fitMeanZ2 } from "../../lib/anomaly/anchors-tabular";
import { fitStandardisedError, residualMatrix, type Reconstructor } from "../../lib/anomaly/residual-scores";
import { fromRows, type Matrix } from "../../lib/runtime/matrix";
import { makeRng } from "../../lib/runtime/rng";

/** Rebuilds column 0 exactly and column 1 as 0: residual (0, x1). */
const halfModel: Reconstructor = {
  name: "half",
  reconstruct: (x: Matrix) => {
    const out = new Float32Array(x.data.length);
    for (let i = 0; i < x.rows; i++) out[i * x.cols] = x.data[i * x.cols]!;
    return { data: out, rows: x.rows, cols: x.cols };
  },
};

describe("standardised reconstruction error", () => {
  test("residuals are x - reconstruct(x), for all rows or a subset", () => {
    const X = fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    assert.deepEqual(Array.from(residualMatrix(halfModel, X).data), [0, 2, 0, 4, 0, 6]);
    assert.deepEqual(Array.from(residualMatrix(halfModel, X, [2, 0]).data), [0, 6, 0, 2]);
  });

  test("the score is mean z² of the residuals fitted on the fit rows", () => {
    const rng = makeRng(4);
    const X = fromRows(Array.from({ length: 300 }, () => [rng.normal() * 5, rng.normal() * 2 + 1]));
    const fit = Int32Array.from({ length: 200 }, (_, i) => i);
    const scorer = fitStandardisedError(halfModel, X, fit);
    const expected = fitMeanZ2(residualMatrix(halfModel, X, fit)).score(residualMatrix(halfModel, X, [250, 260]));
    const got = scorer.score(X, [250, 260]);
    assert.deepEqual(Array.from(got), Array.from(expected));
    assert.equal(scorer.residualStats.nFitRows, 200);
    assert.equal(scorer.model, "half");
  });

  test("an error on a feature that normal rows rebuild well weighs more than the same error on a noisy one", () => {
    const rng = makeRng(5);
    // Identity-with-noise model: column 0 rebuilt with error sd 0.01, column 1 with error sd 1.
    const noisy: Reconstructor = {
      name: "noisy",
      reconstruct: (x: Matrix) => {
        const out = Float32Array.from(x.data);
        for (let i = 0; i < x.rows; i++) {
          out[i * 2] = x.data[i * 2]! + rng.normal() * 0.01;
          out[i * 2 + 1] = x.data[i * 2 + 1]! + rng.normal();
        }
        return { data: out, rows: x.rows, cols: 2 };
      },
    };
    const X = fromRows(Array.from({ length: 500 }, () => [rng.normal(), rng.normal()]));
    const scorer = fitStandardisedError(noisy, X);
    const shifted: Reconstructor = {
      name: "shifted",
      reconstruct: (x: Matrix) => {
        const out = Float32Array.from(x.data);
        out[0] = x.data[0]! - 0.5; // row 0: error 0.5 on the well-rebuilt column
        out[3] = x.data[3]! - 0.5; // row 1: error 0.5 on the noisy column
        return { data: out, rows: x.rows, cols: 2 };
      },
    };
    const r = residualMatrix(
      shifted,
      fromRows([
        [0, 0],
        [0, 0],
      ]),
    );
    const s = scorer.residualStats.score(r);
    assert.ok(s[0]! > 100 * s[1]!, `${s[0]} vs ${s[1]}`);
  });

  test("a diverged model is an error naming the row", () => {
    const bad: Reconstructor = {
      name: "bad",
      reconstruct: (x: Matrix) => ({ data: new Float32Array(x.data.length).fill(NaN), rows: x.rows, cols: x.cols }),
    };
    assert.throws(() => residualMatrix(bad, fromRows([[1, 2]])), /bad gave a non-finite reconstruction for row 0/);
  });
});
