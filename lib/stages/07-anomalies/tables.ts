/** tables.ts */

import { ANOMALY_KINDS, dayToIso, type TokenInfo } from "../../data/panel";
import { SPLIT_NAMES } from "../../features/dataset";
import { quantileSorted } from "../../stats/descriptive";
import type { EventStudyResult } from "../../anomaly/eventstudy";
import type * as charts from "../../viz/charts";
import { pct } from "./findings";
import {
  type AlignedScores,
  type Consensus,
  type ModelErrors,
  type PairAgreement,
  type PairCorrelation,
  type RuleAgreement,
  SCORE_NAMES,
  type ThresholdOutcome,
  type ThresholdVariant,
} from "../../anomaly/analysis";
import type { ExplainedAnomaly } from "../../anomaly/explain";
import { type DetectionQuality, type GroundTruthResult, thresholdRecall } from "../../anomaly/detection";

/** Summary statistics of a score per model and split (for the "scores" table). */
export function errorSummaryRows(errors: readonly ModelErrors[]): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  for (const e of errors) {
    for (const name of SCORE_NAMES) {
      const s = e.scores[name];
      if (!s) continue;
      for (let code = 0; code < 3; code++) {
        const v: number[] = [];
        for (let i = 0; i < e.n; i++) if (e.split[i] === code) v.push(s[i]!);
        if (v.length === 0) continue;
        const sorted = Float64Array.from(v).sort();
        rows.push({
          model: e.model,
          score: name === "elbo" ? "−ELBO" : name.toUpperCase(),
          unit: e.unit,
          split: SPLIT_NAMES[code]!,
          rows: v.length,
          mean: sorted.reduce((a, b) => a + b, 0) / v.length,
          median: quantileSorted(sorted, 0.5),
          p99: quantileSorted(sorted, 0.99),
          max: sorted[sorted.length - 1]!,
        });
      }
    }
  }
  return rows;
}

/** Table rows: expected vs observed rates of every threshold. */
export function thresholdRateRows(outcomes: readonly ThresholdOutcome[]): Record<string, string | number>[] {
  return outcomes.map((o) => ({
    model: o.model,
    rule: o.label,
    variant: o.variant,
    threshold: o.threshold,
    "expected rate": o.expectedRate,
    "train rate": o.observed.train,
    "validation rate": o.observed.validation,
    "test rate": o.observed.test,
    "test flags": o.flagged.test,
    "test / expected": o.observed.test / o.expectedRate,
    notes: o.warnings.join(" "),
  }));
}

/** Table rows of detection quality (one row per score). */
export function detectionRows(qs: readonly DetectionQuality[]): Record<string, string | number | null>[] {
  return qs.map((q) => ({
    detector: q.name,
    rows: q.rows,
    anomalies: q.anomalies,
    "ROC-AUC": q.rocAuc,
    "PR-AUC (AP)": q.averagePrecision,
    "PR-AUC (trapezoid)": q.prAuc,
    k: q.k,
    "precision@k": q.precisionAtK,
  }));
}

/** Table rows of ROC-AUC (or average precision) per detector x anomaly kind. */
export function aucByKindRows(
  qs: readonly DetectionQuality[],
  metric: "rocAuc" | "averagePrecision" = "rocAuc",
): Record<string, string | number | null>[] {
  const kinds = ANOMALY_KINDS.slice(1).filter((k) => qs.some((q) => q.byKind[k]));
  return qs.map((q) => {
    const row: Record<string, string | number | null> = { detector: q.name, all: q[metric] };
    for (const k of kinds) row[k] = q.byKind[k]?.[metric] ?? null;
    return row;
  });
}

/** Table rows of an event study: per horizon, event vs control means and the difference with its interval. */
export function eventStudyRows(r: EventStudyResult): Record<string, string | number | null>[] {
  return r.horizons.map((h) => ({
    "horizon (days)": h.horizon,
    events: h.nEvents,
    tokens: h.nTokens,
    "event return": h.eventMeanReturn,
    "control return": h.controlMeanReturn,
    "return diff": h.diffReturn?.estimate ?? null,
    "return diff 95% lo": h.diffReturn?.lo ?? null,
    "return diff 95% hi": h.diffReturn?.hi ?? null,
    "event vol": h.eventMeanVol,
    "control vol": h.controlMeanVol,
    "vol diff": h.diffVol?.estimate ?? null,
    "vol diff 95% lo": h.diffVol?.lo ?? null,
    "vol diff 95% hi": h.diffVol?.hi ?? null,
    "no forward window": h.nNoWindow,
  }));
}

