/**
 * UMAP's layout (McInnes, Healy & Melville 2018) on typed arrays: the fuzzy simplicial set of
 * a k-nearest-neighbour graph and the stochastic-gradient embedding of it.
 *
 * It is the algorithm of umap-learn and umap-js (same constants and schedule), written for
 * speed in JavaScript: the graph is built with flat Int32Array/Float64Array buffers and one
 * sort instead of umap-js's string-keyed sparse matrices, and the epoch loop reads flat
 * Float64Array coordinates instead of arrays of arrays, with one `Math.pow` per positive
 * sample instead of two. umap-js also builds a search graph for `transform`, which this
 * project never calls; that work is skipped. On 30,000 points of 8-D latents this takes the
 * layout from ~35 s to a few seconds of CPU (scripts/bench-umap.ts --compare).
 *
 * Steps (as in umap-learn's `fuzzy_simplicial_set` and `optimize_layout_euclidean`):
 * 1. For each point, rho = distance to its nearest other point and sigma such that
 *    sum_j exp(-(d_ij - rho) / sigma) = log2(k) (binary search, 64 steps, tolerance 1e-5),
 *    with sigma >= 1e-3 * the mean neighbour distance.
 * 2. Directed membership w_ij = exp(-(d_ij - rho_i) / sigma_i) (1 within rho), symmetrised
 *    by the fuzzy union w_ij + w_ji - w_ij w_ji.
 * 3. Edges lighter than max / nEpochs are dropped; an edge of weight w is sampled every
 *    max / w epochs and with it `negativeSampleRate` random points as repulsions.
 * 4. Initial coordinates uniform in [-10, 10) (umap-js's initialisation), then per sampled
 *    edge an attraction with gradient -2ab d^(2(b-1)) / (1 + a d^(2b)) and per negative
 *    sample a repulsion 2 gamma b / ((0.001 + d^2)(1 + a d^(2b))), each coordinate's step
 *    clipped to [-4, 4], the learning rate decaying linearly to 0 over the epochs.
 * a and b are fitted to the curve 1 / (1 + a x^(2b)) ~ min(1, exp(-(x - minDist) / spread)).
 *
 * All randomness (initial coordinates, negative samples) comes from the given Rng.
 */
import type { Rng } from "../runtime/rng";

/** Binary-search tolerance on the membership sum (umap-learn's SMOOTH_K_TOLERANCE). */
export const SMOOTH_K_TOLERANCE = 1e-5;
/** Lower bound of sigma as a fraction of the mean neighbour distance (umap-learn's MIN_K_DIST_SCALE). */
export const MIN_K_DIST_SCALE = 1e-3;
/** Binary-search steps for sigma (umap-learn's n_iter). */
export const SMOOTH_K_STEPS = 64;
/** Repulsions per attraction (umap-learn / umap-js default negative_sample_rate). */
export const NEGATIVE_SAMPLE_RATE = 5;
/** Each coordinate's gradient step is clipped to [-GRADIENT_CLIP, GRADIENT_CLIP] (umap-learn's clip). */
export const GRADIENT_CLIP = 4;
/** Initial coordinates are uniform in [-INIT_RANGE, INIT_RANGE) (umap-js's random initialisation). */
export const INIT_RANGE = 10;
/** Samples of the curve fitted for a and b, over [0, 3 spread] (umap-learn's linspace(0, 3 spread, 300)). */
const CURVE_SAMPLES = 300;

/** A symmetric fuzzy graph as a list of directed edges (each undirected edge appears in both directions). */
export interface FuzzyGraph {
  /** Points. */
  n: number;
  /** Edge e goes from `rows[e]` to `cols[e]`, sorted by row then column. */
  rows: Int32Array;
  cols: Int32Array;
  /** Membership strength in (0, 1]. */
  weights: Float64Array;
}

/**
 * rho (distance to the nearest other point) and sigma (the bandwidth giving log2(k) total
 * membership) of every point, from neighbour distances `[n][k]` with self first at 0.
 */
