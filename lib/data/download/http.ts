/**
 * Polite, resumable HTTP for bulk downloads: retries with exponential backoff and seeded
 * jitter, Retry-After honoured, no retry on client errors, streaming to a `.part` file that a
 * later attempt (or a later run) continues with an HTTP Range request, an idle timeout so a
 * stalled connection fails instead of hanging, and a bounded worker pool.
 *
 * Why here and not in the Binance code: none of it is Binance-specific, and keeping the
 * transport behind a `fetch`-shaped function lets tests drive every branch (errors, stalls,
 * partial bodies) against a local server or a scripted fetch without touching the internet.
 */
import * as fs from "node:fs";
import type { Rng } from "../../runtime/rng";

/** The subset of the WHATWG `fetch` used here; Node 20's global `fetch` satisfies it. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** Identifies the project to the server, as polite crawlers do. */
export const USER_AGENT = "crypto-autoencoders/0.1 (bulk kline downloader; Node fetch)";

/**
 * Default idle timeout: a connection that delivers no byte for this long is dropped and
 * retried. 60 s covers slow CDNs yet still ends a dead socket within a minute.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Default cap on a single backoff wait: 30 s, so 4 retries at 500 ms base never exceed ~1 min in total. */
export const DEFAULT_MAX_BACKOFF_MS = 30_000;
/** Longest Retry-After honoured (60 s); a server asking for more is reported so the user reruns later. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/** Jitter adds up to this fraction of the backoff (0.25: delays spread over [d, 1.25 d)). */
export const JITTER_FRACTION = 0.25;
/** HTTP statuses that say "try again later": request timeout, too many requests. 5xx are added in {@link isRetryableStatus}. */
const RETRYABLE_CLIENT_STATUSES = new Set([408, 429]);
/** HTTP statuses that mean "this file does not exist" (not an error for bulk archives). */
const NOT_FOUND_STATUSES = new Set([404, 410]);
const MS_PER_SECOND = 1000;

/** How failed requests are retried. */
export interface RetryPolicy {
  /** Extra attempts after the first (0 = no retry). */
  retries: number;
  /** First backoff in ms; attempt k (0-based) waits backoffMs * 2^k plus jitter. */
  backoffMs: number;
  /** Cap on one backoff wait in ms. */
  maxBackoffMs: number;
  /** Longest Retry-After honoured in ms; longer requests fail the download. */
  maxRetryAfterMs: number;
  /** Source of the jitter (seeded, so runs are reproducible). */
  rng: Rng;
  /** Waits `ms` milliseconds; injectable so tests record delays instead of sleeping. */
  sleep: (ms: number) => Promise<void>;
  /** Told about every retry before its wait. */
  onRetry?: (info: RetryInfo) => void;
}

/** One retry about to happen. */
export interface RetryInfo {
  url: string;
  /** 1-based number of the attempt that failed. */
  attempt: number;
  /** Most retries allowed. */
  retries: number;
  /** Wait before the next attempt, ms. */
  delayMs: number;
  /** Why the attempt failed. */
  reason: string;
}

/** A non-success HTTP status. */
export class HttpStatusError extends Error {
  readonly url: string;
  readonly status: number;
  /** True for 408, 429 and 5xx. */
  readonly retryable: boolean;
  /** The server's Retry-After in ms, when it sent one. */
  readonly retryAfterMs: number | null;
  constructor(url: string, status: number, statusText: string, retryAfterMs: number | null) {
    super(`HTTP ${status}${statusText ? " " + statusText : ""} for ${url}`);
    this.name = "HttpStatusError";
    this.url = url;
    this.status = status;
    this.retryable = isRetryableStatus(status);
    this.retryAfterMs = retryAfterMs;
  }
}

/** A transport failure (connection refused or reset, stalled body, short body); always retryable. */
export class NetworkError extends Error {
  readonly url: string;
  readonly retryable = true;
  constructor(url: string, message: string, cause?: unknown) {
    super(`${message} (${url})`, cause === undefined ? undefined : { cause });
    this.name = "NetworkError";
    this.url = url;
  }
}

/** True for statuses worth retrying: 408, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_CLIENT_STATUSES.has(status) || (status >= 500 && status <= 599);
}

/**
 * Parse a Retry-After header (delay in seconds, or an HTTP date) into milliseconds from `nowMs`.
 * Returns null when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === "") return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * MS_PER_SECOND);
  const when = Date.parse(text);
  if (Number.isNaN(when)) return null;
  return Math.max(0, when - nowMs);
}

/**
 * Backoff before retry number `failures` (0-based: 0 after the first failure):
 * `min(maxBackoffMs, backoffMs * 2^failures) * (1 + JITTER_FRACTION * u)`, u uniform from the policy's Rng.
 */
