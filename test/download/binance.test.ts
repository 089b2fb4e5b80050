import { test, describe, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  archiveUrl,
  downloadKlines,
  listKlineArchives,
  listPeriods,
  parseChecksumFile,
  type DownloadEvent,
  type DownloadKlinesOptions,
} from "../../lib/data/download/binance";
import type { FetchLike } from "../../lib/data/download/http";
import { writeZip } from "../../lib/data/download/zip";
import { klineCsv, publishArchive, sha256, startServer, type FixtureServer } from "./server";

const REAL_DIR = path.resolve(__dirname, "../../../shared/data/real/binance_klines_format");

/** Lists the files (relative paths) under a folder, sorted. */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join("/"))
    .sort();
}

describe("archive listing", () => {
  test("monthly and daily periods, inclusive, across a year end", () => {
    assert.deepEqual(listPeriods("2021-11", "2022-02", "monthly"), ["2021-11", "2021-12", "2022-01", "2022-02"]);
    assert.deepEqual(listPeriods("2024-02", "2024-02", "daily").length, 29);
    assert.deepEqual(listPeriods("2023-12-30", "2024-01-02", "daily"), [
      "2023-12-30",
      "2023-12-31",
      "2024-01-01",
      "2024-01-02",
    ]);
  });

  test("URLs follow the data.binance.vision layout", () => {
    assert.equal(
      archiveUrl("https://data.binance.vision/", "monthly", "BTCUSDT", "1d", "2021-01"),
      "https://data.binance.vision/data/spot/monthly/klines/BTCUSDT/1d/BTCUSDT-1d-2021-01.zip",
    );
    const daily = listKlineArchives({
      symbols: ["ethusdt"],
      interval: "1h",
      from: "2024-03-01",
      to: "2024-03-01",
      granularity: "daily",
    });
    assert.deepEqual(daily, [
      {
        symbol: "ETHUSDT",
        interval: "1h",
        granularity: "daily",
        period: "2024-03-01",
        url: "https://data.binance.vision/data/spot/daily/klines/ETHUSDT/1h/ETHUSDT-1h-2024-03-01.zip",
        checksumUrl: "https://data.binance.vision/data/spot/daily/klines/ETHUSDT/1h/ETHUSDT-1h-2024-03-01.zip.CHECKSUM",
        zipName: "ETHUSDT-1h-2024-03-01.zip",
        csvName: "ETHUSDT-1h-2024-03-01.csv",
      },
    ]);
  });

  test("bad options name the value and what is allowed", () => {
    const base = { symbols: ["BTCUSDT"], interval: "1d", from: "2021-01", to: "2021-03" };
    assert.throws(
      () => listKlineArchives({ ...base, interval: "2d" }),
      /interval "2d" is not a Binance kline interval\. Allowed: 1s, 1m, .*1d, 3d, 1w, 1mo\./,
    );
    assert.throws(
      () => listKlineArchives({ ...base, from: "2021-13" }),
      /from "2021-13" has month 13: months run 01\.\.12/,
    );
    assert.throws(
      () => listKlineArchives({ ...base, from: "2021-01-05" }),
      /from "2021-01-05" is not a valid monthly period: use "YYYY-MM"/,
    );
    assert.throws(() => listKlineArchives({ ...base, from: "2021-04" }), /from "2021-04" is after to "2021-03"/);
    assert.throws(
      () => listKlineArchives({ ...base, symbols: ["BTC/USDT"] }),
      /symbol "BTC\/USDT" is not a Binance symbol/,
    );
    assert.throws(() => listKlineArchives({ ...base, symbols: [] }), /symbols is empty/);
    assert.throws(
      () => listKlineArchives({ ...base, granularity: "weekly" as never }),
      /granularity "weekly" is not one of monthly, daily/,
    );
    assert.throws(() => listKlineArchives({ ...base, baseUrl: "ftp://x" }), /baseUrl "ftp:\/\/x" must be http\(s\)/);
  });

  test("checksum files parse and must name the archive", () => {
    const hex = "a".repeat(64);
    assert.equal(
      parseChecksumFile(`${hex.toUpperCase()}  BTCUSDT-1d-2021-01.zip\n`, "BTCUSDT-1d-2021-01.zip", "u"),
      hex,
    );
    assert.throws(
      () => parseChecksumFile(`${hex}  ETHUSDT-1d-2021-01.zip`, "BTCUSDT-1d-2021-01.zip", "u"),
      /checksum file is for "ETHUSDT-1d-2021-01\.zip", not "BTCUSDT-1d-2021-01\.zip"/,
    );
    assert.throws(
      () => parseChecksumFile("<html>", "B.zip", "http://h/B.zip.CHECKSUM"),
      /http:\/\/h\/B\.zip\.CHECKSUM: malformed checksum file/,
    );
  });
});

