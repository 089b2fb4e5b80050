import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as search from "../../lib/evaluate/search/index";
import type { Params, SearchSpace } from "../../lib/evaluate/search/index";
import { initBackend } from "../../lib/runtime/backend";
import { makeRng } from "../../lib/runtime/rng";
import type { Matrix, Windows } from "../../lib/runtime/matrix";
import { renderSvg } from "../../lib/viz/render";
import { cholesky, solveLower, solveUpperT } from "../../lib/stats/linalg";
import { anytimeSpec } from "../../lib/viz/hpo";

describe("Cholesky", () => {
  test("L Lᵀ reproduces a positive definite matrix and the solves invert it", () => {
    const A = Float64Array.from([4, 2, 0.6, 2, 5, 1.5, 0.6, 1.5, 3]);
    const L = cholesky(A, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += L[i * 3 + k]! * L[j * 3 + k]!;
        assert.ok(Math.abs(s - A[i * 3 + j]!) < 1e-12);
      }
    const b = [1, -2, 0.5];
    const x = solveUpperT(L, solveLower(L, b, 3), 3);
    for (let i = 0; i < 3; i++) {
      let s = 0;
      for (let j = 0; j < 3; j++) s += A[i * 3 + j]! * x[j]!;
      assert.ok(Math.abs(s - b[i]!) < 1e-12);
    }
  });
  test("a matrix that is not positive definite throws, saying what to do", () => {
    // Two identical points without noise: the GP's kernel matrix is singular.
    assert.throws(() => search.fitGp([[0], [0]], [1, 2], { lengthScale: 1, noise: 0 }), /singular.*noise > 0/);
    assert.throws(() => cholesky(Float64Array.from([1, 2, 3]), 2), /expected 2×2/);
  });
});

describe("Gaussian process", () => {
  const f = (x: number) => Math.sin(6 * x) + 0.5 * x;
  const xs = [0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9];
  const gp = search.fitGp(
    xs.map((x) => [x]),
    xs.map(f),
  );
  test("the posterior mean interpolates a smooth 1-D function between the points", () => {
    for (const x of xs) assert.ok(Math.abs(gp.predict([x]).mean - f(x)) < 0.02, `at a data point ${x}`);
    for (const x of [0.075, 0.375, 0.675]) {
      const p = gp.predict([x]);
      assert.ok(Math.abs(p.mean - f(x)) < 0.1, `between points at ${x}: ${p.mean} vs ${f(x)}`);
    }
  });
  test("the posterior sd is small at data, larger between points and largest far away", () => {
    const atData = gp.predict([0.45]).sd;
    const between = gp.predict([0.525]).sd;
    const far = gp.predict([3]).sd;
    assert.ok(atData < between, `${atData} < ${between}`);
    assert.ok(between < far, `${between} < ${far}`);
    // Far from every point the prediction reverts to the prior: the targets' mean and sd.
    const mean = xs.map(f).reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(gp.predict([50]).mean - mean) < 1e-6);
  });
  test("the chosen hyperparameters maximise the marginal likelihood over the grid", () => {
    for (const l of search.LENGTH_SCALES) {
      const other = search.fitGp(
        xs.map((x) => [x]),
        xs.map(f),
        { lengthScale: l, noise: 1e-3 },
      );
      assert.ok(other.logMarginalLikelihood <= gp.logMarginalLikelihood + 1e-9);
    }
  });
  test("duplicate points do not break the fit; bad input throws", () => {
    const g = search.fitGp([[0.5], [0.5], [0.2]], [1, 1.1, 0]);
    assert.ok(Number.isFinite(g.predict([0.5]).mean));
    assert.throws(() => search.fitGp([], []), /no points/);
    assert.throws(() => search.fitGp([[0]], [NaN]), /finite/);
    assert.throws(() => search.fitGp([[0]], [1], { lengthScale: 0, noise: 0 }), /lengthScale/);
  });
});

