/**
 * Comparing latent spaces: do two models (or a model and its input) arrange the same rows
 * alike, and how much information does a latent code carry linearly?
 *
 * - linear CKA: similarity of two representations up to rotation and scale (Kornblith et
 *   al. 2019), in the feature-space form so it costs O(n d^2) instead of O(n^2);
 * - k-nearest-neighbour overlap and trustworthiness (Venna & Kaski 2001, as
 *   sklearn.manifold.trustworthiness): is local structure kept;
 * - silhouette: are labelled groups (sectors, anomaly kinds) separated;
 * - linear probes: softmax regression and ridge regression on held-out rows;
 * - a Pearson correlation table between latent dimensions and input features.
 *
 * Neighbour searches are exact brute force over Float64 copies of the data. Above
 * `maxExact` points the per-point metrics use a seeded random sample of query points
 * (neighbours are still searched among all points), and the result says so.
 * Inputs are Matrices `[nPoints, nDims]`; non-finite values throw with row and column.
 */

import { offerNearest } from "./nearest";
import type { Matrix } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import { toRng, type Matrix64, type RngLike } from "../stats/descriptive";
import { crossProduct, toF64 } from "../stats/linalg";

/** Above this many points, per-point metrics sample query points (brute force is O(n^2 d)). */
export const MAX_EXACT_POINTS = 10_000;

/** Query points sampled when n > maxExact: the sampling error of a mean of per-point values in [0, 1] is then <= 0.5 / sqrt(2000) ~ 0.011. */
export const DEFAULT_QUERY_SAMPLE = 2000;

/** Seed of the query sample when the caller gives none (recorded in results). */
export const DEFAULT_SAMPLE_SEED = 0;

/** Options of the sampled neighbour metrics. */
export interface SampleOptions {
  /** Compute over all points up to this many; above it, sample queries. Default MAX_EXACT_POINTS. */
  maxExact?: number;
  /** Query points when sampling. Default DEFAULT_QUERY_SAMPLE. */
  sampleSize?: number;
  /** Stream or seed of the sample. Default DEFAULT_SAMPLE_SEED. */
  rng?: RngLike;
}

/** How many points a per-point metric used. */
export interface SampleInfo {
  /** Points in the data. */
  n: number;
  /** Points the metric averaged over (n when not sampled). */
  nQueries: number;
  /** True when nQueries < n (a random sample of query points). */
  sampled: boolean;
  /** Seed of the sample stream, when sampled. */
  seed?: number;
}

function sameRows(X: Matrix, Y: Matrix, nameX: string, nameY: string): void {
  if (X.rows !== Y.rows)
    throw new Error(
      `${nameX} has ${X.rows} rows but ${nameY} has ${Y.rows}; the rows must be the same points in the same order.`,
    );
}

/** Subtract column means in place. */
function centre(x: Float64Array, n: number, d: number): void {
  const m = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) m[j] += x[i * d + j]!;
  for (let j = 0; j < d; j++) m[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] -= m[j]!;
}

function frobeniusSq(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}

/**
 * Linear centred kernel alignment of two representations of the same n points:
 * `||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F)` on column-centred X and Y. 1 for identical
 * spaces, invariant to orthogonal transforms and isotropic scaling of either, near 0 for
 * unrelated ones (about d/n for independent noise). O(n (dx + dy)^2).
 * @param X `[n, dx]`, Y `[n, dy]`, n >= 2.
 * @throws when a representation is constant (CKA undefined).
 */
export function linearCKA(X: Matrix, Y: Matrix): number {
  sameRows(X, Y, "X", "Y");
  const n = X.rows;
  if (n < 2) throw new Error(`linearCKA needs at least 2 points, got ${n}.`);
  const x = toF64(X, "X");
  const y = toF64(Y, "Y");
  centre(x, n, X.cols);
  centre(y, n, Y.cols);
  const xx = Math.sqrt(frobeniusSq(crossProduct(x, X.cols, x, X.cols, n)));
  const yy = Math.sqrt(frobeniusSq(crossProduct(y, Y.cols, y, Y.cols, n)));
  if (xx === 0) throw new Error("linearCKA: X is constant (every column has zero variance); CKA is undefined.");
  if (yy === 0) throw new Error("linearCKA: Y is constant (every column has zero variance); CKA is undefined.");
  const yx = frobeniusSq(crossProduct(y, Y.cols, x, X.cols, n));
  return Math.min(1, yx / (xx * yy));
}

