/** findings.ts */

import { modelLabel } from "../../runtime/model-registry";
import type { Cell } from "../../runtime/rows";
import { type EmbeddingQuality, FEATURES_NAME, METRIC_K, type PairValue, uniquePairs } from "../../latent/analysis";
import {
  ACTIVE_DIM_THRESHOLD,
  type LatentCorrelation,
  TRAVERSAL_SPAN,
  type TraversalResult,
  strongestCorrelation,
} from "../../latent/interpret";
import type { ProbeRow } from "../../latent/probes";
import { type Estimate, compareValues, leaders, listNames, proportionInterval } from "../../stats/compare";

// ---------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------

/** Everything the findings are built from. */
export interface LatentFindingsInput {
  /** Compared models, in display order. */
  models: string[];
  /** CKA pairs over the models and FEATURES_NAME. */
  cka: PairValue[];
  /** kNN-overlap pairs over the models and FEATURES_NAME (on the embedded sample). */
  overlap: PairValue[];
  quality: EmbeddingQuality[];
  /** Sector separation of the input features on the same sample, or null without sectors. */
  featuresSeparation: { silhouette: number; purity: number; chance: number } | null;
  probes: ProbeRow[];
  /** Probe targets that could not be fitted, with the reason. */
  skippedProbes?: { target: string; reason: string }[];
  correlations: LatentCorrelation[];
  traversals: TraversalResult[];
  /** Number of known sectors (0 when unknown). */
  nSectors: number;
  /** True for the synthetic market (sectors and regimes are ground truth). */
  synthetic: boolean;
}

const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : "n/a");
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : "n/a");
const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(0)}%` : "n/a");

function extreme<T>(items: T[], value: (t: T) => number, max: boolean): T | null {
  let best: T | null = null;
  for (const it of items) {
    const v = value(it);
    if (!Number.isFinite(v)) continue;
    if (best === null || (max ? v > value(best) : v < value(best))) best = it;
  }
  return best;
}

/** One row per model (and the input features) of the sector-recovery numbers. */
export function sectorRecoveryRows(input: LatentFindingsInput): Record<string, Cell>[] {
  const probe = (rep: string) => input.probes.find((p) => p.representation === rep && p.target === "sector");
  const rows: Record<string, Cell>[] = input.quality.map((q) => ({
    representation: modelLabel(q.model),
    "silhouette (latent)": q.silhouetteLatent,
    "silhouette (UMAP)": q.silhouetteUmap,
    [`same-sector share of ${METRIC_K} neighbours`]: q.sectorPurity,
    "probe balanced accuracy": probe(q.model)?.balancedAccuracy ?? null,
  }));
  if (input.featuresSeparation) {
    rows.push({
      representation: modelLabel(FEATURES_NAME),
      "silhouette (latent)": input.featuresSeparation.silhouette,
      "silhouette (UMAP)": null,
      [`same-sector share of ${METRIC_K} neighbours`]: input.featuresSeparation.purity,
      "probe balanced accuracy": probe(FEATURES_NAME)?.balancedAccuracy ?? null,
    });
    rows.push({
      representation: "chance",
      "silhouette (latent)": 0,
      "silhouette (UMAP)": 0,
      [`same-sector share of ${METRIC_K} neighbours`]: input.featuresSeparation.chance,
      "probe balanced accuracy": input.nSectors > 0 ? 1 / input.nSectors : null,
    });
  }
  return rows;
}

/** A probe's balanced accuracy with its 95% sampling interval over the test rows. */
function probeEstimate(p: Pick<ProbeRow, "balancedAccuracy" | "nTest">): Estimate {
  return proportionInterval(p.balancedAccuracy, p.nTest);
}

/**
 * Which latent spaces make sectors more linearly readable than the input features, as a
 * sentence chosen from the values and their intervals: a latent space is "more readable"
 * only when its probe's balanced accuracy is above the features' beyond both intervals;
 * equal values (at the 2 decimals shown) are said to tie, overlapping intervals to be
 * within the sampling noise, and lower values to be lower.
 * @param latent each latent space's label and probe estimate.
 * @param features the input features' probe estimate.
 */
export function readabilitySentence(latent: { label: string; estimate: Estimate }[], features: Estimate): string {
  const what = "sectors more linearly readable than the day's input features";
  const by = (c: string) =>
    latent.filter((x) => compareValues(x.estimate, features, { digits: 2 }) === c).map((x) => x.label);
  const higher = by("higher"),
    tie = by("tie"),
    overlap = by("overlap"),
    lower = by("lower");
  const total = higher.length + tie.length + overlap.length + lower.length;
  if (total === 0) return "";
  const verb = (n: string[], one: string, many: string) => (n.length === 1 ? one : many);
  const rest: string[] = [];
  if (tie.length)
    rest.push(
      `${total === tie.length ? "every latent space ties" : `${listNames(tie)} ${verb(tie, "ties", "tie")}`} with the input features (${features.value.toFixed(2)})`,
    );
  if (overlap.length)
    rest.push(
      `${listNames(overlap)} ${verb(overlap, "is", "are")} within the probes' sampling noise of them (95% intervals overlap)`,
    );
  if (lower.length)
    rest.push(`${listNames(lower)} ${verb(lower, "reads", "read")} sectors less well than the input features`);
  if (higher.length === total) return `Every latent space makes ${what}, beyond the probes' sampling noise.`;
  const head =
    higher.length === 0
      ? `No latent space makes ${what}`
      : `Only ${listNames(higher)} ${verb(higher, "makes", "make")} ${what} beyond the probes' sampling noise`;
  return `${head}: ${rest.join("; ")}.`;
}

