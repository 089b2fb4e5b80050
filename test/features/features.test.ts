import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  buildFeatures,
  defaultFeatureNames,
  featureCatalogue,
  describeFeatureTable,
  LOG_VOLUME_STD_FLOOR,
  RETURN_STD_FLOOR,
  MIN_VARIANCE,
} from "../../lib/features/features";
import type { FeatureTable } from "../../lib/features/features";
import type { Panel } from "../../lib/data/panel";
import { BASE_DAY, clonePanel, closesFromReturns, daysWithout, makePanel, randomPanel } from "./fixtures";

/** Float32 storage: compare to 1e-5 relative plus 1e-6 absolute. */
function close(actual: number, expected: number, what: string): void {
  const tol = 1e-6 + 1e-5 * Math.abs(expected);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected}`);
}

function value(t: FeatureTable, row: number, name: string): number {
  const j = t.featureNames.indexOf(name);
  assert.ok(j >= 0, `no feature ${name}`);
  return t.X.data[row * t.X.cols + j]!;
}

function rowAtDay(t: FeatureTable, token: number, offset: number): number {
  for (let i = 0; i < t.day.length; i++) if (t.token[i] === token && t.day[i] === BASE_DAY + offset) return i;
  return -1;
}

function droppedCount(t: FeatureTable, reason: string): number {
  return t.dropped.find((d) => d.reason === reason)!.count;
}

describe("returns on hand-made panels", () => {
  // Day-by-day log returns chosen by hand; closes follow exactly.
  const rets = [
    0.01, -0.02, 0.03, 0.0, 0.05, -0.01, 0.02, 0.04, -0.03, 0.01, 0.02, -0.05, 0.01, 0.0, 0.03, 0.02, -0.02, 0.01, 0.01,
    0.02, -0.04, 0.03, 0.01, 0.0, -0.01,
  ];
  const closes = closesFromReturns(rets); // 26 days, day k has close 100 * exp(sum of rets[0..k-1])

  test("1, 5 and 20-day log returns equal the sums of the daily returns", () => {
    const p = makePanel([{ days: daysWithout(26), close: closes }]);
    const t = buildFeatures(p, { features: ["logret_1d", "logret_5d", "logret_20d"] });
    assert.equal(t.lookbackDays, 20);
    assert.equal(t.X.rows, 6); // days 20..25
    assert.equal(droppedCount(t, "warm-up"), 20);
    for (let d = 20; d <= 25; d++) {
      const i = rowAtDay(t, 0, d);
      assert.ok(i >= 0, `day ${d} kept`);
      const sum = (a: number, b: number): number => rets.slice(a, b).reduce((s, r) => s + r, 0);
      close(value(t, i, "logret_1d"), rets[d - 1]!, `1d at ${d}`);
      close(value(t, i, "logret_5d"), sum(d - 5, d), `5d at ${d}`);
      close(value(t, i, "logret_20d"), sum(d - 20, d), `20d at ${d}`);
    }
    // Day 20's 20-day return by hand: ln(close20 / close0).
    close(value(t, rowAtDay(t, 0, 20), "logret_20d"), Math.log(closes[20]! / 100), "ln(c20/c0)");
  });

  test("a missing day is not treated as one day: 1-day return across it is undefined", () => {
    // Day 4 missing. Closes stay those of the full calendar (the missing day simply has no row).
    const days = daysWithout(16, [4]);
    const p = makePanel([{ days, close: days.map((d) => closes[d]!) }]);
    const t = buildFeatures(p, { returnHorizons: [1, 5], features: ["logret_1d", "logret_5d"] });
    // Warm-up: days 0..3 (day 4 absent). Day 5 has no yesterday -> dropped for the gap.
    assert.equal(droppedCount(t, "warm-up"), 4);
    assert.equal(droppedCount(t, "gaps"), 1);
    assert.equal(rowAtDay(t, 0, 5), -1);
    assert.equal(t.X.rows, days.length - 5);
    // Day 6: 1-day return is ln(c6/c5), never ln(c5/c3) stretched over two days.
    close(value(t, rowAtDay(t, 0, 6), "logret_1d"), Math.log(closes[6]! / closes[5]!), "1d at day 6");
    // Day 9: day 4 (d-5) missing -> earliest close in [d-5, d-4] = day 5; a 4-day span, counted as a repair.
    close(value(t, rowAtDay(t, 0, 9), "logret_5d"), Math.log(closes[9]! / closes[5]!), "5d at day 9 over day 5");
    close(value(t, rowAtDay(t, 0, 10), "logret_5d"), Math.log(closes[10]! / closes[5]!), "5d at day 10 exact");
    close(value(t, rowAtDay(t, 0, 8), "logret_5d"), Math.log(closes[8]! / closes[3]!), "5d at day 8 exact");
    assert.deepEqual(t.repairs, [{ reason: "logret_5d over a shorter span (day d-5 missing)", count: 1 }]);
  });

  test("minCoverage 1 refuses the shortened span; a long gap leaves returns undefined", () => {
    const days = daysWithout(16, [4]);
    const p = makePanel([{ days, close: days.map((d) => closes[d]!) }]);
    const strict = buildFeatures(p, { returnHorizons: [1, 5], features: ["logret_1d", "logret_5d"], minCoverage: 1 });
    assert.equal(rowAtDay(strict, 0, 9), -1);
    assert.equal(droppedCount(strict, "gaps"), 2); // days 5 and 9
    // A 6-day hole (days 10..15 missing): nothing in [d-5, d-4] for day 16 and 17 -> dropped.
    const d2 = daysWithout(26, [10, 11, 12, 13, 14, 15]);
    const p2 = makePanel([{ days: d2, close: d2.map((d) => closes[d]!) }]);
    const t2 = buildFeatures(p2, { returnHorizons: [1, 5], features: ["logret_1d", "logret_5d"] });
    for (const d of [16, 17, 18, 19]) assert.equal(rowAtDay(t2, 0, d), -1, `day ${d} dropped`);
    close(
      value(t2, rowAtDay(t2, 0, 20), "logret_5d"),
      Math.log(closes[20]! / closes[16]!),
      "day 20 over day 16 (4-day span)",
    );
    close(value(t2, rowAtDay(t2, 0, 21), "logret_5d"), Math.log(closes[21]! / closes[16]!), "day 21 exact");
  });

  test("intraday shape features by hand", () => {
    const days = daysWithout(3);
    const p = makePanel([{ days, close: [10, 12, 9], open: [10, 10, 12], high: [11, 13, 12.5], low: [9, 9.5, 8] }]);
    const t = buildFeatures(p, { features: ["hl_range", "co_return", "upper_shadow", "lower_shadow"] });
    assert.equal(t.X.rows, 3);
    assert.equal(t.lookbackDays, 0);
    close(value(t, 1, "hl_range"), Math.log(13 / 9.5), "range");
    close(value(t, 1, "co_return"), Math.log(12 / 10), "body");
    close(value(t, 1, "upper_shadow"), Math.log(13 / 12), "upper");
    close(value(t, 1, "lower_shadow"), Math.log(10 / 9.5), "lower");
    close(value(t, 2, "upper_shadow"), Math.log(12.5 / 12), "upper on a down day");
    close(value(t, 2, "lower_shadow"), Math.log(9 / 8), "lower on a down day");
  });
});

describe("market-relative return", () => {
  // Four tokens over 3 days; on day 2 their 1-day returns are r0..r3 exactly.
  const r = [0.05, -0.01, 0.02, 0.08];
  const panel = makePanel(r.map((x) => ({ days: [0, 1, 2], close: [100, 100, 100 * Math.exp(x)] })));

  test("leave-one-out median excludes the token itself", () => {
    const t = buildFeatures(panel, { features: ["mkt_rel_ret"], minMarketTokens: 3 });
    // Others of token 0: [-0.01, 0.02, 0.08] -> median 0.02.
    close(value(t, rowAtDay(t, 0, 2), "mkt_rel_ret"), 0.05 - 0.02, "token 0");
    // Others of token 3: [0.05, -0.01, 0.02] -> median 0.02.
    close(value(t, rowAtDay(t, 3, 2), "mkt_rel_ret"), 0.08 - 0.02, "token 3");
    // Others of token 2: [0.05, -0.01, 0.08] -> median 0.05.
    close(value(t, rowAtDay(t, 2, 2), "mkt_rel_ret"), 0.02 - 0.05, "token 2");
    // Day 0 has no returns: warm-up.
    assert.equal(droppedCount(t, "warm-up"), 4);
  });

  test("leave-one-out median with an even number of others, and the mean", () => {
    const t = buildFeatures(panel, { features: ["mkt_rel_ret"], minMarketTokens: 2 });
    close(value(t, rowAtDay(t, 1, 2), "mkt_rel_ret"), -0.01 - 0.05, "token 1, others [0.05, 0.02, 0.08]");
    const m = buildFeatures(panel, { features: ["mkt_rel_ret"], market: "mean" });
    close(value(m, rowAtDay(m, 0, 2), "mkt_rel_ret"), 0.05 - (-0.01 + 0.02 + 0.08) / 3, "mean of others");
  });

  test("too few other tokens: rows dropped as thin market, and an error when none survive", () => {
    const t = buildFeatures(panel, { features: ["logret_1d", "mkt_rel_ret"], minMarketTokens: 3 });
    assert.equal(t.X.rows, 8);
    // Three tokens can never have 3 others: the market feature is left out, with the reason.
    const three = makePanel(r.slice(0, 3).map((x) => ({ days: [0, 1, 2], close: [100, 100, 100 * Math.exp(x)] })));
    const t3 = buildFeatures(three, { features: ["logret_1d", "mkt_rel_ret"], minMarketTokens: 3 });
    assert.deepEqual(t3.featureNames, ["logret_1d"]);
    assert.equal(t3.leftOut[0]!.feature, "mkt_rel_ret");
    assert.match(t3.leftOut[0]!.reason, /more than 3 tokens.*the panel has 3/);
    assert.throws(
      () => buildFeatures(three, { features: ["mkt_rel_ret"], minMarketTokens: 3 }),
      /None of the chosen features can be built/,
    );
  });
});

/** Brute-force reference of every default feature, straight from the documented definitions. */
function referenceFeatures(p: Panel, coverage = 0.8): Map<string, Float64Array> {
  const n = p.day.length;
  const rowOf = new Map<string, number>();
  for (let i = 0; i < n; i++) rowOf.set(`${p.token[i]}:${p.day[i]}`, i);
  const at = (t: number, d: number): number => rowOf.get(`${t}:${d}`) ?? -1;
  const need = (w: number): number => Math.max(2, Math.ceil(coverage * w - 1e-9));
  const lc = (i: number): number => Math.log(p.close[i]!);
  const lv = (i: number): number => Math.log1p(p.volume[i]!);
  const ret = (i: number, h: number): number => {
    const t = p.token[i]!;
    const d = p.day[i]!;
    for (let e = d - h; e <= d - Math.max(1, Math.ceil(coverage * h - 1e-9)); e++) {
      const j = at(t, e);
      if (j >= 0) return lc(i) - lc(j);
    }
    return NaN;
  };
  const r1 = Float64Array.from({ length: n }, (_, i) => ret(i, 1));
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = (xs: number[]): number => {
    const m = mean(xs);
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
    return v > MIN_VARIANCE ? Math.sqrt(v) : 0;
  };
  const windowVals = (i: number, from: number, to: number, f: (j: number) => number): number[] => {
    const out: number[] = [];
    for (let e = p.day[i]! + from; e <= p.day[i]! + to; e++) {
      const j = at(p.token[i]!, e);
      if (j >= 0 && Number.isFinite(f(j))) out.push(f(j));
    }
    return out;
  };
  const mkt = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(r1[i]!)) continue;
    const others: number[] = [];
    for (let j = 0; j < n; j++) if (j !== i && p.day[j] === p.day[i] && Number.isFinite(r1[j]!)) others.push(r1[j]!);
    if (others.length < 3) continue;
    others.sort((a, b) => a - b);
    const m = others.length;
    mkt[i] = m % 2 ? others[(m - 1) / 2]! : (others[m / 2 - 1]! + others[m / 2]!) / 2;
  }
  const cols = new Map<string, Float64Array>();
  const def = (name: string, f: (i: number) => number): void => {
    cols.set(
      name,
      Float64Array.from({ length: n }, (_, i) => f(i)),
    );
  };
  def("logret_1d", (i) => r1[i]!);
  def("logret_5d", (i) => ret(i, 5));
  def("logret_20d", (i) => ret(i, 20));
  for (const w of [10, 30]) {
    def(`vol_${w}d`, (i) => {
      const xs = windowVals(i, -w + 1, 0, (j) => r1[j]!);
      return xs.length >= need(w) ? sd(xs) : NaN;
    });
  }
  def("hl_range", (i) => Math.log(p.high[i]! / p.low[i]!));
  def("co_return", (i) => Math.log(p.close[i]! / p.open[i]!));
  def("upper_shadow", (i) => Math.log(p.high[i]! / Math.max(p.open[i]!, p.close[i]!)));
  def("lower_shadow", (i) => Math.log(Math.min(p.open[i]!, p.close[i]!) / p.low[i]!));
  def("volume_z_30d", (i) => {
    const xs = windowVals(i, -30, -1, lv);
    return xs.length >= need(30) ? (lv(i) - mean(xs)) / Math.max(sd(xs), LOG_VOLUME_STD_FLOOR) : NaN;
  });
  def("logvol_change", (i) => {
    const j = at(p.token[i]!, p.day[i]! - 1);
    return j >= 0 ? lv(i) - lv(j) : NaN;
  });
  def("ret_z_30d", (i) => {
    const xs = windowVals(i, -30, -1, (j) => r1[j]!);
    return xs.length >= need(30) ? r1[i]! / Math.max(sd(xs), RETURN_STD_FLOOR) : NaN;
  });
  def("ma_dist_20d", (i) => {
    const xs = windowVals(i, -19, 0, (j) => p.close[j]!);
    return xs.length >= need(20) ? Math.log(p.close[i]! / mean(xs)) : NaN;
  });
  def("drawdown_30d", (i) => {
    const xs = windowVals(i, -29, 0, (j) => p.close[j]!);
    return xs.length >= need(30) ? Math.log(p.close[i]! / Math.max(...xs)) : NaN;
  });
  def("mkt_rel_ret", (i) => r1[i]! - mkt[i]!);
  const pairs = (i: number): [number[], number[]] => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let e = p.day[i]! - 29; e <= p.day[i]!; e++) {
      const j = at(p.token[i]!, e);
      if (j >= 0 && Number.isFinite(r1[j]!) && Number.isFinite(mkt[j]!)) {
        xs.push(r1[j]!);
        ys.push(mkt[j]!);
      }
    }
    return [xs, ys];
  };
  const cov = (xs: number[], ys: number[]): number => {
    const mx = mean(xs);
    const my = mean(ys);
    return xs.reduce((s, x, k) => s + (x - mx) * (ys[k]! - my), 0) / (xs.length - 1);
  };
  def("beta_30d", (i) => {
    const [xs, ys] = pairs(i);
    return xs.length >= need(30) ? cov(xs, ys) / cov(ys, ys) : NaN;
  });
  def("corr_30d", (i) => {
    const [xs, ys] = pairs(i);
    return xs.length >= need(30) ? cov(xs, ys) / Math.sqrt(cov(xs, xs) * cov(ys, ys)) : NaN;
  });
  return cols;
}

describe("all default features against a brute-force reference", () => {
  // 5 tokens, 90 days; token 1 misses a day, token 3 misses a week, token 4 starts late.
  const missing = { 1: [40], 3: [50, 51, 52, 53, 54, 55, 56], 4: Array.from({ length: 35 }, (_, d) => d) };
  const panel = randomPanel(5, 90, 7, missing);
  const table = buildFeatures(panel);
  const ref = referenceFeatures(panel);

  test("names, shapes and row bookkeeping", () => {
    assert.deepEqual(table.featureNames, defaultFeatureNames());
    assert.deepEqual(table.featureNames, [...ref.keys()]);
    assert.equal(table.X.cols, 17);
    assert.equal(table.X.data.length, table.X.rows * table.X.cols);
    assert.equal(table.lookbackDays, 31);
    const droppedTotal = table.dropped.reduce((s, d) => s + d.count, 0);
    assert.equal(table.X.rows + droppedTotal, panel.day.length);
    for (let i = 0; i < table.X.rows; i++) {
      const r = table.rowOfPanel[i]!;
      assert.equal(table.token[i], panel.token[r]);
      assert.equal(table.day[i], panel.day[r]);
      if (i > 0) assert.ok(r > table.rowOfPanel[i - 1]!, "panel order");
    }
    assert.match(describeFeatureTable(table), /rows x 17 features/);
  });

  test("kept rows are exactly the rows whose reference features are all finite, with equal values", () => {
    const names = [...ref.keys()];
    const keptRows = new Set(table.rowOfPanel);
    let compared = 0;
    const firstDay = new Map<number, number>();
    for (let r = 0; r < panel.day.length; r++)
      if (!firstDay.has(panel.token[r]!)) firstDay.set(panel.token[r]!, panel.day[r]!);
    for (let r = 0; r < panel.day.length; r++) {
      const fullHistory = panel.day[r]! - firstDay.get(panel.token[r]!)! >= table.lookbackDays;
      const allFinite = names.every((nm) => Number.isFinite(ref.get(nm)![r]!));
      assert.equal(keptRows.has(r), fullHistory && allFinite, `panel row ${r} kept iff full history and all finite`);
    }
    for (let i = 0; i < table.X.rows; i++) {
      const r = table.rowOfPanel[i]!;
      names.forEach((nm, j) => close(table.X.data[i * table.X.cols + j]!, ref.get(nm)![r]!, `${nm} at panel row ${r}`));
      compared++;
    }
    assert.ok(compared > 200, `compared ${compared} rows`);
  });

  test("drop reasons: warm-up per token, gaps after missing days", () => {
    // The first 31 days (the lookback) of each token, token 4's counted from its late start.
    assert.equal(droppedCount(table, "warm-up"), 5 * 31);
    assert.ok(droppedCount(table, "gaps") > 0);
    assert.equal(droppedCount(table, "non-finite"), 0);
    // Token 3's 1-day return on day 57 (after the week-long hole) is undefined: that row is gone.
    assert.equal(rowAtDay(table, 3, 57), -1);
    assert.ok(rowAtDay(table, 3, 49) >= 0);
    // Day 80 still lacks 1-day returns for 7 of its 30 days (< 80% coverage); by day 88 the window is whole again.
    assert.equal(rowAtDay(table, 3, 80), -1);
    assert.ok(rowAtDay(table, 3, 88) >= 0);
  });
});

describe("causality", () => {
  test("changing a future price or volume leaves every earlier feature row unchanged", () => {
    const panel = randomPanel(5, 80, 11, { 2: [30] });
    const before = buildFeatures(panel);
    const edited = clonePanel(panel);
    // Token 2 on day 50: a 3x spike in close and high, 50x volume.
    let row = -1;
    for (let i = 0; i < edited.day.length; i++) if (edited.token[i] === 2 && edited.day[i] === BASE_DAY + 50) row = i;
    edited.close[row] *= 3;
    edited.high[row] *= 3;
    edited.volume[row] *= 50;
    const after = buildFeatures(edited);
    assert.equal(after.X.rows, before.X.rows);
    let changedLater = 0;
    for (let i = 0; i < before.X.rows; i++) {
      const a = before.X.data.subarray(i * before.X.cols, (i + 1) * before.X.cols);
      const b = after.X.data.subarray(i * after.X.cols, (i + 1) * after.X.cols);
      const same = a.every((v, j) => v === b[j]);
      if (before.day[i]! < BASE_DAY + 50)
        assert.ok(same, `row of token ${before.token[i]} day ${before.day[i]! - BASE_DAY} changed`);
      else if (!same) changedLater++;
    }
    // The edit must show from day 50 on (its own row and other tokens' market features), or this test proves nothing.
    assert.ok(changedLater >= 5, `only ${changedLater} later rows changed`);
  });

  test("removing the future entirely gives the same rows up to the cut", () => {
    const panel = randomPanel(4, 70, 3);
    const full = buildFeatures(panel);
    const keep: number[] = [];
    for (let i = 0; i < panel.day.length; i++) if (panel.day[i]! < BASE_DAY + 55) keep.push(i);
    const cut: Panel = {
      ...panel,
      token: Int32Array.from(keep, (i) => panel.token[i]!),
      day: Int32Array.from(keep, (i) => panel.day[i]!),
      open: Float64Array.from(keep, (i) => panel.open[i]!),
      high: Float64Array.from(keep, (i) => panel.high[i]!),
      low: Float64Array.from(keep, (i) => panel.low[i]!),
      close: Float64Array.from(keep, (i) => panel.close[i]!),
      volume: Float64Array.from(keep, (i) => panel.volume[i]!),
      marketCap: Float64Array.from(keep, (i) => panel.marketCap[i]!),
    };
    const part = buildFeatures(cut);
    let k = 0;
    for (let i = 0; i < full.X.rows; i++) {
      if (full.day[i]! >= BASE_DAY + 55) continue;
      assert.equal(part.day[k], full.day[i]);
      assert.deepEqual(
        part.X.data.subarray(k * part.X.cols, (k + 1) * part.X.cols),
        full.X.data.subarray(i * full.X.cols, (i + 1) * full.X.cols),
      );
      k++;
    }
    assert.equal(k, part.X.rows);
  });
});

describe("edge cases and errors", () => {
  test("flat prices and flat volume give finite features (floors), zero volatility and correlation 0", () => {
    const flat = Array.from({ length: 45 }, () => 1);
    const others = [0, 1, 2].map((k) => ({
      days: daysWithout(45),
      close: closesFromReturns(Array.from({ length: 44 }, (_, d) => 0.01 * Math.sin(d + k))),
    }));
    const p = makePanel([{ days: daysWithout(45), close: flat, open: flat, high: flat, low: flat }, ...others]);
    const t = buildFeatures(p, { minMarketTokens: 2 });
    const i = rowAtDay(t, 0, 44);
    assert.ok(i >= 0);
    assert.equal(value(t, i, "vol_30d"), 0);
    assert.equal(value(t, i, "corr_30d"), 0);
    assert.equal(value(t, i, "ret_z_30d"), 0);
    // every token's volume is flat, so the volume z-score is 0 on every row: left out, not kept as zeros
    assert.ok(!t.featureNames.includes("volume_z_30d"));
    assert.match(t.leftOut.find((x) => x.feature === "volume_z_30d")!.reason, /^constant \(0\)/);
  });

  test("zero or negative prices are dropped as non-finite and counted", () => {
    const c = closesFromReturns(Array.from({ length: 9 }, () => 0.01));
    c[6] = 0;
    const p = makePanel([{ days: daysWithout(10), close: c }]);
    const t = buildFeatures(p, { features: ["logret_1d"] });
    // Day 6 (close 0) and day 7 (return from a zero close) fail.
    assert.equal(droppedCount(t, "non-finite"), 2);
    assert.equal(droppedCount(t, "warm-up"), 1);
    assert.equal(t.X.rows, 7);
  });

  test("anomaly labels travel with their rows", () => {
    const p = makePanel([{ days: daysWithout(5), close: [1, 2, 3, 4, 5], anomalyKind: [0, 0, 2, 0, 1] }], true);
    const t = buildFeatures(p, { features: ["logret_1d"] });
    assert.deepEqual(Array.from(t.anomalyKind!), [0, 2, 0, 1]);
    const q = makePanel([{ days: daysWithout(5), close: [1, 2, 3, 4, 5] }]);
    assert.equal(buildFeatures(q, { features: ["logret_1d"] }).anomalyKind, null);
  });

  test("catalogue follows the options", () => {
    const names = featureCatalogue({
      returnHorizons: [1, 3],
      volatilityWindows: [7],
      zScoreWindow: 14,
      maWindow: 10,
      marketWindow: 21,
      drawdownWindow: 9,
    }).map((s) => s.name);
    assert.deepEqual(names, [
      "logret_1d",
      "logret_3d",
      "vol_7d",
      "hl_range",
      "co_return",
      "upper_shadow",
      "lower_shadow",
      "volume_z_14d",
      "logvol_change",
      "ret_z_14d",
      "ma_dist_10d",
      "drawdown_9d",
      "mkt_rel_ret",
      "beta_21d",
      "corr_21d",
    ]);
  });

  test("bad input and bad options throw with the value and the fix", () => {
    const p = makePanel([{ days: daysWithout(5), close: [1, 2, 3, 4, 5] }]);
    assert.throws(() => buildFeatures(makePanel([])), /empty panel/);
    assert.throws(() => buildFeatures(p, { features: ["logret_2d"] }), /Unknown feature "logret_2d". Known/);
    assert.throws(() => buildFeatures(p, { returnHorizons: [0] }), /returnHorizons must be an integer >= 1, got 0/);
    assert.throws(() => buildFeatures(p, { returnHorizons: [5, 5] }), /duplicates/);
    assert.throws(() => buildFeatures(p, { minCoverage: 1.5 }), /minCoverage must be in \(0, 1\], got 1.5/);
    assert.throws(() => buildFeatures(p, { volatilityWindows: [1] }), /volatilityWindows must be an integer >= 2/);
    assert.throws(() => buildFeatures(p, { features: [] }), /features is empty/);
    assert.throws(
      () => buildFeatures(p, { features: ["logret_20d"] }),
      /No feature row survives out of 5 panel rows \(warm-up: 5/,
    );
    const unsorted = makePanel([{ days: [0, 2, 1], close: [1, 2, 3] }]);
    assert.throws(() => buildFeatures(unsorted), /not sorted by \(token, day\)/);
  });
});
