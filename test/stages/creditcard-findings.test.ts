/**
 * Credit-card findings follow the numbers: equal values tie, overlapping bootstrap
 * intervals establish no order, reversed values reverse the wording.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as cc from "../../lib/stages/11-credit-card/index";
import { generateCreditCard } from "../../lib/data/creditcard-synthetic";

const evaluation = (model: string, roc: number, half: number, ap = 0.5): cc.ModelEvaluation => ({
  model,
  trainedOn: "normal rows",
  nTest: 10_000,
  nFrauds: 100,
  baseline: 0.01,
  rocAuc: { estimate: roc, lo: roc - half, hi: Math.min(1, roc + half) },
  averagePrecision: { estimate: ap, lo: ap - half, hi: ap + half },
  atK: [],
  thresholds: [],
  nBoot: 1000,
  alpha: 0.05,
});
const training = { rows: new Int32Array(10), nAvailable: 10, sampled: false, normalOnly: true, note: "all rows" };
const source: cc.CreditCardSource = {
  data: generateCreditCard({ rows: 10, fraudRate: 0.1 }, 1),
  kind: "real",
  label: "real",
  description: "",
  path: null,
  nFrauds: 1,
  fraudRate: 0.01,
  subset: false,
  seconds: 0,
} as unknown as cc.CreditCardSource;
const findings = (evaluations: cc.ModelEvaluation[], contaminated: cc.ModelEvaluation | null = null) =>
  cc.creditCardFindings({ source, evaluations, contaminated, training }).join("\n");

describe("credit-card findings follow the numbers", () => {
  test("equal ROC-AUCs: the best is named with the models tied with it, no order claimed", () => {
    const e = [evaluation("ae", 0.9, 0.001), evaluation("pca", 0.9, 0.001)];
    assert.equal(cc.bestLabel(e, "rocAuc"), "ae; pca within its interval");
    assert.match(findings(e), /the best ROC-AUC is \*\*0\.900 \[0\.899, 0\.901\]\*\* \(ae; pca within its interval\)/);
    assert.match(findings(e), /Ranking by ROC-AUC: ae 0\.900, pca 0\.900: every interval overlaps the best one's/);
  });

  test("overlapping intervals: no order among the overlapping models", () => {
    const e = [evaluation("ae", 0.92, 0.03), evaluation("vae", 0.9, 0.03), evaluation("pca", 0.8, 0.01)];
    assert.equal(cc.bestLabel(e, "rocAuc"), "ae; vae within its interval");
    assert.match(findings(e), /Ranking by ROC-AUC: ae 0\.920, vae 0\.900, pca 0\.800: ae and vae cannot be told apart/);
  });

  test("separated and reversed values: a clear best, the order reversed with the numbers", () => {
    const a = [evaluation("ae", 0.95, 0.01), evaluation("pca", 0.8, 0.01)];
    const b = [evaluation("ae", 0.8, 0.01), evaluation("pca", 0.95, 0.01)];
    assert.equal(cc.bestLabel(a, "rocAuc"), "ae");
    assert.equal(cc.bestLabel(b, "rocAuc"), "pca");
    assert.match(findings(a), /Ranking by ROC-AUC: ae 0\.950, pca 0\.800\./);
    assert.match(findings(b), /Ranking by ROC-AUC: pca 0\.950, ae 0\.800\./);
  });

  test("training on all rows: worse, better, overlapping or the same", () => {
    const ae = [evaluation("ae", 0.9, 0.01)];
    assert.match(
      findings(ae, evaluation("ae (all rows)", 0.85, 0.01)),
      /\(worse: it learns to reconstruct some frauds too\)/,
    );
    assert.match(findings(ae, evaluation("ae (all rows)", 0.95, 0.01)), /\(better here\)/);
    assert.match(
      findings(ae, evaluation("ae (all rows)", 0.88, 0.03)),
      /\(the 95% intervals of the two ROC-AUCs overlap: no difference beyond the noise\)/,
    );
    assert.match(findings(ae, evaluation("ae (all rows)", 0.9, 0.01)), /\(no material difference in ROC-AUC\)/);
  });

  test("the published value against the interval: below, inside, above", () => {
    assert.match(findings([evaluation("ae", 0.99, 0.005)]), /published value lies below the interval/);
    assert.match(findings([evaluation("ae", 0.96, 0.01)]), /published value lies inside the interval/);
    assert.match(findings([evaluation("ae", 0.9, 0.01)]), /published value lies above the interval/);
  });
});

test("report figures: ROC/PR only with curves; captions name the class or, without labels, the AE's p99 flag", () => {
  const names = (f: [string, string][]) => f.map(([n]) => n);
  assert.deepEqual(names(cc.reportFigures(true, true)), ["11-roc-pr", "11-score-distributions", "11-umap-latents"]);
  assert.deepEqual(names(cc.reportFigures(false, false)), ["11-score-distributions", "11-umap-latents"]);
  assert.match(cc.reportFigures(true, false)[1]![1], /coloured by class/);
  assert.match(cc.reportFigures(false, false)[1]![1], /p99 flag \(no labels\)/);
  assert.match(cc.reportFigures(false, false)[0]![1], /no labels/);
});
