import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { StandardScaler, RobustScaler, scalerFromJSON, DEFAULT_CLIP } from "../../lib/features/scaler";
import { quantileSorted } from "../../lib/stats/descriptive";
import { fromRows, column } from "../../lib/runtime/matrix";
import type { Matrix } from "../../lib/runtime/matrix";

function near(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
}

/** 8 rows x 3 columns: the first 4 rows (train) differ in level and spread from the rest. */
function trainTest(): { X: Matrix; train: Int32Array } {
  const X = fromRows([
    [1, 10, 5],
    [2, 20, 5],
    [3, 30, 5],
    [4, 40, 5], // train: col 2 constant
    [100, -5, 7],
    [200, -6, 8],
    [300, -7, 9],
    [400, -8, 10],
  ]);
  return { X, train: Int32Array.from([0, 1, 2, 3]) };
}

describe("StandardScaler", () => {
  test("statistics come from the train rows only", () => {
    const { X, train } = trainTest();
    const s = new StandardScaler({ featureNames: ["a", "b", "c"] }).fit(X, train);
    // Train column a = 1..4: mean 2.5, population std sqrt(1.25).
    assert.deepEqual(Array.from(s.center!), [2.5, 25, 5]);
    near(s.scale![0]!, Math.sqrt(1.25), 1e-12, "std a");
    near(s.scale![1]!, Math.sqrt(125), 1e-12, "std b");
    const Z = s.transform(X);
    // Train rows standardise to mean 0 / std 1; the test rows (far away) do not.
    for (let j = 0; j < 2; j++) {
      const z = column(Z, j).slice(0, 4);
      const m = z.reduce((x, y) => x + y, 0) / 4;
      near(m, 0, 1e-6, `train mean col ${j}`);
      near(z.reduce((x, y) => x + (y - m) ** 2, 0) / 4, 1, 1e-5, `train var col ${j}`);
    }
    near(Z.data[4 * 3 + 0]!, (100 - 2.5) / Math.sqrt(1.25), 1e-3, "test row scaled with train stats");
    // Fitting on every row would give different statistics: the test would fail if rows were ignored.
    const all = new StandardScaler().fit(X);
    assert.notEqual(all.center![0], s.center![0]);
  });

  test("zero-variance feature: scale 1 and a warning naming it", () => {
    const { X, train } = trainTest();
    const s = new StandardScaler({ featureNames: ["a", "b", "c"] }).fit(X, train);
    assert.equal(s.scale![2], 1);
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0]!, /Feature "c" has zero spread on the 4 fit rows/);
    const Z = s.transform(X);
    assert.equal(Z.data[2], 0);
    assert.equal(Z.data[7 * 3 + 2], 5);
  });

  test("JSON round trip gives identical transforms; inverseTransform undoes transform", () => {
    const { X, train } = trainTest();
    const s = new StandardScaler({ featureNames: ["a", "b", "c"] }).fit(X, train);
    const json = JSON.parse(JSON.stringify(s.toJSON()));
    const back = scalerFromJSON(json);
    assert.ok(back instanceof StandardScaler);
    assert.deepEqual(back.featureNames, ["a", "b", "c"]);
    assert.equal(back.nFitRows, 4);
    assert.deepEqual(back.transform(X).data, s.transform(X).data);
    const round = s.inverseTransform(s.transform(X));
    for (let p = 0; p < X.data.length; p++)
      near(round.data[p]!, X.data[p]!, 1e-4 * Math.max(1, Math.abs(X.data[p]!)), `value ${p}`);
  });

  test("clipping bounds extreme values and counts them per feature", () => {
    const { X, train } = trainTest();
    const s = new StandardScaler({ clip: DEFAULT_CLIP }).fit(X, train);
    const r = s.transformWithReport(X);
    // Col a: test rows (100..400 - 2.5) / 1.118 > 10 -> 4 clipped; col b: (-5 - 25) / 11.18 = -2.7, none.
    assert.deepEqual(r.clippedPerFeature, [4, 0, 0]);
    assert.equal(r.clipped, 4);
    assert.equal(r.X.data[4 * 3], DEFAULT_CLIP);
    assert.ok(Math.max(...r.X.data) <= DEFAULT_CLIP && Math.min(...r.X.data) >= -DEFAULT_CLIP);
  });

  test("in-place transform writes into the input buffer", () => {
    const { X, train } = trainTest();
    const s = new StandardScaler().fit(X, train);
    const expected = s.transform(X).data;
    const out = s.transform(X, true);
    assert.equal(out.data, X.data);
    assert.deepEqual(out.data, expected);
  });
});