describe("expected improvement", () => {
  test("is never negative and is the plain gain without uncertainty", () => {
    assert.equal(search.expectedImprovement(2, 0, 1), 0);
    assert.equal(search.expectedImprovement(0.5, 0, 1), 0.5);
    for (const m of [-3, 0, 1, 5]) for (const s of [0.01, 1, 4]) assert.ok(search.expectedImprovement(m, s, 1) >= 0);
  });
  test("at the incumbent it is sd x φ(0); it grows with sd and as the mean falls", () => {
    assert.ok(Math.abs(search.expectedImprovement(1, 2, 1) - 2 / Math.sqrt(2 * Math.PI)) < 1e-6);
    assert.ok(search.expectedImprovement(1, 2, 1) > search.expectedImprovement(1, 1, 1));
    assert.ok(search.expectedImprovement(0.5, 1, 1) > search.expectedImprovement(0.8, 1, 1));
    // A margin xi makes improvement harder.
    assert.ok(search.expectedImprovement(0.8, 1, 1, 0.1) < search.expectedImprovement(0.8, 1, 1));
  });
  test("invalid arguments throw", () => {
    assert.throws(() => search.expectedImprovement(NaN, 1, 0), /finite/);
    assert.throws(() => search.expectedImprovement(0, -1, 0), /sd/);
  });
});

describe("search spaces", () => {
  const ae = search.defaultSpace("ae", { nFeatures: 17 });
  test("every kind has a space around its default; ranges adapt to the data", () => {
    for (const kind of search.SEARCH_KINDS) {
      const s = search.defaultSpace(kind, { nFeatures: 17, windowLength: 16 });
      search.checkSpace(s);
      assert.ok(["latentDim", "learningRate", "depth", "width"].every((n) => s.dimensions.some((d) => d.name === n)));
    }
    assert.ok(search.defaultSpace("vae", { nFeatures: 17 }).dimensions.some((d) => d.name === "beta"));
    assert.ok(search.defaultSpace("dae", { nFeatures: 17 }).dimensions.some((d) => d.name === "noiseStd"));
    assert.ok(
      search.defaultSpace("conv1d", { nFeatures: 5, windowLength: 8 }).dimensions.some((d) => d.name === "kernelSize"),
    );
    const small = search.defaultSpace("ae", { nFeatures: 5 });
    const latent = small.dimensions.find((d) => d.name === "latentDim")!;
    assert.equal(latent.type === "int" && latent.high, 4);
    assert.deepEqual(small.grid.latentDim, [2, 4]);
  });
  test("grid enumeration is the cartesian product; dimensions off the grid keep their default", () => {
    const pts = search.gridPoints(ae);
    assert.equal(pts.length, 4 * 3 * 3 * 2);
    assert.equal(new Set(pts.map(search.paramsKey)).size, pts.length);
    const vae = search.defaultSpace("vae", { nFeatures: 17 });
    assert.ok(search.gridPoints(vae).every((p) => p.beta === vae.defaults.beta));
    const conv = search.defaultSpace("conv1d", { nFeatures: 5, windowLength: 16 });
    assert.equal(search.gridPoints(conv).length, 3 * 3 * 2 * 2 * 2);
  });
  test("encode/decode: unit cube, log learning rate, integers and choices rounded", () => {
    const p = { ...ae.defaults };
    assert.deepEqual(search.decode(ae, search.encode(ae, p)), p);
    const mid = search.decode(ae, [0.5, 0.5, 0.5, 0.5]);
    assert.ok(Math.abs(mid.learningRate! - Math.sqrt(3e-4 * 1e-2)) < 2e-5, `geometric middle, got ${mid.learningRate}`);
    assert.equal(mid.width, 32);
    assert.equal(mid.depth, 2);
    const rng = makeRng(5);
    for (let i = 0; i < 200; i++) {
      const s = search.sampleParams(ae, rng);
      assert.ok(Number.isInteger(s.latentDim) && s.latentDim! >= 2 && s.latentDim! <= 12);
      assert.ok([16, 32, 64].includes(s.width!));
      assert.ok(s.learningRate! >= 3e-4 && s.learningRate! <= 1e-2);
      const u = search.encode(ae, s);
      assert.ok(u.every((v) => v >= 0 && v <= 1));
    }
  });
  test("invalid spaces and kinds throw, naming the problem", () => {
    assert.throws(() => search.defaultSpace("pca" as never, { nFeatures: 17 }), /not searched/);
    assert.throws(() => search.defaultSpace("conv1d", { nFeatures: 5 }), /windowLength/);
    assert.throws(() => search.defaultSpace("ae", { nFeatures: 1 }), /nFeatures/);
    const bad = (over: Partial<SearchSpace>) => search.checkSpace({ ...ae, ...over });
    assert.throws(() => bad({ dimensions: [] }), /non-empty/);
    assert.throws(() => bad({ defaults: { ...ae.defaults, latentDim: 99 } }), /outside/);
    assert.throws(() => bad({ grid: { ...ae.grid, depth: [0] } }), /grid value depth/);
    assert.throws(() => bad({ grid: { nope: [1] } }), /not a dimension/);
    assert.throws(
      () => bad({ dimensions: [{ name: "learningRate", type: "float", low: 0, high: 1, log: true }] }),
      /low > 0/,
    );
    assert.throws(() => bad({ dimensions: [{ name: "width", type: "choice", values: [32, 16] }] }), /increase/);
  });
});

