/**
 * Token taxonomy: which tokens are ordinary market tokens and which are other instruments
 * that trade like tokens but do not behave like the crypto market.
 *
 * Classes (TOKEN_CLASSES):
 *   market      an ordinary crypto asset (the default for anything not recognised below)
 *   stablecoin  a token pegged to a fiat currency (USDT, USDC, BUSD, DAI, MIM, TUSD, ...):
 *               its returns are near zero except on a depeg
 *   fiat        a fiat currency quoted against crypto (EURUSDT, GBPUSDT, TRYUSDT...)
 *   leveraged   an exchange's leveraged token (ADAUP, BTCDOWN, ETHBULL, XRPBEAR, BTC3L...):
 *               a daily-rebalanced multiple of another token's return, so it repeats
 *               the underlying's moves with a multiple of their size
 *   wrapped     a token redeemable 1:1 for another chain's asset (WBTC, WETH, stETH...):
 *               a copy of the underlying's price series
 *   commodity   a token backed by gold or another commodity (PAXG, XAUT)
 *
 * A token is classified from its symbol (a pair symbol like "USDCUSDT" is split into base
 * "USDC" and quote "USDT" first, see QUOTE_ASSETS), its name (CoinGecko ids like
 * "wrapped-bitcoin", "tether-gold") and its sector ("stablecoin"), in this order of rules:
 *   1. the documented lists STABLECOINS, FIAT_CURRENCIES, WRAPPED_TOKENS, COMMODITY_TOKENS
 *      (base asset, then the whole symbol);
 *   2. symbol rules: a base ending in UP/DOWN over a listed underlying (LEVERAGED_UNDERLYINGS),
 *      or ending in BULL/BEAR/HEDGE or 2L..5L/2S..5S over any base of 2+ characters, is
 *      leveraged; "W" + a listed major (WRAPPABLE_MAJORS) is wrapped; a base of the form
 *      USD<x> / <x>USD (x of 1-2 letters) is a stablecoin;
 *   3. name keywords (NAME_RULES): "wrapped", "gold", "usd", "tether"...;
 *   4. the sector "stablecoin" (the synthetic market's and long CSVs' own labels).
 *
 * Non-market tokens are counted in the validation report and, by default, kept out of
 * market-wide statistics (EDA) and the stress index: `isMarketToken(meta)` and
 * `marketTokenMask(panel)` are the one filter for every later stage. The classes to count
 * as market can be widened with CAE_INCLUDE_CLASSES (e.g. "stablecoin,wrapped" or "all").
 */
import { TOKEN_CLASSES, type Panel, type TokenClass, type TokenInfo } from "./panel";

/** The token classes and their type (defined with the Panel, re-exported). */
export { TOKEN_CLASSES, type TokenClass } from "./panel";

/** A token's class and the rule that decided it (for the report). */
export interface Classification {
  tokenClass: TokenClass;
  /** The rule, e.g. "listed stablecoin USDC", "leveraged suffix DOWN on BTC", "default". */
  rule: string;
}

/** Fiat-pegged tokens (symbols, upper case), from the largest exchanges' stablecoin lists. */
export const STABLECOINS: ReadonlySet<string> = new Set([
  "USDT",
  "USDC",
  "BUSD",
  "DAI",
  "MIM",
  "TUSD",
  "USDP",
  "PAX",
  "FDUSD",
  "UST",
  "USTC",
  "USDD",
  "GUSD",
  "HUSD",
  "FRAX",
  "LUSD",
  "SUSD",
  "USDN",
  "USDJ",
  "USDK",
  "USDX",
  "PYUSD",
  "FEI",
  "DOLA",
  "OUSD",
  "CUSD",
  "ALUSD",
  "USDE",
  "USDS",
  "EURS",
  "EURT",
  "EUROC",
  "EURC",
  "AEUR",
  "XSGD",
  "BIDR",
  "IDRT",
  "BVND",
  "TRYB",
  "BKRW",
  "USDSB",
]);

