/**
 * The tables and chart rows notebook 11 shows that are more than a mapping of one result
 * (the findings and their tables are in findings.ts).
 */
import type { TrainHistory } from "../../train/types";

/** One point of the loss chart: a model's validation loss at an epoch, relative to its first epoch's. */
export type RelativeLossRow = { model: string; epoch: number; "relative validation loss": number };

/**
 * Validation loss per epoch of every trained model, divided by its first-epoch value (so
 * models with different losses share one axis); models in `skip` (PCA: one fit, no epochs)
 * are left out.
 */
export function relativeLossRows(histories: Record<string, TrainHistory>, skip: string[] = ["pca"]): RelativeLossRow[] {
  return Object.entries(histories)
    .filter(([label]) => !skip.includes(label))
    .flatMap(([label, h]) =>
      h.epochs.map((e) => ({
        model: label,
        epoch: e.epoch,
        "relative validation loss": e.valLoss / h.epochs[0]!.valLoss,
      })),
    );
}
