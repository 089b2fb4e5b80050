/**
 * Repeated-split summaries: metrics per split, mean ± sd, paired differences and their
 * verdicts, and findings that follow equal, overlapping and reversed values.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  formatMeanSd,
  measureSplit,
  meanSd,
  pairedDifference,
  repeatedSplitFindings,
  repeatedSplitTable,
  summariseSplits,
  tCritical,
  verdict,
  type SplitMeasurement,
} from "../../lib/evaluate/repeated-splits";

/** Measurements of detectors with given ROC-AUC per split (PR-AUC = ROC-AUC - 0.1). */
function measurements(spec: Record<string, { kind: "model" | "anchor"; roc: number[] }>): SplitMeasurement[] {
  return Object.entries(spec).flatMap(([detector, s]) =>
    s.roc.map((r, split) => ({ split, detector, kind: s.kind, rocAuc: r, averagePrecision: r - 0.1, seconds: 1 })),
  );
}

describe("repeated splits", () => {
  test("measureSplit: a perfect and a reversed detector; length and class errors", () => {
    const labels = [0, 0, 1, 1];
    const m = measureSplit(3, labels, [
      { detector: "good", kind: "model", scores: Float64Array.from([0, 1, 2, 3]) },
      { detector: "bad", kind: "anchor", scores: Float64Array.from([3, 2, 1, 0]), seconds: 2 },
    ]);
    assert.deepEqual(
      m.map((x) => [x.split, x.detector, x.kind, x.rocAuc, x.seconds]),
      [
        [3, "good", "model", 1, 0],
        [3, "bad", "anchor", 0, 2],
      ],
    );
    assert.equal(m[0]!.averagePrecision, 1);
    assert.throws(
      () => measureSplit(0, labels, [{ detector: "x", kind: "model", scores: new Float64Array(3) }]),
      /x has 3 scores but there are 4/,
    );
    assert.throws(
      () => measureSplit(0, [0, 0], [{ detector: "x", kind: "model", scores: new Float64Array(2) }]),
      /both classes/,
    );
  });

  test("meanSd uses n - 1 and drops non-finite values", () => {
    assert.deepEqual(meanSd([1, 2, 3, NaN]), { mean: 2, sd: 1, n: 3 });
    assert.deepEqual(meanSd([5]), { mean: 5, sd: 0, n: 1 });
    assert.throws(() => meanSd([NaN]), /no finite values/);
    assert.equal(formatMeanSd({ mean: 0.96612, sd: 0.0081, n: 5 }), "0.966 ± 0.008");
  });

  test("summaries and table: mean ± sd per detector, models before anchors", () => {
    const ms = measurements({
      Mahalanobis: { kind: "anchor", roc: [0.96, 0.97] },
      ae: { kind: "model", roc: [0.95, 0.99] },
    });
    const s = summariseSplits(ms);
    assert.equal(s[0]!.detector, "Mahalanobis");
    assert.equal(s[1]!.rocAuc.mean, 0.97);
    const t = repeatedSplitTable(s);
    assert.deepEqual(
      t.map((r) => [r.detector, r.kind, r.splits]),
      [
        ["ae", "model", 2],
        ["Mahalanobis", "no-model anchor", 2],
      ],
    );
    assert.equal(t[0]!["ROC-AUC mean ± sd"], "0.970 ± 0.028");
  });

  test("paired differences: above, below and level with, from the per-split differences", () => {
    const ms = measurements({
      anchor: { kind: "anchor", roc: [0.9, 0.95, 0.92, 0.97, 0.93] },
      up: { kind: "model", roc: [0.91, 0.96, 0.93, 0.98, 0.94] },
      down: { kind: "model", roc: [0.89, 0.94, 0.91, 0.96, 0.92] },
      same: { kind: "model", roc: [0.9, 0.95, 0.92, 0.97, 0.93] },
      noisy: { kind: "model", roc: [0.92, 0.93, 0.94, 0.95, 0.94] },
    });
    const up = pairedDifference(ms, "up", "anchor");
    assert.ok(Math.abs(up.difference.mean - 0.01) < 1e-12);
    assert.equal(up.wins, 5);
    assert.equal(verdict(up), "above");
    assert.equal(verdict(pairedDifference(ms, "down", "anchor")), "below");
    const same = pairedDifference(ms, "same", "anchor");
    assert.equal(same.ties, 5);
    assert.equal(verdict(same), "level with");
    // Means differ by +0.002 but the per-split differences swing both ways: a tie.
    const noisy = pairedDifference(ms, "noisy", "anchor");
    assert.equal(noisy.wins, 3);
    assert.equal(verdict(noisy), "level with");
    assert.throws(() => pairedDifference(ms, "up", "nobody"), /share no split/);
    // Two splits: even a consistent small difference is within the t(1) noise.
    const two = measurements({
      anchor: { kind: "anchor", roc: [0.9, 0.95] },
      m: { kind: "model", roc: [0.895, 0.94] },
    });
    assert.equal(verdict(pairedDifference(two, "m", "anchor")), "level with");
    assert.equal(tCritical(4), 2.132);
    assert.equal(tCritical(12), 1.812);
    assert.equal(tCritical(100), 1.645);
    assert.throws(() => tCritical(0), /df must be/);
  });

  test("findings say plainly when the anchor still wins, and call overlaps ties", () => {
    const wins = repeatedSplitFindings(
      measurements({
        ae: { kind: "model", roc: [0.93, 0.94, 0.92, 0.95, 0.93] },
        Mahalanobis: { kind: "anchor", roc: [0.96, 0.97, 0.95, 0.97, 0.96] },
        "mean z²": { kind: "anchor", roc: [0.95, 0.95, 0.94, 0.96, 0.95] },
      }),
    );
    assert.ok(
      wins.some((f) => /best no-model anchor is Mahalanobis/.test(f)),
      wins.join("\n"),
    );
    assert.ok(
      wins.some((f) => /ae against the Mahalanobis anchor: ROC-AUC below it/.test(f)),
      wins.join("\n"),
    );
    assert.ok(
      wins.some((f) => /Mahalanobis anchor still wins/.test(f)),
      wins.join("\n"),
    );
    const ties = repeatedSplitFindings(
      measurements({
        ae: { kind: "model", roc: [0.96, 0.97, 0.95, 0.97, 0.96] },
        Mahalanobis: { kind: "anchor", roc: [0.96, 0.97, 0.95, 0.97, 0.96] },
      }),
    );
    assert.ok(
      ties.some((f) => /ROC-AUC level with it \(\+0\.000/.test(f)),
      ties.join("\n"),
    );
    assert.ok(!ties.some((f) => /still (wins|beats)/.test(f)), ties.join("\n"));
    const reversed = repeatedSplitFindings(
      measurements({
        ae: { kind: "model", roc: [0.97, 0.98, 0.96, 0.98, 0.97] },
        pca: { kind: "model", roc: [0.9, 0.91, 0.9, 0.92, 0.9] },
        Mahalanobis: { kind: "anchor", roc: [0.96, 0.97, 0.95, 0.97, 0.96] },
      }),
    );
    assert.ok(reversed.some((f) => /best model by mean ROC-AUC is the ae/.test(f)));
    assert.ok(reversed.some((f) => /ae against the Mahalanobis anchor: ROC-AUC above it/.test(f)));
    assert.ok(
      reversed.some((f) => /still beats the pca on ROC-AUC/.test(f)),
      reversed.join("\n"),
    );
    const one = repeatedSplitFindings(
      measurements({ ae: { kind: "model", roc: [0.9] }, Mahalanobis: { kind: "anchor", roc: [0.95] } }),
    );
    assert.ok(one.some((f) => /one split there is no spread/.test(f)));
  });
});