/** Detection table rows with the held-out ROC-AUC next to the all-rows one. */
export function groundTruthRows(gt: GroundTruthResult): Record<string, string | number | null>[] {
  const held = new Map(gt.heldOut.map((q) => [q.name, q]));
  return detectionRows(gt.detectors).map((r) => {
    const h = held.get(String(r.detector));
    return { ...r, "held-out anomalies": h?.anomalies ?? null, "held-out ROC-AUC": h?.rocAuc ?? null };
  });
}

/**
 * Compact threshold table: one row per rule and variant, the expected rate and each model's
 * observed test rate (and training rate) side by side.
 */
export function thresholdSummaryRows(
  outcomes: readonly ThresholdOutcome[],
  options: { compact?: boolean } = {},
): Record<string, string | number>[] {
  const models = [...new Set(outcomes.map((o) => o.model))];
  const keys = [...new Set(outcomes.map((o) => `${o.rule}|${o.variant}`))];
  return keys.map((key) => {
    const [rule, variant] = key.split("|") as [string, ThresholdVariant];
    const group = outcomes.filter((o) => o.rule === rule && o.variant === variant);
    const row: Record<string, string | number> = {
      rule: group[0]!.label,
      variant,
      "expected rate": group[0]!.expectedRate,
    };
    if (options.compact) {
      // One training range (calibration) and one test rate per model (generalisation), as percentages.
      const train = group.map((o) => o.observed.train);
      row["expected rate"] = pct(group[0]!.expectedRate, 2);
      row["train (all models)"] = `${pct(Math.min(...train), 2)}–${pct(Math.max(...train), 2)}`;
      for (const o of group)
        row[`${o.model} test`] = Number.isFinite(o.observed.test) ? pct(o.observed.test, 2) : "n/a";
      return row;
    }
    for (const m of models) {
      const o = group.find((x) => x.model === m);
      if (!o) continue;
      row[`${m} train`] = o.observed.train;
      row[`${m} test`] = o.observed.test;
    }
    return row;
  });
}

/** Table rows of agreement: per rule, the mean Jaccard and kappa over pairs, and the best and worst pairs. */
export function agreementSummaryRows(ra: readonly RuleAgreement[]): Record<string, string | number>[] {
  return ra.map((r) => {
    const ok = r.pairs.filter((p) => Number.isFinite(p.jaccard));
    const byJ = [...ok].sort((a, b) => b.jaccard - a.jaccard);
    const mean = (f: (p: PairAgreement) => number) => (ok.length ? ok.reduce((a, p) => a + f(p), 0) / ok.length : NaN);
    return {
      rule: r.label,
      pairs: ok.length,
      "mean Jaccard": mean((p) => p.jaccard),
      "mean kappa": mean((p) => p.kappa),
      "most similar": byJ[0] ? `${byJ[0].a}/${byJ[0].b} (${byJ[0].jaccard.toFixed(2)})` : "",
      "least similar": byJ.length
        ? `${byJ[byJ.length - 1]!.a}/${byJ[byJ.length - 1]!.b} (${byJ[byJ.length - 1]!.jaccard.toFixed(2)})`
        : "",
    };
  });
}

/** Table rows of pairwise agreement at one rule, with the Spearman correlation of the pair's scores. */
export function pairTableRows(
  pairsAtRule: readonly PairAgreement[],
  rho: readonly PairCorrelation[],
): Record<string, string | number | null>[] {
  return pairsAtRule.map((p) => ({
    pair: `${p.a} / ${p.b}`,
    "token-days": p.n,
    "flags a": p.flaggedA,
    "flags b": p.flaggedB,
    both: p.both,
    Jaccard: p.jaccard,
    kappa: p.kappa,
    Spearman: rho.find((r) => r.a === p.a && r.b === p.b)?.spearman ?? null,
  }));
}

