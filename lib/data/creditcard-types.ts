/**
 * The shape of the credit-card fraud data, shared by the real-file loader and the
 * synthetic stand-in, so that later stages do not care which one they got.
 *
 * Layout follows the ULB "Credit Card Fraud Detection" table (creditcard.csv): Time
 * (seconds since the first transaction), V1..V28 (PCA components of undisclosed
 * features), Amount (transaction amount) and Class (1 = fraud).
 */
import type { Matrix } from "../runtime/matrix";

/** Column names of `CreditCardData.features`, in order: Time, V1..V28, Amount. */
export const CREDITCARD_FEATURE_NAMES: readonly string[] = [
  "Time",
  ...Array.from({ length: 28 }, (_, i) => `V${i + 1}`),
  "Amount",
];

/** Number of feature columns: Time + 28 PCA components + Amount. */
export const CREDITCARD_N_FEATURES = CREDITCARD_FEATURE_NAMES.length;

/** Credit-card transactions, one row per transaction, in file (time) order. */
export interface CreditCardData {
  /** Raw feature values `[rows, 30]`: Time, V1..V28, Amount (unscaled, as in the file). */
  features: Matrix;
  /** Names of the feature columns (CREDITCARD_FEATURE_NAMES). */
  featureNames: string[];
  /** Seconds since the first transaction, `[rows]`. */
  time: Float64Array;
  /** Transaction amount, `[rows]`. */
  amount: Float64Array;
  /** Class per row (1 = fraud, 0 = normal), `[rows]`, or null when the source has no labels. */
  labels: Int8Array | null;
  /** True when there are no labels: only unsupervised use (no ROC-AUC against truth). */
  unsupervised: boolean;
  /** Where the data came from, e.g. "ulb:/path/creditcard.csv" or "synthetic-creditcard(seed=1)". */
  source: string;
  rows: number;
}
