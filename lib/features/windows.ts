/**
 * Per-token sliding windows of feature rows for the Conv1D autoencoder.
 *
 * A window is `length` consecutive DAYS of ONE token: it never spans a missing day (a gap
 * in the panel, or a row that feature building dropped) and never joins two tokens, because
 * a convolution over such a seam would learn the seam. Each maximal run of contiguous days
 * yields windows starting at offsets 0, stride, 2*stride, ... of that run, so a run of n
 * days gives floor((n - length) / stride) + 1 windows (none when n < length).
 *
 * Restricting windows to a split (`rows` = the split's row indices) keeps only windows whose
 * every row, hence every day, lies inside that split: no window straddles a split boundary.
 */
import type { Matrix, Windows } from "../runtime/matrix";
import { dayToIso } from "../data/panel";

/**
 * Largest window stack, in float32 values: 2^30 (4 GiB), the whole address space of a
 * wasm32 TensorFlow.js backend; a bigger stack could never be trained on anyway.
 */
export const MAX_WINDOW_VALUES = 2 ** 30;

/** Rows to cut into windows: a FeatureTable, or the same three arrays by hand. */
export interface WindowSource {
  /** `[nRows, nFeatures]`, rows sorted by (token, day). */
  X: Matrix;
  /** `[nRows]` token index per row. */
  token: Int32Array;
  /** `[nRows]` UTC day number per row. */
  day: Int32Array;
  /** Column names; needed to choose `features` by name. */
  featureNames?: readonly string[];
}

/** Options of `makeWindows`. */
export interface WindowOptions {
  /** Days per window (e.g. 30 in the default profile). */
  length: number;
  /** Days between the starts of consecutive windows of one run (1 = every day). */
  stride: number;
  /** Subset of columns by name, in this order (default: all columns). */
  features?: readonly string[];
  /** Only rows with these indices may appear in a window (e.g. a split's row indices). */
  rows?: ArrayLike<number>;
}

/** A stack of windows and, per window, where it came from. */
export interface WindowSet {
  /** `[nWindows, length, nFeatures]` float32. */
  windows: Windows;
  /** `[nWindows]` token index. */
  token: Int32Array;
  /** `[nWindows]` UTC day number of the window's last day. */
  endDay: Int32Array;
  /** `[nWindows]` index (into the source rows) of the window's first row; its rows are startRow .. startRow + length - 1. */
  startRow: Int32Array;
  /** Names of the window features (null when the source has no names). */
  featureNames: string[] | null;
  /**
   * What did not become part of any window: rows outside `rows`, rows in runs shorter than
   * the window, rows after a run's last full window, and the number of runs broken by a missing day.
   */
  skipped: { reason: string; count: number }[];
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`Window option ${name} must be a positive integer, got ${v}.`);
}

/**
 * Cut per-token windows of contiguous days.
 *
 * @param source rows sorted by (token, day) (a FeatureTable qualifies).
 * @param options window length and stride in days, optional feature subset and row restriction.
 * @returns windows `[nWindows, length, nFeatures]` with token, end day and first row per window.
 * @throws on invalid options, unsorted rows, unknown feature names, when no run of
 *   contiguous days is as long as the window (naming the longest one), or when the stack
 *   would exceed MAX_WINDOW_VALUES.
 */