/** Fiat currency codes that exchanges quote against crypto (EURUSDT, GBPUSDT...). */
export const FIAT_CURRENCIES: ReadonlySet<string> = new Set([
  "USD",
  "EUR",
  "GBP",
  "AUD",
  "CAD",
  "CHF",
  "JPY",
  "CNY",
  "KRW",
  "TRY",
  "BRL",
  "RUB",
  "UAH",
  "NGN",
  "ZAR",
  "ARS",
  "MXN",
  "PLN",
  "RON",
  "CZK",
  "IDR",
  "VND",
  "INR",
  "HKD",
  "SGD",
  "NZD",
  "SEK",
  "NOK",
  "DKK",
]);

/** Wrapped or liquid-staking copies of another asset. */
export const WRAPPED_TOKENS: ReadonlySet<string> = new Set([
  "WBTC",
  "WETH",
  "WBNB",
  "WBETH",
  "BTCB",
  "HBTC",
  "RENBTC",
  "TBTC",
  "CBBTC",
  "STETH",
  "WSTETH",
  "CBETH",
  "RETH",
  "BETH",
  "WEETH",
  "WMATIC",
  "WAVAX",
  "WSOL",
  "WTRX",
  "WFTM",
  "WCRO",
  "WROSE",
]);

/** Majors whose "W" + symbol is a wrapped token (WBTC, WETH...). */
export const WRAPPABLE_MAJORS: ReadonlySet<string> = new Set([
  "BTC",
  "ETH",
  "BNB",
  "MATIC",
  "AVAX",
  "SOL",
  "TRX",
  "FTM",
  "CRO",
  "ONE",
  "KLAY",
  "DOGE",
  "LTC",
  "XRP",
  "ADA",
]);

/** Gold- and commodity-backed tokens. */
export const COMMODITY_TOKENS: ReadonlySet<string> = new Set([
  "PAXG",
  "XAUT",
  "DGX",
  "PMGT",
  "CGT",
  "AWG",
  "KAU",
  "KAG",
]);

/**
 * Underlyings of exchange leveraged tokens named <underlying>UP / <underlying>DOWN (Binance
 * 2020-2022). UP/DOWN alone is too common an ending for a rule (SETUP, JUP), so the
 * underlying must be listed.
 */
export const LEVERAGED_UNDERLYINGS: ReadonlySet<string> = new Set([
  "BTC",
  "ETH",
  "BNB",
  "ADA",
  "XRP",
  "DOT",
  "LINK",
  "TRX",
  "XTZ",
  "EOS",
  "LTC",
  "BCH",
  "YFI",
  "SXP",
  "FIL",
  "UNI",
  "SUSHI",
  "AAVE",
  "XLM",
  "1INCH",
]);

/** Quote assets split off pair symbols, longest first so "FDUSD" wins over "USD". */
export const QUOTE_ASSETS: readonly string[] = [
  "FDUSD",
  "USDT",
  "USDC",
  "BUSD",
  "TUSD",
  "USDP",
  "DAI",
  "USD",
  "EUR",
  "GBP",
  "TRY",
  "BRL",
  "AUD",
  "BTC",
  "ETH",
  "BNB",
];

/** Name keywords (CoinGecko ids, Kaggle names), tried after the symbol rules. */
export const NAME_RULES: readonly { pattern: RegExp; tokenClass: TokenClass }[] = [
  { pattern: /\bwrapped\b|^wrapped|staked-ether|lido-staked/i, tokenClass: "wrapped" },
  { pattern: /\bgold\b|pax-gold|tether-gold/i, tokenClass: "commodity" },
  {
    pattern:
      /^tether$|\busd[- ]?coin\b|binance-usd|true-?usd|paxos-standard|\bstablecoin\b|magic-internet-money|terrausd/i,
    tokenClass: "stablecoin",
  },
];

const LEVERAGED_LISTED_RE = /^(.+?)(UP|DOWN)$/;
const LEVERAGED_ANY_RE = /^([A-Z0-9]{2,}?)(BULL|BEAR|HEDGE|[2-5][LS])$/;
const USD_STABLE_RE = /^(USD[A-Z]{1,2}|[A-Z]{1,2}USD)$/;