/** Long rows (a, b, value) of a symmetric pairwise measure, both triangles and the unit diagonal, for a heatmap. */
export function pairMatrixRows<P extends { a: string; b: string }>(
  models: readonly string[],
  pairs: readonly P[],
  value: (p: P) => number,
  field: string,
): charts.Row[] {
  const rows: charts.Row[] = models.map((m) => ({ a: m, b: m, [field]: 1 }));
  for (const p of pairs) {
    const v = value(p);
    rows.push(
      { a: p.a, b: p.b, [field]: Number.isFinite(v) ? v : null },
      { a: p.b, b: p.a, [field]: Number.isFinite(v) ? v : null },
    );
  }
  return rows;
}

/** Heatmap rows (group x feature -> share) of contribution groups. */
export function contributionRows(
  groups: readonly { group: string; rows: number; shares: Float64Array }[],
  featureNames: readonly string[],
): charts.Row[] {
  return groups.flatMap((g) =>
    Array.from(g.shares, (share, j) => ({
      group: `${g.group} (${g.rows})`,
      feature: featureNames[j] ?? `f${j}`,
      share,
    })),
  );
}

/** Table rows of explained anomalies. */
export function explainedRows(xs: readonly ExplainedAnomaly[], hasLabels: boolean): Record<string, string | number>[] {
  return xs.map((x) => ({
    rank: x.rank,
    token: x.symbol,
    date: x.date,
    split: x.split,
    consensus: x.consensus,
    ...(hasLabels ? { "true kind": x.kind, "labelled anomaly nearby": x.nearLabel } : {}),
    "flagged by": x.flaggedBy.join(", ") || "none",
    "top features (share of error)": x.top.map((t) => `${t.feature} ${(t.share * 100).toFixed(0)}%`).join(", "),
  }));
}

/** Table rows: precision and recall of every global threshold against labels (overall and per kind). Null without labels. */
export function thresholdRecallRows(
  outcomes: readonly ThresholdOutcome[],
  errors: readonly ModelErrors[],
  variant: ThresholdVariant = "global",
): Record<string, string | number>[] | null {
  const rows: Record<string, string | number>[] = [];
  for (const o of outcomes) {
    if (o.variant !== variant) continue;
    const e = errors.find((x) => x.model === o.model);
    const r = e ? thresholdRecall(o, e.kind) : null;
    if (!r) continue;
    const row: Record<string, string | number> = {
      model: o.model,
      rule: o.label,
      flagged: r.flagged,
      precision: r.precision,
      recall: r.recall,
      F1: r.f1,
    };
    for (const [k, v] of Object.entries(r.recallByKind)) row[`recall ${k}`] = v;
    rows.push(row);
  }
  return rows.length ? rows : null;
}

/**
 * The grid as a table artifact: token, day, split, label, each model's aligned score,
 * the consensus and its flag (for the evaluation notebooks).
 */
export function gridTable(
  aligned: AlignedScores,
  consensus: Consensus,
  flags: Int8Array,
  tokens: readonly TokenInfo[],
): Record<string, string[] | Int32Array | Float64Array | Int8Array> {
  const cols: Record<string, string[] | Int32Array | Float64Array | Int8Array> = {
    token: Array.from(aligned.token, (t) => tokens[t]?.id ?? String(t)),
    symbol: Array.from(aligned.token, (t) => tokens[t]?.symbol ?? ""),
    day: aligned.day,
    date: Array.from(aligned.day, dayToIso),
    split: Array.from(aligned.split, (s) => SPLIT_NAMES[s] ?? ""),
    anomaly: aligned.kind ? Array.from(aligned.kind, (k) => ANOMALY_KINDS[k]!) : Array.from(aligned.day, () => ""),
  };
  for (const m of aligned.models) cols[`${aligned.score}_${m}`] = aligned.scores[m]!;
  cols.consensus = consensus.score;
  cols.consensus_flag = flags;
  return cols;
}