describe("RobustScaler", () => {
  test("median and IQR on a hand case", () => {
    // Column [1, 2, 3, 4, 100]: median 3, q25 2, q75 4 -> IQR 2; the outlier does not move them.
    const X = fromRows([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
      [100, 1],
    ]);
    const s = new RobustScaler({ featureNames: ["x", "flag"] }).fit(X);
    assert.equal(s.center![0], 3);
    assert.equal(s.scale![0], 2);
    // Column flag: median 0, IQR 0 -> scale 1 with a warning.
    assert.equal(s.scale![1], 1);
    assert.match(s.warnings[0]!, /"flag" has zero spread/);
    const Z = s.transform(X);
    assert.deepEqual(Array.from(column(Z, 0)), [-1, -0.5, 0, 0.5, 48.5]);
    const back = scalerFromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    assert.ok(back instanceof RobustScaler);
    assert.deepEqual(back.transform(X).data, Z.data);
  });

  test("quantiles interpolate linearly between order statistics (numpy default)", () => {
    const v = Float64Array.from([10, 20, 30, 40]);
    assert.equal(quantileSorted(v, 0.25), 17.5);
    assert.equal(quantileSorted(v, 0.5), 25);
    assert.equal(quantileSorted(v, 0.75), 32.5);
    assert.equal(quantileSorted(v, 1), 40);
    assert.equal(quantileSorted(Float64Array.from([7]), 0.3), 7);
    assert.throws(() => quantileSorted(new Float64Array(0), 0.5), /empty/);
    assert.throws(() => quantileSorted(v, 1.5), /\[0, 1\], got 1.5/);
  });

  test("fitted on train rows only", () => {
    const { X, train } = trainTest();
    const s = new RobustScaler().fit(X, train);
    assert.deepEqual(Array.from(s.center!), [2.5, 25, 5]);
    assert.deepEqual(Array.from(s.scale!), [1.5, 15, 1]);
  });
});

describe("scaler errors", () => {
  test("NaN in the input names row, column and feature", () => {
    const X = fromRows([
      [1, 2],
      [3, NaN],
      [5, 6],
    ]);
    assert.throws(
      () => new StandardScaler({ featureNames: ["a", "b"] }).fit(X),
      /value NaN at row 1, column 1 \("b"\) is not finite/,
    );
    // NaN outside the fitted rows does not stop fit, but transform refuses it.
    const s = new StandardScaler({ featureNames: ["a", "b"] }).fit(X, [0, 2]);
    assert.throws(() => s.transform(X), /row 1, column 1 \("b"\)/);
    assert.throws(() => new RobustScaler().fit(fromRows([[Infinity]])), /value Infinity at row 0, column 0/);
  });

  test("misuse is refused with the fix", () => {
    const X = fromRows([
      [1, 2],
      [3, 4],
    ]);
    assert.throws(() => new StandardScaler().transform(X), /not fitted: call fit/);
    assert.throws(() => new StandardScaler().toJSON(), /not fitted/);
    assert.throws(() => new StandardScaler({ featureNames: ["a"] }).fit(X), /1 feature names but X has 2 columns/);
    const s = new StandardScaler().fit(X);
    assert.throws(() => s.transform(fromRows([[1, 2, 3]])), /fitted on 2 features \(f0, f1\) but X has 3 columns/);
    assert.throws(() => new StandardScaler().fit(X, []), /no rows/);
    assert.throws(() => new StandardScaler().fit(X, [0, 5]), /row index 5 \(position 1\) is outside 0..1/);
    assert.throws(() => new StandardScaler({ clip: -1 }), /clip must be a positive finite number/);
    const json = s.toJSON();
    assert.throws(() => RobustScaler.fromJSON(json), /Saved scaler is "standard", cannot load it into a robust scaler/);
    assert.throws(() => scalerFromJSON({ ...json, scale: [0, 1] }), /scale 0 for "f0"/);
    assert.throws(() => scalerFromJSON({ ...json, center: [1] }), /inconsistent: 2 names, 1 centres/);
    assert.throws(() => scalerFromJSON({ ...json, kind: "minmax" as never }), /Unknown scaler kind "minmax"/);
  });
});