/** Split a pair symbol into base and quote ("BTCDOWNUSDT" -> BTCDOWN, USDT); quote "" when none. */
export function splitPair(symbol: string): { base: string; quote: string } {
  const s = symbol.toUpperCase().replace(/[^A-Z0-9]/g, "");
  for (const q of QUOTE_ASSETS) {
    if (s.length > q.length + 1 && s.endsWith(q)) return { base: s.slice(0, -q.length), quote: q };
  }
  return { base: s, quote: "" };
}

/** Class of one symbol by the lists (and, with `rules`, the symbol rules), or null when none applies. */
function classifyBase(base: string, rules: boolean): Classification | null {
  if (STABLECOINS.has(base)) return { tokenClass: "stablecoin", rule: `listed stablecoin ${base}` };
  if (FIAT_CURRENCIES.has(base)) return { tokenClass: "fiat", rule: `fiat currency ${base}` };
  if (COMMODITY_TOKENS.has(base)) return { tokenClass: "commodity", rule: `listed commodity token ${base}` };
  if (WRAPPED_TOKENS.has(base)) return { tokenClass: "wrapped", rule: `listed wrapped token ${base}` };
  if (!rules) return null;
  const up = LEVERAGED_LISTED_RE.exec(base);
  if (up && LEVERAGED_UNDERLYINGS.has(up[1]!))
    return { tokenClass: "leveraged", rule: `leveraged suffix ${up[2]} on ${up[1]}` };
  const lev = LEVERAGED_ANY_RE.exec(base);
  if (lev) return { tokenClass: "leveraged", rule: `leveraged suffix ${lev[2]} on ${lev[1]}` };
  if (base.length > 1 && base.startsWith("W") && WRAPPABLE_MAJORS.has(base.slice(1)))
    return { tokenClass: "wrapped", rule: `W + ${base.slice(1)}` };
  if (USD_STABLE_RE.test(base)) return { tokenClass: "stablecoin", rule: `USD-named ${base}` };
  return null;
}

/**
 * Classify a token by its symbol, name and sector (rules in the module comment). Anything
 * not recognised is "market".
 */
export function classifyToken(meta: Pick<TokenInfo, "symbol" | "name" | "sector"> & { id?: string }): Classification {
  const symbol = (meta.symbol || meta.id || "").trim();
  const { base } = splitPair(symbol);
  const whole = symbol.toUpperCase().replace(/[^A-Z0-9]/g, "");
  // The whole symbol is looked up in the lists only ("FDUSD" would split into FD + USD);
  // the symbol rules apply to the base alone ("OPUSD" is the pair OP/USD, not a stablecoin).
  const bySymbol = (whole !== base ? classifyBase(whole, false) : null) ?? classifyBase(base, true);
  if (bySymbol) return bySymbol;
  for (const text of [meta.name, meta.id ?? ""]) {
    if (!text) continue;
    for (const r of NAME_RULES) {
      if (r.pattern.test(text)) return { tokenClass: r.tokenClass, rule: `name "${text}"` };
    }
  }
  if (meta.sector === "stablecoin") return { tokenClass: "stablecoin", rule: "sector stablecoin" };
  return { tokenClass: "market", rule: "default" };
}

/** The class of a token: its stored `tokenClass`, else classified now (older artifacts). */
export function tokenClassOf(meta: TokenInfo): TokenClass {
  return meta.tokenClass ?? classifyToken(meta).tokenClass;
}

/** Environment variable that widens the classes counted as market. */
export const INCLUDE_CLASSES_ENV = "CAE_INCLUDE_CLASSES";

/** The classes counted as market by default: only "market". */
export const DEFAULT_INCLUDED_CLASSES: readonly TokenClass[] = ["market"];

/**
 * Classes counted as market from CAE_INCLUDE_CLASSES: a comma list of TOKEN_CLASSES
 * ("stablecoin,wrapped") added to "market", or "all"; unset or empty gives
 * DEFAULT_INCLUDED_CLASSES. Throws for an unknown class name.
 */
