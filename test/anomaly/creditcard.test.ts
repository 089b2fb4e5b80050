/**
 * The credit-card stage: source choice, stratified split, preprocessing fitted on training
 * rows only, training-row selection, metrics against a hand-computed case and against the
 * library metrics on resampled data, bootstrap intervals, and the whole stage on small
 * seeded data with planted frauds (labelled and unlabelled, with the ULB index column).
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initBackend } from "../../lib/runtime/backend";
import { makeRng, Rng } from "../../lib/runtime/rng";
import { takeRows } from "../../lib/runtime/matrix";
import { generateCreditCard, ULB_FRAUD_RATE } from "../../lib/data/creditcard-synthetic";
import type { CreditCardData } from "../../lib/data/creditcard-types";
import { averagePrecision, precisionAtK, recallAtK, rocAuc } from "../../lib/stats/roc";
import { renderSvg } from "../../lib/viz/render";
import * as cc from "../../lib/stages/11-credit-card/index";
import { trainWithProgress } from "../../lib/stages/modeling";

const FIXTURES = path.resolve(__dirname, "../fixtures/data/creditcard");
const REAL = path.resolve(__dirname, "../../../shared/data/real/creditcard_ulb_subset/creditcard_sample.csv");
const FIT = { maxEpochs: 15, batchSize: 128, patience: 4, seed: 5 };

let tmpRoot: string | null = null;
function tmpFile(name: string, content: string): string {
  if (tmpRoot === null) {
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "creditcard-test-"));
    const root = tmpRoot;
    process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
  }
  const file = path.join(fs.mkdtempSync(path.join(tmpRoot, "f-")), name);
  fs.writeFileSync(file, content);
  return file;
}

/** Write data in the ULB layout with pandas' leading index column, optionally without Class. */
function writeUlbCsv(d: CreditCardData, withClass: boolean): string {
  const header = ["", ...d.featureNames, ...(withClass ? ["Class"] : [])].join(",");
  const lines = [header];
  for (let i = 0; i < d.rows; i++) {
    const vals = Array.from(d.features.data.subarray(i * 30, (i + 1) * 30), (v) => String(v));
    vals[0] = String(d.time[i]);
    vals[29] = String(d.amount[i]);
    lines.push([String(i), ...vals, ...(withClass ? [String(d.labels![i])] : [])].join(","));
  }
  return tmpFile("creditcard.csv", lines.join("\n") + "\n");
}

before(async () => {
  await initBackend();
});

describe("source", () => {
  test("stand-in fraud rate keeps the real 492 frauds, within bounds", () => {
    assert.equal(cc.standInFraudRate(6000), 492 / 6000);
    assert.equal(cc.standInFraudRate(284_807), ULB_FRAUD_RATE);
    assert.equal(cc.standInFraudRate(1000), cc.MAX_STAND_IN_FRAUD_RATE);
    assert.equal(cc.standInFraudRate(10_000_000), ULB_FRAUD_RATE);
    assert.throws(() => cc.standInFraudRate(1.5), /integer >= 2/);
  });

  test("missing file: the seeded stand-in, said so", () => {
    const s = cc.loadCreditCardSource({ file: "/no/such/creditcard.csv", standInRows: 2400, seed: 3 });
    assert.equal(s.kind, "stand-in");
    assert.equal(s.data.rows, 2400);
    assert.equal(s.nFrauds, 492);
    assert.match(s.description, /Seeded stand-in/);
    assert.match(s.label, /stand-in \(2,400 rows\)/);
    const again = cc.loadCreditCardSource({ file: "/no/such/creditcard.csv", standInRows: 2400, seed: 3 });
    assert.deepEqual(again.data.features.data, s.data.features.data);
  });

  test("a named file that is missing is an error, not a silent fallback", () => {
    assert.throws(
      () => cc.loadCreditCardSource({ file: "/no/such/creditcard.csv", standInRows: 100, seed: 1, required: true }),
      /\/no\/such\/creditcard.csv does not exist.*CAE_CREDITCARD/,
    );
  });

  test("real file with the index column: real, a subset, frauds counted", () => {
    const s = cc.loadCreditCardSource({
      file: path.join(FIXTURES, "creditcard_small.csv"),
      standInRows: 100,
      seed: 1,
      root: path.resolve(__dirname, "../.."),
    });
    assert.equal(s.kind, "real");
    assert.equal(s.subset, true);
    assert.equal(s.nFrauds, 1);
    assert.equal(s.data.rows, 6);
    assert.match(s.description, /test\/fixtures\/data\/creditcard\/creditcard_small.csv/);
    assert.match(s.description, /\*\*subset\*\*/);
  });

  test("real file without Class: unsupervised, said so", () => {
    const s = cc.loadCreditCardSource({
      file: path.join(FIXTURES, "creditcard_unlabelled.csv"),
      standInRows: 100,
      seed: 1,
    });
    assert.equal(s.data.labels, null);
    assert.equal(s.nFrauds, null);
    assert.match(s.description, /without a Class column/);
  });

  test("class summary splits by class or reports one unlabelled group", () => {
    const d = generateCreditCard({ rows: 2000, fraudRate: 0.1 }, 4);
    const rows = cc.classSummary(d);
    assert.deepEqual(
      rows.map((r) => r.class),
      ["normal", "fraud"],
    );
    assert.equal(rows[1]!.transactions, 200);
    assert.ok(Math.abs((rows[0]!.share as number) - 0.9) < 1e-12);
    assert.equal(cc.classSummary({ ...d, labels: null, unsupervised: true })[0]!.transactions, 2000);
  });
});

