/**
 * Command-line arguments of the Binance downloader (scripts/download-binance.ts), parsed and
 * validated here so that the script stays thin and the rules are unit-tested: every bad
 * argument becomes one line naming the value and what is allowed.
 */
import * as path from "node:path";
import {
  BINANCE_BASE_URL,
  BINANCE_INTERVALS,
  DEFAULT_CONCURRENCY,
  DEFAULT_RETRIES,
  MAX_CONCURRENCY,
  MAX_RETRIES,
  listKlineArchives,
  type DownloadKlinesOptions,
} from "./binance";

/** A command-line mistake; the message is one line meant for the user. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Options that take a value. */
const VALUE_FLAGS = [
  "--symbols",
  "--interval",
  "--from",
  "--to",
  "--base-url",
  "--out",
  "--concurrency",
  "--retries",
] as const;
/** Options that are switches. */
const SWITCH_FLAGS = ["--daily", "--no-verify", "--keep-zip", "--help", "-h"] as const;
/** Interval used when --interval is not given: daily candles, what the Panel is built from. */
const DEFAULT_INTERVAL = "1d";

/** Usage text printed by --help. */
export const USAGE = `Download Binance bulk kline archives (data.binance.vision) into {out}/{SYMBOL}/{INTERVAL}/*.csv

Usage: tsx scripts/download-binance.ts --symbols BTCUSDT,ETHUSDT --from 2021-01 --to 2024-12 [options]

  --symbols LIST       comma-separated Binance symbols (required)
  --from YYYY-MM       first month (with --daily also YYYY-MM-DD) (required)
  --to YYYY-MM         last month, inclusive (with --daily also YYYY-MM-DD) (required)
  --interval I         ${BINANCE_INTERVALS.join(", ")} (default ${DEFAULT_INTERVAL})
  --daily              one archive per day instead of per month
  --base-url URL       server root (default ${BINANCE_BASE_URL})
  --out DIR            cache folder (default data/raw/binance)
  --concurrency N      parallel downloads, 1..${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})
  --retries N          retries per request, 0..${MAX_RETRIES} (default ${DEFAULT_RETRIES})
  --no-verify          do not fetch and check the .CHECKSUM files
  --keep-zip           keep the verified zips next to the CSVs
  -h, --help           show this help`;

/** Result of {@link parseDownloadArgs}. */
export type ParsedDownloadArgs = { kind: "help" } | { kind: "run"; options: DownloadKlinesOptions };

function parseCount(flag: string, value: string, lo: number, hi: number): number {
  if (!/^\d+$/.test(value) || Number(value) < lo || Number(value) > hi) {
    throw new UsageError(`${flag} "${value}" is not allowed: use an integer from ${lo} to ${hi}.`);
  }
  return Number(value);
}

/**
 * Parse the downloader's arguments (without the node and script paths). Accepts
 * `--flag value` and `--flag=value`.
 *
 * @param cwd  folder a relative --out is resolved against
 * @throws UsageError with a one-line message for unknown options, missing values or bad values
 */
export function parseDownloadArgs(argv: readonly string[], cwd: string = process.cwd()): ParsedDownloadArgs {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if ((SWITCH_FLAGS as readonly string[]).includes(flag)) {
      if (eq > 0) throw new UsageError(`${flag} takes no value (got "${arg}").`);
      switches.add(flag);
    } else if ((VALUE_FLAGS as readonly string[]).includes(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new UsageError(`${flag} needs a value.`);
      values.set(flag, value);
    } else {
      throw new UsageError(`unknown argument "${arg}". Allowed: ${[...VALUE_FLAGS, ...SWITCH_FLAGS].join(", ")}.`);
    }
  }
  if (switches.has("--help") || switches.has("-h")) return { kind: "help" };
  for (const required of ["--symbols", "--from", "--to"]) {
    if (!values.has(required)) throw new UsageError(`${required} is required (see --help).`);
  }
  const options: DownloadKlinesOptions = {
    symbols: values
      .get("--symbols")!
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    interval: values.get("--interval") ?? DEFAULT_INTERVAL,
    from: values.get("--from")!,
    to: values.get("--to")!,
    granularity: switches.has("--daily") ? "daily" : "monthly",
    baseUrl: values.get("--base-url") ?? BINANCE_BASE_URL,
    verifyChecksum: !switches.has("--no-verify"),
    keepZip: switches.has("--keep-zip"),
  };
  if (values.has("--out")) options.cacheDir = path.resolve(cwd, values.get("--out")!);
  if (values.has("--concurrency"))
    options.concurrency = parseCount("--concurrency", values.get("--concurrency")!, 1, MAX_CONCURRENCY);
  if (values.has("--retries")) options.retries = parseCount("--retries", values.get("--retries")!, 0, MAX_RETRIES);
  try {
    listKlineArchives(options);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return { kind: "run", options };
}
