/**
 * Benchmark of the data path: how fast, and in how much memory, the library turns a long
 * token x day panel into model inputs.
 *
 *   npx tsx scripts/bench-data.ts                      # 1000 x 1000 and 2000 x 5000 (1M and 10M rows)
 *   npx tsx scripts/bench-data.ts --sizes 200x500      # tokens x days, comma-separated
 *   npx tsx scripts/bench-data.ts --json out.json      # also write the results as JSON
 *
 * Each size runs in its own child process so that its peak RSS (the operating system's
 * high-water mark, `process.resourceUsage().maxRSS`) is its own and not the previous size's.
 * Every stage is timed separately with `timeStage(name, fn)`; RSS is sampled
 * (`process.memoryUsage().rss`) before and after each stage, and the process peak is read
 * after it. Stages are synchronous, so the peak is the only faithful in-stage measure.
 *
 * The panel is generated in-process: seeded random walks with a common market factor,
 * ragged starts and a few missing days, keyed by token-day. Add stages (loading,
 * validation) by calling `timeStage` in `runSize` in data-flow order.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import type { Panel, TokenInfo } from "../lib/data/panel";
import { isoToDay } from "../lib/data/panel";
import { makeRng } from "../lib/runtime/rng";
import { buildFeatures } from "../lib/features/features";
import { splitByDate } from "../lib/features/split";
import { StandardScaler } from "../lib/features/scaler";
import { makeWindows } from "../lib/features/windows";

/** Default sizes, tokens x days: 1M rows, then 10M rows. */
const DEFAULT_SIZES = "1000x1000,2000x5000";
/** First calendar day of the generated panel. */
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

/** Timing and memory of one stage. */
export interface StageResult {
  name: string;
  seconds: number;
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

/**
 * Run `fn`, record its wall time and memory under `name`, and return its result.
 * @param rows rows processed, to report rows/s (a number, or a function of the result).
 */
export function timeStage<T>(name: string, fn: () => T, rows?: number | ((result: T) => number)): T {
  const rssBefore = process.memoryUsage().rss / MB;
  const t0 = process.hrtime.bigint();
  const result = fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = typeof rows === "function" ? rows(result) : rows ?? null;
  const stage: StageResult = {
    name,
    seconds,
    rows: n,
    rowsPerSecond: n === null ? null : n / seconds,
    rssBeforeMB: rssBefore,
    rssAfterMB: process.memoryUsage().rss / MB,
    peakRssMB: peakRssMB(),
  };
  STAGES.push(stage);
  const rate = stage.rowsPerSecond === null ? "" : `, ${Math.round(stage.rowsPerSecond).toLocaleString("en-US")} rows/s`;
  console.error(`  ${name}: ${seconds.toFixed(2)} s${rate}, rss ${stage.rssAfterMB.toFixed(0)} MB, peak ${stage.peakRssMB.toFixed(0)} MB`);
  return result;
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
  for (let t = 0; t < nTokens; t++) first[t] = t === 0 ? 0 : rng.int(Math.max(1, Math.floor(MAX_LATE_START_SHARE * nDays)));
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
  const p: Panel = {
    tokens: Array.from({ length: nTokens }, (_, t): TokenInfo => ({ id: `SYN${t}`, symbol: `SYN${t}`, name: `Synthetic ${t}`, sector: null })),
    token: new Int32Array(n),
    day: new Int32Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    marketCap: new Float64Array(n).fill(NaN),
    anomalyKind: null,
    events: null,
    source: `bench-random-walk(seed=${seed})`,
  };
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

/** Run every stage on one size, in this process. */
function runSize(nTokens: number, nDays: number): void {
  console.error(`${nTokens} tokens x ${nDays} days:`);
  const panel = timeStage("generate panel", () => randomWalkPanel(nTokens, nDays), (p) => p.day.length);
  const table = timeStage("buildFeatures", () => buildFeatures(panel), panel.day.length);
  const split = timeStage("splitByDate", () => splitByDate(table.day, { lookbackDays: table.lookbackDays, windowLength: WINDOW_LENGTH }), table.X.rows);
  const scaler = timeStage("StandardScaler.fit (train)", () => new StandardScaler({ featureNames: table.featureNames, clip: 10 }).fit(table.X, split.train), split.train.length);
  const scaled = timeStage("transform (in place)", () => scaler.transform(table.X, true), table.X.rows);
  timeStage("makeWindows (validation)", () => makeWindows({ ...table, X: scaled }, { length: WINDOW_LENGTH, stride: WINDOW_STRIDE, rows: split.validation }), split.validation.length);
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
  const results: unknown[] = [];
  for (const [t, d] of parseSizes(arg("--sizes") ?? DEFAULT_SIZES)) {
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, "--one", `${t}x${d}`], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 16 * MB });
    if (child.status !== 0) throw new Error(`Benchmark of ${t}x${d} failed with exit code ${child.status}${child.signal ? ` (signal ${child.signal})` : ""}.`);
    results.push(JSON.parse(child.stdout.trim().split("\n").pop()!));
  }
  console.log("\nsize (tokens x days)   panel rows   stage                          seconds   rows/s        peak RSS MB");
  for (const r of results as { tokens: number; days: number; panelRows: number; stages: StageResult[] }[]) {
    for (const s of r.stages) {
      console.log(
        `${`${r.tokens} x ${r.days}`.padEnd(22)} ${String(r.panelRows).padStart(10)}   ${s.name.padEnd(30)} ${s.seconds.toFixed(2).padStart(7)}   ` +
          `${(s.rowsPerSecond === null ? "" : Math.round(s.rowsPerSecond).toLocaleString("en-US")).padStart(11)}   ${s.peakRssMB.toFixed(0).padStart(8)}`,
      );
    }
  }
  const out = arg("--json");
  if (out) {
    const tmp = `${out}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(results, null, 2));
    fs.renameSync(tmp, out);
  }
}

if (require.main === module) main();
