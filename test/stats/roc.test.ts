import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  averagePrecision,
  confusion,
  downsampleCurveIndices,
  prAuc,
  prCurve,
  precisionAtK,
  recallAtK,
  rocAuc,
  rocCurve,
  toBinaryLabels,
} from "../../lib/stats/roc";
import { Rng } from "../../lib/runtime/rng";

const close = (a: number | null, b: number, tol = 1e-12) => {
  assert.ok(a !== null, "got null");
  assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);
};

// Small case with a tie across classes: scores [1, 2, 2, 3], labels [0, 1, 0, 1].
// ROC: pairs (pos, neg) = (2,1) win, (2,2) tie = 1/2, (3,1) win, (3,2) win -> 3.5 / 4 = 0.875.
// AP: threshold 3 -> P 1, R 1/2; threshold 2 -> tp 2, fp 1, P 2/3, R 1.
//     AP = 1/2 * 1 + 1/2 * 2/3 = 5/6 (breaking the tie with + first would give 1, with - first 5/6).
// PR-AUC (trapezoid from (0, 1)): 1/2 * 1 + 1/2 * (1 + 2/3) / 2 = 11/12.
const S = [1, 2, 2, 3];
const Y = [0, 1, 0, 1];

// A larger case with many ties, values from sklearn 1.2.1:
// scores_i = ((37 i) mod 11) / 10, label_i = 1 if (13 i) mod 7 == 0 or i mod 5 == 0, i < 60.
const TIES_SCORES = Array.from({ length: 60 }, (_, i) => ((i * 37) % 11) / 10);
const TIES_LABELS = Array.from({ length: 60 }, (_, i) => ((i * 13) % 7 === 0 || i % 5 === 0 ? 1 : 0));

