/**
 * Date-based train / validation / test split with embargo gaps.
 *
 * Market data are a time series: a random row split would let a model train on the day
 * after the one it is tested on. Rows are therefore split by calendar day: train is the
 * earliest span, then validation, then test, and `gapDays` calendar days between
 * consecutive splits belong to no split. Rolling features of a row read up to
 * `lookbackDays` earlier days, and a Conv1D window covers `windowLength` consecutive rows;
 * with gapDays >= both, the raw data behind any validation row (or window kept inside
 * validation) never overlaps the raw data of a train row, and likewise for test.
 *
 * Layout on the calendar (inclusive day ranges):
 *
 *     [trainStart .. trainEnd] gap [validationStart .. validationEnd] gap [testStart .. testEnd]
 *
 * with validationStart - trainEnd - 1 = testStart - validationEnd - 1 = gapDays.
 */
import { dayToIso, isoToDay } from "../data/panel";

/** Default split fractions of the usable calendar span: the common 70 / 15 / 15. */
export const DEFAULT_SPLIT_FRACTIONS: readonly [number, number, number] = [0.7, 0.15, 0.15];
/** Default gap in days: the longest default feature lookback (30-day windows, +1 for ret_z). */
export const DEFAULT_GAP_DAYS = 31;

/** Options of `splitByDate`. Give either `fractions` or both cut dates. */
export interface SplitOptions {
  /**
   * Shares of the usable calendar span (span minus both gaps) for train, validation and
   * test; positive, summing to 1. Default [0.7, 0.15, 0.15]. Ignored when cut dates are given.
   */
  fractions?: readonly [number, number, number];
  /** First day of validation (ISO YYYY-MM-DD). Needs `testStart` too; overrides fractions. */
  validationStart?: string;
  /** First day of test (ISO YYYY-MM-DD). Needs `validationStart` too. */
  testStart?: string;
  /** Calendar days between consecutive splits, belonging to none (default 31). */
  gapDays?: number;
  /** Conv1D window length: gapDays must be at least this (checked when given). */
  windowLength?: number;
  /** Longest feature lookback (FeatureTable.lookbackDays): gapDays must be at least this. */
  lookbackDays?: number;
}

/** Inclusive ISO day boundaries of a split. */
export interface SplitBoundaries {
  trainStart: string;
  trainEnd: string;
  validationStart: string;
  validationEnd: string;
  testStart: string;
  testEnd: string;
}

/** Row indices (ascending, into the `days` array given) of each split. */
export interface DateSplit {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
  boundaries: SplitBoundaries;
  gapDays: number;
  /** Rows that fall in a gap and belong to no split. */
  rowsInGaps: number;
}

/**
 * Split rows by their day into train / validation / test with `gapDays` between them.
 *
 * @param days `[nRows]` UTC day number of each row (e.g. FeatureTable.day); any order.
 * @param options fractions of the calendar span (default 70/15/15) or explicit cut dates,
 *   and the gap (default 31 days).
 * @throws when the gap is shorter than the window length or lookback given, the options
 *   are inconsistent, or any split would hold no rows (naming its day range and the fix).
 */