/**
 * k nearest neighbours of the given query rows among all n rows (squared Euclidean; the
 * query itself excluded; ties broken by lower index). Exact brute force, O(m n d).
 * Writes neighbour indices `[m, k]` (nearest first) and squared distances `[m, k]`.
 */
function knnSearch(
  x: Float64Array,
  n: number,
  d: number,
  queries: ArrayLike<number>,
  k: number,
): { idx: Int32Array; dist: Float64Array } {
  if (isIdentity(queries, n)) return knnAll(x, n, d, k);
  const m = queries.length;
  const idx = new Int32Array(m * k);
  const dist = new Float64Array(m * k);
  const bd = new Float64Array(k);
  const bi = new Int32Array(k);
  for (let qi = 0; qi < m; qi++) {
    const q = queries[qi]!;
    const qo = q * d;
    let filled = 0;
    let worst = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === q) continue;
      const jo = j * d;
      let s = 0;
      // Partial-distance search: stop summing once this point cannot enter the top k.
      for (let t = 0; t < d; t++) {
        const diff = x[qo + t]! - x[jo + t]!;
        s += diff * diff;
        if (s >= worst) break;
      }
      if (filled < k || s < worst) {
        filled = offerNearest(bd, bi, 0, k, filled, s, j);
        if (filled === k) worst = bd[k - 1]!;
      }
    }
    idx.set(bi, qi * k);
    dist.set(bd, qi * k);
  }
  return { idx, dist };
}

function isIdentity(q: ArrayLike<number>, n: number): boolean {
  if (q.length !== n) return false;
  for (let i = 0; i < n; i++) if (q[i] !== i) return false;
  return true;
}

/**
 * k nearest neighbours of every row: each pair's distance is computed once and offered to
 * both rows' lists (half the work of n separate scans). Every row receives its candidates
 * in ascending index order (rows before it from the outer loop, rows after it from its own),
 * so ties still go to the lower index. `x` is row-major `[n, d]` Float64; returns indices
 * `[n, k]` (-1 and Infinity where fewer than k other rows exist) and squared distances.
 * Shared with the UMAP neighbour graph (lib/latent/umap.ts).
 */
export function knnAll(x: Float64Array, n: number, d: number, k: number): { idx: Int32Array; dist: Float64Array } {
  const bd = new Float64Array(n * k).fill(Infinity);
  const bi = new Int32Array(n * k).fill(-1);
  const worst = new Float64Array(n).fill(Infinity);
  // Every list starts full of (Infinity, -1) placeholders, so each offer is to a full list.
  const offer = (row: number, s: number, j: number): void => {
    offerNearest(bd, bi, row * k, k, k, s, j);
    worst[row] = bd[row * k + k - 1]!;
  };
  for (let i = 0; i < n; i++) {
    const io = i * d;
    for (let j = i + 1; j < n; j++) {
      const wi = worst[i]!;
      const wj = worst[j]!;
      const bound = Math.max(wi, wj);
      const jo = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = x[io + t]! - x[jo + t]!;
        s += diff * diff;
        if (s >= bound) break;
      }
      if (s < wi) offer(i, s, j);
      if (s < wj) offer(j, s, i);
    }
  }
  return { idx: bi, dist: bd };
}

/** Squared Euclidean distance between rows starting at offsets a and b. */
function sqDist(x: Float64Array, a: number, b: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const diff = x[a + t]! - x[b + t]!;
    s += diff * diff;
  }
  return s;
}

function checkK(k: number, n: number, fn: string): void {
  if (!Number.isInteger(k) || k < 1 || k > n - 1) {
    throw new Error(`${fn}: k must be an integer in 1..${n - 1} (n - 1 for ${n} points), got ${k}.`);
  }
}

/**
 * Exact k nearest neighbours (Euclidean, self excluded, ties by lower index) by brute
 * force. O(m n d): fine for n up to ~10k; pass `queries` to search for a subset only.
 * @param X `[n, d]`.
 * @param queries rows to find neighbours for (default all rows).
 * @returns neighbour row indices `[m, k]` row-major, nearest first.
 */
