/**
 * One entry point for real price data: `loadPanel(source, path, options)` picks the loader
 * by source name, so that configuration (CAE_SOURCE, CAE_DATA_PATH) chooses the data and
 * no notebook has to know the formats. Every loader returns the validated Panel and its
 * ValidationReport.
 *
 * Supported sources (each takes a folder or a single file):
 *   kaggle     Kaggle "Cryptocurrency Historical Prices" coin_<Name>.csv
 *   binance    Binance klines: bulk CSV (any interval up to 1d, ms/us/s timestamps),
 *              daily <SYMBOL>.csv with ISO dates, REST /api/v3/klines JSON
 *   coingecko  CoinGecko <coin>-usd-max.csv and market_chart JSON
 *   csv        long CSV token,date,open,high,low,close,volume[,market_cap,symbol,name,sector]
 *   close      close-only <TOKEN>.csv per token: time,close[,volume] at any interval (intraday
 *              closes become daily OHLC from the closes; daily closes are price-only). The
 *              binance source also reads such files, recognised by their header.
 */
import { loadBinance } from "./loaders/binance";
import { loadCloseOnly } from "./loaders/close-only";
import { loadCoinGecko } from "./loaders/coingecko";
import { SUPPORTED_FORMATS, type LoadOptions } from "./loaders/common";
import { loadKaggle } from "./loaders/kaggle";
import { loadLongCsv } from "./loaders/long-csv";
import type { ValidationResult } from "./validate";

/** Options of loadPanel and the loaders (re-exported). */
export type { LoadOptions } from "./loaders/common";
/** The supported sources and layouts, as text (re-exported). */
export { SUPPORTED_FORMATS } from "./loaders/common";

/** The file-based sources loadPanel reads. */
export const PANEL_SOURCES = ["kaggle", "binance", "coingecko", "csv", "close"] as const;
/** One of PANEL_SOURCES. */
export type PanelSourceName = (typeof PANEL_SOURCES)[number];

/** The loader of each source. */
export const LOADERS: Readonly<Record<PanelSourceName, (target: string, options?: LoadOptions) => ValidationResult>> = {
  kaggle: loadKaggle,
  binance: loadBinance,
  coingecko: loadCoinGecko,
  csv: loadLongCsv,
  close: loadCloseOnly,
};

/**
 * Load a real price source (folder or file) into a validated Panel and its report.
 * Throws an Error listing the supported formats for an unknown source name, and a
 * DataError (file, line, column) for input it cannot use.
 */
export function loadPanel(source: string, target: string, options: LoadOptions = {}): ValidationResult {
  if ((PANEL_SOURCES as readonly string[]).includes(source)) return LOADERS[source as PanelSourceName](target, options);
  const hint =
    source === "synthetic"
      ? ' "synthetic" data is generated, not read from files: use the synthetic market generator for it.'
      : "";
  throw new Error(
    `Unknown data source ${JSON.stringify(source)}.${hint} Supported formats:\n  - ${SUPPORTED_FORMATS.join("\n  - ")}\n` +
      `Set the source (CAE_SOURCE) to one of: ${PANEL_SOURCES.join(", ")}.`,
  );
}

/** The report and result types of every loader (re-exported). */
export type { ValidationEntry, ValidationReport, ValidationResult } from "./validate";
