import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as tables from "../../lib/stages/09-hpo/tables";
import * as findings from "../../lib/stages/09-hpo/findings";
import type { ComparedSearch, LatentPoint, Scored } from "../../lib/stages/09-hpo/search-comparison";
import { defaultSpace, type SearchResult } from "../../lib/evaluate/search/index";

const space = defaultSpace("ae", { nFeatures: 6 });
const down = (value: number) => ({ criterion: "anomaly ROC-AUC" as const, value, events: 3, note: "" });
const scored = (testMse: number, latentDim: number, value = 0.7): Scored => ({
  params: { ...space.defaults, latentDim },
  objective: testMse * 0.9,
  testMse,
  downstream: down(value),
});
const run = (strategy: "grid" | "bayes" | "halving", seed: number, testMse: number, configurations: number) =>
  ({
    kind: "ae",
    strategy,
    seed,
    result: { configurations } as SearchResult,
    winner: scored(testMse, 4),
  }) as ComparedSearch;

describe("notebook 09 tables", () => {
  const runs = [run("grid", 1, 0.8, 4), run("bayes", 1, 0.5, 6), run("grid", 2, 0.6, 2), run("bayes", 2, 0.7, 8)];
  const defaults = new Map([
    [1, scored(1, 8, 0.6)],
    [2, scored(0.5, 8, 0.6)],
  ]);
  const rows = tables.winnerRows(runs, defaults, new Map([[4, { testMse: 0.4 }]]), space, "anomaly ROC-AUC");

  test("winner rows: gains against the same seed's default and PCA of the winner's size", () => {
    assert.equal(rows.length, 4);
    assert.ok(Math.abs(rows[0]!["gain vs default %"] - 20) < 1e-9);
    assert.ok(Math.abs(rows[2]!["gain vs default %"] + 20) < 1e-9);
    assert.ok(Math.abs(rows[1]!["gain vs PCA %"] + 25) < 1e-9);
    assert.equal(rows[0]!["anomaly ROC-AUC"], 0.7);
    assert.equal(rows[0]!["default anomaly ROC-AUC"], 0.6);
  });
  test("winner rows: a missing default or PCA score is an error naming it", () => {
    assert.throws(() => tables.winnerRows(runs, new Map(), new Map(), space, "none"), /seed 1/);
    assert.throws(() => tables.winnerRows(runs, defaults, new Map(), space, "none"), /latent size 4/);
  });
  test("strategy summary: mean, sample sd, mean configurations; NaN for a strategy without rows", () => {
    const [grid, bayes, halving] = tables.strategySummary(rows, runs, ["grid", "bayes", "halving"]);
    assert.ok(Math.abs(grid!["test MSE mean"] - 0.7) < 1e-12);
    assert.ok(Math.abs(grid!["test MSE sd"] - Math.sqrt(0.02)) < 1e-12);
    assert.equal(grid!.configurations, 3);
    assert.equal(bayes!.configurations, 7);
    assert.ok(Number.isNaN(halving!["test MSE mean"]));
  });
  test("latent chart rows: the criterion only where it has a value", () => {
    const p = (latentDim: number, value: number): LatentPoint => ({
      latentDim,
      objective: 1,
      testMse: 1 / latentDim,
      pcaTestMse: 2 / latentDim,
      downstream: down(value),
      pcaDownstream: down(0.5),
    });
    const r = tables.latentChartRows([p(2, 0.8), p(4, NaN)], "anomaly ROC-AUC");
    assert.equal(r.length, 6);
    assert.equal(r.filter((x) => x.measure === "anomaly ROC-AUC").length, 2);
    assert.deepEqual(Object.keys(tables.latentSweepRows([p(2, 0.8)], "anomaly ROC-AUC")[0]!), [
      "latent size",
      "val MSE",
      "test MSE",
      "PCA test MSE",
      "anomaly ROC-AUC",
      "PCA anomaly ROC-AUC",
    ]);
  });
});

describe("notebook 09 findings", () => {
  test("relative wording: below for a gain, above for a loss", () => {
    assert.equal(findings.relativeWording(12.34), "12.3% below");
    assert.equal(findings.relativeWording(-5), "5.0% above");
  });
  test("budget finding names the leader at the first and last checkpoint, n/a for a missing sd", () => {
    const at = [
      { "epochs spent": 6, best: "grid", "grid mean": 1, "grid sd": 0.1, "bayes mean": 2, "bayes sd": NaN },
      { "epochs spent": 12, best: "bayes", "grid mean": 0.9, "grid sd": 0.1, "bayes mean": 0.8, "bayes sd": NaN },
    ];
    const f = findings.budgetFinding(
      { epochsPerTrial: 3, mainBudget: 12, kindBudget: 4, seeds: 2, maxTrainRows: 1, maxValidationRows: 1 },
      2,
      at,
    );
    assert.match(f, /at 6 epochs was reached by \*\*grid\*\*, at 12 epochs by \*\*bayes\*\*/);
    assert.match(f, /bayes 0\.8000 ± n\/a/);
    assert.throws(() => findings.budgetFinding({} as never, 1, []), /no budget checkpoints/);
  });
});
