/**
 * Exact k nearest neighbours of every row with a k-d tree: the same answer as the brute-force
 * `knnAll` of lib/latent/metrics (Euclidean, self excluded, ties to the lower row number,
 * squared distances summed in the same order, so bit-identical), in a fraction of the
 * distance computations on low-dimensional data.
 *
 * The tree splits the widest dimension of each box at its median down to LEAF_SIZE points;
 * each query descends to its own leaf first, then visits the other boxes nearest first and
 * skips a box whose squared distance to the query exceeds the current k-th best (a box at
 * exactly that distance is still visited, since it may hold an equal distance with a lower
 * row number). Brute force does n^2 / 2 distances; on 30,000 clustered 8-D latents the tree
 * needs a few percent of them (scripts/bench-umap.ts).
 */
import { offerNearest } from "./nearest";

/** Points per leaf: small enough to prune, large enough that the box tests stay a minor cost. */
export const LEAF_SIZE = 16;

/**
 * k nearest neighbours of every row of `x` (row-major `[n, d]` Float64), self excluded.
 * @returns `idx` `[n, k]` neighbour rows nearest first (ties by lower row), `dist` their
 *   squared distances; exactly what `knnAll(x, n, d, k)` returns.
 */
export function knnTree(x: Float64Array, n: number, d: number, k: number): { idx: Int32Array; dist: Float64Array } {
  if (!Number.isInteger(k) || k < 1 || k > n - 1)
    throw new Error(`knnTree: k must be an integer in 1..${n - 1} (n - 1 for ${n} points), got ${k}.`);
  if (x.length !== n * d) throw new Error(`knnTree: x has ${x.length} values, expected n * d = ${n * d}.`);
  // Build: nodes in arrays; perm holds the rows, each node a contiguous range of it.
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  // Only boxes of more than LEAF_SIZE points are split, so every leaf holds at least
  // floor((LEAF_SIZE + 1) / 2) points: at most n / that leaves, twice as many nodes.
  const maxNodes = 2 * Math.ceil(n / Math.floor((LEAF_SIZE + 1) / 2)) + 1;
  const start = new Int32Array(maxNodes);
  const end = new Int32Array(maxNodes);
  const left = new Int32Array(maxNodes).fill(-1);
  const right = new Int32Array(maxNodes).fill(-1);
  const lo = new Float64Array(maxNodes * d);
  const hi = new Float64Array(maxNodes * d);
  let nodes = 0;
  const build = (s: number, e: number): number => {
    const node = nodes++;
    start[node] = s;
    end[node] = e;
    const bo = node * d;
    for (let t = 0; t < d; t++) {
      lo[bo + t] = Infinity;
      hi[bo + t] = -Infinity;
    }
    for (let p = s; p < e; p++) {
      const o = perm[p]! * d;
      for (let t = 0; t < d; t++) {
        const v = x[o + t]!;
        if (v < lo[bo + t]!) lo[bo + t] = v;
        if (v > hi[bo + t]!) hi[bo + t] = v;
      }
    }
    if (e - s <= LEAF_SIZE) return node;
    let dim = 0;
    let spread = -1;
    for (let t = 0; t < d; t++) {
      const w = hi[bo + t]! - lo[bo + t]!;
      if (w > spread) {
        spread = w;
        dim = t;
      }
    }
    if (!(spread > 0)) return node; // all points equal: one leaf, however large
    const seg = perm.subarray(s, e);
    seg.sort((a, b) => x[a * d + dim]! - x[b * d + dim]! || a - b);
    const mid = s + ((e - s) >> 1);
    left[node] = build(s, mid);
    right[node] = build(mid, e);
    return node;
  };
  build(0, n);

  const idx = new Int32Array(n * k);
  const dist = new Float64Array(n * k);
  const bd = new Float64Array(k);
  const bi = new Int32Array(k);
  let q = 0;
  let qo = 0;
  let filled = 0;
  let worst = Infinity;
  const boxDist = (node: number): number => {
    const bo = node * d;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const v = x[qo + t]!;
      const l = lo[bo + t]!;
      const h = hi[bo + t]!;
      const g = v < l ? l - v : v > h ? v - h : 0;
      s += g * g;
    }
    return s;
  };
  const offer = (s: number, j: number): void => {
    filled = offerNearest(bd, bi, 0, k, filled, s, j);
    if (filled === k) worst = bd[k - 1]!;
  };
  const visit = (node: number): void => {
    const l = left[node]!;
    if (l < 0) {
      for (let p = start[node]!; p < end[node]!; p++) {
        const j = perm[p]!;
        if (j === q) continue;
        const jo = j * d;
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = x[qo + t]! - x[jo + t]!;
          s += diff * diff;
          if (s > worst) break;
        }
        if (s <= worst) offer(s, j);
      }
      return;
    }
    const r = right[node]!;
    const dl = boxDist(l);
    const dr = boxDist(r);
    if (dl <= dr) {
      if (dl <= worst) visit(l);
      if (dr <= worst) visit(r);
    } else {
      if (dr <= worst) visit(r);
      if (dl <= worst) visit(l);
    }
  };
  // Queries in tree order: consecutive queries touch the same boxes.
  for (let p = 0; p < n; p++) {
    q = perm[p]!;
    qo = q * d;
    filled = 0;
    worst = Infinity;
    visit(0);
    idx.set(bi, q * k);
    dist.set(bd, q * k);
  }
  return { idx, dist };
}
