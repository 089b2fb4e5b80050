/**
 * Loader for CoinGecko exports:
 *
 *  - "<coin>-usd-max.csv" from a coin page's "max" download: snapped_at,price,market_cap,
 *    total_volume with snapped_at like "2013-04-28 00:00:00 UTC", one row per day. There
 *    is one price per day: it is the close, and open, high and low stay unknown (NaN; the
 *    "price only" entry counts the rows, and features that need them are left out).
 *  - a /coins/{id}/market_chart JSON response: {prices, market_caps, total_volumes}, each
 *    a list of [epoch ms, value] pairs, possibly many per day. Points are closes that
 *    validation aggregates to UTC days, so a day's OHLC comes from its points. total_volumes are rolling 24 h totals, so a day's
 *    volume is its last value, not a sum.
 *
 * Token ids are upper-case symbols from the file name: "btc-usd-max.csv" -> "BTC"; a
 * market_chart file names a coin id, mapped to its symbol when listed ("bitcoin_market_chart.json"
 * -> "BTC"), else upper-cased. The quote currency comes from the export name too: files of different
 * quote currencies ("btc-eur-max.csv" next to "eth-usd-max.csv") are refused, and a load
 * in another currency than USD says so in the report. market_caps / total_volumes points
 * a few ms off their price point are matched to it (counted), not dropped.
 */
import { CsvReader, findColumns, type ColumnSpec } from "../csv";
import { DataError } from "../errors";
import { describeJsonValue } from "../limits";
import { RawRows } from "../raw";
import { sectorFor, symbolForName } from "../sectors";
import { DateParser } from "../timestamps";
import type { ValidationResult } from "../validate";
import {
  jsonNumber,
  listInputFiles,
  readJsonFile,
  sectorSettings,
  stemOf,
  type LoadOptions,
  rowTime,
  validateLoaded,
} from "./common";

/** Layout name used in messages. */
export const COINGECKO_LAYOUT = "CoinGecko";

/** Columns of a "max" CSV export. */
export const COINGECKO_COLUMNS: readonly ColumnSpec[] = [
  { key: "time", names: ["snapped_at"], required: true },
  { key: "price", names: ["price"], required: true },
  { key: "marketCap", names: ["market_cap", "marketcap"], required: false },
  { key: "volume", names: ["total_volume", "volume"], required: true },
];

/** "<coin>-<vs>-max" / "<coin>-<vs>-<days>" export names. */
const EXPORT_NAME_RE = /^(.+?)-([a-z]{3,4})-(max|\d+)$/i;
/** "<id>_market_chart" / "<id>-market-chart" response names. */
const CHART_NAME_RE = /^(.+?)[_-]?market[_-]?chart$/i;

/** The quote currency of an export name ("btc-eur-max.csv" -> "eur"), or null when the name does not say. */
function quoteCurrencyOf(file: string): string | null {
  const m = EXPORT_NAME_RE.exec(stemOf(file));
  return m ? m[2]!.toLowerCase() : null;
}

function coinKey(file: string): string {
  const stem = stemOf(file);
  const m = EXPORT_NAME_RE.exec(stem) ?? CHART_NAME_RE.exec(stem);
  return m ? m[1]! : stem;
}

/** A [ms, value] series as a time -> value lookup (aligned by index when the times match). */
function seriesLookup(series: unknown, file: string, name: string): ((idx: number, ms: number) => number) | null {
  if (series === undefined) return null;
  if (!Array.isArray(series))
    throw new DataError(
      file,
      null,
      name,
      `expected a list of [epoch ms, value] pairs, got ${typeof series}. Save the market_chart response as is.`,
    );
  const times = new Float64Array(series.length);
  const values = new Float64Array(series.length);
  series.forEach((p: unknown, k: number) => {
    if (!Array.isArray(p) || p.length < 2)
      throw new DataError(
        file,
        null,
        `${name}[${k}]`,
        `expected a [epoch ms, value] pair, got ${describeJsonValue(p)}. Save the market_chart response as is.`,
      );
    times[k] = jsonNumber(p[0], file, `${name}[${k}][0]`);
    values[k] = jsonNumber(p[1], file, `${name}[${k}][1]`);
  });
  let map: Map<number, number> | null = null;
  return (idx, ms) => {
    if (idx < times.length && times[idx] === ms) return values[idx]!;
    if (map === null) {
      map = new Map();
      for (let k = 0; k < times.length; k++) map.set(times[k]!, values[k]!);
    }
    const exact = map.get(ms);
    if (exact !== undefined) return exact;
    // The same point a few ms or s off (arrays sampled by separate clocks): aligned by index, counted.
    if (idx < times.length && Math.abs(times[idx]! - ms) <= ALIGN_TOLERANCE_MS) {
      aligned.count++;
      return values[idx]!;
    }
    return NaN;
  };
}

/**
 * Largest time difference between a prices point and the market_caps / total_volumes point
 * at the same index that still counts as the same point: 1 minute. The finest market_chart
 * granularity is 5 minutes, so a point within a minute cannot belong to a neighbour.
 */
const ALIGN_TOLERANCE_MS = 60_000;

/** Points of market_caps / total_volumes matched to prices within ALIGN_TOLERANCE_MS rather than exactly. */
const aligned = { count: 0 };

