/**
 * Benchmark of the data path: how fast, and in how much memory, the library turns price
 * files into model inputs, and how the time grows with the number of rows.
 *
 * Full pipeline (the default): for each size, a long CSV (token,date,open,high,low,close,
 * volume) is written to a temporary file, then timed are
 *   1. loadPanel("csv", file, { intraday })  read + validate (+ aggregate bars to UTC days)
 *   2. buildFeatures(panel)                    the daily feature rows
 * Two readings of "rows" are covered: "hourly" files of N hourly bars with ISO timestamps
 * (2021-03-04T05:00:00Z), loaded with intraday: true and aggregated to about N / 24 daily
 * rows, and "daily" files of N daily rows with ISO dates. A third layout, "close", is a folder
 * of close-only files, one per pair (open_time,close with "YYYY-MM-DD HH:MM:SS" hourly
 * times, about 25,000 hours per pair as in a public set of 401 pairs and 10M rows), loaded with
 * loadPanel("close", folder): hourly closes aggregated to daily OHLC from the closes, no
 * volume, so the feature set adapts. Writing the file is timed apart
 * and not counted; the file is read back while it is still in the page cache, as a file
 * just downloaded would be. Temporary files are deleted after each size.
 *
 *   npx tsx scripts/bench-data.ts                          # hourly, daily and close, 250k, 1M, 3M and 10M rows
 *   npx tsx scripts/bench-data.ts --rows 250k,1M           # row counts, comma-separated (k, M suffixes)
 *   npx tsx scripts/bench-data.ts --variants close         # hourly, daily and/or close (default: all three)
 *   npx tsx scripts/bench-data.ts --tmp /big/disk          # where the CSVs go (default: the OS temp folder)
 *   npx tsx scripts/bench-data.ts --json out.json          # also write the results as JSON
 *
 * Featurise only (the earlier mode): an in-process random-walk panel, no files, timed
 * through buildFeatures, the date split, the scaler and the windows.
 *
 *   npx tsx scripts/bench-data.ts --features-only                    # 1000 x 1000 and 2000 x 5000 (1M and 10M rows)
 *   npx tsx scripts/bench-data.ts --features-only --sizes 200x500    # tokens x days, comma-separated
 *
 * Each size runs in its own child process so that its peak RSS (the operating system's
 * high-water mark, `process.resourceUsage().maxRSS`) is its own and not the previous size's.
 * Every stage is timed separately with `timeStage(name, fn)`: wall time, CPU time (user +
 * system of the process, steadier than wall time when other jobs share the cores), RSS
 * before and after, and the process peak after it. Stages are synchronous, so the peak is
 * the only faithful in-stage measure.
 *
 * The markets are seeded random walks with a common market factor, ragged starts, token
 * histories of different lengths and a few missing bars (some spanning whole days), so
 * that the gap, aggregation and warm-up paths all run.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Panel, TokenInfo } from "../lib/data/panel";
import { allocatePanel, isoToDay, MS_PER_DAY } from "../lib/data/panel";
import { loadPanel } from "../lib/data/load";
import { makeRng } from "../lib/runtime/rng";
import { buildFeatures } from "../lib/features/features";
import { splitByDate } from "../lib/features/split";
import { StandardScaler } from "../lib/features/scaler";
import { makeWindows } from "../lib/features/windows";

/** Default row counts of the pipeline mode: 1M and 10M (the targets) plus 250k and 3M to show the growth. */
const DEFAULT_ROWS = "250k,1M,3M,10M";
/** Default featurise-only sizes, tokens x days: 1M rows, then 10M rows. */
const DEFAULT_SIZES = "1000x1000,2000x5000";
/** The file layouts of the pipeline mode. */
const VARIANT_NAMES = ["hourly", "daily", "close"] as const;
/** A file layout of the pipeline mode. */
type Variant = (typeof VARIANT_NAMES)[number];

/**
 * Targets at 10M rows: long CSVs (hourly, daily) under 60 s and 4 GB peak RSS; close-only
 * hourly files, which carry far less per row, under 20 s and 2 GB.
 */
const TARGET_ROWS = 10_000_000;
const TARGETS: Record<Variant, { seconds: number; peakMB: number }> = {
  hourly: { seconds: 60, peakMB: 4096 },
  daily: { seconds: 60, peakMB: 4096 },
  close: { seconds: 20, peakMB: 2048 },
};
/** Mean hours per pair of the close-only files: 10M rows over 401 pairs is about 25,000. */
const CLOSE_MEAN_BARS = 25_000;

