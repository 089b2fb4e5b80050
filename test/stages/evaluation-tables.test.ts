/** Notebook 08's sweep, crossover and paired-difference tables (lib/stages/08-evaluation/tables.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ev from "../../lib/stages/08-evaluation/index";
import type { Crossover, SweepPoint } from "../../lib/evaluate/sweep";
import type { PairedDifference } from "../../lib/evaluate/evaluation";

const crossover = (model: string, ratios: number[], beatsAt: number[], stopsBeatingAt: number | null): Crossover => ({
  model,
  reference: "pca",
  dims: [2, 4],
  ratios,
  beatsAt,
  stopsBeatingAt,
  sentence: "",
});

test("sweepRows labels the model and rounds seconds to 0.1", () => {
  const p: SweepPoint = {
    model: "ae",
    reference: "pca",
    unit: "token-day",
    latentDim: 4,
    testMse: 0.25,
    baselineMse: 1,
    explained: 0.75,
    epochs: 7,
    stopReason: "patience",
    seconds: 3.14,
  };
  assert.deepEqual(ev.sweepRows([p]), [
    {
      model: ev.modelLabel("ae"),
      "latent size": 4,
      "test MSE": 0.25,
      "variance explained": 0.75,
      epochs: 7,
      stop: "patience",
      seconds: 3.1,
    },
  ]);
});

test("crossoverRows: ratios to 3 decimals, the stop size in words, reference column only in the notebook form", () => {
  const cs = [
    crossover("ae", [0.81234, 1.2], [2], 4),
    crossover("vae", [0.5, 0.6], [2, 4], null),
    crossover("dae", [1.5, 1.6], [], 2),
    { ...crossover("conv1d", [1.5, 1.6], [], null) },
  ];
  const nb = ev.crossoverRows(cs, true);
  assert.deepEqual(Object.keys(nb[0]!), [
    "model",
    "reference",
    "MSE ÷ PCA at 2",
    "MSE ÷ PCA at 4",
    "stops beating PCA at",
  ]);
  assert.equal(nb[0]!["MSE ÷ PCA at 2"], 0.812);
  assert.equal(nb[0]!.reference, ev.modelLabel("pca"));
  assert.deepEqual(
    nb.map((r) => r["stops beating PCA at"]),
    [4, "still beats at largest", 2, "never beats"],
  );
  const report = ev.crossoverRows(cs, false);
  assert.deepEqual(Object.keys(report[0]!), ["model", "size 2", "size 4", "stops beating PCA at"]);
  assert.equal(report[1]!["size 4"], 0.6);
});

test("pairedRows: the interval as text and the verdict from its sign", () => {
  const p: PairedDifference = {
    model: "ae",
    reference: "pca",
    split: "test",
    modelMse: 0.4,
    referenceMse: 0.5,
    difference: -0.1,
    lo: -0.15,
    hi: -0.05,
    relative: -0.2,
  };
  const [row] = ev.pairedRows([p]);
  assert.equal(row!["model MSE"], 0.4);
  assert.equal(row!["PCA MSE"], 0.5);
  assert.equal(row!["difference [95% CI]"], ev.formatCI(-0.1, -0.15, -0.05));
  assert.equal(row!.verdict, "lower");
  assert.equal(ev.pairedRows([{ ...p, lo: -0.01, hi: 0.02 }])[0]!.verdict, "not different");
});
