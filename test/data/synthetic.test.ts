import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  generateMarket,
  resolveMarketOptions,
  DEFAULT_ANOMALY_MIX,
  SECTORS,
  REGIME_NAMES,
  type MarketOptions,
} from "../../lib/data/synthetic";
import { ANOMALY_KINDS, assertPanel, tokenRanges, type Panel } from "../../lib/data/panel";
import { makeRng } from "../../lib/runtime/rng";

/** A mid-sized market: big enough for stable statistics, small enough to build in ~50 ms. */
const OPTS: MarketOptions = { nTokens: 80, nDays: 800 };
const SEED = 11;
const { panel, truth } = generateMarket(OPTS, SEED);
const { start, end } = tokenRanges(panel);
const N = panel.day.length;
const isStable = (t: number) => panel.tokens[t]!.sector === "stablecoin";

function digest(p: Panel): string {
  const h = createHash("sha256");
  for (const col of [p.token, p.day, p.open, p.high, p.low, p.close, p.volume, p.marketCap, p.anomalyKind!]) {
    h.update(Buffer.from(col.buffer, col.byteOffset, col.byteLength));
  }
  h.update(JSON.stringify(p.tokens));
  h.update(JSON.stringify(p.events));
  return h.digest("hex");
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Clean one-day log returns of a token (consecutive days, no labelled row involved). */
function cleanReturns(t: number): { ret: number[]; row: number[] } {
  const ret: number[] = [];
  const row: number[] = [];
  for (let i = start[t]! + 1; i < end[t]!; i++) {
    if (panel.day[i]! - panel.day[i - 1]! !== 1 || panel.anomalyKind![i] || panel.anomalyKind![i - 1]) continue;
    ret.push(Math.log(panel.close[i]! / panel.close[i - 1]!));
    row.push(i);
  }
  return { ret, row };
}

const riskTokens = panel.tokens.map((_, t) => t).filter((t) => !isStable(t) && end[t]! - start[t]! > 100);

describe("generateMarket: determinism and contract", () => {
  test("same seed gives byte-identical output; a seed or an Rng with that seed agree", () => {
    const a = generateMarket(OPTS, SEED);
    const b = generateMarket(OPTS, makeRng(SEED));
    assert.equal(digest(a.panel), digest(panel));
    assert.equal(digest(b.panel), digest(panel));
    assert.deepEqual(Array.from(a.truth.marketReturn), Array.from(truth.marketReturn));
    assert.deepEqual(a.truth.crashDays, truth.crashDays);
  });

  test("a different seed gives a different market", () => {
    const c = generateMarket(OPTS, SEED + 1);
    assert.notEqual(digest(c.panel), digest(panel));
    assert.notDeepEqual(Array.from(c.truth.marketReturn.slice(0, 20)), Array.from(truth.marketReturn.slice(0, 20)));
  });

  test("panel passes assertPanel, has typed columns, labels and events", () => {
    assertPanel(panel);
    for (const col of [panel.open, panel.high, panel.low, panel.close, panel.volume, panel.marketCap])
      assert.ok(col instanceof Float64Array);
    assert.ok(panel.token instanceof Int32Array && panel.day instanceof Int32Array);
    assert.ok(panel.anomalyKind instanceof Int8Array);
    assert.ok(Array.isArray(panel.events) && panel.events.length > 0);
    assert.equal(panel.source, `synthetic(seed=${SEED})`);
    assert.ok(N > 0.5 * OPTS.nTokens! * OPTS.nDays!, `rows ${N}`);
  });

  test("token ids, unique symbols and names, sectors as apportioned from the mix", () => {
    panel.tokens.forEach((tok, t) => assert.equal(tok.id, `SYN${String(t).padStart(3, "0")}`));
    assert.equal(new Set(panel.tokens.map((t) => t.symbol)).size, panel.tokens.length);
    assert.equal(new Set(panel.tokens.map((t) => t.name)).size, panel.tokens.length);
    for (const tok of panel.tokens) assert.match(tok.symbol, /^[A-Z0-9]{2,8}$/);
    const counts: Record<string, number> = {};
    for (const tok of panel.tokens) counts[tok.sector!] = (counts[tok.sector!] ?? 0) + 1;
    // 80 tokens x default mix (0.16, 0.22, 0.08, 0.18, 0.06, 0.14, 0.16), largest remainder.
    assert.deepEqual(counts, { "layer-1": 13, defi: 18, exchange: 6, meme: 14, stablecoin: 5, gaming: 11, infra: 13 });
    assert.equal(panel.tokens[0]!.sector, "layer-1");
    panel.tokens.forEach((tok, t) => assert.equal(SECTORS[truth.tokenSector[t]!], tok.sector));
  });

  test("a custom sector mix is honoured (no flagship without layer-1)", () => {
    const { panel: p } = generateMarket({ nTokens: 10, nDays: 120, sectorMix: { defi: 1, stablecoin: 1 } }, 3);
    const sectors = p.tokens.map((t) => t.sector);
    assert.equal(sectors.filter((s) => s === "defi").length, 5);
    assert.equal(sectors.filter((s) => s === "stablecoin").length, 5);
  });

  test("price levels span micro-caps to majors; market cap = close x supply", () => {
    const flagshipMax = Math.max(...panel.close.subarray(start[0]!, end[0]!));
    assert.ok(flagshipMax > 1000, `flagship max close ${flagshipMax}`);
    let minMeme = Infinity;
    for (let t = 0; t < panel.tokens.length; t++) {
      if (panel.tokens[t]!.sector === "meme")
        for (let i = start[t]!; i < end[t]!; i++) minMeme = Math.min(minMeme, panel.close[i]!);
    }
    assert.ok(minMeme < 1e-3, `cheapest meme close ${minMeme}`);
    // Implied supply changes slowly (supply growth <= 25%/year, 75%/year for stablecoins).
    for (const t of riskTokens.slice(0, 10)) {
      const i = start[t]!;
      const s0 = panel.marketCap[i]! / panel.close[i]!;
      const s1 = panel.marketCap[i + 1]! / panel.close[i + 1]!;
      if (panel.anomalyKind![i] || panel.anomalyKind![i + 1]) continue;
      assert.ok(Math.abs(s1 / s0 - 1) < 0.01, `token ${t} supply jumps ${s0} -> ${s1}`);
    }
  });

  test("golden output of a tiny market under a fixed seed (update deliberately when the model changes)", () => {
    const { panel: p, truth: tr } = generateMarket({ nTokens: 4, nDays: 60 }, 1);
    assert.deepEqual(
      p.tokens.map((t) => `${t.id} ${t.symbol} ${t.name} ${t.sector}`),
      [
        "SYN000 GNC Genesis Coin layer-1",
        "SYN001 UMB Umber Yield defi",
        "SYN002 CON Conduit Oracle infra",
        "SYN003 MHAM Moon Hamster meme",
      ],
    );
    assert.deepEqual(
      Array.from(p.close.slice(0, 3), (x) => x.toPrecision(10)),
      ["7212.007580", "7409.538969", "7235.570280"],
    );
    assert.equal(p.day.length, 233);
    assert.deepEqual(tr.crashDays, [18295]);
  });

  test("tiny and extreme options still give a valid panel", () => {
    for (const [nTokens, nDays] of [
      [1, 30],
      [3, 41],
      [7, 60],
    ] as const) {
      const { panel: p, truth: tr } = generateMarket({ nTokens, nDays }, 1);
      assertPanel(p);
      assert.equal(p.tokens.length, nTokens);
      assert.equal(p.events!.length, 0, "no forced anomaly when the expected count is below one row");
      assert.ok(tr.crashDays.length <= 1);
    }
    const ci = generateMarket({ nTokens: 24, nDays: 420 }, 1).panel;
    assert.deepEqual(new Set(ci.events!.map((e) => e.kind)), new Set(ANOMALY_KINDS.slice(1)));
    const { panel: p, truth: tr } = generateMarket(
      { nTokens: 30, nDays: 200, missingDayRate: 0.3, lateListingRate: 1, delistingRate: 1, anomalyRate: 0.2 },
      3,
    );
    assertPanel(p);
    const labelled = p.anomalyKind!.reduce((a, k) => a + (k > 0 ? 1 : 0), 0);
    assert.ok(labelled > 0.1 * p.day.length, `labelled ${labelled} of ${p.day.length}`);
    assert.ok(tr.missingRows > 0.1 * p.day.length);
  });

  test("invalid options throw with the bad value", () => {
    assert.throws(() => generateMarket({ nTokens: 0 }, 1), /nTokens must be a positive integer, got 0/);
    assert.throws(() => generateMarket({ nDays: 10 }, 1), /nDays must be an integer >= 30, got 10/);
    assert.throws(() => generateMarket({ anomalyRate: -0.1 }, 1), /anomalyRate must be in \[0, 0.2\], got -0.1/);
    assert.throws(() => generateMarket({ sectorMix: { nft: 1 } as never }, 1), /unknown sectorMix key "nft"/);
    assert.throws(() => generateMarket({ startDate: "yesterday" }, 1), /Not an ISO date/);
    assert.throws(() => generateMarket({ nDays: 60, crashCount: 50 }, 1), /crashCount 50 does not fit/);
    assert.equal(resolveMarketOptions({}).crashCount, 4);
  });
});

describe("generateMarket: market structure", () => {
  test("OHLC invariants hold and all values are finite and positive", () => {
    for (let i = 0; i < N; i++) {
      const o = panel.open[i]!,
        h = panel.high[i]!,
        l = panel.low[i]!,
        c = panel.close[i]!;
      assert.ok(l > 0 && Number.isFinite(h), `row ${i} low ${l} high ${h}`);
      assert.ok(l <= Math.min(o, c) && h >= Math.max(o, c), `row ${i}: o ${o} h ${h} l ${l} c ${c}`);
      assert.ok(panel.volume[i]! > 0 && Number.isFinite(panel.volume[i]!), `row ${i} volume ${panel.volume[i]}`);
      assert.ok(panel.marketCap[i]! > 0 && Number.isFinite(panel.marketCap[i]!), `row ${i} cap ${panel.marketCap[i]}`);
    }
  });

  test("ragged panel: late listings, delistings and missing days, matching the truth", () => {
    const firstDays = new Set<number>();
    let late = 0,
      delisted = 0,
      gaps = 0;
    for (let t = 0; t < panel.tokens.length; t++) {
      assert.equal(panel.day[start[t]!], truth.firstDay[t]);
      assert.equal(panel.day[end[t]! - 1], truth.lastDay[t]);
      firstDays.add(truth.firstDay[t]!);
      if (truth.firstDay[t]! > truth.startDay) late++;
      if (truth.lastDay[t]! < truth.startDay + truth.nDays - 1) delisted++;
      gaps += truth.lastDay[t]! - truth.firstDay[t]! + 1 - (end[t]! - start[t]!);
    }
    assert.ok(late >= 0.2 * panel.tokens.length, `late listings ${late}`);
    assert.ok(delisted >= 3, `delisted ${delisted}`);
    assert.ok(firstDays.size > 10, `distinct first days ${firstDays.size}`);
    assert.equal(gaps, truth.missingRows);
    const expected = 0.01 * N;
    assert.ok(gaps > 0.5 * expected && gaps < 1.5 * expected, `missing ${gaps}, expected about ${expected}`);
  });

  test("fat tails: returns have clearly positive excess kurtosis", () => {
    let sum = 0;
    for (const t of riskTokens) {
      const r = cleanReturns(t).ret;
      const m = mean(r);
      let v = 0,
        k = 0;
      for (const x of r) {
        v += (x - m) ** 2;
        k += (x - m) ** 4;
      }
      v /= r.length;
      k /= r.length;
      sum += k / (v * v) - 3;
    }
    const avg = sum / riskTokens.length;
    assert.ok(avg > 1.5, `mean excess kurtosis ${avg}`);
  });

  test("volatility clustering: |returns| are autocorrelated", () => {
    const acs = riskTokens.map((t) => {
      const { ret, row } = cleanReturns(t);
      const a: number[] = [],
        b: number[] = [];
      for (let j = 1; j < ret.length; j++) {
        if (row[j]! - row[j - 1]! !== 1) continue;
        a.push(Math.abs(ret[j - 1]!));
        b.push(Math.abs(ret[j]!));
      }
      return corr(a, b);
    });
    const avg = mean(acs);
    assert.ok(avg > 0.05, `mean lag-1 autocorrelation of |r| ${avg}`);
    assert.ok(acs.filter((x) => x > 0).length > 0.75 * acs.length);
    // The market factor itself clusters too.
    const m = truth.marketReturn;
    const absM = Array.from(m, Math.abs);
    assert.ok(corr(absM.slice(1), absM.slice(0, -1)) > 0.1);
  });

  test("a common market factor: average pairwise correlation of risky tokens is clearly positive", () => {
    // Returns on a day grid (NaN where absent), then pairwise correlations on common days.
    const nDays = truth.nDays;
    const grid = riskTokens.map((t) => {
      const g = new Float64Array(nDays).fill(NaN);
      const { ret, row } = cleanReturns(t);
      ret.forEach((r, j) => (g[panel.day[row[j]!]! - truth.startDay] = r));
      return g;
    });
    let sum = 0,
      count = 0;
    for (let a = 0; a < grid.length; a++) {
      for (let b = a + 1; b < grid.length; b++) {
        const x: number[] = [],
          y: number[] = [];
        for (let d = 0; d < nDays; d++) {
          if (!Number.isNaN(grid[a]![d]!) && !Number.isNaN(grid[b]![d]!)) {
            x.push(grid[a]![d]!);
            y.push(grid[b]![d]!);
          }
        }
        if (x.length < 60) continue;
        sum += corr(x, y);
        count++;
      }
    }
    const avg = sum / count;
    assert.ok(avg > 0.25 && avg < 0.9, `average pairwise correlation ${avg}`);
    // Stablecoin returns are not driven by the market.
    const stable = panel.tokens.findIndex((_, t) => isStable(t));
    const { ret, row } = cleanReturns(stable);
    const mk = row.map((i) => truth.marketReturn[panel.day[i]! - truth.startDay]!);
    assert.ok(Math.abs(corr(ret, mk)) < 0.2);
  });

  test("crash days: the requested number, and most tokens fall on each", () => {
    assert.equal(truth.crashDays.length, resolveMarketOptions(OPTS).crashCount);
    for (let j = 0; j < truth.crashDays.length; j++) {
      const day = truth.crashDays[j]!;
      assert.ok(truth.crashShocks[j]! <= -0.12);
      assert.ok(truth.marketReturn[day - truth.startDay]! < -0.05);
      let down = 0,
        total = 0;
      for (const t of riskTokens) {
        for (let i = start[t]! + 1; i < end[t]!; i++) {
          if (panel.day[i] === day && panel.day[i - 1] === day - 1) {
            total++;
            if (panel.close[i]! < panel.close[i - 1]!) down++;
          }
        }
      }
      assert.ok(total > 10 && down / total > 0.8, `crash ${day}: ${down}/${total} fell`);
    }
  });

  test("regimes: all three appear with the expected drift ordering", () => {
    const { panel: _p, truth: tr } = generateMarket({ nTokens: 3, nDays: 2200, anomalyRate: 0 }, 5);
    const byRegime = REGIME_NAMES.map((_, k) => {
      const r: number[] = [];
      tr.regime.forEach((g, d) => g === k && r.push(tr.marketReturn[d]!));
      return r;
    });
    for (const r of byRegime) assert.ok(r.length >= 30);
    const [calm, bull, bear] = byRegime.map((r) => r);
    const sd = (a: number[]) => Math.sqrt(mean(a.map((x) => x * x)) - mean(a) ** 2);
    assert.ok(mean(bull!) > mean(bear!), `bull ${mean(bull!)} bear ${mean(bear!)}`);
    assert.ok(sd(calm!) < sd(bear!), `calm sd ${sd(calm!)} bear sd ${sd(bear!)}`);
  });

  test("volume reacts to absolute returns", () => {
    const cs = riskTokens.map((t) => {
      const { ret, row } = cleanReturns(t);
      const turnover = row.map((i) => Math.log(panel.volume[i]! / panel.marketCap[i]!));
      return corr(ret.map(Math.abs), turnover);
    });
    const avg = mean(cs);
    assert.ok(avg > 0.15, `mean corr(|r|, log turnover) ${avg}`);
  });

  test("stablecoins stay within 3% of 1 outside labelled anomalies", () => {
    let rows = 0;
    for (let t = 0; t < panel.tokens.length; t++) {
      if (!isStable(t)) continue;
      for (let i = start[t]!; i < end[t]!; i++) {
        if (panel.anomalyKind![i]) continue;
        rows++;
        for (const v of [panel.open[i]!, panel.high[i]!, panel.low[i]!, panel.close[i]!]) {
          assert.ok(Math.abs(v - 1) < 0.03, `stablecoin ${panel.tokens[t]!.symbol} row ${i}: ${v}`);
        }
      }
    }
    assert.ok(rows > 1000);
  });
});

describe("generateMarket: injected anomalies", () => {
  const counts = new Array(ANOMALY_KINDS.length).fill(0);
  for (let i = 0; i < N; i++) counts[panel.anomalyKind![i]!]++;
  const labelled = N - counts[0];

  test("labelled share and per-kind shares match the requested rates", () => {
    const rate = resolveMarketOptions(OPTS).anomalyRate;
    assert.ok(Math.abs(labelled / N - rate) < 0.25 * rate, `labelled share ${labelled / N}, requested ${rate}`);
    for (let k = 1; k < ANOMALY_KINDS.length; k++) {
      const kind = ANOMALY_KINDS[k] as keyof typeof DEFAULT_ANOMALY_MIX;
      assert.ok(counts[k] > 0, `no ${kind}`);
      const share = counts[k] / labelled;
      assert.ok(
        Math.abs(share - DEFAULT_ANOMALY_MIX[kind]) < 0.06,
        `${kind}: share ${share}, requested ${DEFAULT_ANOMALY_MIX[kind]}`,
      );
      assert.equal(truth.anomalyRows[kind], counts[k]);
    }
  });

  test("events and row labels agree; depegs on stablecoins, pumps and flash crashes not", () => {
    let covered = 0;
    for (const e of panel.events!) {
      assert.ok(e.endDay >= e.startDay);
      if (e.kind === "depeg") assert.ok(isStable(e.token));
      if (e.kind === "pump_and_dump" || e.kind === "flash_crash") assert.ok(!isStable(e.token));
      for (let i = start[e.token]!; i < end[e.token]!; i++) {
        const d = panel.day[i]!;
        if (d >= e.startDay && d <= e.endDay) {
          assert.equal(ANOMALY_KINDS[panel.anomalyKind![i]!], e.kind);
          covered++;
        }
      }
      // No labelled day is missing from the panel.
      const rows = Array.from(panel.day.subarray(start[e.token]!, end[e.token]!)).filter(
        (d) => d >= e.startDay && d <= e.endDay,
      );
      assert.equal(rows.length, e.endDay - e.startDay + 1);
    }
    assert.equal(covered, labelled);
    const crash = new Set(truth.crashDays);
    for (const e of panel.events!) for (let d = e.startDay; d <= e.endDay; d++) assert.ok(!crash.has(d));
  });

  test("each kind has its signature in most episodes (detectable) and varies in size (not trivial)", () => {
    const rowOf = (t: number, day: number) => {
      for (let i = start[t]!; i < end[t]!; i++) if (panel.day[i] === day) return i;
      return -1;
    };
    /** Median volume of the unlabelled rows within 7 rows of row i. */
    const localVolume = (t: number, i: number) => {
      const v: number[] = [];
      for (let j = Math.max(start[t]!, i - 7); j < Math.min(end[t]!, i + 8); j++)
        if (!panel.anomalyKind![j]) v.push(panel.volume[j]!);
      v.sort((a, b) => a - b);
      return v[v.length >> 1]!;
    };
    // Episodes sit on top of market noise, so a few may blur; most must show the signature.
    const hits: Record<string, number[]> = {};
    const pumpGains: number[] = [];
    for (const e of panel.events!) {
      const before = rowOf(e.token, e.startDay - 1);
      assert.ok(before >= 0, "the day before an episode is present");
      const first = rowOf(e.token, e.startDay);
      const last = rowOf(e.token, e.endDay);
      let ok = false;
      if (e.kind === "pump_and_dump") {
        let peak = 0;
        for (let i = first; i <= last; i++) peak = Math.max(peak, panel.close[i]!);
        pumpGains.push(peak / panel.close[before]!);
        ok = peak > 1.15 * panel.close[before]! && panel.close[last]! < 0.85 * peak;
      } else if (e.kind === "flash_crash") {
        const drop = Math.log(panel.open[first]! / panel.low[first]!);
        const recovery = Math.log(panel.close[first]! / panel.low[first]!);
        ok = panel.low[first]! < 0.8 * panel.open[first]! && recovery > 0.3 * drop;
      } else if (e.kind === "depeg") {
        let minClose = Infinity;
        for (let i = first; i <= last; i++) minClose = Math.min(minClose, panel.close[i]!);
        ok = minClose < 0.975 && minClose > 0.8;
      } else if (e.kind === "volume_spike") {
        ok = panel.volume[first]! > 4 * localVolume(e.token, first);
      } else if (e.kind === "bad_print") {
        const stale = panel.close[first] === panel.close[before] && panel.volume[first] === panel.volume[before];
        ok = stale || Math.abs(Math.log(panel.close[first]! / panel.close[before]!)) > 0.15;
      }
      (hits[e.kind] ??= []).push(ok ? 1 : 0);
    }
    for (const kind of ANOMALY_KINDS.slice(1)) {
      const h = hits[kind]!;
      assert.ok(h.length > 0, `no ${kind} episode`);
      const share = mean(h);
      assert.ok(share >= (h.length >= 10 ? 0.8 : 0.6), `${kind}: signature in ${share} of ${h.length} episodes`);
    }
    pumpGains.sort((a, b) => a - b);
    assert.ok(
      pumpGains[0]! < 2 && pumpGains[pumpGains.length - 1]! > 2,
      `pump gains ${pumpGains[0]}..${pumpGains[pumpGains.length - 1]}`,
    );
  });

  test("anomalyRate 0 injects nothing; a custom mix restricts the kinds", () => {
    const none = generateMarket({ nTokens: 20, nDays: 300, anomalyRate: 0 }, 2).panel;
    assert.ok(none.anomalyKind!.every((k) => k === 0));
    assert.equal(none.events!.length, 0);
    const only = generateMarket({ nTokens: 20, nDays: 300, anomalyMix: { volume_spike: 1 } }, 2).panel;
    assert.ok(only.events!.length > 0 && only.events!.every((e) => e.kind === "volume_spike"));
  });
});
