import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadPanel } from "../../lib/data/load";
import { dayToIso, isoToDay } from "../../lib/data/panel";
import { marketTokenMask, selectTokens } from "../../lib/data/taxonomy";
import { dailyLogReturns, trailingZ } from "../../lib/anomaly/anchors";
import type { Panel } from "../../lib/data/panel";
import { closePanel } from "./close-panel";
import type { ModelErrors } from "../../lib/anomaly/analysis";
import {
  coherentStress,
  marketStressScore,
  rowReturns,
  stressOnset,
  ONSET_WINDOW_DAYS,
  COHERENCE_CAP_Z,
  STRESS_DIRECTION,
  type StressDirection,
} from "../../lib/anomaly/market-stress";
import { runStressProtocol } from "../../lib/anomaly/crash-protocol";
import { crashCheck } from "../../lib/stages/07-anomalies/crash-check";

/** Deterministic pseudo-random numbers in [0, 1) (LCG), so the fixture is the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const T = 12;
const DAYS = 240;
const CRASH = 180;
const SPIKE = 150;
const SPIKE_TOKEN = 3;
const RALLY_ROTATION = 120;
const RALLY = 210;

/**
 * An invented panel of 12 tokens over 240 days, rows by (token, day): small random daily
 * moves; day 180 a common crash (every token -6%..-9%, only a few sigma each); the 10 days
 * after it a persistent high-volatility state (the echo); day 150 one token -37% (an
 * idiosyncratic collapse); day 120 half the tokens +8% and half -8% (rotation); day 210
 * every token +8% (a rally, as large a break as the crash but upwards).
 */
function fixture(): { panel: Panel; z: Float64Array; perFeature: Float32Array } {
  const rnd = lcg(7);
  const n = T * DAYS;
  const token = new Int32Array(n);
  const day = new Int32Array(n);
  const close = new Float64Array(n);
  const z = new Float64Array(n);
  const perFeature = new Float32Array(n * 2);
  for (let t = 0; t < T; t++) {
    let price = 100;
    for (let d = 0; d < DAYS; d++) {
      const i = t * DAYS + d;
      let r = (rnd() - 0.5) * 0.04;
      let err = 0.5 + rnd();
      if (d === CRASH) {
        r = -0.06 - 0.03 * rnd();
        err = 6;
      } else if (d > CRASH && d <= CRASH + ONSET_WINDOW_DAYS) {
        r = (rnd() - 0.5) * 0.12;
        err = 5 + rnd();
      } else if (d === SPIKE && t === SPIKE_TOKEN) {
        r = -0.47;
        err = 400;
      } else if (d === RALLY) {
        r = 0.08;
        err = 6;
      } else if (d === RALLY_ROTATION) {
        r = t % 2 ? 0.08 : -0.08;
        err = 6;
      }
      price *= Math.exp(r);
      token[i] = t;
      day[i] = d;
      close[i] = price;
      z[i] = Math.log(err);
      perFeature[2 * i] = err;
      perFeature[2 * i + 1] = 1 + rnd();
    }
  }
  const tokens = Array.from({ length: T }, (_, t) => ({
    id: `T${t}USDT`,
    symbol: `T${t}`,
    name: `Token ${t}`,
    sector: null,
  }));
  const panel = closePanel(tokens, token, day, close);
  return { panel, z, perFeature };
}

/** Days of a per-row day score, highest first (one entry per day). */
function daysByScore(day: ArrayLike<number>, s: ArrayLike<number>): number[] {
  const v = new Map<number, number>();
  for (let i = 0; i < day.length; i++) if (Number.isFinite(s[i]!)) v.set(day[i]!, s[i]!);
  return [...v.entries()].sort((a, b) => b[1] - a[1]).map(([d]) => d);
}

