import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  crashWindowHits,
  dailyStress,
  descendingRanks,
  featureNormalisedError,
  flagAboveFitQuantile,
  perTokenRobustZ,
  rankStress,
  runStressProtocol,
  stressMinTokens,
  stressScore,
} from "../../lib/anomaly/crash-protocol";
import { dailyLogReturns, flagAbove, marketMoveScore, returnShockScore, trailingZ } from "../../lib/anomaly/anchors";
import { Rng } from "../../lib/runtime/rng";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

describe("stressMinTokens", () => {
  test("10 on big panels, a quarter of the widest day on small ones, never below 3", () => {
    assert.equal(stressMinTokens([200, 50]), 10);
    assert.equal(stressMinTokens([40]), 10);
    assert.equal(stressMinTokens([21, 4]), 6);
    assert.equal(stressMinTokens([5]), 3);
  });
});

describe("perTokenRobustZ", () => {
  test("each token is measured against its own training scores", () => {
    // Token 0 is noisy (scores around 100), token 1 calm (around 1); both end with 10x their level.
    const token: number[] = [];
    const score: number[] = [];
    const fit: number[] = [];
    for (let t = 0; t < 2; t++) {
      const level = t === 0 ? 100 : 1;
      for (let i = 0; i < 80; i++) {
        token.push(t);
        score.push(level * (1 + 0.1 * Math.sin(i)));
        fit.push(1);
      }
      token.push(t);
      score.push(level * 10);
      fit.push(0);
    }
    const z = perTokenRobustZ(token, score, fit);
    const zNoisy = z[80]!;
    const zCalm = z[161]!;
    close(zNoisy, zCalm, 1e-6);
    assert.ok(zCalm > 5, `a 10x error should be far out, got ${zCalm}`);
  });
  test("tokens with too few training rows fall back to the pooled statistics; NaN stays NaN", () => {
    const z = perTokenRobustZ([0, 0, 0, 1, 1], [1, 2, 4, 2, Number.NaN], [1, 1, 1, 1, 0], 3);
    // Token 1 has one fit row: pooled median of log(1,2,4,2) is log 2, so its row 3 is z = 0.
    close(z[3]!, 0);
    assert.ok(Number.isNaN(z[4]!));
  });
  test("refuses data without a finite training score", () => {
    assert.throws(() => perTokenRobustZ([0], [1], [0]), /no fit row/);
  });
});

describe("flags, daily shares and ranking", () => {
  test("flags above the fit rows' 99th percentile; unscored rows are -1", () => {
    const score = Array.from({ length: 101 }, (_, i) => i);
    const fit = score.map(() => 1);
    const { flags, threshold } = flagAboveFitQuantile([...score, 1000, Number.NaN], [...fit, 0, 0]);
    close(threshold, 99);
    assert.equal(flags[100], 1);
    assert.equal(flags[99], 0);
    assert.equal(flags[101], 1);
    assert.equal(flags[102], -1);
  });
  test("daily share counts scored tokens only; ranking drops thin days and breaks ties by intensity", () => {
    const day = [1, 1, 1, 2, 2, 2, 3, 3];
    const flags = [1, 0, -1, 1, 0, 0, 1, 1];
    const intensity = [5, 1, 0, 9, 9, 9, 1, 1];
    const days = dailyStress(day, flags, intensity);
    assert.deepEqual(
      days.map((d) => [d.tokens, d.flagged]),
      [
        [2, 1],
        [3, 1],
        [2, 2],
      ],
    );
    const ranked = rankStress(days, 2);
    assert.deepEqual(
      ranked.map((d) => d.day),
      [3, 1, 2],
    );
    // Equal shares: the higher mean intensity wins.
    const tie = rankStress(dailyStress([1, 1, 2, 2], [1, 0, 1, 0], [1, 1, 5, 5]), 2);
    assert.deepEqual(
      tie.map((d) => d.day),
      [2, 1],
    );
    assert.deepEqual(
      rankStress(days, 3).map((d) => d.day),
      [2],
    );
  });
  test("a crash window is hit when a top day lies within ±1 day of it, and not otherwise", () => {
    const days = dailyStress([10, 20, 30, 40], [1, 1, 0, 0], [4, 3, 2, 1]);
    const ranked = rankStress(days, 1);
    const hits = crashWindowHits(
      ranked,
      [
        { label: "a", startDay: 21, endDay: 21 },
        { label: "b", startDay: 42, endDay: 45 },
        { label: "c", startDay: 100, endDay: 100 },
      ],
      { topN: 2 },
    );
    assert.deepEqual(
      hits.map((h) => [h.hit, h.bestRank, h.scorable]),
      [
        [true, 2, true],
        [false, null, false],
        [false, null, false],
      ],
    );
    const lastRanked = crashWindowHits(ranked, [{ label: "d", startDay: 41, endDay: 41 }], { topN: 2 });
    assert.deepEqual([lastRanked[0]!.hit, lastRanked[0]!.bestRank], [false, 4]);
  });
  test("the whole protocol finds a day on which every token breaks at once", () => {
    const rng = new Rng(7);
    const nTok = 12;
    const token: number[] = [];
    const day: number[] = [];
    const score: number[] = [];
    const fit: number[] = [];
    for (let t = 0; t < nTok; t++)
      for (let d = 0; d < 300; d++) {
        token.push(t);
        day.push(d);
        // Tokens differ in level; a few idiosyncratic spikes; day 250 is a market-wide break.
        let s = (t + 1) * Math.exp(0.3 * rng.normal());
        if (d === 250) s *= 8;
        if (rng.uniform() < 0.01) s *= 20;
        score.push(s);
        fit.push(d < 200 ? 1 : 0);
      }
    const z = perTokenRobustZ(token, score, fit);
    const r = runStressProtocol({ day, score: z, fitMask: fit }, [{ label: "crash", startDay: 250, endDay: 250 }], {
      topN: 1,
    });
    assert.equal(r.minTokens, 3);
    assert.equal(r.ranked[0]!.day, 250);
    assert.equal(r.nHit, 1);
  });
  test("descending ranks share ties and skip NaN", () => {
    const r = descendingRanks([3, 5, 5, Number.NaN, 1]);
    assert.deepEqual(Array.from(r.slice(0, 3)), [3, 1, 1]);
    assert.ok(Number.isNaN(r[3]!));
    assert.equal(r[4], 4);
  });
});

