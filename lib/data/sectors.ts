/**
 * A small built-in map from well-known token symbols to sectors.
 *
 * A convenience, not a taxonomy: price sources (Kaggle, Binance, CoinGecko) carry no
 * sector, yet plots and per-sector summaries read better with one for the big names.
 * Symbols not listed get null. A long CSV can bring its own `sector` column, and
 * loaders accept a custom map that overrides this one.
 */

/** Sector of each listed symbol (upper case). */
export const BUILTIN_SECTORS: Readonly<Record<string, string>> = {
  // layer-1 smart-contract and base chains
  BTC: "layer-1",
  ETH: "layer-1",
  SOL: "layer-1",
  ADA: "layer-1",
  AVAX: "layer-1",
  DOT: "layer-1",
  ATOM: "layer-1",
  NEAR: "layer-1",
  ALGO: "layer-1",
  TRX: "layer-1",
  XTZ: "layer-1",
  EOS: "layer-1",
  ETC: "layer-1",
  TON: "layer-1",
  APT: "layer-1",
  SUI: "layer-1",
  ICP: "layer-1",
  FIL: "layer-1",
  XMR: "layer-1",
  NEO: "layer-1",
  IOTA: "layer-1",
  WAVES: "layer-1",
  HBAR: "layer-1",
  VET: "layer-1",
  // payment coins
  LTC: "payments",
  XRP: "payments",
  XLM: "payments",
  BCH: "payments",
  DASH: "payments",
  ZEC: "payments",
  // layer-2 scaling
  MATIC: "layer-2",
  POL: "layer-2",
  ARB: "layer-2",
  OP: "layer-2",
  // decentralised finance
  UNI: "defi",
  AAVE: "defi",
  MKR: "defi",
  COMP: "defi",
  SUSHI: "defi",
  CRV: "defi",
  SNX: "defi",
  YFI: "defi",
  CAKE: "defi",
  LDO: "defi",
  "1INCH": "defi",
  // oracles
  LINK: "oracle",
  BAND: "oracle",
  // exchange tokens
  BNB: "exchange",
  FTT: "exchange",
  CRO: "exchange",
  OKB: "exchange",
  LEO: "exchange",
  HT: "exchange",
  KCS: "exchange",
  // meme coins
  DOGE: "meme",
  SHIB: "meme",
  PEPE: "meme",
  FLOKI: "meme",
  BONK: "meme",
  WIF: "meme",
  // stablecoins
  USDT: "stablecoin",
  USDC: "stablecoin",
  DAI: "stablecoin",
  BUSD: "stablecoin",
  TUSD: "stablecoin",
  USDP: "stablecoin",
  FDUSD: "stablecoin",
  UST: "stablecoin",
  USTC: "stablecoin",
  PAX: "stablecoin",
  // wrapped assets
  WBTC: "wrapped",
  WETH: "wrapped",
};

/** Full names (lower case, as Kaggle file names and CoinGecko ids spell them) of listed symbols. */
export const BUILTIN_NAMES: Readonly<Record<string, string>> = {
  bitcoin: "BTC",
  ethereum: "ETH",
  solana: "SOL",
  cardano: "ADA",
  avalanche: "AVAX",
  "avalanche-2": "AVAX",
  polkadot: "DOT",
  cosmos: "ATOM",
  near: "NEAR",
  algorand: "ALGO",
  tron: "TRX",
  tezos: "XTZ",
  eos: "EOS",
  "ethereum-classic": "ETC",
  monero: "XMR",
  iota: "IOTA",
  litecoin: "LTC",
  ripple: "XRP",
  xrp: "XRP",
  stellar: "XLM",
  "bitcoin-cash": "BCH",
  polygon: "MATIC",
  "matic-network": "MATIC",
  uniswap: "UNI",
  aave: "AAVE",
  maker: "MKR",
  compound: "COMP",
  chainlink: "LINK",
  binancecoin: "BNB",
  "binance-coin": "BNB",
  ftx: "FTT",
  "ftx-token": "FTT",
  "crypto-com-chain": "CRO",
  cryptocom: "CRO",
  dogecoin: "DOGE",
  "shiba-inu": "SHIB",
  tether: "USDT",
  "usd-coin": "USDC",
  usdcoin: "USDC",
  dai: "DAI",
  "multi-collateral-dai": "DAI",
  "binance-usd": "BUSD",
  "wrapped-bitcoin": "WBTC",
  wrappedbitcoin: "WBTC",
};

/** Quote assets stripped from exchange pair symbols (BTCUSDT -> BTC), longest first. */
export const QUOTE_ASSETS = [
  "FDUSD",
  "USDT",
  "USDC",
  "BUSD",
  "TUSD",
  "USDP",
  "USD",
  "EUR",
  "GBP",
  "TRY",
  "BTC",
  "ETH",
  "BNB",
] as const;

/** The base asset of a pair symbol ("BTCUSDT" -> "BTC", "ADABTC" -> "ADA"), or the symbol itself. */
export function baseAsset(symbol: string): string {
  const s = symbol.toUpperCase();
  if (s in BUILTIN_SECTORS) return s;
  for (const q of QUOTE_ASSETS) {
    if (s.length > q.length && s.endsWith(q)) return s.slice(0, -q.length);
  }
  return s;
}

/**
 * Sector of a token from its symbol (or pair symbol) or its name, or null when unknown.
 * `custom` (symbol or name -> sector, any case) is consulted first; pass `builtin: false`
 * to use only the custom map.
 */
export function sectorFor(
  symbol: string,
  name?: string,
  custom?: Readonly<Record<string, string>>,
  builtin = true,
): string | null {
  if (custom) {
    const lowerCustom: Record<string, string> = {};
    for (const [k, v] of Object.entries(custom)) lowerCustom[k.toLowerCase()] = v;
    for (const key of [symbol, baseAsset(symbol), name ?? ""]) {
      const hit = lowerCustom[key.toLowerCase()];
      if (hit !== undefined && key !== "") return hit;
    }
  }
  if (!builtin) return null;
  const upper = symbol.toUpperCase();
  const direct = Object.hasOwn(BUILTIN_SECTORS, upper) ? BUILTIN_SECTORS[upper] : undefined;
  if (direct) return direct;
  const base = baseAsset(symbol);
  if (Object.hasOwn(BUILTIN_SECTORS, base)) return BUILTIN_SECTORS[base]!;
  const byName = name ? symbolForName(name) : null;
  return byName !== null && Object.hasOwn(BUILTIN_SECTORS, byName) ? BUILTIN_SECTORS[byName]! : null;
}

/** The listed symbol of a full name or CoinGecko id ("Bitcoin", "bitcoin" -> "BTC"), or null. */
export function symbolForName(name: string): string | null {
  const key = name.trim().toLowerCase().replace(/\s+/g, "-");
  return Object.hasOwn(BUILTIN_NAMES, key) ? BUILTIN_NAMES[key]! : null;
}
