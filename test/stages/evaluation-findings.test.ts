/**
 * Findings of the evaluation section follow the numbers: equal values tie, overlapping
 * intervals are "not significantly different", reversed values reverse the wording.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as ev from "../../lib/stages/08-evaluation/index";
import type { DriftRow } from "../../lib/evaluate/regimes";

describe("ranking sentences", () => {
  const rank = (values: Record<string, number>, better: "lower" | "higher" = "lower") => {
    const criteria: ev.Criterion[] = [{ label: "test MSE", better, values, note: "" }];
    return ev.rankingSentences(criteria, ev.rankModels(criteria, Object.keys(values)));
  };
  test("equal values: a tie, no first and no last", () => {
    const s = rank({ ae: 0.25, vae: 0.25, pca: 0.25 });
    assert.equal(s[0], "test MSE: every model scores 0.250, a tie.");
    assert.match(
      s[1]!,
      /AE \(2\.00\) = PCA \(2\.00\) = VAE \(2\.00\); every model has the same mean rank: none comes first\./,
    );
  });
  test("values equal at the printed precision tie for first", () => {
    const s = rank({ ae: 0.2501, vae: 0.2504, pca: 0.4 });
    assert.equal(s[0], "test MSE: **AE and VAE** tie for first (0.250), PCA last (0.400).");
  });
  test("reversed values reverse first and last; the direction of 'better' is followed", () => {
    assert.equal(rank({ ae: 0.1, pca: 0.3 })[0], "test MSE: **AE** ranks first (0.100), PCA last (0.300).");
    assert.equal(rank({ ae: 0.3, pca: 0.1 })[0], "test MSE: **PCA** ranks first (0.100), AE last (0.300).");
    assert.equal(rank({ ae: 0.3, pca: 0.1 }, "higher")[0], "test MSE: **AE** ranks first (0.300), PCA last (0.100).");
  });
});

describe("paired and drift sentences", () => {
  const paired = (difference: number, lo: number, hi: number): ev.PairedDifference => ({
    model: "ae",
    reference: "pca",
    split: "test",
    modelMse: 0.5 + difference,
    referenceMse: 0.5,
    difference,
    lo,
    hi,
    relative: difference / 0.5,
  });
  test("an interval below 0, above 0, covering 0, and an exact tie", () => {
    assert.match(ev.pairedSentences([paired(-0.1, -0.15, -0.05)])[0]!, /: significantly lower than PCA\.$/);
    assert.match(ev.pairedSentences([paired(0.1, 0.05, 0.15)])[0]!, /: significantly higher than PCA\.$/);
    assert.match(ev.pairedSentences([paired(0.01, -0.02, 0.04)])[0]!, /: not significantly different from PCA\.$/);
    assert.match(ev.pairedSentences([paired(0, 0, 0)])[0]!, /: level with PCA\.$/);
  });
  const drift = (model: string, ratio: number, lo: number, hi: number): DriftRow =>
    ({ model, ratio, lo, hi, regimeAdjustedRatio: NaN }) as DriftRow;
  test("drift: worse, better, within the noise and a ratio of exactly 1", () => {
    const s = ev.driftSentence([
      drift("ae", 1.5, 1.2, 1.8),
      drift("vae", 0.7, 0.6, 0.8),
      drift("dae", 1.1, 0.9, 1.3),
      drift("pca", 1, 1, 1),
    ]);
    assert.match(s, /AE reconstructs the test period significantly \*\*worse\*\*/);
    assert.match(s, /VAE reconstructs it significantly \*\*better\*\*/);
    assert.match(s, /DAE and PCA show no significant change|DAE, PCA show no significant change/);
  });
});

describe("regime and walk-forward sentences", () => {
  const g = (model: string, calm: number, crash: number) => ({
    model,
    rows: [
      { group: "calm", value: calm },
      { group: "crash", value: crash },
    ] as unknown as ev.GroupErrorRow[],
  });
  test("equal ratios: equally regime-sensitive; tied leaders named together", () => {
    assert.match(ev.regimeSentence([g("ae", 1, 2), g("vae", 1, 2)]), /: every model is equally regime-sensitive\.$/);
    assert.match(
      ev.regimeSentence([g("ae", 1, 3), g("vae", 1, 3), g("pca", 1, 2)]),
      /: AE and VAE are the most regime-sensitive, PCA the least\.$/,
    );
    assert.match(
      ev.regimeSentence([g("ae", 1, 2), g("pca", 1, 3)]),
      /: PCA is the most regime-sensitive, AE the least\.$/,
    );
  });
  test("walk-forward: a fold with equal MSEs is a tie, not a win", () => {
    const row = (fold: number, model: string, testMse: number) =>
      ({ fold, model, testMse, meanMse: 1, trainRows: 10, epochs: 1 }) as ev.WalkForwardRow;
    const s = ev.walkForwardSentence([row(0, "pca", 0.5), row(0, "ae", 0.5), row(1, "pca", 0.5), row(1, "ae", 0.4)]);
    assert.match(s, /AE beats PCA in 1 of 2 folds and ties in 1/);
    const r = ev.walkForwardSentence([row(0, "pca", 0.4), row(0, "ae", 0.5)]);
    assert.match(r, /AE beats PCA in 0 of 1 folds/);
  });
});

describe("latent-size sweep against PCA", () => {
  const pt = (model: string, k: number, mse: number): ev.SweepPoint => ({
    model,
    reference: "pca",
    unit: "token-day",
    latentDim: k,
    testMse: mse,
    baselineMse: 1,
    explained: 1 - mse,
    epochs: 1,
    stopReason: "",
    seconds: 0,
  });
  const pca = [pt("pca", 2, 0.5), pt("pca", 4, 0.3)];
  test("equal MSE (a ratio that prints as 1.00) is not a win", () => {
    const [c] = ev.pcaCrossover([...pca, pt("ae", 2, 0.5), pt("ae", 4, 0.2999)]);
    assert.deepEqual(c!.beatsAt, []);
    assert.match(c!.sentence, /AE never beats PCA at the sizes tried/);
  });
  test("lower MSE beats; reversed values reverse the verdict", () => {
    const [a] = ev.pcaCrossover([...pca, pt("ae", 2, 0.4), pt("ae", 4, 0.2)]);
    assert.match(a!.sentence, /AE beats PCA at every size tried/);
    const [b] = ev.pcaCrossover([...pca, pt("ae", 2, 0.6), pt("ae", 4, 0.4)]);
    assert.match(b!.sentence, /AE never beats PCA/);
  });
});
