import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { autoEpochs, computeKnn, knnNeighbourMatrix, runUmap, runUmapAsync } from "../../lib/latent/umap";
import { knnIndices, trustworthiness } from "../../lib/latent/metrics";
import { makeRng } from "../../lib/runtime/rng";
import { fromRows, type Matrix } from "../../lib/runtime/matrix";

/** n points in d dims around `clusters` well-separated centres; labels returned too. */
function clustered(n: number, d: number, clusters: number, seed: number): { X: Matrix; label: Int32Array } {
  const rng = makeRng(seed);
  const centres = Array.from({ length: clusters }, (_, c) =>
    Array.from({ length: d }, (_, j) => (j === c % d ? 10 * (1 + Math.floor(c / d)) : 0)),
  );
  const data = new Float32Array(n * d);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    label[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c]![j]! + rng.normal();
  }
  return { X: { data, rows: n, cols: d }, label };
}

const { X, label } = clustered(300, 4, 3, 11);
const FAST = { nEpochs: 40 };

describe("runUmap", () => {
  test("embedding has one row per point and nComponents columns", () => {
    const r = runUmap(X, { rng: makeRng(1), ...FAST });
    assert.equal(r.embedding.rows, 300);
    assert.equal(r.embedding.cols, 2);
    assert.equal(r.embedding.data.length, 600);
    assert.ok(r.embedding.data.every(Number.isFinite));
    assert.equal(r.nEpochs, 40);
    assert.equal(r.knn.indices.length, 300);
    assert.equal(r.knn.indices[0]!.length, 15);
    const r3 = runUmap(X, { rng: makeRng(1), nComponents: 3, nEpochs: 5 });
    assert.equal(r3.embedding.cols, 3);
  });

  test("the same seed gives the identical embedding, another seed a different one", () => {
    const a = runUmap(X, { rng: makeRng(42), ...FAST });
    const b = runUmap(X, { rng: makeRng(42), ...FAST });
    const c = runUmap(X, { rng: makeRng(43), ...FAST });
    assert.deepEqual(a.embedding.data, b.embedding.data);
    assert.notDeepEqual(a.embedding.data, c.embedding.data);
  });

  test("a precomputed or reused neighbour graph gives the same result as computing it inside", () => {
    const inside = runUmap(X, { rng: makeRng(7), ...FAST });
    const given = runUmap(X, { rng: makeRng(7), ...FAST, knn: computeKnn(X, 15) });
    const reused = runUmap(X, { rng: makeRng(7), ...FAST, knn: inside.knn });
    const wider = runUmap(X, { rng: makeRng(7), ...FAST, knn: computeKnn(X, 30) });
    assert.deepEqual(given.embedding.data, inside.embedding.data);
    assert.deepEqual(reused.embedding.data, inside.embedding.data);
    assert.deepEqual(wider.embedding.data, inside.embedding.data);
    assert.equal(given.knnSeconds, 0);
    // Another minDist on the same graph is a different layout of the same neighbourhoods.
    const loose = runUmap(X, { rng: makeRng(7), ...FAST, knn: inside.knn, minDist: 0.8 });
    assert.notDeepEqual(loose.embedding.data, inside.embedding.data);
  });

  test("too few points for nNeighbors is a clear error", () => {
    const small = clustered(15, 4, 3, 2).X;
    assert.throws(
      () => runUmap(small, { rng: makeRng(1) }),
      /^Error: Not enough data points \(15\) to create nNeighbors: 15\. Add more data points or lower nNeighbors\.$/,
    );
    assert.throws(
      () => runUmap(clustered(4, 4, 2, 2).X, { rng: makeRng(1), nNeighbors: 5 }),
      /Not enough data points \(4\) to create nNeighbors: 5/,
    );
    const r = runUmap(clustered(16, 4, 3, 2).X, { rng: makeRng(1), nEpochs: 5 });
    assert.equal(r.embedding.rows, 16);
  });

  test("invalid options and inputs are rejected with the bad value", () => {
    assert.throws(() => runUmap(X, { rng: makeRng(1), minDist: 2 }), /minDist must be in \[0, 1\].*got 2/);
    assert.throws(
      () => runUmap(X, { rng: makeRng(1), nNeighbors: 1.5 }),
      /nNeighbors must be an integer >= 2, got 1.5/,
    );
    assert.throws(() => runUmap(X, { rng: makeRng(1), nEpochs: 0 }), /nEpochs must be an integer >= 1, got 0/);
    assert.throws(() => runUmap(X, {} as never), /needs options.rng/);
    const bad = { data: Float32Array.from(X.data), rows: X.rows, cols: X.cols };
    bad.data[2 * 4 + 1] = NaN;
    assert.throws(
      () => runUmap(bad, { rng: makeRng(1), nEpochs: 1 }),
      /X\[row 2, col 1\] is NaN; drop non-finite rows first/,
    );
    assert.throws(
      () => runUmap(bad, { rng: makeRng(1), nEpochs: 1, knn: computeKnn(X, 15) }),
      /X\[row 2, col 1\] is NaN/,
    );
    const short = computeKnn(clustered(200, 4, 3, 1).X, 15);
    assert.throws(() => runUmap(X, { rng: makeRng(1), knn: short }), /200 index rows .* X has 300 rows/);
    assert.throws(
      () => runUmap(X, { rng: makeRng(1), knn: computeKnn(X, 10) }),
      /row 0 has 10 indices .* nNeighbors is 15/,
    );
  });

  test("progress is reported about every 10% of the epochs, ending at the total", () => {
    const seen: [number, number][] = [];
    runUmap(X, { rng: makeRng(1), nEpochs: 50, onProgress: (e, t) => seen.push([e, t]) });
    assert.deepEqual(
      seen.map(([e]) => e),
      [5, 10, 15, 20, 25, 30, 35, 40, 45, 50],
    );
    assert.ok(seen.every(([, t]) => t === 50));
  });

  test("the async variant gives the same embedding and reports progress", async () => {
    let calls = 0;
    const a = await runUmapAsync(X, { rng: makeRng(9), ...FAST, onProgress: () => calls++ });
    const b = runUmap(X, { rng: makeRng(9), ...FAST });
    assert.deepEqual(a.embedding.data, b.embedding.data);
    assert.equal(calls, 10);
  });

  test("well-separated clusters stay separated and neighbourhoods are trustworthy", () => {
    const r = runUmap(X, { rng: makeRng(3), nEpochs: 100 });
    const nn = knnIndices(r.embedding, 10);
    let same = 0;
    for (let i = 0; i < 300; i++) for (let t = 0; t < 10; t++) if (label[nn[i * 10 + t]!] === label[i]) same++;
    assert.ok(same / 3000 > 0.98, `same-cluster share of embedding neighbours ${same / 3000}`);
    const tw = trustworthiness(X, r.embedding, 10).value;
    assert.ok(tw > 0.85, `trustworthiness ${tw}`);
  });

  test("autoEpochs runs fewer epochs for larger inputs", () => {
    assert.equal(autoEpochs(1200), 300);
    assert.ok(autoEpochs(6000) < 300 && autoEpochs(6000) >= 100);
    assert.ok(autoEpochs(30000) <= autoEpochs(6000));
  });
});