describe("split and preprocessing", () => {
  test("stratified split: disjoint, complete, fraud rate kept per split, seeded", () => {
    const labels = new Int8Array(1000);
    for (let i = 0; i < 1000; i += 10) labels[i] = 1; // 100 frauds
    const s = cc.stratifiedSplit(labels, 1000, makeRng(1));
    const all = [...s.train, ...s.validation, ...s.test].sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: 1000 }, (_, i) => i),
    );
    assert.deepEqual(
      s.counts.map((c) => [c.rows, c.frauds]),
      [
        [600, 60],
        [200, 20],
        [200, 20],
      ],
    );
    assert.equal(s.stratified, true);
    assert.deepEqual(cc.stratifiedSplit(labels, 1000, makeRng(1)).test, s.test);
    assert.notDeepEqual(cc.stratifiedSplit(labels, 1000, makeRng(2)).test, s.test);
    assert.ok(
      s.test.every((v, i) => i === 0 || v > s.test[i - 1]!),
      "ascending",
    );
  });

  test("without labels the split is random and says so", () => {
    const s = cc.stratifiedSplit(null, 500, makeRng(1));
    assert.equal(s.stratified, false);
    assert.deepEqual(
      s.counts.map((c) => c.rows),
      [300, 100, 100],
    );
    assert.equal(s.counts[0]!.frauds, null);
    assert.throws(
      () => cc.stratifiedSplit(null, 10, makeRng(1), { train: 0.5, validation: 0.2, test: 0.2 }),
      /sum to 1/,
    );
  });

  test("features: V's as they are, log(1 + Amount), hour of day on the circle", () => {
    const d = generateCreditCard({ rows: 4, fraudRate: 0 }, 1);
    d.time.set([0, 6 * 3600, 108_000, 18 * 3600]);
    d.amount.set([0, Math.E - 1, 99, 1]);
    const { X, featureNames } = cc.engineerFeatures(d);
    assert.equal(X.cols, 31);
    assert.deepEqual(featureNames.slice(-3), ["log_amount", "hour_sin", "hour_cos"]);
    const at = (i: number, name: string) => X.data[i * 31 + featureNames.indexOf(name)]!;
    assert.equal(at(0, "V1"), d.features.data[1]);
    assert.equal(at(3, "V28"), d.features.data[3 * 30 + 28]);
    assert.ok(Math.abs(at(1, "log_amount") - 1) < 1e-6);
    assert.ok(Math.abs(at(2, "log_amount") - Math.log(100)) < 1e-6);
    assert.ok(Math.abs(at(0, "hour_sin")) < 1e-7 && Math.abs(at(0, "hour_cos") - 1) < 1e-7);
    assert.ok(Math.abs(at(1, "hour_sin") - 1) < 1e-7 && Math.abs(at(1, "hour_cos")) < 1e-7);
    assert.ok(Math.abs(at(2, "hour_sin") - 1) < 1e-6, "30 h after the start is 06:00 of day 2");
    assert.ok(Math.abs(at(3, "hour_sin") + 1) < 1e-6);
    assert.equal(cc.engineerFeatures(d, "drop").X.cols, 29);
    d.amount[2] = -5;
    assert.throws(() => cc.engineerFeatures(d), /Amount -5 in data row 2/);
  });

  test("the scaler is fitted on the training normals only", () => {
    const d = generateCreditCard({ rows: 600, fraudRate: 0.1 }, 2);
    const split = cc.stratifiedSplit(d.labels, d.rows, makeRng(3));
    const fitRows = cc.scalerFitRows(split.train, d.labels);
    assert.ok(
      fitRows.every((i) => d.labels![i] === 0) && fitRows.length === split.counts[0]!.rows - split.counts[0]!.frauds!,
    );
    const base = cc.prepareCreditCardFeatures(d, fitRows);
    // Plant absurd values in every test row: nothing fitted may move.
    for (const i of split.test) for (let j = 1; j < 29; j++) d.features.data[i * 30 + j] = 1e4;
    const planted = cc.prepareCreditCardFeatures(d, fitRows);
    assert.deepEqual(planted.scaler.center, base.scaler.center);
    assert.deepEqual(planted.scaler.scale, base.scaler.scale);
    assert.equal(planted.scaler.nFitRows, fitRows.length);
    // Fitted rows are standardised: mean 0, std 1 per feature.
    const j = planted.featureNames.indexOf("V14");
    let m = 0,
      s2 = 0;
    for (const i of fitRows) m += planted.X.data[i * 31 + j]! / fitRows.length;
    for (const i of fitRows) s2 += (planted.X.data[i * 31 + j]! - m) ** 2 / fitRows.length;
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(Math.sqrt(s2) - 1) < 1e-4, `mean ${m}, sd ${Math.sqrt(s2)}`);
    assert.ok(planted.X.data[split.test[0]! * 31 + j]! > 100, "test rows keep their (absurd) deviation");
  });

  test("training rows: normal only, capped by a seeded sample", () => {
    const labels = Int8Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const cand = Int32Array.from({ length: 100 }, (_, i) => i);
    const all = cc.selectTrainingRows(cand, labels, { normalOnly: true, maxRows: 1000, rng: makeRng(1) });
    assert.equal(all.rows.length, 75);
    assert.ok(all.rows.every((i) => labels[i] === 0));
    assert.equal(all.sampled, false);
    const capped = cc.selectTrainingRows(cand, labels, { normalOnly: true, maxRows: 30, rng: makeRng(1) });
    assert.equal(capped.rows.length, 30);
    assert.ok(capped.rows.every((i) => labels[i] === 0));
    assert.match(capped.note, /sample of 30 of the 75 normal training rows/);
    assert.deepEqual(
      cc.selectTrainingRows(cand, labels, { normalOnly: true, maxRows: 30, rng: makeRng(1) }).rows,
      capped.rows,
    );
    const mixed = cc.selectTrainingRows(cand, labels, { normalOnly: false, maxRows: 1000, rng: makeRng(1) });
    assert.equal(mixed.rows.length, 100);
    const unlabelled = cc.selectTrainingRows(cand, null, { normalOnly: true, maxRows: 1000, rng: makeRng(1) });
    assert.equal(unlabelled.rows.length, 100);
    assert.equal(unlabelled.normalOnly, false);
    assert.throws(
      () => cc.selectTrainingRows(cand, labels, { normalOnly: true, maxRows: 0, rng: makeRng(1) }),
      /maxRows must be a positive integer/,
    );
  });
});