/** First calendar day of the generated in-process panel (featurise-only mode). */
const START_ISO = "2012-01-01";
/** Share of token-days dropped at random (missing days exercise the gap paths). */
const MISSING_SHARE = 0.002;
/** Ragged starts: a token's history begins up to this share of the calendar late. */
const MAX_LATE_START_SHARE = 0.2;
/** Window settings of the windows stage: the default profile's 30 days, stride 5. */
const WINDOW_LENGTH = 30;
const WINDOW_STRIDE = 5;
/** Seed of the generated market. */
const SEED = 20240607;
const MB = 1024 * 1024;
const MS_PER_HOUR = 3_600_000;

/**
 * Token counts of the files: "a few hundred to a few thousand" tokens, as a broad exchange
 * listing has. Sizes below MIN_TOKENS x the mean history get shorter histories instead,
 * down to MIN_MEAN_DAYS; below that, fewer tokens.
 */
const MIN_TOKENS = 200;
const MAX_TOKENS = 2500;
/**
 * Shortest mean history in days: twice the features' longest warm-up (31 days with the
 * default windows), so that even the shortest histories (mean x (1 - LENGTH_SPREAD))
 * keep feature rows.
 */
const MIN_MEAN_DAYS = 60;
/**
 * Mean history of a token in the hourly files: 240 days = 5,760 bars, so that 10M bars are
 * about 1,700 tokens and every token outlives the features' longest warm-up (30 days).
 */
const HOURLY_MEAN_DAYS = 240;
/**
 * Mean history of a token in the daily files: rows / MAX_TOKENS days, at least a year and
 * at most 4,000 days (11 years, about the oldest coins' histories): 10M rows are 2,500
 * tokens x 4,000 days, 250k rows 685 tokens x 365 days. With lengths of mean x (1 +- 0.25)
 * and starts up to a fifth of the mean late, the calendar is at most ~5,800 days, so from
 * the daily start (2010-01-01) every row falls in the plausible dates that validation
 * keeps (2009-01-03 to now); a longer calendar would have rows dropped as implausible.
 */
const DAILY_MIN_MEAN_DAYS = 365;
const DAILY_MAX_MEAN_DAYS = 4000;
/** Token history lengths are uniform in mean x (1 +- LENGTH_SPREAD), rescaled to sum to the row count. */
const LENGTH_SPREAD = 0.25;
/** Numbers written with about this many significant digits, as exchanges print them. */
const PRICE_DIGITS = 8;

/** Per-layout settings of the generated files. */
interface VariantSpec {
  /** Bar length in ms. */
  barMs: number;
  /** First bar of the calendar (ISO). */
  startIso: string;
  /** Timestamp text of a bar: ISO date-time to the second with Z, or ISO date. */
  format: (ms: number) => string;
  /** Chance that a bar is followed by missing bars, and the longest such gap in bars. */
  gapChance: number;
  maxGapBars: number;
  /** Option `intraday` of loadPanel. */
  intraday: boolean;
  /** One close-only file per token in a folder (open_time,close) instead of one long CSV. */
  perToken: boolean;
}

/**
 * Hourly: a gap after 1 bar in 2,000 (about 3 per token), up to 48 bars long, so that some
 * gaps remove whole days. Daily: a gap after 1 row in 500, up to 5 days long.
 */
const VARIANTS: Record<Variant, VariantSpec> = {
  hourly: {
    barMs: MS_PER_HOUR,
    startIso: "2019-01-01",
    format: (ms) => `${new Date(ms).toISOString().slice(0, 19)}Z`,
    gapChance: 1 / 2000,
    maxGapBars: 48,
    intraday: true,
    perToken: false,
  },
  close: {
    barMs: MS_PER_HOUR,
    startIso: "2019-01-01",
    format: (ms) => new Date(ms).toISOString().slice(0, 19).replace("T", " "),
    gapChance: 1 / 2000,
    maxGapBars: 48,
    intraday: true,
    perToken: true,
  },
  daily: {
    barMs: MS_PER_DAY,
    startIso: "2010-01-01",
    format: (ms) => new Date(ms).toISOString().slice(0, 10),
    gapChance: 1 / 500,
    maxGapBars: 5,
    intraday: false,
    perToken: false,
  },
};

