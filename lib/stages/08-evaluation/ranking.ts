/**
 * The criteria notebook 08 ranks the models on, computed from the results of its sections:
 * each a ratio or a difference, so that row and window models rank together (a criterion
 * that compares with PCA uses the PCA of the model's own input, referenceOf).
 */
import { referenceOf } from "../../evaluate/evaluation";
import type { Criterion } from "../../evaluate/walk-forward";

/** What rankingCriteria reads: the results of notebook 08's sections, one entry per model (and split, size, corruption, fold). */
export interface RankingInputs {
  /** Models to rank. */
  models: readonly string[];
  /** Error per model and split (splitErrorSummary). */
  splitRows: readonly { model: string; split: string; mse: number; mae: number }[];
  /** Latent sweep points, each with its PCA reference. */
  sweep: readonly { model: string; reference: string; latentDim: number; explained: number }[];
  /** Noise robustness per model and corruption. */
  noiseRows: readonly { model: string; label: string; noisyMse: number; spearman: number }[];
  /** Test ÷ train MSE per model. */
  drift: readonly { model: string; ratio: number }[];
  /** MSE per model and market regime. */
  regimeRows: readonly { model: string; rows: readonly { group: string; value: number }[] }[];
  /** Walk-forward folds (PCA and AE only). */
  walkForward: readonly { model: string; testMse: number; meanMse: number }[];
}

/** Mean over a model's noise rows of its value ÷ its reference's value for the same corruption. */
function noiseVsReference(x: RankingInputs, m: string, field: "noisyMse" | "spearman"): number {
  const own = x.noiseRows.filter((r) => r.model === m);
  return (
    own.reduce(
      (a, r) => a + r[field] / x.noiseRows.find((q) => q.model === referenceOf(m) && q.label === r.label)![field],
      0,
    ) / own.length
  );
}

/**
 * The eight ranking criteria (test MSE and MAE ÷ PCA, sweep variance gain over PCA, noise
 * error and rank stability ÷ PCA, drift, crash ÷ calm error, walk-forward ÷ training mean),
 * each with its direction and a note; a model a criterion does not measure gets NaN (0 for
 * the sweep gain of a model without sweep points).
 */
export function rankingCriteria(x: RankingInputs): Criterion[] {
  const testOf = (m: string) => x.splitRows.find((r) => r.model === m && r.split === "test")!;
  const sweepGain = (m: string) => {
    const own = x.sweep.filter((p) => p.model === m);
    return own.length
      ? own.reduce(
          (a, p) =>
            a + p.explained - x.sweep.find((q) => q.model === p.reference && q.latentDim === p.latentDim)!.explained,
          0,
        ) / own.length
      : 0;
  };
  const regimeRatio = (m: string) => {
    const rows = x.regimeRows.find((r) => r.model === m)!.rows;
    return (rows.find((r) => r.group === "crash")?.value ?? NaN) / (rows.find((r) => r.group === "calm")?.value ?? NaN);
  };
  const wfRatio = (m: string) => {
    const own = x.walkForward.filter((r) => r.model === m);
    return own.length ? own.reduce((a, r) => a + r.testMse / r.meanMse, 0) / own.length : NaN;
  };
  const per = (f: (m: string) => number) => Object.fromEntries(x.models.map((m) => [m, f(m)]));
  return [
    {
      label: "Test MSE ÷ PCA (same input and size)",
      better: "lower",
      values: per((m) => testOf(m).mse / testOf(referenceOf(m)).mse),
      note: "saved models, test split",
    },
    {
      label: "Test MAE ÷ PCA (same input and size)",
      better: "lower",
      values: per((m) => testOf(m).mae / testOf(referenceOf(m)).mae),
      note: "saved models, test split",
    },
    {
      label: "Sweep: variance explained minus PCA's, mean over latent sizes",
      better: "higher",
      values: per(sweepGain),
      note: "reduced-budget sweep",
    },
    {
      label: "Noise: MSE vs clean input ÷ PCA's, mean over corruptions",
      better: "lower",
      values: per((m) => noiseVsReference(x, m, "noisyMse")),
      note: "saved models",
    },
    {
      label: "Noise: Spearman of anomaly ranks with the clean ranking ÷ PCA's",
      better: "higher",
      values: per((m) => noiseVsReference(x, m, "spearman")),
      note: "mean over corruptions",
    },
    {
      label: "Drift: test MSE ÷ train MSE",
      better: "lower",
      values: per((m) => x.drift.find((r) => r.model === m)!.ratio),
      note: "saved models",
    },
    { label: "Regimes: crash MSE ÷ calm MSE", better: "lower", values: per(regimeRatio), note: "all splits" },
    {
      label: "Walk-forward: test MSE ÷ training-mean MSE",
      better: "lower",
      values: per(wfRatio),
      note: "PCA and AE only",
    },
  ];
}