export function knnIndices(X: Matrix, k: number, queries?: ArrayLike<number>): Int32Array {
  const x = toF64(X, "X");
  checkK(k, X.rows, "knnIndices");
  const q = queries ?? Int32Array.from({ length: X.rows }, (_, i) => i);
  for (let i = 0; i < q.length; i++) {
    const v = q[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= X.rows)
      throw new Error(`knnIndices: queries[${i}] = ${v} is not a row index in 0..${X.rows - 1}.`);
  }
  return knnSearch(x, X.rows, X.cols, q, k).idx;
}

/** Pick query rows: all when n <= maxExact, else a seeded sample. */
function chooseQueries(n: number, options: SampleOptions): { queries: Int32Array; info: SampleInfo } {
  const maxExact = options.maxExact ?? MAX_EXACT_POINTS;
  const sampleSize = options.sampleSize ?? DEFAULT_QUERY_SAMPLE;
  if (!(Number.isInteger(sampleSize) && sampleSize >= 1))
    throw new Error(`sampleSize must be a positive integer, got ${sampleSize}.`);
  if (n <= maxExact || sampleSize >= n) {
    return { queries: Int32Array.from({ length: n }, (_, i) => i), info: { n, nQueries: n, sampled: false } };
  }
  const rng: Rng = toRng(options.rng ?? DEFAULT_SAMPLE_SEED);
  return {
    queries: rng.sampleIndices(n, sampleSize),
    info: { n, nQueries: sampleSize, sampled: true, seed: rng.seed },
  };
}

/** Neighbourhood agreement of two spaces. */
export interface KnnOverlapResult extends SampleInfo {
  /** Mean over query points of |N_X ∩ N_Y| / k (fraction of shared neighbours). */
  overlap: number;
  /** Mean over query points of the Jaccard index |N_X ∩ N_Y| / |N_X ∪ N_Y|. */
  jaccard: number;
  k: number;
}

/**
 * How many of each point's k nearest neighbours in X are also among its k nearest in Y.
 * Reports both the mean fraction overlap |∩| / k (the headline number, 1 for identical
 * neighbourhoods, about k / n for unrelated spaces) and the mean Jaccard |∩| / (2k - |∩|).
 * Above `maxExact` points, a seeded sample of query points is used (see `sampled`).
 * @param X `[n, dx]`, Y `[n, dy]`: the same points in the same order.
 */
export function knnOverlap(X: Matrix, Y: Matrix, k: number, options: SampleOptions = {}): KnnOverlapResult {
  sameRows(X, Y, "X", "Y");
  const x = toF64(X, "X");
  const y = toF64(Y, "Y");
  const n = X.rows;
  checkK(k, n, "knnOverlap");
  const { queries, info } = chooseQueries(n, options);
  const a = knnSearch(x, n, X.cols, queries, k).idx;
  const b = knnSearch(y, n, Y.cols, queries, k).idx;
  const seen = new Int32Array(n).fill(-1);
  let sumFrac = 0;
  let sumJac = 0;
  for (let q = 0; q < queries.length; q++) {
    for (let t = 0; t < k; t++) seen[a[q * k + t]!] = q;
    let inter = 0;
    for (let t = 0; t < k; t++) if (seen[b[q * k + t]!] === q) inter++;
    sumFrac += inter / k;
    sumJac += inter / (2 * k - inter);
  }
  return { ...info, overlap: sumFrac / queries.length, jaccard: sumJac / queries.length, k };
}

/** Options of `trustworthiness`. */
export interface TrustworthinessOptions extends SampleOptions {
  /**
   * The k nearest neighbours of every point in the embedding, `[n, k]` row-major, self
   * excluded (e.g. `knnNeighbourMatrix` of a graph computed once and shared with other
   * metrics); when given, the embedding is not searched again. Order within a row does
   * not matter.
   */
  lowNeighbours?: Int32Array;
}

/** Rows of a precomputed `[n, k]` neighbour matrix for the query points, checked. */
function neighboursOfQueries(nb: Int32Array, n: number, k: number, queries: ArrayLike<number>): Int32Array {
  if (!(nb instanceof Int32Array) || nb.length !== n * k) {
    throw new Error(
      `lowNeighbours must be an Int32Array [n, k] = [${n}, ${k}] (${n * k} values), got ${nb?.length} values; build it with knnNeighbourMatrix(graph, k).`,
    );
  }
  const out = new Int32Array(queries.length * k);
  for (let q = 0; q < queries.length; q++) {
    const i = queries[q]!;
    for (let t = 0; t < k; t++) {
      const j = nb[i * k + t]!;
      if (!(j >= 0 && j < n) || j === i)
        throw new Error(`lowNeighbours[${i}][${t}] = ${j} is not another point's row (0..${n - 1}, not ${i} itself).`);
      out[q * k + t] = j;
    }
  }
  return out;
}

