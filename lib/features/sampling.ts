/**
 * Choosing which latent rows to embed, and cleaning them first.
 *
 * UMAP's layout costs grow faster than linearly, so a profile caps the points per run
 * (`umapMaxPoints`). A plain random sample of a token x day panel over-represents the
 * tokens with the longest histories and can leave a young token or a quiet quarter with no
 * point at all, and the scatter plots colour by token, sector and time. So the sample is
 * stratified: strata are token x calendar bucket (quarter by default), every non-empty
 * stratum keeps at least one row when the budget allows, and the rest of the budget is
 * shared in proportion to stratum size. The choice is seeded and the returned note says
 * what was done, for the notebook and the report.
 *
 * Latents with NaN or infinite values (a diverged model, a row with missing inputs) cannot
 * be embedded; `dropNonFinite` removes those rows and counts them instead of failing later.
 */
import type { Matrix } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import { MS_PER_DAY } from "../data/panel";

/** Calendar buckets for time strata, finest first. "all" puts all days in one bucket. */
export const TIME_BUCKETS = ["month", "quarter", "year", "all"] as const;
export type TimeBucket = (typeof TIME_BUCKETS)[number];

/** Default time bucket: a quarter keeps ~2,700 token-quarter strata for 160 tokens over four years, fewer than the default profile's 6,000 points. */
export const DEFAULT_TIME_BUCKET: TimeBucket = "quarter";

/** Row keys of the latent rows to sample from (one entry per row). */
export interface SampleKeys {
  /** Token index per row. */
  token: Int32Array;
  /** UTC day number per row. */
  day: Int32Array;
}

/** Options of `stratifiedSample`. */
export interface StratifiedSampleOptions {
  /** Time bucket of the strata. When token x bucket strata outnumber maxPoints, the next coarser bucket is used (and the note says so). Default "quarter". */
  bucket?: TimeBucket;
}

/** The rows chosen to embed. */
export interface SampleResult {
  /** Chosen row numbers, sorted ascending, unique. */
  indices: Int32Array;
  /** True when fewer rows than available were chosen. */
  sampled: boolean;
  /** What was done, e.g. "sampled 6,000 of 182,099 rows, stratified by token and quarter (2,714 strata, 1-4 rows each)". */
  note: string;
}

const fmt = (n: number): string => n.toLocaleString("en-US");

/** Calendar bucket number of a UTC day (months, quarters or years since 1970; 0 for "all"). */
function bucketOf(day: number, bucket: TimeBucket): number {
  if (bucket === "all") return 0;
  const date = new Date(day * MS_PER_DAY);
  const year = date.getUTCFullYear() - 1970;
  if (bucket === "year") return year;
  const month = date.getUTCMonth();
  return bucket === "month" ? year * 12 + month : year * 4 + Math.floor(month / 3);
}

/** Row lists of the non-empty strata, ordered by (token, bucket). */
function buildStrata(keys: SampleKeys, bucket: TimeBucket): number[][] {
  const n = keys.token.length;
  const b = new Float64Array(n);
  let minB = Infinity;
  let maxB = -Infinity;
  let minT = Infinity;
  for (let i = 0; i < n; i++) {
    b[i] = bucketOf(keys.day[i]!, bucket);
    if (b[i]! < minB) minB = b[i]!;
    if (b[i]! > maxB) maxB = b[i]!;
    if (keys.token[i]! < minT) minT = keys.token[i]!;
  }
  const span = maxB - minB + 1;
  const byKey = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = (keys.token[i]! - minT) * span + (b[i]! - minB);
    let rows = byKey.get(key);
    if (!rows) byKey.set(key, (rows = []));
    rows.push(i);
  }
  return [...byKey.keys()].sort((x, y) => x - y).map((k) => byKey.get(k)!);
}

/** Describe the strata for the note. */
function strataText(bucket: TimeBucket): string {
  return bucket === "all" ? "token" : `token and ${bucket}`;
}

/**
 * Choose at most `maxPoints` rows, stratified by token and calendar bucket.
 *
 * With more rows than maxPoints: strata are token x bucket (default quarter; coarsened to
 * year, then to token alone, while strata outnumber maxPoints). Every stratum gets one row,
 * and the remaining budget is split in proportion to each stratum's remaining rows by
 * largest remainders (so allocations sum to maxPoints exactly and never exceed a stratum's
 * size); rows within a stratum are drawn uniformly with `rng`. If even tokens alone
 * outnumber maxPoints, maxPoints tokens are drawn (weighted by their row counts) and one
 * row is taken from each. With at most maxPoints rows, all rows are returned and
 * `sampled` is false.
 * @param keys token index and UTC day per row (equal lengths).
 * @param maxPoints positive integer budget.
 * @param rng seeded stream; the same stream state gives the same sample.
 */
