import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  compareToLevel,
  compareValues,
  betterOrWorse,
  isTie,
  leaders,
  listNames,
  proportionInterval,
  relativeWording,
} from "../../lib/stats/compare";

describe("compareValues", () => {
  test("equal values are a tie, also when they print the same at the digits shown", () => {
    assert.equal(compareValues(0.25, 0.25), "tie");
    assert.equal(compareValues(0.1 + 0.2, 0.3), "tie");
    assert.equal(compareValues(0.2501, 0.2504, { digits: 2 }), "tie");
    assert.equal(compareValues(0.2501, 0.2504), "lower");
    assert.equal(compareValues(1.0, 1.004, { tolerance: 0.005 }), "tie");
    assert.ok(isTie(3, 3));
  });

  test("overlapping intervals are an overlap, whichever value is larger", () => {
    assert.equal(compareValues({ value: 0.6, lo: 0.5, hi: 0.7 }, { value: 0.55, lo: 0.45, hi: 0.65 }), "overlap");
    assert.equal(compareValues({ value: 0.55, lo: 0.45, hi: 0.65 }, { value: 0.6, lo: 0.5, hi: 0.7 }), "overlap");
    // A point inside the other's interval.
    assert.equal(compareValues(0.62, { value: 0.6, lo: 0.5, hi: 0.7 }), "overlap");
    assert.equal(compareValues({ value: 0.6, lo: 0.5, hi: 0.7 }, 0.8), "lower");
  });

  test("separated values are ordered, reversed inputs reverse the verdict", () => {
    const a = { value: 0.9, lo: 0.85, hi: 0.95 };
    const b = { value: 0.6, lo: 0.5, hi: 0.7 };
    assert.equal(compareValues(a, b), "higher");
    assert.equal(compareValues(b, a), "lower");
    assert.equal(compareValues(NaN, 1), "unknown");
    assert.equal(betterOrWorse("lower", "lower"), "better");
    assert.equal(betterOrWorse("lower", "higher"), "worse");
    assert.equal(betterOrWorse("tie", "higher"), "tie");
  });

  test("a difference against a level: above, below, covering it, or printing as it", () => {
    assert.equal(compareToLevel({ value: 0.2, lo: 0.1, hi: 0.3 }), "higher");
    assert.equal(compareToLevel({ value: -0.2, lo: -0.3, hi: -0.1 }), "lower");
    assert.equal(compareToLevel({ value: 0.2, lo: -0.1, hi: 0.3 }), "overlap");
    assert.equal(compareToLevel({ value: 1.001, lo: 1.0005, hi: 1.002 }, 1, { digits: 2 }), "tie");
  });

  test("bad options name the value and the fix", () => {
    assert.throws(() => compareValues(1, 2, { digits: -1 }), /digits must be an integer in \[0, 20\], got -1/);
    assert.throws(() => compareValues(1, 2, { tolerance: -0.1 }), /tolerance must be >= 0, got -0.1/);
  });
});

describe("leaders", () => {
  const items = [
    { n: "a", v: 0.5 },
    { n: "b", v: 0.7 },
    { n: "c", v: 0.7 },
    { n: "d", v: NaN },
  ];
  test("ties share the lead; a clear lead is clear", () => {
    const l = leaders(items, (x) => x.v);
    assert.deepEqual(
      l.tied.map((x) => x.n),
      ["b", "c"],
    );
    assert.equal(l.clear, false);
    const low = leaders(items, (x) => x.v, { better: "lower" });
    assert.equal(low.best?.n, "a");
    assert.equal(low.clear, true);
    assert.equal(leaders([{ n: "x", v: NaN }], (x) => x.v).best, null);
  });
  test("overlapping intervals share the lead", () => {
    const l = leaders(
      [
        { n: "a", e: { value: 0.8, lo: 0.7, hi: 0.9 } },
        { n: "b", e: { value: 0.75, lo: 0.65, hi: 0.85 } },
        { n: "c", e: { value: 0.3, lo: 0.2, hi: 0.4 } },
      ],
      (x) => x.e,
    );
    assert.deepEqual(
      l.tied.map((x) => x.n),
      ["a", "b"],
    );
  });
});

describe("proportionInterval and listNames", () => {
  test("Wilson interval: inside [0, 1], narrows with n, brackets p", () => {
    const small = proportionInterval(0.25, 20);
    const big = proportionInterval(0.25, 2000);
    assert.ok(small.lo! < 0.25 && small.hi! > 0.25 && small.lo! >= 0);
    assert.ok(big.hi! - big.lo! < small.hi! - small.lo!);
    assert.deepEqual(proportionInterval(0, 10).lo, 0);
    assert.throws(() => proportionInterval(1.5, 10), /p must be in \[0, 1\], got 1.5/);
  });
  test("names are joined as a sentence would", () => {
    assert.equal(listNames([]), "");
    assert.equal(listNames(["AE"]), "AE");
    assert.equal(listNames(["AE", "VAE"]), "AE and VAE");
    assert.equal(listNames(["AE", "VAE", "DAE"]), "AE, VAE and DAE");
  });
});

describe("relativeWording", () => {
  test("lower, higher, and a change that prints as zero is level", () => {
    assert.equal(relativeWording(0.0455, 0.0771), "41.0% lower than");
    assert.equal(relativeWording(0.1388, 0.0771, { bold: true }), "**80.0% higher** than");
    assert.equal(relativeWording(0.5, 0.5), "level with");
    assert.equal(relativeWording(0.50001, 0.5, { bold: true }), "**level with**");
    assert.equal(relativeWording(0.05, 0.73, { lower: "below", higher: "above", than: false }), "93.2% below");
    assert.equal(relativeWording(1, 0), "not comparable with");
  });
});
