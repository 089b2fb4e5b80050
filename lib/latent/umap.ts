/**
 * UMAP embeddings of latent spaces, seeded and sharing one neighbour graph.
 *
 * The fuzzy graph and the SGD layout are this project's typed-array implementation of
 * UMAP (lib/latent/umap-layout: the algorithm of umap-learn / umap-js, same constants and
 * schedule); umap-js's own layout stays available as `implementation: "umap-js"` for
 * comparison, and umap-js's NN-descent does approximate neighbour searches. This module
 * decides what the layout is fed:
 * - The k-nearest-neighbour graph is computed once, exactly, in Float64 (`computeKnn`: a
 *   k-d tree, bit-identical to the brute force, which it replaced). For the sizes the
 *   profiles embed (1,200 / 6,000 / 30,000 points of 8-D latents) the exact search is faster than umap-js's own NN-descent (CPU seconds,
 *   scripts/bench-umap.ts, brute force: 5k 0.16 vs 0.42, 10k 0.58 vs 0.83, 30k 5.0 vs 4.4,
 *   where NN-descent finds 99.9% of the true neighbours), it needs no random numbers, so
 *   the graph is the same for every seed, and several layouts (another minDist, another
 *   seed) and the neighbour metrics reuse it instead of searching again. Above 30k points
 *   NN-descent takes over.
 * - All randomness (initial layout, negative sampling) comes from the caller's Rng: one
 *   seed, one embedding.
 * - The number of epochs is chosen by size (`autoEpochs`): fewer than umap-js's defaults,
 *   which buy no measurable trustworthiness on latents of these sizes (see `autoEpochs`).
 *   The typed layout takes ~3x less CPU than umap-js's on the same graph and seed
 *   (5,000 points, 200 epochs: ~0.1 s graph + ~3.5 s epochs against ~11 s; trustworthiness
 *   0.9956 against 0.9959; scripts/bench-umap.ts --compare has the other sizes).
 * - The layout runs epoch by epoch so that progress is reported every ~10% of epochs;
 *   `runUmapAsync` also yields to the event loop at those points so a notebook shows it live.
 *
 * Neighbour lists follow umap-learn's convention: each point is its own first neighbour at
 * distance 0, so `k = nNeighbors` lists hold the point and its nNeighbors - 1 nearest others.
 */
import { UMAP } from "umap-js";
import type { Matrix } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import { knnTree } from "./knn-tree";
import { knnAll } from "./metrics";
import { findAbParams, fuzzySimplicialSet, UmapLayout } from "./umap-layout";

/** umap-js / umap-learn default neighbourhood size. */
export const DEFAULT_N_NEIGHBORS = 15;
/** umap-js / umap-learn default minimum distance between embedded points. */
export const DEFAULT_MIN_DIST = 0.1;
/** A 2-D embedding for scatter plots. */
export const DEFAULT_N_COMPONENTS = 2;
/**
 * Up to this many points `computeKnn` searches exactly ("auto"). The brute-force search
 * costs ~n^2 d / 2 multiply-adds (8-D: ~0.6 s of CPU at 10k, ~5 s at 30k), NN-descent
 * grows about as n log n and draws even at 30k (~4.4 s), the full profile's cap; beyond
 * it NN-descent is used.
 */
export const EXACT_KNN_MAX_POINTS = 30_000;
/**
 * Up to this many dimensions the exact search uses the k-d tree of lib/latent/knn-tree
 * (same answer as the brute force, bit for bit). On clustered 8-D latents it needs ~1/4 of
 * the brute force's CPU at 30k points and ~1/2.5 at 10k; at 32-D it still breaks even, but
 * on structureless high-dimensional data a tree prunes nothing and pays twice the brute
 * force's distances (which computes each pair once for both rows), so wider inputs use that.
 */
export const KD_TREE_MAX_DIMS = 16;
/** Progress is reported every this fraction of the epochs (and at the last one). */
export const PROGRESS_FRACTION = 0.1;

/** Spread of the embedded points (umap-js / umap-learn default; minDist is bounded by it). */
export const DEFAULT_SPREAD = 1;

/** Which code runs the layout: this project's typed-array one (default) or umap-js's. */
export type UmapImplementation = "typed" | "umap-js";

/** How a neighbour graph was found. */
export type KnnMethod = "exact" | "nn-descent";

/**
 * A k-nearest-neighbour graph in umap-js's layout: `indices[i]` are the row numbers of point
 * i's neighbours, nearest first, `distances[i]` their Euclidean distances; both `[n][k]`,
 * with the point itself first at distance 0 (umap-learn's convention).
 */