/**
 * Overlap of two precomputed neighbour matrices of the same points (e.g. the shared kNN
 * graphs of two latent spaces, or of a latent space and its embedding): the mean over
 * points of |N_a ∩ N_b| / k and the mean Jaccard index, as `knnOverlap` reports them
 * without searching again.
 * @param a `[n, k]` and b `[n, k]` row-major neighbour indices, self excluded.
 */
export function neighbourOverlap(
  a: Int32Array,
  b: Int32Array,
  k: number,
): { overlap: number; jaccard: number; n: number; k: number } {
  if (!Number.isInteger(k) || k < 1) throw new Error(`neighbourOverlap: k must be a positive integer, got ${k}.`);
  if (a.length !== b.length || a.length % k !== 0 || a.length === 0) {
    throw new Error(
      `neighbourOverlap: a has ${a.length} and b has ${b.length} indices; both must be [n, k] with k = ${k} for the same n > 0 points.`,
    );
  }
  const n = a.length / k;
  const seen = new Int32Array(n).fill(-1);
  let sumFrac = 0;
  let sumJac = 0;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = a[i * k + t]!;
      if (!(j >= 0 && j < n))
        throw new Error(`neighbourOverlap: a[${i}][${t}] = ${j} is not a row index in 0..${n - 1}.`);
      seen[j] = i;
    }
    let inter = 0;
    for (let t = 0; t < k; t++) {
      const j = b[i * k + t]!;
      if (!(j >= 0 && j < n))
        throw new Error(`neighbourOverlap: b[${i}][${t}] = ${j} is not a row index in 0..${n - 1}.`);
      if (seen[j] === i) inter++;
    }
    sumFrac += inter / k;
    sumJac += inter / (2 * k - inter);
  }
  return { overlap: sumFrac / n, jaccard: sumJac / n, n, k };
}

/** Trustworthiness with its sample information. */
export interface TrustworthinessResult extends SampleInfo {
  /** In [0, 1]: 1 when no low-dimensional neighbour is a stranger in the original space. */
  value: number;
  k: number;
}

/**
 * Trustworthiness (Venna & Kaski 2001; sklearn.manifold.trustworthiness, Euclidean):
 * `T = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in N_low_k(i)} max(0, r(i, j) - k)`
 * where r(i, j) is the rank of j among i's neighbours in the original space (1 = nearest;
 * ties broken by lower index). Penalises points that are neighbours in the embedding but
 * not in the original space. Above `maxExact` points the sum runs over a seeded sample of
 * m query points with `n k` replaced by `m k` (an unbiased estimate of T).
 * @param Xhigh `[n, dHigh]` original space; Xlow `[n, dLow]` embedding; k < n / 2.
 */
