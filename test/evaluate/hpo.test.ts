import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as hpo from "../../lib/stages/09-hpo/index";
import { initBackend } from "../../lib/runtime/backend";
import { makeRng } from "../../lib/runtime/rng";
import type { Matrix } from "../../lib/runtime/matrix";
import { renderSvg } from "../../lib/viz/render";

const NAMES = ["a", "b", "c", "d", "e", "f"];

/** Rows with a 2-factor structure over 6 features plus small noise (an AE with latent >= 2 reconstructs them well). */
function lowRank(n: number, seed: number): Matrix {
  const rng = makeRng(seed);
  const load = [
    [1, 0.5],
    [0.8, -0.6],
    [-0.4, 1],
    [0.3, 0.9],
    [1, 1],
    [-1, 0.2],
  ];
  const data = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    const f = [rng.normal(), rng.normal()];
    for (let j = 0; j < 6; j++) data[i * 6 + j] = load[j]![0]! * f[0]! + load[j]![1]! * f[1]! + 0.1 * rng.normal();
  }
  return { data, rows: n, cols: 6 };
}

function config(over: Partial<hpo.HpoConfig> = {}): hpo.HpoConfig {
  return {
    kind: "ae",
    latentDim: 2,
    hiddenUnits: [8],
    activation: "relu",
    learningRate: 3e-3,
    dropout: 0,
    l2: 0,
    batchSize: 64,
    ...over,
  };
}

describe("halvingSchedule", () => {
  test("ten configurations, 27 epochs: 10 x 3, 3 x 9, 1 x 27", () => {
    assert.deepEqual(hpo.halvingSchedule(10, 27), [
      { rung: 0, configs: 10, epochs: 3, newEpochs: 3 },
      { rung: 1, configs: 3, epochs: 9, newEpochs: 6 },
      { rung: 2, configs: 1, epochs: 27, newEpochs: 18 },
    ]);
  });
  test("three configurations, 12 epochs (ci): 3 x 4 then 1 x 12", () => {
    assert.deepEqual(
      hpo.halvingSchedule(3, 12).map((r) => [r.configs, r.epochs]),
      [
        [3, 4],
        [1, 12],
      ],
    );
  });
  test("thirty configurations: four rungs 1, 3, 9, 27 epochs", () => {
    assert.deepEqual(
      hpo.halvingSchedule(30, 27).map((r) => [r.configs, r.epochs]),
      [
        [30, 1],
        [10, 3],
        [3, 9],
        [1, 27],
      ],
    );
  });
  test("a tiny budget drops rungs but every rung adds an epoch", () => {
    const s = hpo.halvingSchedule(10, 2);
    assert.equal(s.length, 2);
    assert.ok(s.every((r) => r.newEpochs >= 1));
    assert.equal(s[s.length - 1]!.epochs, 2);
  });
  test("one configuration is plain training", () => {
    assert.deepEqual(hpo.halvingSchedule(1, 5), [{ rung: 0, configs: 1, epochs: 5, newEpochs: 5 }]);
  });
  test("invalid arguments throw", () => {
    assert.throws(() => hpo.halvingSchedule(0, 5), /nConfigs/);
    assert.throws(() => hpo.halvingSchedule(3, 0), /maxEpochs/);
    assert.throws(() => hpo.halvingSchedule(3, 5, 1), /eta/);
  });
});

