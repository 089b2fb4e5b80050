import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  agreementMatrix,
  cohenKappa,
  consensusScore,
  flagOverlaps,
  jaccard,
  rankNormalise,
} from "../../lib/anomaly/agreement";
import { spearman } from "../../lib/stats/descriptive";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe("jaccard", () => {
  test("hand-computed", () => {
    // A = {0, 1, 4}, B = {0, 4, 5}: |A ∩ B| = 2, |A ∪ B| = 4.
    close(jaccard([1, 1, 0, 0, 1, 0], [1, 0, 0, 0, 1, 1]), 0.5);
    close(jaccard([true, false], [false, true]), 0);
    close(jaccard(new Uint8Array([1, 1]), new Uint8Array([1, 1])), 1);
  });
  test("two empty sets are identical", () => {
    assert.equal(jaccard([0, 0, 0], [0, 0, 0]), 1);
  });
  test("bad input", () => {
    assert.throws(() => jaccard([], []), /empty/);
    assert.throws(() => jaccard([1, 0], [1]), /align/);
    assert.throws(() => jaccard([1, NaN], [1, 0]), /flagsA\[1\] is NaN/);
  });
});

describe("cohenKappa", () => {
  test("matches sklearn", () => {
    // po = 4/6, pa = pb = 1/2 -> pe = 1/2, kappa = (2/3 - 1/2) / (1/2) = 1/3 (sklearn 0.33333333333333337).
    close(cohenKappa([1, 1, 0, 0, 1, 0], [1, 0, 0, 0, 1, 1]), 1 / 3, 1e-15);
    // sklearn: flags i%3==0 vs (i%6==0 or i%5==0), i < 30 -> 0.4
    const a = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const b = Array.from({ length: 30 }, (_, i) => (i % 6 === 0 || i % 5 === 0 ? 1 : 0));
    close(cohenKappa(a, b), 0.4, 1e-12);
  });
  test("perfect, opposite and constant cases", () => {
    close(cohenKappa([1, 0, 1, 0], [1, 0, 1, 0]), 1);
    close(cohenKappa([1, 0, 1, 0], [0, 1, 0, 1]), -1);
    assert.equal(cohenKappa([0, 0, 0], [0, 0, 0]), 1);
    // One detector constant, the other not: pe = po -> 0.
    close(cohenKappa([0, 0, 0, 0], [0, 0, 0, 1]), 0);
  });
});

describe("spearman", () => {
  test("matches scipy with ties", () => {
    const a = Array.from({ length: 20 }, (_, i) => (i * 7) % 5);
    const b = Array.from({ length: 20 }, (_, i) => ((i * 3) % 4) + (i % 5) * 0.25);
    close(spearman(a, b), 0.15038884540719377, 1e-12);
  });
  test("monotone transforms give 1 and -1; constant gives NaN", () => {
    close(spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1);
    close(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  });
  test("bad input", () => {
    assert.throws(() => spearman([], []), /empty/);
    assert.throws(() => spearman([1, 2], [1]), /align/);
    assert.throws(() => spearman([1, NaN], [1, 2]), /a\[1\] is NaN/);
  });
});

describe("rank normalisation and consensus", () => {
  test("ranks onto [0, 1] with ties averaged", () => {
    assert.deepEqual([...rankNormalise([10, 30, 20, 20])], [0, 1, 0.5, 0.5]);
    assert.deepEqual([...rankNormalise([7, 7, 7])], [0.5, 0.5, 0.5]);
    assert.deepEqual([...rankNormalise([3])], [0.5]);
    assert.throws(() => rankNormalise([]), /empty/);
  });
  test("consensus is the mean of rank-normalised scores, scale-free", () => {
    // Model A ranks [0, 1/2, 1], model B (another scale) ranks [1/2, 0, 1].
    const c = consensusScore([
      [0.1, 0.2, 0.3],
      [50, 10, 900],
    ]);
    assert.deepEqual([...c], [0.25, 0.25, 1]);
    assert.throws(() => consensusScore([[1, 2], [1]]), /vector 1 has 1 values/);
    assert.throws(() => consensusScore([]), /at least one/);
  });
});

describe("flag overlaps (UpSet)", () => {
  // rows:   0  1  2  3  4  5  6
  // ae:     1  1  0  0  1  0  0
  // vae:    1  0  1  0  1  0  0
  // dae:    1  0  0  0  0  1  0
  const flags = { ae: [1, 1, 0, 0, 1, 0, 0], vae: [1, 0, 1, 0, 1, 0, 0], dae: [1, 0, 0, 0, 0, 1, 0] };
  test("exclusive combinations counted by hand", () => {
    const o = flagOverlaps(flags);
    assert.deepEqual(o.totals, { ae: 3, vae: 3, dae: 2 });
    assert.equal(o.flaggedByAny, 5);
    assert.equal(o.flaggedByNone, 2);
    const byName = Object.fromEntries(o.combinations.map((c) => [c.models.join("&"), c.count]));
    assert.deepEqual(byName, { "ae&vae&dae": 1, "ae&vae": 1, ae: 1, vae: 1, dae: 1 });
    assert.equal(
      o.combinations.reduce((s, c) => s + c.count, 0),
      o.flaggedByAny,
    );
    // Sorted by count, then by mask: every count is 1 here, masks ae=1, vae=2, ae&vae=3, dae=4, all=7.
    assert.deepEqual(
      o.combinations.map((c) => c.mask),
      [1, 2, 3, 4, 7],
    );
  });
  test("includeEmpty lists all 2^m - 1 combinations", () => {
    const o = flagOverlaps(flags, true);
    assert.equal(o.combinations.length, 7);
    assert.equal(o.combinations.filter((c) => c.count === 0).length, 2);
  });
  test("bad input", () => {
    assert.throws(() => flagOverlaps({}), /at least one model/);
    assert.throws(() => flagOverlaps({ a: [1, 0], b: [1] }), /"b" has 1 flags/);
    assert.throws(() => flagOverlaps({ a: [] }), /empty/);
  });
  test("agreement matrix is symmetric with a unit diagonal", () => {
    const m = agreementMatrix(flags, "jaccard");
    assert.deepEqual(m.models, ["ae", "vae", "dae"]);
    // ae vs vae: {0,1,4} vs {0,2,4} -> 2/4.
    assert.equal(m.values[1], 0.5);
    assert.equal(m.values[3], 0.5);
    assert.deepEqual([m.values[0], m.values[4], m.values[8]], [1, 1, 1]);
    const k = agreementMatrix(flags, "kappa");
    close(k.values[1]!, cohenKappa(flags.ae, flags.vae));
    assert.throws(() => agreementMatrix(flags, "x" as never), /unknown metric/);
  });
});