describe("rocAuc", () => {
  test("hand-computed cases", () => {
    close(rocAuc(S, Y), 0.875);
    // sklearn docs example: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75
    close(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    close(rocAuc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
    close(rocAuc([1, 2, 3, 4], [1, 1, 0, 0]), 0);
    close(rocAuc([5, 5, 5, 5], [1, 0, 1, 0]), 0.5);
  });
  test("matches sklearn with many ties", () => {
    close(rocAuc(TIES_SCORES, TIES_LABELS), 0.45956354300385105, 1e-12);
  });
  test("labels: booleans, kinds > 1 count as anomalies, null and single class give null", () => {
    close(rocAuc(S, [false, true, false, true]), 0.875);
    close(rocAuc(S, new Int8Array([0, 3, 0, 5])), 0.875);
    assert.equal(rocAuc(S, null), null);
    assert.equal(rocAuc(S, [0, 0, 0, 0]), null);
    assert.equal(rocAuc(S, [1, 1, 1, 1]), null);
  });
  test("bad input throws with the index", () => {
    assert.throws(() => rocAuc([1, NaN], [0, 1]), /scores\[1\] is NaN/);
    assert.throws(() => rocAuc([1, 2], [0, -1]), /labels\[1\] is -1.*-1\/\+1/);
    assert.throws(() => rocAuc([1, 2], [0]), /labels has 1 values but there are 2 scores/);
    assert.throws(() => rocAuc([], []), /scores is empty/);
  });
});

describe("average precision and PR-AUC", () => {
  test("hand-computed with a tie", () => {
    close(averagePrecision(S, Y), 5 / 6);
    close(prAuc(S, Y), 11 / 12);
    // sklearn docs example: 0.8333...
    close(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 5 / 6);
  });
  test("matches sklearn with many ties", () => {
    close(averagePrecision(TIES_SCORES, TIES_LABELS), 0.29419077268357363, 1e-12);
    close(prAuc(TIES_SCORES, TIES_LABELS), 0.30709141370921467, 1e-12);
  });
  test("does not depend on row order within ties", () => {
    const order = [3, 2, 1, 0];
    close(
      averagePrecision(
        order.map((i) => S[i]!),
        order.map((i) => Y[i]!),
      ),
      5 / 6,
    );
  });
  test("perfect and no-positive cases", () => {
    close(averagePrecision([1, 2, 3], [0, 1, 1]), 1);
    assert.equal(averagePrecision([1, 2, 3], [0, 0, 0]), null);
    assert.equal(prAuc([1, 2, 3], null), null);
  });
});

describe("curves", () => {
  test("ROC points at distinct scores", () => {
    const c = rocCurve(S, Y)!;
    assert.deepEqual([...c.fpr], [0, 0, 0.5, 1]);
    assert.deepEqual([...c.tpr], [0, 0.5, 1, 1]);
    assert.deepEqual([...c.thresholds], [Infinity, 3, 2, 1]);
    close(c.auc, 0.875);
    assert.equal(c.nFullPoints, 4);
  });
  test("PR points start at (0, 1)", () => {
    const c = prCurve(S, Y)!;
    assert.deepEqual([...c.recall], [0, 0.5, 1, 1]);
    close(c.precision[2]!, 2 / 3);
    assert.deepEqual([c.precision[0], c.precision[1], c.precision[3]], [1, 1, 0.5]);
    close(c.averagePrecision, 5 / 6);
    assert.equal(c.baseline, 0.5);
  });
  test("large curves are downsampled but keep their ends and AUC", () => {
    const r = new Rng(1);
    const n = 20000;
    const labels = Array.from({ length: n }, () => (r.uniform() < 0.05 ? 1 : 0));
    const scores = labels.map((l) => r.normal(l ? 1 : 0, 1));
    const c = rocCurve(scores, labels)!;
    assert.ok(c.fpr.length <= 200 && c.fpr.length >= 100, `points ${c.fpr.length}`);
    assert.equal(c.nFullPoints, n + 1);
    assert.deepEqual([c.fpr[0], c.tpr[0]], [0, 0]);
    assert.deepEqual([c.fpr[c.fpr.length - 1], c.tpr[c.tpr.length - 1]], [1, 1]);
    close(c.auc, rocAuc(scores, labels)!, 1e-9);
    for (let i = 1; i < c.fpr.length; i++) assert.ok(c.fpr[i]! >= c.fpr[i - 1]! && c.tpr[i]! >= c.tpr[i - 1]!);
    const p = prCurve(scores, labels, 50)!;
    assert.ok(p.recall.length <= 50);
    assert.equal(p.recall[p.recall.length - 1], 1);
    close(p.averagePrecision, averagePrecision(scores, labels)!, 1e-12);
    // Binormal model with d' = 1: AUC = Phi(1 / sqrt 2) = 0.760.
    assert.ok(Math.abs(c.auc - 0.76) < 0.03, `auc ${c.auc}`);
  });
  test("downsampling indices", () => {
    const x = Array.from({ length: 1001 }, (_, i) => i / 1000);
    const idx = downsampleCurveIndices(x, x, 11);
    assert.deepEqual([...idx], [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    assert.deepEqual([...downsampleCurveIndices([0, 1], [0, 1], 5)], [0, 1]);
    assert.throws(() => downsampleCurveIndices(x, x, 1), /maxPoints/);
  });
  test("null and single-class labels", () => {
    assert.equal(rocCurve(S, null), null);
    assert.equal(rocCurve(S, [1, 1, 1, 1]), null);
    assert.equal(prCurve(S, [0, 0, 0, 0]), null);
  });
});

describe("precision and recall at k", () => {
  // scores [5, 4, 4, 4, 1], labels [1, 1, 0, 0, 1], k = 2: the 5 is in; one slot left for three
  // rows tied at 4 holding one anomaly -> expected hits 1 + 1/3.
  const s = [5, 4, 4, 4, 1];
  const y = [1, 1, 0, 0, 1];
  test("ties at the k-th score share the slots", () => {
    close(precisionAtK(s, y, 2), 4 / 3 / 2);
    close(recallAtK(s, y, 2), 4 / 3 / 3);
    close(precisionAtK(s, y, 1), 1);
    close(precisionAtK(s, y, 4), 2 / 4);
    close(recallAtK(s, y, 5), 1);
  });
  test("no ties is plain counting", () => {
    close(precisionAtK([0.9, 0.1, 0.8, 0.3], [1, 0, 0, 1], 2), 0.5);
    close(recallAtK([0.9, 0.1, 0.8, 0.3], [1, 0, 0, 1], 3), 1);
  });
  test("bad k and missing labels", () => {
    assert.throws(() => precisionAtK(s, y, 0), /k must be an integer in 1..5/);
    assert.throws(() => precisionAtK(s, y, 6), /k must be/);
    assert.throws(() => precisionAtK(s, y, 1.5), /k must be/);
    assert.equal(precisionAtK(s, null, 2), null);
    assert.equal(recallAtK(s, [0, 0, 0, 0, 0], 2), null);
  });
});

describe("confusion", () => {
  test("hand-computed table", () => {
    // flags [1,1,0,0,1,0], labels [1,0,0,1,1,0]: tp 2, fp 1, fn 1, tn 2.
    const c = confusion([1, 1, 0, 0, 1, 0], [1, 0, 0, 1, 1, 0])!;
    assert.deepEqual([c.tp, c.fp, c.tn, c.fn, c.n], [2, 1, 2, 1, 6]);
    close(c.precision, 2 / 3);
    close(c.recall, 2 / 3);
    close(c.f1, 2 / 3);
    close(c.accuracy, 4 / 6);
    close(c.flaggedRate, 0.5);
  });
  test("zero-division cases give 0 (sklearn default)", () => {
    const none = confusion([0, 0, 0], [1, 0, 0])!;
    assert.deepEqual([none.precision, none.recall, none.f1], [0, 0, 0]);
    const noPos = confusion([false, true], [false, false])!;
    assert.deepEqual([noPos.precision, noPos.recall, noPos.f1, noPos.fp], [0, 0, 0, 1]);
  });
  test("null labels, empty and misaligned input", () => {
    assert.equal(confusion([1, 0], null), null);
    assert.throws(() => confusion([], []), /flags is empty/);
    assert.throws(() => confusion([1, 0], [1]), /align/);
  });
  test("toBinaryLabels rejects NaN and strings", () => {
    assert.throws(() => toBinaryLabels([0, NaN], 2), /labels\[1\] is NaN/);
    assert.throws(() => toBinaryLabels(["1" as unknown as number], 1), /labels\[0\] is 1/);
  });
});

describe("rocAuc (scores, labels): the one ROC-AUC", () => {
  test("ROC-AUC matches sklearn, ties count half", () => {
    assert.ok(Math.abs(rocAuc([0.1, 0.4, 0.35, 0.8, 0.4, 0.2], [0, 0, 1, 1, 1, 0])! - 0.8333333333333334) < 1e-12);
    assert.equal(rocAuc([1, 1], [0, 1]), 0.5);
    // A single class has no AUC: null (the downstream probe reports NaN).
    assert.equal(rocAuc([0.2, 0.3], [1, 1]), null);
  });
});
