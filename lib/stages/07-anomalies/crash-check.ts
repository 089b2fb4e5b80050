/**
 * The crash-window check of notebook 07: every model's stress index and the no-model
 * anchors, judged with one protocol (lib/anomaly/stress.ts) against documented (or
 * simulated) crash windows, and findings written from the numbers.
 *
 * Per model three scores go through the protocol: the default market stress score
 * (lib/anomaly/market-stress.ts: onset of each token's stress score, signed by its return
 * and averaged over the day's tokens, net falls only), the per-token stress score alone (feature-normalised
 * error, robust z against the token's own training errors; the default before) and the raw
 * MSE pooled over tokens. Anchors: the share of tokens with a 3-sigma daily move (trailing
 * 30-day sd), the market move (|median daily return| over its trailing sd) and the
 * coherent move (the net fall of the day: minus the mean of the tokens' trailing-sd returns,
 * each capped at 3, floored at 0: the default's aggregation on returns instead of model
 * errors). Anchors have no training split: the
 * 3-sigma anchor flags at its fixed 3 sigma, the other two are ranked by their value (one
 * number per day).
 */
import type { Panel } from "../../data/panel";
import type { EventDays } from "../../data/market-events";
import {
  runStressProtocol,
  stressProtocolFromFlags,
  stressScore,
  stressMinTokens,
  STRESS_TOP_DAYS,
  CRASH_TOLERANCE_DAYS,
  type StressProtocolResult,
  type DailyStress,
} from "../../anomaly/crash-protocol";
import {
  returnShockScore,
  marketMoveScore,
  flagAbove,
  dailyLogReturns,
  trailingZ,
  RETURN_SHOCK_K,
} from "../../anomaly/anchors";
import {
  coherentStress,
  marketStressScore,
  rowReturns,
  COHERENCE_CAP_Z,
  ONSET_WINDOW_DAYS,
  STRESS_DIRECTION,
  type StressDirection,
} from "../../anomaly/market-stress";
import type { ModelErrors } from "../../anomaly/analysis";
import { marketTokenMask, selectTokens, type TokenClass } from "../../data/taxonomy";
import { takeRows } from "../../runtime/matrix";
import { modelLabel } from "../../runtime/model-registry";

/** One index judged by the protocol. */
export interface CrashIndex {
  /** Display name, e.g. "AE · stress score" or "anchor · 3-sigma share". */
  name: string;
  /** "model" (default market stress score), "model-token" (per-token stress score), "model-raw" (pooled MSE) or "anchor". */
  kind: "model" | "model-token" | "model-raw" | "anchor";
  model: string | null;
  result: StressProtocolResult;
}

/** Everything the notebook shows about crash windows. */
export interface CrashCheck {
  indices: CrashIndex[];
  events: readonly EventDays[];
  minTokens: number;
  /** Ids of the tokens left out of every index (non-market classes, see lib/data/taxonomy.ts). */
  excluded: string[];
}

/**
 * Run the protocol for every model (default stress score and raw pooled MSE) and for the
 * anchors on the panel's token-days. Only market tokens count (stablecoins, fiat, leveraged,
 * wrapped and gold tokens are left out, see `marketTokenMask`; `include` widens the classes).
 * `minTokens` defaults to `stressMinTokens` of the market panel's widest day, the same for
 * every index. `direction` (default `STRESS_DIRECTION`, net falls) is the one of the models'
 * market stress and of the coherent-move anchor.
 */
