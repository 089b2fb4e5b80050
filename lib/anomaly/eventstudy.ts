/**
 * Event study: what happens to a token after its anomaly flag fires?
 *
 * For each flagged row (an "event") we measure the forward cumulative log-return and the
 * realised volatility over the next h rows, and compare them with matched control rows: the
 * same token on random other days, so token-level drift and volatility cancel out. The
 * difference (event minus its controls' mean) is averaged over events and given a bootstrap
 * 95% interval, which says whether flags carry economic information beyond chance.
 *
 * Definitions, for a row i of one token with per-row log-returns r and horizon h:
 * - forward return   R_h(i) = r[i+1] + ... + r[i+h]   (the event row's own return excluded:
 *   the flag is raised with that row's data, so only what follows is tradable);
 * - realised vol     V_h(i) = sqrt((r[i+1]^2 + ... + r[i+h]^2) / h), per-row units;
 * - a window that runs past the token's last row or holds a NaN is unusable (counted).
 * Horizons count rows of the token (trading days), not calendar days.
 * Controls of an event at horizon h are drawn with replacement from the token's rows that
 * are not events, have a usable window, and (by default, `cleanControls`) lie more than h
 * rows away from every event of that token, so no control window overlaps an event's.
 */

import {
  bootstrapCI,
  clusterBootstrapCI,
  type BootstrapResult,
  DEFAULT_ALPHA,
  DEFAULT_N_BOOT,
} from "../stats/bootstrap";
import { toRng, type RngLike } from "../stats/descriptive";

/** Default horizons in rows: next day, one trading week, one trading month. */
export const EVENT_HORIZONS = [1, 5, 20] as const;

/** Default control draws per event: the control mean's variance is 1/5 of one row's. */
export const CONTROLS_PER_EVENT = 5;

/** An event: a row of one token, by its position in that token's return array. */
export interface EventRef {
  /** Index into `returnsByToken`. */
  token: number;
  /** Row within that token's returns. */
  index: number;
}

/** Options of an event study. */
export interface EventStudyOptions {
  /** Horizons in rows. Default EVENT_HORIZONS. */
  horizons?: readonly number[];
  /** Control rows drawn per event. Default CONTROLS_PER_EVENT. */
  controlsPerEvent?: number;
  /** Keep controls more than h rows away from every event of the token. Default true. */
  cleanControls?: boolean;
  /** Bootstrap by token (cluster) instead of by event. Default false. */
  clusterByToken?: boolean;
  /** Bootstrap replicates. Default DEFAULT_N_BOOT. */
  nBoot?: number;
  /** Two-sided error rate of the intervals. Default DEFAULT_ALPHA (95% intervals). */
  alpha?: number;
  /** Stream or seed for control draws and bootstrap. */
  rng: RngLike;
}

/** Results at one horizon. */
export interface HorizonResult {
  horizon: number;
  /** Events used: usable window and at least one control candidate. */
  nEvents: number;
  /** Events whose forward window runs past the data or holds a NaN. */
  nNoWindow: number;
  /** Events with a usable window but no control candidate in their token. */
  nNoControls: number;
  /** Control rows drawn in total (with replacement). */
  nControlDraws: number;
  /** Tokens contributing events. */
  nTokens: number;
  eventMeanReturn: number;
  controlMeanReturn: number;
  /** Mean over events of (event return - mean of its controls' returns), with its interval. */
  diffReturn: BootstrapResult | null;
  eventMeanVol: number;
  controlMeanVol: number;
  /** Mean over events of (event vol - mean of its controls' vols), with its interval. */
  diffVol: BootstrapResult | null;
}

/** An event study over several horizons. */
export interface EventStudyResult {
  horizons: HorizonResult[];
  /** Events given. */
  nEventsInput: number;
  /** Repeated (token, index) pairs ignored. */
  nDuplicateEvents: number;
  controlsPerEvent: number;
  cleanControls: boolean;
  clusterByToken: boolean;
}

