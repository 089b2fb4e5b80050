/**
 * The tables notebook 06 shows that are more than a mapping of one result: UMAP
 * faithfulness and sector separation of each representation, the input features included.
 */
import { type EmbeddingQuality, FEATURES_NAME } from "../../latent/analysis";
import { modelLabel } from "../../runtime/model-registry";

/** One row of the faithfulness table (null: not defined for that representation). */
export type QualityRow = {
  representation: string;
  "trustworthiness of UMAP": number | null;
  "latent → UMAP kNN overlap": number | null;
  "sector silhouette (latent)": number;
  "sector silhouette (UMAP)": number | null;
  "same-sector neighbours": number;
};

/**
 * UMAP faithfulness and sector separation per model, then the input features' sector
 * separation (no UMAP of the features is made, so its UMAP columns are null).
 */
export function qualityRows(
  quality: EmbeddingQuality[],
  featuresSeparation: { silhouette: number; purity: number } | null,
): QualityRow[] {
  const rows: QualityRow[] = quality.map((q) => ({
    representation: modelLabel(q.model),
    "trustworthiness of UMAP": q.trustworthiness,
    "latent → UMAP kNN overlap": q.umapOverlap,
    "sector silhouette (latent)": q.silhouetteLatent,
    "sector silhouette (UMAP)": q.silhouetteUmap,
    "same-sector neighbours": q.sectorPurity,
  }));
  if (featuresSeparation)
    rows.push({
      representation: modelLabel(FEATURES_NAME),
      "trustworthiness of UMAP": null,
      "latent → UMAP kNN overlap": null,
      "sector silhouette (latent)": featuresSeparation.silhouette,
      "sector silhouette (UMAP)": null,
      "same-sector neighbours": featuresSeparation.purity,
    });
  return rows;
}
