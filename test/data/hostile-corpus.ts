/**
 * A corpus of hostile inputs for the loaders, generated into a temporary folder.
 *
 * Each case builds its input (files, folders, links, pipes) and states what must happen:
 * a DataError (with the line / column where there is one) or a load whose report counts
 * the repair. The runner (hostile.test.ts) adds what every case must satisfy: it finishes
 * at once, throws nothing but DataError, keeps messages bounded and leaves no non-finite
 * value in the Panel or the feature matrix.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { CREDITCARD_FEATURE_NAMES } from "../../lib/data/creditcard-types";
import type { ValidationReport } from "../../lib/data/validate";

/** What a case loads: a price source, or the credit-card loader. */
export type CaseSource = "csv" | "kaggle" | "binance" | "coingecko" | "creditcard";

/** Expected outcome: a DataError matching `error` (and line / column when given), or a report check. */
export type Expectation =
  | { error: RegExp; line?: number | null; column?: string | number | null }
  | { ok: (report: ValidationReport | null) => void };

/** One hostile input. */
export interface HostileCase {
  name: string;
  /** The issue class it belongs to (for the summary). */
  kind: string;
  source: CaseSource;
  /** Build the input under `dir` (a fresh folder); returns the path to load, or null to skip (e.g. no mkfifo). */
  build: (dir: string) => string | null;
  options?: Record<string, unknown>;
  expect: Expectation;
}

const HEADER = "token,date,open,high,low,close,volume";

/** ISO date of 2022-01-01 + k days. */
export function isoDay(k: number): string {
  return new Date(Date.UTC(2022, 0, 1) + k * 86_400_000).toISOString().slice(0, 10);
}

/** `n` plain daily rows of token `tok` starting 2022-01-01 (prices 100 + k). */
export function dailyRows(tok: string, n: number, from = 0): string[] {
  return Array.from(
    { length: n },
    (_, k) => `${tok},${isoDay(from + k)},${100 + k},${102 + k},${99 + k},${101 + k},${1000 + k}`,
  );
}

/** A long CSV with 30 good rows and `bad` rows appended. */
function longCsv(bad: string[], extra: string[] = []): string {
  return [HEADER, ...dailyRows("aaa", 30), ...bad, ...extra].join("\n") + "\n";
}

