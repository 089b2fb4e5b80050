/**
 * Ridge regression on standardised inputs, solved exactly by Cholesky (`ridgeProbe`):
 * the linear probe for continuous targets.
 */

import type { Matrix } from "../runtime/matrix";
import { choleskySolve, crossProduct, standardise, standardiser } from "./linalg";
import { labelCodes, probeInputs } from "./logistic";

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
 * Linear probe for a continuous target: ridge regression on standardised inputs (train
 * statistics), min ||y - ȳ - Z w||^2 + alpha ||w||^2, solved exactly by Cholesky; reports
 * held-out R^2.
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
  const { d, n, xtr, xte } = probeInputs(Xtrain, yTrain, Xtest, yTest, "values");
  const ytr = Float64Array.from(labelCodes(yTrain, "yTrain"));
  const yte = Float64Array.from(labelCodes(yTest, "yTest"));
  const st = standardiser(Xtrain);
  const ztr = standardise(xtr, n, d, st);
  const zte = standardise(xte, Xtest.rows, d, st);
  let ym = 0;
  for (let i = 0; i < n; i++) ym += ytr[i]!;
  ym /= n;
  const A = crossProduct(ztr, d, ztr, d, n);
  for (let j = 0; j < d; j++) A[j * d + j] += alpha;
  const yc = Float64Array.from(ytr, (v) => v - ym);
  const rhs = crossProduct(ztr, d, yc, 1, n);
  const w = choleskySolve(A, rhs, d, { context: "ridgeProbe" });
  const predictR2 = (z: Float64Array, y: Float64Array): { r2: number; mse: number } => {
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
  const test = predictR2(zte, yte);
  return {
    r2: test.r2,
    mse: test.mse,
    trainR2: predictR2(ztr, ytr).r2,
    coefficients: w,
    intercept: ym,
    nTrain: n,
    nTest: Xtest.rows,
  };
}