describe("search space", () => {
  test("sampled configurations are seeded, distinct and inside the space", () => {
    const space = hpo.defaultSearchSpace(17);
    const a = hpo.sampleConfigs(space, "ae", 12, makeRng(3), 17);
    const b = hpo.sampleConfigs(space, "ae", 12, makeRng(3), 17);
    assert.deepEqual(a, b);
    assert.equal(new Set(a.map(hpo.configKey)).size, 12);
    for (const c of a) {
      assert.ok(space.latentDim.includes(c.latentDim) && c.latentDim < 17);
      assert.ok(c.learningRate >= space.learningRate[0] && c.learningRate <= space.learningRate[1]);
      assert.ok(space.batchSize.includes(c.batchSize));
      assert.equal(c.noiseStd, undefined);
    }
    assert.notDeepEqual(a, hpo.sampleConfigs(space, "ae", 12, makeRng(4), 17));
  });
  test("DAE configurations carry a corruption", () => {
    const c = hpo.sampleConfigs(hpo.defaultSearchSpace(17), "dae", 5, makeRng(1), 17);
    for (const x of c) assert.ok((x.noiseStd ?? 0) > 0 || (x.maskFraction ?? 0) > 0);
  });
  test("latent sizes not below the feature count are dropped from the default space", () => {
    assert.deepEqual(hpo.defaultSearchSpace(7).latentDim, [4, 6]);
  });
  test("a bad space or too many trials for a tiny space throw with the reason", () => {
    const space = hpo.defaultSearchSpace(17);
    assert.throws(() => hpo.sampleConfigs({ ...space, latentDim: [17] }, "ae", 2, makeRng(1), 17), /latentDim 17/);
    assert.throws(
      () => hpo.sampleConfigs({ ...space, learningRate: [1e-2, 1e-3] }, "ae", 2, makeRng(1), 17),
      /learningRate/,
    );
    const tiny: hpo.SearchSpace = {
      ...space,
      latentDim: [4],
      hiddenUnits: [[8]],
      activation: ["relu"],
      learningRate: [1e-3, 1e-3],
      dropout: [0],
      l2: [0],
      batchSize: [64],
    };
    assert.throws(() => hpo.sampleConfigs(tiny, "ae", 2, makeRng(1), 17), /fewer than 2 distinct/);
  });
  test("configFromModelMeta reads the saved options and the fit settings", () => {
    const c = hpo.configFromModelMeta(
      { kind: "ae", options: { latentDim: 8, hiddenUnits: [32, 16], activation: "relu", dropout: 0, l2: 0 } },
      { batchSize: 256, learningRate: 1e-3 },
    );
    assert.deepEqual(c, {
      kind: "ae",
      latentDim: 8,
      hiddenUnits: [32, 16],
      activation: "relu",
      learningRate: 1e-3,
      dropout: 0,
      l2: 0,
      batchSize: 256,
    });
    assert.throws(
      () => hpo.configFromModelMeta({ kind: "vae", options: {} }, { batchSize: 1, learningRate: 1 }),
      /"vae" is not searched/,
    );
  });
});

describe("successiveHalving", () => {
  test("promotes the best of each rung, returns a live winner, leaks no tensors, and survives a failing configuration", async () => {
    await initBackend(null);
    const train = lowRank(600, 1);
    const validation = lowRank(200, 2);
    const configs = [
      config({ latentDim: 1 }),
      config({ latentDim: 2 }),
      config({ latentDim: 2, learningRate: 1e9 }), // diverges at once
      config({ latentDim: 3, hiddenUnits: [16] }),
    ];
    const before = tf.memory().numTensors;
    const r = await hpo.successiveHalving({
      featureNames: NAMES,
      train,
      validation,
      configs,
      maxEpochs: 6,
      patience: 3,
      seed: 5,
    });
    assert.deepEqual(
      r.schedule.map((x) => [x.configs, x.epochs]),
      [
        [4, 2],
        [1, 6],
      ],
    );
    const rung0 = r.trials.filter((t) => t.rung === 0);
    assert.equal(rung0.length, 4);
    const failed = rung0.find((t) => t.trial === 2)!;
    assert.ok(Number.isNaN(failed.valMse) && !failed.promoted);
    const finite = rung0.filter((t) => Number.isFinite(t.valMse)).sort((a, b) => a.valMse - b.valMse);
    assert.deepEqual(
      rung0.filter((t) => t.promoted).map((t) => t.trial),
      [finite[0]!.trial],
    );
    assert.equal(r.best.rung, 1);
    assert.equal(r.best.trial, finite[0]!.trial);
    assert.ok(r.best.valMse <= finite[0]!.valMse + 1e-9, "more epochs should not be worse than the rung-0 score");
    assert.ok(r.best.valMse < 0.5, `a 2-factor problem should reconstruct well, got ${r.best.valMse}`);
    // The returned model is the winner, trained: its MSE is the record's.
    assert.ok(Math.abs(hpo.reconstructionMse(r.model, validation) - r.best.valMse) < 1e-9);
    r.model.dispose();
    assert.equal(tf.memory().numTensors, before);
    const table = hpo.trialsTable(r.trials);
    assert.equal(table.trial!.length, 5);
    assert.ok(table.val_mse instanceof Float64Array);
    const summary = hpo.trialSummaryRows(r.trials);
    assert.equal(summary[0]!.trial, r.best.trial);
  });

  test("is reproducible with one seed", async () => {
    await initBackend(null);
    const train = lowRank(300, 3);
    const validation = lowRank(100, 4);
    const configs = [config({ latentDim: 1 }), config({ latentDim: 2 }), config({ latentDim: 3 })];
    const run = async () => {
      const r = await hpo.successiveHalving({
        featureNames: NAMES,
        train,
        validation,
        configs,
        maxEpochs: 3,
        patience: 2,
        seed: 9,
      });
      r.model.dispose();
      return r.trials.map((t) => t.valMse);
    };
    assert.deepEqual(await run(), await run());
  });

  test("seed replicates retrain from scratch and summarise", async () => {
    await initBackend(null);
    const train = lowRank(300, 5);
    const validation = lowRank(100, 6);
    const test = lowRank(100, 7);
    const reps = await hpo.seedReplicates(
      config(),
      NAMES,
      train,
      validation,
      { validation, test },
      { epochs: 2, patience: 2, seeds: [1, 2] },
    );
    assert.equal(reps.length, 2);
    assert.notEqual(reps[0]!.valMse, reps[1]!.valMse);
    const s = hpo.summariseReplicates(reps);
    assert.ok(Math.abs(s.valMean - (reps[0]!.valMse + reps[1]!.valMse) / 2) < 1e-12);
    assert.ok(Math.abs(s.valSd - Math.abs(reps[0]!.valMse - reps[1]!.valMse) / Math.SQRT2) < 1e-12);
    assert.throws(() => hpo.summariseReplicates([]), /no replicates/);
  });

  test("rejects an empty race and mismatched columns", async () => {
    const m = lowRank(10, 1);
    await assert.rejects(
      hpo.successiveHalving({
        featureNames: NAMES,
        train: m,
        validation: m,
        configs: [],
        maxEpochs: 2,
        patience: 1,
        seed: 1,
      }),
      /no configurations/,
    );
    await assert.rejects(
      hpo.successiveHalving({
        featureNames: NAMES.slice(0, 5),
        train: m,
        validation: m,
        configs: [config()],
        maxEpochs: 2,
        patience: 1,
        seed: 1,
      }),
      /6 columns but there are 5/,
    );
  });
});

