/**
 * Documented market-wide crypto sell-offs, as facts against which an unsupervised stress
 * measure can be checked on real data.
 *
 * Real markets carry no anomaly labels. What they do have is a public record of days when
 * the whole market fell at once: if the share of tokens that the detectors flag is a
 * meaningful "stress index", those days should rank near its top. The events are used only
 * for that check, never for training or thresholds, so the check stays out of sample.
 *
 * Dates are UTC days (inclusive ranges). `source` says where each event is documented, as
 * recorded when this table was compiled; `sourceChecked` is false where only general press
 * coverage was noted and no specific article was checked, so a reader knows which rows
 * rest on a named source.
 */
import { dayToIso, isoToDay } from "./panel";

/** A documented market-wide event. */
export interface MarketEvent {
  /** First day of the event, ISO date (UTC). */
  start: string;
  /** Last day of the event, ISO date (UTC), equal to `start` for one-day events. */
  end: string;
  /** What happened, in a few words. */
  event: string;
  /** Where it is documented. */
  source: string;
  /** True when a named source was checked; false for "widely reported" rows. */
  sourceChecked: boolean;
}

/**
 * Market-wide crash days and episodes, 2017-2025, ascending. Each multi-day row spans the
 * days the documented episode lasted (e.g. the UST depeg from the first de-peg to the
 * chain halt).
 */
export const KNOWN_MARKET_EVENTS: readonly MarketEvent[] = [
  {
    start: "2017-09-04",
    end: "2017-09-04",
    event: "China bans ICOs; broad sell-off",
    source: "widely reported; no specific source checked",
    sourceChecked: false,
  },
  {
    start: "2018-01-16",
    end: "2018-01-16",
    event: "Broad crash after the December 2017 peak",
    source: "widely reported; no specific source checked",
    sourceChecked: false,
  },
  {
    start: "2018-11-19",
    end: "2018-11-20",
    event: "BCH hash-war sell-off; BTC below 5,000",
    source: "widely reported; no specific source checked",
    sourceChecked: false,
  },
  {
    start: "2020-03-12",
    end: "2020-03-13",
    event: '"Black Thursday": BTC ~7.9k -> ~3.9k in two legs, BitMEX liquidation cascade',
    source: "research.ledgerprime.com; blog.btcmex.com",
    sourceChecked: true,
  },
  {
    start: "2021-05-19",
    end: "2021-05-19",
    event: "BTC ~43.6k -> ~30k intraday after a 2021-05-18 notice by three Chinese industry associations",
    source: "livemint; ainvest",
    sourceChecked: true,
  },
  {
    start: "2021-12-04",
    end: "2021-12-04",
    event: "Weekend liquidation cascade, BTC -17% intraday",
    source: "widely reported; no specific source checked",
    sourceChecked: false,
  },
  {
    start: "2022-05-07",
    end: "2022-05-13",
    event: "UST depeg; LUNA > 80 -> < 1 in five days; chain halted 2022-05-13",
    source: 'wiki.defillama.com, "LUNA Collapse in May 2022"',
    sourceChecked: true,
  },
  {
    start: "2022-06-12",
    end: "2022-06-13",
    event: "Celsius freezes withdrawals; total crypto market cap below 1T",
    source: "The Verge; City AM",
    sourceChecked: true,
  },
  {
    start: "2022-11-06",
    end: "2022-11-11",
    event: "FTX: Binance sells FTT (6th), letter of intent (8th), withdraws (9th), Chapter 11 (11th)",
    source: "The Block; CoinDesk timeline",
    sourceChecked: true,
  },
  {
    start: "2025-10-10",
    end: "2025-10-10",
    event: "~19B of liquidations after a US tariff announcement; BTC ~122k -> ~105k",
    source: "Coinglass figures via press",
    sourceChecked: true,
  },
];

/** An event as UTC day numbers, ready for comparison with a panel's days. */
export interface EventDays {
  /** Display label, e.g. "2022-05-07..13 UST depeg ...". */
  label: string;
  /** First and last day (inclusive), UTC day numbers. */
  startDay: number;
  endDay: number;
}

/**
 * Events as day ranges, optionally only those that overlap `[fromDay, toDay]` (the span a
 * data set covers).
 * @throws when an event's dates do not parse or end before they start (a broken table).
 */
export function marketEventDays(
  events: readonly MarketEvent[] = KNOWN_MARKET_EVENTS,
  span?: { fromDay: number; toDay: number },
): EventDays[] {
  const out: EventDays[] = [];
  for (const e of events) {
    const startDay = isoToDay(e.start);
    const endDay = isoToDay(e.end);
    if (endDay < startDay)
      throw new Error(`Market event "${e.event}" ends (${e.end}) before it starts (${e.start}); fix its dates.`);
    if (span && (endDay < span.fromDay || startDay > span.toDay)) continue;
    out.push({ label: `${e.start === e.end ? e.start : `${e.start}..${e.end}`} ${e.event}`, startDay, endDay });
  }
  return out;
}

/** Day ranges of simulated crash days (one-day events) from ISO dates, e.g. market-truth.json's `crashDays`. */
export function crashDayEvents(isoDates: readonly string[]): EventDays[] {
  return isoDates.map((iso) => {
    const d = isoToDay(iso);
    return { label: `${dayToIso(d)} simulated crash`, startDay: d, endDay: d };
  });
}
