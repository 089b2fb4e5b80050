import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  backoffDelay,
  HttpStatusError,
  isRetryableStatus,
  mapPool,
  NetworkError,
  parseRetryAfter,
  withRetries,
  type RetryPolicy,
} from "../../lib/data/download/http";
import { makeRng } from "../../lib/runtime/rng";

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return {
    retries: 3,
    backoffMs: 100,
    maxBackoffMs: 10_000,
    maxRetryAfterMs: 60_000,
    rng: makeRng(1),
    sleep: async (ms) => {
      waits.push(ms);
    },
    waits,
    ...overrides,
  };
}

describe("retry rules", () => {
  test("retryable statuses are 408, 429 and 5xx only", () => {
    assert.deepEqual([200, 400, 403, 404, 408, 429, 500, 503, 599].map(isRetryableStatus), [
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  test("parseRetryAfter reads seconds and HTTP dates", () => {
    const now = Date.parse("2024-05-01T12:00:00Z");
    assert.equal(parseRetryAfter("7", now), 7000);
    assert.equal(parseRetryAfter(" 1.5 ", now), 1500);
    assert.equal(parseRetryAfter("Wed, 01 May 2024 12:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Wed, 01 May 2024 11:00:00 GMT", now), 0);
    assert.equal(parseRetryAfter("soon", now), null);
    assert.equal(parseRetryAfter(null, now), null);
    assert.equal(parseRetryAfter("", now), null);
  });

  test("backoff doubles per failure, jitter stays within 25%, the cap holds, the seed fixes it", () => {
    const p = { backoffMs: 100, maxBackoffMs: 1000, rng: makeRng(42) };
    const delays = [0, 1, 2, 3, 4, 5].map((k) => backoffDelay(k, p));
    [100, 200, 400, 800, 1000, 1000].forEach((base, k) => {
      assert.ok(
        delays[k]! >= base && delays[k]! <= base * 1.25,
        `delay ${k} = ${delays[k]} outside [${base}, ${base * 1.25}]`,
      );
    });
    const again = { backoffMs: 100, maxBackoffMs: 1000, rng: makeRng(42) };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((k) => backoffDelay(k, again)),
      delays,
    );
  });
});

describe("withRetries", () => {
  test("retries network errors until success and reports each retry", async () => {
    const p = policy();
    const seen: number[] = [];
    const result = await withRetries("http://x/a", { ...p, onRetry: (i) => seen.push(i.attempt) }, async (n) => {
      if (n < 2) throw new NetworkError("http://x/a", "connection reset");
      return "done";
    });
    assert.equal(result, "done");
    assert.deepEqual(seen, [1, 2]);
    assert.equal(p.waits.length, 2);
    assert.ok(p.waits[0]! >= 100 && p.waits[0]! <= 125);
    assert.ok(p.waits[1]! >= 200 && p.waits[1]! <= 250);
  });

  test("does not retry non-retryable errors", async () => {
    const p = policy();
    let calls = 0;
    await assert.rejects(
      withRetries("http://x/b", p, async () => {
        calls++;
        throw new HttpStatusError("http://x/b", 403, "Forbidden", null);
      }),
      /HTTP 403 Forbidden for http:\/\/x\/b/,
    );
    assert.equal(calls, 1);
    assert.equal(p.waits.length, 0);
  });

  test("gives up after the allowed retries with the attempt count", async () => {
    const p = policy({ retries: 2 });
    let calls = 0;
    await assert.rejects(
      withRetries("http://x/c", p, async () => {
        calls++;
        throw new HttpStatusError("http://x/c", 503, "Service Unavailable", null);
      }),
      /HTTP 503 Service Unavailable for http:\/\/x\/c; gave up after 3 attempts/,
    );
    assert.equal(calls, 3);
  });

  test("waits the server's Retry-After, and refuses one longer than the limit", async () => {
    const p = policy();
    let calls = 0;
    await withRetries("http://x/d", p, async () => {
      if (calls++ === 0) throw new HttpStatusError("http://x/d", 429, "Too Many Requests", 7000);
      return 1;
    });
    assert.deepEqual(p.waits, [7000]);
    const strict = policy({ maxRetryAfterMs: 5000 });
    await assert.rejects(
      withRetries("http://x/e", strict, async () => {
        throw new HttpStatusError("http://x/e", 429, "Too Many Requests", 3_600_000);
      }),
      /asks to wait 3600 s \(Retry-After\), more than the 5 s limit/,
    );
    assert.equal(strict.waits.length, 0);
  });
});

describe("mapPool", () => {
  test("keeps order and never exceeds the limit", async () => {
    let inFlight = 0;
    let max = 0;
    const out = await mapPool([5, 1, 4, 2, 3, 0, 6], 3, async (x, i) => {
      inFlight++;
      max = Math.max(max, inFlight);
      for (let k = 0; k < x; k++) await Promise.resolve();
      inFlight--;
      return x * 10 + i;
    });
    assert.deepEqual(out, [50, 11, 42, 23, 34, 5, 66]);
    assert.equal(max, 3);
  });

  test("rejects a bad limit", async () => {
    await assert.rejects(
      mapPool([1], 0, async (x) => x),
      /Pool limit must be a positive integer, got 0/,
    );
  });
});