/** Forward return and vol of row i at horizon h, or null when the window is unusable. */
function forward(r: ArrayLike<number>, i: number, h: number): { ret: number; vol: number } | null {
  if (i + h >= r.length) return null;
  let s = 0;
  let s2 = 0;
  for (let t = i + 1; t <= i + h; t++) {
    const v = r[t]!;
    if (!Number.isFinite(v)) return null;
    s += v;
    s2 += v * v;
  }
  return { ret: s, vol: Math.sqrt(s2 / h) };
}

/**
 * Event study on per-token return arrays.
 * @param returnsByToken one array of per-row log-returns per token, in time order (NaN
 *   where undefined, e.g. each token's first row).
 * @param events flagged rows as (token, index) pairs.
 */
export function eventStudy(
  returnsByToken: ArrayLike<number>[],
  events: EventRef[],
  options: EventStudyOptions,
): EventStudyResult {
  const horizons = options.horizons ?? EVENT_HORIZONS;
  const perEvent = options.controlsPerEvent ?? CONTROLS_PER_EVENT;
  const cleanControls = options.cleanControls ?? true;
  const clusterByToken = options.clusterByToken ?? false;
  const nBoot = options.nBoot ?? DEFAULT_N_BOOT;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  if (horizons.length === 0) throw new Error("eventStudy: horizons is empty; pass e.g. [1, 5, 20].");
  for (const h of horizons)
    if (!(Number.isInteger(h) && h >= 1))
      throw new Error(`eventStudy: horizon ${h} must be a positive integer number of rows.`);
  if (!(Number.isInteger(perEvent) && perEvent >= 1))
    throw new Error(`eventStudy: controlsPerEvent must be a positive integer, got ${perEvent}.`);
  if (events.length === 0)
    throw new Error("eventStudy: no events; flag some rows first (an event study of nothing is undefined).");
  const rng = toRng(options.rng);

  // Deduplicate and validate events; per token, sorted event indices and an indicator prefix sum.
  const eventSets = returnsByToken.map(() => new Set<number>());
  let nDuplicate = 0;
  events.forEach((e, k) => {
    if (!Number.isInteger(e.token) || e.token < 0 || e.token >= returnsByToken.length) {
      throw new Error(
        `eventStudy: events[${k}].token = ${e.token} is not a token index in 0..${returnsByToken.length - 1}.`,
      );
    }
    const len = returnsByToken[e.token]!.length;
    if (!Number.isInteger(e.index) || e.index < 0 || e.index >= len) {
      throw new Error(`eventStudy: events[${k}].index = ${e.index} is outside token ${e.token}'s rows 0..${len - 1}.`);
    }
    const set = eventSets[e.token]!;
    if (set.has(e.index)) nDuplicate++;
    else set.add(e.index);
  });
  const eventPrefix = returnsByToken.map((r, t) => {
    const p = new Int32Array(r.length + 1);
    for (let i = 0; i < r.length; i++) p[i + 1] = p[i]! + (eventSets[t]!.has(i) ? 1 : 0);
    return p;
  });
  const eventsIn = (t: number, from: number, to: number): number => {
    const p = eventPrefix[t]!;
    const a = Math.max(0, from);
    const b = Math.min(p.length - 2, to);
    return b < a ? 0 : p[b + 1]! - p[a]!;
  };

  const results: HorizonResult[] = horizons.map((h) => {
    const drawRng = rng.fork(`eventstudy-controls-h${h}`);
    const bootRng = rng.fork(`eventstudy-bootstrap-h${h}`);
    const dRet: number[] = [];
    const dVol: number[] = [];
    const tokenOf: number[] = [];
    let sumERet = 0;
    let sumEVol = 0;
    let sumCRet = 0;
    let sumCVol = 0;
    let nNoWindow = 0;
    let nNoControls = 0;
    let nDraws = 0;
    const tokensUsed = new Set<number>();
    eventSets.forEach((set, t) => {
      if (set.size === 0) return;
      const r = returnsByToken[t]!;
      // Control candidates of this token at this horizon, with their forward values.
      const candRet: number[] = [];
      const candVol: number[] = [];
      for (let j = 0; j < r.length; j++) {
        if (set.has(j)) continue;
        if (cleanControls && eventsIn(t, j - h, j + h) > 0) continue;
        const f = forward(r, j, h);
        if (!f) continue;
        candRet.push(f.ret);
        candVol.push(f.vol);
      }
      for (const i of [...set].sort((a, b) => a - b)) {
        const f = forward(r, i, h);
        if (!f) {
          nNoWindow++;
          continue;
        }
        if (candRet.length === 0) {
          nNoControls++;
          continue;
        }
        let cRet = 0;
        let cVol = 0;
        for (let c = 0; c < perEvent; c++) {
          const j = drawRng.int(candRet.length);
          cRet += candRet[j]!;
          cVol += candVol[j]!;
        }
        cRet /= perEvent;
        cVol /= perEvent;
        nDraws += perEvent;
        sumERet += f.ret;
        sumEVol += f.vol;
        sumCRet += cRet;
        sumCVol += cVol;
        dRet.push(f.ret - cRet);
        dVol.push(f.vol - cVol);
        tokenOf.push(t);
        tokensUsed.add(t);
      }
    });
    const m = dRet.length;
    const boot = (values: number[], label: string): BootstrapResult | null => {
      if (m === 0) return null;
      const opts = { nBoot, alpha, rng: bootRng.fork(label) };
      return clusterByToken ? clusterBootstrapCI(values, tokenOf, opts) : bootstrapCI(values, opts);
    };
    return {
      horizon: h,
      nEvents: m,
      nNoWindow,
      nNoControls,
      nControlDraws: nDraws,
      nTokens: tokensUsed.size,
      eventMeanReturn: m ? sumERet / m : NaN,
      controlMeanReturn: m ? sumCRet / m : NaN,
      diffReturn: boot(dRet, "return"),
      eventMeanVol: m ? sumEVol / m : NaN,
      controlMeanVol: m ? sumCVol / m : NaN,
      diffVol: boot(dVol, "vol"),
    };
  });
  return {
    horizons: results,
    nEventsInput: events.length,
    nDuplicateEvents: nDuplicate,
    controlsPerEvent: perEvent,
    cleanControls,
    clusterByToken,
  };
}