describe("computeKnn", () => {
  test("exact graph: self first at distance 0, sorted, equal to a brute-force search", () => {
    const knn = computeKnn(X, 12);
    assert.equal(knn.method, "exact");
    assert.equal(knn.k, 12);
    for (let i = 0; i < 300; i++) {
      assert.equal(knn.indices[i]![0], i);
      assert.equal(knn.distances[i]![0], 0);
      for (let t = 1; t < 12; t++) assert.ok(knn.distances[i]![t]! >= knn.distances[i]![t - 1]!);
    }
    assert.deepEqual(knnNeighbourMatrix(knn, 11), knnIndices(X, 11));
    const i = 17;
    const j = knn.indices[i]![5]!;
    let s = 0;
    for (let t = 0; t < 4; t++) s += (X.data[i * 4 + t]! - X.data[j * 4 + t]!) ** 2;
    assert.ok(Math.abs(knn.distances[i]![5]! - Math.sqrt(s)) < 1e-12);
  });

  test("ties go to the lower row number, duplicates are neighbours at distance 0", () => {
    const P = fromRows([[0], [1], [1], [2]]);
    const knn = computeKnn(P, 3);
    assert.deepEqual(knn.indices, [
      [0, 1, 2],
      [1, 2, 0],
      [2, 1, 0],
      [3, 1, 2],
    ]);
    assert.deepEqual(knn.distances, [
      [0, 1, 1],
      [0, 0, 1],
      [0, 0, 1],
      [0, 1, 1],
    ]);
  });

  test("NN-descent is seeded and close to the exact graph", () => {
    const exact = computeKnn(X, 15);
    const a = computeKnn(X, 15, { method: "nn-descent", rng: makeRng(5) });
    const b = computeKnn(X, 15, { method: "nn-descent", rng: makeRng(5) });
    assert.equal(a.method, "nn-descent");
    assert.deepEqual(a.indices, b.indices);
    let hit = 0;
    for (let i = 0; i < 300; i++) {
      const s = new Set(exact.indices[i]);
      for (const j of a.indices[i]!) if (s.has(j)) hit++;
    }
    assert.ok(hit / (300 * 15) > 0.95, `recall ${hit / 4500}`);
    assert.throws(() => computeKnn(X, 15, { method: "nn-descent" }), /needs options.rng/);
  });

  test("bad k and bad methods are rejected", () => {
    assert.throws(() => computeKnn(X, 1), /k \(neighbours per point, self included\) must be an integer >= 2, got 1/);
    assert.throws(() => computeKnn(fromRows([[0], [1]]), 3), /Not enough data points \(2\) to create nNeighbors: 3/);
    assert.throws(() => computeKnn(X, 5, { method: "kd-tree" as never }), /Unknown kNN method "kd-tree"/);
    assert.throws(() => knnNeighbourMatrix(computeKnn(X, 5), 5), /point 0 has 4 neighbours besides itself, 5 asked/);
  });
});
