import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDownloadArgs, UsageError } from "../../lib/data/download/args";
import { publishArchive, startServer, type FixtureServer } from "./server";

const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = path.join(ROOT, "scripts", "download-binance.ts");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [SCRIPT, ...args], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === "number"
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("parseDownloadArgs", () => {
  test("reads every option, both --flag value and --flag=value", () => {
    const parsed = parseDownloadArgs(
      [
        "--symbols",
        "btcusdt, ETHUSDT",
        "--interval=1h",
        "--from",
        "2021-01-05",
        "--to",
        "2021-02",
        "--daily",
        "--base-url",
        "http://127.0.0.1:9",
        "--out",
        "cache",
        "--concurrency",
        "5",
        "--retries=0",
        "--no-verify",
        "--keep-zip",
      ],
      "/tmp/here",
    );
    assert.equal(parsed.kind, "run");
    if (parsed.kind !== "run") return;
    assert.deepEqual(parsed.options, {
      symbols: ["btcusdt", "ETHUSDT"],
      interval: "1h",
      from: "2021-01-05",
      to: "2021-02",
      granularity: "daily",
      baseUrl: "http://127.0.0.1:9",
      verifyChecksum: false,
      keepZip: true,
      cacheDir: "/tmp/here/cache",
      concurrency: 5,
      retries: 0,
    });
  });

  test("defaults: monthly, 1d, the public host, checksums on", () => {
    const parsed = parseDownloadArgs(["--symbols", "BTCUSDT", "--from", "2021-01", "--to", "2021-03"]);
    assert.ok(parsed.kind === "run");
    if (parsed.kind !== "run") return;
    assert.equal(parsed.options.granularity, "monthly");
    assert.equal(parsed.options.interval, "1d");
    assert.equal(parsed.options.baseUrl, "https://data.binance.vision");
    assert.equal(parsed.options.verifyChecksum, true);
    assert.equal(parsed.options.cacheDir, undefined);
    assert.deepEqual(parseDownloadArgs(["--help"]), { kind: "help" });
  });

  test("bad arguments give one-line errors naming the value and what is allowed", () => {
    const ok = ["--symbols", "BTCUSDT", "--from", "2021-01", "--to", "2021-03"];
    const cases: [string[], RegExp][] = [
      [
        [...ok, "--interval", "7m"],
        /^interval "7m" is not a Binance kline interval\. Allowed: 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1mo\.$/,
      ],
      [[...ok, "--concurrency", "50"], /^--concurrency "50" is not allowed: use an integer from 1 to 16\.$/],
      [[...ok, "--retries", "two"], /^--retries "two" is not allowed: use an integer from 0 to 10\.$/],
      [
        [...ok, "--frm", "2021-01"],
        /^unknown argument "--frm"\. Allowed: --symbols, --interval, --from, --to, --base-url, --out, --concurrency, --retries, --daily, --no-verify, --keep-zip, --help, -h\.$/,
      ],
      [["--symbols", "BTCUSDT", "--to", "2021-03"], /^--from is required/],
      [[...ok, "--interval"], /^--interval needs a value\.$/],
      [[...ok, "--daily=yes"], /^--daily takes no value/],
      [
        ["--symbols", "BTCUSDT", "--from", "2021/01", "--to", "2021-03"],
        /^from "2021\/01" is not a valid monthly period: use "YYYY-MM"/,
      ],
      [[...ok, "--base-url", "not a url"], /^baseUrl "not a url" is not a URL/],
    ];
    for (const [args, pattern] of cases) {
      assert.throws(
        () => parseDownloadArgs(args),
        (err: unknown) => err instanceof UsageError && pattern.test(err.message) && !err.message.includes("\n"),
        `args ${args.join(" ")}`,
      );
    }
  });
});

describe("scripts/download-binance.ts", () => {
  let server: FixtureServer;
  let out: string;
  before(async () => {
    server = await startServer();
    out = fs.mkdtempSync(path.join(os.tmpdir(), "binance-cli-"));
  });
  after(async () => {
    await server.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  test("downloads, prints progress and the summary; a bad interval exits 2 with one line", async () => {
    publishArchive(server, { symbol: "BTCUSDT", interval: "1d", period: "2021-02" });
    const [good, bad] = await Promise.all([
      run([
        "--symbols",
        "BTCUSDT",
        "--interval",
        "1d",
        "--from",
        "2021-01",
        "--to",
        "2021-02",
        "--base-url",
        server.baseUrl,
        "--out",
        out,
        "--concurrency",
        "1",
      ]),
      run(["--symbols", "BTCUSDT", "--interval", "1x", "--from", "2021-01", "--to", "2021-02"]),
    ]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /\[1\/2\] BTCUSDT 1d 2021-01 not available \(404\)/);
    assert.match(good.stdout, /\[2\/2\] BTCUSDT 1d 2021-02 downloaded \d+(\.\d)? k?B, checksum ok/);
    assert.match(good.stdout, /archives: 2 {2}downloaded: 1 {2}cached: 0 {2}not available: 1 {2}failed: 0/);
    assert.ok(fs.existsSync(path.join(out, "BTCUSDT", "1d", "BTCUSDT-1d-2021-02.csv")));

    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, "");
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    assert.match(
      bad.stderr,
      /^download-binance: interval "1x" is not a Binance kline interval\. Allowed: 1s, 1m, .*1mo\.\n$/,
    );
  });
});
