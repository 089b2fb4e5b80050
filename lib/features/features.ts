/**
 * Per token-day feature rows for the autoencoders.
 *
 * The models see each token-day as a short vector of scale-free numbers: log returns over a
 * few horizons, rolling volatility, intraday shape (range, body, shadows), volume surprise,
 * the move relative to the rest of the market, co-movement with the market and distance
 * from recent prices. Every value is strictly causal: a row for day d reads only rows of the
 * same token (and, for market features, other tokens) on days <= d, so a model trained on
 * the past never sees the future through its inputs.
 *
 * Calendar, not row, arithmetic. Crypto trades every day, so a missing day in the Panel is
 * a gap in the data, never "the next trading day". Every window below is a span of calendar
 * days ending on the row's day, and a missing day simply leaves a hole in that span:
 *
 * - Return over horizon h on day d: log(close_d / close_ref), where ref is the EARLIEST
 *   available day in [d - h, d - ceil(minCoverage * h)]. When day d - h is present this is
 *   the exact h-day return; when it is missing the return covers a slightly shorter span
 *   (never longer than h, never shorter than minCoverage of it) and the row is counted in
 *   `repairs`. With no close in that span the return is NaN and the row is dropped. For
 *   h = 1 this means "yesterday's close or nothing".
 * - Rolling statistics over w days use the observations present in the w-day span and
 *   need at least ceil(minCoverage * w) of them (and at least 2), else NaN.
 * - Volume enters as log(1 + volume), so zero-volume days stay finite.
 * - The market return of a token-day is the median (or mean) of the OTHER tokens' 1-day
 *   returns that day (leave-one-out), so a token's own spike never moves its benchmark.
 *
 * Rows are dropped and counted, by the first reason that applies, in this order:
 *   "warm-up"      the row's lookback span [d - lookbackDays, d] reaches before the token's
 *                  first day. Always dropped, even where the coverage rule could give a
 *                  value, so every kept row has its full calendar history and coverage only
 *                  ever stands in for holes inside that history;
 * and, for rows with a non-finite selected feature:
 *   "gaps"         some day in the lookback span [d - lookbackDays, d] is missing;
 *   "thin market"  only market features are undefined: fewer than `minMarketTokens` other
 *                  tokens had a 1-day return that day (or over the beta window);
 *   "non-finite"   anything else (zero or negative prices, NaN in the input, ...).
 *
 * The feature set adapts to the data (`adaptFeatures`): features that need a column the
 * panel does not have for every token are left out, not filled with zeros (hl_range and the
 * shadows need high/low, co_return and the shadows need open, volume_z and logvol_change need
 * volume; close-only and price-only sources lack them), market features are left out when
 * the panel has no more than `minMarketTokens` tokens, and a feature that is constant on
 * every kept row is dropped. `FeatureTable.leftOut` lists each with its reason.
 *
 * Speed: one pass per feature over typed arrays with running sums (O(rows) per feature,
 * plus a per-day sort for the market median), Float64 arithmetic, a single Float32 output
 * buffer and no per-row objects.
 */
import {
  type FeatureOptions,
  type FeatureTable,
  LOG_VOLUME_STD_FLOOR,
  MAX_VIEW_WASTE,
  RETURN_STD_FLOOR,
  adaptFeatures,
  featureCatalogue,
  panelInputs,
  resolve,
} from "./feature-catalogue";
import { leaveOneOutMarket, minCount, rollingBetaCorr, rollingDrawdown, rollingMeanStd } from "./feature-windows";
import { type Panel, assertPanel, dayToIso, tokenRanges } from "../data/panel";

// The catalogue, the options and the table types live in feature-catalogue.ts; re-exported so
// that callers keep importing them from here.
export {
  DEFAULT_DRAWDOWN_WINDOW,
  DEFAULT_MA_WINDOW,
  DEFAULT_MARKET_WINDOW,
  DEFAULT_MIN_COVERAGE,
  DEFAULT_MIN_MARKET_TOKENS,
  DEFAULT_RETURN_HORIZONS,
  DEFAULT_VOLATILITY_WINDOWS,
  DEFAULT_ZSCORE_WINDOW,
  LOG_VOLUME_STD_FLOOR,
  MAX_RETURN_HORIZONS,
  MAX_VIEW_WASTE,
  MIN_VARIANCE,
  RETURN_STD_FLOOR,
  adaptFeatures,
  defaultFeatureNames,
  featureCatalogue,
  panelInputs,
} from "./feature-catalogue";
export type {
  FeatureInput,
  FeatureOptions,
  FeatureSpec,
  FeatureTable,
  LeftOutFeature,
  PanelInputs,
} from "./feature-catalogue";