export function trustworthiness(
  Xhigh: Matrix,
  Xlow: Matrix,
  k: number,
  options: TrustworthinessOptions = {},
): TrustworthinessResult {
  sameRows(Xhigh, Xlow, "Xhigh", "Xlow");
  const n = Xhigh.rows;
  if (!Number.isInteger(k) || k < 1 || k >= n / 2) {
    throw new Error(`trustworthiness: k must be an integer with 1 <= k < n / 2 = ${n / 2}, got ${k}.`);
  }
  const hi = toF64(Xhigh, "Xhigh");
  const lo = toF64(Xlow, "Xlow");
  const dh = Xhigh.cols;
  const { queries, info } = chooseQueries(n, options);
  const lowNn = options.lowNeighbours
    ? neighboursOfQueries(options.lowNeighbours, n, k, queries)
    : knnSearch(lo, n, Xlow.cols, queries, k).idx;
  const distH = new Float64Array(n);
  const thr = new Float64Array(k);
  const thrIdx = new Int32Array(k);
  const order = new Int32Array(k);
  const closer = new Int32Array(k + 1);
  // Per threshold: points at exactly its distance with a lower index (they rank before it).
  const tieExtra = new Int32Array(k);
  let penalty = 0;
  for (let qi = 0; qi < queries.length; qi++) {
    const i = queries[qi]!;
    const io = i * dh;
    const nn = lowNn.subarray(qi * k, qi * k + k);
    // Original-space distances of the k low-space neighbours first: only points closer than
    // the farthest of them matter for ranks, so other distances may stop early (partial sums).
    for (let t = 0; t < k; t++) distH[nn[t]!] = sqDist(hi, io, nn[t]! * dh, dh);
    let bound = 0;
    for (let t = 0; t < k; t++) bound = Math.max(bound, distH[nn[t]!]!);
    for (let j = 0; j < n; j++) {
      const jo = j * dh;
      let s = 0;
      for (let t = 0; t < dh; t++) {
        const diff = hi[io + t]! - hi[jo + t]!;
        s += diff * diff;
        if (s > bound) break;
      }
      distH[j] = s;
    }
    // Sort the k low-space neighbours by their original-space distance.
    for (let t = 0; t < k; t++) order[t] = t;
    order.sort((a, b) => distH[nn[a]!]! - distH[nn[b]!]! || nn[a]! - nn[b]!);
    for (let t = 0; t < k; t++) {
      thrIdx[t] = nn[order[t]!]!;
      thr[t] = distH[thrIdx[t]!]!;
    }
    // closer[p] counts points strictly closer than thr[p] (via a difference array over the
    // sorted thresholds: a point at distance s is closer than every thr[p] > s).
    closer.fill(0);
    for (let l = 0; l < n; l++) {
      if (l === i) continue;
      const s = distH[l]!;
      if (s >= thr[k - 1]!) {
        if (s === thr[k - 1]!) countTies(l, s);
        continue;
      }
      // First p with thr[p] > s.
      let a = 0;
      let b = k;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (thr[mid]! > s) b = mid;
        else a = mid + 1;
      }
      closer[a]++;
      if (a > 0 && thr[a - 1] === s) countTies(l, s);
    }
    let running = 0;
    for (let p = 0; p < k; p++) {
      running += closer[p]!;
      const rank = running + tieExtra[p]! + 1;
      if (rank > k) penalty += rank - k;
    }
    tieExtra.fill(0);
  }
  // Points at exactly a threshold's distance with a lower index rank before that neighbour.
  function countTies(l: number, s: number): void {
    for (let p = 0; p < k; p++) if (thr[p] === s && l < thrIdx[p]!) tieExtra[p]++;
  }
  const m = queries.length;
  const value = 1 - (2 / (m * k * (2 * n - 3 * k - 1))) * penalty;
  return { ...info, value, k };
}

/** Mean silhouette with its sample information. */
export interface SilhouetteResult extends SampleInfo {
  /** Mean silhouette coefficient in [-1, 1]. */
  score: number;
  /** Distinct labels. */
  nClusters: number;
}

/**
 * Mean silhouette coefficient (Euclidean; Rousseeuw 1987, as sklearn.metrics.
 * silhouette_score): for each point, a = mean distance to the other members of its
 * cluster, b = lowest mean distance to another cluster, s = (b - a) / max(a, b); points
 * alone in their cluster get s = 0. Above `maxExact` points, s is averaged over a seeded
 * sample of query points whose a and b are still computed against all points (more
 * accurate than sklearn's `sample_size`, which subsamples both).
 * @param X `[n, d]`; labels `[n]` cluster per point (numbers or strings), 2..n-1 distinct.
 */
