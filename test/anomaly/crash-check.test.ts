import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { ModelErrors } from "../../lib/anomaly/analysis";
import {
  crashCheck,
  crashFindings,
  crashHitRows,
  type CrashCheck,
  type CrashIndex,
} from "../../lib/stages/07-anomalies/crash-check";
import { closePanel } from "./close-panel";
import type { StressProtocolResult } from "../../lib/anomaly/crash-protocol";

const events = [
  { label: "2020-03-12 a", startDay: 1, endDay: 1 },
  { label: "2021-05-19 b", startDay: 2, endDay: 2 },
  { label: "2022-05-07 c", startDay: 3, endDay: 3 },
];

/** A protocol result that hits the events flagged 1 in `hit`. */
function result(hit: number[]): StressProtocolResult {
  const hits = hit.map((h, k) => ({
    event: events[k]!.label,
    startDay: k + 1,
    endDay: k + 1,
    scorable: true,
    bestRank: h ? 1 + k : 50,
    bestDay: "2020-01-01",
    hit: h === 1,
  }));
  return {
    threshold: 1,
    flags: new Int8Array(0),
    days: [],
    ranked: [],
    minTokens: 10,
    hits,
    nHit: hits.filter((h) => h.hit).length,
    nScorable: 3,
  };
}

function check(ae: number[], aeRaw: number[], anchor: number[]): CrashCheck {
  const indices: CrashIndex[] = [
    { name: "anchor · 3-sigma share", kind: "anchor", model: null, result: result(anchor) },
    { name: "AE · stress score", kind: "model", model: "ae", result: result(ae) },
    { name: "AE · pooled MSE", kind: "model-raw", model: "ae", result: result(aeRaw) },
  ];
  return { indices, events, minTokens: 10, excluded: [] };
}

describe("crashFindings follow the numbers", () => {
  test("a model above the anchor beats it", () => {
    const f = crashFindings(check([1, 1, 1], [1, 0, 0], [1, 1, 0]), "documented").join(" ");
    assert.match(f, /beats every no-model anchor/);
    assert.match(f, /more windows for 1 model/);
    assert.match(f, /Found only by a model: 2022-05-07/);
  });
  test("equal counts are a tie, said as such", () => {
    const f = crashFindings(check([1, 1, 0], [1, 1, 0], [1, 0, 1]), "documented").join(" ");
    assert.match(f, /ties the best no-model anchor/);
    assert.match(f, /as many for 1/);
  });
  test("a model below the anchor is said plainly not to beat it", () => {
    const f = crashFindings(check([1, 0, 0], [1, 1, 0], [1, 1, 1]), "documented").join(" ");
    assert.match(f, /does \*\*not\*\* beat/);
    assert.match(f, /fewer for 1/);
    assert.match(f, /only by an anchor: 2021-05-19, 2022-05-07/);
    assert.match(
      f,
      /An anchor still wins on 2 windows \(2 of them missed by the AE index\): 2021-05-19 \(3-sigma share #2, AE rank 50\), 2022-05-07 \(3-sigma share #3, AE rank 50\)/,
    );
  });
  test("an anchor that ranks a window higher than the model, both hitting, is a win said as such", () => {
    const c = check([1, 1, 1], [1, 1, 1], [1, 1, 1]);
    const better = result([1, 1, 1]);
    better.hits[2] = { ...better.hits[2]!, bestRank: 1 };
    c.indices[0] = { ...c.indices[0]!, result: better };
    const f = crashFindings(c, "documented").join(" ");
    assert.match(f, /An anchor still wins on 1 window: 2022-05-07 \(3-sigma share #1, AE #3\)\./);
    assert.doesNotMatch(f, /missed by/);
  });
  test("no anchor ranking any window higher is said as such", () => {
    const f = crashFindings(check([1, 1, 1], [1, 0, 0], [1, 1, 0]), "documented").join(" ");
    assert.match(f, /No anchor ranks any documented window higher than the AE index does/);
  });
  test("no events in range: nothing to test", () => {
    const c = check([], [], []);
    assert.match(crashFindings({ ...c, events: [] }, "simulated")[0]!, /nothing to test/);
  });
  test("the table has one row per index with hits and a rank per event", () => {
    const rows = crashHitRows(check([1, 0, 0], [0, 0, 0], [1, 1, 1]));
    assert.equal(rows.length, 3);
    assert.equal(rows[1]!["hits (top 20, ±1 d)"], "1 of 3");
    assert.equal(rows[1]!["2021-05-19"], 50);
  });
});

describe("crashCheck keeps to market tokens", () => {
  test("a stablecoin is left out of the anchors and the model index, and listed", () => {
    const nDays = 40;
    const tokens = [
      { id: "BTCUSDT", symbol: "BTC", name: "Bitcoin", sector: null },
      { id: "ETHUSDT", symbol: "ETH", name: "Ethereum", sector: null },
      { id: "USDCUSDT", symbol: "USDC", name: "USD Coin", sector: null },
    ];
    const n = nDays * tokens.length;
    const token = Int32Array.from({ length: n }, (_, i) => i % tokens.length);
    const day = Int32Array.from({ length: n }, (_, i) => Math.floor(i / tokens.length));
    const close = Float64Array.from({ length: n }, (_, i) => (i % tokens.length === 2 ? 1 : 100 + Math.sin(i)));
    const panel = closePanel(tokens, token, day, close);
    const errors: ModelErrors = {
      model: "ae",
      unit: "token-day",
      n,
      token,
      day,
      split: new Int8Array(n),
      kind: null,
      scores: { mse: Float64Array.from(close, (_, i) => i % 7), mae: new Float64Array(n) },
      featureNames: ["f"],
      perFeature: { data: Float32Array.from(close, (_, i) => i % 5), rows: n, cols: 1 },
    };
    const c = crashCheck([errors], panel, [], { include: ["market"] });
    assert.deepEqual(c.excluded, ["USDCUSDT"]);
    for (const x of c.indices) {
      const maxTokens = Math.max(...x.result.days.map((d) => d.tokens));
      assert.ok(maxTokens <= 2, `${x.name}: ${maxTokens} tokens on a day, the stablecoin was counted`);
    }
    const all = crashCheck([errors], panel, [], { include: ["market", "stablecoin"] });
    assert.deepEqual(all.excluded, []);
  });
});