export function makeWindows(source: WindowSource, options: WindowOptions): WindowSet {
  const { X, token, day } = source;
  const { length: L, stride } = options;
  positiveInt("length", L);
  positiveInt("stride", stride);
  const n = X.rows;
  if (token.length !== n || day.length !== n) {
    throw new Error(`Window source arrays disagree: X has ${n} rows, token ${token.length}, day ${day.length}.`);
  }
  let cols: number[];
  let names: string[] | null = source.featureNames ? [...source.featureNames] : null;
  if (options.features) {
    if (!source.featureNames)
      throw new Error(
        "Window option features names columns, but the source has no featureNames: pass a FeatureTable or featureNames.",
      );
    cols = options.features.map((f) => {
      const j = source.featureNames!.indexOf(f);
      if (j < 0) throw new Error(`Unknown window feature "${f}". Available: ${source.featureNames!.join(", ")}.`);
      return j;
    });
    if (cols.length === 0) throw new Error("Window option features is empty: name at least one feature.");
    names = [...options.features];
  } else {
    cols = Array.from({ length: X.cols }, (_, j) => j);
  }
  const F = cols.length;

  const allowed = new Uint8Array(n);
  if (options.rows) {
    for (let q = 0; q < options.rows.length; q++) {
      const i = options.rows[q]!;
      if (!Number.isInteger(i) || i < 0 || i >= n)
        throw new Error(`Window option rows: index ${i} (position ${q}) is outside 0..${n - 1}.`);
      allowed[i] = 1;
    }
  } else {
    allowed.fill(1);
  }

  // Pass 1: find runs of allowed rows on contiguous days of one token; count windows.
  let nWindows = 0;
  let outside = 0;
  let shortRows = 0;
  let tailRows = 0;
  let gapBreaks = 0;
  let bestLen = 0;
  let bestStart = -1;
  const runStarts: number[] = [];
  const runLens: number[] = [];
  let runStart = -1;
  const closeRun = (endExclusive: number): void => {
    if (runStart < 0) return;
    const len = endExclusive - runStart;
    if (len > bestLen) {
      bestLen = len;
      bestStart = runStart;
    }
    if (len < L) shortRows += len;
    else {
      const k = Math.floor((len - L) / stride) + 1;
      nWindows += k;
      tailRows += len - ((k - 1) * stride + L);
      runStarts.push(runStart);
      runLens.push(len);
    }
    runStart = -1;
  };
  for (let i = 0; i < n; i++) {
    if (i > 0 && (token[i]! < token[i - 1]! || (token[i] === token[i - 1] && day[i]! <= day[i - 1]!))) {
      throw new Error(
        `Window source row ${i} is not sorted by (token, day) after row ${i - 1} (token ${token[i]}, day ${dayToIso(day[i]!)}): pass rows in panel order.`,
      );
    }
    if (!allowed[i]) {
      outside++;
      closeRun(i);
      continue;
    }
    const continues = runStart >= 0 && token[i] === token[i - 1] && day[i] === day[i - 1]! + 1;
    if (!continues) {
      if (runStart >= 0 && token[i] === token[i - 1]) gapBreaks++;
      closeRun(i);
      runStart = i;
    }
  }
  closeRun(n);

  if (nWindows === 0) {
    const longest =
      bestStart >= 0
        ? `the longest is ${bestLen} days (token ${token[bestStart]}, ${dayToIso(day[bestStart]!)}..${dayToIso(day[bestStart + bestLen - 1]!)})`
        : "there are no rows at all";
    throw new Error(
      `Window length ${L} is longer than every run of contiguous days${options.rows ? " inside the given rows" : ""}: ${longest}. ` +
        `Use length <= ${Math.max(1, bestLen)} or supply longer gap-free histories.`,
    );
  }
  const size = nWindows * L * F;
  if (size > MAX_WINDOW_VALUES) {
    throw new Error(
      `${nWindows} windows x ${L} days x ${F} features = ${size} values exceed ${MAX_WINDOW_VALUES} (${(size * 4) / 2 ** 30} GiB of float32). ` +
        `Raise the stride (now ${stride}), restrict rows to a split, or choose fewer features.`,
    );
  }

  // Pass 2: copy.
  const data = new Float32Array(size);
  const wToken = new Int32Array(nWindows);
  const wEnd = new Int32Array(nWindows);
  const wStart = new Int32Array(nWindows);
  const src = X.data;
  const C = X.cols;
  let w = 0;
  let p = 0;
  for (let r = 0; r < runStarts.length; r++) {
    const s0 = runStarts[r]!;
    const len = runLens[r]!;
    for (let off = 0; off + L <= len; off += stride) {
      const first = s0 + off;
      wToken[w] = token[first]!;
      wEnd[w] = day[first + L - 1]!;
      wStart[w] = first;
      for (let i = first; i < first + L; i++) {
        const base = i * C;
        for (let k = 0; k < F; k++) data[p++] = src[base + cols[k]!]!;
      }
      w++;
    }
  }
  return {
    windows: { data, n: nWindows, length: L, features: F },
    token: wToken,
    endDay: wEnd,
    startRow: wStart,
    featureNames: names,
    skipped: [
      { reason: "rows outside the given rows (split)", count: outside },
      { reason: `rows in runs shorter than ${L} days`, count: shortRows },
      { reason: "rows after a run's last full window (stride remainder)", count: tailRows },
      { reason: "runs broken by a missing day", count: gapBreaks },
    ],
  };
}