/** Timing and memory of one stage. */
export interface StageResult {
  name: string;
  /** Wall time. */
  seconds: number;
  /** CPU time of the process (user + system, all threads) during the stage. */
  cpuSeconds: number;
  /** Rows the stage processed (for rows/s), when meaningful. */
  rows: number | null;
  rowsPerSecond: number | null;
  rssBeforeMB: number;
  rssAfterMB: number;
  /** Process peak RSS so far (OS high-water mark), MB. */
  peakRssMB: number;
}

/** Stages timed so far in this process, in order. */
export const STAGES: StageResult[] = [];

function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Run `fn`, record its wall time, CPU time and memory under `name`, and return its result.
 * @param rows rows processed, to report rows/s (a number, or a function of the result).
 */
export function timeStage<T>(name: string, fn: () => T, rows?: number | ((result: T) => number)): T {
  const rssBefore = process.memoryUsage().rss / MB;
  const cpu0 = cpuSeconds();
  const t0 = process.hrtime.bigint();
  const result = fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds() - cpu0;
  const n = typeof rows === "function" ? rows(result) : (rows ?? null);
  const stage: StageResult = {
    name,
    seconds,
    cpuSeconds: cpu,
    rows: n,
    rowsPerSecond: n === null ? null : n / seconds,
    rssBeforeMB: rssBefore,
    rssAfterMB: process.memoryUsage().rss / MB,
    peakRssMB: peakRssMB(),
  };
  STAGES.push(stage);
  const rate = stage.rowsPerSecond === null ? "" : `, ${fmtInt(stage.rowsPerSecond)} rows/s`;
  console.error(
    `  ${name}: ${seconds.toFixed(2)} s (cpu ${cpu.toFixed(2)} s)${rate}, rss ${stage.rssAfterMB.toFixed(0)} MB, peak ${stage.peakRssMB.toFixed(0)} MB`,
  );
  return result;
}

function fmtInt(v: number): string {
  return Math.round(v).toLocaleString("en-US");
}

/**
 * A synthetic panel of random walks: `nTokens` tokens over `nDays` calendar days, a shared
 * market factor, ragged starts and MISSING_SHARE of days missing. Sorted by (token, day).
 */
export function randomWalkPanel(nTokens: number, nDays: number, seed = SEED): Panel {
  const rng = makeRng(seed);
  const startDay = isoToDay(START_ISO);
  const market = new Float64Array(nDays);
  for (let d = 0; d < nDays; d++) market[d] = rng.normal(0, 0.03);
  const first = new Int32Array(nTokens);
  for (let t = 0; t < nTokens; t++)
    first[t] = t === 0 ? 0 : rng.int(Math.max(1, Math.floor(MAX_LATE_START_SHARE * nDays)));
  // Missing days are drawn in a first pass so the arrays can be allocated at their exact size.
  const present = new Uint8Array(nTokens * nDays);
  let n = 0;
  for (let t = 0; t < nTokens; t++) {
    for (let d = first[t]!; d < nDays; d++) {
      if (rng.uniform() >= MISSING_SHARE) {
        present[t * nDays + d] = 1;
        n++;
      }
    }
  }
  const p: Panel = allocatePanel(
    n,
    Array.from(
      { length: nTokens },
      (_, t): TokenInfo => ({ id: `SYN${t}`, symbol: `SYN${t}`, name: `Synthetic ${t}`, sector: null }),
    ),
    `bench-random-walk(seed=${seed})`,
  );
  let i = 0;
  for (let t = 0; t < nTokens; t++) {
    const beta = 0.5 + rng.uniform();
    const sigma = 0.02 + 0.06 * rng.uniform();
    let c = Math.exp(rng.normal(0, 3));
    const baseVolume = Math.exp(rng.normal(14, 2));
    for (let d = first[t]!; d < nDays; d++) {
      const o = c * Math.exp(rng.normal(0, 0.2 * sigma));
      c = c * Math.exp(beta * market[d]! + rng.normal(0, sigma));
      if (!present[t * nDays + d]) continue;
      p.token[i] = t;
      p.day[i] = startDay + d;
      p.open[i] = o;
      p.close[i] = c;
      p.high[i] = Math.max(o, c) * Math.exp(Math.abs(rng.normal(0, 0.5 * sigma)));
      p.low[i] = Math.min(o, c) * Math.exp(-Math.abs(rng.normal(0, 0.5 * sigma)));
      p.volume[i] = baseVolume * Math.exp(rng.normal(0, 0.5));
      i++;
    }
  }
  return p;
}

