/**
 * Price-only data (no high, low or volume: fewer features) still run the evaluation's sweep
 * and the volatility benchmark: the sweep drops sizes that do not compress, HAR's daily term
 * falls back to |logret_1d|.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as ds from "../../lib/evaluate/downstream";
import { evaluationBudget, sweepLatentSizes } from "../../lib/evaluate/budget";

describe("price-only data", () => {
  test("sweep sizes: only sizes smaller than the inputs; at least one", () => {
    assert.deepEqual(sweepLatentSizes([2, 4, 8, 16], 13), { sizes: [2, 4, 8], dropped: [16] });
    assert.deepEqual(sweepLatentSizes([2, 4, 8, 16], 17), { sizes: [2, 4, 8, 16], dropped: [] });
    assert.deepEqual(sweepLatentSizes([8, 16], 5), { sizes: [4], dropped: [8, 16] });
    assert.deepEqual(sweepLatentSizes(evaluationBudget("ci").latentDims, 13).dropped, [16]);
    assert.throws(() => sweepLatentSizes([2], 1), /at least 2 inputs to compress, got 1/);
  });

  test("forward volatility: the range where the panel has high and low, closes otherwise", () => {
    const nan = Number.NaN;
    assert.equal(
      ds.volEstimatorFor({ high: Float64Array.from([2, 3, 4]), low: Float64Array.from([1, 2, 3]) }),
      "range",
    );
    assert.equal(
      ds.volEstimatorFor({ high: Float64Array.from([nan, nan, 4]), low: Float64Array.from([nan, nan, 3]) }),
      "close",
    );
    assert.equal(ds.volEstimatorFor({ high: new Float64Array(0), low: new Float64Array(0) }), "close");
  });

  test("HAR on price-only features: the daily term is ln|logret_1d|", () => {
    const featureNames = ["logret_1d", "logret_5d", "vol_10d", "vol_30d"];
    const raw = { data: Float32Array.from([-0.05, 0.1, 0.02, 0.03, 0.01, 0.0, 0.04, 0.05]), rows: 2, cols: 4 };
    const har = ds.harRepresentation({
      raw,
      token: Int32Array.from([0, 0]),
      day: Int32Array.from([1, 2]),
      split: Int8Array.from([0, 2]),
      featureNames,
    });
    assert.equal(har.X.cols, 3);
    const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;
    assert.ok(close(har.X.data[0]!, Math.log(0.05)), `${har.X.data[0]} vs ln 0.05`);
    assert.ok(close(har.X.data[1]!, Math.log(0.02)));
    assert.ok(close(har.X.data[2]!, Math.log(0.03)));
    assert.ok(close(har.X.data[3]!, Math.log(0.01)));
    // Without either daily term the error names what is missing and the stand-in.
    assert.throws(
      () =>
        ds.harRepresentation({
          raw,
          token: Int32Array.from([0, 0]),
          day: Int32Array.from([1, 2]),
          split: Int8Array.from([0, 2]),
          featureNames: ["a", "b", "vol_10d", "vol_30d"],
        }),
      /the features hl_range are missing .*logret_1d can stand in for hl_range/,
    );
  });
});
