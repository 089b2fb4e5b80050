import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { addGaussianNoise, randomMask } from "../../lib/evaluate/noise";
import { matrix, type Windows } from "../../lib/runtime/matrix";

function ramp(rows: number, cols: number) {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (i % 17) / 4;
  return matrix(data, rows, cols);
}

describe("addGaussianNoise", () => {
  const X = ramp(2000, 8);
  test("added noise has the requested standard deviation and zero mean", () => {
    const Y = addGaussianNoise(X, 0.3, 1);
    assert.equal(Y.rows, 2000);
    assert.equal(Y.cols, 8);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < X.data.length; i++) {
      const d = Y.data[i]! - X.data[i]!;
      s += d;
      s2 += d * d;
    }
    const n = X.data.length;
    const m = s / n;
    const sd = Math.sqrt(s2 / n - m * m);
    // 16,000 draws: sd of the sample sd ~ 0.3 / sqrt(32000) ~ 0.0017.
    assert.ok(Math.abs(sd - 0.3) < 0.01, `sd ${sd}`);
    assert.ok(Math.abs(m) < 0.01, `mean ${m}`);
  });
  test("input untouched, seeded, std 0 is a copy", () => {
    const before = Float32Array.from(X.data);
    const a = addGaussianNoise(X, 1, 5);
    const b = addGaussianNoise(X, 1, 5);
    assert.deepEqual(X.data, before);
    assert.deepEqual(a.data, b.data);
    assert.notDeepEqual(a.data, addGaussianNoise(X, 1, 6).data);
    const c = addGaussianNoise(X, 0, 5);
    assert.deepEqual(c.data, X.data);
    assert.notEqual(c.data, X.data);
  });
  test("keeps the shape of Windows", () => {
    const w: Windows = { data: new Float32Array(2 * 3 * 4), n: 2, length: 3, features: 4 };
    const out = addGaussianNoise(w, 0.1, 1);
    assert.equal(out.n, 2);
    assert.equal(out.length, 3);
    assert.equal(out.features, 4);
  });
  test("bad std throws", () => {
    assert.throws(() => addGaussianNoise(X, -1, 1), /std must be/);
    assert.throws(() => addGaussianNoise(X, NaN, 1), /std must be/);
  });
});

describe("randomMask", () => {
  const X = ramp(1000, 10);
  test("masks exactly round(fraction * size) values with the fill value", () => {
    const { masked, mask, nMasked } = randomMask(X, 0.15, 3, -9);
    assert.equal(nMasked, 1500);
    let count = 0;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) {
        count++;
        assert.equal(masked.data[i], -9);
      } else assert.equal(masked.data[i], X.data[i]);
    }
    assert.equal(count, 1500);
  });
  test("mask spread over rows and columns (no clustering)", () => {
    const { mask } = randomMask(X, 0.2, 4);
    const perCol = new Array(10).fill(0);
    for (let i = 0; i < mask.length; i++) perCol[i % 10] += mask[i]!;
    // Each column expects 200 of 1000; binomial sd ~ 12.6.
    for (const c of perCol) assert.ok(Math.abs(c - 200) < 60, `column count ${c}`);
  });
  test("edges: 0 and 1, seeded, input untouched", () => {
    assert.equal(randomMask(X, 0, 1).nMasked, 0);
    const all = randomMask(X, 1, 1);
    assert.ok(all.masked.data.every((v) => v === 0));
    assert.deepEqual(randomMask(X, 0.3, 8).mask, randomMask(X, 0.3, 8).mask);
    assert.notDeepEqual(randomMask(X, 0.3, 8).mask, randomMask(X, 0.3, 9).mask);
    assert.equal(X.data[1], 0.25);
  });
  test("bad fraction throws", () => {
    assert.throws(() => randomMask(X, 1.2, 1), /fraction must be in \[0, 1\]/);
  });
});