/** Load CoinGecko "max" CSVs and/or market_chart JSONs (folder or file) into a validated Panel. */
export function loadCoinGecko(target: string, options: LoadOptions = {}): ValidationResult {
  const { files, notes } = listInputFiles(
    target,
    (n) => /\.(csv|json)$/i.test(n),
    COINGECKO_LAYOUT,
    "CoinGecko <coin>-usd-max.csv or market_chart .json files",
  );
  const raw = new RawRows();
  raw.notes.push(...notes);
  const dates = new DateParser();
  const sectors = sectorSettings(options);
  let chartRows = 0;
  const chartTokens = new Set<string>();
  aligned.count = 0;
  // One quote currency per load: "btc-eur-max.csv" next to "eth-usd-max.csv" would mix units.
  let quote: { vs: string; file: string } | null = null;

  for (const file of files) {
    dates.startFile(file);
    const key = coinKey(file);
    if (/\.json$/i.test(file)) {
      const doc = readJsonFile(file) as Record<string, unknown> | null;
      if (doc === null || typeof doc !== "object" || Array.isArray(doc) || !Array.isArray(doc.prices)) {
        throw new DataError(
          file,
          null,
          null,
          "is not a CoinGecko market_chart response: expected an object with prices, market_caps and total_volumes lists of [epoch ms, value] pairs.",
        );
      }
      if (doc.total_volumes === undefined) {
        throw new DataError(
          file,
          null,
          "total_volumes",
          "the response has no total_volumes list; volumes are needed for every row. Request market_chart again (it always includes total_volumes).",
        );
      }
      const prices = doc.prices as unknown[];
      if (prices.length === 0)
        throw new DataError(file, null, "prices", "the prices list is empty. Request a longer range.");
      const caps = seriesLookup(doc.market_caps, file, "market_caps");
      const vols = seriesLookup(doc.total_volumes, file, "total_volumes")!;
      const fi = raw.addFile(file, "item");
      const symbol = symbolForName(key) ?? key.toUpperCase();
      const tok = raw.token(
        `coingecko:${key.toLowerCase()}`,
        { symbol, name: key, sector: sectorFor(symbol, key, sectors.custom, sectors.builtin) },
        { intervalMs: null, volume: "last", intraday: true, prices: "closes" },
        symbol,
      );
      prices.forEach((p: unknown, k: number) => {
        if (!Array.isArray(p) || p.length < 2)
          throw new DataError(
            file,
            null,
            `prices[${k}]`,
            `expected a [epoch ms, price] pair, got ${describeJsonValue(p)}. Save the market_chart response as is.`,
          );
        const ms = jsonNumber(p[0], file, `prices[${k}][0]`);
        const t = dates.epoch(ms, null, `prices[${k}][0]`, false);
        const price = jsonNumber(p[1], file, `prices[${k}][1]`);
        raw.push(tok, t, price, price, price, price, vols(k, ms), caps ? caps(k, ms) : NaN, fi, k + 1);
      });
      chartRows += prices.length;
      chartTokens.add(raw.tokens[tok]!.id);
      continue;
    }
    const vs = quoteCurrencyOf(file);
    if (vs !== null) {
      if (quote === null) quote = { vs, file };
      else if (quote.vs !== vs) {
        throw new DataError(
          file,
          null,
          null,
          `holds prices in ${vs.toUpperCase()} but ${stemOf(quote.file)} holds them in ${quote.vs.toUpperCase()}. ` +
            "Load one quote currency at a time: move the other currency's files to another folder.",
        );
      }
    }
    const reader = new CsvReader(file, { header: true });
    const col = findColumns(reader.header!, COINGECKO_COLUMNS as ColumnSpec[], file, COINGECKO_LAYOUT);
    const fi = raw.addFile(file);
    const symbol = key.toUpperCase();
    const tok = raw.token(
      `coingecko:${key.toLowerCase()}`,
      { symbol, name: key, sector: sectorFor(symbol, key, sectors.custom, sectors.builtin) },
      { intervalMs: null, prices: "closes" },
      symbol,
    );
    const iTime = col.time!;
    const iPrice = col.price!;
    const iCap = col.marketCap!;
    const iVol = col.volume!;
    for (const row of reader.rows()) {
      const t = rowTime(dates, row, iTime);
      const price = row.num(iPrice);
      raw.push(tok, t, price, price, price, price, row.num(iVol), iCap >= 0 ? row.num(iCap) : NaN, fi, row.line);
    }
  }
  if (chartRows > 0) {
    raw.notes.push({
      check: "market_chart points",
      action: "info",
      count: chartRows,
      detail:
        "market_chart price points became daily OHLC (open = first point, close = last point of the UTC day); " +
        "total_volumes are rolling 24 h totals, so a day's volume is its last value, not a sum.",
      examples: [...chartTokens].slice(0, 5),
    });
  }
  if (quote !== null && quote.vs !== "usd") {
    raw.notes.push({
      check: "quote currency",
      action: "info",
      count: raw.tokens.length,
      detail: `prices and volumes are in ${quote.vs.toUpperCase()} (from the file names), not USD.`,
      examples: [stemOf(quote.file)],
    });
  }
  if (aligned.count > 0) {
    raw.notes.push({
      check: "market_chart times aligned",
      action: "repaired",
      count: aligned.count,
      detail: `market_caps / total_volumes points whose time differed from the price point at the same index by at most ${ALIGN_TOLERANCE_MS / 1000} s were matched to it.`,
      examples: [],
    });
  }
  return validateLoaded(raw, dates, `coingecko:${target}`, options);
}