describe("summaries and charts", () => {
  const fake = (trial: number, latentDim: number, valMse: number, rung = 0): hpo.TrialRecord => ({
    trial,
    rung,
    epochs: 3,
    epochsRun: 3,
    valMse,
    seconds: 1,
    stopReason: "max-epochs",
    promoted: false,
    config: config({ latentDim, learningRate: 1e-3 * (trial + 1) }),
    curve: [valMse * 2, valMse],
    warnings: [],
  });
  const trials = [fake(0, 2, 0.5), fake(1, 4, 0.4), fake(2, 6, 0.3), fake(3, 8, 0.2), fake(3, 8, 0.1, 1)];

  test("hyperparameter effects: a monotone latent effect gives Spearman -1", () => {
    const e = hpo.hyperparameterEffects(trials);
    assert.equal(e.find((x) => x.parameter === "latent size")!.spearman, -1);
    assert.ok(
      Number.isNaN(e.find((x) => x.parameter === "dropout")!.spearman),
      "a constant hyperparameter has no rank correlation",
    );
  });

  test("stratified rows are a subset of the given rows, at most the cap", () => {
    const X = lowRank(400, 1);
    const token = Int32Array.from({ length: 400 }, (_, i) => i % 4);
    const day = Int32Array.from({ length: 400 }, (_, i) => 18000 + Math.floor(i / 4));
    const rows = Int32Array.from({ length: 200 }, (_, i) => i * 2);
    const s = hpo.stratifiedRows(X, rows, token, day, 50, makeRng(1));
    assert.equal(s.matrix.rows, 50);
    const allowed = new Set(rows);
    assert.ok(Array.from(s.rows).every((r) => allowed.has(r)));
    assert.deepEqual(
      Array.from(s.matrix.data.subarray(0, 6)),
      Array.from(X.data.subarray(s.rows[0]! * 6, s.rows[0]! * 6 + 6)),
    );
  });

  test("chart specs render", async () => {
    for (const spec of [
      hpo.objectiveVsParamsSpec(trials, "t"),
      hpo.parallelCoordinatesSpec(trials, "t"),
      hpo.halvingCurvesSpec(trials, "t"),
    ]) {
      const svg = await renderSvg(spec);
      assert.match(svg, /^<svg/);
    }
    const curves = hpo.halvingCurvesSpec(trials, "t");
    const trial3 = (curves.data.values as { config: string; epoch: number }[])
      .filter((r) => r.config === "trial 3")
      .map((r) => r.epoch);
    assert.deepEqual(trial3, [1, 2, 3, 4], "rung 1 continues the epoch count of rung 0");
  });
});
