/**
 * Causal calendar-window computations behind `buildFeatures`: rolling mean/std, rolling
 * beta/correlation, rolling drawdown and the leave-one-out market return.
 *
 * Why its own file: these are the numeric kernels, apart from the feature catalogue and the
 * table assembly in features.ts.
 */
import { MIN_VARIANCE } from "./feature-catalogue";

export function minCount(w: number, coverage: number): number {
  return Math.max(2, Math.ceil(coverage * w - 1e-9));
}

/**
 * Rolling mean and sample std over a calendar window, per token.
 * Window of row i (day d): days [d - w + 1, d], or [d - w, d - 1] when `excludeCurrent`.
 * Non-finite values are skipped; fewer than `need` observations give NaN.
 * Values are shifted by the token's first finite value so that the running sums of, e.g.,
 * log volumes (~15 +- 1) do not lose the variance to cancellation.
 */
export function rollingMeanStd(
  values: Float64Array,
  day: Int32Array,
  start: Int32Array,
  end: Int32Array,
  w: number,
  excludeCurrent: boolean,
  need: number,
  outMean: Float64Array,
  outStd: Float64Array | null,
): void {
  outMean.fill(NaN);
  if (outStd) outStd.fill(NaN);
  for (let t = 0; t < start.length; t++) {
    const s = start[t]!;
    const e = end[t]!;
    let ref = NaN;
    for (let j = s; j < e; j++) {
      if (Number.isFinite(values[j]!)) {
        ref = values[j]!;
        break;
      }
    }
    if (Number.isNaN(ref)) continue;
    let lo = s;
    let hi = s;
    let cnt = 0;
    let sum = 0;
    let sumsq = 0;
    for (let i = s; i < e; i++) {
      const highDay = excludeCurrent ? day[i]! - 1 : day[i]!;
      const lowDay = highDay - w + 1;
      while (hi < e && day[hi]! <= highDay) {
        const v = values[hi]!;
        if (Number.isFinite(v)) {
          const x = v - ref;
          cnt++;
          sum += x;
          sumsq += x * x;
        }
        hi++;
      }
      while (lo < hi && day[lo]! < lowDay) {
        const v = values[lo]!;
        if (Number.isFinite(v)) {
          const x = v - ref;
          cnt--;
          sum -= x;
          sumsq -= x * x;
        }
        lo++;
      }
      if (cnt === 0) {
        // Nothing in the window: restart the sums so that rounding residue cannot build up.
        sum = 0;
        sumsq = 0;
      } else if (cnt >= need) {
        const mean = sum / cnt;
        outMean[i] = ref + mean;
        if (outStd) {
          const v = (sumsq - sum * mean) / (cnt - 1);
          outStd[i] = v > MIN_VARIANCE ? Math.sqrt(v) : 0;
        }
      }
    }
  }
}

/**
 * Rolling beta of x on y and correlation over days [d - w + 1, d], per token, using only
 * days where both are finite. Flat y gives beta 0; flat x or y gives correlation 0.
 */
export function rollingBetaCorr(
  x: Float64Array,
  y: Float64Array,
  day: Int32Array,
  start: Int32Array,
  end: Int32Array,
  w: number,
  need: number,
  outBeta: Float64Array,
  outCorr: Float64Array,
): void {
  outBeta.fill(NaN);
  outCorr.fill(NaN);
  for (let t = 0; t < start.length; t++) {
    const s = start[t]!;
    const e = end[t]!;
    let lo = s;
    let cnt = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = s; i < e; i++) {
      const xi = x[i]!;
      const yi = y[i]!;
      if (Number.isFinite(xi) && Number.isFinite(yi)) {
        cnt++;
        sx += xi;
        sy += yi;
        sxx += xi * xi;
        syy += yi * yi;
        sxy += xi * yi;
      }
      const lowDay = day[i]! - w + 1;
      while (day[lo]! < lowDay) {
        const xl = x[lo]!;
        const yl = y[lo]!;
        if (Number.isFinite(xl) && Number.isFinite(yl)) {
          cnt--;
          sx -= xl;
          sy -= yl;
          sxx -= xl * xl;
          syy -= yl * yl;
          sxy -= xl * yl;
        }
        lo++;
      }
      if (cnt === 0) {
        sx = sy = sxx = syy = sxy = 0;
      } else if (cnt >= need) {
        const vx = (sxx - (sx * sx) / cnt) / (cnt - 1);
        const vy = (syy - (sy * sy) / cnt) / (cnt - 1);
        const cxy = (sxy - (sx * sy) / cnt) / (cnt - 1);
        outBeta[i] = vy > MIN_VARIANCE ? cxy / vy : 0;
        outCorr[i] = vx > MIN_VARIANCE && vy > MIN_VARIANCE ? Math.max(-1, Math.min(1, cxy / Math.sqrt(vx * vy))) : 0;
      }
    }
  }
}

