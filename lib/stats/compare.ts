/**
 * Comparing two measured values the way a sentence may state it.
 *
 * Every comparative the project writes ("higher", "beats", "best", "more readable",
 * "significantly lower") is chosen here from the values and, where known, their
 * intervals, so that a finding never claims an order the numbers do not carry:
 *  - values that print the same at the precision shown, or differ by no more than a
 *    tolerance, are a **tie**;
 *  - values whose intervals overlap (or one value inside the other's interval) are an
 *    **overlap**: no order can be claimed;
 *  - only otherwise is one **higher** or **lower** than the other;
 *  - a non-finite value gives **unknown**.
 * The verdict is always read as "a is <verdict> than b".
 */

/** A measured value with an optional interval (e.g. a 95% bootstrap interval). */
export interface Estimate {
  value: number;
  lo?: number;
  hi?: number;
}

/** How a compares with b. */
export type Comparison = "higher" | "lower" | "tie" | "overlap" | "unknown";

/** Options of a comparison. */
export interface CompareOptions {
  /**
   * Decimals the sentence prints the values with: values that print the same are a tie
   * (a reader could not see the order the sentence would claim). Default: no rounding.
   */
  digits?: number;
  /** Largest absolute difference still called a tie (>= 0). Default 0. */
  tolerance?: number;
}

/** Relative floating-point slack below which two values are equal (differences of rounding only). */
const FLOAT_SLACK = 1e-12;

/** z of a two-sided 95% normal interval: the 0.975 quantile of the standard normal. */
export const Z_95 = 1.959963984540054;

function asEstimate(x: number | Estimate): Estimate {
  return typeof x === "number" ? { value: x } : x;
}

function hasInterval(e: Estimate): e is Required<Estimate> {
  return e.lo !== undefined && e.hi !== undefined && Number.isFinite(e.lo) && Number.isFinite(e.hi);
}

function checkOptions(o: CompareOptions): void {
  if (o.digits !== undefined && !(Number.isInteger(o.digits) && o.digits >= 0 && o.digits <= 20))
    throw new Error(`compareValues: digits must be an integer in [0, 20], got ${o.digits} (e.g. 3).`);
  if (o.tolerance !== undefined && !(o.tolerance >= 0))
    throw new Error(`compareValues: tolerance must be >= 0, got ${o.tolerance} (e.g. 0.005).`);
}

/** True when a and b are a tie under the options (same printed value, within tolerance, or equal). */
export function isTie(a: number, b: number, options: CompareOptions = {}): boolean {
  checkOptions(options);
  const d = Math.abs(a - b);
  if (d <= FLOAT_SLACK * Math.max(1, Math.abs(a), Math.abs(b))) return true;
  if (options.tolerance !== undefined && d <= options.tolerance) return true;
  if (options.digits !== undefined && a.toFixed(options.digits) === b.toFixed(options.digits)) return true;
  return false;
}

/**
 * Compare a with b: "higher" / "lower" only when they are not a tie and their intervals
 * (when given) do not overlap; "tie" or "overlap" otherwise; "unknown" for a non-finite value.
 */
export function compareValues(a: number | Estimate, b: number | Estimate, options: CompareOptions = {}): Comparison {
  const ea = asEstimate(a);
  const eb = asEstimate(b);
  if (!Number.isFinite(ea.value) || !Number.isFinite(eb.value)) return "unknown";
  if (isTie(ea.value, eb.value, options)) return "tie";
  const ia = hasInterval(ea);
  const ib = hasInterval(eb);
  const inside = (v: number, e: Required<Estimate>) => v >= e.lo && v <= e.hi;
  // With intervals the direction is read from them (an estimate may sit outside its own
  // percentile interval).
  if (ia && ib) return ea.lo > eb.hi ? "higher" : eb.lo > ea.hi ? "lower" : "overlap";
  if (ia) return inside(eb.value, ea) ? "overlap" : ea.lo > eb.value ? "higher" : "lower";
  if (ib) return inside(ea.value, eb) ? "overlap" : ea.value > eb.hi ? "higher" : "lower";
  return ea.value > eb.value ? "higher" : "lower";
}