describe("stressOnset", () => {
  test("subtracts the median of the token's previous days, so a persistent level scores about zero", () => {
    const day = Int32Array.from({ length: 30 }, (_, i) => i);
    const token = new Int32Array(30);
    const z = Float64Array.from(day, (d) => (d >= 10 ? 5 : 0));
    const o = stressOnset(token, day, z, 10);
    assert.equal(o[0], 0, "first row keeps its own value");
    assert.equal(o[10], 5, "the jump is an onset");
    assert.equal(o[25], 0, "ten days into the new level there is no onset left");
  });
  test("rows in any order give the same onsets; NaN stays NaN", () => {
    const day = Int32Array.from([0, 1, 2, 0, 1, 2]);
    const token = Int32Array.from([0, 0, 0, 1, 1, 1]);
    const z = Float64Array.from([1, 3, Number.NaN, 2, 2, 8]);
    const a = stressOnset(token, day, z, 5);
    const perm = [5, 2, 0, 4, 1, 3];
    const b = stressOnset(
      perm.map((p) => token[p]!),
      perm.map((p) => day[p]!),
      perm.map((p) => z[p]!),
      5,
    );
    perm.forEach((p, k) => assert.ok(Object.is(a[p], b[k])));
    assert.ok(Number.isNaN(a[2]!));
    assert.equal(a[5], 6);
  });
  test("a bad window is an error naming the value", () => {
    assert.throws(() => stressOnset([0], [0], [1], 0), /window must be a positive integer of days, got 0/);
  });
});

