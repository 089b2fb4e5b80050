import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { generateCreditCard, ULB_FRAUD_RATE } from "../../lib/data/creditcard-synthetic";
import { CREDITCARD_FEATURE_NAMES, CREDITCARD_N_FEATURES } from "../../lib/data/creditcard-types";
import { column } from "../../lib/runtime/matrix";
import { makeRng } from "../../lib/runtime/rng";

/** ROC-AUC by the rank-sum formula (ties get no special care: scores are continuous). */
function auc(score: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
  let rankSum = 0,
    nPos = 0;
  idx.forEach((i, k) => {
    if (labels[i]) {
      rankSum += k + 1;
      nPos++;
    }
  });
  const nNeg = score.length - nPos;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

function sd(a: ArrayLike<number>): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - m) ** 2;
  return Math.sqrt(s / (a.length - 1));
}

function median(a: number[]): number {
  const b = [...a].sort((x, y) => x - y);
  return b[b.length >> 1]!;
}

describe("generateCreditCard", () => {
  // A richer fraud share than ULB's so that per-class statistics are stable in a small table.
  const data = generateCreditCard({ rows: 20000, fraudRate: 0.01 }, 5);
  const y = data.labels!;

  test("shapes and layout match the ULB table", () => {
    assert.equal(data.rows, 20000);
    assert.equal(data.features.rows, 20000);
    assert.equal(data.features.cols, 30);
    assert.equal(CREDITCARD_N_FEATURES, 30);
    assert.deepEqual(data.featureNames, CREDITCARD_FEATURE_NAMES);
    assert.equal(data.featureNames[0], "Time");
    assert.equal(data.featureNames[14], "V14");
    assert.equal(data.featureNames[29], "Amount");
    assert.ok(data.features.data instanceof Float32Array);
    assert.equal(data.time.length, 20000);
    assert.equal(data.amount.length, 20000);
    assert.ok(y instanceof Int8Array && y.length === 20000);
    assert.equal(data.unsupervised, false);
    assert.equal(data.source, "synthetic-creditcard(seed=5)");
    // Columns 0 and 29 repeat time and amount.
    assert.deepEqual(Array.from(column(data.features, 0)), Array.from(data.time, Math.fround));
    assert.deepEqual(Array.from(column(data.features, 29)), Array.from(data.amount, Math.fround));
    for (const v of data.features.data) assert.ok(Number.isFinite(v));
  });

  test("class imbalance as requested, ULB rate by default", () => {
    assert.equal(
      y.reduce((a, b) => a + b, 0),
      200,
    );
    const def = generateCreditCard({ rows: 50000 }, 1);
    assert.equal(
      def.labels!.reduce((a, b) => a + b, 0),
      Math.round(50000 * ULB_FRAUD_RATE),
    );
    assert.ok(Math.abs(ULB_FRAUD_RATE - 0.00172) < 1e-5);
  });

  test("same seed gives identical output, a different seed does not", () => {
    const a = generateCreditCard({ rows: 3000, fraudRate: 0.01 }, 9);
    const b = generateCreditCard({ rows: 3000, fraudRate: 0.01 }, makeRng(9));
    const c = generateCreditCard({ rows: 3000, fraudRate: 0.01 }, 10);
    assert.deepEqual(Buffer.from(a.features.data.buffer), Buffer.from(b.features.data.buffer));
    assert.deepEqual(Array.from(a.labels!), Array.from(b.labels!));
    assert.notDeepEqual(Buffer.from(a.features.data.buffer), Buffer.from(c.features.data.buffer));
  });

  test("Time: sorted whole seconds over two days from 0, with a day/night cycle", () => {
    assert.equal(data.time[0], 0);
    for (let i = 1; i < data.rows; i++) assert.ok(data.time[i]! >= data.time[i - 1]!);
    assert.ok(data.time.every((t) => Number.isInteger(t) && t < 2 * 86400));
    // The first transaction comes minutes after midnight, so Time mod one day is about clock time.
    const perHour = new Array(24).fill(0);
    for (const t of data.time) perHour[Math.floor((t % 86400) / 3600)]++;
    const night = perHour[2] + perHour[3] + perHour[4];
    const day = perHour[13] + perHour[14] + perHour[15];
    assert.ok(day > 4 * night, `day ${day} vs night ${night}`);
  });

  test("V1..V28 look like PCA scores: zero mean, decreasing sd, uncorrelated, non-Gaussian", () => {
    const sds: number[] = [];
    let maxAbsCorr = 0;
    const cols = Array.from({ length: 28 }, (_, j) => column(data.features, j + 1));
    for (const c of cols) {
      assert.ok(Math.abs(mean(c)) < 1e-3, `mean ${mean(c)}`);
      sds.push(sd(c));
    }
    assert.ok(sds[0]! > 1.9 && sds[27]! < 0.4, `sd V1 ${sds[0]} V28 ${sds[27]}`);
    for (let j = 1; j < 28; j++) assert.ok(sds[j]! <= sds[j - 1]! + 1e-3, `sd V${j + 1} > V${j}`);
    for (let a = 0; a < 28; a += 3) {
      for (let b = a + 1; b < 28; b += 4) {
        const ma = mean(cols[a]!),
          mb = mean(cols[b]!);
        let s = 0;
        for (let i = 0; i < data.rows; i++) s += (cols[a]![i]! - ma) * (cols[b]![i]! - mb);
        maxAbsCorr = Math.max(maxAbsCorr, Math.abs(s / (data.rows - 1) / (sds[a]! * sds[b]!)));
      }
    }
    assert.ok(maxAbsCorr < 0.2, `max |corr| between components ${maxAbsCorr}`);
    // Heavy tails: excess kurtosis of V1 well above a normal's 0.
    const v1 = cols[0]!;
    const m = mean(v1);
    let k = 0;
    for (const x of v1) k += (x - m) ** 4;
    assert.ok(k / v1.length / sds[0]! ** 4 - 3 > 1);
  });

  test("Amount: non-negative cents, skewed, frauds distributed differently", () => {
    for (const a of data.amount) assert.ok(a >= 0 && Math.abs(a * 100 - Math.round(a * 100)) < 1e-6);
    const normal = Array.from(data.amount).filter((_, i) => !y[i]);
    const fraud = Array.from(data.amount).filter((_, i) => y[i]);
    assert.ok(mean(normal) > 2 * median(normal), "right-skewed amounts");
    const smallShare = (a: number[]) => a.filter((x) => x <= 1).length / a.length;
    assert.ok(
      smallShare(fraud) > 2 * smallShare(normal),
      `frauds <= 1.00: ${smallShare(fraud)} vs ${smallShare(normal)}`,
    );
  });

  test("fraud-sensitive components separate the classes partially, not perfectly", () => {
    const v14 = column(data.features, 14);
    const a14 = auc(
      v14.map((x) => -x),
      y,
    );
    assert.ok(a14 > 0.75 && a14 < 0.99, `AUC(-V14) ${a14}`);
    const a17 = auc(
      column(data.features, 17).map((x) => -x),
      y,
    );
    assert.ok(a17 > 0.7 && a17 < 0.99, `AUC(-V17) ${a17}`);
    // A component the frauds do not shift stays near chance.
    const a24 = auc(column(data.features, 24), y);
    assert.ok(Math.abs(a24 - 0.5) < 0.1, `AUC(V24) ${a24}`);
    // A good multivariate score (squared norm of the components) is strong but imperfect.
    const colSd = Array.from({ length: 30 }, (_, j) => sd(column(data.features, j)));
    const norm = new Float64Array(data.rows);
    for (let i = 0; i < data.rows; i++) {
      for (let j = 1; j <= 28; j++) norm[i] += (data.features.data[i * 30 + j]! / colSd[j]!) ** 2;
    }
    const aNorm = auc(norm, y);
    assert.ok(aNorm > 0.85 && aNorm < 0.995, `AUC(norm) ${aNorm}`);
  });

  test("invalid options throw with the bad value", () => {
    assert.throws(() => generateCreditCard({ rows: 0 }, 1), /rows must be an integer >= 2, got 0/);
    assert.throws(() => generateCreditCard({ rows: 10.5 }, 1), /got 10.5/);
    assert.throws(
      () => generateCreditCard({ rows: 100, fraudRate: 0.9 }, 1),
      /fraudRate must be in \[0, 0.5\], got 0.9/,
    );
  });

  test("fraudRate 0 gives no frauds", () => {
    const d = generateCreditCard({ rows: 500, fraudRate: 0 }, 1);
    assert.ok(d.labels!.every((v) => v === 0));
  });
});