/**
 * Event study on panel-shaped rows: one log-return per row, a token id per row (rows of a
 * token contiguous and in time order, as in a Panel) and the flagged row numbers.
 * @param returns `[n]` per-row log-returns.
 * @param tokens `[n]` token id per row.
 * @param eventRows row numbers in 0..n-1 of the events.
 * @throws when a token's rows are not contiguous (sort by token, then day).
 */
export function eventStudyFromRows(
  returns: ArrayLike<number>,
  tokens: ArrayLike<number>,
  eventRows: ArrayLike<number>,
  options: EventStudyOptions,
): EventStudyResult {
  const n = returns.length;
  if (tokens.length !== n)
    throw new Error(`tokens has ${tokens.length} values but returns has ${n}; align them row by row.`);
  const segStart: number[] = [];
  const seen = new Set<number>();
  const segOfRow = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = tokens[i]!;
    if (i === 0 || t !== tokens[i - 1]) {
      if (seen.has(t))
        throw new Error(`eventStudyFromRows: token ${t} reappears at row ${i}; sort rows by (token, day) first.`);
      seen.add(t);
      segStart.push(i);
    }
    segOfRow[i] = segStart.length - 1;
  }
  const returnsByToken: ArrayLike<number>[] = segStart.map((s, k) => {
    const e = k + 1 < segStart.length ? segStart[k + 1]! : n;
    return Array.prototype.slice.call(returns, s, e) as number[];
  });
  const events: EventRef[] = [];
  for (let k = 0; k < eventRows.length; k++) {
    const row = eventRows[k]!;
    if (!Number.isInteger(row) || row < 0 || row >= n)
      throw new Error(`eventStudyFromRows: eventRows[${k}] = ${row} is not a row in 0..${n - 1}.`);
    const seg = segOfRow[row]!;
    events.push({ token: seg, index: row - segStart[seg]! });
  }
  return eventStudy(returnsByToken, events, options);
}
