/**
 * Downloader for Binance's public bulk kline archives (data.binance.vision).
 *
 * Layout on the server, one zip per symbol, interval and month (or day):
 *
 *   {base}/data/spot/monthly/klines/{SYMBOL}/{INTERVAL}/{SYMBOL}-{INTERVAL}-{YYYY}-{MM}.zip
 *   {base}/data/spot/daily/klines/{SYMBOL}/{INTERVAL}/{SYMBOL}-{INTERVAL}-{YYYY}-{MM}-{DD}.zip
 *
 * each with `<zip URL>.CHECKSUM` holding "<sha256 hex>  <zip name>", each zip holding one
 * 12-column CSV. The CSVs land in `{cacheDir}/{SYMBOL}/{INTERVAL}/`, the folder the Binance
 * loader reads.
 *
 * Why it is built this way: a multi-year, multi-symbol download is thousands of requests to
 * a public CDN, so it must be polite (bounded concurrency, backoff, Retry-After), resumable
 * (a finished CSV is never fetched again; an interrupted download continues from its `.part`
 * file; nothing half-written ever carries a final name), and honest (months before a listing
 * answer 404 and are counted as "not available", not as failures; a checksum mismatch, an
 * empty body or a corrupt zip is discarded and reported with the file and the reason).
 *
 * Note for readers of the folder: monthly and daily archives of the same period both land in
 * the same folder under different names; download one granularity per period range, or let
 * the loader drop duplicate (token, day) keys.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_SEED, loadConfig } from "../../config";
import { makeRng } from "../../runtime/rng";
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_MAX_RETRY_AFTER_MS,
  downloadToFile,
  fetchText,
  mapPool,
  sleep as realSleep,
  type FetchLike,
  type RequestOptions,
  type RetryInfo,
  type RetryPolicy,
} from "./http";
import { extractZipEntry, readZipEntries, ZipError } from "./zip";

/** Public host of Binance's bulk data. */
export const BINANCE_BASE_URL = "https://data.binance.vision";

/** Kline intervals Binance publishes bulk archives for. */
export const BINANCE_INTERVALS = [
  "1s",
  "1m",
  "3m",
  "5m",
  "15m",
  "30m",
  "1h",
  "2h",
  "4h",
  "6h",
  "8h",
  "12h",
  "1d",
  "3d",
  "1w",
  "1mo",
] as const;
/** One of {@link BINANCE_INTERVALS}. */
export type BinanceInterval = (typeof BINANCE_INTERVALS)[number];

/** Archive granularities: one zip per month, or one per day. */
export const GRANULARITIES = ["monthly", "daily"] as const;
/** One of {@link GRANULARITIES}. */
export type Granularity = (typeof GRANULARITIES)[number];

/** Default parallel downloads: 3 keeps a public CDN happy and already hides most request latency. */
export const DEFAULT_CONCURRENCY = 3;
/** Most parallel downloads allowed: beyond 16 a public mirror starts answering 429. */
export const MAX_CONCURRENCY = 16;
/** Default retries per request after the first attempt (with 500 ms base: waits ~0.5, 1, 2, 4 s). */
export const DEFAULT_RETRIES = 4;
/** Most retries allowed (2^10 x base already exceeds the backoff cap). */
export const MAX_RETRIES = 10;
/** Default first backoff in ms; doubles per retry. */
export const DEFAULT_BACKOFF_MS = 500;
/** Binance symbols are upper-case letters and digits (BTCUSDT, 1INCHUSDT); 30 is generous. */
const SYMBOL_PATTERN = /^[A-Z0-9]{2,30}$/;
/** 24 h x 3600 s x 1000 ms (UTC days have no leap adjustments in Date arithmetic). */
const MS_PER_DAY = 86_400_000;
/** Length of a SHA-256 digest in hex. */
const SHA256_HEX_LENGTH = 64;