export function includedClassesFromEnv(env: NodeJS.ProcessEnv = process.env): TokenClass[] {
  const text = (env[INCLUDE_CLASSES_ENV] ?? "").trim();
  if (text === "") return [...DEFAULT_INCLUDED_CLASSES];
  if (text.toLowerCase() === "all") return [...TOKEN_CLASSES];
  const out = new Set<TokenClass>(DEFAULT_INCLUDED_CLASSES);
  for (const part of text.split(",")) {
    const c = part.trim().toLowerCase();
    if (c === "") continue;
    if (!(TOKEN_CLASSES as readonly string[]).includes(c))
      throw new Error(
        `${INCLUDE_CLASSES_ENV} names an unknown token class ${JSON.stringify(part.trim())}. Use a comma list of ${TOKEN_CLASSES.join(", ")}, or "all".`,
      );
    out.add(c as TokenClass);
  }
  return [...out];
}

/**
 * True when the token counts in market-wide statistics and the stress index: its class is
 * in `include` (default: "market", widened by CAE_INCLUDE_CLASSES).
 */
export function isMarketToken(meta: TokenInfo, include: readonly TokenClass[] = includedClassesFromEnv()): boolean {
  return include.includes(tokenClassOf(meta));
}

/** Per token of the panel: 1 when it counts as market (see isMarketToken), else 0. */
export function marketTokenMask(
  panel: Pick<Panel, "tokens">,
  include: readonly TokenClass[] = includedClassesFromEnv(),
): Uint8Array {
  return Uint8Array.from(panel.tokens, (t) => (isMarketToken(t, include) ? 1 : 0));
}

/** Tokens left out of market statistics, by class: { class, ids } for each non-empty class. */
export function excludedTokens(
  panel: Pick<Panel, "tokens">,
  include: readonly TokenClass[] = includedClassesFromEnv(),
): { tokenClass: TokenClass; ids: string[] }[] {
  const by = new Map<TokenClass, string[]>();
  for (const t of panel.tokens) {
    const c = tokenClassOf(t);
    if (include.includes(c)) continue;
    if (!by.has(c)) by.set(c, []);
    by.get(c)!.push(t.id);
  }
  return TOKEN_CLASSES.filter((c) => by.has(c)).map((c) => ({ tokenClass: c, ids: by.get(c)! }));
}

/** A panel restricted to the given tokens (mask per token): rows, tokens and events re-indexed. */
export function selectTokens(panel: Panel, keep: Uint8Array): Panel {
  const newIndex = new Int32Array(panel.tokens.length).fill(-1);
  const tokens: TokenInfo[] = [];
  panel.tokens.forEach((t, i) => {
    if (keep[i]) {
      newIndex[i] = tokens.length;
      tokens.push(t);
    }
  });
  let n = 0;
  for (let i = 0; i < panel.token.length; i++) if (keep[panel.token[i]!]) n++;
  const rows = new Int32Array(n);
  for (let i = 0, k = 0; i < panel.token.length; i++) if (keep[panel.token[i]!]) rows[k++] = i;
  const pickF = (a: Float64Array): Float64Array => Float64Array.from(rows, (r) => a[r]!);
  return {
    tokens,
    token: Int32Array.from(rows, (r) => newIndex[panel.token[r]!]!),
    day: Int32Array.from(rows, (r) => panel.day[r]!),
    open: pickF(panel.open),
    high: pickF(panel.high),
    low: pickF(panel.low),
    close: pickF(panel.close),
    volume: pickF(panel.volume),
    marketCap: pickF(panel.marketCap),
    anomalyKind: panel.anomalyKind ? Int8Array.from(rows, (r) => panel.anomalyKind![r]!) : null,
    events: panel.events
      ? panel.events.filter((e) => keep[e.token]).map((e) => ({ ...e, token: newIndex[e.token]! }))
      : null,
    source: panel.source,
  };
}

/** A report entry's worth of counts: tokens per non-market class with examples. */
export function classSummary(tokens: readonly TokenInfo[]): { counts: Record<TokenClass, number>; examples: string[] } {
  const counts = Object.fromEntries(TOKEN_CLASSES.map((c) => [c, 0])) as Record<TokenClass, number>;
  const examples: string[] = [];
  for (const t of tokens) {
    const c = tokenClassOf(t);
    counts[c]++;
    if (c !== "market") examples.push(`${t.id}: ${c}`);
  }
  return { counts, examples };
}
