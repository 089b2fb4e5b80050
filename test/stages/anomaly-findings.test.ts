/**
 * Findings of the anomaly section follow the numbers: equal ROC-AUCs tie, overlapping
 * intervals are within the noise, reversed values reverse the wording.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { DetectionQuality, GroundTruthResult } from "../../lib/anomaly/detection";
import type { EventStudyResult } from "../../lib/anomaly/eventstudy";
import {
  eventStudyFindings,
  groundTruthFindings,
  versusBaselineSentence,
} from "../../lib/stages/07-anomalies/findings";

const det = (name: string, rocAuc: number, rows = 100_000, anomalies = 2_000): DetectionQuality => ({
  name,
  rows,
  anomalies,
  rocAuc,
  averagePrecision: 0.1,
  prAuc: 0.1,
  k: anomalies,
  precisionAtK: 0.1,
  byKind: {},
});

function gt(ds: DetectionQuality[], byKind: GroundTruthResult["bestByKind"] = []): GroundTruthResult {
  const best = [...ds].sort((a, b) => b.rocAuc! - a.rocAuc!)[0]!;
  return {
    detectors: ds,
    heldOut: ds,
    best,
    baseline: ds.find((d) => d.name === "pca · MSE") ?? null,
    consensus: null,
    bestByKind: byKind,
    curves: [] as unknown as GroundTruthResult["curves"],
  };
}

describe("ground-truth findings follow the numbers", () => {
  test("equal ROC-AUCs tie with PCA: nobody beats it", () => {
    const ds = [det("ae · MSE", 0.8), det("vae · MSE", 0.8), det("pca · MSE", 0.8)];
    const t = groundTruthFindings(gt(ds)).join("\n");
    assert.match(t, /On MSE against PCA's 0\.800, no autoencoder beats it: ae 0\.800, vae 0\.800 tie with it\./);
    assert.match(t, /vae · MSE and pca · MSE tie with it|ae · MSE and vae · MSE tie with it/);
    assert.match(t, /level with the best|the best itself/);
    assert.doesNotMatch(t, /every autoencoder beats/);
  });

  test("higher ROC-AUCs with overlapping intervals (few anomalies) are within the noise, not beats", () => {
    const ds = [det("ae · MSE", 0.71, 300, 10), det("pca · MSE", 0.68, 300, 10)];
    const t = groundTruthFindings(gt(ds)).join("\n");
    assert.match(t, /no autoencoder beats it: ae 0\.710 is within its sampling noise/);
    assert.match(t, /0\.030 below the best, within the sampling noise/);
    // The same values on many rows separate.
    const many = groundTruthFindings(gt([det("ae · MSE", 0.71), det("pca · MSE", 0.68)])).join("\n");
    assert.match(many, /On MSE every autoencoder beats PCA's 0\.680 \(ae 0\.710\)\./);
    assert.match(many, /, 0\.030 below the best\./);
  });

  test("reversed values reverse the wording", () => {
    const t = groundTruthFindings(gt([det("ae · MSE", 0.6), det("vae · MSE", 0.62), det("pca · MSE", 0.75)])).join(
      "\n",
    );
    assert.match(
      t,
      /On MSE every autoencoder falls below PCA's 0\.750 \(ae 0\.600, vae 0\.620\): the linear baseline is hard to beat/,
    );
    assert.match(t, /Best ROC-AUC: \*\*pca · MSE 0\.750\*\*.*the best itself/);
    const mixed = versusBaselineSentence([det("ae · MSE", 0.8), det("vae · MSE", 0.6)], det("pca · MSE", 0.7));
    assert.equal(mixed, "On MSE against PCA's 0.700: ae 0.800 beats it; vae 0.600 falls below it.");
  });

  test("a kind found equally well by two detectors is a tie, not a best", () => {
    const kinds = [
      { kind: "spike", best: "ae · MSE", auc: 0.9, rows: 40, runnerUp: "vae · MSE", runnerUpAuc: 0.9 },
      { kind: "drift", best: "vae · MSE", auc: 0.8, rows: 40, runnerUp: "ae · MSE", runnerUpAuc: 0.7 },
    ];
    const t = groundTruthFindings(gt([det("ae · MSE", 0.8), det("pca · MSE", 0.7)], kinds)).join("\n");
    assert.match(t, /\*\*spike\*\* found equally well by ae · MSE and vae · MSE \(0\.900, 40 rows\)/);
    assert.match(t, /\*\*drift\*\* best found by vae · MSE \(0\.800, 40 rows; next ae · MSE 0\.700\)/);
  });
});

describe("event-study findings follow the intervals", () => {
  const study = (ret: { estimate: number; lo: number; hi: number }): EventStudyResult =>
    ({
      horizons: [{ horizon: 5, nEvents: 40, nTokens: 6, diffReturn: ret, diffVol: { estimate: 0, lo: 0, hi: 0 } }],
    }) as unknown as EventStudyResult;
  test("above, below, covering zero and exactly zero", () => {
    assert.match(
      eventStudyFindings(study({ estimate: 0.02, lo: 0.01, hi: 0.03 }))[0]!,
      /\], above the controls; realised/,
    );
    assert.match(
      eventStudyFindings(study({ estimate: -0.02, lo: -0.03, hi: -0.01 }))[0]!,
      /\], below the controls; realised/,
    );
    assert.match(
      eventStudyFindings(study({ estimate: 0.02, lo: -0.01, hi: 0.03 }))[0]!,
      /\], not distinguishable from the controls; realised/,
    );
    assert.match(
      eventStudyFindings(study({ estimate: 0.02, lo: -0.01, hi: 0.03 }))[0]!,
      /volatility \+0\.0000 \[0\.0000, 0\.0000\], not distinguishable/,
    );
  });
});
