/**
 * The one sorted k-nearest list insertion, shared by every exact neighbour search
 * (brute force for queries, brute force for all rows, the k-d tree): entries kept in
 * ascending (squared distance, row index) order, so ties always go to the lower index
 * whatever order candidates arrive in.
 */

/**
 * Offer row `j` at squared distance `s` to the list held in `bd`/`bi` at offsets
 * `o .. o + k - 1`, of which the first `filled` entries are in use. Returns the new fill
 * count. A full list keeps its k best: a candidate behind the k-th entry is ignored.
 */
export function offerNearest(
  bd: Float64Array,
  bi: Int32Array,
  o: number,
  k: number,
  filled: number,
  s: number,
  j: number,
): number {
  let p: number;
  if (filled < k) p = filled++;
  else {
    const last = o + k - 1;
    if (s > bd[last]! || (s === bd[last]! && j > bi[last]!)) return filled;
    p = k - 1;
  }
  while (p > 0 && (bd[o + p - 1]! > s || (bd[o + p - 1] === s && bi[o + p - 1]! > j))) {
    bd[o + p] = bd[o + p - 1]!;
    bi[o + p] = bi[o + p - 1]!;
    p--;
  }
  bd[o + p] = s;
  bi[o + p] = j;
  return filled;
}