/** Options of {@link downloadKlines}. */
export interface DownloadKlinesOptions {
  /** Binance symbols, e.g. ["BTCUSDT", "ETHUSDT"] (upper-cased; duplicates dropped). */
  symbols: string[];
  /** Kline interval, e.g. "1d" or "1h". */
  interval: BinanceInterval | string;
  /** First period, "YYYY-MM" (daily also takes "YYYY-MM-DD"), inclusive. */
  from: string;
  /** Last period, "YYYY-MM" (daily also takes "YYYY-MM-DD"), inclusive; a month means its last day. */
  to: string;
  /** One archive per month (default) or per day. */
  granularity?: Granularity;
  /** Server root, default {@link BINANCE_BASE_URL}. */
  baseUrl?: string;
  /** Where CSVs land as {SYMBOL}/{INTERVAL}/*.csv; default data/raw/binance under the project root. */
  cacheDir?: string;
  /** Parallel archive downloads, 1..{@link MAX_CONCURRENCY}; default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  /** Retries per request on network errors, 408, 429 and 5xx; default {@link DEFAULT_RETRIES}. */
  retries?: number;
  /** First backoff in ms, doubling per retry, plus up to 25% seeded jitter; default {@link DEFAULT_BACKOFF_MS}. */
  backoffMs?: number;
  /** Cap on one backoff wait in ms; default 30 s. */
  maxBackoffMs?: number;
  /** Longest Retry-After honoured in ms (longer fails the archive); default 60 s. */
  maxRetryAfterMs?: number;
  /** Check each zip against its .CHECKSUM when the server offers one (default true). */
  verifyChecksum?: boolean;
  /** Keep the verified zip next to its CSV (default false: the CSV is the cache). */
  keepZip?: boolean;
  /** Abort a request that receives nothing for this long, ms; default 60 s. */
  idleTimeoutMs?: number;
  /** Seed of the backoff jitter; default the project seed. */
  seed?: number;
  /** `fetch` to use; default Node's global fetch. */
  fetchImpl?: FetchLike;
  /** Wait function for backoff; default a real timer (tests record delays instead). */
  sleepImpl?: (ms: number) => Promise<void>;
  /** Told when each archive finishes and before each retry. */
  onProgress?: (event: DownloadEvent) => void;
}

/** One archive to fetch. */
export interface KlineArchive {
  symbol: string;
  interval: string;
  granularity: Granularity;
  /** "YYYY-MM" (monthly) or "YYYY-MM-DD" (daily). */
  period: string;
  /** URL of the zip. */
  url: string;
  /** URL of the zip's checksum file. */
  checksumUrl: string;
  /** File name of the zip, e.g. BTCUSDT-1d-2021-01.zip. */
  zipName: string;
  /** File name the CSV is stored under, e.g. BTCUSDT-1d-2021-01.csv. */
  csvName: string;
}

/** Progress of a download run: `done` archives finished out of `total`. */
export type DownloadEvent =
  | { kind: "cached"; archive: KlineArchive; done: number; total: number; file: string }
  | {
      kind: "downloaded";
      archive: KlineArchive;
      done: number;
      total: number;
      file: string;
      /** Size of the zip in bytes. */
      bytes: number;
      /** True when checked against the server's .CHECKSUM. */
      verified: boolean;
      /** Bytes taken over from an earlier interrupted download (0 = fresh). */
      resumedFrom: number;
    }
  | { kind: "missing"; archive: KlineArchive; done: number; total: number }
  | { kind: "failed"; archive: KlineArchive; done: number; total: number; error: string }
  | { kind: "retry"; archive: KlineArchive; done: number; total: number; retry: RetryInfo };

