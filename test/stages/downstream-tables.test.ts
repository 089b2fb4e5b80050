import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as ds from "../../lib/stages/10-downstream/index";
import type { Representation } from "../../lib/evaluate/downstream";
import type { VarBacktest } from "../../lib/evaluate/risk";

const rep = (token: number[], split: number[]) =>
  ({ token: Int32Array.from(token), split: Uint8Array.from(split) }) as unknown as Representation;

describe("notebook 10 tables", () => {
  test("busiest test token: most test rows wins, the lower index on a tie, other splits not counted", () => {
    assert.equal(ds.busiestTestToken(rep([3, 3, 3, 1, 1, 2, 2], [0, 0, 2, 2, 2, 2, 2])), 1);
    assert.equal(ds.busiestTestToken(rep([5, 5, 4, 4], [2, 2, 2, 2])), 4);
    assert.throws(() => ds.busiestTestToken(rep([], [])), /no rows/);
  });
  test("VaR rows: tokens rejected as a fraction, the busiest day is the day after the forecast", () => {
    const v = {
      representation: "HAR",
      nTest: 100,
      exceedances: 6,
      rate: 0.06,
      kupiecP: 0.6,
      tokensRejected: 1,
      tokensTested: 4,
      esRatio: 1.1,
      meanVar: 0.05,
      worstDay: { day: 0, exceedances: 3, forecasts: 4 },
    } as VarBacktest;
    const [row] = ds.varRows([v]);
    assert.equal(row!["tokens rejected"], "1/4");
    assert.equal(row!["busiest day"], "1970-01-02: 3/4");
  });
  test("volatility rows and gain rows: one per representation and horizon, intervals as text", () => {
    const outcome = (name: string, r2: number) =>
      ({
        representation: name,
        dims: 3,
        alpha: 1,
        valR2: r2,
        testR2: r2,
        ci: [r2 - 0.1, r2 + 0.1],
        nTest: 10,
      }) as never;
    const prediction = {
      volatility: [
        {
          horizon: 1,
          alone: [outcome("HAR", 0.3), outcome("AE", 0.2)],
          withBenchmark: [
            {
              representation: "AE",
              combined: outcome("HAR + AE", 0.35),
              benchmarkR2: 0.3,
              gain: 0.05,
              gainCi: [0, 0.1],
            },
          ],
        },
      ],
    } as never;
    const rows = ds.volatilityRows(prediction);
    assert.equal(rows.length, 2);
    assert.equal(rows[1]!["95% CI"], "0.100 .. 0.300");
    const gains = ds.harGainRows(prediction);
    assert.deepEqual(gains[0], {
      horizon: "1d",
      "added to HAR": "AE",
      "HAR alone R²": 0.3,
      "HAR + it R²": 0.35,
      gain: 0.05,
      "gain 95% CI": "0.000 .. 0.100",
      "test rows": 10,
    });
    assert.equal(ds.harGainChartRows(prediction)[0]!.horizon, "1-day");
  });
});