/**
 * log(close / max close) over days [d - w + 1, d], per token (monotonic deque of row
 * indices, O(rows)). Needs `need` finite closes in the window.
 */
export function rollingDrawdown(
  logClose: Float64Array,
  day: Int32Array,
  start: Int32Array,
  end: Int32Array,
  w: number,
  need: number,
  out: Float64Array,
  deque: Int32Array,
): void {
  out.fill(NaN);
  for (let t = 0; t < start.length; t++) {
    const s = start[t]!;
    const e = end[t]!;
    let head = s;
    let tail = s;
    let lo = s;
    let cnt = 0;
    for (let i = s; i < e; i++) {
      const v = logClose[i]!;
      const finite = Number.isFinite(v);
      if (finite) {
        while (tail > head && logClose[deque[tail - 1]!]! <= v) tail--;
        deque[tail++] = i;
        cnt++;
      }
      const lowDay = day[i]! - w + 1;
      while (day[lo]! < lowDay) {
        if (Number.isFinite(logClose[lo]!)) cnt--;
        lo++;
      }
      while (tail > head && day[deque[head]!]! < lowDay) head++;
      if (finite && cnt >= need) out[i] = v - logClose[deque[head]!]!;
    }
  }
}

/** Index of the first element >= v in sorted[0..m). */
function lowerBound(sorted: Float64Array, m: number, v: number): number {
  let a = 0;
  let b = m;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (sorted[mid]! < v) a = mid + 1;
    else b = mid;
  }
  return a;
}

/**
 * Leave-one-out market return per row: the median (or mean) of the 1-day returns of the
 * OTHER tokens on the same day; NaN when the row has no return or fewer than `minOthers`
 * other tokens have one. Rows are grouped by day with a counting sort (O(rows)); each day's
 * returns are sorted once and the median without element k is read off the sorted list.
 */
export function leaveOneOutMarket(
  r1: Float64Array,
  day: Int32Array,
  how: "median" | "mean",
  minOthers: number,
  out: Float64Array,
): void {
  const n = r1.length;
  out.fill(NaN);
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (let i = 0; i < n; i++) {
    const d = day[i]!;
    if (d < minDay) minDay = d;
    if (d > maxDay) maxDay = d;
  }
  const nDays = maxDay - minDay + 1;
  const offset = new Int32Array(nDays + 1);
  for (let i = 0; i < n; i++) offset[day[i]! - minDay + 1]++;
  let largest = 0;
  for (let k = 0; k < nDays; k++) {
    largest = Math.max(largest, offset[k + 1]!);
    offset[k + 1] += offset[k]!;
  }
  const cursor = offset.slice(0, nDays);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[cursor[day[i]! - minDay]!++] = i;
  const scratch = new Float64Array(largest);
  for (let k = 0; k < nDays; k++) {
    const a = offset[k]!;
    const b = offset[k + 1]!;
    let m = 0;
    let sum = 0;
    for (let q = a; q < b; q++) {
      const v = r1[order[q]!]!;
      if (Number.isFinite(v)) {
        scratch[m++] = v;
        sum += v;
      }
    }
    if (m - 1 < minOthers) continue;
    const sorted = scratch.subarray(0, m);
    if (how === "median") sorted.sort();
    const rest = m - 1;
    for (let q = a; q < b; q++) {
      const row = order[q]!;
      const v = r1[row]!;
      if (!Number.isFinite(v)) continue;
      if (how === "mean") {
        out[row] = (sum - v) / rest;
        continue;
      }
      const skip = lowerBound(sorted, m, v);
      // Rank j among the others is sorted[j] below the removed element, sorted[j + 1] above.
      const hi = rest >> 1;
      const upper = sorted[hi < skip ? hi : hi + 1]!;
      if (rest % 2 === 1) out[row] = upper;
      else {
        const lo = hi - 1;
        out[row] = 0.5 * (sorted[lo < skip ? lo : lo + 1]! + upper);
      }
    }
  }
}
