/**
 * Bulk data downloads: Binance's public kline archives, the polite resumable HTTP they use,
 * and the minimal ZIP reader/writer behind them. Re-exported as one entry point.
 */
export * from "./binance";
export * from "./http";
export * from "./zip";
export * from "./args";
