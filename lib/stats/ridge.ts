/**
 * Ridge regression on standardised inputs, solved exactly by Cholesky (`ridgeProbe`):
 * the linear probe for continuous targets.
 */

import type { Matrix } from "../runtime/matrix";
import { choleskySolve, crossProduct, standardise, standardiser, toF64 } from "./linalg";
import { labelCodes } from "./logistic";

/** Options of `ridgeProbe`. */
export interface RidgeProbeOptions {
  /** Penalty alpha on ||w||^2 added to the residual sum of squares (sklearn Ridge), on standardised inputs. Default 1. */
  alpha?: number;
}

/** Held-out quality of a ridge regression on a representation. */
export interface RidgeProbeResult {
  /** R^2 on the test rows (1 - SS_res / SS_tot about the test mean; can be negative). */
  r2: number;
  /** Mean squared error on the test rows. */
  mse: number;
  trainR2: number;
  /** Weights on standardised inputs `[d]`. */
  coefficients: Float64Array;
  intercept: number;
  nTrain: number;
  nTest: number;
}

/** Default ridge penalty: with standardised inputs and n in the thousands, a light touch. */
export const RIDGE_ALPHA = 1;

/**
 * A ridge problem prepared once for any number of penalties: the training rows standardised
 * (train statistics) and their cross products, which are the costly part; each `probe`
 * then costs one d x d Cholesky solve and a pass over the rows it scores.
 */
export interface RidgePath {
  /** Fit with penalty `alpha` and score on the test rows (same contract as `ridgeProbe`). */
  probe(alpha: number, Xtest: Matrix, yTest: ArrayLike<number>): RidgeProbeResult;
}

/**
 * Prepare ridge fits on standardised training inputs for several penalties.
 * @param Xtrain `[nTrain, d]`, yTrain `[nTrain]`.
 */
export function ridgePath(Xtrain: Matrix, yTrain: ArrayLike<number>): RidgePath {
  if (yTrain.length !== Xtrain.rows)
    throw new Error(`yTrain has ${yTrain.length} values but Xtrain has ${Xtrain.rows} rows.`);
  const d = Xtrain.cols;
  const n = Xtrain.rows;
  const xtr = toF64(Xtrain, "Xtrain");
  const ytr = Float64Array.from(labelCodes(yTrain, "yTrain"));
  const st = standardiser(Xtrain);
  const ztr = standardise(xtr, n, d, st);
  let ym = 0;
  for (let i = 0; i < n; i++) ym += ytr[i]!;
  ym /= n;
  const gram = crossProduct(ztr, d, ztr, d, n);
  const yc = Float64Array.from(ytr, (v) => v - ym);
  const rhs = crossProduct(ztr, d, yc, 1, n);
  const predictR2 = (z: Float64Array, y: Float64Array, w: Float64Array): { r2: number; mse: number } => {
    const m = y.length;
    let my = 0;
    for (let i = 0; i < m; i++) my += y[i]!;
    my /= m;
    let ssRes = 0;
    let ssTot = 0;
    for (let i = 0; i < m; i++) {
      let p = ym;
      for (let j = 0; j < d; j++) p += z[i * d + j]! * w[j]!;
      ssRes += (y[i]! - p) ** 2;
      ssTot += (y[i]! - my) ** 2;
    }
    return { r2: ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0, mse: ssRes / m };
  };
  return {
    probe(alpha, Xtest, yTest) {
      if (!(alpha >= 0)) throw new Error(`ridgeProbe: alpha must be >= 0, got ${alpha}.`);
      if (Xtest.cols !== d) throw new Error(`Xtrain has ${d} columns but Xtest has ${Xtest.cols}.`);
      if (yTest.length !== Xtest.rows)
        throw new Error(`yTest has ${yTest.length} values but Xtest has ${Xtest.rows} rows.`);
      const xte = toF64(Xtest, "Xtest");
      const yte = Float64Array.from(labelCodes(yTest, "yTest"));
      const zte = standardise(xte, Xtest.rows, d, st);
      const A = Float64Array.from(gram);
      for (let j = 0; j < d; j++) A[j * d + j] += alpha;
      const w = choleskySolve(A, rhs, d, { context: "ridgeProbe" });
      const test = predictR2(zte, yte, w);
      return {
        r2: test.r2,
        mse: test.mse,
        trainR2: predictR2(ztr, ytr, w).r2,
        coefficients: w,
        intercept: ym,
        nTrain: n,
        nTest: Xtest.rows,
      };
    },
  };
}

/**
 * Linear probe for a continuous target: ridge regression on standardised inputs (train
 * statistics), min ||y - ȳ - Z w||^2 + alpha ||w||^2, solved exactly by Cholesky; reports
 * held-out R^2. Several penalties on one training set: `ridgePath`.
 * @param Xtrain `[nTrain, d]`, yTrain `[nTrain]`; Xtest `[nTest, d]`, yTest `[nTest]` (>= 2 rows).
 */
export function ridgeProbe(
  Xtrain: Matrix,
  yTrain: ArrayLike<number>,
  Xtest: Matrix,
  yTest: ArrayLike<number>,
  options: RidgeProbeOptions = {},
): RidgeProbeResult {
  const alpha = options.alpha ?? RIDGE_ALPHA;
  if (!(alpha >= 0)) throw new Error(`ridgeProbe: alpha must be >= 0, got ${alpha}.`);
  // Shapes first, so that a mismatched test set fails before the Gram matrix is built.
  if (Xtest.cols !== Xtrain.cols) throw new Error(`Xtrain has ${Xtrain.cols} columns but Xtest has ${Xtest.cols}.`);
  return ridgePath(Xtrain, yTrain).probe(alpha, Xtest, yTest);
}
