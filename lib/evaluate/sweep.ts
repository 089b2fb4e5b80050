/** sweep.ts */

import { compareValues } from "../stats/compare";
import { modelLabel } from "../runtime/model-registry";
import type { Autoencoder } from "../models/types";
import type { FitOptions } from "../train/types";
import { createModel } from "../models/load";
import type { Matrix } from "../runtime/matrix";
import type { HasFloat32Data } from "./noise";
import { meanBaseline } from "./reconstruction";
import { type EvalUnit, type SavedModelSpec, type TrainFunction, meanSquaredError } from "./evaluation";

/** One trained model of the sweep. */
export interface SweepPoint {
  model: string;
  /** The PCA this point is compared with ("pca" or "pca-windows"). */
  reference: string;
  unit: EvalUnit;
  latentDim: number;
  /** Test MSE per value. */
  testMse: number;
  /** Test MSE of predicting the training mean (same training rows). */
  baselineMse: number;
  /** Share of the test variance reconstructed: 1 - testMse ÷ baselineMse. */
  explained: number;
  /** Epochs run (0 for PCA, which has a closed form). */
  epochs: number;
  stopReason: string;
  seconds: number;
}

/** Options of a model rebuilt at another latent size (same architecture; VAE warm-up scaled to the epoch budget as notebook 03 does). */
export function sweepModelOptions(spec: SavedModelSpec, latentDim: number, maxEpochs: number): Record<string, unknown> {
  const o: Record<string, unknown> = { ...spec.options, latentDim, name: `${spec.name}-z${latentDim}` };
  if (spec.kind === "vae") o.warmupEpochs = Math.max(2, Math.round(maxEpochs / 6));
  return o;
}

/**
 * Test MSE of PCA with k = 1..K components from ONE fit with K components. PCA components
 * are nested (the first k of the K-component solution are the k-component solution) and
 * orthonormal, so for a row x with code z = (x - mean) W:
 *   ||x - x̂_k||² = ||x - x̂_K||² + sum_{j=k+1..K} z_j²,
 * which saves an eigendecomposition per size (the costly step for flattened windows).
 * @param pca a fitted PCA with latentDim >= max(dims), components sorted by variance.
 * @param x `[n, d]` rows to score.
 * @returns the MSE per value at each requested size, in the order of `dims`.
 */
export function nestedPcaMse(
  pca: Pick<Autoencoder<Matrix>, "encode" | "reconstruct" | "latentDim">,
  x: Matrix,
  dims: number[],
): number[] {
  const K = pca.latentDim;
  const bad = dims.filter((k) => !Number.isInteger(k) || k < 1 || k > K);
  if (bad.length)
    throw new Error(
      `nestedPcaMse: sizes [${bad.join(", ")}] are outside 1..${K} (the PCA's latent size); fit the PCA with the largest size.`,
    );
  const base = meanSquaredError(pca.reconstruct(x).data, x.data) * x.data.length;
  const z = pca.encode(x);
  // tail[k] = sum over rows of z_j² for components j >= k (0-based), k = 0..K.
  const colSq = new Float64Array(K);
  for (let i = 0; i < z.rows; i++) for (let j = 0; j < K; j++) colSq[j] += z.data[i * K + j]! ** 2;
  return dims.map((k) => {
    let tail = 0;
    for (let j = k; j < K; j++) tail += colSq[j]!;
    return (base + tail) / x.data.length;
  });
}

/**
 * Train each model of `specs` at every latent size on the same data, and PCA of the same
 * sizes on the same training rows (one fit at the largest size, see nestedPcaMse); score
 * all on the test input, with the training-mean predictor as the floor.
 * @param data row matrices `[n, nFeatures]` (row models) or windows `[n, L, nFeatures]`.
 * @param o.referenceName name of the PCA points ("pca" or "pca-windows").
 * @param o.toMatrix how PCA sees the input (identity for rows, flattenWindows for windows).
 * @param o.pcaFeatureNames PCA column names (the flattened window names for windows).
 * @param o.onPoint called after each point (progress).
 */