describe("featureNormalisedError and stressScore", () => {
  test("each feature's error counts relative to its training mean", () => {
    // Feature 0 is always noisy (error 100), feature 1 always close (error 0.01).
    const data = Float32Array.from([100, 0.01, 100, 0.01, 100, 1]);
    const e = featureNormalisedError({ data, rows: 3, cols: 2 }, [1, 1, 0]);
    close(e[0]!, 1, 1e-6);
    close(e[2]!, (1 + 100) / 2, 1e-3);
  });
  test("stressScore rises on the rows where a closely reconstructed feature fails", () => {
    const rows = 100;
    const data = new Float32Array(rows * 2);
    for (let i = 0; i < rows; i++) {
      data[2 * i] = 50 + (i % 7);
      data[2 * i + 1] = 0.01 * (1 + (i % 5));
    }
    data[2 * 99 + 1] = 1;
    const fit = Array.from({ length: rows }, (_, i) => (i < 90 ? 1 : 0));
    const s = stressScore(new Int32Array(rows), { data, rows, cols: 2 }, fit);
    const top = descendingRanks(s);
    assert.equal(top[99], 1);
  });
  test("refuses mismatched shapes", () => {
    assert.throws(() => featureNormalisedError({ data: new Float32Array(4), rows: 2, cols: 2 }, [1]), /mask/);
  });
});

describe("anchors", () => {
  const rows = (closes: number[][], gapAt = -1) => {
    const token: number[] = [];
    const day: number[] = [];
    const close: number[] = [];
    closes.forEach((cs, t) =>
      cs.forEach((c, d) => {
        if (d === gapAt) return;
        token.push(t);
        day.push(d);
        close.push(c);
      }),
    );
    return { token, day, close };
  };
  test("daily log returns need the previous calendar day", () => {
    const r = dailyLogReturns(rows([[100, 110, 121, 133.1]], 2));
    assert.ok(Number.isNaN(r[0]!));
    close(r[1]!, Math.log(1.1));
    assert.ok(Number.isNaN(r[2]!), "day 3 follows a missing day 2");
  });
  test("trailing z uses only earlier days and needs 80% coverage", () => {
    const x: number[] = Array.from({ length: 40 }, (_, i) => (i % 2 ? 0.01 : -0.01));
    x[35] = 0.2;
    const token = x.map(() => 0);
    const day = x.map((_, i) => i);
    const z = trailingZ(token, day, x);
    assert.ok(Number.isNaN(z[20]!), "24 of 30 days needed");
    assert.ok(z[35]! > 15, `a 20-sd move, got ${z[35]}`);
    assert.ok(Math.abs(z[34]!) < 1.1);
  });
  test("the 3-sigma share flags the day every token crashes; the market move ranks it first", () => {
    const rng = new Rng(3);
    const closes = Array.from({ length: 8 }, () => {
      let c = 100;
      return Array.from({ length: 60 }, (_, d) => {
        c *= Math.exp(0.02 * rng.normal() + (d === 50 ? -0.3 : 0));
        return c;
      });
    });
    const p = rows(closes);
    const shock = returnShockScore(p);
    const flags = flagAbove(shock, 3);
    const day50 = p.day.map((d, i) => (d === 50 ? i : -1)).filter((i) => i >= 0);
    assert.ok(day50.every((i) => flags[i] === 1));
    const move = marketMoveScore(p);
    let bestRow = -1;
    for (let i = 0; i < move.length; i++)
      if (Number.isFinite(move[i]!) && (bestRow < 0 || move[i]! > move[bestRow]!)) bestRow = i;
    const best = p.day[bestRow];
    assert.equal(best, 50);
  });
});
