import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  argsort,
  assertSameLength,
  averageRanks,
  erfc,
  mean,
  median,
  normalSurvival,
  pearson,
  quantile,
  quantileSorted,
  sortedCopy,
  std,
  toFinite64,
  toRng,
  variance,
} from "../../lib/stats/descriptive";
import { Rng } from "../../lib/runtime/rng";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

describe("toFinite64", () => {
  test("copies to Float64", () => {
    const out = toFinite64(new Float32Array([1.5, 2]), "x");
    assert.ok(out instanceof Float64Array);
    assert.deepEqual([...out], [1.5, 2]);
  });
  test("names the array and index of a NaN", () => {
    assert.throws(() => toFinite64([1, NaN, 3], "scores"), /scores\[1\] is NaN/);
    assert.throws(() => toFinite64([Infinity], "s"), /s\[0\] is Infinity/);
  });
  test("empty is an error unless allowed", () => {
    assert.throws(() => toFinite64([], "scores"), /scores is empty/);
    assert.equal(toFinite64([], "scores", true).length, 0);
  });
});

describe("sortedCopy and assertSameLength", () => {
  test("sortedCopy sorts numerically without touching the input", () => {
    const x = [10, 9, 100, -1];
    assert.deepEqual([...sortedCopy(x)], [-1, 9, 10, 100]);
    assert.deepEqual(x, [10, 9, 100, -1]);
  });
  test("assertSameLength names both arrays", () => {
    assert.doesNotThrow(() => assertSameLength([1], [2], "a", "b"));
    assert.throws(() => assertSameLength([1], [], "scores", "labels"), /scores has 1 values but labels has 0/);
  });
});

describe("quantile (numpy linear)", () => {
  // numpy.percentile([1..10], [99, 95, 50, 12.5]) = [9.91, 9.55, 5.5, 2.125]
  const x = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  test("matches numpy", () => {
    close(quantile(x, 0.99), 9.91);
    close(quantile(x, 0.95), 9.55);
    close(quantile(x, 0.5), 5.5);
    close(quantile(x, 0.125), 2.125);
    assert.equal(quantile(x, 0), 1);
    assert.equal(quantile(x, 1), 10);
  });
  test("single value and all-equal", () => {
    assert.equal(quantileSorted([4], 0.3), 4);
    assert.equal(quantile([2, 2, 2], 0.9), 2);
  });
  test("bad level and empty input throw", () => {
    assert.throws(() => quantile(x, 99), /pass 0.99/);
    assert.throws(() => quantileSorted([], 0.5), /empty/);
  });
  test("median of even and odd counts", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});

describe("ranks and order", () => {
  test("average ranks with ties (scipy rankdata)", () => {
    assert.deepEqual([...averageRanks([10, 20, 20, 30])], [1, 2.5, 2.5, 4]);
    assert.deepEqual([...averageRanks([5, 5, 5])], [2, 2, 2]);
    assert.deepEqual([...averageRanks([3, 1, 2, 1])], [4, 1.5, 3, 1.5]);
    assert.equal(averageRanks([]).length, 0);
  });
  test("argsort is stable in both directions", () => {
    assert.deepEqual([...argsort([2, 1, 2, 0])], [3, 1, 0, 2]);
    assert.deepEqual([...argsort([2, 1, 2, 0], true)], [0, 2, 1, 3]);
  });
});

describe("moments and correlation", () => {
  test("mean, variance, std", () => {
    assert.equal(mean([1, 2, 3, 4]), 2.5);
    close(variance([1, 2, 3, 4]), 1.25);
    close(variance([1, 2, 3, 4], 1), 5 / 3);
    close(std([2, 4, 4, 4, 5, 5, 7, 9]), 2);
    assert.ok(Number.isNaN(mean([])));
    assert.ok(Number.isNaN(variance([1], 1)));
  });
  test("pearson: perfect, anti, constant", () => {
    close(pearson([1, 2, 3], [2, 4, 6]), 1);
    close(pearson([1, 2, 3], [3, 2, 1]), -1);
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
    // Hand: x=[1,2,3,4], y=[1,3,2,4]: cov = 4, var_x = var_y = 5 -> 0.8
    close(pearson([1, 2, 3, 4], [1, 3, 2, 4]), 0.8);
  });
  test("normal tail", () => {
    close(normalSurvival(0), 0.5, 1e-7);
    close(normalSurvival(1.959963985), 0.025, 1e-7);
    close(normalSurvival(3), 0.0013498980316301, 1e-8);
    close(normalSurvival(-1), 1 - 0.15865525393145707, 1e-7);
    close(erfc(0), 1, 1e-7);
    // erfc(1) = 0.157299207050285, erfc(-0.5) = 1.520499877813047.
    close(erfc(1), 0.157299207050285, 1e-7);
    close(erfc(-0.5), 1.520499877813047, 1e-7);
  });
  test("toRng accepts a seed or a stream", () => {
    const a = toRng(5).uniform();
    assert.equal(new Rng(5).uniform(), a);
    const r = new Rng(9);
    assert.equal(toRng(r), r);
  });
});