describe("metrics", () => {
  // Hand-computed: frauds score 0.9 and 0.8; normals 0.8 (tied with a fraud), 0.3, 0.1.
  const scores = Float64Array.from([0.9, 0.8, 0.8, 0.3, 0.1]);
  const labels = [1, 0, 1, 0, 0];

  test("a hand-computed case", () => {
    // AUC: the 0.9 fraud beats 3 normals; the 0.8 fraud ties one (1/2) and beats 2: 5.5 / 6.
    // AP: at 0.9 recall 1/2 with precision 1; at 0.8 recall 1 with precision 2/3: 1/2 + 1/3.
    // P@2: the 0.9 fraud plus one of two tied rows, one a fraud: (1 + 1/2) / 2.
    // Threshold 0.5 flags 0.9, 0.8, 0.8: TP 2, FP 1.
    const m = cc.weightedDetectionMetrics(cc.rankScores(scores, labels), null, [1, 2, 3], [0.5, 0.85, 1]);
    assert.ok(Math.abs(m.rocAuc - 11 / 12) < 1e-12);
    assert.ok(Math.abs(m.averagePrecision - 5 / 6) < 1e-12);
    assert.deepEqual(m.precisionAtK, [1, 0.75, 2 / 3]);
    assert.deepEqual(m.recallAtK, [0.5, 0.75, 1]);
    assert.deepEqual(
      [m.tp, m.fp],
      [
        [2, 1, 0],
        [1, 0, 0],
      ],
    );
    // The library agrees.
    assert.ok(Math.abs(rocAuc(scores, labels)! - 11 / 12) < 1e-12);
    assert.ok(Math.abs(averagePrecision(scores, labels)! - 5 / 6) < 1e-12);
    assert.equal(precisionAtK(scores, labels, 2), 0.75);
  });

  test("bootstrap weights equal the library metrics on the resampled vector", () => {
    const rng = new Rng(11);
    const n = 300;
    const s = Float64Array.from({ length: n }, () => Math.round(rng.normal() * 8) / 8); // many ties
    const y = Int8Array.from(s, (v) => (v + rng.normal() > 1 ? 1 : 0));
    const ranked = cc.rankScores(s, y);
    const ks = [5, 40, 150];
    for (let rep = 0; rep < 5; rep++) {
      const idx = Int32Array.from({ length: n }, () => rng.int(n));
      const w = new Int32Array(n);
      for (const i of idx) w[i]!++;
      const m = cc.weightedDetectionMetrics(ranked, w, ks, [0.25]);
      const rs = Float64Array.from(idx, (i) => s[i]!);
      const ry = Int8Array.from(idx, (i) => y[i]!);
      assert.ok(Math.abs(m.rocAuc - rocAuc(rs, ry)!) < 1e-12, `AUC rep ${rep}`);
      assert.ok(Math.abs(m.averagePrecision - averagePrecision(rs, ry)!) < 1e-12, `AP rep ${rep}`);
      ks.forEach((k, q) => {
        assert.ok(Math.abs(m.precisionAtK[q]! - precisionAtK(rs, ry, k)!) < 1e-12, `P@${k}`);
        assert.ok(Math.abs(m.recallAtK[q]! - recallAtK(rs, ry, k)!) < 1e-12, `R@${k}`);
      });
      let tp = 0,
        fp = 0;
      rs.forEach((v, q) => {
        if (v > 0.25) {
          if (ry[q]) tp++;
          else fp++;
        }
      });
      assert.deepEqual([m.tp[0], m.fp[0]], [tp, fp]);
    }
  });

  test("evaluateDetector: estimates inside seeded intervals, confusion at thresholds", () => {
    const rng = new Rng(5);
    const n = 400;
    const y = Int8Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const s = Float64Array.from(y, (v) => rng.normal() + 2 * v);
    const thr = cc.fitCreditCardThresholds(Float64Array.from({ length: 1000 }, () => rng.normal()));
    const e = cc.evaluateDetector("m", s, y, thr, { ks: [10, 40, 10_000], nBoot: 200, rng: makeRng(9) });
    assert.equal(e.nFrauds, 40);
    assert.equal(e.baseline, 0.1);
    assert.ok(Math.abs(e.rocAuc!.estimate - rocAuc(s, y)!) < 1e-12);
    assert.ok(Math.abs(e.averagePrecision!.estimate - averagePrecision(s, y)!) < 1e-12);
    for (const iv of [e.rocAuc!, e.averagePrecision!, ...e.atK.flatMap((a) => [a.precision, a.recall])]) {
      assert.ok(iv.lo <= iv.estimate && iv.estimate <= iv.hi && iv.hi > iv.lo, JSON.stringify(iv));
    }
    assert.deepEqual(
      e.atK.map((a) => a.k),
      [10, 40],
      "k above the row count is dropped",
    );
    const p99 = e.thresholds.find((t) => t.name === "p99")!;
    const flagged = [...s].filter((v) => v > p99.threshold).length;
    assert.equal(p99.flagged, flagged);
    assert.equal(p99.confusion!.tp + p99.confusion!.fp, flagged);
    assert.equal(p99.confusion!.tp + p99.confusion!.fn, 40);
    assert.ok(Math.abs(p99.recall!.estimate - p99.confusion!.recall) < 1e-12);
    assert.ok(Math.abs(p99.precision!.estimate - p99.confusion!.precision) < 1e-12);
    const again = cc.evaluateDetector("m", s, y, thr, { ks: [10], nBoot: 200, rng: makeRng(9) });
    assert.deepEqual(again.rocAuc, e.rocAuc);
    const other = cc.evaluateDetector("m", s, y, thr, { ks: [10], nBoot: 200, rng: makeRng(10) });
    assert.notDeepEqual(other.rocAuc, e.rocAuc);
  });

  test("without labels: flag counts only", () => {
    const s = Float64Array.from({ length: 50 }, (_, i) => i);
    const e = cc.evaluateDetector("m", s, null, cc.fitCreditCardThresholds(s), { ks: [10], rng: makeRng(1) });
    assert.equal(e.rocAuc, null);
    assert.equal(e.averagePrecision, null);
    assert.deepEqual(e.atK, []);
    assert.equal(e.thresholds.find((t) => t.name === "p95")!.flagged, 3); // above 46.55: 47, 48, 49
    assert.equal(e.thresholds[0]!.confusion, null);
  });

  test("k values bracket the number of frauds", () => {
    assert.deepEqual(cc.chooseKs(57_000, 98), [25, 50, 100, 200]);
    assert.deepEqual(cc.chooseKs(345, 98), [25, 50, 100, 200]);
    assert.deepEqual(cc.chooseKs(1000, 3), [10]);
    assert.deepEqual(cc.chooseKs(30, null), [10, 25]);
    assert.deepEqual(cc.chooseKs(100_000, 2000), [500, 1000, 2000, 5000]);
  });

  test("score densities integrate to 1 per class", () => {
    const s = Float64Array.from({ length: 200 }, (_, i) => 0.01 + i / 10);
    const groups = Array.from(s, (_, i) => (i % 5 === 0 ? "fraud" : "normal"));
    const rows = cc.scoreDensityRows([{ model: "m", scores: s, thresholds: cc.fitCreditCardThresholds(s) }], groups);
    for (const g of ["fraud", "normal"]) {
      const dens = rows.filter((r) => r.kind === "density" && r.class === g);
      assert.equal(dens.length, cc.SCORE_BINS);
      const width = (dens[1]!.log10_score as number) - (dens[0]!.log10_score as number);
      const area = dens.reduce((a, r) => a + (r.density as number) * width, 0);
      assert.ok(Math.abs(area - 1) < 1e-9, `${g} area ${area}`);
    }
    assert.equal(rows.filter((r) => r.kind === "threshold").length, 3);
  });

  test("the UMAP sample keeps the frauds and fills with normals", () => {
    const labels = Int8Array.from({ length: 1000 }, (_, i) => (i % 50 === 0 ? 1 : 0));
    const rows = Int32Array.from({ length: 1000 }, (_, i) => i);
    const s = cc.classBalancedSample(rows, labels, 100, makeRng(1));
    assert.equal(s.rows.length, 100);
    assert.equal(s.rows.filter((i) => labels[i] === 1).length, 20);
    assert.match(s.note, /20 of 20 test frauds and 80 of 980 test normals/);
  });
});