export function smoothKnnDistances(
  distances: ArrayLike<number>[],
  k: number,
): { sigmas: Float64Array; rhos: Float64Array } {
  const n = distances.length;
  const target = Math.log2(k);
  const sigmas = new Float64Array(n);
  const rhos = new Float64Array(n);
  let meanAll = -1; // mean of all distances, computed only if some point has rho = 0
  for (let i = 0; i < n; i++) {
    const row = distances[i]!;
    let rho = 0;
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const d = row[j]!;
      sum += d;
      if (rho === 0 && d > 0) rho = d;
    }
    rhos[i] = rho;
    let lo = 0;
    let hi = Infinity;
    let mid = 1;
    for (let step = 0; step < SMOOTH_K_STEPS; step++) {
      let psum = 0;
      for (let j = 1; j < k; j++) {
        const d = row[j]! - rho;
        psum += d > 0 ? Math.exp(-(d / mid)) : 1;
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    let floor: number;
    if (rho > 0) floor = MIN_K_DIST_SCALE * (sum / k);
    else {
      if (meanAll < 0) {
        let s = 0;
        for (let a = 0; a < n; a++) for (let j = 0; j < k; j++) s += distances[a]![j]!;
        meanAll = s / (n * k);
      }
      floor = MIN_K_DIST_SCALE * meanAll;
    }
    sigmas[i] = Math.max(mid, floor);
  }
  return { sigmas, rhos };
}

/**
 * The fuzzy simplicial set of a kNN graph: directed memberships symmetrised by the fuzzy
 * union. `indices`/`distances` are `[n][k]` with each point itself first (it is skipped);
 * zero memberships are dropped.
 */
export function fuzzySimplicialSet(
  indices: ArrayLike<number>[],
  distances: ArrayLike<number>[],
  k: number,
): FuzzyGraph {
  const n = indices.length;
  const { sigmas, rhos } = smoothKnnDistances(distances, k);
  // Directed graph as CSR, each row sorted by column (insertion sort: rows are short).
  const m = k; // slots per row; the self entry leaves one unused
  const dCol = new Int32Array(n * m);
  const dVal = new Float64Array(n * m);
  const dLen = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const idx = indices[i]!;
    const dist = distances[i]!;
    const o = i * m;
    let len = 0;
    for (let t = 0; t < k; t++) {
      const j = idx[t]!;
      if (j === i) continue;
      const d = dist[t]! - rhos[i]!;
      const w = d <= 0 ? 1 : Math.exp(-(d / sigmas[i]!));
      if (!(w > 0)) continue;
      let p = len++;
      while (p > 0 && dCol[o + p - 1]! > j) {
        dCol[o + p] = dCol[o + p - 1]!;
        dVal[o + p] = dVal[o + p - 1]!;
        p--;
      }
      if (p > 0 && dCol[o + p - 1] === j) {
        // A repeated neighbour: keep the stronger membership, undo the shift.
        dVal[o + p - 1] = Math.max(dVal[o + p - 1]!, w);
        for (let q = p; q < len - 1; q++) {
          dCol[o + q] = dCol[o + q + 1]!;
          dVal[o + q] = dVal[o + q + 1]!;
        }
        len--;
        continue;
      }
      dCol[o + p] = j;
      dVal[o + p] = w;
    }
    dLen[i] = len;
  }
  const find = (row: number, col: number): number => {
    const o = row * m;
    const len = dLen[row]!;
    for (let t = 0; t < len; t++) {
      const c = dCol[o + t]!;
      if (c === col) return o + t;
      if (c > col) break;
    }
    return -1;
  };
  // Symmetric edges: a pair in both lists is emitted once from each side with the union
  // value; a pair in one list only is emitted in both directions with its one value.
  let count = 0;
  for (let i = 0; i < n; i++) {
    const o = i * m;
    for (let t = 0; t < dLen[i]!; t++) count += find(dCol[o + t]!, i) >= 0 ? 1 : 2;
  }
  const rowCount = new Int32Array(n + 1);
  const eRow = new Int32Array(count);
  const eCol = new Int32Array(count);
  const eVal = new Float64Array(count);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const o = i * m;
    for (let t = 0; t < dLen[i]!; t++) {
      const j = dCol[o + t]!;
      const w = dVal[o + t]!;
      const back = find(j, i);
      eRow[e] = i;
      eCol[e] = j;
      if (back >= 0) {
        const v = dVal[back]!;
        eVal[e++] = w + v - w * v;
        rowCount[i + 1]!++;
      } else {
        eVal[e++] = w;
        eRow[e] = j;
        eCol[e] = i;
        eVal[e++] = w;
        rowCount[i + 1]!++;
        rowCount[j + 1]!++;
      }
    }
  }
  // Counting sort by row, then by column within each row.
  for (let i = 0; i < n; i++) rowCount[i + 1]! += rowCount[i]!;
  const rows = new Int32Array(count);
  const cols = new Int32Array(count);
  const weights = new Float64Array(count);
  const fill = rowCount.slice(0, n);
  for (let f = 0; f < count; f++) {
    const r = eRow[f]!;
    const p = fill[r]!++;
    rows[p] = r;
    cols[p] = eCol[f]!;
    weights[p] = eVal[f]!;
  }
  for (let i = 0; i < n; i++) {
    const start = rowCount[i]!;
    const end = rowCount[i + 1]!;
    for (let p = start + 1; p < end; p++) {
      const c = cols[p]!;
      const w = weights[p]!;
      let q = p;
      while (q > start && cols[q - 1]! > c) {
        cols[q] = cols[q - 1]!;
        weights[q] = weights[q - 1]!;
        q--;
      }
      cols[q] = c;
      weights[q] = w;
    }
  }
  return { n, rows, cols, weights };
}