export async function latentSweep<X extends HasFloat32Data>(
  specs: SavedModelSpec[],
  data: { train: X; validation: X; test: X },
  o: {
    latentDims: number[];
    fit: FitOptions;
    unit: EvalUnit;
    referenceName: string;
    toMatrix: (x: X) => Matrix;
    pcaFeatureNames: string[];
    train?: TrainFunction<X>;
    onPoint?: (p: SweepPoint) => void;
  },
): Promise<SweepPoint[]> {
  const dims = [...new Set(o.latentDims)].sort((a, b) => a - b);
  if (dims.length === 0 || dims.some((k) => !Number.isInteger(k) || k < 1))
    throw new Error(`latentSweep: latent sizes must be positive integers, got [${o.latentDims.join(", ")}].`);
  const trainM = o.toMatrix(data.train),
    valM = o.toMatrix(data.validation),
    testM = o.toMatrix(data.test);
  const maxPca = Math.min(o.pcaFeatureNames.length, trainM.rows);
  const tooBig = dims.filter((k) => k > maxPca);
  if (tooBig.length)
    throw new Error(
      `latentSweep: latent sizes [${tooBig.join(", ")}] exceed what PCA can give (${maxPca} = min(features, training rows)); drop them from the budget.`,
    );
  const train = o.train ?? ((m, tr, va, fit) => m.fit(tr, va, fit));
  const baselineMse = meanBaseline(trainM, testM).mse;
  const point = (
    model: string,
    k: number,
    testMse: number,
    epochs: number,
    stopReason: string,
    seconds: number,
  ): SweepPoint => ({
    model,
    reference: o.referenceName,
    unit: o.unit,
    latentDim: k,
    testMse,
    baselineMse,
    explained: 1 - testMse / baselineMse,
    epochs,
    stopReason,
    seconds,
  });
  const out: SweepPoint[] = [];
  const t0 = Date.now();
  const K = dims[dims.length - 1]!;
  const pca = createModel("pca", { name: `${o.referenceName}-z${K}`, featureNames: o.pcaFeatureNames, latentDim: K });
  try {
    await pca.fit(trainM, valM, o.fit);
    const mses = nestedPcaMse(pca, testM, dims);
    const seconds = (Date.now() - t0) / 1000;
    dims.forEach((k, i) => {
      const p = point(o.referenceName, k, mses[i]!, 0, "closed form", seconds / dims.length);
      out.push(p);
      o.onPoint?.(p);
    });
  } finally {
    pca.dispose();
  }
  for (const spec of specs) {
    for (const k of dims) {
      const t1 = Date.now();
      const model = createModel(
        spec.kind,
        sweepModelOptions(spec, k, o.fit.maxEpochs) as never,
      ) as unknown as Autoencoder<X>;
      try {
        const h = await train(model, data.train, data.validation, o.fit);
        const p = point(
          spec.name,
          k,
          meanSquaredError(model.reconstruct(data.test).data, data.test.data),
          h.epochs.length,
          h.stopReason,
          (Date.now() - t1) / 1000,
        );
        out.push(p);
        o.onPoint?.(p);
      } finally {
        model.dispose();
      }
    }
  }
  return out;
}

/** A ratio with 3 significant digits ("1.02", "3.98e+3" for huge ones). */
function fmtRatio(r: number): string {
  return r >= 1000 ? r.toExponential(2) : r.toPrecision(3);
}

/** A share as a percentage with one decimal. */
function pctOf(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

/** Where a model stops beating PCA in the sweep. */
export interface Crossover {
  model: string;
  reference: string;
  dims: number[];
  /** Model test MSE ÷ PCA test MSE at each size (< 1: the model wins). */
  ratios: number[];
  /** Sizes where the model beats PCA. */
  beatsAt: number[];
  /**
   * The smallest latent size from which on (it and every larger size tried) the model no
   * longer beats PCA; null when it still beats PCA at the largest size.
   */
  stopsBeatingAt: number | null;
  /** A sentence stating the result from the numbers. */
  sentence: string;
}

/** For every non-PCA model of a sweep: where it stops beating the PCA of the same size. */
export function pcaCrossover(points: SweepPoint[]): Crossover[] {
  const models = [...new Set(points.filter((p) => p.model !== p.reference).map((p) => p.model))];
  return models.map((m) => {
    const own = points.filter((p) => p.model === m).sort((a, b) => a.latentDim - b.latentDim);
    const reference = own[0]!.reference;
    const dims: number[] = [],
      ratios: number[] = [];
    for (const p of own) {
      const r = points.find((q) => q.model === reference && q.latentDim === p.latentDim);
      if (!r) throw new Error(`pcaCrossover: no ${reference} point at latent size ${p.latentDim} for ${m}.`);
      dims.push(p.latentDim);
      ratios.push(p.testMse / r.testMse);
    }
    // Beats only when the ratio is below 1 as printed (3 significant digits): 1.00× is a tie.
    const beats = ratios.map((r) => compareValues(r, 1, { digits: 2 }) === "lower");
    const beatsAt = dims.filter((_, i) => beats[i]);
    let stop: number | null = null;
    for (let i = dims.length - 1; i >= 0 && !beats[i]; i--) stop = dims[i]!;
    const label = modelLabel(m),
      ref = modelLabel(reference);
    const rs = (i: number) =>
      `${fmtRatio(ratios[i]!)}× PCA's MSE; explains ${pctOf(own[i]!.explained)} of the test variance vs ${pctOf(points.find((q) => q.model === reference && q.latentDim === dims[i])!.explained)}`;
    let sentence: string;
    if (beatsAt.length === 0) {
      const i = ratios.indexOf(Math.min(...ratios));
      sentence = `${label} never beats ${ref} at the sizes tried (${dims.join(", ")}); it comes closest at size ${dims[i]} (${rs(i)}).`;
    } else if (stop === null) {
      sentence = `${label} beats ${ref} at ${beatsAt.length === dims.length ? "every size tried" : `sizes ${beatsAt.join(", ")}`} and still at the largest (${dims[dims.length - 1]}: ${rs(dims.length - 1)}).`;
    } else {
      const i = dims.indexOf(stop);
      sentence = `${label} beats ${ref} at size${beatsAt.length > 1 ? "s" : ""} ${beatsAt.join(", ")} and stops beating it from latent size **${stop}** on (there: ${rs(i)}).`;
    }
    return { model: m, reference, dims, ratios, beatsAt, stopsBeatingAt: stop, sentence };
  });
}
