/**
 * The stated limits of everything the loaders read, in one place.
 *
 * Input files are untrusted: a price file may come from a vendor export, a scrape or a
 * colleague's script. Each limit below bounds the time, memory or damage one bad input can
 * cause, and each is far outside what real data needs, so that a real file never meets one.
 * Inputs beyond a limit get a DataError that names the limit (or, for row values, a drop
 * counted in the validation report); the README's "Security and robustness" section lists
 * them, and test/data/hostile.test.ts holds one test per limit.
 */

/** Milliseconds per day (as in panel.ts; repeated so this module imports nothing). */
const MS_PER_DAY = 86_400_000;

/**
 * Longest CSV line, in bytes: 64 KiB. The widest real row of any supported layout (a
 * credit-card row, 31 numbers) is about 600 bytes, so this is 100x that; it bounds the
 * reader's buffer and every message built from a line.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Longest header cell, in characters, offered to the "did you mean" hint: 64. Real column
 * names are under 30 characters; edit distance costs length x length, so a giant cell
 * must not reach it.
 */
export const MAX_HINT_CELL_CHARS = 64;

/** Header cells listed in a "missing column" message before "... and N more". */
export const MAX_LISTED_COLUMNS = 40;

/**
 * Longest DataError detail, in characters: 2,000 (about 25 lines of a terminal). Longer
 * details are cut in the middle, so the start (the problem) and the end (the fix) stay.
 */
export const MAX_MESSAGE_CHARS = 2000;

/** Longest validation-report example, in characters: 300 (one location plus a few values). */
export const MAX_EXAMPLE_CHARS = 300;

/**
 * Longest token symbol or name kept, in characters: 100. Real names are under 40
 * ("Wrapped Bitcoin", "Binance USD"); longer ones are cut and counted.
 */
export const MAX_TOKEN_TEXT_CHARS = 100;

/**
 * Deepest JSON nesting accepted: 16 levels. The supported JSON layouts (klines arrays,
 * market_chart objects) nest 3 deep; a deeper document is refused before it is parsed
 * further, so no recursive code (parse, stringify, messages) can overflow the stack.
 */
export const MAX_JSON_DEPTH = 16;

/**
 * Largest JSON file read, in bytes: 256 MiB. JSON is parsed whole (a V8 string holds at
 * most about 512 MiB); a klines or market_chart response of 10 years of hourly points is
 * under 50 MB. Bigger inputs should be CSV, which streams.
 */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

/**
 * Earliest plausible price date: 2009-01-03, the day of Bitcoin's first block. No crypto
 * asset had a price before it; an earlier date is a typo or an epoch unit mix-up, and its
 * row is dropped and counted ("implausible date").
 */
export const MIN_PLAUSIBLE_TIME_MS = Date.UTC(2009, 0, 3);

/**
 * How far past the moment of loading a date may lie: 2 days (a bar stamped with the next
 * UTC day in a time zone ahead of UTC, plus clock skew). Later rows are dropped and counted.
 */
export const MAX_FUTURE_MS = 2 * MS_PER_DAY;

/** Latest plausible price time (epoch ms) at the moment of the call. */
export function maxPlausibleTimeMs(): number {
  return Date.now() + MAX_FUTURE_MS;
}

/**
 * Smallest plausible price: 1e-12. The cheapest traded tokens quote near 1e-9 in USD and
 * the smallest exchange tick is 1e-8 of the quote asset; denormal values like 5e-324 are
 * corrupt cells. Rows with a price below are dropped and counted ("implausible magnitude").
 */
export const MIN_PLAUSIBLE_PRICE = 1e-12;

/**
 * Largest plausible price: 1e12. Bitcoin in the weakest quote currencies (IDR, VND) is
 * near 2e9; 1e308 is a corrupt cell. It also keeps squares of prices finite in float64.
 */
export const MAX_PLAUSIBLE_PRICE = 1e12;

/**
 * Largest plausible volume of one row: 1e20. A meme token's daily volume in its own units
 * is under 1e15; with at most 86,400,000 bars (1 ms bars) per day, a day's sum of bars
 * below this bound stays below 1e28, far from float64's 1.8e308, so sums never overflow.
 */
export const MAX_PLAUSIBLE_VOLUME = 1e20;

/** Largest plausible market cap: 1e16 (the whole crypto market has never exceeded 1e13 USD). */
export const MAX_PLAUSIBLE_MARKET_CAP = 1e16;

/**
 * Largest magnitude of a credit-card value: 1e15. Real V1..V28 (PCA scores) stay within
 * ±200 and amounts under 1e5; the bound keeps every value and its square finite in the
 * Float32 feature matrix (float32 overflows at 3.4e38, so 1e39 would become Infinity).
 */
export const MAX_CREDITCARD_ABS = 1e15;

/** `text` cut to `max` characters, keeping its start and end around a "[... N characters cut ...]" mark. */
export function clipMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.max(0, max - 40);
  const head = Math.ceil(keep * 0.7);
  const tail = keep - head;
  return `${text.slice(0, head)} [... ${text.length - keep} characters cut ...] ${tail > 0 ? text.slice(-tail) : ""}`;
}

/**
 * A short, bounded description of any JSON value for a message: never recursive beyond
 * two levels and never longer than `max` characters, so a 20,000-deep array or a 100 MB
 * string costs nothing to describe.
 */
export function describeJsonValue(v: unknown, max = 60): string {
  const walk = (x: unknown, depth: number): string => {
    if (x === null) return "null";
    if (typeof x === "string") return JSON.stringify(x.length > max ? `${x.slice(0, max)}...` : x);
    if (typeof x === "number" || typeof x === "boolean") return String(x);
    if (Array.isArray(x)) {
      if (depth >= 2) return x.length === 0 ? "[]" : "[...]";
      const parts = x.slice(0, 4).map((e) => walk(e, depth + 1));
      return `[${parts.join(",")}${x.length > 4 ? ",..." : ""}]`;
    }
    if (typeof x === "object") {
      if (depth >= 2) return "{...}";
      const keys = Object.keys(x as object);
      const parts = keys
        .slice(0, 4)
        .map((k) => `${JSON.stringify(k.slice(0, 20))}:${walk((x as Record<string, unknown>)[k], depth + 1)}`);
      return `{${parts.join(",")}${keys.length > 4 ? ",..." : ""}}`;
    }
    return typeof x;
  };
  const s = walk(v, 0);
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/**
 * Deepest nesting of arrays and objects in JSON text, counted without parsing (strings
 * skipped), stopping as soon as `limit` is exceeded. Returns the depth reached (at most
 * limit + 1).
 */
export function jsonNestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 93 || c === 125) depth--;
  }
  return deepest;
}