export function crashCheck(
  errors: readonly ModelErrors[],
  fullPanel: Panel,
  events: readonly EventDays[],
  options: { minTokens?: number; include?: readonly TokenClass[]; direction?: StressDirection } = {},
): CrashCheck {
  const direction = options.direction ?? STRESS_DIRECTION;
  const market = options.include ? marketTokenMask(fullPanel, options.include) : marketTokenMask(fullPanel);
  const excluded = fullPanel.tokens.filter((_, i) => !market[i]).map((t) => t.id);
  const panel = excluded.length ? selectTokens(fullPanel, market) : fullPanel;
  const perDay = new Map<number, number>();
  for (let i = 0; i < panel.day.length; i++) perDay.set(panel.day[i]!, (perDay.get(panel.day[i]!) ?? 0) + 1);
  const minTokens = options.minTokens ?? stressMinTokens([...perDay.values()]);
  const indices: CrashIndex[] = [];
  const shock = returnShockScore(panel);
  indices.push({
    name: `anchor · ${RETURN_SHOCK_K}-sigma share`,
    kind: "anchor",
    model: null,
    result: stressProtocolFromFlags(panel.day, flagAbove(shock, RETURN_SHOCK_K), shock, events, { minTokens }),
  });
  const move = marketMoveScore(panel);
  indices.push({
    name: "anchor · market move",
    kind: "anchor",
    model: null,
    // One value per day: no flag, the day's value ranks it.
    result: stressProtocolFromFlags(
      panel.day,
      Int8Array.from(move, (v) => (Number.isFinite(v) ? 0 : -1)),
      move,
      events,
      { minTokens },
    ),
  });
  // Coherent move: the net fall of the day, capped mean signed trailing z of the 1-day returns (rows in panel order).
  const retZ = trailingZ(panel.token, panel.day, dailyLogReturns(panel));
  const coherent = coherentStress(panel.day, retZ.map(Math.abs), retZ, COHERENCE_CAP_Z, direction);
  indices.push({
    name: "anchor · coherent move",
    kind: "anchor",
    model: null,
    result: stressProtocolFromFlags(
      panel.day,
      Int8Array.from(coherent, (v) => (Number.isFinite(v) ? 0 : -1)),
      coherent,
      events,
      { minTokens },
    ),
  });
  for (const all of errors) {
    const e = excluded.length ? marketRows(all, market) : all;
    const fit = Uint8Array.from(e.split, (s) => (s === 0 ? 1 : 0));
    const label = modelLabel(e.model);
    const ret = rowReturns(fullPanel, e.token, e.day);
    indices.push({
      name: `${label} · market stress`,
      kind: "model",
      model: e.model,
      result: runStressProtocol(
        { day: e.day, score: marketStressScore(e, e.perFeature, fit, ret, ONSET_WINDOW_DAYS, direction), fitMask: fit },
        events,
        {
          minTokens,
        },
      ),
    });
    indices.push({
      name: `${label} · token stress`,
      kind: "model-token",
      model: e.model,
      result: runStressProtocol({ day: e.day, score: stressScore(e.token, e.perFeature, fit), fitMask: fit }, events, {
        minTokens,
      }),
    });
    indices.push({
      name: `${label} · pooled MSE`,
      kind: "model-raw",
      model: e.model,
      result: runStressProtocol({ day: e.day, score: e.scores.mse, fitMask: fit }, events, { minTokens }),
    });
  }
  return { indices, events, minTokens, excluded };
}

/** The rows of `e` whose token is a market token (mask per token index of the full panel). */
function marketRows(e: ModelErrors, market: Uint8Array): ModelErrors {
  const rows: number[] = [];
  for (let i = 0; i < e.n; i++) if (market[e.token[i]!]) rows.push(i);
  const pickF = (a: Float64Array): Float64Array => Float64Array.from(rows, (r) => a[r]!);
  const scores: ModelErrors["scores"] = { mse: pickF(e.scores.mse), mae: pickF(e.scores.mae) };
  for (const [k, v] of Object.entries(e.scores) as [keyof ModelErrors["scores"], Float64Array | undefined][])
    if (v && k !== "mse" && k !== "mae") scores[k] = pickF(v);
  return {
    ...e,
    n: rows.length,
    token: Int32Array.from(rows, (r) => e.token[r]!),
    day: Int32Array.from(rows, (r) => e.day[r]!),
    split: Int8Array.from(rows, (r) => e.split[r]!),
    kind: e.kind ? Int8Array.from(rows, (r) => e.kind![r]!) : null,
    scores,
    perFeature: takeRows(e.perFeature, rows),
  };
}