/** What a run did. */
export interface DownloadSummary {
  /** Archives considered (symbols x periods). */
  archives: number;
  /** Archives fetched and extracted in this run. */
  downloaded: number;
  /** Archives whose CSV (or verified zip) was already in the cache; no request made. */
  cached: number;
  /** Archives the server does not have (404), e.g. months before a listing. */
  missing: number;
  /** URLs of the missing archives ("not available"). */
  notAvailable: string[];
  /** URLs downloaded without a checksum because the server offered none. */
  unverified: string[];
  /** Archives that failed, with the reason. */
  failed: { url: string; error: string }[];
  /** Absolute paths of every CSV now in the cache for the request (downloaded + cached), sorted. */
  files: string[];
  /** Archive bytes received over the network, failed and retried attempts included (checksum files not counted). */
  bytes: number;
  /** The cache folder used. */
  cacheDir: string;
}

/** The default cache folder: data/raw/binance under the project root (honours CAE_ROOT). */
export function defaultCacheDir(): string {
  return path.join(loadConfig().paths.raw, "binance");
}

interface DayParts {
  y: number;
  m: number;
  d: number;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** Parse a period bound; a month as `from` means its first day, as `to` its last. */
function parseBound(value: string, which: "from" | "to", granularity: Granularity): DayParts {
  const shapes = granularity === "daily" ? '"YYYY-MM" or "YYYY-MM-DD"' : '"YYYY-MM"';
  const m = granularity === "daily" ? /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(value) : /^(\d{4})-(\d{2})$/.exec(value);
  if (!m)
    throw new Error(
      `${which} "${value}" is not a valid ${granularity} period: use ${shapes}, e.g. ${which === "from" ? "2021-01" : "2024-12"}.`,
    );
  const y = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) throw new Error(`${which} "${value}" has month ${m[2]}: months run 01..12.`);
  if (m[3] !== undefined) {
    const d = Number(m[3]);
    if (d < 1 || d > daysInMonth(y, month))
      throw new Error(`${which} "${value}" has day ${m[3]}: ${y}-${m[2]} has ${daysInMonth(y, month)} days.`);
    return { y, m: month, d };
  }
  return { y, m: month, d: which === "from" ? 1 : daysInMonth(y, month) };
}

/** Every period from `from` to `to` inclusive: "YYYY-MM" for monthly, "YYYY-MM-DD" for daily. */
export function listPeriods(from: string, to: string, granularity: Granularity): string[] {
  const a = parseBound(from, "from", granularity);
  const b = parseBound(to, "to", granularity);
  const start = Date.UTC(a.y, a.m - 1, a.d);
  const end = Date.UTC(b.y, b.m - 1, b.d);
  if (start > end) throw new Error(`from "${from}" is after to "${to}": swap them.`);
  const out: string[] = [];
  if (granularity === "monthly") {
    let y = a.y;
    let m = a.m;
    while (y < b.y || (y === b.y && m <= b.m)) {
      out.push(`${y}-${pad2(m)}`);
      m++;
      if (m > 12) {
        m = 1;
        y++;
      }
    }
  } else {
    for (let t = start; t <= end; t += MS_PER_DAY) {
      const d = new Date(t);
      out.push(`${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`);
    }
  }
  return out;
}