/**
 * A difference (or a log ratio, ...) against a reference level (0 by default): "higher" when
 * its interval lies wholly above the level, "lower" when wholly below, "tie" when the
 * estimate prints as the level, "overlap" when the interval covers the level.
 */
export function compareToLevel(d: Estimate, level = 0, options: CompareOptions = {}): Comparison {
  return compareValues(d, level, options);
}

/** The words of a sentence for each verdict. */
export type ComparisonWords = Record<Comparison, string>;

/** Pick the sentence's words for a verdict. */
export function comparisonWord(c: Comparison, words: ComparisonWords): string {
  return words[c];
}

/** Which direction counts as better for a measure. */
export type BetterWhen = "higher" | "lower";

/** A verdict read as better / worse for a measure whose better direction is given. */
export function betterOrWorse(c: Comparison, better: BetterWhen): "better" | "worse" | "tie" | "overlap" | "unknown" {
  if (c === "higher") return better === "higher" ? "better" : "worse";
  if (c === "lower") return better === "lower" ? "better" : "worse";
  return c;
}

/** The leaders of a list: the best item and every item tied or overlapping with it. */
export interface Leaders<T> {
  /** The best item by value (first in list order among equal values), or null when none is finite. */
  best: T | null;
  /** The best item and every item that ties or overlaps with it, best first. */
  tied: T[];
  /** True when the lead is clear: no other item ties or overlaps with the best. */
  clear: boolean;
}

/**
 * The best items of a list by a value (largest when better is "higher", smallest when
 * "lower"), with those that cannot be told apart from it (tie or overlapping interval).
 * Items with a non-finite value are ignored.
 */
export function leaders<T>(
  items: readonly T[],
  estimate: (t: T) => number | Estimate,
  options: CompareOptions & { better?: BetterWhen } = {},
): Leaders<T> {
  const better = options.better ?? "higher";
  const finite = items.filter((t) => Number.isFinite(asEstimate(estimate(t)).value));
  if (finite.length === 0) return { best: null, tied: [], clear: false };
  const sign = better === "higher" ? 1 : -1;
  const sorted = [...finite].sort((x, y) => sign * (asEstimate(estimate(y)).value - asEstimate(estimate(x)).value));
  const best = sorted[0]!;
  const tied = sorted.filter(
    (t) => t === best || !["higher", "lower"].includes(compareValues(estimate(t), estimate(best), options)),
  );
  return { best, tied, clear: tied.length === 1 };
}

/**
 * A two-sided Wilson interval of a proportion p measured on n independent trials (95% by
 * default). For rates over rows that are not independent (days of one token) it is a lower
 * bound on the uncertainty: an overlap of these intervals is certainly no order.
 */
export function proportionInterval(p: number, n: number, z = Z_95): Estimate {
  if (!Number.isFinite(p) || !(n > 0)) return { value: p };
  if (p < 0 || p > 1) throw new Error(`proportionInterval: p must be in [0, 1], got ${p}.`);
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { value: p, lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/** "A", "A and B", "A, B and C". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * "41.0% lower than", "80.1% higher than" or "level with": value against a reference as a
 * relative change printed with `digits` decimals; a change that prints as 0 is a tie.
 * Options: lower / higher words (e.g. "below" / "above", then pass than: false), bold.
 */
export function relativeWording(
  value: number,
  reference: number,
  options: { digits?: number; lower?: string; higher?: string; bold?: boolean; than?: boolean } = {},
): string {
  const digits = options.digits ?? 1;
  const change = (value / reference - 1) * 100;
  const b = (t: string) => (options.bold ? `**${t}**` : t);
  if (!Number.isFinite(change)) return "not comparable with";
  if (compareValues(change, 0, { digits }) === "tie") return b("level with");
  const word = change < 0 ? (options.lower ?? "lower") : (options.higher ?? "higher");
  return `${b(`${Math.abs(change).toFixed(digits)}% ${word}`)}${options.than === false ? "" : " than"}`;
}
