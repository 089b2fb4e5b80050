/**
 * Anomaly injection of the synthetic market: placing episodes on tokens and drawing their
 * shapes. busy: 1 = buffer zone, 2 = episode day, per (token, day index).
 *
 * Why its own file: the labelled ground truth is its own concern, apart from the price model.
 */
import type { Rng } from "../runtime/rng";
import { ANOMALY_KINDS } from "./panel";
import { type InjectedAnomalyKind, type ResolvedMarketOptions, SECTORS } from "./synthetic-options";
import {
  ANOMALY_BUFFER_DAYS,
  ANOMALY_END_MARGIN,
  ANOMALY_LISTING_MARGIN,
  ANOMALY_MAX_TRIES,
  type Episode,
  KIND_INDEX,
  PUMP_SECTOR_WEIGHT,
  type TokenSpec,
  logUniform,
} from "./synthetic-params";

export function placeAnomalies(
  opts: ResolvedMarketOptions,
  specs: TokenSpec[],
  crashIndex: number[],
  busy: Uint8Array,
  rng: Rng,
): Episode[] {
  const { nDays } = opts;
  const episodes: Episode[] = [];
  if (opts.anomalyRate === 0) return episodes;
  const lifeRows = specs.reduce((acc, s) => acc + (s.end - s.first), 0);
  const expectedRows = lifeRows * (1 - opts.missingDayRate);
  const nearCrash = new Uint8Array(nDays);
  for (const d of crashIndex) for (let j = d - 1; j <= d + 2; j++) if (j >= 0 && j < nDays) nearCrash[j] = 1;

  const kinds = ANOMALY_KINDS.slice(1) as InjectedAnomalyKind[];
  for (const kind of kinds) {
    const wanted = opts.anomalyRate * opts.anomalyMix[kind] * expectedRows;
    // A kind whose expected share is at least one row gets at least one episode.
    if (!(wanted >= 1)) continue;
    const r = rng.fork(kind);
    // Candidate tokens weighted by usable life (so rows, not tokens, are uniform).
    const weights = specs.map((s) => {
      const usable = Math.max(0, s.end - s.first - ANOMALY_LISTING_MARGIN - ANOMALY_END_MARGIN);
      const sector = SECTORS[s.sector]!;
      let w = usable;
      if (kind === "depeg") w = s.stable ? usable : 0;
      else if (kind === "pump_and_dump") w = usable * PUMP_SECTOR_WEIGHT[sector];
      else if (kind === "flash_crash") w = s.stable ? 0 : usable;
      return w;
    });
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) continue;
    let placed = 0;
    let failures = 0;
    while (failures < 20) {
      const ep = drawEpisode(kind, r);
      if (placed > 0 && placed + ep.len / 2 > wanted) break;
      // Pick a token, then a start day that fits.
      let u = r.uniform() * total;
      let t = 0;
      while (t < specs.length - 1 && (u -= weights[t]!) >= 0) t++;
      if (weights[t] === 0) {
        failures++;
        continue;
      }
      const s = specs[t]!;
      const lo = s.first + ANOMALY_LISTING_MARGIN;
      const hi = s.end - ANOMALY_END_MARGIN - ep.len;
      let ok = false;
      if (hi > lo) {
        for (let tries = 0; tries < ANOMALY_MAX_TRIES && !ok; tries++) {
          const start = lo + r.int(hi - lo);
          ok = true;
          for (let d = start; d < start + ep.len; d++) {
            if (busy[t * nDays + d] || nearCrash[d]) {
              ok = false;
              break;
            }
          }
          if (ok) {
            ep.token = t;
            ep.start = start;
          }
        }
      }
      if (!ok) {
        failures++;
        continue;
      }
      const base = ep.token * nDays;
      for (
        let d = Math.max(s.first, ep.start - ANOMALY_BUFFER_DAYS);
        d < Math.min(s.end, ep.start + ep.len + ANOMALY_BUFFER_DAYS);
        d++
      ) {
        busy[base + d] = d >= ep.start && d < ep.start + ep.len ? 2 : Math.max(busy[base + d]!, 1);
      }
      episodes.push(ep);
      placed += ep.len;
    }
  }
  return episodes;
}