function write(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** Make a FIFO; false when mkfifo is unavailable. */
function mkfifo(file: string): boolean {
  try {
    execFileSync("mkfifo", [file], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const entry = (r: ValidationReport | null, check: string) => r?.entries.find((e) => e.check === check);

/** Expect a report entry with this check, action and count. */
function counted(check: string, count: number, action?: string): Expectation {
  return {
    ok: (r) => {
      const e = entry(r, check);
      if (!e) throw new Error(`no "${check}" entry in the report: ${r?.entries.map((x) => x.check).join(", ")}`);
      if (e.count !== count) throw new Error(`"${check}" counted ${e.count}, expected ${count}`);
      if (action && e.action !== action) throw new Error(`"${check}" is ${e.action}, expected ${action}`);
    },
  };
}

/** A credit-card header and rows; `cell(row, col)` overrides a value. */
function creditCard(rows: number, cell?: (r: number, c: string) => string | undefined, header?: string[]): string {
  const cols = header ?? [...CREDITCARD_FEATURE_NAMES, "Class"];
  const lines = [cols.join(",")];
  for (let r = 0; r < rows; r++) {
    lines.push(
      cols
        .map(
          (c) =>
            cell?.(r, c) ??
            (c === "Time"
              ? String(r * 10)
              : c === "Amount"
                ? "12.5"
                : c === "Class"
                  ? String(r % 7 === 3 ? 1 : 0)
                  : "0.25"),
        )
        .join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/** Klines JSON rows (hourly from 2022-01-01) with `patch` applied to some items. */
function klines(n: number, patch?: (k: number, row: unknown[]) => void): string {
  const t0 = Date.UTC(2022, 0, 1);
  const rows = Array.from({ length: n }, (_, k) => {
    const row: unknown[] = [
      t0 + k * 3_600_000,
      "100",
      "101",
      "99",
      "100.5",
      "10",
      t0 + (k + 1) * 3_600_000 - 1,
      "0",
      1,
      "0",
      "0",
      "0",
    ];
    patch?.(k, row);
    return row;
  });
  return JSON.stringify(rows);
}

/** Nested arrays `depth` deep around `inner`, as JSON text (built without recursion). */
function deepArray(depth: number, inner = "1"): string {
  return "[".repeat(depth) + inner + "]".repeat(depth);
}

/** A market_chart document with daily points; `shift` moves the volume times by that many ms. */
function marketChart(days: number, shift = 0): string {
  const t0 = Date.UTC(2022, 0, 1);
  const pts = (f: (k: number) => number, dt = 0) =>
    Array.from({ length: days }, (_, k) => [t0 + k * 86_400_000 + dt, f(k)]);
  return JSON.stringify({
    prices: pts((k) => 100 + k),
    market_caps: pts((k) => 1e9 + k, shift),
    total_volumes: pts((k) => 1e6 + k, shift),
  });
}

/** CoinGecko max-export rows. */
function geckoCsv(days: number): string {
  const lines = ["snapped_at,price,market_cap,total_volume"];
  for (let k = 0; k < days; k++) lines.push(`${isoDay(k)} 00:00:00 UTC,${100 + k},${1e9 + k},${1e6 + k}`);
  return lines.join("\n") + "\n";
}

/** Kaggle coin file rows. */
function kaggleCsv(name: string, symbol: string, days: number, symbolAt?: (k: number) => string): string {
  const lines = ["SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap"];
  for (let k = 0; k < days; k++)
    lines.push(
      `${k + 1},${name},${symbolAt?.(k) ?? symbol},${isoDay(k)} 23:59:59,${102 + k},${99 + k},${100 + k},${101 + k},${1000 + k},${1e9 + k}`,
    );
  return lines.join("\n") + "\n";
}

/** Binance daily layout (timestamp,open,...) with epoch ms times at the given day offsets. */
function binanceDaily(days: number[]): string {
  const lines = ["timestamp,open,high,low,close,volume"];
  for (const k of days) lines.push(`${Date.UTC(2022, 0, 1) + k * 86_400_000},100,102,99,101,1000`);
  return lines.join("\n") + "\n";
}

const dateCases: HostileCase[] = ["1900-01-01", "1950-06-01", "1973-03-04", "2100-01-01", "2999-12-31"].map((d) => ({
  name: `date ${d}`,
  kind: "implausible dates",
  source: "csv",
  build: (dir) => write(dir, "prices.csv", longCsv([`aaa,${d},1,1,1,1,1`])),
  expect: counted("implausible date", 1, "dropped"),
}));

const magnitudeCases: HostileCase[] = [
  ["close 1e308", "aaa,2022-03-01,1,1e308,1,1e308,1"],
  ["open 5e-324", "aaa,2022-03-01,5e-324,1,1,1,1"],
  ["low 1e-300", "aaa,2022-03-01,1,1,1e-300,1,1"],
  ["high 1e13", "aaa,2022-03-01,1,1e13,1,1,1"],
  ["volume 1e308", "aaa,2022-03-01,1,1,1,1,1e308"],
  ["volume 1e21", "aaa,2022-03-01,1,1,1,1,1e21"],
  ["price 1.7976931348623157e308 (MAX_VALUE)", "aaa,2022-03-01,1.7976931348623157e308,1.7976931348623157e308,1,1,1"],
].map(([name, row]) => ({
  name: name!,
  kind: "absurd magnitudes",
  source: "csv" as const,
  build: (dir: string) => write(dir, "prices.csv", longCsv([row!])),
  expect: counted("implausible magnitude", 1, "dropped"),
}));

/** The corpus. */
export const HOSTILE_CASES: HostileCase[] = [
  // --- non-finite values and sums
  {
    name: "two intraday bars of volume 1e308 (sum would be Infinity)",
    kind: "non-finite sums",
    source: "csv",
    options: { intraday: true },
    build: (dir) =>
      write(
        dir,
        "bars.csv",
        [
          HEADER,
          "aaa,2022-01-01T00:00:00Z,1,1,1,1,1e308",
          "aaa,2022-01-01T12:00:00Z,1,1,1,1,1e308",
          "aaa,2022-01-02T00:00:00Z,1,1,1,1,5",
        ].join("\n"),
      ),
    expect: counted("implausible magnitude", 2, "dropped"),
  },
  {
    name: "Binance klines JSON: two hourly bars with volume 1e308",
    kind: "non-finite sums",
    source: "binance",
    build: (dir) =>
      write(
        dir,
        "BTCUSDT-1h.json",
        klines(48, (k, r) => k < 2 && (r[5] = "1e308")),
      ),
    expect: counted("implausible magnitude", 2, "dropped"),
  },
  {
    name: "close 'inf'",
    kind: "non-finite values",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv(["aaa,2022-03-01,1,1,1,inf,1"])),
    expect: counted("non-finite price", 1),
  },
  {
    name: "close '1e999' (parses to Infinity)",
    kind: "non-finite values",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv(["aaa,2022-03-01,1,1,1,1e999,1"])),
    expect: counted("non-finite price", 1),
  },
  {
    name: "volume '-Infinity'",
    kind: "non-finite values",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv(["aaa,2022-03-01,1,1,1,1,-Infinity"])),
    expect: counted("non-finite volume", 1),
  },
  {
    name: "volume -1e308",
    kind: "non-finite values",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv(["aaa,2022-03-01,1,1,1,1,-1e308"])),
    expect: counted("negative volume", 1),
  },
  {
    name: "price '-0'",
    kind: "absurd magnitudes",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv(["aaa,2022-03-01,-0,1,1,1,1"])),
    expect: counted("non-positive price", 1),
  },
  {
    name: "market cap 1e300",
    kind: "absurd magnitudes",
    source: "csv",
    build: (d) =>
      write(d, "p.csv", [`${HEADER},market_cap`, ...dailyRows("aaa", 30).map((r) => `${r},1e300`)].join("\n")),
    expect: counted("market cap not positive", 30, "repaired"),
  },
  ...magnitudeCases,
  // --- dates
  ...dateCases,
  {
    name: "epoch seconds of 2100 in a Binance daily file",
    kind: "implausible dates",
    source: "binance",
    build: (d) => write(d, "BTCUSDT.csv", binanceDaily([0, 1, 2]) + "4102444800000,1,1,1,1,1\n"),
    expect: counted("implausible date", 1, "dropped"),
  },
  {
    name: "Kaggle row dated 1900",
    kind: "implausible dates",
    source: "kaggle",
    build: (d) =>
      write(d, "coin_Foo.csv", kaggleCsv("Foo", "FOO", 10) + "11,Foo,FOO,1900-01-01 23:59:59,1,1,1,1,1,1\n"),
    expect: counted("implausible date", 1, "dropped"),
  },
  {
    name: "date 0000-01-01",
    kind: "implausible dates",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv(["aaa,0000-01-01,1,1,1,1,1"])),
    expect: { error: /date|year/i, line: 32 },
  },
  // --- non-regular folder entries and paths
  {
    name: "FIFO named prices.csv as the path",
    kind: "non-regular entries",
    source: "csv",
    build: (d) => (mkfifo(path.join(d, "prices.csv")) ? path.join(d, "prices.csv") : null),
    expect: { error: /is a named pipe \(FIFO\)/ },
  },
  {
    name: "FIFO next to a good file in a folder",
    kind: "non-regular entries",
    source: "csv",
    build: (d) => {
      write(d, "good.csv", longCsv([]));
      return mkfifo(path.join(d, "stuck.csv")) ? d : null;
    },
    expect: counted("skipped entries", 1, "flagged"),
  },
  {
    name: "dangling symlink as the path",
    kind: "non-regular entries",
    source: "csv",
    build: (d) => {
      fs.symlinkSync(path.join(d, "gone.csv"), path.join(d, "link.csv"));
      return path.join(d, "link.csv");
    },
    expect: { error: /link\.csv: does not exist/ },
  },
  {
    name: "dangling symlink in a folder with a good file",
    kind: "non-regular entries",
    source: "csv",
    build: (d) => {
      write(d, "good.csv", longCsv([]));
      fs.symlinkSync(path.join(d, "gone.csv"), path.join(d, "bad.csv"));
      return d;
    },
    expect: counted("skipped entries", 1, "flagged"),
  },
  {
    name: "symlink loop as the path",
    kind: "non-regular entries",
    source: "csv",
    build: (d) => {
      fs.symlinkSync(path.join(d, "b.csv"), path.join(d, "a.csv"));
      fs.symlinkSync(path.join(d, "a.csv"), path.join(d, "b.csv"));
      return path.join(d, "a.csv");
    },
    expect: { error: /symbolic link loop/ },
  },
  {
    name: "symlink loop in a folder with a good file",
    kind: "non-regular entries",
    source: "kaggle",
    build: (d) => {
      write(d, "coin_Good.csv", kaggleCsv("Good", "GD", 10));
      fs.symlinkSync(path.join(d, "coin_B.csv"), path.join(d, "coin_A.csv"));
      fs.symlinkSync(path.join(d, "coin_A.csv"), path.join(d, "coin_B.csv"));
      return d;
    },
    expect: counted("skipped entries", 2, "flagged"),
  },
  {
    name: "/dev/null as the path",
    kind: "non-regular entries",
    source: "csv",
    build: () => (fs.existsSync("/dev/null") ? "/dev/null" : null),
    expect: { error: /character device/ },
  },
  {
    name: "/dev/null as the credit-card path",
    kind: "non-regular entries",
    source: "creditcard",
    build: () => (fs.existsSync("/dev/null") ? "/dev/null" : null),
    expect: { error: /character device/ },
  },
  {
    name: "a folder as the credit-card path",
    kind: "non-regular entries",
    source: "creditcard",
    build: (d) => d,
    expect: { error: /is a folder, not a regular file/ },
  },
  {
    name: "a FIFO as the credit-card path",
    kind: "non-regular entries",
    source: "creditcard",
    build: (d) => (mkfifo(path.join(d, "creditcard.csv")) ? path.join(d, "creditcard.csv") : null),
    expect: { error: /named pipe/ },
  },
  {
    name: "a path through a file (ENOTDIR)",
    kind: "non-regular entries",
    source: "csv",
    build: (d) => path.join(write(d, "p.csv", longCsv([])), "x.csv"),
    expect: { error: /not a folder/ },
  },
  {
    name: "a missing path",
    kind: "non-regular entries",
    source: "binance",
    build: (d) => path.join(d, "nope"),
    expect: { error: /nope: does not exist/ },
  },
  {
    name: "an empty folder",
    kind: "non-regular entries",
    source: "coingecko",
    build: (d) => d,
    expect: { error: /holds no CoinGecko/ },
  },
  {
    name: "a symlinked folder pointing at its parent",
    kind: "non-regular entries",
    source: "csv",
    build: (d) => {
      write(d, "good.csv", longCsv([]));
      fs.symlinkSync(d, path.join(d, "again"));
      return d;
    },
    expect: counted("links to files already read", 1, "info"),
  },
  {
    name: "a symlinked file next to its target (read once)",
    kind: "non-regular entries",
    source: "csv",
    build: (d) => {
      write(d, "a.csv", longCsv([]));
      fs.symlinkSync(path.join(d, "a.csv"), path.join(d, "b.csv"));
      return d;
    },
    expect: counted("links to files already read", 1, "info"),
  },
  // --- deep JSON
  {
    name: "klines: a price that is a 20,000-deep array",
    kind: "deep JSON",
    source: "binance",
    build: (d) => write(d, "BTCUSDT-1h.json", `[[1640995200000,${deepArray(20_000)},"1","1","1","1"]]`),
    expect: { error: /nests arrays or objects more than 16 levels/ },
  },
  {
    name: "market_chart: 20,000-deep object",
    kind: "deep JSON",
    source: "coingecko",
    build: (d) => write(d, "btc_market_chart.json", '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000)),
    expect: { error: /more than 16 levels/ },
  },
  {
    name: "klines: a price that is a 12-deep array (under the limit)",
    kind: "deep JSON",
    source: "binance",
    build: (d) => write(d, "BTCUSDT-1h.json", `[[1640995200000,${deepArray(12)},"1","1","1","1"]]`),
    expect: { error: /\[\[\[\.\.\.\]\]\] is not a number/, column: "item 1, open" },
  },
  {
    name: "klines: a price that is an object",
    kind: "deep JSON",
    source: "binance",
    build: (d) => write(d, "BTCUSDT-1h.json", `[[1640995200000,{"x":[1,2]},"1","1","1","1"]]`),
    expect: { error: /is not a number/, column: "item 1, open" },
  },
  {
    name: "market_chart: a pair that is a deep array",
    kind: "deep JSON",
    source: "coingecko",
    build: (d) => write(d, "btc_market_chart.json", `{"prices":[${deepArray(10)}],"total_volumes":[]}`),
    expect: { error: /expected a \[epoch ms, price\] pair/ },
  },
  {
    name: "JSON string braces do not count as nesting",
    kind: "deep JSON",
    source: "binance",
    build: (d) => write(d, "BTCUSDT-1h.json", `[[1640995200000,"${"[".repeat(1000)}","1","1","1","1"]]`),
    expect: { error: /is not a number/ },
  },
  {
    name: "truncated JSON",
    kind: "deep JSON",
    source: "binance",
    build: (d) => write(d, "BTCUSDT-1h.json", klines(5).slice(0, -10)),
    expect: { error: /is not valid JSON/ },
  },
  {
    name: "JSON that is a number",
    kind: "deep JSON",
    source: "binance",
    build: (d) => write(d, "BTCUSDT-1h.json", "42"),
    expect: { error: /not a Binance \/api\/v3\/klines response/ },
  },
  {
    name: "market_chart prices not a list",
    kind: "deep JSON",
    source: "coingecko",
    build: (d) => write(d, "btc_market_chart.json", '{"prices":{"a":1}}'),
    expect: { error: /not a CoinGecko market_chart response/ },
  },
  // --- cost bombs
  {
    name: "5 MB single line, no newline",
    kind: "cost bombs",
    source: "csv",
    build: (d) => write(d, "p.csv", "a".repeat(5_000_000)),
    expect: { error: /longer than 65536 bytes/, line: 1 },
  },
  {
    name: "5 MB header cell then rows",
    kind: "cost bombs",
    source: "csv",
    build: (d) => write(d, "p.csv", `${"c".repeat(5_000_000)}\n1,2\n`),
    expect: { error: /longer than 65536 bytes/, line: 1 },
  },
  {
    name: "100 KB data line",
    kind: "cost bombs",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv([`aaa,2022-03-01,1,1,1,1,${"9".repeat(100_000)}`])),
    expect: { error: /longer than 65536 bytes/, line: 32 },
  },
  {
    name: "quoted field spanning 100 KB of lines",
    kind: "cost bombs",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv([`"aaa${"\nx".repeat(50_000)}",2022-03-01,1,1,1,1,1`])),
    expect: { error: /longer than 65536 bytes/ },
  },
  {
    name: "60 KB header cell, columns missing (no hint computed)",
    kind: "cost bombs",
    source: "csv",
    build: (d) => write(d, "p.csv", `${"closx".repeat(12_000)},date\n1,2\n`),
    expect: { error: /missing columns/, line: 1 },
  },
  {
    name: "5,000 header columns, required ones missing",
    kind: "cost bombs",
    source: "csv",
    build: (d) =>
      write(d, "p.csv", `${Array.from({ length: 5000 }, (_, i) => `c${i}`).join(",")}\n${"1,".repeat(4999)}1\n`),
    expect: { error: /\.\.\. \(5000 columns\)/, line: 1 },
  },
  {
    name: "50 KB token name",
    kind: "cost bombs",
    source: "csv",
    build: (d) => write(d, "p.csv", [HEADER, ...dailyRows("T".repeat(50_000), 10)].join("\n")),
    expect: counted("token ids made safe", 1, "info"),
  },
  {
    name: "1 MB string as a JSON price",
    kind: "cost bombs",
    source: "binance",
    build: (d) => write(d, "BTCUSDT-1h.json", `[[1640995200000,"${"x".repeat(1_000_000)}","1","1","1","1"]]`),
    expect: { error: /is not a number/ },
  },
  {
    name: "1 MB numeric-looking JSON string",
    kind: "cost bombs",
    source: "binance",
    build: (d) => write(d, "BTCUSDT-1h.json", `[[1640995200000,"${"1".repeat(1_000_000)}","1","1","1","1"]]`),
    expect: { error: /is not a number/ },
  },
  {
    name: "10,000 distinct bad rows: examples stay at 5",
    kind: "cost bombs",
    source: "csv",
    build: (d) =>
      write(d, "p.csv", longCsv(Array.from({ length: 10_000 }, (_, k) => `aaa,${isoDay(40 + k)},-1,1,1,1,1`))),
    expect: counted("non-positive price", 10_000),
  },
  // --- silent merges
  {
    name: "coin_Bitcoin.csv (BTC) and coin_bitcoin.csv (BCH) stay two tokens",
    kind: "silent merges",
    source: "kaggle",
    build: (d) => {
      write(d, "coin_Bitcoin.csv", kaggleCsv("Bitcoin", "BTC", 10));
      write(d, "coin_bitcoin.csv", kaggleCsv("Bitcoin Cash", "BCH", 10));
      return d;
    },
    expect: {
      ok: (r) => {
        if (r?.tokens !== 2) throw new Error(`expected 2 tokens, got ${r?.tokens}`);
      },
    },
  },
  {
    name: "a Kaggle file whose rows switch coin",
    kind: "silent merges",
    source: "kaggle",
    build: (d) =>
      write(
        d,
        "coin_Bitcoin.csv",
        kaggleCsv("Bitcoin", "BTC", 10, (k) => (k < 6 ? "BTC" : "ETH")),
      ),
    expect: { error: /"ETH" differs from "BTC" on line 2: this file switches coin/, line: 8, column: "Symbol" },
  },
  {
    name: "CoinGecko btc-eur-max.csv next to eth-usd-max.csv",
    kind: "silent merges",
    source: "coingecko",
    build: (d) => {
      write(d, "btc-eur-max.csv", geckoCsv(10));
      write(d, "eth-usd-max.csv", geckoCsv(10));
      return d;
    },
    expect: { error: /holds prices in USD but btc-eur-max holds them in EUR/ },
  },
  {
    name: "CoinGecko EUR export alone: loaded and labelled",
    kind: "silent merges",
    source: "coingecko",
    build: (d) => write(d, "btc-eur-max.csv", geckoCsv(10)),
    expect: counted("quote currency", 1, "info"),
  },
  // --- misleading errors
  {
    name: "Binance daily file with one missing day (3 rows)",
    kind: "misleading errors",
    source: "binance",
    build: (d) => write(d, "BTCUSDT.csv", binanceDaily([0, 1, 3])),
    expect: {
      ok: (r) =>
        r?.gaps.count === 1
          ? undefined
          : (() => {
              throw new Error(`gaps ${r?.gaps.count}`);
            })(),
    },
  },
  {
    name: "Binance daily file of two rows two days apart",
    kind: "misleading errors",
    source: "binance",
    build: (d) => write(d, "BTCUSDT.csv", binanceDaily([0, 2])),
    expect: {
      ok: (r) =>
        r?.gaps.count === 1
          ? undefined
          : (() => {
              throw new Error(`gaps ${r?.gaps.count}`);
            })(),
    },
  },
  {
    name: "Binance weekly file (named 1w) is refused",
    kind: "misleading errors",
    source: "binance",
    build: (d) => write(d, "BTCUSDT-1w-2022.csv", binanceDaily([0, 7, 14])),
    expect: { error: /interval 1w, coarser than a day/ },
  },
  {
    name: "CR-only line ends",
    kind: "misleading errors",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv([]).replace(/\n/g, "\r")),
    expect: { error: /lone carriage return/ },
  },
  {
    name: "CRLF line ends load",
    kind: "misleading errors",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv([]).replace(/\n/g, "\r\n")),
    expect: {
      ok: (r) =>
        r?.rowsKept === 30
          ? undefined
          : (() => {
              throw new Error(`kept ${r?.rowsKept}`);
            })(),
    },
  },
  {
    name: "market_chart volumes 1 ms off the prices",
    kind: "misleading errors",
    source: "coingecko",
    build: (d) => write(d, "btc_market_chart.json", marketChart(10, 1)),
    expect: counted("market_chart times aligned", 20, "repaired"),
  },
  {
    name: "market_chart volumes 2 min off are not matched",
    kind: "misleading errors",
    source: "coingecko",
    build: (d) => write(d, "btc_market_chart.json", marketChart(10, 120_000)),
    expect: { error: /no valid rows/ },
  },
  // --- credit card
  {
    name: "credit card: V3 = 1e39 (beyond float32)",
    kind: "credit card",
    source: "creditcard",
    build: (d) =>
      write(
        d,
        "cc.csv",
        creditCard(10, (r, c) => (r === 4 && c === "V3" ? "1e39" : undefined)),
      ),
    expect: { error: /beyond the plausible magnitude/, line: 6, column: "V3" },
  },
  {
    name: "credit card: Amount = 1e16",
    kind: "credit card",
    source: "creditcard",
    build: (d) =>
      write(
        d,
        "cc.csv",
        creditCard(10, (r, c) => (r === 2 && c === "Amount" ? "1e16" : undefined)),
      ),
    expect: { error: /beyond the plausible magnitude/, line: 4, column: "Amount" },
  },
  {
    name: "credit card: negative Amount",
    kind: "credit card",
    source: "creditcard",
    build: (d) =>
      write(
        d,
        "cc.csv",
        creditCard(10, (r, c) => (r === 1 && c === "Amount" ? "-5" : undefined)),
      ),
    expect: { error: /negative; Amount/, line: 3, column: "Amount" },
  },
  {
    name: "credit card: negative Time",
    kind: "credit card",
    source: "creditcard",
    build: (d) =>
      write(
        d,
        "cc.csv",
        creditCard(10, (r, c) => (r === 0 && c === "Time" ? "-1" : undefined)),
      ),
    expect: { error: /negative; Time/, line: 2, column: "Time" },
  },
  {
    name: "credit card: a second V1 column",
    kind: "credit card",
    source: "creditcard",
    build: (d) => write(d, "cc.csv", creditCard(3, undefined, [...CREDITCARD_FEATURE_NAMES, "Class", "V1"])),
    expect: { error: /names column "V1" twice \(columns 2 and 32/, line: 1 },
  },
  {
    name: "credit card: a second Class column",
    kind: "credit card",
    source: "creditcard",
    build: (d) => write(d, "cc.csv", creditCard(3, undefined, [...CREDITCARD_FEATURE_NAMES, "Class", "class"])),
    expect: { error: /twice/, line: 1 },
  },
  {
    name: "credit card: Class 2",
    kind: "credit card",
    source: "creditcard",
    build: (d) =>
      write(
        d,
        "cc.csv",
        creditCard(5, (r, c) => (r === 2 && c === "Class" ? "2" : undefined)),
      ),
    expect: { error: /not a class label/, line: 4, column: "Class" },
  },
  {
    name: "credit card: NaN feature",
    kind: "credit card",
    source: "creditcard",
    build: (d) =>
      write(
        d,
        "cc.csv",
        creditCard(5, (r, c) => (r === 2 && c === "V7" ? "NaN" : undefined)),
      ),
    expect: { error: /not a finite number/, line: 4, column: "V7" },
  },
  // --- more layouts and encodings
  {
    name: "a second close column (long CSV)",
    kind: "duplicate columns",
    source: "csv",
    build: (d) =>
      write(
        d,
        "p.csv",
        `${HEADER},close\n${dailyRows("a", 3)
          .map((r) => `${r},5`)
          .join("\n")}\n`,
      ),
    expect: { error: /names column "close" twice/, line: 1 },
  },
  {
    name: "Close and close (case-insensitive duplicate)",
    kind: "duplicate columns",
    source: "csv",
    build: (d) =>
      write(
        d,
        "p.csv",
        `token,date,open,high,low,Close,volume,close\n${dailyRows("a", 3)
          .map((r) => `${r},5`)
          .join("\n")}\n`,
      ),
    expect: { error: /twice/ },
  },
  {
    name: "UTF-16 LE file",
    kind: "encodings",
    source: "csv",
    build: (d) => write(d, "p.csv", Buffer.from(`\ufeff${longCsv([])}`, "utf16le")),
    expect: { error: /missing column|not a number|fields/ },
  },
  {
    name: "64 KB of random bytes",
    kind: "encodings",
    source: "csv",
    build: (d) => write(d, "p.csv", Buffer.from(Array.from({ length: 65_000 }, (_, i) => (i * 2654435761) % 251))),
    expect: { error: /./ },
  },
  {
    name: "NUL bytes in a number",
    kind: "encodings",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv(["aaa,2022-03-01,1,1,1,1\u0000,1"])),
    expect: { error: /is not a number/, line: 32, column: "close" },
  },
  {
    name: "hex number 0x10",
    kind: "encodings",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv(["aaa,2022-03-01,0x10,1,1,1,1"])),
    expect: { error: /"0x10" is not a number/, line: 32, column: "open" },
  },
  {
    name: "semicolon-separated file",
    kind: "encodings",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv([]).replace(/,/g, ";")),
    expect: { error: /missing columns/ },
  },
  {
    name: "only blank lines",
    kind: "encodings",
    source: "csv",
    build: (d) => write(d, "p.csv", "\n\n\r\n\n"),
    expect: { error: /the file is empty/ },
  },
  {
    name: "unterminated quote",
    kind: "encodings",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv(['"aaa,2022-03-01,1,1,1,1,1'])),
    expect: { error: /never closed/ },
  },
  {
    name: "token '../../etc/passwd'",
    kind: "path and markup text",
    source: "csv",
    build: (d) => write(d, "p.csv", [HEADER, ...dailyRows("../../etc/passwd", 5)].join("\n")),
    expect: counted("token ids made safe", 1),
  },
  {
    name: "token '<script>alert(1)</script>'",
    kind: "path and markup text",
    source: "csv",
    build: (d) => write(d, "p.csv", [HEADER, ...dailyRows("<script>alert(1)</script>", 5)].join("\n")),
    expect: counted("token ids made safe", 1),
  },
  {
    name: "conflicting duplicate day",
    kind: "duplicates",
    source: "csv",
    build: (d) => write(d, "p.csv", longCsv(["aaa,2022-01-05,1,1,1,7,1"])),
    expect: { error: /two different rows for day 2022-01-05/, line: 32 },
  },
];

/** A fresh temporary folder for one case (removed when the process exits). */
export function caseDir(root: string, k: number): string {
  const dir = path.join(root, `case-${String(k).padStart(3, "0")}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh corpus root under the OS temp folder. */
export function corpusRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-"));
  process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}