/** Validate and normalise a symbol list (upper case, no duplicates). */
export function normaliseSymbols(symbols: readonly string[]): string[] {
  if (!Array.isArray(symbols) || symbols.length === 0)
    throw new Error("symbols is empty: give at least one Binance symbol, e.g. BTCUSDT.");
  const out: string[] = [];
  for (const raw of symbols) {
    const s = String(raw).trim().toUpperCase();
    if (!SYMBOL_PATTERN.test(s))
      throw new Error(`symbol "${raw}" is not a Binance symbol: use letters and digits only, e.g. BTCUSDT.`);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** Check an interval against {@link BINANCE_INTERVALS}. */
export function checkInterval(interval: string): BinanceInterval {
  if (!(BINANCE_INTERVALS as readonly string[]).includes(interval)) {
    throw new Error(
      `interval "${interval}" is not a Binance kline interval. Allowed: ${BINANCE_INTERVALS.join(", ")}.`,
    );
  }
  return interval as BinanceInterval;
}

function checkBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`baseUrl "${baseUrl}" is not a URL: use e.g. ${BINANCE_BASE_URL}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`baseUrl "${baseUrl}" must be http(s), e.g. ${BINANCE_BASE_URL}.`);
  return baseUrl.replace(/\/+$/, "");
}

/** URL of one archive. */
export function archiveUrl(
  baseUrl: string,
  granularity: Granularity,
  symbol: string,
  interval: string,
  period: string,
): string {
  return `${baseUrl.replace(/\/+$/, "")}/data/spot/${granularity}/klines/${symbol}/${interval}/${symbol}-${interval}-${period}.zip`;
}

/**
 * The archives a request covers, symbol by symbol, oldest period first.
 * Throws a message naming the bad value for an unknown interval, a malformed or reversed
 * period range, an invalid symbol or base URL.
 */
export function listKlineArchives(
  options: Pick<DownloadKlinesOptions, "symbols" | "interval" | "from" | "to" | "granularity" | "baseUrl">,
): KlineArchive[] {
  const granularity = options.granularity ?? "monthly";
  if (!(GRANULARITIES as readonly string[]).includes(granularity)) {
    throw new Error(`granularity "${granularity}" is not one of ${GRANULARITIES.join(", ")}.`);
  }
  const interval = checkInterval(options.interval);
  const symbols = normaliseSymbols(options.symbols);
  const periods = listPeriods(options.from, options.to, granularity);
  const baseUrl = checkBaseUrl(options.baseUrl ?? BINANCE_BASE_URL);
  const out: KlineArchive[] = [];
  for (const symbol of symbols) {
    for (const period of periods) {
      const url = archiveUrl(baseUrl, granularity, symbol, interval, period);
      const stem = `${symbol}-${interval}-${period}`;
      out.push({
        symbol,
        interval,
        granularity,
        period,
        url,
        checksumUrl: `${url}.CHECKSUM`,
        zipName: `${stem}.zip`,
        csvName: `${stem}.csv`,
      });
    }
  }
  return out;
}

/**
 * Parse a Binance .CHECKSUM file ("<sha256 hex>  <file name>") and return the digest in
 * lower case. The named file must be `zipName` (a checksum of another file verifies nothing).
 */
export function parseChecksumFile(text: string, zipName: string, source: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
  const m = /^([0-9a-fA-F]+)\s+\*?(\S.*?)\s*$/.exec(line.trim());
  if (!m || m[1]!.length !== SHA256_HEX_LENGTH) {
    throw new Error(
      `${source}: malformed checksum file: expected "<64 hex digits>  ${zipName}", got "${line.slice(0, 120)}".`,
    );
  }
  if (path.basename(m[2]!) !== zipName) {
    throw new Error(`${source}: checksum file is for "${m[2]}", not "${zipName}".`);
  }
  return m[1]!.toLowerCase();
}

/** SHA-256 of a file in hex, streamed (bounded memory). */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Extract the single CSV of a kline archive to `csvPath` atomically (temp file + rename).
 * @throws ZipError naming `zipPath` when the zip is corrupt or does not hold exactly one CSV
 */
export function extractKlineCsv(zipPath: string, csvPath: string): void {
  const buf = fs.readFileSync(zipPath);
  const csvs = readZipEntries(buf, zipPath).filter(
    (e) => !e.name.endsWith("/") && e.name.toLowerCase().endsWith(".csv"),
  );
  if (csvs.length !== 1) {
    throw new ZipError(
      zipPath,
      `expected exactly one CSV entry, found ${csvs.length}${csvs.length ? ": " + csvs.map((e) => e.name).join(", ") : ""}.`,
    );
  }
  const data = extractZipEntry(buf, csvs[0]!, zipPath);
  const tmp = `${csvPath}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, csvPath);
}