describe("downloadKlines against a local server", () => {
  let server: FixtureServer;
  let cacheDir: string;
  let waits: number[];
  let events: DownloadEvent[];

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "binance-dl-"));
    server.files.clear();
    server.requests.length = 0;
    server.hook = null;
    server.zipDelayMs = 0;
    waits = [];
    events = [];
  });
  afterEach(() => {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  function options(extra: Partial<DownloadKlinesOptions> = {}): DownloadKlinesOptions {
    return {
      symbols: ["BTCUSDT"],
      interval: "1d",
      from: "2021-01",
      to: "2021-01",
      baseUrl: server.baseUrl,
      cacheDir,
      backoffMs: 100,
      sleepImpl: async (ms) => {
        waits.push(ms);
      },
      onProgress: (e) => events.push(e),
      ...extra,
    };
  }

  test("downloads, verifies and extracts into {SYMBOL}/{INTERVAL}/, then serves reruns from the cache", async () => {
    const published = ["BTCUSDT", "ETHUSDT"].flatMap((symbol) =>
      ["2021-01", "2021-02"].map((period) => ({
        symbol,
        period,
        ...publishArchive(server, {
          symbol,
          interval: "1d",
          period,
          csv: klineCsv(period, period === "2021-01" ? 31 : 28),
        }),
      })),
    );
    const first = await downloadKlines(options({ symbols: ["BTCUSDT", "ETHUSDT"], to: "2021-02" }));
    assert.equal(first.archives, 4);
    assert.equal(first.downloaded, 4);
    assert.equal(first.cached, 0);
    assert.deepEqual(first.failed, []);
    assert.deepEqual(first.unverified, []);
    assert.equal(
      first.bytes,
      published.reduce((s, p) => s + p.zip.length, 0),
    );
    assert.deepEqual(tree(cacheDir), [
      "BTCUSDT/1d/BTCUSDT-1d-2021-01.csv",
      "BTCUSDT/1d/BTCUSDT-1d-2021-02.csv",
      "ETHUSDT/1d/ETHUSDT-1d-2021-01.csv",
      "ETHUSDT/1d/ETHUSDT-1d-2021-02.csv",
    ]);
    for (const p of published) {
      assert.equal(
        fs.readFileSync(path.join(cacheDir, p.symbol, "1d", `${p.symbol}-1d-${p.period}.csv`), "utf8"),
        p.csv,
      );
    }
    assert.deepEqual(
      first.files,
      tree(cacheDir).map((f) => path.join(cacheDir, f)),
    );
    const downloaded = events.filter((e) => e.kind === "downloaded");
    assert.equal(downloaded.length, 4);
    assert.ok(downloaded.every((e) => e.kind === "downloaded" && e.verified && e.resumedFrom === 0));
    assert.deepEqual(events.map((e) => ("done" in e ? e.done : -1)).sort(), [1, 2, 3, 4]);
    assert.equal(server.requests.length, 8, "one zip and one .CHECKSUM per archive");

    server.requests.length = 0;
    events = [];
    const second = await downloadKlines(options({ symbols: ["BTCUSDT", "ETHUSDT"], to: "2021-02" }));
    assert.equal(server.requests.length, 0, "a rerun makes no request");
    assert.equal(second.cached, 4);
    assert.equal(second.downloaded, 0);
    assert.equal(second.bytes, 0);
    assert.deepEqual(second.files, first.files);
  });

  test("daily archives use the daily layout and file names", async () => {
    publishArchive(server, { granularity: "daily", symbol: "SOLUSDT", interval: "1h", period: "2024-03-01" });
    publishArchive(server, { granularity: "daily", symbol: "SOLUSDT", interval: "1h", period: "2024-03-02" });
    const s = await downloadKlines(
      options({ symbols: ["SOLUSDT"], interval: "1h", granularity: "daily", from: "2024-03-01", to: "2024-03-02" }),
    );
    assert.equal(s.downloaded, 2);
    assert.deepEqual(tree(cacheDir), ["SOLUSDT/1h/SOLUSDT-1h-2024-03-01.csv", "SOLUSDT/1h/SOLUSDT-1h-2024-03-02.csv"]);
    assert.ok(server.requests.every((r) => r.path.startsWith("/data/spot/daily/klines/SOLUSDT/1h/")));
  });

  test("an archive without a .CHECKSUM is accepted on its zip CRC and listed as unverified", async () => {
    publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01", checksum: "none" });
    const s = await downloadKlines(options());
    assert.equal(s.downloaded, 1);
    assert.deepEqual(s.unverified, [`${server.baseUrl}/data/spot/monthly/klines/BTCUSDT/1d/BTCUSDT-1d-2021-01.zip`]);
    const ev = events.find((e) => e.kind === "downloaded");
    assert.ok(ev && ev.kind === "downloaded" && ev.verified === false);
  });

  test("verifyChecksum: false never asks for the .CHECKSUM", async () => {
    const { path: zipPath } = publishArchive(server, {
      symbol: "BTCUSDT",
      interval: "1d",
      period: "2021-01",
      checksum: "bad",
    });
    const s = await downloadKlines(options({ verifyChecksum: false }));
    assert.equal(s.downloaded, 1);
    assert.deepEqual(s.unverified, []);
    assert.equal(server.count(`${zipPath}.CHECKSUM`), 0);
  });

  test("a checksum mismatch discards the download and reports expected and actual hashes", async () => {
    const { zip } = publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01", checksum: "bad" });
    const s = await downloadKlines(options());
    assert.equal(s.downloaded, 0);
    assert.equal(s.failed.length, 1);
    const expected = sha256(Buffer.concat([zip, Buffer.from("x")]));
    assert.match(
      s.failed[0]!.error,
      new RegExp(
        `checksum mismatch for BTCUSDT-1d-2021-01\\.zip: expected sha256 ${expected} .* got ${sha256(zip)}; the download was discarded`,
      ),
    );
    assert.deepEqual(tree(cacheDir), [], "nothing is left behind: no csv, zip or .part");
    assert.deepEqual(s.files, []);
  });

  test("404 is counted as not available, not as a failure, and its checksum is not requested", async () => {
    publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-02" });
    const s = await downloadKlines(options({ to: "2021-02" }));
    assert.equal(s.missing, 1);
    assert.deepEqual(s.notAvailable, [`${server.baseUrl}/data/spot/monthly/klines/BTCUSDT/1d/BTCUSDT-1d-2021-01.zip`]);
    assert.equal(s.downloaded, 1);
    assert.deepEqual(s.failed, []);
    assert.equal(server.count("/data/spot/monthly/klines/BTCUSDT/1d/BTCUSDT-1d-2021-01.zip"), 1, "no retry on 404");
    assert.equal(server.count("/data/spot/monthly/klines/BTCUSDT/1d/BTCUSDT-1d-2021-01.zip.CHECKSUM"), 0);
    assert.deepEqual(waits, []);
  });

  test("5xx answers are retried with exponential backoff until success", async () => {
    const { path: zipPath, csv } = publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01" });
    server.hook = (_req, res, p, attempt) => {
      if (p === zipPath && attempt <= 2) {
        res.writeHead(attempt === 1 ? 500 : 503).end("busy");
        return true;
      }
      return false;
    };
    const s = await downloadKlines(options());
    assert.equal(s.downloaded, 1);
    assert.equal(server.count(zipPath), 3, "two failures then success");
    assert.equal(waits.length, 2);
    assert.ok(waits[0]! >= 100 && waits[0]! <= 125, `first wait ${waits[0]}`);
    assert.ok(waits[1]! >= 200 && waits[1]! <= 250, `second wait ${waits[1]}`);
    const retries = events.filter((e) => e.kind === "retry");
    assert.equal(retries.length, 2);
    assert.match(retries[0]!.kind === "retry" ? retries[0]!.retry.reason : "", /HTTP 500/);
    assert.equal(fs.readFileSync(path.join(cacheDir, "BTCUSDT/1d/BTCUSDT-1d-2021-01.csv"), "utf8"), csv);
  });

  test("429 with Retry-After waits what the server asked", async () => {
    const { path: zipPath } = publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01" });
    server.hook = (_req, res, p, attempt) => {
      if (p === zipPath && attempt === 1) {
        res.writeHead(429, { "retry-after": "3" }).end();
        return true;
      }
      return false;
    };
    const s = await downloadKlines(options());
    assert.equal(s.downloaded, 1);
    assert.deepEqual(waits, [3000]);
  });

  test("retries run out: the failure says how many attempts were made; 403 is not retried", async () => {
    const { path: busy } = publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01" });
    const { path: forbidden } = publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-02" });
    server.hook = (_req, res, p) => {
      if (p === busy || p === forbidden) {
        res.writeHead(p === busy ? 502 : 403).end();
        return true;
      }
      return false;
    };
    const s = await downloadKlines(options({ to: "2021-02", retries: 2 }));
    assert.equal(s.failed.length, 2);
    assert.match(s.failed[0]!.error, /HTTP 502 .*gave up after 3 attempts/);
    assert.match(s.failed[1]!.error, /HTTP 403 Forbidden/);
    assert.equal(server.count(busy), 3);
    assert.equal(server.count(forbidden), 1);
  });

  test("network errors are retried", async () => {
    publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01" });
    let calls = 0;
    const flaky: FetchLike = async (url, init) => {
      if (calls++ === 0)
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("connect ECONNRESET"), { code: "ECONNRESET" }),
        });
      return fetch(url, init);
    };
    const s = await downloadKlines(options({ fetchImpl: flaky }));
    assert.equal(s.downloaded, 1);
    assert.equal(waits.length, 1);
    const retry = events.find((e) => e.kind === "retry");
    assert.match(retry && retry.kind === "retry" ? retry.retry.reason : "", /request failed: ECONNRESET/);
  });

  test("a 0-byte body is a clear error and the empty file is discarded", async () => {
    const { path: zipPath } = publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01" });
    server.files.set(zipPath, Buffer.alloc(0));
    const s = await downloadKlines(options());
    assert.equal(s.failed.length, 1);
    assert.match(
      s.failed[0]!.error,
      /empty download \(0 bytes\) from http:\/\/127\.0\.0\.1:\d+\/.*BTCUSDT-1d-2021-01\.zip; the empty file was discarded/,
    );
    assert.deepEqual(tree(cacheDir), []);
  });

  test("a corrupt zip is an error naming the file, and the archive is discarded", async () => {
    const { path: zipPath, zip } = publishArchive(server, {
      symbol: "BTCUSDT",
      interval: "1d",
      period: "2021-01",
      checksum: "none",
    });
    const bad = Buffer.from(zip);
    bad[30 + "BTCUSDT-1d-2021-01.csv".length + 5]! ^= 0xff; // local header (30 bytes) + name, then into the deflate data
    server.files.set(zipPath, bad);
    const s = await downloadKlines(options());
    assert.equal(s.failed.length, 1);
    const zipFile = path.join(cacheDir, "BTCUSDT", "1d", "BTCUSDT-1d-2021-01.zip");
    assert.ok(s.failed[0]!.error.startsWith(`${zipFile}: entry "BTCUSDT-1d-2021-01.csv"`), s.failed[0]!.error);
    assert.match(s.failed[0]!.error, /The archive was discarded; rerun to download it again\./);
    assert.deepEqual(tree(cacheDir), []);
  });

  test("an HTML page served instead of a zip is reported as not a zip", async () => {
    const { path: zipPath } = publishArchive(server, {
      symbol: "BTCUSDT",
      interval: "1d",
      period: "2021-01",
      checksum: "none",
    });
    server.files.set(zipPath, Buffer.from("<html><body>maintenance</body></html>"));
    const s = await downloadKlines(options());
    assert.match(s.failed[0]!.error, /BTCUSDT-1d-2021-01\.zip: not a zip archive or truncated: .*"<html><body>main/);
  });

  test("a leftover .part file from an interrupted run is resumed with a Range request", async () => {
    const {
      path: zipPath,
      zip,
      csv,
    } = publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01", csv: klineCsv("2021-01", 31) });
    const dir = path.join(cacheDir, "BTCUSDT", "1d");
    fs.mkdirSync(dir, { recursive: true });
    const half = Math.floor(zip.length / 2);
    fs.writeFileSync(path.join(dir, "BTCUSDT-1d-2021-01.zip.part"), zip.subarray(0, half));
    const s = await downloadKlines(options());
    assert.equal(s.downloaded, 1);
    assert.deepEqual(
      server.requests.filter((r) => r.path === zipPath).map((r) => r.range),
      [`bytes=${half}-`],
    );
    assert.equal(s.bytes, zip.length - half, "only the missing bytes travel");
    const ev = events.find((e) => e.kind === "downloaded");
    assert.ok(ev && ev.kind === "downloaded" && ev.resumedFrom === half && ev.verified);
    assert.equal(fs.readFileSync(path.join(dir, "BTCUSDT-1d-2021-01.csv"), "utf8"), csv);
    assert.deepEqual(tree(cacheDir), ["BTCUSDT/1d/BTCUSDT-1d-2021-01.csv"]);
  });

  test("a complete leftover .part (server answers 416) is verified and used without a new download", async () => {
    const { zip, path: zipPath } = publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01" });
    const dir = path.join(cacheDir, "BTCUSDT", "1d");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "BTCUSDT-1d-2021-01.zip.part"), zip);
    const sentBefore = server.bytesSent();
    const s = await downloadKlines(options());
    assert.equal(s.downloaded, 1);
    assert.equal(s.bytes, 0);
    assert.deepEqual(
      server.requests.filter((r) => r.path === zipPath).map((r) => r.range),
      [`bytes=${zip.length}-`],
    );
    assert.equal(
      server.bytesSent() - sentBefore,
      64 + 2 + "BTCUSDT-1d-2021-01.zip\n".length,
      "only the .CHECKSUM body (hex, two spaces, name) was sent",
    );
    assert.deepEqual(tree(cacheDir), ["BTCUSDT/1d/BTCUSDT-1d-2021-01.csv"]);
  });

  test("a connection dropped mid-body is retried from where it stopped", async () => {
    const {
      path: zipPath,
      zip,
      csv,
    } = publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01", csv: klineCsv("2021-01", 31) });
    const cut = Math.floor(zip.length / 3);
    server.hook = (_req, res, p, attempt) => {
      if (p === zipPath && attempt === 1) {
        res.writeHead(200, { "content-length": zip.length, "content-type": "application/zip" });
        res.write(zip.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
        return true;
      }
      return false;
    };
    const s = await downloadKlines(options());
    assert.deepEqual(s.failed, []);
    assert.equal(s.downloaded, 1);
    const ranges = server.requests.filter((r) => r.path === zipPath).map((r) => r.range);
    assert.deepEqual(ranges, [null, `bytes=${cut}-`]);
    assert.equal(s.bytes, zip.length, "the first cut plus the resumed rest");
    assert.equal(fs.readFileSync(path.join(cacheDir, "BTCUSDT/1d/BTCUSDT-1d-2021-01.csv"), "utf8"), csv);
  });

  test("a stalled connection hits the idle timeout and resumes on retry", async () => {
    const {
      path: zipPath,
      zip,
      csv,
    } = publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01", csv: klineCsv("2021-01", 31) });
    const cut = Math.floor(zip.length / 2);
    server.hook = (_req, res, p, attempt) => {
      if (p === zipPath && attempt === 1) {
        res.writeHead(200, { "content-length": zip.length, "content-type": "application/zip" });
        res.write(zip.subarray(0, cut)); // then nothing: the client must give up on its own
        return true;
      }
      return false;
    };
    const s = await downloadKlines(options({ idleTimeoutMs: 150 }));
    assert.deepEqual(s.failed, []);
    const retry = events.find((e) => e.kind === "retry");
    assert.match(retry && retry.kind === "retry" ? retry.retry.reason : "", /no data received for 150 ms/);
    assert.deepEqual(
      server.requests.filter((r) => r.path === zipPath).map((r) => r.range),
      [null, `bytes=${cut}-`],
    );
    assert.equal(fs.readFileSync(path.join(cacheDir, "BTCUSDT/1d/BTCUSDT-1d-2021-01.csv"), "utf8"), csv);
  });

  test("a kept verified zip is re-extracted without any request when its CSV is gone", async () => {
    publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-01" });
    await downloadKlines(options({ keepZip: true }));
    assert.deepEqual(tree(cacheDir), ["BTCUSDT/1d/BTCUSDT-1d-2021-01.csv", "BTCUSDT/1d/BTCUSDT-1d-2021-01.zip"]);
    fs.rmSync(path.join(cacheDir, "BTCUSDT/1d/BTCUSDT-1d-2021-01.csv"));
    server.requests.length = 0;
    const s = await downloadKlines(options({ keepZip: true }));
    assert.equal(server.requests.length, 0);
    assert.equal(s.cached, 1);
    assert.deepEqual(tree(cacheDir), ["BTCUSDT/1d/BTCUSDT-1d-2021-01.csv", "BTCUSDT/1d/BTCUSDT-1d-2021-01.zip"]);
  });

  test("concurrency bounds the requests in flight", async () => {
    for (let m = 1; m <= 6; m++) publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: `2021-0${m}` });
    server.zipDelayMs = 30;
    const s = await downloadKlines(options({ to: "2021-06", concurrency: 2 }));
    assert.equal(s.downloaded, 6);
    assert.equal(server.maxInFlight(), 2);
  });

  test("invalid numeric options are rejected before any request", async () => {
    await assert.rejects(
      downloadKlines(options({ concurrency: 0 })),
      /concurrency must be an integer in 1\.\.16, got 0/,
    );
    await assert.rejects(downloadKlines(options({ retries: -1 })), /retries must be an integer in 0\.\.10, got -1/);
    await assert.rejects(downloadKlines(options({ backoffMs: Number.NaN })), /backoffMs must be a non-negative number/);
    assert.equal(server.requests.length, 0);
  });

  test("a real Binance kline CSV survives the zip, download and extraction byte for byte", {
    skip: !fs.existsSync(REAL_DIR) && "no real samples",
  }, async () => {
    const original = fs.readFileSync(path.join(REAL_DIR, "ADABTC-1m-2021-11-27.csv"));
    const stem = "ADABTC-1m-2021-11-27";
    const zipPath = `/data/spot/daily/klines/ADABTC/1m/${stem}.zip`;
    const zip = writeZip([{ name: `${stem}.csv`, data: original }]);
    server.files.set(zipPath, zip);
    server.files.set(`${zipPath}.CHECKSUM`, Buffer.from(`${sha256(zip)}  ${stem}.zip\n`));
    const s = await downloadKlines(
      options({ symbols: ["ADABTC"], interval: "1m", granularity: "daily", from: "2021-11-27", to: "2021-11-27" }),
    );
    assert.equal(s.downloaded, 1);
    assert.ok(fs.readFileSync(path.join(cacheDir, "ADABTC/1m", `${stem}.csv`)).equals(original));
  });
});