export function splitByDate(days: Int32Array, options: SplitOptions = {}): DateSplit {
  const n = days.length;
  if (n === 0) throw new Error("splitByDate got no rows (days is empty): build features from a non-empty panel first.");
  const gap = options.gapDays ?? DEFAULT_GAP_DAYS;
  if (!Number.isInteger(gap) || gap < 0) throw new Error(`gapDays must be a non-negative integer, got ${gap}.`);
  const needed = Math.max(options.windowLength ?? 0, options.lookbackDays ?? 0);
  if (gap < needed) {
    const what =
      (options.windowLength ?? 0) >= (options.lookbackDays ?? 0)
        ? `windowLength ${options.windowLength}`
        : `lookbackDays ${options.lookbackDays}`;
    throw new Error(
      `gapDays ${gap} is shorter than ${what}: windows or rolling features would straddle a split boundary and leak. Use gapDays >= ${needed}.`,
    );
  }
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (let i = 0; i < n; i++) {
    const d = days[i]!;
    if (d < minDay) minDay = d;
    if (d > maxDay) maxDay = d;
  }

  let trainEnd: number;
  let validationStart: number;
  let validationEnd: number;
  let testStart: number;
  const hasCut = options.validationStart !== undefined || options.testStart !== undefined;
  if (hasCut) {
    if (options.validationStart === undefined || options.testStart === undefined) {
      throw new Error("Give both validationStart and testStart (ISO dates), or neither to split by fractions.");
    }
    validationStart = isoToDay(options.validationStart);
    testStart = isoToDay(options.testStart);
    if (testStart <= validationStart) {
      throw new Error(`testStart ${options.testStart} must come after validationStart ${options.validationStart}.`);
    }
    trainEnd = validationStart - gap - 1;
    validationEnd = testStart - gap - 1;
    if (validationEnd < validationStart) {
      throw new Error(
        `Validation would be empty: ${options.validationStart}..${options.testStart} spans ${testStart - validationStart} days, ` +
          `which the ${gap}-day gap before test swallows. Move testStart later than ${dayToIso(validationStart + gap)} or lower gapDays.`,
      );
    }
  } else {
    const fr = options.fractions ?? DEFAULT_SPLIT_FRACTIONS;
    if (fr.length !== 3 || fr.some((f) => !(f > 0)) || Math.abs(fr[0] + fr[1] + fr[2] - 1) > 1e-9) {
      throw new Error(`Split fractions must be three positive numbers summing to 1, got [${fr.join(", ")}].`);
    }
    const span = maxDay - minDay + 1;
    const usable = span - 2 * gap;
    if (usable < 3) {
      throw new Error(
        `The data span ${span} days (${dayToIso(minDay)}..${dayToIso(maxDay)}) cannot hold three splits and two ${gap}-day gaps. ` +
          `Supply more days or lower gapDays.`,
      );
    }
    const nTrain = Math.max(1, Math.round(fr[0] * usable));
    const nVal = Math.max(1, Math.round(fr[1] * usable));
    trainEnd = minDay + nTrain - 1;
    validationStart = trainEnd + gap + 1;
    validationEnd = validationStart + nVal - 1;
    testStart = validationEnd + gap + 1;
  }

  let nTr = 0;
  let nVa = 0;
  let nTe = 0;
  for (let i = 0; i < n; i++) {
    const d = days[i]!;
    if (d <= trainEnd) nTr++;
    else if (d >= validationStart && d <= validationEnd) nVa++;
    else if (d >= testStart) nTe++;
  }
  const boundaries: SplitBoundaries = {
    trainStart: dayToIso(minDay),
    trainEnd: dayToIso(trainEnd),
    validationStart: dayToIso(validationStart),
    validationEnd: dayToIso(validationEnd),
    testStart: dayToIso(testStart),
    testEnd: dayToIso(Math.max(maxDay, testStart)),
  };
  const emptyHint = hasCut ? "move the cut dates" : "change the fractions";
  if (nTr === 0) {
    throw new Error(
      `Train split is empty: no row on or before ${boundaries.trainEnd} (data start ${dayToIso(minDay)}). Move validationStart later, ${emptyHint} or lower gapDays (${gap}).`,
    );
  }
  if (nVa === 0) {
    throw new Error(
      `Validation split is empty: no row in ${boundaries.validationStart}..${boundaries.validationEnd}. ${hasCut ? "Move the cut dates" : "Change the fractions"} or lower gapDays (${gap}).`,
    );
  }
  if (nTe === 0) {
    throw new Error(
      `Test split is empty: no row on or after ${boundaries.testStart} (data end ${dayToIso(maxDay)}). Move testStart earlier, ${emptyHint} or lower gapDays (${gap}).`,
    );
  }
  const train = new Int32Array(nTr);
  const validation = new Int32Array(nVa);
  const test = new Int32Array(nTe);
  let p = 0;
  let q = 0;
  let r = 0;
  for (let i = 0; i < n; i++) {
    const d = days[i]!;
    if (d <= trainEnd) train[p++] = i;
    else if (d >= validationStart && d <= validationEnd) validation[q++] = i;
    else if (d >= testStart) test[r++] = i;
  }
  return { train, validation, test, boundaries, gapDays: gap, rowsInGaps: n - nTr - nVa - nTe };
}

/** One-line summary of a split (day ranges, rows and the gap) for logs and notebooks. */
export function describeSplit(split: DateSplit): string {
  const b = split.boundaries;
  return (
    `train ${b.trainStart}..${b.trainEnd} (${split.train.length} rows) | gap ${split.gapDays} d | ` +
    `validation ${b.validationStart}..${b.validationEnd} (${split.validation.length}) | gap ${split.gapDays} d | ` +
    `test ${b.testStart}..${b.testEnd} (${split.test.length}); ${split.rowsInGaps} rows in gaps`
  );
}