/** Table rows: one per index, hits, then the best rank per event (bold-free text; "-" = no ranked day near it). */
export function crashHitRows(c: CrashCheck): Record<string, string | number>[] {
  return c.indices.map((x) => {
    const row: Record<string, string | number> = {
      index: x.name,
      [`hits (top ${STRESS_TOP_DAYS}, ±${CRASH_TOLERANCE_DAYS} d)`]: `${x.result.nHit} of ${c.events.length}`,
      "ranked days": x.result.ranked.length,
    };
    for (const h of x.result.hits) row[h.event.slice(0, 10)] = h.bestRank ?? "-";
    return row;
  });
}

/**
 * The top days of one index (for a table): tokens flagged and scored, their share, and the
 * day's mean score (`value`: the market stress itself for a one-value-per-day index, which
 * ranks the days when shares tie).
 */
export function topDayRows(r: StressProtocolResult, n = STRESS_TOP_DAYS): Record<string, string | number>[] {
  return r.ranked.slice(0, n).map((s: DailyStress, i) => ({
    rank: i + 1,
    date: s.date,
    "tokens flagged": s.flagged,
    "tokens scored": s.tokens,
    share: s.share,
    value: s.intensity,
  }));
}

/**
 * Findings chosen from the numbers: how many windows the best model index and the best
 * anchor hit, whether the default score beats the pooled MSE, and whether any model beats,
 * ties or trails the anchors (said plainly).
 */