/**
 * A cheap objective with a known optimum: a bowl in (log learning rate, latent, depth, width)
 * plus a term that shrinks with training epochs, so halving's resumed runs keep improving.
 * Optimum: lr 2e-3, latent 6, depth 2, width 32 -> 0 + 0.1 / epochs.
 */
function bowl(space: SearchSpace): search.SearchObjective & { calls: number } {
  const value = (p: Params, epochs: number) =>
    (Math.log10(p.learningRate!) - Math.log10(2e-3)) ** 2 +
    ((p.latentDim! - 6) / 6) ** 2 +
    0.05 * (p.depth! - 2) ** 2 +
    0.02 * Math.abs(Math.log2(p.width! / 32)) +
    0.1 / epochs;
  const o = {
    space,
    description: "bowl",
    calls: 0,
    start(p: Params) {
      o.calls++;
      let epochs = 0;
      return {
        model: null,
        async train(e: number) {
          epochs += e;
          return {
            objective: value(p, epochs),
            epochsRun: e,
            stopReason: "max-epochs" as const,
            curve: [],
            warnings: [],
          };
        },
        dispose() {},
      };
    },
  };
  return o;
}

describe("strategies on a synthetic objective", () => {
  const space = search.defaultSpace("ae", { nFeatures: 17 });
  const OPT = 0.1 / 5; // the bowl's floor after 5 epochs
  for (const strategy of search.STRATEGIES) {
    test(`${strategy}: stays within budget, records every trial, finds a near-optimum`, async () => {
      const r = await search.runStrategy(strategy, {
        objective: bowl(space),
        budgetEpochs: 150,
        epochsPerTrial: 5,
        seed: 11,
      });
      assert.ok(r.spent <= 150 && r.spent >= 145, `spent ${r.spent}`);
      assert.equal(r.trials[r.trials.length - 1]!.spent, r.spent);
      for (const t of r.trials) {
        assert.ok(Number.isFinite(t.objective) && t.seconds >= 0 && t.epochsRun >= 1);
        assert.ok(Object.keys(space.defaults).every((k) => k in t.params));
      }
      // The anytime curve never rises.
      for (let i = 1; i < r.trials.length; i++) assert.ok(r.trials[i]!.bestSoFar <= r.trials[i - 1]!.bestSoFar);
      assert.equal(r.best.objective, Math.min(...r.trials.map((t) => t.objective)));
      const tol = strategy === "bayes" ? 0.06 : 0.15;
      assert.ok(r.best.objective < OPT + tol, `${strategy} best ${r.best.objective}`);
    });
  }
  test("the Bayesian search beats random draws of the same number on the bowl (median of 5 seeds)", async () => {
    const gaps: number[] = [];
    for (let seed = 1; seed <= 5; seed++) {
      const b = await search.bayesSearch({ objective: bowl(space), budgetEpochs: 100, epochsPerTrial: 5, seed });
      const rng = makeRng(seed + 100);
      let rand = Infinity;
      for (let k = 0; k < 20; k++) {
        const p = search.sampleParams(space, rng);
        rand = Math.min(rand, (await bowl(space).start(p, seed).train(5)).objective);
      }
      gaps.push(rand - b.best.objective);
    }
    gaps.sort((a, b) => a - b);
    assert.ok(gaps[2]! > 0, `median gap ${gaps[2]}`);
  });
  test("grid visits distinct grid points only, in a seeded order", async () => {
    const a = await search.gridSearch({ objective: bowl(space), budgetEpochs: 40, epochsPerTrial: 4, seed: 3 });
    const keys = new Set(search.gridPoints(space).map(search.paramsKey));
    assert.equal(a.trials.length, 10);
    assert.ok(a.trials.every((t) => keys.has(search.paramsKey(t.params))));
    assert.equal(new Set(a.trials.map((t) => search.paramsKey(t.params))).size, 10);
  });
  test("halving resumes survivors: later rungs have more epochs per configuration", async () => {
    const r = await search.halvingSearch({ objective: bowl(space), budgetEpochs: 60, epochsPerTrial: 9, seed: 4 });
    const rungs = [...new Set(r.trials.map((t) => t.rung))];
    assert.ok(rungs.length >= 2);
    const last = r.trials.filter((t) => t.rung === Math.max(...rungs));
    assert.ok(last.every((t) => t.epochsRun === 9));
    const plan = search.planBracket(60, 9, 3, 81);
    assert.ok(search.bracketCost(plan.schedule) <= 60);
    assert.ok(search.bracketCost(search.planBracket(60, 9, 3, 81).schedule) > 0);
  });
  test("seeds are reproducible; different seeds search differently", async () => {
    for (const strategy of search.STRATEGIES) {
      const run = (seed: number) =>
        search.runStrategy(strategy, { objective: bowl(space), budgetEpochs: 40, epochsPerTrial: 4, seed });
      const [a, b, c] = [await run(7), await run(7), await run(8)];
      const key = (r: search.SearchResult) =>
        r.trials.map((t) => `${search.paramsKey(t.params)}@${t.epochsRun}`).join(";");
      assert.equal(key(a), key(b), strategy);
      assert.notEqual(key(a), key(c), strategy);
    }
  });
  test("invalid options throw, naming the option", async () => {
    const objective = bowl(space);
    const base = { objective, budgetEpochs: 20, epochsPerTrial: 5, seed: 1 };
    for (const strategy of search.STRATEGIES) {
      await assert.rejects(search.runStrategy(strategy, { ...base, budgetEpochs: 0 }), /budgetEpochs/);
      await assert.rejects(search.runStrategy(strategy, { ...base, epochsPerTrial: 2.5 }), /epochsPerTrial/);
      await assert.rejects(search.runStrategy(strategy, { ...base, epochsPerTrial: 30 }), /exceeds budgetEpochs/);
      await assert.rejects(search.runStrategy(strategy, { ...base, seed: 0.5 }), /seed/);
      await assert.rejects(search.runStrategy(strategy, { ...base, objective: {} as never }), /objective/);
    }
    await assert.rejects(search.halvingSearch({ ...base, eta: 1 }), /eta/);
    await assert.rejects(search.bayesSearch({ ...base, initialPoints: 0 }), /initialPoints/);
    await assert.rejects(search.runStrategy("random" as never, base), /unknown strategy/);
  });
  test("a search whose every trial fails throws with the failure message", async () => {
    const failing: search.SearchObjective = {
      space,
      description: "fails",
      start: () => ({
        model: null,
        train: async (e) => ({ objective: NaN, epochsRun: e, stopReason: "failed", curve: [], warnings: ["boom"] }),
        dispose() {},
      }),
    };
    await assert.rejects(
      search.gridSearch({ objective: failing, budgetEpochs: 6, epochsPerTrial: 3, seed: 1 }),
      /boom/,
    );
  });
});