/** Shape of a generated long CSV: how many tokens, and each one's number of rows. */
export interface CsvShape {
  variant: Variant;
  rows: number;
  tokens: number;
  /** Mean rows (bars) per token. */
  meanBars: number;
}

/** Tokens and mean history length for `rows` rows of `variant` (see MIN_TOKENS, HOURLY_MEAN_DAYS, DAILY_*). */
export function csvShape(variant: Variant, rows: number): CsvShape {
  let tokens: number;
  if (variant === "hourly") {
    tokens = Math.round(rows / (HOURLY_MEAN_DAYS * 24));
  } else if (variant === "close") {
    tokens = Math.round(rows / CLOSE_MEAN_BARS);
  } else {
    const days = Math.min(DAILY_MAX_MEAN_DAYS, Math.max(DAILY_MIN_MEAN_DAYS, rows / MAX_TOKENS));
    tokens = Math.round(rows / days);
  }
  const barsPerDay = MS_PER_DAY / VARIANTS[variant].barMs;
  const fewest = variant === "close" ? 1 : MIN_TOKENS;
  tokens = Math.min(MAX_TOKENS, Math.max(fewest, tokens), Math.floor(rows / (MIN_MEAN_DAYS * barsPerDay)));
  tokens = Math.max(1, tokens);
  return { variant, rows, tokens, meanBars: rows / tokens };
}

/** What writeLongCsv wrote. */
export interface CsvWritten extends CsvShape {
  file: string;
  bytes: number;
  /** Calendar bars from the first to the last timestamp of the file. */
  calendarBars: number;
  seconds: number;
}

/**
 * Write a long CSV of exactly `shape.rows` rows: per token a seeded random walk
 * (hourly volatility = daily / sqrt 24) on a shared market factor, open = previous close,
 * high >= max(open, close) >= min(open, close) >= low > 0, per-token tick sizes giving
 * about PRICE_DIGITS significant digits. Tokens start up to a fifth of the mean history
 * late; after a bar, with the variant's gap chance, up to maxGapBars bars are missing.
 * Rows are in (token, time) order, as an export would write them.
 */