/**
 * Build per token-day feature rows from a Panel. See the module comment for the gap rule,
 * the causality guarantee and the drop reasons.
 *
 * @param panel a valid Panel (checked with assertPanel), sorted by (token, day).
 * @param options documented defaults: horizons [1, 5, 20], volatility [10, 30], z-scores 30,
 *   MA 20, beta/corr 30, drawdown 30, leave-one-out median market, minCoverage 0.8.
 * @returns a FeatureTable with `X` `[nRows, nFeatures]` float32 in panel order.
 * @throws when the panel is empty or invalid, an option is invalid, a feature name is
 *   unknown, or no row survives (the message gives the counts and the worst features).
 */
export function buildFeatures(panel: Panel, options: FeatureOptions = {}): FeatureTable {
  const o = resolve(options);
  assertPanel(panel);
  const n = panel.day.length;
  if (n === 0) throw new Error(`Cannot build features from an empty panel (source ${panel.source}): it has no rows.`);

  const catalogue = featureCatalogue(options);
  const byName = new Map(catalogue.map((s) => [s.name, s]));
  const wanted = options.features ? [...options.features] : catalogue.map((s) => s.name);
  if (wanted.length === 0)
    throw new Error(`Feature option features is empty: choose at least one of ${[...byName.keys()].join(", ")}.`);
  for (const nm of wanted) {
    if (!byName.has(nm))
      throw new Error(`Unknown feature "${nm}". Known with these options: ${[...byName.keys()].join(", ")}.`);
  }
  if (new Set(wanted).size !== wanted.length)
    throw new Error(`Feature option features lists a name twice: ${wanted.join(", ")}.`);
  // The feature set adapts to the data: features whose columns are missing are left out.
  const adapted = adaptFeatures(wanted, panelInputs(panel), options);
  const names = adapted.names;
  if (names.length === 0)
    throw new Error(
      `None of the chosen features can be built from this panel (${adapted.leftOut.map((x) => `${x.feature}: ${x.reason}`).join("; ")}). Choose features that need only closes, e.g. logret_1d.`,
    );
  const F = names.length;
  const colOf = (nm: string): number => names.indexOf(nm);
  const lookbackDays = Math.max(...names.map((nm) => byName.get(nm)!.lookbackDays));
  const isMarketCol = new Uint8Array(F);
  names.forEach((nm, k) => (isMarketCol[k] = byName.get(nm)!.market ? 1 : 0));
  const anyMarket = isMarketCol.some((v) => v === 1);

  const { day } = panel;
  const { start, end } = tokenRanges(panel);
  const buf = new Float32Array(n * F);
  const put = (k: number, values: Float64Array): void => {
    if (k < 0) return;
    for (let i = 0, p = k; i < n; i++, p += F) buf[p] = values[i]!;
  };

  // Base series. Non-positive prices and negative volumes become NaN (dropped as non-finite).
  const logClose = new Float64Array(n);
  const logVol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = panel.close[i]!;
    logClose[i] = c > 0 ? Math.log(c) : NaN;
    const v = panel.volume[i]!;
    // log(1 + volume): zero-volume days stay finite.
    logVol[i] = v >= 0 ? Math.log1p(v) : NaN;
  }
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const r1 = new Float64Array(n);
  const shortened = new Uint8Array(n);

  // Returns: reference = earliest row with day in [d - h, d - ceil(minCoverage * h)].
  const horizonOrder = [...o.returnHorizons].sort((x, y) => x - y);
  if (horizonOrder[0] !== 1) horizonOrder.unshift(1);
  for (const h of horizonOrder) {
    const bit = o.returnHorizons.indexOf(h);
    const target = h === 1 ? r1 : a;
    const latest = Math.max(1, Math.ceil(o.minCoverage * h - 1e-9));
    target.fill(NaN);
    for (let t = 0; t < start.length; t++) {
      let p = start[t]!;
      for (let i = start[t]!; i < end[t]!; i++) {
        const d = day[i]!;
        while (p < i && day[p]! < d - h) p++;
        if (p < i && day[p]! <= d - latest) {
          target[i] = logClose[i]! - logClose[p]!;
          if (day[p]! !== d - h && bit >= 0) shortened[i] |= 1 << bit;
        }
      }
    }
    if (bit >= 0) put(colOf(`logret_${h}d`), target);
  }

  for (const w of o.volatilityWindows) {
    const k = colOf(`vol_${w}d`);
    if (k < 0) continue;
    rollingMeanStd(r1, day, start, end, w, false, minCount(w, o.minCoverage), a, b);
    put(k, b);
  }

  // Intraday shape.
  const kRange = colOf("hl_range");
  const kBody = colOf("co_return");
  const kUp = colOf("upper_shadow");
  const kLow = colOf("lower_shadow");
  if (kRange >= 0 || kBody >= 0 || kUp >= 0 || kLow >= 0) {
    for (let i = 0; i < n; i++) {
      const op = panel.open[i]!;
      const hi = panel.high[i]!;
      const lo = panel.low[i]!;
      const cl = panel.close[i]!;
      const ok = op > 0 && hi > 0 && lo > 0 && cl > 0;
      const p = i * F;
      if (kRange >= 0) buf[p + kRange] = ok ? Math.log(hi / lo) : NaN;
      if (kBody >= 0) buf[p + kBody] = ok ? Math.log(cl / op) : NaN;
      if (kUp >= 0) buf[p + kUp] = ok ? Math.log(hi / Math.max(op, cl)) : NaN;
      if (kLow >= 0) buf[p + kLow] = ok ? Math.log(Math.min(op, cl) / lo) : NaN;
    }
  }

  const zw = o.zScoreWindow;
  const kVz = colOf(`volume_z_${zw}d`);
  if (kVz >= 0) {
    rollingMeanStd(logVol, day, start, end, zw, true, minCount(zw, o.minCoverage), a, b);
    for (let i = 0; i < n; i++) a[i] = (logVol[i]! - a[i]!) / Math.max(b[i]!, LOG_VOLUME_STD_FLOOR);
    put(kVz, a);
  }
  const kVc = colOf("logvol_change");
  if (kVc >= 0) {
    a.fill(NaN);
    for (let i = 1; i < n; i++) {
      if (panel.token[i] === panel.token[i - 1] && day[i] === day[i - 1]! + 1) a[i] = logVol[i]! - logVol[i - 1]!;
    }
    put(kVc, a);
  }
  const kRz = colOf(`ret_z_${zw}d`);
  if (kRz >= 0) {
    rollingMeanStd(r1, day, start, end, zw, true, minCount(zw, o.minCoverage), a, b);
    for (let i = 0; i < n; i++) a[i] = r1[i]! / Math.max(b[i]!, RETURN_STD_FLOOR);
    put(kRz, a);
  }
  const kMa = colOf(`ma_dist_${o.maWindow}d`);
  if (kMa >= 0) {
    for (let i = 0; i < n; i++) b[i] = panel.close[i]! > 0 ? panel.close[i]! : NaN;
    rollingMeanStd(b, day, start, end, o.maWindow, false, minCount(o.maWindow, o.minCoverage), a, null);
    for (let i = 0; i < n; i++) a[i] = logClose[i]! - Math.log(a[i]!);
    put(kMa, a);
  }
  const kDd = colOf(`drawdown_${o.drawdownWindow}d`);
  if (kDd >= 0) {
    rollingDrawdown(
      logClose,
      day,
      start,
      end,
      o.drawdownWindow,
      minCount(o.drawdownWindow, o.minCoverage),
      a,
      new Int32Array(n),
    );
    put(kDd, a);
  }

  // Market features (leave-one-out, so a token's own move never defines its market).
  const mkt = anyMarket ? new Float64Array(n) : null;
  if (mkt) {
    leaveOneOutMarket(r1, day, o.market, o.minMarketTokens, mkt);
    const kRel = colOf("mkt_rel_ret");
    if (kRel >= 0) {
      for (let i = 0; i < n; i++) a[i] = r1[i]! - mkt[i]!;
      put(kRel, a);
    }
    const kBeta = colOf(`beta_${o.marketWindow}d`);
    const kCorr = colOf(`corr_${o.marketWindow}d`);
    if (kBeta >= 0 || kCorr >= 0) {
      rollingBetaCorr(r1, mkt, day, start, end, o.marketWindow, minCount(o.marketWindow, o.minCoverage), a, b);
      put(kBeta, a);
      put(kCorr, b);
    }
  }

  // Keep rows whose features are all finite (after the float32 cast); classify the rest.
  const outToken = new Int32Array(n);
  const outDay = new Int32Array(n);
  const outRow = new Int32Array(n);
  const outKind = panel.anomalyKind ? new Int8Array(n) : null;
  let warm = 0;
  let gaps = 0;
  let thin = 0;
  let bad = 0;
  const shortCount = new Float64Array(o.returnHorizons.length);
  let kept = 0;
  for (let t = 0; t < start.length; t++) {
    const s = start[t]!;
    const e = end[t]!;
    let lo = s;
    for (let i = s; i < e; i++) {
      const d = day[i]!;
      while (day[lo]! < d - lookbackDays) lo++;
      const p = i * F;
      let finiteOwn = true;
      let finiteMarket = true;
      for (let k = 0; k < F; k++) {
        if (!Number.isFinite(buf[p + k]!)) {
          if (isMarketCol[k]) finiteMarket = false;
          else finiteOwn = false;
        }
      }
      if (d - day[s]! < lookbackDays) warm++;
      else if (finiteOwn && finiteMarket) {
        if (kept !== i) for (let k = 0, q = kept * F; k < F; k++) buf[q + k] = buf[p + k]!;
        outToken[kept] = t;
        outDay[kept] = d;
        outRow[kept] = i;
        if (outKind) outKind[kept] = panel.anomalyKind![i]!;
        const bits = shortened[i]!;
        if (bits) for (let q = 0; q < shortCount.length; q++) if (bits & (1 << q)) shortCount[q]++;
        kept++;
      } else if (i - lo < lookbackDays) gaps++;
      else if (finiteOwn && Number.isFinite(r1[i]!)) thin++;
      else bad++;
    }
  }
  const dropped = [
    { reason: "warm-up", count: warm },
    { reason: "gaps", count: gaps },
    { reason: "thin market", count: thin },
    { reason: "non-finite", count: bad },
  ];
  if (kept === 0) {
    throw new Error(
      `No feature row survives out of ${n} panel rows (${dropped.map((x) => `${x.reason}: ${x.count}`).join(", ")}). ` +
        `Features need ${lookbackDays} days of history per token` +
        (anyMarket ? ` and at least ${o.minMarketTokens} other tokens trading the same day` : "") +
        `; supply longer histories, lower the windows, or choose fewer features (option features).`,
    );
  }
  // Never a constant feature: a column with one value on every kept row carries nothing.
  const leftOut = adapted.leftOut;
  const constant = constantColumns(buf, kept, F);
  let outNames = names;
  let outF = F;
  if (constant.length > 0 && constant.length < F) {
    const keepCols = names.map((_, k) => k).filter((k) => !constant.includes(k));
    for (const k of constant)
      leftOut.push({ feature: names[k]!, reason: `constant (${buf[k]}) on every one of the ${kept} feature rows` });
    for (let i = 0; i < kept; i++) {
      const from = i * F;
      const to = i * keepCols.length;
      for (let q = 0; q < keepCols.length; q++) buf[to + q] = buf[from + keepCols[q]!]!;
    }
    outNames = keepCols.map((k) => names[k]!);
    outF = keepCols.length;
  }
  const repairs = o.returnHorizons
    .map((h, q) => ({ h, q }))
    .filter(({ h }) => h > 1 && outNames.includes(`logret_${h}d`))
    .map(({ h, q }) => ({ reason: `logret_${h}d over a shorter span (day d-${h} missing)`, count: shortCount[q]! }));
  return {
    featureNames: outNames,
    X: {
      data: kept >= n * (1 - MAX_VIEW_WASTE) ? buf.subarray(0, kept * outF) : buf.slice(0, kept * outF),
      rows: kept,
      cols: outF,
    },
    token: outToken.slice(0, kept),
    day: outDay.slice(0, kept),
    rowOfPanel: outRow.slice(0, kept),
    anomalyKind: outKind ? outKind.slice(0, kept) : null,
    dropped,
    repairs,
    lookbackDays,
    leftOut,
  };
}