export function crashFindings(c: CrashCheck, kind: "simulated" | "documented"): string[] {
  const out: string[] = [];
  const nEv = c.events.length;
  const label = kind === "simulated" ? "simulated crash days" : "documented crash windows";
  if (nEv === 0) return [`No ${label} fall inside the data's span, so the crash check has nothing to test.`];
  const models = c.indices.filter((x) => x.kind === "model");
  const raws = c.indices.filter((x) => x.kind === "model-raw");
  const anchors = c.indices.filter((x) => x.kind === "anchor");
  if (models.length === 0) return [`No model scores were available for the crash check.`];
  const best = (xs: CrashIndex[]) => xs.reduce((a, x) => (x.result.nHit > a.result.nHit ? x : a));
  const bm = best(models);
  const tied = models.filter((x) => x.result.nHit === bm.result.nHit).map((x) => modelLabel(x.model!));
  out.push(
    `With the protocol (flag above the 99th percentile of training scores, share of tokens flagged per day among days with at least ${c.minTokens} scored tokens, top ${STRESS_TOP_DAYS} days, ±${CRASH_TOLERANCE_DAYS} day), the default stress score hits ${models.map((x) => `${modelLabel(x.model!)} ${x.result.nHit}`).join(", ")} of ${nEv} ${label}; best: ${tied.join(", ")} (${bm.result.nHit}).`,
  );
  const versus = (others: CrashIndex[], what: string) => {
    const pairs = models.flatMap((x) => {
      const o = others.find((r) => r.model === x.model);
      return o ? [{ x, o }] : [];
    });
    if (pairs.length === 0) return;
    const up = pairs.filter((p) => p.x.result.nHit > p.o.result.nHit).length;
    const down = pairs.filter((p) => p.x.result.nHit < p.o.result.nHit).length;
    out.push(
      `Against ${what} the default score hits more windows for ${up} model${up === 1 ? "" : "s"}, fewer for ${down} and as many for ${pairs.length - up - down} (${pairs.map((p) => `${modelLabel(p.x.model!)} ${p.o.result.nHit} -> ${p.x.result.nHit}`).join(", ")}).`,
    );
  };
  versus(
    c.indices.filter((x) => x.kind === "model-token"),
    "the per-token stress score alone (no onset, no coherence)",
  );
  versus(raws, "the raw pooled MSE");
  if (anchors.length) {
    const ba = best(anchors);
    const ae = models.find((x) => x.model === "ae") ?? bm;
    const verdict =
      ae.result.nHit > ba.result.nHit
        ? `beats every no-model anchor (best anchor: ${ba.name.replace("anchor · ", "")}, ${ba.result.nHit})`
        : ae.result.nHit === ba.result.nHit
          ? `ties the best no-model anchor (${ba.name.replace("anchor · ", "")}, ${ba.result.nHit}): on this data the autoencoder adds no crash days over a rule on prices alone`
          : `does **not** beat the no-model anchors: ${ba.name.replace("anchor · ", "")} hits ${ba.result.nHit}. What the autoencoders add is below (windows only a model finds) and, per token-day, the features behind each flag`;
    out.push(
      `The no-model anchors hit ${anchors.map((x) => `${x.name.replace("anchor · ", "")} ${x.result.nHit}`).join(", ")} of ${nEv}. The default autoencoder index (${modelLabel(ae.model!)}, ${ae.result.nHit}) ${verdict}.`,
    );
    const onlyModels = c.events.filter(
      (_, k) => models.some((x) => x.result.hits[k]!.hit) && !anchors.some((x) => x.result.hits[k]!.hit),
    );
    const onlyAnchors = c.events.filter(
      (_, k) => anchors.some((x) => x.result.hits[k]!.hit) && !models.some((x) => x.result.hits[k]!.hit),
    );
    if (onlyModels.length || onlyAnchors.length)
      out.push(
        `Found only by a model: ${onlyModels.length ? onlyModels.map((e) => e.label.slice(0, 10)).join(", ") : "none"}; only by an anchor: ${onlyAnchors.length ? onlyAnchors.map((e) => e.label.slice(0, 10)).join(", ") : "none"}.`,
      );
    // Window by window: where an anchor hits a window the default index misses, or ranks a
    // hit window higher (a better rank of a day near it).
    const ranks = (x: CrashIndex, k: number) => x.result.hits[k]!.bestRank ?? Number.POSITIVE_INFINITY;
    const wins = c.events.flatMap((e, k) => {
      const a = anchors.reduce((b, x) => (ranks(x, k) < ranks(b, k) ? x : b));
      const aHit = a.result.hits[k]!.hit;
      if (!aHit || ranks(a, k) >= ranks(ae, k)) return [];
      const mine = ae.result.hits[k]!.bestRank;
      return [
        `${e.label.slice(0, 10)} (${a.name.replace("anchor · ", "")} #${ranks(a, k)}, ${modelLabel(ae.model!)} ${mine === null ? "no ranked day" : `${ae.result.hits[k]!.hit ? "#" : "rank "}${mine}`})`,
      ];
    });
    const missedByAe = wins.filter((w) => !/#\d+\)$/.test(w)).length;
    out.push(
      wins.length
        ? `An anchor still wins on ${wins.length} window${wins.length === 1 ? "" : "s"}${missedByAe ? ` (${missedByAe} of them missed by the ${modelLabel(ae.model!)} index)` : ""}: ${wins.join(", ")}.`
        : `No anchor ranks any ${kind === "simulated" ? "simulated crash day" : "documented window"} higher than the ${modelLabel(ae.model!)} index does.`,
    );
  }
  if (c.excluded.length)
    out.push(
      `Left out of every index as non-market tokens (pegged, fiat, leveraged, wrapped or gold): ${c.excluded.join(", ")}.`,
    );
  const missed = c.events.filter((_, k) => !c.indices.some((x) => x.result.hits[k]!.hit));
  if (missed.length)
    out.push(
      `Missed by every index: ${missed.map((e) => e.label.slice(0, 10)).join(", ")}${missed.some((_, k) => !c.indices.some((x) => x.result.hits[c.events.indexOf(missed[k]!)]!.scorable)) ? " (some have no day with enough scored tokens)" : ""}.`,
    );
  return out;
}