export function backoffDelay(
  failures: number,
  policy: Pick<RetryPolicy, "backoffMs" | "maxBackoffMs" | "rng">,
): number {
  const base = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** failures);
  return Math.round(base * (1 + JITTER_FRACTION * policy.rng.uniform()));
}

/** A promise resolved after `ms` milliseconds (the default {@link RetryPolicy.sleep}). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isRetryable(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { retryable?: unknown }).retryable === true;
}

/**
 * Run `attempt` until it succeeds, retrying errors marked `retryable` (network errors, 408,
 * 429, 5xx) up to `policy.retries` times. The wait is the server's Retry-After when given,
 * else the exponential backoff. Other errors propagate at once.
 *
 * @param url      named in retry reports and the final error
 * @param attempt  called with the 0-based attempt number
 */
export async function withRetries<T>(url: string, policy: RetryPolicy, attempt: (n: number) => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isRetryable(err)) throw err;
      const message = (err as Error).message;
      if (n >= policy.retries) {
        throw new Error(
          `${message}; gave up after ${n + 1} attempt${n === 0 ? "" : "s"}. Rerun later: finished files are kept and partial ones resume.`,
          {
            cause: err,
          },
        );
      }
      const retryAfter = err instanceof HttpStatusError ? err.retryAfterMs : null;
      if (retryAfter !== null && retryAfter > policy.maxRetryAfterMs) {
        throw new Error(
          `${message}: the server asks to wait ${(retryAfter / MS_PER_SECOND).toFixed(0)} s (Retry-After), more than the ${(policy.maxRetryAfterMs / MS_PER_SECOND).toFixed(0)} s limit. Rerun later.`,
          { cause: err },
        );
      }
      const delayMs = retryAfter ?? backoffDelay(n, policy);
      policy.onRetry?.({ url, attempt: n + 1, retries: policy.retries, delayMs, reason: message });
      await policy.sleep(delayMs);
    }
  }
}

/** Options shared by {@link fetchText} and {@link downloadToFile}. */
export interface RequestOptions {
  fetchImpl: FetchLike;
  policy: RetryPolicy;
  /** Abort an attempt when no byte arrives for this long (ms). Default {@link DEFAULT_IDLE_TIMEOUT_MS}. */
  idleTimeoutMs?: number;
  /** Told about every chunk of body bytes received (for traffic totals, failed attempts included). */
  onBytes?: (n: number) => void;
}

/** An abort signal that fires when `touch()` has not been called for `ms` milliseconds. */
class IdleTimer {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly ms: number,
    private readonly url: string,
  ) {
    this.touch();
  }
  touch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => this.controller.abort(new NetworkError(this.url, `no data received for ${this.ms} ms`)),
      this.ms,
    );
  }
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

async function discardBody(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // The body is unwanted; a failure to cancel it changes nothing.
  }
}

async function send(url: string, init: RequestInit, fetchImpl: FetchLike): Promise<Response> {
  try {
    return await fetchImpl(url, init);
  } catch (err) {
    throw asNetworkError(url, err, "request failed");
  }
}

function asNetworkError(url: string, err: unknown, what: string): NetworkError {
  if (err instanceof NetworkError) return err;
  const e = err as Error & { cause?: Error & { code?: string } };
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new NetworkError(url, `${what}: ${detail}`, err);
}

function statusError(url: string, res: Response): HttpStatusError {
  return new HttpStatusError(url, res.status, res.statusText, parseRetryAfter(res.headers.get("retry-after")));
}

/**
 * GET a small text resource with retries.
 *
 * @returns the body, or null when the server answers 404/410 (the resource does not exist)
 */
export async function fetchText(url: string, options: RequestOptions): Promise<string | null> {
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  return withRetries(url, options.policy, async () => {
    const idle = new IdleTimer(idleMs, url);
    try {
      const res = await send(
        url,
        { headers: { "user-agent": USER_AGENT }, signal: idle.controller.signal },
        options.fetchImpl,
      );
      if (NOT_FOUND_STATUSES.has(res.status)) {
        await discardBody(res);
        return null;
      }
      if (res.status !== 200) {
        await discardBody(res);
        throw statusError(url, res);
      }
      try {
        return await res.text();
      } catch (err) {
        throw asNetworkError(url, err, "reading the response failed");
      }
    } finally {
      idle.stop();
    }
  });
}