describe("anytime curves", () => {
  test("best-so-far per epoch, summarised over seeds; winners per budget; the chart renders", async () => {
    const space = search.defaultSpace("ae", { nFeatures: 17 });
    const results: search.SearchResult[] = [];
    for (const strategy of search.STRATEGIES)
      for (const seed of [1, 2])
        results.push(
          await search.runStrategy(strategy, { objective: bowl(space), budgetEpochs: 30, epochsPerTrial: 5, seed }),
        );
    const pts = search.anytimeCurves(results);
    for (const s of search.STRATEGIES) {
      const mine = pts.filter((p) => p.strategy === s);
      assert.ok(mine.length > 0);
      for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.median <= mine[i - 1]!.median + 1e-12);
      for (const p of mine) assert.ok(p.min <= p.median && p.median <= p.max);
    }
    const table = search.winnersAtBudgets(results, [10, 30]);
    assert.equal(table.length, 2);
    assert.ok(search.STRATEGIES.includes(table[1]!.best as search.StrategyName));
    const svg = await renderSvg(anytimeSpec(pts, "anytime", "objective"));
    assert.ok(svg.includes("<svg"));
    const t = search.searchTrialsTable(results, { profile: "test" });
    assert.equal(
      (t.objective as Float64Array).length,
      results.reduce((a, r) => a + r.trials.length, 0),
    );
    assert.ok("p_learningRate" in t && "kind" in t && "profile" in t);
    assert.ok((t.kind as string[]).every((k) => k === "ae"));
  });
});

/** Rows with a 2-factor structure over 6 features plus small noise. */
function lowRank(n: number, seed: number): Matrix {
  const rng = makeRng(seed);
  const data = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    const a = rng.normal(),
      b = rng.normal();
    const v = [a + 0.5 * b, 0.8 * a - 0.6 * b, -0.4 * a + b, 0.3 * a + 0.9 * b, a + b, -a + 0.2 * b];
    for (let j = 0; j < 6; j++) data[i * 6 + j] = v[j]! + 0.1 * rng.normal();
  }
  return { data, rows: n, cols: 6 };
}

