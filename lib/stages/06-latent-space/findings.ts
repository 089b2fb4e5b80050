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

/** Which latent spaces beat the input features at reading sectors, as a sentence. */
function readability(better: string[], total: number): string {
  const what = "sectors more linearly readable than the day's input features";
  if (better.length === 0) return `No latent space makes ${what}.`;
  if (better.length === total) return `Every latent space makes ${what}.`;
  return `Only ${better.join(", ")} make${better.length === 1 ? "s" : ""} ${what}.`;
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
    const loner = extreme(models, meanTo, false)!;
    findings.push(
      `Linear CKA between the models' latent spaces ranges from **${f2(lo.value)}** (${L(lo.a)} vs ${L(lo.b)}) to **${f2(hi.value)}** (${L(hi.a)} vs ${L(hi.b)}); ` +
        `the least similar to the others on average is ${L(loner)} (mean CKA ${f2(meanTo(loner))}).` +
        (fHi && fLo
          ? ` Against the input features, CKA ranges from ${f2(fLo.v)} (${L(fLo.m)}) to ${f2(fHi.v)} (${L(fHi.m)}).`
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
    const best = extreme(toFeatures, (x) => x.v, true);
    findings.push(
      `Of a point's ${METRIC_K} nearest neighbours, two models' latent spaces share on average between **${pct(lo.value)}** (${L(lo.a)} vs ${L(lo.b)}) and **${pct(hi.value)}** (${L(hi.a)} vs ${L(hi.b)}).` +
        (best
          ? ` ${L(best.m)} keeps the most of the input-feature neighbourhoods (${pct(best.v)} shared with the input features' own ${METRIC_K} neighbours).`
          : ""),
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
    const bestSil = extreme(input.quality, (q) => q.silhouetteLatent, true)!;
    const worstSil = extreme(input.quality, (q) => q.silhouetteLatent, false)!;
    const bestUmapSil = extreme(input.quality, (q) => q.silhouetteUmap, true)!;
    const bestPurity = extreme(input.quality, (q) => q.sectorPurity, true)!;
    headline["best sector silhouette (latent)"] = `${f3(bestSil.silhouetteLatent)} (${L(bestSil.model)})`;
    const intro = input.synthetic
      ? `On the synthetic market the ${input.nSectors} sectors are known (ground truth).`
      : `${input.nSectors} sectors are known from the token list.`;
    findings.push(
      `${intro} Sector silhouettes in latent space range from **${f3(worstSil.silhouetteLatent)}** (${L(worstSil.model)}) to **${f3(bestSil.silhouetteLatent)}** (${L(bestSil.model)})` +
        (input.featuresSeparation ? ` (input features: ${f3(input.featuresSeparation.silhouette)})` : "") +
        `, and in UMAP up to ${f3(bestUmapSil.silhouetteUmap)} (${L(bestUmapSil.model)}). ` +
        `${bestSil.silhouetteLatent < 0.25 ? "No latent space forms compact sector clusters (a silhouette below 0.25 means sectors overlap); " : "Sectors form recognisable clusters; "}` +
        `locally, up to **${pct(bestPurity.sectorPurity)}** of a point's ${METRIC_K} nearest latent neighbours share its sector (${L(bestPurity.model)}), against ${pct(bestPurity.sectorPurityChance)} by chance.`,
    );
    const probes = input.quality.map((q) => ({ m: q.model, v: probe(q.model)?.balancedAccuracy ?? NaN }));
    const bestProbe = extreme(probes, (x) => x.v, true);
    const worstProbe = extreme(probes, (x) => x.v, false);
    const feat = probe(FEATURES_NAME);
    if (bestProbe && worstProbe) {
      headline["best sector probe (balanced accuracy)"] = `${f2(bestProbe.v)} (${L(bestProbe.m)})`;
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
            ? readability(
                probes.filter((x) => x.v > feat.balancedAccuracy).map((x) => L(x.m)),
                probes.filter((x) => Number.isFinite(x.v)).length,
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
    findings.push(
      `Probe for the ${target}: balanced accuracy on test-split days from ${f2(worst.balancedAccuracy)} (${L(worst.representation)}) to **${f2(best.balancedAccuracy)}** (${L(best.representation)})` +
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
    const top = extreme(t.effects, (e) => e.effect, true);
    if (!top) continue;
    findings.push(
      `${L(t.model)} traversal: **${t.activeDims} of ${t.effects.length}** latent dimensions change the decoded features by more than ${ACTIVE_DIM_THRESHOLD} sd on average when moved from -${TRAVERSAL_SPAN} to +${TRAVERSAL_SPAN} sd; ` +
        `the most influential, ${top.dim}, moves ${top.topFeature} by ${f2(top.topDelta)} sd (mean effect ${f2(top.effect)} sd).`,
    );
  }
  return { headline, findings };
}