/** Outcome of {@link downloadToFile}. */
export type DownloadResult =
  | {
      status: "ok";
      /** Size of the finished file in bytes. */
      bytes: number;
      /** Bytes received over the network by this call (all attempts). */
      transferred: number;
      /** Bytes already in the .part file when the final attempt began (0 = fresh download). */
      resumedFrom: number;
    }
  | { status: "missing"; httpStatus: number };

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
}

/** Parse "bytes start-end/total" or "bytes *\/total". */
function parseContentRange(value: string | null): { start: number | null; total: number | null } | null {
  if (!value) return null;
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(value.trim());
  if (!m) return null;
  return { start: m[1] !== undefined ? Number(m[1]) : null, total: m[3] !== "*" ? Number(m[3]) : null };
}

/**
 * Stream `url` into `partPath` with retries, resuming from whatever `partPath` already holds
 * (an earlier attempt or an interrupted run) through a Range request. A server that ignores
 * the Range (answers 200) is handled by starting over; one that answers 416 because the
 * part is already complete is treated as done. The caller verifies and renames the part.
 *
 * @returns "missing" on 404/410 (any stale part file is deleted), else the final size
 * @throws on non-retryable statuses, or when retries run out; the part file is kept for resuming
 */
export async function downloadToFile(url: string, partPath: string, options: RequestOptions): Promise<DownloadResult> {
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  let transferred = 0;
  return withRetries(url, options.policy, async () => {
    const existing = fileSize(partPath);
    // identity: byte offsets for Range and Content-Length must refer to the file itself, not a gzip of it.
    const headers: Record<string, string> = { "user-agent": USER_AGENT, "accept-encoding": "identity" };
    if (existing > 0) headers.range = `bytes=${existing}-`;
    const idle = new IdleTimer(idleMs, url);
    try {
      const res = await send(url, { headers, signal: idle.controller.signal }, options.fetchImpl);
      idle.touch();
      if (NOT_FOUND_STATUSES.has(res.status)) {
        await discardBody(res);
        fs.rmSync(partPath, { force: true });
        return { status: "missing", httpStatus: res.status } as const;
      }
      if (res.status === 416 && existing > 0) {
        await discardBody(res);
        const total = parseContentRange(res.headers.get("content-range"))?.total ?? null;
        if (total === existing) return { status: "ok", bytes: existing, transferred, resumedFrom: existing } as const;
        fs.rmSync(partPath, { force: true });
        throw new NetworkError(
          url,
          `server refused to resume at byte ${existing} (HTTP 416, size ${total ?? "unknown"}); the partial file was discarded`,
        );
      }
      let append = false;
      if (res.status === 206) {
        const range = parseContentRange(res.headers.get("content-range"));
        if (existing === 0 || range === null || range.start !== existing) {
          await discardBody(res);
          fs.rmSync(partPath, { force: true });
          throw new NetworkError(
            url,
            `server answered a resume from byte ${existing} with range "${res.headers.get("content-range")}"; the partial file was discarded`,
          );
        }
        append = true;
      } else if (res.status !== 200) {
        await discardBody(res);
        throw statusError(url, res);
      }
      const lengthHeader = res.headers.get("content-length");
      const encoded = (res.headers.get("content-encoding") ?? "identity").toLowerCase() !== "identity";
      const expected = !encoded && lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
      const received = await streamToFile(res, partPath, append, idle, url, (n) => {
        transferred += n;
        options.onBytes?.(n);
      });
      if (expected !== null && received !== expected) {
        throw new NetworkError(url, `connection closed after ${received} of ${expected} bytes`);
      }
      return { status: "ok", bytes: fileSize(partPath), transferred, resumedFrom: append ? existing : 0 } as const;
    } finally {
      idle.stop();
    }
  });
}

/** Write a response body to `file` chunk by chunk; read errors become NetworkErrors (retryable), write errors do not. */
async function streamToFile(
  res: Response,
  file: string,
  append: boolean,
  idle: IdleTimer,
  url: string,
  onBytes: (n: number) => void,
): Promise<number> {
  const handle = await fs.promises.open(file, append ? "a" : "w");
  let received = 0;
  try {
    if (res.body === null) return 0;
    const reader = res.body.getReader();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw asNetworkError(url, err, `download interrupted after ${received} bytes`);
      }
      if (chunk.done) break;
      idle.touch();
      await handle.write(chunk.value);
      received += chunk.value.length;
      onBytes(chunk.value.length);
    }
    return received;
  } finally {
    await handle.close();
  }
}

/**
 * Apply `fn` to every item with at most `limit` calls in flight, keeping result order.
 * `fn` should catch its own errors: the first rejection rejects the whole pool.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`Pool limit must be a positive integer, got ${limit}.`);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