describe("findings", () => {
  const iv = (estimate: number) => ({ estimate, lo: estimate - 0.02, hi: Math.min(1, estimate + 0.02) });
  const evaluation = (model: string, roc: number, ap: number, nTest: number, nFrauds: number): cc.ModelEvaluation => ({
    model,
    trainedOn: "normal rows",
    nTest,
    nFrauds,
    baseline: nFrauds / nTest,
    rocAuc: iv(roc),
    averagePrecision: iv(ap),
    atK: [],
    thresholds: [],
    nBoot: 1000,
    alpha: 0.05,
  });
  const training = {
    rows: new Int32Array(10),
    nAvailable: 10,
    sampled: false,
    normalOnly: true,
    note: "all 10 normal training rows",
  };
  const source = (fraudRate: number, subset: boolean): cc.CreditCardSource => ({
    data: generateCreditCard({ rows: 10, fraudRate: 0.1 }, 1),
    kind: "real",
    label: "real",
    description: "",
    nFrauds: 1,
    fraudRate,
    subset,
    seconds: 0,
  });

  test("PR-AUC wording follows the fraud rate; the published 0.96 is placed against the interval", () => {
    const full = cc.creditCardFindings({
      source: source(ULB_FRAUD_RATE, false),
      evaluations: [evaluation("ae", 0.95, 0.4, 57_000, 98)],
      training,
    });
    assert.ok(
      full.some((t) => /compare directly with full-data results/.test(t)),
      full.join("\n"),
    );
    assert.ok(full.some((t) => /0\.96.*lies inside the interval/.test(t)));
    const enriched = cc.creditCardFindings({
      source: source(0.2857, true),
      evaluations: [evaluation("ae", 0.9, 0.85, 344, 98)],
      training,
    });
    assert.ok(
      enriched.some((t) =>
        /not comparable.*enriched in frauds start from a higher floor.*lift over the baseline \(3\.0× here\)/.test(t),
      ),
      enriched.join("\n"),
    );
    assert.ok(enriched.some((t) => /0\.96.*lies above the interval/.test(t)));
    assert.ok(enriched.some((t) => /both of its rates are conditional on the class/.test(t)));
    const worse = cc.creditCardFindings({
      source: source(0.2857, true),
      evaluations: [evaluation("ae", 0.95, 0.85, 344, 98)],
      contaminated: evaluation("ae (all rows)", 0.9, 0.7, 344, 98),
      training,
    });
    assert.ok(
      worse.some((t) => /-0\.050 and -0\.150.*worse/.test(t)),
      worse.join("\n"),
    );
  });
});