export interface PrecomputedKnn {
  indices: number[][];
  distances: number[][];
}

/** A neighbour graph with how it was made. */
export interface KnnResult extends PrecomputedKnn {
  /** Neighbours per point, self included. */
  k: number;
  method: KnnMethod;
  /** Wall time of the search, seconds. */
  seconds: number;
}

/** Options of `computeKnn`. */
export interface KnnOptions {
  /** "exact" (brute force), "nn-descent" (umap-js's approximate search) or "auto" (exact up to EXACT_KNN_MAX_POINTS). Default "auto". */
  method?: KnnMethod | "auto";
  /** Random stream for NN-descent (required by that method; the exact search uses none). */
  rng?: Rng;
}

/** Options of `runUmap`, with umap-js's defaults unless stated. */
export interface UmapOptions {
  /** Neighbours per point, self included (umap-js counts it the same way). Default 15. */
  nNeighbors?: number;
  /** Minimum distance between embedded points, 0 <= minDist <= spread (1). Default 0.1. */
  minDist?: number;
  /** Embedding dimensions. Default 2. */
  nComponents?: number;
  /** Layout epochs. Default `autoEpochs(n)`. */
  nEpochs?: number;
  /** Source of all randomness of the layout (umap-js's `random`); NN-descent uses `rng.fork("umap-knn")`. */
  rng: Rng;
  /** A neighbour graph to reuse (from `computeKnn` or a previous run); rows may hold more than nNeighbors neighbours. */
  knn?: PrecomputedKnn;
  /** Called every ~10% of the epochs and at the end with (epochs done, total epochs). */
  onProgress?: (epoch: number, total: number) => void;
  /**
   * "typed" (default): the fuzzy graph and SGD layout of lib/latent/umap-layout (same
   * algorithm, ~10x less CPU); "umap-js": umap-js's own, kept for comparison.
   */
  implementation?: UmapImplementation;
}

/** A UMAP embedding with the neighbour graph it used. */
export interface UmapResult {
  /** `[n, nComponents]`, row i is the embedding of input row i. */
  embedding: Matrix;
  /** The neighbour graph (reuse it for further runs on the same rows). */
  knn: PrecomputedKnn;
  /** Total wall time including a neighbour search done here, seconds. */
  seconds: number;
  /** Seconds spent searching neighbours here (0 when `knn` was given). */
  knnSeconds: number;
  /** Epochs run. */
  nEpochs: number;
  nNeighbors: number;
  minDist: number;
}

/**
 * Layout epochs for n points. umap-js runs 500 (n <= 2,500), 400, 300, then 200 (n > 7,500);
 * umap-learn 500 up to 10k, else 200. On clustered 8-D latents (scripts/bench-umap.ts) the
 * trustworthiness (k = 15) hardly moves with the epoch count once it is past ~100 (6,000
 * points: 0.9955 at 100 epochs, 0.9954 at 150, 0.9957 at 300; 10,000 points: 0.9948 at
 * 100, 0.9954 at 300 and 500; 1,200 points: 0.9959-0.9971 for 300-500), while the layout
 * cost grows linearly with it. So this runs 300 epochs up to 2,000 points, 200 up to
 * 5,000, 150 up to 20,000 and 120 above: 6,000 points take ~5 s of CPU instead of ~8.5 s.
 */
export function autoEpochs(n: number): number {
  if (n <= 2_000) return 300;
  if (n <= 5_000) return 200;
  if (n <= 20_000) return 150;
  return 120;
}

/** The error umap-js gives for too few points, with the fix. */
function notEnoughPoints(n: number, k: number): Error {
  return new Error(
    `Not enough data points (${n}) to create nNeighbors: ${k}. Add more data points or lower nNeighbors.`,
  );
}

/** Copy a matrix to Float64, rejecting non-finite values with their row and column. */
function toFloat64(X: Matrix, name: string): Float64Array {
  if (X.data.length !== X.rows * X.cols) {
    throw new Error(`${name} has ${X.data.length} values but shape [${X.rows}, ${X.cols}]; build it with matrix().`);
  }
  if (X.cols === 0) throw new Error(`${name} has no columns; pass at least one latent dimension.`);
  const out = new Float64Array(X.data.length);
  for (let p = 0; p < out.length; p++) {
    const v = X.data[p]!;
    if (!Number.isFinite(v)) {
      throw new Error(
        `${name}[row ${Math.floor(p / X.cols)}, col ${p % X.cols}] is ${v}; drop non-finite rows first (dropNonFinite in lib/latent/sampling).`,
      );
    }
    out[p] = v;
  }
  return out;
}

