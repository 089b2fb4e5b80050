import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as cmp from "../../lib/stages/09-hpo/search-comparison";
import { isoToDay } from "../../lib/data/panel";
import { defaultSpace } from "../../lib/evaluate/search/index";

const zeros = (n: number, cols = 2) => ({ data: new Float32Array(n * cols), rows: n, cols });

describe("downstream criterion", () => {
  test("with labels: ROC-AUC of the scores", () => {
    const scores = Float64Array.from([0.1, 0.2, 0.9, 0.3, 0.8]);
    const held = {
      x: zeros(5),
      labels: Uint8Array.from([0, 0, 1, 0, 1]),
      day: new Int32Array(5),
      token: new Int32Array(5),
    };
    const r = cmp.downstreamOf(scores, held);
    assert.equal(r.criterion, "anomaly ROC-AUC");
    assert.equal(r.value, 1);
  });
  test("without labels: the rank of a documented crash day in the stress index", () => {
    // 10 tokens x 40 days around the 2020-03-12 crash; on the crash day every token scores high.
    const crash = isoToDay("2020-03-12");
    const days: number[] = [];
    const scores: number[] = [];
    for (let t = 0; t < 10; t++)
      for (let k = -20; k < 20; k++) {
        days.push(crash + k);
        scores.push(crash + k === crash ? 10 + t : ((t * 37 + k * 11) % 17) / 17);
      }
    const n = days.length;
    const held = { x: zeros(n), labels: null, day: Int32Array.from(days), token: new Int32Array(n) };
    const r = cmp.downstreamOf(Float64Array.from(scores), held);
    assert.equal(r.criterion, "crash-day rank");
    assert.equal(r.events, 1);
    assert.equal(r.value, 1);
    // Days far from every documented event: no criterion, and it says why.
    const quiet = { ...held, day: Int32Array.from(days, (d) => d - 4000) };
    const q = cmp.downstreamOf(Float64Array.from(scores), quiet);
    assert.equal(q.criterion, "none");
    assert.match(q.note, /no documented/);
  });
  test("better-than respects the direction of each criterion", () => {
    assert.ok(cmp.downstreamBetter("anomaly ROC-AUC", 0.9, 0.8));
    assert.ok(cmp.downstreamBetter("crash-day rank", 2, 5));
    assert.ok(!cmp.downstreamBetter("crash-day rank", NaN, 5));
    assert.ok(cmp.downstreamBetter("anomaly ROC-AUC", 0.5, NaN));
  });
});

describe("latent choice", () => {
  const point = (latentDim: number, objective: number, value: number, criterion: cmp.Downstream["criterion"]) => ({
    latentDim,
    objective,
    testMse: objective,
    pcaTestMse: objective,
    downstream: { criterion, value, events: 0, note: "" },
    pcaDownstream: { criterion, value, events: 0, note: "" },
  });
  test("the smallest code within tolerance of the best criterion, not the best reconstruction", () => {
    const c = cmp.chooseLatent([
      point(12, 0.1, 0.95, "anomaly ROC-AUC"),
      point(2, 0.5, 0.8, "anomaly ROC-AUC"),
      point(4, 0.3, 0.945, "anomaly ROC-AUC"),
      point(8, 0.2, 0.95, "anomaly ROC-AUC"),
    ]);
    assert.equal(c.latentDim, 4);
    assert.match(c.reason, /smallest code/);
    const r = cmp.chooseLatent([point(2, 0.5, 9, "crash-day rank"), point(8, 0.2, 1, "crash-day rank")]);
    assert.equal(r.latentDim, 8);
  });
  test("without a criterion: the elbow of the reconstruction curve", () => {
    const c = cmp.chooseLatent([point(2, 0.5, NaN, "none"), point(4, 0.105, NaN, "none"), point(8, 0.1, NaN, "none")]);
    assert.equal(c.latentDim, 4);
    assert.throws(() => cmp.chooseLatent([]), /no latent sizes/);
    // A criterion that rates every size alike falls back to the elbow too, saying so.
    const flat = cmp.chooseLatent([point(2, 0.5, 1, "crash-day rank"), point(8, 0.1, 1, "crash-day rank")]);
    assert.equal(flat.latentDim, 8);
    assert.match(flat.reason, /does not separate/);
  });
  test("initial random points of the Bayesian search fit the budget", () => {
    const space = defaultSpace("ae", { nFeatures: 17 });
    assert.equal(cmp.initialPointsFor(space, 12, 3), 2);
    assert.equal(cmp.initialPointsFor(space, 80, 8), 5);
    assert.equal(cmp.initialPointsFor(space, 1000, 8), 5);
  });
});