/** Columns of the first `rows` rows of a row-major `[rows, cols]` buffer that hold one value only. */
function constantColumns(buf: Float32Array, rows: number, cols: number): number[] {
  if (rows < 2) return [];
  const varying = new Uint8Array(cols);
  let left = cols;
  for (let i = 1; i < rows && left > 0; i++) {
    const p = i * cols;
    for (let k = 0; k < cols; k++) {
      if (!varying[k] && buf[p + k] !== buf[k]) {
        varying[k] = 1;
        left--;
      }
    }
  }
  const out: number[] = [];
  for (let k = 0; k < cols; k++) if (!varying[k]) out.push(k);
  return out;
}

/** One-line summary of a FeatureTable (rows, features, drops, day range) for logs and notebooks. */
export function describeFeatureTable(table: FeatureTable): string {
  const { rows, cols } = table.X;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < table.day.length; i++) {
    lo = Math.min(lo, table.day[i]!);
    hi = Math.max(hi, table.day[i]!);
  }
  const range = rows > 0 ? `${dayToIso(lo)}..${dayToIso(hi)}` : "no days";
  const drops =
    table.dropped
      .filter((d) => d.count > 0)
      .map((d) => `${d.reason} ${d.count}`)
      .join(", ") || "none";
  return `${rows} rows x ${cols} features (${range}); dropped: ${drops}; lookback ${table.lookbackDays} days.`;
}