export function stratifiedSample(
  keys: SampleKeys,
  maxPoints: number,
  rng: Rng,
  options: StratifiedSampleOptions = {},
): SampleResult {
  if (!keys || !(keys.token instanceof Int32Array) || !(keys.day instanceof Int32Array)) {
    throw new Error("stratifiedSample: keys must be { token: Int32Array, day: Int32Array }.");
  }
  const n = keys.token.length;
  if (keys.day.length !== n)
    throw new Error(
      `stratifiedSample: keys.token has ${n} rows but keys.day has ${keys.day.length}; they must describe the same rows.`,
    );
  if (!Number.isInteger(maxPoints) || maxPoints < 1)
    throw new Error(`stratifiedSample: maxPoints must be a positive integer, got ${maxPoints}.`);
  const requested = options.bucket ?? DEFAULT_TIME_BUCKET;
  let level = TIME_BUCKETS.indexOf(requested);
  if (level < 0) throw new Error(`Unknown time bucket "${requested}". Use one of: ${TIME_BUCKETS.join(", ")}.`);
  if (n <= maxPoints) {
    return {
      indices: Int32Array.from({ length: n }, (_, i) => i),
      sampled: false,
      note: `all ${fmt(n)} rows used (at most ${fmt(maxPoints)} are embedded)`,
    };
  }
  let strata = buildStrata(keys, TIME_BUCKETS[level]!);
  while (strata.length > maxPoints && level < TIME_BUCKETS.length - 1) {
    level++;
    strata = buildStrata(keys, TIME_BUCKETS[level]!);
  }
  const bucket = TIME_BUCKETS[level]!;
  const coarsened = bucket !== requested ? ` (${requested} strata would outnumber the ${fmt(maxPoints)} points)` : "";
  const chosen: number[] = [];
  if (strata.length > maxPoints) {
    // More tokens than points: draw maxPoints tokens weighted by size (Efraimidis-Spirakis
    // keys u^(1/w)), then one row of each.
    const keyed = strata.map((rows, s) => ({ s, key: Math.log(rng.uniform() || Number.MIN_VALUE) / rows.length }));
    keyed.sort((a, b) => b.key - a.key || a.s - b.s);
    const picked = keyed
      .slice(0, maxPoints)
      .map((e) => e.s)
      .sort((a, b) => a - b);
    for (const s of picked) chosen.push(strata[s]![rng.int(strata[s]!.length)]!);
    chosen.sort((a, b) => a - b);
    return {
      indices: Int32Array.from(chosen),
      sampled: true,
      note: `sampled ${fmt(maxPoints)} of ${fmt(n)} rows: one row from each of ${fmt(maxPoints)} of ${fmt(strata.length)} tokens (drawn in proportion to their rows)${coarsened}`,
    };
  }
  // One per stratum, the rest by largest remainders in proportion to rows beyond the first.
  const S = strata.length;
  const rest = maxPoints - S;
  const spare = n - S;
  const alloc = new Int32Array(S).fill(1);
  const remainder = new Float64Array(S);
  let given = 0;
  for (let s = 0; s < S; s++) {
    const quota = (rest * (strata[s]!.length - 1)) / spare;
    const whole = Math.floor(quota);
    alloc[s] += whole;
    remainder[s] = quota - whole;
    given += whole;
  }
  const order = Array.from({ length: S }, (_, s) => s).sort((a, b) => remainder[b]! - remainder[a]! || a - b);
  for (let t = 0; given < rest; t++) {
    const s = order[t % S]!;
    if (alloc[s]! < strata[s]!.length) {
      alloc[s]++;
      given++;
    }
  }
  let lo = Infinity;
  let hi = 0;
  for (let s = 0; s < S; s++) {
    const rows = strata[s]!;
    const k = alloc[s]!;
    lo = Math.min(lo, k);
    hi = Math.max(hi, k);
    if (k === rows.length) for (const r of rows) chosen.push(r);
    else for (const p of rng.sampleIndices(rows.length, k)) chosen.push(rows[p]!);
  }
  chosen.sort((a, b) => a - b);
  const spread = lo === hi ? `${lo} row${lo === 1 ? "" : "s"} each` : `${lo}-${hi} rows each`;
  return {
    indices: Int32Array.from(chosen),
    sampled: true,
    note: `sampled ${fmt(maxPoints)} of ${fmt(n)} rows, stratified by ${strataText(bucket)} (${fmt(S)} strata, ${spread})${coarsened}`,
  };
}

/** A matrix with its non-finite rows removed. */
export interface DropNonFiniteResult {
  /** The finite rows `[kept.length, cols]`, in their original order. */
  matrix: Matrix;
  /** Original row number of each kept row, ascending. */
  kept: Int32Array;
  /** Rows removed because at least one value was NaN or infinite. */
  dropped: number;
}

/**
 * Remove the rows of m that hold any NaN or infinite value. The caller reports `dropped`
 * (e.g. in the notebook and the manifest) and subsets its row keys with `kept`.
 * Returns `m` itself (no copy) when every row is finite.
 * @param m `[rows, cols]`.
 */
export function dropNonFinite(m: Matrix): DropNonFiniteResult {
  if (m.data.length !== m.rows * m.cols)
    throw new Error(`Matrix has ${m.data.length} values but shape [${m.rows}, ${m.cols}]; build it with matrix().`);
  const keep: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    let ok = true;
    for (let j = i * m.cols, end = j + m.cols; j < end; j++) {
      if (!Number.isFinite(m.data[j]!)) {
        ok = false;
        break;
      }
    }
    if (ok) keep.push(i);
  }
  const kept = Int32Array.from(keep);
  if (kept.length === m.rows) return { matrix: m, kept, dropped: 0 };
  const data = new Float32Array(kept.length * m.cols);
  for (let k = 0; k < kept.length; k++)
    data.set(m.data.subarray(kept[k]! * m.cols, (kept[k]! + 1) * m.cols), k * m.cols);
  return { matrix: { data, rows: kept.length, cols: m.cols }, kept, dropped: m.rows - kept.length };
}