export function silhouette(
  X: Matrix,
  labels: ArrayLike<number | string>,
  options: SampleOptions = {},
): SilhouetteResult {
  const n = X.rows;
  if (labels.length !== n)
    throw new Error(`silhouette: labels has ${labels.length} values but X has ${n} rows; align them.`);
  const x = toF64(X, "X");
  const d = X.cols;
  const codes = new Int32Array(n);
  const dict = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (typeof v === "number" && Number.isNaN(v))
      throw new Error(`silhouette: labels[${i}] is NaN; every point needs a label.`);
    let c = dict.get(v);
    if (c === undefined) dict.set(v, (c = dict.size));
    codes[i] = c;
  }
  const C = dict.size;
  if (C < 2 || C > n - 1) {
    throw new Error(`silhouette needs between 2 and n - 1 = ${n - 1} distinct labels, got ${C}.`);
  }
  const size = new Int32Array(C);
  for (let i = 0; i < n; i++) size[codes[i]!]++;
  const { queries, info } = chooseQueries(n, options);
  const m = queries.length;
  // sums[q * C + c]: sum of distances from query q to the points of cluster c.
  const sums = new Float64Array(m * C);
  if (!info.sampled) {
    // All points: each pair once, added to both ends.
    for (let i = 0; i < n; i++) {
      const io = i * d;
      const ci = codes[i]!;
      for (let j = i + 1; j < n; j++) {
        const jo = j * d;
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = x[io + t]! - x[jo + t]!;
          s += diff * diff;
        }
        const dist = Math.sqrt(s);
        sums[i * C + codes[j]!] += dist;
        sums[j * C + ci] += dist;
      }
    }
  } else {
    for (let q = 0; q < m; q++) {
      const i = queries[q]!;
      const io = i * d;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const jo = j * d;
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = x[io + t]! - x[jo + t]!;
          s += diff * diff;
        }
        sums[q * C + codes[j]!] += Math.sqrt(s);
      }
    }
  }
  let total = 0;
  for (let q = 0; q < m; q++) {
    const own = codes[queries[q]!]!;
    if (size[own]! <= 1) continue; // singleton: s = 0
    const a = sums[q * C + own]! / (size[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < C; c++) if (c !== own) b = Math.min(b, sums[q * C + c]! / size[c]!);
    const den = Math.max(a, b);
    total += den > 0 ? (b - a) / den : 0;
  }
  return { ...info, score: total / m, nClusters: C };
}

/**
 * Seeded train/test split of n rows; with `stratify` labels, each class is split in the
 * same proportion (at least one test row for classes with >= 2 rows).
 * @returns sorted row indices of each part.
 */
export function trainTestSplit(
  n: number,
  testFraction: number,
  rng: RngLike,
  stratify?: ArrayLike<number | string>,
): { train: Int32Array; test: Int32Array } {
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`trainTestSplit needs n >= 2 rows, got ${n}.`);
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`testFraction must be in (0, 1), got ${testFraction}.`);
  const r = toRng(rng);
  const groups = new Map<number | string, number[]>();
  if (stratify) {
    if (stratify.length !== n) throw new Error(`stratify has ${stratify.length} labels but n = ${n}.`);
    for (let i = 0; i < n; i++) {
      const g = stratify[i]!;
      let l = groups.get(g);
      if (!l) groups.set(g, (l = []));
      l.push(i);
    }
  } else
    groups.set(
      0,
      Array.from({ length: n }, (_, i) => i),
    );
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => String(a).localeCompare(String(b)))) {
    const rows = groups.get(key)!;
    r.shuffle(rows);
    let nTest = Math.round(rows.length * testFraction);
    if (rows.length >= 2) nTest = Math.min(rows.length - 1, Math.max(1, nTest));
    else nTest = 0;
    rows.forEach((row, i) => (i < nTest ? test : train).push(row));
  }
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort() };
}

/**
 * Pearson correlation between every column of A and every column of B (e.g. latent
 * dimensions vs input features, for a heatmap). Constant columns give NaN (undefined).
 * @param A `[n, p]`, B `[n, q]`: the same rows in the same order, n >= 2.
 * @returns `[p, q]`: entry (i, j) = corr(A[:, i], B[:, j]).
 */
export function correlationMatrix(A: Matrix, B: Matrix): Matrix64 {
  sameRows(A, B, "A", "B");
  const n = A.rows;
  if (n < 2) throw new Error(`correlationMatrix needs at least 2 rows, got ${n}.`);
  const a = toF64(A, "A");
  const b = toF64(B, "B");
  const scale = (x: Float64Array, d: number): void => {
    centre(x, n, d);
    const norm = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) norm[j] += x[i * d + j]! ** 2;
    for (let j = 0; j < d; j++) {
      const s = Math.sqrt(norm[j]!);
      for (let i = 0; i < n; i++) x[i * d + j] = s > 0 ? x[i * d + j]! / s : NaN;
    }
  };
  scale(a, A.cols);
  scale(b, B.cols);
  const data = crossProduct(a, A.cols, b, B.cols, n);
  for (let k = 0; k < data.length; k++) data[k] = Math.max(-1, Math.min(1, data[k]!));
  return { data, rows: A.cols, cols: B.cols };
}