/**
 * a and b of the embedding's similarity curve 1 / (1 + a x^(2b)), least-squares fitted
 * (Levenberg-Marquardt) to min(1, exp(-(x - minDist) / spread)) on 300 points of
 * [0, 3 spread], as umap-learn's `find_ab_params` (minDist 0.1, spread 1: a = 1.577, b = 0.895).
 */
export function findAbParams(spread: number, minDist: number): { a: number; b: number } {
  if (!(spread > 0) || !Number.isFinite(spread)) throw new Error(`spread must be a finite number > 0, got ${spread}.`);
  if (!(minDist >= 0 && minDist <= spread))
    throw new Error(`minDist must be in [0, spread = ${spread}], got ${minDist}.`);
  const xs = new Float64Array(CURVE_SAMPLES);
  const ys = new Float64Array(CURVE_SAMPLES);
  for (let s = 0; s < CURVE_SAMPLES; s++) {
    const x = (3 * spread * s) / (CURVE_SAMPLES - 1);
    xs[s] = x;
    ys[s] = x < minDist ? 1 : Math.exp(-(x - minDist) / spread);
  }
  const loss = (a: number, b: number): number => {
    let l = 0;
    for (let s = 0; s < CURVE_SAMPLES; s++) {
      const x = xs[s]!;
      const r = (x > 0 ? 1 / (1 + a * x ** (2 * b)) : 1) - ys[s]!;
      l += r * r;
    }
    return l;
  };
  let a = 1;
  let b = 1;
  let lambda = 1e-3;
  let current = loss(a, b);
  for (let iter = 0; iter < 500; iter++) {
    // Normal equations J^T J and J^T r of the residuals f(x) - y.
    let jaa = 0;
    let jab = 0;
    let jbb = 0;
    let ga = 0;
    let gb = 0;
    for (let s = 0; s < CURVE_SAMPLES; s++) {
      const x = xs[s]!;
      if (x <= 0) continue;
      const p = x ** (2 * b);
      const den = 1 + a * p;
      const f = 1 / den;
      const r = f - ys[s]!;
      const da = -p / (den * den);
      const db = (-a * p * 2 * Math.log(x)) / (den * den);
      jaa += da * da;
      jab += da * db;
      jbb += db * db;
      ga += da * r;
      gb += db * r;
    }
    let improved = false;
    while (lambda < 1e12) {
      const m11 = jaa * (1 + lambda);
      const m22 = jbb * (1 + lambda);
      const det = m11 * m22 - jab * jab;
      const stepA = (-ga * m22 + gb * jab) / det;
      const stepB = (-gb * m11 + ga * jab) / det;
      const na = a + stepA;
      const nb = b + stepB;
      const next = na > 0 && nb > 0 ? loss(na, nb) : Infinity;
      if (next < current) {
        const gain = current - next;
        a = na;
        b = nb;
        current = next;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = gain > 1e-15 * (1 + current);
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return { a, b };
}

/** Options of `UmapLayout`. */
export interface LayoutOptions {
  /** Embedding dimensions (>= 1). */
  nComponents: number;
  /** Epochs (>= 1). */
  nEpochs: number;
  /** Curve parameters (from `findAbParams`). */
  a: number;
  b: number;
  /** Initial coordinates and negative samples. */
  rng: Rng;
  /** Initial learning rate. Default 1. */
  learningRate?: number;
  /** Weight of the repulsions (gamma). Default 1. */
  repulsionStrength?: number;
  /** Repulsions per attraction. Default NEGATIVE_SAMPLE_RATE. */
  negativeSampleRate?: number;
}

/**
 * The stochastic-gradient layout of a fuzzy graph, one epoch per `step()`. Coordinates are
 * `embedding` (`[n, nComponents]` row-major Float64).
 */
export class UmapLayout {
  /** Current coordinates, `[n, nComponents]` row-major. */
  readonly embedding: Float64Array;
  /** Epochs done. */
  epoch = 0;
  readonly nEpochs: number;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly epochsPerSample: Float64Array;
  private readonly epochOfNextSample: Float64Array;
  private readonly epochsPerNegativeSample: Float64Array;
  private readonly epochOfNextNegativeSample: Float64Array;
  private readonly dim: number;
  private readonly n: number;
  private readonly a: number;
  private readonly b: number;
  private readonly gamma: number;
  private readonly initialAlpha: number;
  private alpha: number;
  private readonly rng: Rng;

  constructor(graph: FuzzyGraph, options: LayoutOptions) {
    const { nComponents, nEpochs, a, b, rng } = options;
    if (!Number.isInteger(nComponents) || nComponents < 1)
      throw new Error(`nComponents must be an integer >= 1, got ${nComponents}.`);
    if (!Number.isInteger(nEpochs) || nEpochs < 1) throw new Error(`nEpochs must be an integer >= 1, got ${nEpochs}.`);
    if (!(a > 0) || !(b > 0)) throw new Error(`Curve parameters a and b must be > 0, got a = ${a}, b = ${b}.`);
    const rate = options.negativeSampleRate ?? NEGATIVE_SAMPLE_RATE;
    if (!(rate >= 0)) throw new Error(`negativeSampleRate must be >= 0, got ${rate}.`);
    this.n = graph.n;
    this.dim = nComponents;
    this.nEpochs = nEpochs;
    this.a = a;
    this.b = b;
    this.gamma = options.repulsionStrength ?? 1;
    this.initialAlpha = options.learningRate ?? 1;
    this.alpha = this.initialAlpha;
    this.rng = rng;
    this.embedding = new Float64Array(graph.n * nComponents);
    for (let p = 0; p < this.embedding.length; p++) this.embedding[p] = rng.uniform() * 2 * INIT_RANGE - INIT_RANGE;
    // Edges below max / nEpochs would be sampled less than once: drop them.
    let max = 0;
    for (let e = 0; e < graph.weights.length; e++) if (graph.weights[e]! > max) max = graph.weights[e]!;
    const cut = max / nEpochs;
    let kept = 0;
    for (let e = 0; e < graph.weights.length; e++) if (graph.weights[e]! >= cut && graph.weights[e]! > 0) kept++;
    this.head = new Int32Array(kept);
    this.tail = new Int32Array(kept);
    this.epochsPerSample = new Float64Array(kept);
    this.epochsPerNegativeSample = new Float64Array(kept);
    let q = 0;
    for (let e = 0; e < graph.weights.length; e++) {
      const w = graph.weights[e]!;
      if (!(w >= cut && w > 0)) continue;
      // umap-js: head is the column, tail the row of the (symmetric) graph.
      this.head[q] = graph.cols[e]!;
      this.tail[q] = graph.rows[e]!;
      const eps = max / w;
      this.epochsPerSample[q] = eps;
      this.epochsPerNegativeSample[q] = rate > 0 ? eps / rate : Infinity;
      q++;
    }
    this.epochOfNextSample = Float64Array.from(this.epochsPerSample);
    this.epochOfNextNegativeSample = Float64Array.from(this.epochsPerNegativeSample);
  }

  /** Edges sampled by the layout (after dropping the lightest). */
  get nEdges(): number {
    return this.head.length;
  }

  /** Run one epoch; returns the epochs done. Does nothing after the last epoch. */
  step(): number {
    if (this.epoch >= this.nEpochs) return this.epoch;
    const n = this.epoch;
    if (this.dim === 2) this.epoch2d(n);
    else this.epochAnyDim(n);
    this.alpha = this.initialAlpha * (1 - n / this.nEpochs);
    this.epoch = n + 1;
    return this.epoch;
  }

  /** One epoch in 2-D (the common case), coordinates in locals: same arithmetic as `epochAnyDim`. */
  private epoch2d(n: number): void {
    const { head, tail, epochsPerSample, epochOfNextSample, epochsPerNegativeSample, epochOfNextNegativeSample } = this;
    const emb = this.embedding;
    const a = this.a;
    const b = this.b;
    const alpha = this.alpha;
    const twoGammaB = 2 * this.gamma * b;
    const minusTwoAB = -2 * a * b;
    const nV = this.n;
    const rng = this.rng;
    const edges = head.length;
    const C = GRADIENT_CLIP;
    for (let i = 0; i < edges; i++) {
      if (epochOfNextSample[i]! > n) continue;
      const self = head[i]!;
      const cj = self * 2;
      const ck = tail[i]! * 2;
      let x0 = emb[cj]!;
      let x1 = emb[cj + 1]!;
      const dx = x0 - emb[ck]!;
      const dy = x1 - emb[ck + 1]!;
      const d2 = dx * dx + dy * dy;
      if (d2 > 0) {
        const pb = Math.exp(b * Math.log(d2));
        const g = (minusTwoAB * (pb / d2)) / (a * pb + 1);
        let gx = g * dx;
        let gy = g * dy;
        gx = Math.min(C, Math.max(gx, -C));
        gy = Math.min(C, Math.max(gy, -C));
        x0 += gx * alpha;
        x1 += gy * alpha;
        emb[ck] = emb[ck]! - gx * alpha;
        emb[ck + 1] = emb[ck + 1]! - gy * alpha;
      }
      epochOfNextSample[i] = epochOfNextSample[i]! + epochsPerSample[i]!;
      const negs = Math.floor((n - epochOfNextNegativeSample[i]!) / epochsPerNegativeSample[i]!);
      for (let p = 0; p < negs; p++) {
        const kk = Math.floor(rng.uniform() * nV);
        if (kk === self) continue; // its stored coordinates are stale here; epochAnyDim skips it too (distance 0)
        const ex = x0 - emb[kk * 2]!;
        const ey = x1 - emb[kk * 2 + 1]!;
        const s2 = ex * ex + ey * ey;
        if (s2 > 0) {
          const r = twoGammaB / ((0.001 + s2) * (a * Math.exp(b * Math.log(s2)) + 1));
          let gx = r * ex;
          let gy = r * ey;
          gx = Math.min(C, Math.max(gx, -C));
          gy = Math.min(C, Math.max(gy, -C));
          x0 += gx * alpha;
          x1 += gy * alpha;
        } else {
          x0 += C * alpha;
          x1 += C * alpha;
        }
      }
      emb[cj] = x0;
      emb[cj + 1] = x1;
      if (negs > 0) epochOfNextNegativeSample[i] = epochOfNextNegativeSample[i]! + negs * epochsPerNegativeSample[i]!;
    }
  }

  /** One epoch in any number of dimensions. */
  private epochAnyDim(n: number): void {
    const { head, tail, epochsPerSample, epochOfNextSample, epochsPerNegativeSample, epochOfNextNegativeSample } = this;
    const emb = this.embedding;
    const dim = this.dim;
    const a = this.a;
    const b = this.b;
    const alpha = this.alpha;
    const twoGammaB = 2 * this.gamma * b;
    const minusTwoAB = -2 * a * b;
    const nV = this.n;
    const rng = this.rng;
    const edges = head.length;
    for (let i = 0; i < edges; i++) {
      if (epochOfNextSample[i]! > n) continue;
      const cj = head[i]! * dim;
      const ck = tail[i]! * dim;
      let d2 = 0;
      for (let d = 0; d < dim; d++) {
        const diff = emb[cj + d]! - emb[ck + d]!;
        d2 += diff * diff;
      }
      let g = 0;
      if (d2 > 0) {
        const pb = Math.exp(b * Math.log(d2)); // d2^b; Math.pow costs ~2x more in V8
        g = (minusTwoAB * (pb / d2)) / (a * pb + 1);
      }
      for (let d = 0; d < dim; d++) {
        let gd = g * (emb[cj + d]! - emb[ck + d]!);
        if (gd > GRADIENT_CLIP) gd = GRADIENT_CLIP;
        else if (gd < -GRADIENT_CLIP) gd = -GRADIENT_CLIP;
        emb[cj + d] = emb[cj + d]! + gd * alpha;
        emb[ck + d] = emb[ck + d]! - gd * alpha;
      }
      epochOfNextSample[i] = epochOfNextSample[i]! + epochsPerSample[i]!;
      const negs = Math.floor((n - epochOfNextNegativeSample[i]!) / epochsPerNegativeSample[i]!);
      const self = head[i]!;
      for (let p = 0; p < negs; p++) {
        const kk = Math.floor(rng.uniform() * nV);
        const ck2 = kk * dim;
        let s2 = 0;
        for (let d = 0; d < dim; d++) {
          const diff = emb[cj + d]! - emb[ck2 + d]!;
          s2 += diff * diff;
        }
        if (s2 > 0) {
          const r = twoGammaB / ((0.001 + s2) * (a * Math.exp(b * Math.log(s2)) + 1));
          for (let d = 0; d < dim; d++) {
            let gd = r * (emb[cj + d]! - emb[ck2 + d]!);
            if (gd > GRADIENT_CLIP) gd = GRADIENT_CLIP;
            else if (gd < -GRADIENT_CLIP) gd = -GRADIENT_CLIP;
            emb[cj + d] = emb[cj + d]! + gd * alpha;
          }
        } else if (kk !== self) {
          // Coincident distinct points: push apart by the clip value (as umap-js does).
          for (let d = 0; d < dim; d++) emb[cj + d] = emb[cj + d]! + GRADIENT_CLIP * alpha;
        }
      }
      if (negs > 0) epochOfNextNegativeSample[i] = epochOfNextNegativeSample[i]! + negs * epochsPerNegativeSample[i]!;
    }
  }
}
