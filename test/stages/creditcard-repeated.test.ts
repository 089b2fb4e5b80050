/**
 * The repeated-split protocol of notebook 11 on small seeded data: every split measured
 * for every model and anchor, the same splits for every detector, seeded, and the errors
 * for unlabelled data; the epoch budget of the credit-card networks.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../lib/runtime/backend";
import { makeRng } from "../../lib/runtime/rng";
import { generateCreditCard } from "../../lib/data/creditcard-synthetic";
import {
  buildCreditCardModel,
  creditCardFitOptions,
  CREDITCARD_TIME_ENCODING,
  prepareCreditCardFeatures,
  scalerFitRows,
  selectTrainingRows,
  stratifiedSplit,
  CREDITCARD_FIT,
  CREDITCARD_MAX_EPOCHS,
  CREDITCARD_STEP_BUDGET,
} from "../../lib/anomaly/creditcard";
import {
  ANCHOR_NAMES,
  CI_SPLITS,
  MIN_REPORTED_SPLITS,
  STAND_IN_SPLITS,
  repeatedSplitSettings,
  runRepeatedSplits,
} from "../../lib/stages/11-credit-card/repeated";
import { DEFAULT_SEED, PROFILE_SETTINGS } from "../../lib/config";
import { parseArgs } from "../../scripts/measure-creditcard";
import { fitStandardisedError } from "../../lib/anomaly/residual-scores";
import { rocAuc } from "../../lib/stats/roc";
import { takeRows } from "../../lib/runtime/matrix";
import type { RowModel } from "../../lib/models/types";

before(async () => {
  await initBackend();
});

describe("credit-card repeated splits", () => {
  test("epochs follow the step budget, capped", () => {
    assert.equal(creditCardFitOptions(640).maxEpochs, Math.min(CREDITCARD_MAX_EPOCHS, CREDITCARD_STEP_BUDGET / 10));
    assert.equal(creditCardFitOptions(640, 12).maxEpochs, 12);
    const big = creditCardFitOptions(40_000);
    assert.equal(big.maxEpochs, Math.ceil(CREDITCARD_STEP_BUDGET / Math.ceil(40_000 / CREDITCARD_FIT.batchSize)));
    assert.equal(big.batchSize, CREDITCARD_FIT.batchSize);
    assert.throws(() => creditCardFitOptions(0), /nTrain must be a positive integer/);
  });

  test("profiles: a small smoke run on ci, at least 5 splits on a real file elsewhere, 3 on the stand-in", () => {
    const ci = repeatedSplitSettings("ci", PROFILE_SETTINGS.ci);
    assert.equal(ci.nSplits, CI_SPLITS);
    assert.equal(ci.epochCap, PROFILE_SETTINGS.ci.maxEpochs);
    assert.ok(ci.maxTrain < PROFILE_SETTINGS.ci.creditCardMaxTrain);
    for (const p of ["default", "full"] as const) {
      const s = repeatedSplitSettings(p, PROFILE_SETTINGS[p]);
      assert.ok(s.nSplits >= MIN_REPORTED_SPLITS && MIN_REPORTED_SPLITS >= 5);
      assert.deepEqual(repeatedSplitSettings(p, PROFILE_SETTINGS[p], "real"), s, "real data is the default");
      assert.equal(s.maxTrain, PROFILE_SETTINGS[p].creditCardMaxTrain);
      assert.equal(s.epochCap, CREDITCARD_MAX_EPOCHS);
      const standIn = repeatedSplitSettings(p, PROFILE_SETTINGS[p], "stand-in");
      assert.equal(standIn.nSplits, STAND_IN_SPLITS);
      assert.ok(STAND_IN_SPLITS >= 3 && STAND_IN_SPLITS < MIN_REPORTED_SPLITS);
    }
  });

  test("every detector on every split; anchors in the table; seeded", async () => {
    const data = generateCreditCard({ rows: 1200, fraudRate: 0.08 }, 31);
    const run = () =>
      runRepeatedSplits(data, {
        nSplits: 2,
        kinds: ["pca", "ae"],
        maxTrain: 400,
        epochCap: 2,
        rng: makeRng(9),
        seed: 3,
      });
    const r = await run();
    assert.equal(r.measurements.length, 2 * 4);
    assert.deepEqual(
      r.table.map((t) => [t.detector, t.kind, t.splits]),
      [
        ["pca", "model", 2],
        ["ae", "model", 2],
        [ANCHOR_NAMES.mahalanobis, "no-model anchor", 2],
        [ANCHOR_NAMES.meanZ2, "no-model anchor", 2],
      ],
    );
    assert.equal(r.trainingRows, 400);
    assert.equal(r.counts[2]!.frauds, Math.round(96 * 0.2));
    const maha = r.summaries.find((s) => s.detector === ANCHOR_NAMES.mahalanobis)!;
    // The stand-in's frauds are shifted components: any sensible detector ranks them well above chance.
    assert.ok(maha.rocAuc.mean > 0.8, `Mahalanobis ROC-AUC ${maha.rocAuc.mean}`);
    const splits = r.measurements.filter((m) => m.detector === "pca").map((m) => m.rocAuc);
    assert.notEqual(splits[0], splits[1], "the two splits differ");
    assert.ok(
      r.findings.some((f) => /best no-model anchor/.test(f)),
      r.findings.join("\n"),
    );
    const again = await run();
    assert.deepEqual(
      again.measurements.filter((m) => m.kind === "anchor").map((m) => m.rocAuc),
      r.measurements.filter((m) => m.kind === "anchor").map((m) => m.rocAuc),
    );
  });

  test("the measurement script's arguments: defaults, flags and errors that show the usage", () => {
    const d = parseArgs(["f.csv"]);
    assert.equal(d.file, "f.csv");
    assert.equal(d.splits, MIN_REPORTED_SPLITS);
    assert.deepEqual(d.kinds, ["ae", "vae", "dae", "pca"]);
    assert.equal(d.seed, DEFAULT_SEED);
    const a = parseArgs(["--splits", "7", "f.csv", "--kinds", "ae,pca", "--epochs", "30", "--json", "o.json"]);
    assert.deepEqual([a.splits, a.kinds, a.epochs, a.json], [7, ["ae", "pca"], 30, "o.json"]);
    assert.throws(() => parseArgs([]), /Name the credit-card file/);
    assert.throws(() => parseArgs(["f.csv", "--splits", "0"]), /--splits needs a positive integer, got "0"/);
    assert.throws(() => parseArgs(["f.csv", "--kinds", "conv1d"]), /--kinds takes a comma list/);
    assert.throws(() => parseArgs(["f.csv", "--bogus"]), /Unknown flag --bogus.*usage/);
    assert.throws(() => parseArgs(["a.csv", "b.csv"]), /One file only/);
  });

  test("firstSplit: a trained split is scored as split 1, the later splits are unchanged", async () => {
    const data = generateCreditCard({ rows: 900, fraudRate: 0.08 }, 5);
    const labels = data.labels!;
    const base = { nSplits: 2, kinds: ["pca", "ae"] as const, maxTrain: 300, epochCap: 2, seed: 3 };
    const plain = await runRepeatedSplits(data, { ...base, rng: makeRng(9) });
    // The notebook's own split: another stream, trained the protocol's way.
    const rng = makeRng(77);
    const split = stratifiedSplit(labels, data.rows, rng.fork("split"));
    const features = prepareCreditCardFeatures(data, scalerFitRows(split.train, labels), CREDITCARD_TIME_ENCODING);
    const pick = (rows: Int32Array, max: number, what: string) =>
      selectTrainingRows(rows, labels, { normalOnly: true, maxRows: max, rng: rng.fork(what), what }).rows;
    const trainRows = pick(split.train, 300, "training");
    const valRows = pick(split.validation, 75, "validation");
    const models = new Map<"pca" | "ae", { model: RowModel; seconds: number }>();
    for (const kind of base.kinds) {
      const model = buildCreditCardModel(kind, features.featureNames, 1);
      const h = await model.fit(takeRows(features.X, trainRows), takeRows(features.X, valRows), {
        ...creditCardFitOptions(trainRows.length, 2),
        seed: 1,
      });
      models.set(kind, { model, seconds: h.seconds });
    }
    const given = { split, X: features.X, trainingRows: trainRows, models };
    const reused = await runRepeatedSplits(data, { ...base, rng: makeRng(9), firstSplit: given });
    const ofSplit = (r: typeof plain, s: number) =>
      r.measurements.filter((m) => m.split === s).map(({ seconds: _, ...m }) => m);
    assert.deepEqual(ofSplit(reused, 1), ofSplit(plain, 1), "split 2 does not depend on split 1");
    const aeFirst = ofSplit(reused, 0).find((m) => m.detector === "ae")!;
    const testLabels = Int8Array.from(split.test, (i) => labels[i]!);
    const direct = fitStandardisedError(models.get("ae")!.model, features.X, trainRows).score(features.X, split.test);
    assert.equal(aeFirst.rocAuc, rocAuc(direct, testLabels));
    assert.deepEqual(reused.counts, split.counts);
    await assert.rejects(
      runRepeatedSplits(data, { ...base, kinds: ["vae"], rng: makeRng(9), firstSplit: given }),
      /firstSplit has no trained vae model; it has pca, ae/,
    );
    await assert.rejects(
      runRepeatedSplits(data, { ...base, maxTrain: 100, rng: makeRng(9), firstSplit: given }),
      /firstSplit has 300 training rows, more than maxTrain 100/,
    );
    for (const { model } of models.values()) model.dispose();
  });

  test("unlabelled data and a bad split count are errors that say why", async () => {
    const data = generateCreditCard({ rows: 200, fraudRate: 0.1 }, 2);
    await assert.rejects(
      runRepeatedSplits(
        { ...data, labels: null, unsupervised: true },
        { nSplits: 2, kinds: ["pca"], maxTrain: 100, rng: makeRng(1), seed: 1 },
      ),
      /needs the Class column/,
    );
    await assert.rejects(
      runRepeatedSplits(data, { nSplits: 0, kinds: ["pca"], maxTrain: 100, rng: makeRng(1), seed: 1 }),
      /nSplits must be an integer >= 1/,
    );
  });
});
