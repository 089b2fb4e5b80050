/**
 * Download Binance bulk kline archives into the cache folder the Binance loader reads.
 *
 *   tsx scripts/download-binance.ts --symbols BTCUSDT,ETHUSDT --interval 1d --from 2021-01 --to 2024-12
 *
 * Prints one line per archive and a summary. Reruns skip what is cached and resume partial
 * downloads. Exit code: 0 when nothing failed, 1 when some archive failed, 2 on bad arguments.
 * See `--help` for every option.
 */
import { downloadKlines, formatBytes, formatSummary, type DownloadEvent } from "../lib/data/download/binance";
import { parseDownloadArgs, UsageError, USAGE } from "../lib/data/download/args";

/** Exit code for bad arguments (as most Unix tools). */
const EXIT_USAGE = 2;
/** Exit code when at least one archive failed. */
const EXIT_FAILED = 1;

function describe(event: DownloadEvent): string {
  const width = String(event.total).length;
  const head = `[${String(event.done).padStart(width)}/${event.total}] ${event.archive.symbol} ${event.archive.interval} ${event.archive.period}`;
  switch (event.kind) {
    case "cached":
      return `${head} cached`;
    case "downloaded":
      return `${head} downloaded ${formatBytes(event.bytes)}${event.verified ? ", checksum ok" : ", no checksum offered"}${
        event.resumedFrom > 0 ? `, resumed at ${formatBytes(event.resumedFrom)}` : ""
      }`;
    case "missing":
      return `${head} not available (404)`;
    case "failed":
      return `${head} FAILED: ${event.error}`;
    case "retry":
      return `        retry ${event.retry.attempt}/${event.retry.retries} in ${(event.retry.delayMs / 1000).toFixed(1)} s: ${event.retry.reason}`;
  }
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseDownloadArgs>;
  try {
    parsed = parseDownloadArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`download-binance: ${err.message}`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (parsed.kind === "help") {
    console.log(USAGE);
    return 0;
  }
  const o = parsed.options;
  console.log(
    `Binance ${o.granularity} ${o.interval} klines for ${o.symbols.join(", ")}, ${o.from} to ${o.to}, from ${o.baseUrl}`,
  );
  const summary = await downloadKlines({ ...o, onProgress: (event) => console.log(describe(event)) });
  console.log(formatSummary(summary));
  return summary.failed.length > 0 ? EXIT_FAILED : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`download-binance: ${(err as Error).message}`);
    process.exitCode = EXIT_FAILED;
  },
);
