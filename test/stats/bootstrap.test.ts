import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  bootstrapCI,
  bootstrapStatistic,
  clusterBootstrapCI,
  clusterBootstrapStatistic,
} from "../../lib/stats/bootstrap";
import { Rng } from "../../lib/runtime/rng";

function normalSample(n: number, seed: number, mu = 0, sd = 1): number[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.normal(mu, sd));
}

describe("bootstrapCI", () => {
  test("same seed, same interval; other seed, other interval", () => {
    const x = normalSample(200, 1);
    const a = bootstrapCI(x, { rng: 42, nBoot: 300 });
    const b = bootstrapCI(x, { rng: 42, nBoot: 300 });
    const c = bootstrapCI(x, { rng: 43, nBoot: 300 });
    assert.deepEqual(a, b);
    assert.notEqual(a.lo, c.lo);
  });
  test("interval brackets the mean with about the textbook width", () => {
    const x = normalSample(400, 2, 1, 2);
    const res = bootstrapCI(x, { rng: 3, nBoot: 1000 });
    const m = x.reduce((s, v) => s + v, 0) / x.length;
    assert.equal(res.estimate, m);
    assert.ok(res.lo < m && m < res.hi);
    // Standard error of the mean ~ 2 / sqrt(400) = 0.1; 95% width ~ 0.39.
    assert.ok(Math.abs(res.se - 0.1) < 0.02, `se ${res.se}`);
    assert.ok(Math.abs(res.hi - res.lo - 0.39) < 0.08, `width ${res.hi - res.lo}`);
    assert.equal(res.nValid, 1000);
    assert.equal(res.resampled, "rows");
  });
  test("all-equal values give a zero-width interval", () => {
    const res = bootstrapCI([3, 3, 3, 3], { rng: 1, nBoot: 50 });
    assert.equal(res.lo, 3);
    assert.equal(res.hi, 3);
    assert.equal(res.se, 0);
    assert.match(res.warnings.join(" "), /Only 4 rows/);
  });
  test("custom statistic (median) and alpha", () => {
    const res = bootstrapCI([1, 2, 3, 4, 100], {
      rng: 5,
      nBoot: 200,
      alpha: 0.1,
      statistic: (s) => Float64Array.from(s).sort()[2]!,
    });
    assert.equal(res.estimate, 3);
    assert.equal(res.alpha, 0.1);
    assert.ok(res.hi <= 100 && res.lo >= 1);
  });
  test("bad options and input", () => {
    assert.throws(() => bootstrapCI([], { rng: 1 }), /empty/);
    assert.throws(() => bootstrapCI([1, 2], { rng: 1, nBoot: 1 }), /nBoot/);
    assert.throws(() => bootstrapCI([1, 2], { rng: 1, alpha: 1.5 }), /alpha/);
    assert.throws(() => bootstrapCI([1, NaN], { rng: 1 }), /values\[1\] is NaN/);
    assert.throws(() => bootstrapCI([1, 2], {} as never), /rng/);
  });
});

describe("bootstrapStatistic", () => {
  test("NaN replicates are dropped and counted", () => {
    // Statistic undefined when the resample misses row 0.
    const res = bootstrapStatistic(5, (idx) => (idx.includes(0) ? 1 : NaN), { rng: 7, nBoot: 400 });
    // P(row 0 missing from 5 draws) = (4/5)^5 = 0.328.
    assert.ok(res.nValid < 400 && res.nValid > 200, `nValid ${res.nValid}`);
    assert.match(res.warnings[0]!, /non-finite/);
    assert.equal(res.lo, 1);
  });
});

describe("cluster bootstrap", () => {
  // 20 groups of 10 rows; all rows of a group share one value, so rows are not independent.
  const groups: number[] = [];
  const values: number[] = [];
  const groupValues = normalSample(20, 11);
  for (let g = 0; g < 20; g++)
    for (let k = 0; k < 10; k++) {
      groups.push(g);
      values.push(groupValues[g]!);
    }
  test("wider than the row bootstrap when rows within a group are identical", () => {
    const rows = bootstrapCI(values, { rng: 1, nBoot: 500 });
    const clusters = clusterBootstrapCI(values, groups, { rng: 1, nBoot: 500 });
    assert.equal(clusters.nUnits, 20);
    assert.equal(clusters.resampled, "clusters");
    assert.equal(rows.estimate, clusters.estimate);
    // Effective sample size 20 instead of 200: width ratio ~ sqrt(10) ~ 3.2.
    const ratio = (clusters.hi - clusters.lo) / (rows.hi - rows.lo);
    assert.ok(ratio > 2.2 && ratio < 4.5, `ratio ${ratio}`);
  });
  test("deterministic with a seed, and groups may be strings", () => {
    const g = groups.map((v) => `token${v}`);
    const a = clusterBootstrapCI(values, g, { rng: 9, nBoot: 100 });
    const b = clusterBootstrapCI(values, groups, { rng: 9, nBoot: 100 });
    assert.deepEqual(a, b);
  });
  test("statistic sees whole groups", () => {
    const res = clusterBootstrapStatistic([0, 0, 1, 1, 1], (rows) => rows.length, { rng: 2, nBoot: 100 });
    // Two groups of size 2 and 3: a replicate has 4, 5 or 6 rows.
    assert.ok(res.lo >= 4 && res.hi <= 6);
    assert.equal(res.estimate, 5);
  });
  test("misaligned input throws", () => {
    assert.throws(() => clusterBootstrapCI([1, 2, 3], [0, 1], { rng: 1 }), /align/);
    assert.throws(() => clusterBootstrapStatistic([], () => 0, { rng: 1 }), /empty/);
  });
});