/** Draw an episode's shape (token and start are set at placement). */
function drawEpisode(kind: InjectedAnomalyKind, r: Rng): Episode {
  const ep: Episode = {
    token: -1,
    kind: KIND_INDEX[kind],
    start: -1,
    len: 1,
    retAdd: null,
    level: null,
    volMult: [1],
    rangeMult: 1,
    depth: 0,
    factor: 1,
  };
  switch (kind) {
    case "pump_and_dump": {
      // Ramp 3..8 days to +50%..+300% (log-uniform), collapse in 1..3 days to 5..30% below start.
      const ramp = 3 + r.int(6);
      const collapse = 1 + r.int(3);
      const gain = Math.log(logUniform(r, [1.5, 4]));
      const endLevel = Math.log(1 - r.range(0.05, 0.3));
      const peakVolume = Math.log(r.range(3, 12));
      const offsets: number[] = [];
      ep.volMult = [];
      for (let j = 0; j < ramp; j++) {
        const p = (j + 1) / ramp;
        offsets.push(gain * Math.pow(p, 1.6));
        ep.volMult.push(Math.exp(peakVolume * p));
      }
      for (let j = 1; j <= collapse; j++) {
        offsets.push(gain + (endLevel - gain) * (j / collapse));
        ep.volMult.push(Math.exp(peakVolume) * r.range(0.7, 1.3));
      }
      ep.retAdd = offsets.map((o, j) => o - (j === 0 ? 0 : offsets[j - 1]!));
      ep.len = ramp + collapse;
      ep.rangeMult = r.range(1.5, 2.5);
      break;
    }
    case "flash_crash": {
      // Low 25..65% below the open; the close keeps only 5..40% of the (log) drop.
      ep.depth = -Math.log(1 - r.range(0.25, 0.65));
      ep.retAdd = [-ep.depth * r.range(0.05, 0.4)];
      ep.volMult = [r.range(3, 8)];
      break;
    }
    case "depeg": {
      // Slide 1..3 days to 0.85..0.97, hold 1..5 days, recover over 2..5 days.
      const down = 1 + r.int(3);
      const hold = 1 + r.int(5);
      const up = 2 + r.int(4);
      const depth = Math.log(1 - r.range(0.03, 0.15));
      const level: number[] = [];
      for (let j = 1; j <= down; j++) level.push((depth * j) / down);
      for (let j = 0; j < hold; j++) level.push(depth * r.range(0.8, 1.1));
      // The last day closes back at the peg, so the next (unlabelled) day opens there.
      for (let j = 1; j <= up; j++) level.push(depth * (1 - j / up));
      ep.level = level;
      ep.len = level.length;
      const peak = r.range(3, 15);
      ep.volMult = level.map((l) => 1 + (peak - 1) * Math.max(0.2, Math.min(1, l / depth)));
      ep.rangeMult = r.range(3, 8);
      break;
    }
    case "volume_spike": {
      ep.len = r.uniform() < 0.8 ? 1 : 2;
      ep.volMult = Array.from({ length: ep.len }, () => r.range(10, 50));
      break;
    }
    case "bad_print": {
      if (r.uniform() < 0.6) {
        // Fat finger: x10 or /10, or a milder x or / 1.3..3 (wrong quote, partial fill).
        const big = r.uniform() < 0.5;
        const f = big ? 10 : logUniform(r, [1.3, 3]);
        ep.factor = r.uniform() < 0.5 ? f : 1 / f;
      } else {
        ep.factor = 0; // stale feed
        ep.len = 2 + r.int(3);
      }
      ep.volMult = Array.from({ length: ep.len }, () => 1);
      break;
    }
  }
  return ep;
}