export function writeLongCsv(file: string, shape: CsvShape, seed = SEED): CsvWritten {
  const t0 = process.hrtime.bigint();
  const spec = VARIANTS[shape.variant];
  const rng = makeRng(seed).fork(`csv:${shape.variant}:${shape.rows}`);
  const marketRng = rng.fork("market");
  const startMs = isoToDay(spec.startIso) * MS_PER_DAY;
  const barsPerDay = MS_PER_DAY / spec.barMs;
  // Per-bar market factor and timestamp texts, grown on demand (one draw per calendar bar, in
  // calendar order, so the values do not depend on how far the tokens reach).
  let market = new Float64Array(0);
  const stamps: string[] = [];
  const marketSd = 0.03 / Math.sqrt(barsPerDay);
  const grow = (upTo: number): void => {
    if (upTo < market.length) return;
    const next = new Float64Array(Math.max(upTo + 1, market.length * 2, 1024));
    next.set(market);
    for (let h = market.length; h < next.length; h++) {
      next[h] = marketRng.normal(0, marketSd);
      stamps.push(spec.format(startMs + h * spec.barMs));
    }
    market = next;
  };
  // history lengths: uniform spread, rescaled so they sum to exactly `rows`
  const lengths = new Float64Array(shape.tokens);
  let sum = 0;
  for (let t = 0; t < shape.tokens; t++) sum += lengths[t] = rng.range(1 - LENGTH_SPREAD, 1 + LENGTH_SPREAD);
  const counts = new Int32Array(shape.tokens);
  let assigned = 0;
  for (let t = 0; t < shape.tokens; t++)
    assigned += counts[t] = Math.max(1, Math.floor((lengths[t]! / sum) * shape.rows));
  for (let t = 0; assigned < shape.rows; t = (t + 1) % shape.tokens, assigned++) counts[t]!++;
  for (let t = 0; assigned > shape.rows; t = (t + 1) % shape.tokens) {
    if (counts[t]! > 1) {
      counts[t]!--;
      assigned--;
    }
  }
  const idWidth = String(shape.tokens - 1).length;
  const lateStart = Math.max(1, Math.floor(MAX_LATE_START_SHARE * shape.meanBars));

  // Long CSV: one file. Close-only: `file` is a folder with one open_time,close file per token.
  if (spec.perToken) fs.mkdirSync(file, { recursive: true });
  let fd = spec.perToken ? -1 : fs.openSync(file, "w");
  let bytes = 0;
  let buf = spec.perToken ? "" : "token,date,open,high,low,close,volume\n";
  const flush = (): void => {
    bytes += fs.writeSync(fd, buf);
    buf = "";
  };
  let lastBar = 0;
  try {
    for (let t = 0; t < shape.tokens; t++) {
      const id = `T${String(t).padStart(idWidth, "0")},`;
      if (spec.perToken) {
        if (fd >= 0) {
          flush();
          fs.closeSync(fd);
        }
        fd = fs.openSync(path.join(file, `T${String(t).padStart(idWidth, "0")}USDT.csv`), "w");
        buf = "open_time,close\n";
      }
      const beta = rng.range(0.5, 1.5);
      const sigma = (0.02 + 0.06 * rng.uniform()) / Math.sqrt(barsPerDay);
      let c = Math.exp(rng.normal(0, 3));
      // tick size: 10^-decimals, so that the first price has about PRICE_DIGITS digits
      const decimals = Math.min(12, Math.max(2, PRICE_DIGITS - 1 - Math.floor(Math.log10(c))));
      const scale = 10 ** decimals;
      const price = (p: number): string => String(Math.max(1, Math.round(p * scale)) / scale);
      const baseVolume = Math.exp(rng.normal(10, 2));
      let h = rng.int(lateStart);
      for (let k = 0; k < counts[t]!; k++, h++) {
        if (k > 0 && rng.uniform() < spec.gapChance) h += 1 + rng.int(spec.maxGapBars);
        grow(h);
        const o = c;
        c = c * Math.exp(beta * market[h]! + rng.normal(0, sigma));
        const hi = Math.max(o, c) * Math.exp(Math.abs(rng.normal(0, 0.5 * sigma)));
        const lo = Math.min(o, c) * Math.exp(-Math.abs(rng.normal(0, 0.5 * sigma)));
        const v = Math.round(baseVolume * Math.exp(rng.normal(0, 0.5)) * 100) / 100;
        if (spec.perToken) buf += `${stamps[h]},${price(c)}\n`;
        else buf += `${id}${stamps[h]},${price(o)},${price(hi)},${price(lo)},${price(c)},${v}\n`;
        if (buf.length >= MB) flush();
      }
      if (h > lastBar) lastBar = h;
    }
    flush();
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
  return { ...shape, file, bytes, calendarBars: lastBar, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** Result of one pipeline run (one child process). */
interface PipelineResult {
  variant: Variant;
  rows: number;
  tokens: number;
  fileMB: number;
  generateSeconds: number;
  panelRows: number;
  rowsMerged: number;
  featureRows: number;
  features: number;
  validation: { check: string; action: string; count: number }[];
  gaps: { count: number; tokensWithGaps: number; longest: number };
  stages: StageResult[];
  peakRssMB: number;
}

/** Child: time loadPanel and buildFeatures on one generated file. */
function runPipeline(variant: Variant, file: string, rows: number): Omit<PipelineResult, "fileMB" | "generateSeconds"> {
  const spec = VARIANTS[variant];
  const { panel, report } = timeStage(
    "load + validate",
    () => (spec.perToken ? loadPanel("close", file) : loadPanel("csv", file, { intraday: spec.intraday })),
    rows,
  );
  if (report.rowsRead !== rows)
    throw new Error(
      `The loader read ${report.rowsRead} rows of ${file}, but ${rows} were written: the benchmark input or the loader is wrong.`,
    );
  const table = timeStage("buildFeatures", () => buildFeatures(panel), panel.day.length);
  const validation = report.entries.map((e) => ({ check: e.check, action: e.action, count: e.count }));
  console.error(
    `  validation: ${fmtInt(report.rowsRead)} read, ${fmtInt(report.rowsKept)} daily rows kept, ${fmtInt(report.rowsMerged)} bars merged, ` +
      `${fmtInt(report.gaps.count)} missing days; ${validation.map((e) => `${e.check} ${fmtInt(e.count)}`).join(", ")}`,
  );
  console.error(
    `  features: ${fmtInt(table.X.rows)} rows x ${table.X.cols}; dropped ${table.dropped.map((d) => `${d.reason} ${fmtInt(d.count)}`).join(", ") || "none"}` +
      (table.leftOut.length ? `; left out ${table.leftOut.map((x) => x.feature).join(", ")}` : ""),
  );
  return {
    variant,
    rows,
    tokens: report.tokens,
    panelRows: panel.day.length,
    rowsMerged: report.rowsMerged,
    featureRows: table.X.rows,
    features: table.X.cols,
    validation,
    gaps: report.gaps,
    stages: STAGES,
    peakRssMB: peakRssMB(),
  };
}

/** Child: every stage of the featurise-only mode on one size. */
function runSize(nTokens: number, nDays: number): void {
  console.error(`${nTokens} tokens x ${nDays} days:`);
  const panel = timeStage(
    "generate panel",
    () => randomWalkPanel(nTokens, nDays),
    (p) => p.day.length,
  );
  const table = timeStage("buildFeatures", () => buildFeatures(panel), panel.day.length);
  const split = timeStage(
    "splitByDate",
    () => splitByDate(table.day, { lookbackDays: table.lookbackDays, windowLength: WINDOW_LENGTH }),
    table.X.rows,
  );
  const scaler = timeStage(
    "StandardScaler.fit (train)",
    () => new StandardScaler({ featureNames: table.featureNames, clip: 10 }).fit(table.X, split.train),
    split.train.length,
  );
  const scaled = timeStage("transform (in place)", () => scaler.transform(table.X, true), table.X.rows);
  timeStage(
    "makeWindows (validation)",
    () =>
      makeWindows({ ...table, X: scaled }, { length: WINDOW_LENGTH, stride: WINDOW_STRIDE, rows: split.validation }),
    split.validation.length,
  );
  const summary = {
    tokens: nTokens,
    days: nDays,
    panelRows: panel.day.length,
    featureRows: table.X.rows,
    features: table.X.cols,
    dropped: table.dropped,
    stages: STAGES,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

function parseSizes(text: string): [number, number][] {
  return text.split(",").map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`Bad size "${s}": use TOKENSxDAYS, e.g. 1000x1000.`);
    return [Number(m[1]), Number(m[2])];
  });
}

/** "250k" -> 250000, "1M" -> 1000000, "1.5M", "300000". */
function parseRowCounts(text: string): number[] {
  return text.split(",").map((s) => {
    const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
    const v = m ? Math.round(Number(m[1]) * (m[2] === "" ? 1 : /k/i.test(m[2]!) ? 1e3 : 1e6)) : NaN;
    if (!(v >= 1))
      throw new Error(`Bad row count "${s}": use positive counts such as 250k, 1M or 300000, separated by commas.`);
    return v;
  });
}

function parseVariants(text: string): Variant[] {
  return text.split(",").map((s) => {
    const v = s.trim();
    if (!(VARIANT_NAMES as readonly string[]).includes(v))
      throw new Error(`Bad variant "${s}": use ${VARIANT_NAMES.join(" and/or ")}, separated by commas.`);
    return v as Variant;
  });
}

/** Run this script again in a child process and return the JSON object it prints last. */
function runChild<T>(args: string[], what: string): T {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 16 * MB,
  });
  if (child.status !== 0)
    throw new Error(
      `Benchmark of ${what} failed with exit code ${child.status}${child.signal ? ` (signal ${child.signal})` : ""}.`,
    );
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as T;
}

