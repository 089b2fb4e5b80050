/** clustering.ts */

import type { Matrix } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import { standardiser } from "../stats/linalg";
import type { Representation } from "./downstream";

// ---------------------------------------------------------------------------------------
// Token profiles and k-means

/** Mean representation vector of each token over one split. */
export interface TokenProfiles {
  /** Token indices with at least minRows rows, ascending. */
  tokens: Int32Array;
  /** `[tokens.length, d]` mean vector per token. */
  profiles: Matrix;
  /** Rows averaged per token. */
  counts: Int32Array;
}

/**
 * Average each token's rows of a representation over a split (default: training, so
 * clusters are formed before the test period they are judged on). Tokens with fewer than
 * `minRows` finite rows are left out (their average would be noise).
 */
export function tokenProfiles(rep: Representation, o: { split?: number; minRows?: number } = {}): TokenProfiles {
  const split = o.split ?? 0;
  const minRows = o.minRows ?? 1;
  const d = rep.X.cols;
  const sums = new Map<number, { s: Float64Array; n: number }>();
  outer: for (let i = 0; i < rep.X.rows; i++) {
    if (rep.split[i] !== split) continue;
    for (let j = 0; j < d; j++) if (!Number.isFinite(rep.X.data[i * d + j]!)) continue outer;
    const t = rep.token[i]!;
    let e = sums.get(t);
    if (!e) sums.set(t, (e = { s: new Float64Array(d), n: 0 }));
    for (let j = 0; j < d; j++) e.s[j] += rep.X.data[i * d + j]!;
    e.n++;
  }
  const tokens = [...sums.entries()]
    .filter(([, e]) => e.n >= minRows)
    .map(([t]) => t)
    .sort((a, b) => a - b);
  const data = new Float32Array(tokens.length * d);
  tokens.forEach((t, k) => {
    const e = sums.get(t)!;
    for (let j = 0; j < d; j++) data[k * d + j] = e.s[j]! / e.n;
  });
  return {
    tokens: Int32Array.from(tokens),
    profiles: { data, rows: tokens.length, cols: d },
    counts: Int32Array.from(tokens, (t) => sums.get(t)!.n),
  };
}

/** Z-score every column (population sd; constant columns become 0), so no dimension dominates distances. */
export function standardiseColumns(m: Matrix): Matrix {
  const rows = Int32Array.from({ length: m.rows }, (_, i) => i);
  const st = standardiser(m, rows);
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++)
    for (let j = 0; j < m.cols; j++) out[i * m.cols + j] = (m.data[i * m.cols + j]! - st.mean[j]!) / st.sd[j]!;
  return { data: out, rows: m.rows, cols: m.cols };
}

/** Result of k-means. */
export interface KMeansResult {
  /** `[n]` cluster of each row, 0..k-1, numbered by first appearance in row order (stable across equivalent solutions). */
  labels: Int32Array;
  /** `[k, d]` centroids (same numbering). */
  centroids: Float64Array;
  /** Sum of squared distances of rows to their centroid (the objective). */
  inertia: number;
  iterations: number;
  converged: boolean;
}

/** Options of kmeans. */
export interface KMeansOptions {
  /** Independent k-means++ starts; the lowest inertia wins (default 10, as sklearn). */
  nInit?: number;
  /** Lloyd iterations per start (default 100). */
  maxIter?: number;
}

/**
 * k-means (Lloyd's algorithm) with k-means++ seeding (Arthur & Vassilvitskii, 2007), nInit
 * seeded restarts, best inertia kept. An emptied cluster is re-seeded with the row farthest
 * from its centroid. Deterministic for a given rng state.
 * @param X `[n, d]` finite rows, n >= k.
 */
