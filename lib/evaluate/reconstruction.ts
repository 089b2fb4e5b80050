/** reconstruction.ts */

import type { Autoencoder } from "../models/types";
import type { Matrix } from "../runtime/matrix";

/** Mean squared and absolute error of a reconstruction. */
export interface ReconstructionMetrics {
  mse: number;
  mae: number;
  n: number;
}

/** MSE/MAE of a model on some input (per value, averaged over rows and features). */
export function reconstructionMetrics<X>(model: Autoencoder<X>, x: X): ReconstructionMetrics {
  const mse = model.score(x, "mse").perRow;
  const mae = model.score(x, "mae").perRow;
  let a = 0,
    b = 0;
  for (let i = 0; i < mse.length; i++) {
    a += mse[i]!;
    b += mae[i]!;
  }
  return { mse: a / mse.length, mae: b / mae.length, n: mse.length };
}

/** MSE/MAE of predicting every row with the training mean (the floor a model must beat). */
export function meanBaseline(train: Matrix, x: Matrix): ReconstructionMetrics {
  const mean = new Float64Array(train.cols);
  for (let i = 0; i < train.rows; i++)
    for (let j = 0; j < train.cols; j++) mean[j]! += train.data[i * train.cols + j]! / train.rows;
  let se = 0,
    ae = 0;
  for (let i = 0; i < x.rows; i++)
    for (let j = 0; j < x.cols; j++) {
      const d = x.data[i * x.cols + j]! - mean[j]!;
      se += d * d;
      ae += Math.abs(d);
    }
  const n = x.rows * x.cols;
  return { mse: se / n, mae: ae / n, n: x.rows };
}