describe("model-backed objective", () => {
  const names = ["a", "b", "c", "d", "e", "f"];
  test("every kind trains within budget, without leaking tensors", async () => {
    await initBackend(null);
    const train = lowRank(300, 1),
      validation = lowRank(100, 2);
    const before = tf.memory().numTensors;
    for (const kind of ["ae", "dae", "vae"] as const) {
      const space = search.defaultSpace(kind, { nFeatures: 6 });
      const objective = search.modelObjective(
        space,
        { featureNames: names, train, validation },
        { batchSize: 64, patience: 2 },
      );
      const r = await search.runStrategy("bayes", { objective, budgetEpochs: 6, epochsPerTrial: 2, seed: 3 });
      assert.ok(r.spent <= 6 && Number.isFinite(r.best.objective), kind);
      assert.equal(r.model, null);
    }
    // keepBestModel: the winner's model comes back and scores what its stage recorded.
    for (const strategy of search.STRATEGIES) {
      const space = search.defaultSpace("ae", { nFeatures: 6 });
      const objective = search.modelObjective(
        space,
        { featureNames: names, train, validation },
        { batchSize: 64, patience: 2 },
      );
      const r = await search.runStrategy(strategy, {
        objective,
        budgetEpochs: 9,
        epochsPerTrial: 3,
        seed: 5,
        keepBestModel: true,
      });
      assert.ok(r.model && r.modelTrial, strategy);
      assert.ok(Math.abs(search.validationObjective("ae", r.model, validation) - r.modelTrial.objective) < 1e-9);
      assert.equal(search.paramsKey(r.modelTrial.params), search.paramsKey(r.best.params));
      r.model.dispose();
    }
    const toWindows = (m: Matrix): Windows => ({ data: m.data.slice(0, 24 * 8 * 6), n: 24, length: 8, features: 6 });
    const conv = search.defaultSpace("conv1d", { nFeatures: 6, windowLength: 8 });
    const objective = search.modelObjective(
      conv,
      { featureNames: names, windowLength: 8, train: toWindows(train), validation: toWindows(lowRank(200, 3)) },
      { batchSize: 8, patience: 2 },
    );
    const r = await search.halvingSearch({ objective, budgetEpochs: 6, epochsPerTrial: 2, seed: 3 });
    assert.ok(Number.isFinite(r.best.objective));
    assert.equal(tf.memory().numTensors, before);
  });
  test("under CAE_MAX_EPOCHS a trial trains only the cap but is charged what it asked: same trials, shorter", async () => {
    await initBackend(null);
    const before = process.env.CAE_MAX_EPOCHS;
    const train = lowRank(200, 4),
      validation = lowRank(80, 5);
    const run = async () => {
      const objective = search.modelObjective(
        search.defaultSpace("ae", { nFeatures: 6 }),
        { featureNames: names, train, validation },
        { batchSize: 64, patience: 10 },
      );
      return search.runStrategy("bayes", { objective, budgetEpochs: 12, epochsPerTrial: 4, seed: 3 });
    };
    try {
      delete process.env.CAE_MAX_EPOCHS;
      const full = await run();
      process.env.CAE_MAX_EPOCHS = "1";
      const capped = await run();
      assert.equal(capped.trials.length, full.trials.length);
      assert.deepEqual(
        capped.trials.map((t) => t.epochsRun),
        full.trials.map((t) => t.epochsRun),
      );
      assert.ok(capped.trials.every((t) => t.warnings.some((w) => /capped at 1 epoch/.test(w))));
    } finally {
      if (before === undefined) delete process.env.CAE_MAX_EPOCHS;
      else process.env.CAE_MAX_EPOCHS = before;
    }
  });
  test("wrong data for the kind and bad options throw", () => {
    const m = lowRank(10, 1);
    const space = search.defaultSpace("conv1d", { nFeatures: 6, windowLength: 8 });
    assert.throws(
      () =>
        search.modelObjective(space, { featureNames: names, train: m, validation: m }, { batchSize: 8, patience: 2 }),
      /windows/,
    );
    const ae = search.defaultSpace("ae", { nFeatures: 6 });
    assert.throws(
      () => search.modelObjective(ae, { featureNames: names, train: m, validation: m }, { batchSize: 0, patience: 2 }),
      /batchSize/,
    );
    assert.deepEqual(search.hiddenWidths(3, 32, 8), [32, 16, 8]);
    assert.deepEqual(search.convFilters(2, 16), [16, 32]);
  });
});