function writeJson(out: string, value: unknown): void {
  const tmp = `${out}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2));
  fs.renameSync(tmp, out);
}

function featuresOnly(sizesText: string, out: string | undefined): void {
  const results: unknown[] = [];
  for (const [t, d] of parseSizes(sizesText)) results.push(runChild(["--one", `${t}x${d}`], `${t}x${d}`));
  console.log(
    "\nsize (tokens x days)   panel rows   stage                          seconds   cpu s   rows/s        peak RSS MB",
  );
  for (const r of results as { tokens: number; days: number; panelRows: number; stages: StageResult[] }[]) {
    for (const s of r.stages) {
      console.log(
        `${`${r.tokens} x ${r.days}`.padEnd(22)} ${String(r.panelRows).padStart(10)}   ${s.name.padEnd(30)} ${s.seconds.toFixed(2).padStart(7)}  ${s.cpuSeconds.toFixed(2).padStart(6)}   ` +
          `${(s.rowsPerSecond === null ? "" : fmtInt(s.rowsPerSecond)).padStart(11)}   ${s.peakRssMB.toFixed(0).padStart(8)}`,
      );
    }
  }
  if (out) writeJson(out, results);
}

/** Slope of log(y) on log(x): y grows as x^slope. */
function logLogSlope(x: number[], y: number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

function shortRows(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

function printPipelineTable(variant: Variant, results: PipelineResult[]): void {
  if (results.length === 0) return;
  const spec = VARIANTS[variant];
  const base = results.reduce((a, b) => (b.rows < a.rows ? b : a));
  const total = (r: PipelineResult): { wall: number; cpu: number } => ({
    wall: r.stages.reduce((s, x) => s + x.seconds, 0),
    cpu: r.stages.reduce((s, x) => s + x.cpuSeconds, 0),
  });
  const baseT = total(base);
  const titles: Record<Variant, string> = {
    hourly: "Hourly bars (ISO date-times) -> loadPanel intraday: true, aggregated to UTC days -> buildFeatures",
    daily: "Daily rows (ISO dates) -> loadPanel -> buildFeatures",
    close:
      "Close-only hourly files, one per pair (open_time,close) -> loadPanel close, daily OHLC from closes -> buildFeatures (no volume features)",
  };
  console.log(`\n${titles[variant]}`);
  console.log(
    `${"rows".padStart(6)}  ${"tokens".padStart(6)}  ${"file MB".padStart(7)}  ${"gen s*".padStart(6)}  ${"daily rows".padStart(10)}  ${"feat rows".padStart(10)}  ` +
      `${"load+validate s (cpu)".padStart(21)}  ${"features s (cpu)".padStart(17)}  ${"total s (cpu)".padStart(15)}  ` +
      `${"load rows/s".padStart(11)}  ${"pipeline rows/s".padStart(15)}  ${"peak RSS MB".padStart(11)}  ${`s/row vs ${shortRows(base.rows)} wall, cpu`.padStart(22)}`,
  );
  for (const r of results) {
    const load = r.stages.find((s) => s.name === "load + validate")!;
    const feat = r.stages.find((s) => s.name === "buildFeatures")!;
    const t = total(r);
    const growthWall = t.wall / r.rows / (baseT.wall / base.rows);
    const growthCpu = t.cpu / r.rows / (baseT.cpu / base.rows);
    console.log(
      `${shortRows(r.rows).padStart(6)}  ${String(r.tokens).padStart(6)}  ${r.fileMB.toFixed(0).padStart(7)}  ${r.generateSeconds.toFixed(1).padStart(6)}  ` +
        `${fmtInt(r.panelRows).padStart(10)}  ${fmtInt(r.featureRows).padStart(10)}  ` +
        `${`${load.seconds.toFixed(2)} (${load.cpuSeconds.toFixed(2)})`.padStart(21)}  ${`${feat.seconds.toFixed(2)} (${feat.cpuSeconds.toFixed(2)})`.padStart(17)}  ` +
        `${`${t.wall.toFixed(2)} (${t.cpu.toFixed(2)})`.padStart(15)}  ${fmtInt(r.rows / load.seconds).padStart(11)}  ${fmtInt(r.rows / t.wall).padStart(15)}  ` +
        `${r.peakRssMB.toFixed(0).padStart(11)}  ${`${growthWall.toFixed(2)}, ${growthCpu.toFixed(2)}`.padStart(22)}`,
    );
  }
  if (results.length >= 2) {
    const rows = results.map((r) => r.rows);
    console.log(
      `time grows as rows^${logLogSlope(
        rows,
        results.map((r) => total(r).wall),
      ).toFixed(2)} (wall), rows^${logLogSlope(
        rows,
        results.map((r) => total(r).cpu),
      ).toFixed(2)} (cpu) ` +
        `from ${shortRows(Math.min(...rows))} to ${shortRows(Math.max(...rows))} rows (1.00 = linear)`,
    );
  }
  const target = TARGETS[variant];
  for (const r of results.filter((x) => x.rows === TARGET_ROWS)) {
    const t = total(r);
    const ok = t.wall < target.seconds && r.peakRssMB < target.peakMB;
    console.log(
      `target (${shortRows(TARGET_ROWS)} ${spec.intraday ? "bars" : "rows"} <= ${target.seconds} s, <= ${target.peakMB} MB): ${t.wall.toFixed(1)} s wall (${t.cpu.toFixed(1)} s cpu), ` +
        `${r.peakRssMB.toFixed(0)} MB peak -> ${ok ? "met" : "NOT met"}`,
    );
  }
}

function pipeline(rowCounts: number[], variants: Variant[], tmpRoot: string, out: string | undefined): void {
  if (!fs.existsSync(tmpRoot))
    throw new Error(`Temporary folder ${tmpRoot} does not exist: create it or pass another with --tmp.`);
  const dir = fs.mkdtempSync(path.join(tmpRoot, "bench-data-"));
  const cleanup = (): void => fs.rmSync(dir, { recursive: true, force: true });
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));
  console.log(
    `data benchmark: ${variants.join(" + ")} files of ${rowCounts.map(shortRows).join(", ")} rows; ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")}`,
  );
  const results: PipelineResult[] = [];
  try {
    for (const variant of variants) {
      for (const rows of rowCounts) {
        const shape = csvShape(variant, rows);
        const file = path.join(dir, VARIANTS[variant].perToken ? `${variant}-${rows}` : `${variant}-${rows}.csv`);
        try {
          console.error(
            `${variant}, ${fmtInt(rows)} rows, ${shape.tokens} tokens x ${fmtInt(shape.meanBars)} ${variant === "daily" ? "days" : "bars"} on average:`,
          );
          const written = writeLongCsv(file, shape);
          console.error(
            `  write CSV (not counted): ${written.seconds.toFixed(1)} s, ${(written.bytes / MB).toFixed(0)} MB, ${fmtInt(written.calendarBars)} calendar ${variant === "daily" ? "days" : "hours"}`,
          );
          const r = runChild<Omit<PipelineResult, "fileMB" | "generateSeconds">>(
            ["--one-pipeline", file, "--variant", variant, "--rows", String(rows)],
            `${variant} ${rows} rows`,
          );
          results.push({ ...r, fileMB: written.bytes / MB, generateSeconds: written.seconds });
        } finally {
          fs.rmSync(file, { force: true, recursive: true });
        }
      }
    }
  } finally {
    cleanup();
  }
  console.log(
    `\nload average at the end: ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")} (wall time suffers when it is above the ${os.cpus().length} cores; cpu time much less)`,
  );
  for (const variant of variants)
    printPipelineTable(
      variant,
      results.filter((r) => r.variant === variant),
    );
  console.log("* writing the CSV is not part of the pipeline and is not counted in any rate.");
  if (out) writeJson(out, results);
}