/** Labels of the items that share the lead (tie or overlap), "A and B". */
function leadNames<T>(lead: { tied: T[] }, label: (t: T) => string): string {
  return listNames(lead.tied.map(label));
}

/**
 * Headline numbers and findings of the latent-space section, every sentence built from
 * the measured numbers passed in.
 */
export function latentFindings(input: LatentFindingsInput): { headline: Record<string, Cell>; findings: string[] } {
  const L = modelLabel;
  const findings: string[] = [];
  const headline: Record<string, Cell> = {};
  const models = input.models;
  const modelPairs = uniquePairs(input.cka, models).filter((p) => models.includes(p.a) && models.includes(p.b));

  // Similarity of the representations (CKA).
  if (modelPairs.length) {
    const lo = extreme(modelPairs, (p) => p.value, false)!;
    const hi = extreme(modelPairs, (p) => p.value, true)!;
    headline["CKA between models"] = `${f2(lo.value)} - ${f2(hi.value)}`;
    const toFeatures = models.map((m) => ({
      m,
      v: input.cka.find((p) => p.a === m && p.b === FEATURES_NAME)?.value ?? NaN,
    }));
    const fHi = extreme(toFeatures, (x) => x.v, true);
    const fLo = extreme(toFeatures, (x) => x.v, false);
    const meanTo = (m: string) => {
      const v = modelPairs.filter((p) => p.a === m || p.b === m).map((p) => p.value);
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    const lonely = leaders(models, meanTo, { better: "lower", digits: 2 });
    const loner = lonely.best!;
    const lonerText =
      models.length < 3
        ? ""
        : lonely.tied.length === models.length
          ? ` Every model is equally similar to the others on average (mean CKA ${f2(meanTo(loner))}).`
          : ` The least similar to the others on average ${lonely.clear ? "is" : "are"} ${leadNames(lonely, L)} (mean CKA ${f2(meanTo(loner))}${lonely.clear ? "" : " each"}).`;
    findings.push(
      (compareValues(lo.value, hi.value, { digits: 2 }) === "tie"
        ? `Linear CKA between the models' latent spaces is **${f2(hi.value)}** for every pair.`
        : `Linear CKA between the models' latent spaces ranges from **${f2(lo.value)}** (${L(lo.a)} vs ${L(lo.b)}) to **${f2(hi.value)}** (${L(hi.a)} vs ${L(hi.b)}).`) +
        lonerText +
        (fHi && fLo
          ? compareValues(fLo.v, fHi.v, { digits: 2 }) === "tie"
            ? ` Against the input features, CKA is ${f2(fHi.v)} for every model.`
            : ` Against the input features, CKA ranges from ${f2(fLo.v)} (${L(fLo.m)}) to ${f2(fHi.v)} (${L(fHi.m)}).`
          : ""),
    );
  }

  // Local neighbourhoods across spaces.
  const ovPairs = uniquePairs(input.overlap, models).filter((p) => models.includes(p.a) && models.includes(p.b));
  if (ovPairs.length) {
    const lo = extreme(ovPairs, (p) => p.value, false)!;
    const hi = extreme(ovPairs, (p) => p.value, true)!;
    const toFeatures = models.map((m) => ({
      m,
      v: input.overlap.find((p) => p.a === m && p.b === FEATURES_NAME)?.value ?? NaN,
    }));
    const keep = leaders(toFeatures, (x) => x.v, { digits: 2 });
    const best = keep.best;
    const nKeep = toFeatures.filter((x) => Number.isFinite(x.v)).length;
    const keepText = !best
      ? ""
      : keep.clear
        ? ` ${L(best.m)} keeps the most of the input-feature neighbourhoods (${pct(best.v)} shared with the input features' own ${METRIC_K} neighbours).`
        : keep.tied.length === nKeep
          ? ` Every model keeps the same share of the input-feature neighbourhoods (${pct(best.v)} shared with the input features' own ${METRIC_K} neighbours).`
          : ` ${leadNames(keep, (x) => L(x.m))} tie for keeping the most of the input-feature neighbourhoods (${pct(best.v)} shared with the input features' own ${METRIC_K} neighbours).`;
    findings.push(
      (compareValues(lo.value, hi.value, { digits: 2 }) === "tie"
        ? `Of a point's ${METRIC_K} nearest neighbours, every two models' latent spaces share on average **${pct(hi.value)}**.`
        : `Of a point's ${METRIC_K} nearest neighbours, two models' latent spaces share on average between **${pct(lo.value)}** (${L(lo.a)} vs ${L(lo.b)}) and **${pct(hi.value)}** (${L(hi.a)} vs ${L(hi.b)}).`) +
        keepText,
    );
  }

  // UMAP distortion.
  if (input.quality.length) {
    const tLo = extreme(input.quality, (q) => q.trustworthiness, false)!;
    const tHi = extreme(input.quality, (q) => q.trustworthiness, true)!;
    const oLo = extreme(input.quality, (q) => q.umapOverlap, false)!;
    const oHi = extreme(input.quality, (q) => q.umapOverlap, true)!;
    headline["UMAP trustworthiness"] = `${f3(tLo.trustworthiness)} - ${f3(tHi.trustworthiness)}`;
    findings.push(
      `UMAP keeps between **${pct(oLo.umapOverlap)}** (${L(oLo.model)}) and **${pct(oHi.umapOverlap)}** (${L(oHi.model)}) of each point's ${METRIC_K} latent neighbours among its ${METRIC_K} neighbours in 2-D; ` +
        `trustworthiness is ${f3(tLo.trustworthiness)} (${L(tLo.model)}) to ${f3(tHi.trustworthiness)} (${L(tHi.model)}): ` +
        (tLo.trustworthiness >= 0.9
          ? "points that look close on the maps are close in latent space, while the exact neighbour lists are only partly kept."
          : "some points that look close on the maps are not close in latent space; read the maps for coarse structure only."),
    );
  }

  // Sectors (known on the synthetic market).
  if (input.nSectors > 0 && input.quality.length) {
    const probe = (rep: string) => input.probes.find((p) => p.representation === rep && p.target === "sector");
    const silLead = leaders(input.quality, (q) => q.silhouetteLatent, { digits: 3 });
    const bestSil = silLead.best ?? input.quality[0]!;
    const worstSil = extreme(input.quality, (q) => q.silhouetteLatent, false) ?? bestSil;
    const umapLead = leaders(input.quality, (q) => q.silhouetteUmap, { digits: 3 });
    const bestUmapSil = umapLead.best ?? bestSil;
    const purityLead = leaders(input.quality, (q) => q.sectorPurity, { digits: 2 });
    const bestPurity = purityLead.best ?? bestSil;
    const qLabel = (q: EmbeddingQuality) => L(q.model);
    headline["best sector silhouette (latent)"] = `${f3(bestSil.silhouetteLatent)} (${leadNames(silLead, qLabel)})`;
    const intro = input.synthetic
      ? `On the synthetic market the ${input.nSectors} sectors are known (ground truth).`
      : `${input.nSectors} sectors are known from the token list.`;
    findings.push(
      (compareValues(worstSil.silhouetteLatent, bestSil.silhouetteLatent, { digits: 3 }) === "tie"
        ? `${intro} The sector silhouette in latent space is **${f3(bestSil.silhouetteLatent)}** for every model`
        : `${intro} Sector silhouettes in latent space range from **${f3(worstSil.silhouetteLatent)}** (${L(worstSil.model)}) to **${f3(bestSil.silhouetteLatent)}** (${leadNames(silLead, qLabel)})`) +
        (input.featuresSeparation ? ` (input features: ${f3(input.featuresSeparation.silhouette)})` : "") +
        `, and in UMAP up to ${f3(bestUmapSil.silhouetteUmap)} (${leadNames(umapLead, qLabel)}). ` +
        `${bestSil.silhouetteLatent < 0.25 ? "No latent space forms compact sector clusters (a silhouette below 0.25 means sectors overlap); " : "Sectors form recognisable clusters; "}` +
        `locally, up to **${pct(bestPurity.sectorPurity)}** of a point's ${METRIC_K} nearest latent neighbours share its sector (${leadNames(purityLead, qLabel)}), against ${pct(bestPurity.sectorPurityChance)} by chance.`,
    );
    const probes = input.quality.map((q) => {
      const p = probe(q.model);
      return { m: q.model, v: p?.balancedAccuracy ?? NaN, e: p ? probeEstimate(p) : { value: NaN } };
    });
    const probeLead = leaders(probes, (x) => x.e, { digits: 2 });
    const bestProbe = probeLead.best;
    const feat = probe(FEATURES_NAME);
    if (bestProbe) {
      headline["best sector probe (balanced accuracy)"] =
        `${f2(bestProbe.v)} (${leadNames(probeLead, (x) => L(x.m))}${probeLead.clear ? "" : ", within the sampling noise"})`;
      const ranking = [...probes]
        .filter((x) => Number.isFinite(x.v))
        .sort((a, b) => b.v - a.v)
        .map((x) => `${L(x.m)} ${f2(x.v)}`)
        .join(", ");
      findings.push(
        `A linear probe trained on the train split's days recovers the sector of test-split days with balanced accuracy ${ranking}` +
          (feat ? `; the raw input features give ${f2(feat.balancedAccuracy)}` : "") +
          ` and guessing ${f2(1 / input.nSectors)}. ` +
          (feat
            ? readabilitySentence(
                probes.filter((x) => Number.isFinite(x.v)).map((x) => ({ label: L(x.m), estimate: x.e })),
                probeEstimate(feat),
              )
            : ""),
      );
    }
  }

  // Other probes: volatility and market regime.
  for (const target of [...new Set(input.probes.map((p) => p.target))].filter((t) => t !== "sector")) {
    const rows = input.probes.filter((p) => p.target === target);
    const modelsRows = rows.filter((p) => models.includes(p.representation));
    const best = extreme(modelsRows, (p) => p.balancedAccuracy, true);
    const worst = extreme(modelsRows, (p) => p.balancedAccuracy, false);
    const feat = rows.find((p) => p.representation === FEATURES_NAME);
    const pca = rows.find((p) => p.representation === "pca");
    if (!best || !worst) continue;
    const spread =
      compareValues(worst.balancedAccuracy, best.balancedAccuracy, { digits: 2 }) === "tie"
        ? `**${f2(best.balancedAccuracy)}** for every model`
        : `from ${f2(worst.balancedAccuracy)} (${L(worst.representation)}) to **${f2(best.balancedAccuracy)}** (${L(best.representation)})`;
    findings.push(
      `Probe for the ${target}: balanced accuracy on test-split days ${spread}` +
        (pca && best.representation !== "pca" && worst.representation !== "pca"
          ? `, PCA ${f2(pca.balancedAccuracy)}`
          : "") +
        (feat ? `, raw features ${f2(feat.balancedAccuracy)}` : "") +
        `, chance ${f2(best.chance)}.`,
    );
  }

  for (const sk of input.skippedProbes ?? []) findings.push(`The ${sk.target} probe was not run: ${sk.reason}.`);

  // Correlations with inputs and the market.
  const perModel = models
    .map((m) => {
      const mine = input.correlations.filter((c) => c.model === m);
      return { m, feature: strongestCorrelation(mine, "input feature"), market: strongestCorrelation(mine, "market") };
    })
    .filter((x) => x.feature);
  if (perModel.length) {
    findings.push(
      `Each model has dimensions that track single inputs: ` +
        perModel
          .map((x) => `${L(x.m)} ${x.feature!.dim} with ${x.feature!.variable} (r = ${f2(x.feature!.r)})`)
          .join("; ") +
        `. The strongest link to the market is ` +
        perModel
          .filter((x) => x.market)
          .map((x) => `${L(x.m)} ${x.market!.dim} with ${x.market!.variable} (r = ${f2(x.market!.r)})`)
          .join("; ") +
        ".",
    );
  }

  // Traversals.
  for (const t of input.traversals) {
    const topLead = leaders(t.effects, (e) => e.effect, { digits: 2 });
    const top = topLead.best;
    if (!top) continue;
    findings.push(
      `${L(t.model)} traversal: **${t.activeDims} of ${t.effects.length}** latent dimensions change the decoded features by more than ${ACTIVE_DIM_THRESHOLD} sd on average when moved from -${TRAVERSAL_SPAN} to +${TRAVERSAL_SPAN} sd; ` +
        (topLead.clear
          ? `the most influential, ${top.dim}, moves ${top.topFeature} by ${f2(top.topDelta)} sd (mean effect ${f2(top.effect)} sd).`
          : `${listNames(topLead.tied.map((e) => e.dim))} tie as the most influential (mean effect ${f2(top.effect)} sd); ${top.dim} moves ${top.topFeature} by ${f2(top.topDelta)} sd.`),
    );
  }
  return { headline, findings };
}