function checkInteger(value: number, name: string, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${value}.`);
}

/**
 * Exact k nearest neighbours of every row (Euclidean, in Float64), self first, in the form
 * umap-js takes. The search is the k-d tree of knn-tree.ts up to KD_TREE_MAX_DIMS
 * dimensions, else knnAll from metrics.ts (each pair's distance computed once); both give
 * the same answer (ties to the lower row number, fully deterministic), so UMAP and the
 * neighbour metrics see the same graph. O(n k) memory.
 */
function exactKnn(x: Float64Array, n: number, d: number, k: number): PrecomputedKnn {
  const m = k - 1; // neighbours besides self
  const { idx: bestI, dist: bestD } =
    m === 0
      ? { idx: new Int32Array(0), dist: new Float64Array(0) }
      : d <= KD_TREE_MAX_DIMS
        ? knnTree(x, n, d, m)
        : knnAll(x, n, d, m);
  const indices: number[][] = new Array(n);
  const distances: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const idx = new Array<number>(k);
    const dist = new Array<number>(k);
    idx[0] = i;
    dist[0] = 0;
    for (let t = 0; t < m; t++) {
      idx[t + 1] = bestI[i * m + t]!;
      dist[t + 1] = Math.sqrt(bestD[i * m + t]!);
    }
    indices[i] = idx;
    distances[i] = dist;
  }
  return { indices, distances };
}

/** Rows of a matrix as the number[][] umap-js takes. */
function toVectors(X: Matrix): number[][] {
  const out: number[][] = new Array(X.rows);
  for (let i = 0; i < X.rows; i++) out[i] = Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols));
  return out;
}

/**
 * The k nearest neighbours of every row of X, self included as the first neighbour at
 * distance 0 (so k = UMAP's nNeighbors). Exact brute force up to EXACT_KNN_MAX_POINTS rows
 * (deterministic, ties to the lower row), else umap-js's NN-descent (approximate, needs
 * `options.rng`).
 * @param X `[n, d]` finite values, n >= k.
 * @param k neighbours per point including itself, 2 <= k <= n.
 * @returns `indices` and `distances` `[n][k]`, nearest first.
 */
export function computeKnn(X: Matrix, k: number, options: KnnOptions = {}): KnnResult {
  const t0 = performance.now();
  checkInteger(k, "k (neighbours per point, self included)", 2);
  const x = toFloat64(X, "X");
  const n = X.rows;
  if (n < k) throw notEnoughPoints(n, k);
  const requested = options.method ?? "auto";
  if (!["auto", "exact", "nn-descent"].includes(requested)) {
    throw new Error(`Unknown kNN method "${requested}". Use "exact", "nn-descent" or "auto".`);
  }
  const method: KnnMethod = requested === "auto" ? (n <= EXACT_KNN_MAX_POINTS ? "exact" : "nn-descent") : requested;
  let graph: PrecomputedKnn;
  if (method === "exact") {
    graph = exactKnn(x, n, X.cols, k);
  } else {
    if (!options.rng)
      throw new Error(
        `computeKnn: NN-descent on ${n} points needs options.rng (a seeded Rng); or pass method: "exact".`,
      );
    // umap-js exposes its NN-descent only inside the fit; call it as initializeFit would.
    const umap = new UMAP({ nNeighbors: k, random: options.rng.asFunction() });
    const nn = (
      umap as unknown as { nearestNeighbors(v: number[][]): { knnIndices: number[][]; knnDistances: number[][] } }
    ).nearestNeighbors(toVectors(X));
    graph = { indices: nn.knnIndices, distances: nn.knnDistances };
  }
  return { ...graph, k, method, seconds: (performance.now() - t0) / 1000 };
}

/**
 * A neighbour graph as a flat matrix without the self entries: `[n, k]` row-major, nearest
 * first, the layout of `knnIndices` in lib/latent/metrics (for neighbour-preservation
 * numbers computed from a shared graph).
 * @param k neighbours per point excluding itself; at most the graph's width - 1.
 */
export function knnNeighbourMatrix(knn: PrecomputedKnn, k: number): Int32Array {
  const n = knn.indices.length;
  const out = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = knn.indices[i]!;
    let c = 0;
    for (let t = 0; t < row.length && c < k; t++) if (row[t] !== i) out[i * k + c++] = row[t]!;
    if (c < k)
      throw new Error(
        `knnNeighbourMatrix: point ${i} has ${c} neighbours besides itself, ${k} asked; compute the graph with a larger k.`,
      );
  }
  return out;
}

/** Check a given graph against X and cut its rows to nNeighbors. */
function prepareKnn(knn: PrecomputedKnn, n: number, nNeighbors: number): PrecomputedKnn {
  if (!knn || !Array.isArray(knn.indices) || !Array.isArray(knn.distances)) {
    throw new Error(
      "options.knn must be { indices: number[][], distances: number[][] } (from computeKnn or a previous runUmap).",
    );
  }
  if (knn.indices.length !== n || knn.distances.length !== n) {
    throw new Error(
      `options.knn has ${knn.indices.length} index rows and ${knn.distances.length} distance rows but X has ${n} rows; reuse a graph only for the same rows.`,
    );
  }
  let cut = false;
  for (let i = 0; i < n; i++) {
    const idx = knn.indices[i]!;
    const dist = knn.distances[i]!;
    if (idx.length < nNeighbors || dist.length !== idx.length) {
      throw new Error(
        `options.knn row ${i} has ${idx.length} indices and ${dist.length} distances but nNeighbors is ${nNeighbors}; compute the graph with k >= nNeighbors.`,
      );
    }
    if (idx.length > nNeighbors) cut = true;
    for (let t = 0; t < nNeighbors; t++) {
      const j = idx[t]!;
      if (!Number.isInteger(j) || j < 0 || j >= n)
        throw new Error(`options.knn.indices[${i}][${t}] = ${j} is not a row index in 0..${n - 1}.`);
      if (!(dist[t]! >= 0) || !Number.isFinite(dist[t]!))
        throw new Error(`options.knn.distances[${i}][${t}] = ${dist[t]} is not a finite distance >= 0.`);
    }
  }
  if (!cut) return knn;
  return {
    indices: knn.indices.map((r) => r.slice(0, nNeighbors)),
    distances: knn.distances.map((r) => r.slice(0, nNeighbors)),
  };
}

/** One epoch at a time of either implementation, and the coordinates at the end. */
interface Stepper {
  step(): void;
  /** `[n, nComponents]` row-major. */
  coordinates(): Float32Array;
}

interface Prepared {
  stepper: Stepper;
  knn: PrecomputedKnn;
  knnSeconds: number;
  nNeighbors: number;
  minDist: number;
  nEpochs: number;
  t0: number;
  progressEvery: number;
}

/** umap-js's layout on the given graph. */
function umapJsStepper(
  X: Matrix,
  knn: PrecomputedKnn,
  nNeighbors: number,
  minDist: number,
  nComponents: number,
  nEpochs: number,
  rng: Rng,
): Stepper {
  const umap = new UMAP({ nNeighbors, minDist, nComponents, nEpochs, random: rng.asFunction() });
  umap.setPrecomputedKNN(knn.indices, knn.distances);
  const total = umap.initializeFit(toVectors(X));
  if (total !== nEpochs)
    throw new Error(
      `umap-js planned ${total} epochs instead of ${nEpochs}; check the installed umap-js version (1.4.0 expected).`,
    );
  return {
    step: () => umap.step(),
    coordinates: () => {
      const rows = umap.getEmbedding();
      const data = new Float32Array(rows.length * nComponents);
      rows.forEach((r, i) => {
        for (let j = 0; j < nComponents; j++) data[i * nComponents + j] = r[j]!;
      });
      return data;
    },
  };
}

/** The typed-array layout of lib/latent/umap-layout on the given graph. */
function typedStepper(
  knn: PrecomputedKnn,
  nNeighbors: number,
  minDist: number,
  nComponents: number,
  nEpochs: number,
  rng: Rng,
): Stepper {
  const graph = fuzzySimplicialSet(knn.indices, knn.distances, nNeighbors);
  const { a, b } = findAbParams(DEFAULT_SPREAD, minDist);
  const layout = new UmapLayout(graph, { nComponents, nEpochs, a, b, rng });
  return {
    step: () => layout.step(),
    coordinates: () => Float32Array.from(layout.embedding),
  };
}

function prepare(X: Matrix, options: UmapOptions): Prepared {
  const t0 = performance.now();
  if (!options || typeof options.rng?.asFunction !== "function") {
    throw new Error(
      "runUmap needs options.rng (a seeded Rng from lib/runtime/rng): UMAP is random and must be seeded.",
    );
  }
  const nNeighbors = options.nNeighbors ?? DEFAULT_N_NEIGHBORS;
  const minDist = options.minDist ?? DEFAULT_MIN_DIST;
  const nComponents = options.nComponents ?? DEFAULT_N_COMPONENTS;
  const implementation = options.implementation ?? "typed";
  if (implementation !== "typed" && implementation !== "umap-js")
    throw new Error(`Unknown UMAP implementation "${implementation}". Use "typed" or "umap-js".`);
  checkInteger(nNeighbors, "nNeighbors", 2);
  checkInteger(nComponents, "nComponents", 1);
  // The curve is fitted with spread = 1; minDist above the spread has no meaning.
  if (!(minDist >= 0 && minDist <= DEFAULT_SPREAD))
    throw new Error(`minDist must be in [0, 1] (the spread), got ${minDist}.`);
  const n = X.rows;
  if (n <= nNeighbors) throw notEnoughPoints(n, nNeighbors);
  const nEpochs = options.nEpochs ?? autoEpochs(n);
  checkInteger(nEpochs, "nEpochs", 1);
  let knn: PrecomputedKnn;
  let knnSeconds = 0;
  if (options.knn) {
    if (X.data.length !== X.rows * X.cols)
      throw new Error(`X has ${X.data.length} values but shape [${X.rows}, ${X.cols}]; build it with matrix().`);
    for (let p = 0; p < X.data.length; p++) {
      if (!Number.isFinite(X.data[p]!))
        throw new Error(
          `X[row ${Math.floor(p / X.cols)}, col ${p % X.cols}] is ${X.data[p]}; drop non-finite rows first (dropNonFinite in lib/latent/sampling).`,
        );
    }
    knn = prepareKnn(options.knn, n, nNeighbors);
  } else {
    const found = computeKnn(X, nNeighbors, { rng: options.rng.fork("umap-knn") });
    knn = { indices: found.indices, distances: found.distances };
    knnSeconds = found.seconds;
  }
  const stepper =
    implementation === "typed"
      ? typedStepper(knn, nNeighbors, minDist, nComponents, nEpochs, options.rng)
      : umapJsStepper(X, knn, nNeighbors, minDist, nComponents, nEpochs, options.rng);
  return {
    stepper,
    knn,
    knnSeconds,
    nNeighbors,
    minDist,
    nEpochs,
    t0,
    progressEvery: Math.max(1, Math.round(nEpochs * PROGRESS_FRACTION)),
  };
}

function finish(X: Matrix, p: Prepared): UmapResult {
  const data = p.stepper.coordinates();
  const cols = data.length / X.rows;
  return {
    embedding: { data, rows: X.rows, cols },
    knn: p.knn,
    seconds: (performance.now() - p.t0) / 1000,
    knnSeconds: p.knnSeconds,
    nEpochs: p.nEpochs,
    nNeighbors: p.nNeighbors,
    minDist: p.minDist,
  };
}

/**
 * Embed the rows of X with UMAP (umap-js), seeded by `options.rng`: the same seed and input
 * give the same embedding. The neighbour graph is `options.knn` when given (reused, e.g.
 * for another minDist or seed), else computed here with `computeKnn`; it is returned for
 * reuse either way.
 * @param X `[n, d]` finite values, n > nNeighbors.
 * @returns embedding `[n, nComponents]`.
 * @throws "Not enough data points (N) to create nNeighbors: K" when n <= nNeighbors.
 */
export function runUmap(X: Matrix, options: UmapOptions): UmapResult {
  const p = prepare(X, options);
  for (let e = 1; e <= p.nEpochs; e++) {
    p.stepper.step();
    if (options.onProgress && (e % p.progressEvery === 0 || e === p.nEpochs)) options.onProgress(e, p.nEpochs);
  }
  return finish(X, p);
}

/**
 * `runUmap` that yields to the event loop at each progress report, so that a notebook
 * (or any other output that is flushed asynchronously) shows the progress while it runs.
 * Same result as `runUmap` for the same inputs and seed.
 */
export async function runUmapAsync(X: Matrix, options: UmapOptions): Promise<UmapResult> {
  const p = prepare(X, options);
  for (let e = 1; e <= p.nEpochs; e++) {
    p.stepper.step();
    if (e % p.progressEvery === 0 || e === p.nEpochs) {
      options.onProgress?.(e, p.nEpochs);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return finish(X, p);
}