function main(): void {
  const args = process.argv.slice(2);
  const arg = (flag: string): string | undefined => {
    const k = args.indexOf(flag);
    return k >= 0 ? args[k + 1] : undefined;
  };
  const one = arg("--one");
  if (one) {
    const [[t, d]] = parseSizes(one) as [[number, number]];
    runSize(t, d);
    return;
  }
  const onePipeline = arg("--one-pipeline");
  if (onePipeline) {
    const result = runPipeline(
      parseVariants(arg("--variant") ?? "")[0]!,
      onePipeline,
      parseRowCounts(arg("--rows") ?? "")[0]!,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  if (args.includes("--features-only")) {
    if (arg("--rows") !== undefined || arg("--variants") !== undefined)
      throw new Error(
        "--rows and --variants belong to the pipeline mode; with --features-only give --sizes TOKENSxDAYS.",
      );
    featuresOnly(arg("--sizes") ?? DEFAULT_SIZES, arg("--json"));
    return;
  }
  if (arg("--sizes") !== undefined)
    throw new Error(
      "--sizes TOKENSxDAYS belongs to --features-only; the pipeline mode takes --rows (e.g. --rows 250k,1M).",
    );
  pipeline(
    parseRowCounts(arg("--rows") ?? DEFAULT_ROWS),
    parseVariants(arg("--variants") ?? VARIANT_NAMES.join(",")),
    arg("--tmp") ?? os.tmpdir(),
    arg("--json"),
  );
}

if (require.main === module) main();