describe("the stage on seeded data with planted frauds", () => {
  const data = generateCreditCard({ rows: 3000, fraudRate: 0.05 }, 21);

  test("PCA and AE trained on normal rows clear an AUC floor; findings cite the published 0.96", async () => {
    const labels = data.labels!;
    const split = cc.stratifiedSplit(labels, data.rows, makeRng(1));
    const f = cc.prepareCreditCardFeatures(data, cc.scalerFitRows(split.train, labels));
    const training = cc.selectTrainingRows(split.train, labels, { normalOnly: true, maxRows: 5000, rng: makeRng(2) });
    const validation = cc.selectTrainingRows(split.validation, labels, {
      normalOnly: true,
      maxRows: 5000,
      rng: makeRng(3),
      what: "validation",
    });
    const calibration = split.validation.filter((i) => labels[i] === 0);
    const testLabels = Int8Array.from(split.test, (i) => labels[i]!);
    const evals = [];
    for (const kind of ["pca", "ae"] as const) {
      const model = cc.buildCreditCardModel(kind, f.featureNames, 7);
      await model.fit(takeRows(f.X, training.rows), takeRows(f.X, validation.rows), FIT);
      const scored = cc.scoreModel(kind, model, f.X, calibration, split.test);
      assert.equal(scored.test.length, split.test.length);
      const e = cc.evaluateDetector(kind, scored.test, testLabels, scored.thresholds, {
        ks: cc.chooseKs(split.test.length, 30),
        nBoot: 200,
        rng: makeRng(4),
      });
      // The stand-in's frauds overlap the normals on purpose (camouflaged ones): ~0.93 measured.
      assert.ok(e.rocAuc!.estimate > 0.85, `${kind} ROC-AUC ${e.rocAuc!.estimate}`);
      assert.ok(
        e.averagePrecision!.estimate > 5 * e.baseline!,
        `${kind} AP ${e.averagePrecision!.estimate} vs baseline ${e.baseline}`,
      );
      evals.push(e);
      model.dispose();
    }
    const source = cc.loadCreditCardSource({ file: "/no/such.csv", standInRows: 3000, seed: 21 });
    const findings = cc.creditCardFindings({ source, evaluations: evals, training });
    assert.ok(
      findings.some((t) => /published Keras autoencoder.*0\.96/.test(t)),
      findings.join("\n"),
    );
    assert.ok(findings.some((t) => /a random detector scores the fraud rate/.test(t)));
    const table = cc.metricsTable(evals);
    assert.equal(table.length, 2);
    assert.match(String(table[0]!["ROC-AUC 95% CI"]), /^\[0\.\d{3}, [01]\.\d{3}\]$/);
    const curves = evals.map(
      (e, q) =>
        cc.modelCurves(
          e.model,
          q === 0 ? Float64Array.from(split.test, (_, k) => k) : Float64Array.from(split.test, (_, k) => -k),
          testLabels,
        )!,
    );
    const svg = await renderSvg(cc.curvesChart(curves, "test"));
    assert.match(svg, /^<svg/);
  });

  test("training with progress returns the history and passes every epoch on", async () => {
    const labels = data.labels!;
    const rows = Int32Array.from({ length: 600 }, (_, i) => i).filter((i) => labels[i] === 0);
    const f = cc.prepareCreditCardFeatures(data, rows);
    const model = cc.buildCreditCardModel("ae", f.featureNames, 3);
    const seen: number[] = [];
    const h = await trainWithProgress(model, takeRows(f.X, rows), takeRows(f.X, rows.subarray(0, 100)), {
      ...FIT,
      maxEpochs: 3,
      onEpoch: (e) => seen.push(e.epoch),
    });
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(h.epochs.length, 3);
    model.dispose();
  });

  test("an unlabelled file with the index column runs unsupervised and says so", async () => {
    const file = writeUlbCsv(generateCreditCard({ rows: 400, fraudRate: 0.05 }, 8), false);
    const source = cc.loadCreditCardSource({ file, standInRows: 100, seed: 1 });
    assert.equal(source.kind, "real");
    assert.equal(source.data.rows, 400);
    assert.equal(source.data.labels, null);
    const split = cc.stratifiedSplit(null, 400, makeRng(1));
    const f = cc.prepareCreditCardFeatures(source.data, cc.scalerFitRows(split.train, null));
    const training = cc.selectTrainingRows(split.train, null, { normalOnly: true, maxRows: 1000, rng: makeRng(2) });
    assert.equal(training.rows.length, 240);
    const model = cc.buildCreditCardModel("pca", f.featureNames, 1);
    await model.fit(takeRows(f.X, training.rows), takeRows(f.X, split.validation), FIT);
    const scored = cc.scoreModel("pca", model, f.X, split.validation, split.test);
    const e = cc.evaluateDetector("pca", scored.test, null, scored.thresholds, {
      ks: cc.chooseKs(80, null),
      rng: makeRng(3),
    });
    assert.equal(e.rocAuc, null);
    assert.ok(e.thresholds.every((t) => t.flagged >= 0 && t.confusion === null));
    const findings = cc.creditCardFindings({ source, evaluations: [e], training });
    assert.ok(
      findings.some((t) => /no Class column.*unsupervised/.test(t)),
      findings.join("\n"),
    );
    assert.equal(cc.metricsTable([e])[0]!["ROC-AUC"], null);
  });

  test("a labelled file with the index column loads the same values as the generator", () => {
    const d = generateCreditCard({ rows: 50, fraudRate: 0.1 }, 9);
    const s = cc.loadCreditCardSource({ file: writeUlbCsv(d, true), standInRows: 10, seed: 1 });
    assert.equal(s.nFrauds, 5);
    assert.deepEqual(s.data.labels, d.labels);
    assert.deepEqual(s.data.features.data, d.features.data);
  });

  test("real ULB subset: all 492 frauds, PCA on normal rows ranks them", {
    skip: !fs.existsSync(REAL) && "no real samples",
  }, async () => {
    const s = cc.loadCreditCardSource({ file: REAL, standInRows: 10, seed: 1 });
    assert.equal(s.kind, "real");
    assert.equal(s.subset, true);
    assert.equal(s.nFrauds, 492);
    const labels = s.data.labels!;
    const split = cc.stratifiedSplit(labels, s.data.rows, makeRng(1));
    const f = cc.prepareCreditCardFeatures(s.data, cc.scalerFitRows(split.train, labels));
    const training = cc.selectTrainingRows(split.train, labels, { normalOnly: true, maxRows: 5000, rng: makeRng(2) });
    const model = cc.buildCreditCardModel("pca", f.featureNames, 1);
    await model.fit(takeRows(f.X, training.rows), takeRows(f.X, split.validation), FIT);
    const scored = cc.scoreModel(
      "pca",
      model,
      f.X,
      split.validation.filter((i) => labels[i] === 0),
      split.test,
    );
    const auc = rocAuc(
      scored.test,
      Int8Array.from(split.test, (i) => labels[i]!),
    )!;
    assert.ok(auc > 0.85, `PCA ROC-AUC on the real subset ${auc}`);
  });
});
