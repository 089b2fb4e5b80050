/** Token taxonomy: symbol rules, lists, names, the market filter and the report entry. */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { allocatePanel, type TokenInfo } from "../../lib/data/panel";
import { RawRows } from "../../lib/data/raw";
import {
  classifyToken,
  excludedTokens,
  includedClassesFromEnv,
  isMarketToken,
  marketTokenMask,
  selectTokens,
  splitPair,
  tokenClassOf,
} from "../../lib/data/taxonomy";
import { validateRows } from "../../lib/data/validate";

const tok = (symbol: string, name = symbol, sector: string | null = null): TokenInfo => ({
  id: symbol,
  symbol,
  name,
  sector,
});
const classOf = (symbol: string, name?: string, sector?: string | null): string =>
  classifyToken(tok(symbol, name, sector ?? null)).tokenClass;

describe("token taxonomy", () => {
  test("pairs split into base and quote, longest quote first", () => {
    assert.deepEqual(splitPair("BTCDOWNUSDT"), { base: "BTCDOWN", quote: "USDT" });
    assert.deepEqual(splitPair("ETHFDUSD"), { base: "ETH", quote: "FDUSD" });
    assert.deepEqual(splitPair("ADABTC"), { base: "ADA", quote: "BTC" });
    assert.deepEqual(splitPair("USDT"), { base: "USDT", quote: "" });
  });

  test("stablecoins by list, pair base, USD-named rule, name and sector", () => {
    for (const s of ["USDT", "USDC", "BUSD", "DAI", "MIM", "TUSD", "USDP", "FDUSD", "PYUSD"])
      assert.equal(classOf(s), "stablecoin", s);
    for (const s of ["USDCUSDT", "BUSDUSDT", "TUSDUSDT", "FDUSDUSDT", "DAIUSDT", "USDPUSDT"])
      assert.equal(classOf(s), "stablecoin", s);
    assert.equal(classOf("ZUSD"), "stablecoin", "USD-named rule");
    assert.equal(classOf("XYZ", "tether"), "stablecoin", "by name");
    assert.equal(classOf("SYN014", "Synthetic stable", "stablecoin"), "stablecoin", "by sector");
    assert.equal(classOf("OPUSD"), "market", "OP quoted in USD is not a stablecoin");
  });

  test("fiat pairs, leveraged, wrapped and commodity tokens", () => {
    for (const s of ["EURUSDT", "GBPUSDT", "AUDUSDT", "TRYUSDT", "EURBUSD"]) assert.equal(classOf(s), "fiat", s);
    for (const s of ["ADAUPUSDT", "BTCDOWNUSDT", "ETHUP", "ETHBULL", "XRPBEARUSDT", "BTC3L", "ETH3SUSDT", "BTCHEDGE"])
      assert.equal(classOf(s), "leveraged", s);
    for (const s of ["WBTC", "WETH", "WBTCUSDT", "STETH", "WAVAX"]) assert.equal(classOf(s), "wrapped", s);
    assert.equal(classOf("XYZ", "wrapped-bitcoin"), "wrapped", "by CoinGecko id");
    for (const s of ["PAXG", "PAXGUSDT", "XAUT"]) assert.equal(classOf(s), "commodity", s);
    assert.equal(classOf("ABC", "tether-gold"), "commodity");
  });

  test("ordinary tokens stay market, including look-alike endings", () => {
    for (const s of ["BTCUSDT", "ETH", "JUPUSDT", "SUPERUSDT", "WINUSDT", "WAVESUSDT", "bitcoin", "SYN003", "ADABTC"])
      assert.equal(classOf(s), "market", s);
  });

  test("the market filter: default, explicit classes and CAE_INCLUDE_CLASSES", () => {
    const panel = allocatePanel(0, [tok("BTCUSDT"), tok("USDCUSDT"), tok("ADAUPUSDT"), tok("WBTC")], "test");
    assert.deepEqual([...marketTokenMask(panel, ["market"])], [1, 0, 0, 0]);
    assert.deepEqual([...marketTokenMask(panel, ["market", "stablecoin"])], [1, 1, 0, 0]);
    assert.deepEqual(excludedTokens(panel, ["market"]), [
      { tokenClass: "stablecoin", ids: ["USDCUSDT"] },
      { tokenClass: "leveraged", ids: ["ADAUPUSDT"] },
      { tokenClass: "wrapped", ids: ["WBTC"] },
    ]);
    assert.deepEqual(includedClassesFromEnv({}), ["market"]);
    assert.deepEqual(includedClassesFromEnv({ CAE_INCLUDE_CLASSES: "wrapped, stablecoin" }), [
      "market",
      "wrapped",
      "stablecoin",
    ]);
    assert.equal(includedClassesFromEnv({ CAE_INCLUDE_CLASSES: "all" }).length, 6);
    assert.throws(() => includedClassesFromEnv({ CAE_INCLUDE_CLASSES: "stables" }), /unknown token class "stables"/);
    assert.equal(isMarketToken({ ...tok("WBTC"), tokenClass: "market" }, ["market"]), true, "a stored class wins");
    assert.equal(tokenClassOf(tok("EURUSDT")), "fiat");
  });

  test("selectTokens keeps the chosen tokens' rows, re-indexed", () => {
    const p = allocatePanel(4, [tok("BTCUSDT"), tok("USDCUSDT")], "test");
    p.token.set([0, 0, 1, 1]);
    p.day.set([1, 2, 1, 2]);
    p.close.set([10, 11, 1, 1]);
    const s = selectTokens(p, marketTokenMask(p, ["market"]));
    assert.deepEqual(
      s.tokens.map((t) => t.id),
      ["BTCUSDT"],
    );
    assert.deepEqual([...s.close], [10, 11]);
    assert.deepEqual([...s.token], [0, 0]);
  });

  test("validation stores each token's class and counts non-market tokens", () => {
    const raw = new RawRows();
    const f = raw.addFile("x.csv");
    const day = 86_400_000;
    for (const [k, s] of ["BTCUSDT", "USDCUSDT", "BTCDOWNUSDT"].entries()) {
      const t = raw.token(s, { symbol: s, name: s, sector: null });
      raw.push(t, 19000 * day, 1, 1, 1, 1, 5, NaN, f, 2 + k);
    }
    const { panel, report } = validateRows(raw, { source: "test" });
    assert.deepEqual(
      panel.tokens.map((t) => `${t.id}:${t.tokenClass}`),
      ["BTCDOWNUSDT:leveraged", "BTCUSDT:market", "USDCUSDT:stablecoin"],
    );
    const e = report.entries.find((x) => x.check === "non-market tokens");
    assert.equal(e?.count, 2);
    assert.match(e!.detail, /1 stablecoin, 1 leveraged/);
    assert.deepEqual(e!.examples, ["BTCDOWNUSDT: leveraged", "USDCUSDT: stablecoin"]);
  });
});