/** The window count of one run and how it comes about, for notebooks. */
export interface WindowArithmetic {
  nWindows: number;
  /** Day offsets (0-based) where windows start (all of them; the example is meant to be tiny). */
  starts: number[];
  /** Days at the end of the run that no window covers. */
  uncoveredTail: number;
  explanation: string;
}

/**
 * Window arithmetic on a tiny example: a run of `nDays` contiguous days cut into windows of
 * `length` days every `stride` days gives floor((nDays - length) / stride) + 1 windows.
 *
 * @example describeWindowArithmetic(10, 4, 3).nWindows === 3 // starts 0, 3, 6
 */
export function describeWindowArithmetic(nDays: number, length: number, stride: number): WindowArithmetic {
  if (!Number.isInteger(nDays) || nDays < 0) throw new Error(`nDays must be a non-negative integer, got ${nDays}.`);
  positiveInt("length", length);
  positiveInt("stride", stride);
  if (nDays < length) {
    return {
      nWindows: 0,
      starts: [],
      uncoveredTail: nDays,
      explanation: `${nDays} days are fewer than one window of ${length} days: 0 windows (a run must hold at least ${length} contiguous days).`,
    };
  }
  const nWindows = Math.floor((nDays - length) / stride) + 1;
  const starts = Array.from({ length: nWindows }, (_, k) => k * stride);
  const last = starts[nWindows - 1]!;
  const uncoveredTail = nDays - (last + length);
  const shown = nWindows <= 12 ? starts.join(", ") : `${starts.slice(0, 5).join(", ")}, ..., ${last}`;
  const explanation =
    `${nDays} days, window ${length}, stride ${stride}: a window may start at day 0..${nDays - length} ` +
    `(${nDays} - ${length}), every ${stride} day(s), so floor((${nDays} - ${length}) / ${stride}) + 1 = ${nWindows} windows ` +
    `starting at day ${shown}; the last covers days ${last}..${last + length - 1}` +
    (uncoveredTail > 0 ? `, leaving ${uncoveredTail} day(s) at the end in no window.` : `, reaching the last day.`);
  return { nWindows, starts, uncoveredTail, explanation };
}

/**
 * Rows that end a window of `length` contiguous days of one token: row i qualifies when
 * rows i - length + 1 .. i are the same token on consecutive days (rows sorted by token,
 * day). Unlike `makeWindows` this ignores splits and strides: it is what scoring "the
 * window ending on each token-day" needs. The first length - 1 days of every run of
 * contiguous days end no window.
 */
export function windowEndRows(token: ArrayLike<number>, day: ArrayLike<number>, length: number): Int32Array {
  positiveInt("length", length);
  const out: number[] = [];
  let run = 0;
  for (let i = 0; i < day.length; i++) {
    run = i > 0 && token[i] === token[i - 1] && day[i] === day[i - 1]! + 1 ? run + 1 : 1;
    if (run >= length) out.push(i);
  }
  return Int32Array.from(out);
}

/**
 * The windows `[n, length, nFeatures]` ending at the given rows (each from `windowEndRows`):
 * window k holds rows endRows[k] - length + 1 .. endRows[k] of `X`.
 * @throws when an end row has fewer than length - 1 rows before it.
 */
export function windowsEndingAt(X: Matrix, endRows: ArrayLike<number>, length: number): Windows {
  positiveInt("length", length);
  const F = X.cols;
  const data = new Float32Array(endRows.length * length * F);
  for (let k = 0; k < endRows.length; k++) {
    const e = endRows[k]!;
    const first = e - length + 1;
    if (first < 0 || e >= X.rows)
      throw new Error(`windowsEndingAt: end row ${e} leaves no ${length}-row window inside 0..${X.rows - 1}.`);
    data.set(X.data.subarray(first * F, (e + 1) * F), k * length * F);
  }
  return { data, n: endRows.length, length, features: F };
}