describe("coherentStress", () => {
  test("breaks in one direction add up, opposite breaks cancel, a lone spike is divided by the tokens", () => {
    const day = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
    const s = [2, 2, 2, 2, 2, 2, 2, 2, 8, 0, 0, 0];
    const r = [-1, -1, -1, -1, 1, -1, 1, -1, -1, 1, -1, 1];
    const c = coherentStress(day, s, r);
    assert.equal(c[0], 2);
    assert.equal(c[4], 0);
    assert.equal(c[8], COHERENCE_CAP_Z / 4, "the spike of 8 counts as the cap");
    assert.equal(coherentStress(day, s, r, Number.POSITIVE_INFINITY)[8], 2);
    assert.throws(() => coherentStress(day, s, r, 0), /cap must be positive/);
  });
  test("by default only a net fall counts; 'both' ranks a rally like a fall of the same size", () => {
    const day = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
    const s = [2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 1];
    const r = [-1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1, -1];
    assert.equal(STRESS_DIRECTION, "down");
    const down = coherentStress(day, s, r);
    assert.deepEqual(Array.from(down), [2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    const both = coherentStress(day, s, r, COHERENCE_CAP_Z, "both");
    assert.deepEqual(Array.from(both), [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert.throws(
      () => coherentStress(day, s, r, 3, "up" as unknown as StressDirection),
      /direction must be "down" or "both", got "up"/,
    );
  });
  test("rows without a return are not scored", () => {
    const c = coherentStress([0, 0], [3, 3], [Number.NaN, -0.1]);
    assert.ok(Number.isNaN(c[0]!));
    assert.equal(c[1], 3);
  });
});

describe("rowReturns", () => {
  test("log return against the same token's previous calendar day, NaN across a gap", () => {
    const panel = {
      tokens: [{ id: "A", symbol: "A", name: "A", sector: null }],
      token: Int32Array.from([0, 0, 0]),
      day: Int32Array.from([10, 11, 13]),
      close: Float64Array.from([100, 110, 120]),
    } as unknown as Panel;
    const r = rowReturns(panel, [0, 0, 0], [13, 11, 10]);
    assert.ok(Number.isNaN(r[0]!));
    assert.ok(Math.abs(r[1]! - Math.log(1.1)) < 1e-12);
    assert.ok(Number.isNaN(r[2]!));
  });
});

describe("the market stress index on an invented panel", () => {
  test("ranks the common crash first, the lone spike far below it, the rotation, the rally and most echo days out of the top 5", () => {
    const { panel, z } = fixture();
    const ret = rowReturns(panel, panel.token, panel.day);
    const idx = coherentStress(panel.day, stressOnset(panel.token, panel.day, z), ret);
    const ranked = daysByScore(panel.day, idx);
    assert.equal(ranked[0], CRASH);
    const dayValue = (d: number) => idx[panel.day.indexOf(d)]!;
    assert.ok(dayValue(CRASH) > 4 * dayValue(SPIKE));
    assert.ok(!ranked.slice(0, 5).includes(RALLY_ROTATION), `rotation in the top 5: ${ranked.slice(0, 5)}`);
    const echoes = ranked.slice(0, 5).filter((d) => d > CRASH && d <= CRASH + ONSET_WINDOW_DAYS).length;
    assert.ok(echoes <= 2, `${echoes} echo days in the top 5: ${ranked.slice(0, 5)}`);
    // Without the cap the spike's single token weighs 6 / 12 and comes closer to the crash.
    const uncapped = coherentStress(panel.day, stressOnset(panel.token, panel.day, z), ret, Number.POSITIVE_INFINITY);
    assert.ok(uncapped[panel.day.indexOf(SPIKE)]! > dayValue(SPIKE));
    // The per-token score alone puts the spike's token-day far above the crash day's tokens.
    const spikeRow = SPIKE_TOKEN * DAYS + SPIKE;
    assert.ok(z[spikeRow]! > z[CRASH]! + 3);
    // The rally breaks every token as much as the crash: out of the top 5 of the default
    // (net falls), next to the crash when both directions count.
    assert.ok(!ranked.slice(0, 5).includes(RALLY), `rally in the top 5: ${ranked.slice(0, 5)}`);
    const both = coherentStress(panel.day, stressOnset(panel.token, panel.day, z), ret, COHERENCE_CAP_Z, "both");
    assert.ok(daysByScore(panel.day, both).slice(0, 2).includes(RALLY));
  });

  test("marketStressScore through the protocol and crashCheck: the crash is rank 1 of the default index", () => {
    const { panel, perFeature } = fixture();
    const n = panel.day.length;
    const split = Int8Array.from(panel.day, (d) => (d < 100 ? 0 : 2));
    const fit = Uint8Array.from(split, (s) => (s === 0 ? 1 : 0));
    const ret = rowReturns(panel, panel.token, panel.day);
    const pf = { data: perFeature, rows: n, cols: 2 };
    const score = marketStressScore(panel, pf, fit, ret);
    const events = [
      { label: "crash", startDay: CRASH, endDay: CRASH },
      { label: "spike", startDay: SPIKE, endDay: SPIKE },
    ];
    const r = runStressProtocol({ day: panel.day, score, fitMask: fit }, events, { topN: 1, tolerance: 0 });
    assert.equal(r.ranked[0]!.day, CRASH);
    assert.equal(r.hits[0]!.hit, true);
    assert.equal(r.hits[1]!.hit, false, `the lone spike ranked ${r.hits[1]!.bestRank}`);

    const errors: ModelErrors = {
      model: "ae",
      unit: "token-day",
      n,
      token: panel.token,
      day: panel.day,
      split,
      kind: null,
      scores: { mse: Float64Array.from(perFeature.filter((_, k) => k % 2 === 0)), mae: new Float64Array(n) },
      featureNames: ["a", "b"],
      perFeature: pf,
    };
    const c = crashCheck([errors], panel, events, { minTokens: 5, include: ["market"] });
    const def = c.indices.find((x) => x.kind === "model")!;
    assert.equal(def.name, "AE · market stress");
    assert.equal(def.result.ranked[0]!.day, CRASH);
    assert.ok(c.indices.some((x) => x.kind === "model-token"));
    assert.ok(c.indices.some((x) => x.name === "anchor · coherent move"));
    // Counting rallies too (the index before) brings the invented rally up beside the crash.
    const rallyRank = (cc: typeof c) =>
      cc.indices.find((x) => x.kind === "model")!.result.ranked.findIndex((d) => d.day === RALLY) + 1;
    const both = crashCheck([errors], panel, events, { minTokens: 5, include: ["market"], direction: "both" });
    assert.ok(rallyRank(c) > 5, `rally ranked ${rallyRank(c)} by the default`);
    assert.ok(rallyRank(both) <= 2, `rally ranked ${rallyRank(both)} with both directions`);
  });
});

const REAL_BINANCE = path.resolve(__dirname, "../../../shared/data/real-dev/binance_1d_21pairs");

describe("the coherent-move anchor on a real exchange panel (skipped without it)", () => {
  test("Black Thursday (2020-03-12..13) is among the 3 highest days", {
    skip: !fs.existsSync(REAL_BINANCE),
  }, () => {
    const { panel: full } = loadPanel("binance", REAL_BINANCE);
    const panel = selectTokens(full, marketTokenMask(full));
    const z = trailingZ(panel.token, panel.day, dailyLogReturns(panel));
    const idx = coherentStress(panel.day, z.map(Math.abs), z);
    const ranked = daysByScore(panel.day, idx);
    const bt = [isoToDay("2020-03-12"), isoToDay("2020-03-13")];
    assert.ok(
      ranked.slice(0, 3).some((d) => bt.includes(d)),
      `top 3: ${ranked.slice(0, 3).map(dayToIso)}`,
    );
  });
});