type Outcome =
  | { kind: "cached"; file: string }
  | { kind: "downloaded"; file: string; bytes: number; transferred: number; verified: boolean; resumedFrom: number }
  | { kind: "missing" }
  | { kind: "failed"; error: string; transferred: number };

function checkInteger(name: string, value: number, lo: number, hi: number): number {
  if (!Number.isInteger(value) || value < lo || value > hi)
    throw new Error(`${name} must be an integer in ${lo}..${hi}, got ${value}.`);
  return value;
}

/**
 * Download and extract Binance bulk kline archives into `{cacheDir}/{SYMBOL}/{INTERVAL}/`.
 *
 * Per archive: skip when its CSV is cached (or re-extract a cached verified zip); otherwise
 * stream the zip into `<zip>.part` (resuming a leftover part with a Range request), verify it
 * against `<zip>.CHECKSUM` when offered, rename it to `<zip>`, extract the CSV atomically and
 * delete the zip unless `keepZip`. A 404 is "not available"; every other failure is listed in
 * `failed` with the reason and never stops the other archives.
 *
 * @throws only for invalid options (the message names the bad value and the allowed ones)
 */
export async function downloadKlines(options: DownloadKlinesOptions): Promise<DownloadSummary> {
  const archives = listKlineArchives(options);
  const concurrency = checkInteger("concurrency", options.concurrency ?? DEFAULT_CONCURRENCY, 1, MAX_CONCURRENCY);
  const retries = checkInteger("retries", options.retries ?? DEFAULT_RETRIES, 0, MAX_RETRIES);
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  if (!Number.isFinite(backoffMs) || backoffMs < 0)
    throw new Error(`backoffMs must be a non-negative number of milliseconds, got ${backoffMs}.`);
  const fetchImpl = options.fetchImpl ?? (globalThis.fetch as FetchLike | undefined);
  if (typeof fetchImpl !== "function") throw new Error("No fetch available: use Node 20 or later, or pass fetchImpl.");
  const cacheDir = path.resolve(options.cacheDir ?? defaultCacheDir());
  const verifyChecksum = options.verifyChecksum ?? true;
  const keepZip = options.keepZip ?? false;
  const rootRng = makeRng(options.seed ?? DEFAULT_SEED).fork("binance-download");
  const total = archives.length;
  let done = 0;
  const emit = (event: DownloadEvent): void => options.onProgress?.(event);

  const processArchive = async (a: KlineArchive): Promise<Outcome> => {
    const dir = path.join(cacheDir, a.symbol, a.interval);
    const csvPath = path.join(dir, a.csvName);
    const zipPath = path.join(dir, a.zipName);
    const partPath = `${zipPath}.part`;
    if (fs.existsSync(csvPath)) return { kind: "cached", file: csvPath };
    fs.mkdirSync(dir, { recursive: true });
    if (fs.existsSync(zipPath)) {
      // A zip only carries its final name once verified: extract it instead of fetching again.
      try {
        extractKlineCsv(zipPath, csvPath);
      } catch (err) {
        fs.rmSync(zipPath, { force: true });
        return {
          kind: "failed",
          error: `${(err as Error).message} The cached archive was discarded; rerun to download it again.`,
          transferred: 0,
        };
      }
      if (!keepZip) fs.rmSync(zipPath, { force: true });
      return { kind: "cached", file: csvPath };
    }
    let transferred = 0;
    const request: RequestOptions = {
      fetchImpl,
      onBytes: (n) => (transferred += n),
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      policy: {
        retries,
        backoffMs,
        maxBackoffMs: options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
        maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
        rng: rootRng.fork(a.url),
        sleep: options.sleepImpl ?? realSleep,
        onRetry: (retry) => emit({ kind: "retry", archive: a, done, total, retry }),
      } satisfies RetryPolicy,
    };
    try {
      const result = await downloadToFile(a.url, partPath, request);
      if (result.status === "missing") return { kind: "missing" };
      if (result.bytes === 0) {
        fs.rmSync(partPath, { force: true });
        throw new Error(
          `empty download (0 bytes) from ${a.url}; the empty file was discarded. Rerun later; if it persists the archive is broken on the server.`,
        );
      }
      let verified = false;
      if (verifyChecksum) {
        const text = await fetchText(a.checksumUrl, request);
        if (text !== null) {
          const expected = parseChecksumFile(text, a.zipName, a.checksumUrl);
          const actual = await sha256File(partPath);
          if (actual !== expected) {
            fs.rmSync(partPath, { force: true });
            throw new Error(
              `checksum mismatch for ${a.zipName}: expected sha256 ${expected} (from ${a.checksumUrl}), got ${actual}; the download was discarded. Rerun to fetch it again.`,
            );
          }
          verified = true;
        }
      }
      fs.renameSync(partPath, zipPath);
      try {
        extractKlineCsv(zipPath, csvPath);
      } catch (err) {
        fs.rmSync(zipPath, { force: true });
        throw new Error(`${(err as Error).message} The archive was discarded; rerun to download it again.`);
      }
      if (!keepZip) fs.rmSync(zipPath, { force: true });
      return {
        kind: "downloaded",
        file: csvPath,
        bytes: result.bytes,
        transferred,
        verified,
        resumedFrom: result.resumedFrom,
      };
    } catch (err) {
      return { kind: "failed", error: (err as Error).message, transferred };
    }
  };

  const outcomes = await mapPool(archives, concurrency, async (a) => {
    const outcome = await processArchive(a);
    done++;
    switch (outcome.kind) {
      case "cached":
        emit({ kind: "cached", archive: a, done, total, file: outcome.file });
        break;
      case "downloaded":
        emit({
          kind: "downloaded",
          archive: a,
          done,
          total,
          file: outcome.file,
          bytes: outcome.bytes,
          verified: outcome.verified,
          resumedFrom: outcome.resumedFrom,
        });
        break;
      case "missing":
        emit({ kind: "missing", archive: a, done, total });
        break;
      case "failed":
        emit({ kind: "failed", archive: a, done, total, error: outcome.error });
        break;
    }
    return outcome;
  });

  const summary: DownloadSummary = {
    archives: total,
    downloaded: 0,
    cached: 0,
    missing: 0,
    notAvailable: [],
    unverified: [],
    failed: [],
    files: [],
    bytes: 0,
    cacheDir,
  };
  outcomes.forEach((o, i) => {
    const a = archives[i]!;
    switch (o.kind) {
      case "cached":
        summary.cached++;
        summary.files.push(o.file);
        break;
      case "downloaded":
        summary.downloaded++;
        summary.files.push(o.file);
        summary.bytes += o.transferred;
        if (!o.verified && verifyChecksum) summary.unverified.push(a.url);
        break;
      case "missing":
        summary.missing++;
        summary.notAvailable.push(a.url);
        break;
      case "failed":
        summary.failed.push({ url: a.url, error: o.error });
        summary.bytes += o.transferred;
        break;
    }
  });
  summary.files.sort();
  return summary;
}

/** Human-readable byte count (B, kB, MB, GB with 1000 steps). */
export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A multi-line text summary of a run, for the CLI and notebooks. */
export function formatSummary(s: DownloadSummary): string {
  const lines = [
    `archives: ${s.archives}  downloaded: ${s.downloaded}  cached: ${s.cached}  not available: ${s.missing}  failed: ${s.failed.length}`,
    `received: ${formatBytes(s.bytes)}  CSV files: ${s.files.length} in ${s.cacheDir}`,
  ];
  if (s.unverified.length > 0) lines.push(`no checksum offered (zip CRC checked only): ${s.unverified.length}`);
  for (const f of s.failed) lines.push(`FAILED ${f.url}: ${f.error}`);
  return lines.join("\n");
}