export function kmeans(X: Matrix, k: number, rng: Rng, o: KMeansOptions = {}): KMeansResult {
  const n = X.rows,
    d = X.cols;
  if (!Number.isInteger(k) || k < 1) throw new Error(`kmeans: k must be a positive integer, got ${k}.`);
  if (n < k) throw new Error(`kmeans: ${n} rows cannot form ${k} clusters; use k <= ${n}.`);
  for (let p = 0; p < X.data.length; p++)
    if (!Number.isFinite(X.data[p]!))
      throw new Error(
        `kmeans: value at [row ${Math.floor(p / d)}, col ${p % d}] is ${X.data[p]}; drop non-finite rows first (dropNonFinite).`,
      );
  const nInit = o.nInit ?? 10;
  const maxIter = o.maxIter ?? 100;
  const x = Float64Array.from(X.data);
  const dist2 = (i: number, c: Float64Array, q: number): number => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j]! - c[q * d + j]!;
      s += t * t;
    }
    return s;
  };
  let best: KMeansResult | null = null;
  for (let run = 0; run < nInit; run++) {
    const r = rng.fork(`kmeans-${run}`);
    const c = new Float64Array(k * d);
    // k-means++: first centre uniform, then proportional to squared distance to the nearest chosen centre.
    const first = r.int(n);
    for (let j = 0; j < d; j++) c[j] = x[first * d + j]!;
    const near = new Float64Array(n);
    for (let i = 0; i < n; i++) near[i] = dist2(i, c, 0);
    for (let q = 1; q < k; q++) {
      let total = 0;
      for (let i = 0; i < n; i++) total += near[i]!;
      let pick = 0;
      if (total > 0) {
        let u = r.uniform() * total;
        for (pick = 0; pick < n - 1; pick++) {
          u -= near[pick]!;
          if (u < 0) break;
        }
      } else pick = r.int(n);
      for (let j = 0; j < d; j++) c[q * d + j] = x[pick * d + j]!;
      for (let i = 0; i < n; i++) near[i] = Math.min(near[i]!, dist2(i, c, q));
    }
    const labels = new Int32Array(n);
    let it = 0;
    let converged = false;
    for (; it < maxIter; it++) {
      let changed = it === 0;
      for (let i = 0; i < n; i++) {
        let bq = 0,
          bd = Infinity;
        for (let q = 0; q < k; q++) {
          const v = dist2(i, c, q);
          if (v < bd) {
            bd = v;
            bq = q;
          }
        }
        if (labels[i] !== bq) {
          labels[i] = bq;
          changed = true;
        }
      }
      if (!changed) {
        converged = true;
        break;
      }
      const counts = new Int32Array(k);
      c.fill(0);
      for (let i = 0; i < n; i++) {
        const q = labels[i]!;
        counts[q]++;
        for (let j = 0; j < d; j++) c[q * d + j] += x[i * d + j]!;
      }
      for (let q = 0; q < k; q++) {
        if (counts[q]! > 0) {
          for (let j = 0; j < d; j++) c[q * d + j] /= counts[q]!;
          continue;
        }
        // Empty cluster: move its centre to the row farthest from its own centre.
        let far = 0,
          fd = -1;
        for (let i = 0; i < n; i++) {
          const v = dist2(i, c, labels[i]!);
          if (v > fd) {
            fd = v;
            far = i;
          }
        }
        for (let j = 0; j < d; j++) c[q * d + j] = x[far * d + j]!;
        labels[far] = q;
      }
    }
    let inertia = 0;
    for (let i = 0; i < n; i++) inertia += dist2(i, c, labels[i]!);
    if (!best || inertia < best.inertia - 1e-12) best = { labels, centroids: c, inertia, iterations: it, converged };
  }
  // Renumber clusters by first appearance so equal partitions get equal labels.
  const map = new Map<number, number>();
  const labels = Int32Array.from(best!.labels, (q) => {
    if (!map.has(q)) map.set(q, map.size);
    return map.get(q)!;
  });
  const centroids = new Float64Array(k * d);
  for (const [old, nw] of map) for (let j = 0; j < d; j++) centroids[nw * d + j] = best!.centroids[old * d + j]!;
  return { ...best!, labels, centroids };
}

/** Adjusted Rand index of two labelings (Hubert & Arabie, 1985): 1 = identical partitions, ~0 = chance. */
export function adjustedRandIndex(a: ArrayLike<number | string>, b: ArrayLike<number | string>): number {
  const n = a.length;
  if (b.length !== n)
    throw new Error(`adjustedRandIndex: labelings have ${n} and ${b.length} entries; they must label the same items.`);
  if (n < 2) return NaN;
  const cell = new Map<string, number>(),
    ra = new Map<string, number>(),
    rb = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const x = String(a[i]),
      y = String(b[i]);
    cell.set(`${x}\u0000${y}`, (cell.get(`${x}\u0000${y}`) ?? 0) + 1);
    ra.set(x, (ra.get(x) ?? 0) + 1);
    rb.set(y, (rb.get(y) ?? 0) + 1);
  }
  const c2 = (m: number): number => (m * (m - 1)) / 2;
  let index = 0,
    sa = 0,
    sb = 0;
  for (const v of cell.values()) index += c2(v);
  for (const v of ra.values()) sa += c2(v);
  for (const v of rb.values()) sb += c2(v);
  const expected = (sa * sb) / c2(n);
  const max = (sa + sb) / 2;
  return max === expected ? (index === expected ? 1 : 0) : (index - expected) / (max - expected);
}
