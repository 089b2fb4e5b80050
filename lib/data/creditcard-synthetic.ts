/**
 * A seeded stand-in for the ULB credit-card fraud data, used when creditcard.csv is absent.
 *
 * Why: the credit-card notebook must run (and its tests must mean something) without the
 * 150 MB download. The stand-in keeps what the fraud analysis depends on: the table layout
 * (Time, V1..V28, Amount, Class), extreme class imbalance, PCA-like components (zero mean,
 * decreasing variance, skewed and heavy-tailed, correlated with Amount and time of day but
 * not with each other), and frauds that differ in a handful of components (V14, V17, V12,
 * V10, V3, V4, V11, ... as in the real data) while overlapping the normal cloud, so that a
 * good detector reaches a realistic ROC-AUC rather than 1.0.
 *
 * The model, per transaction:
 * 1. Class: exactly round(rows * fraudRate) frauds at random positions.
 * 2. Time: seconds over two days, drawn by rejection from an intensity over the hour of
 *    day: a night floor rising around 08:00 and falling around 23:00. Frauds follow a
 *    flatter profile (more of them at night). Rows are sorted by Time; Time is whole
 *    seconds, as in the file.
 * 3. A spending latent l ~ N(0, 1). Normal amounts: log(Amount) = AMOUNT_LOG_MEAN
 *    + AMOUNT_LATENT_LOADING * l + noise, with point masses at 1.00 and 0.00; fraud amounts
 *    come from their own mixture (many test charges of 1.00 or less, a wide log-normal
 *    body), rounded to cents.
 * 4. Components: raw V_j = SHASH_j(z_j) + loading on l (V1, V2, V5, V7, V20) + loading on
 *    night-time (V3, V11), z_j ~ N(0, 1) independent, SHASH the sinh-arcsinh transform
 *    sinh((asinh(z) + skew_j) / tail_j) giving skewness and heavy tails. A fraud adds
 *    severity * FRAUD_SHIFT_j and scales its noise by (1 + FRAUD_SPREAD * severity);
 *    severity is log-normal for most frauds and small for a camouflaged minority.
 * 5. Each V_j is centred and scaled over all rows to the real component's standard
 *    deviation, as PCA scores are (zero mean over the data set).
 */
import { type Rng, makeRng } from "../runtime/rng";
import type { Matrix } from "../runtime/matrix";
import { CREDITCARD_FEATURE_NAMES, CREDITCARD_N_FEATURES, type CreditCardData } from "./creditcard-types";

export type { CreditCardData } from "./creditcard-types";

/** Options of `generateCreditCard`. */
export interface CreditCardOptions {
  /** Number of transactions (the real file has 284,807). */
  rows: number;
  /** Share of frauds (default ULB_FRAUD_RATE). */
  fraudRate?: number;
}

/** Fraud share of the real data: 492 frauds in 284,807 transactions. */
export const ULB_FRAUD_RATE = 492 / 284807;

/** Two days of seconds, the span of the real data. */
const SPAN_SECONDS = 2 * 86400;

/**
 * Standard deviations of V1..V28 in the real data (rounded): PCA components, so they
 * decrease with the index.
 */
const V_SD = [
  1.96, 1.65, 1.52, 1.42, 1.38, 1.33, 1.24, 1.19, 1.1, 1.09, 1.02, 1.0, 0.995, 0.96, 0.92, 0.88, 0.85, 0.84, 0.81, 0.77,
  0.73, 0.73, 0.62, 0.61, 0.52, 0.48, 0.4, 0.33,
];

/**
 * Sample skewness of V1..V28 in the real data (rounded). The SHASH skew parameter is
 * SKEW_TO_EPSILON times this, clipped to +-MAX_EPSILON, so signs match the real data
 * and extreme skews do not dominate.
 */
const V_SKEW = [
  -3.3, -4.6, -2.2, 0.7, -2.4, 1.8, 2.6, -8.5, 0.55, 1.2, 0.36, -2.3, 0.07, -2.0, -0.31, -1.1, -3.8, -0.26, 0.11, -2.0,
  3.6, -0.21, -5.9, -0.55, -0.42, 0.58, -1.2, 11.2,
];
const SKEW_TO_EPSILON = 0.1;
const MAX_EPSILON = 0.45;
/** SHASH tail parameter: below 1 gives heavier tails than a normal (0.7: kurtosis ~ 6-10). */
const SHASH_TAIL = 0.7;
/** Heavier tails for the components with extreme kurtosis in the real data (V8, V23, V28). */
const SHASH_TAIL_EXTREME = 0.55;
const EXTREME_TAIL_COMPONENTS = new Set([8, 23, 28]);

/**
 * Fraud shift per component (raw units, before the final scaling), by the size of the
 * class-mean differences in the real data: V14, V17, V12, V10, V3 lowest for frauds;
 * V4, V11, V2 highest. Zero for the components that do not separate (V13, V15, V22..V26).
 */
const FRAUD_SHIFT: Record<number, number> = {
  14: -3.4,
  17: -3.0,
  12: -2.9,
  10: -2.6,
  3: -2.3,
  4: 2.4,
  11: 2.1,
  16: -2.0,
  7: -1.7,
  1: -1.4,
  2: 1.2,
  9: -1.2,
  18: -1.0,
  5: -0.8,
  6: -0.6,
  21: 0.5,
  19: 0.4,
  27: 0.3,
  8: 0.3,
};
/** Frauds are more dispersed: noise sd x (1 + FRAUD_SPREAD * severity). */
const FRAUD_SPREAD = 0.6;
/** Share of frauds that look almost normal (card testing, mimicry). */
const CAMOUFLAGED_SHARE = 0.1;
/** Severity: camouflaged frauds uniform in [0, CAMOUFLAGED_MAX]; others log-normal(0, SEVERITY_LOG_SD). */
const CAMOUFLAGED_MAX = 0.4;
const SEVERITY_LOG_SD = 0.5;

/** Loadings of components on the spending latent (real corr. with Amount: V2 -0.53, V7 +0.40, V20 +0.34, V5 -0.39, V1 -0.23). */
const SPEND_LOADING: Record<number, number> = { 2: -0.75, 7: 0.55, 20: 0.45, 5: -0.5, 1: -0.3 };
/** Loadings on night-time (real corr. with Time: V3 -0.42, V11 -0.25). */
const NIGHT_LOADING: Record<number, number> = { 3: 0.9, 11: 0.5 };

/** Normal amounts: median about 22 (e^3.1), total log sd about 1.6 (mean about 80). */
const AMOUNT_LOG_MEAN = 3.1;
const AMOUNT_LATENT_LOADING = 1.35;
const AMOUNT_NOISE_SD = 0.85;
/** Point masses of normal amounts: 4.8% exactly 1.00, 0.6% exactly 0.00 (as in the file). */
const AMOUNT_ONE_SHARE = 0.048;
const AMOUNT_ZERO_SHARE = 0.006;
/** Fraud amounts: 23% exactly 1.00, 5% 0.00, 15% small (0.5..10), rest log-normal(ln 60, 1.4). */
const FRAUD_AMOUNT = { one: 0.23, zero: 0.05, small: 0.15, logMean: Math.log(60), logSd: 1.4 };

/** Transaction intensity: night floor and the hours of the morning rise and evening fall. */
const NIGHT_FLOOR = 0.1;
const FRAUD_NIGHT_FLOOR = 0.4;
const MORNING_HOUR = 8;
const EVENING_HOUR = 23;
/** Width (hours) of the logistic rise and fall. */
const TRANSITION_HOURS = 1.2;

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Daytime activity in [0, 1] at an hour of day (0 at night, 1 in the day). */
function daytime(hour: number): number {
  return logistic((hour - MORNING_HOUR) / TRANSITION_HOURS) * logistic((EVENING_HOUR - hour) / TRANSITION_HOURS);
}

/**
 * Generate a synthetic credit-card fraud table in the ULB layout.
 *
 * @param options rows (required) and fraudRate (default ULB_FRAUD_RATE)
 * @param rngOrSeed a seed or a seeded Rng; equal seeds give identical output
 * @returns features `[rows, 30]` (Time, V1..V28, Amount), time, amount and labels
 */
export function generateCreditCard(options: CreditCardOptions, rngOrSeed: Rng | number): CreditCardData {
  const rows = options.rows;
  const fraudRate = options.fraudRate ?? ULB_FRAUD_RATE;
  if (!Number.isInteger(rows) || rows < 2)
    throw new Error(`generateCreditCard: rows must be an integer >= 2, got ${rows}.`);
  if (!(fraudRate >= 0 && fraudRate <= 0.5))
    throw new Error(`generateCreditCard: fraudRate must be in [0, 0.5], got ${fraudRate}.`);
  const root = typeof rngOrSeed === "number" ? makeRng(rngOrSeed) : rngOrSeed;
  const nFraud = Math.round(rows * fraudRate);

  // Classes at random positions, then times per class, then sort by time.
  const isFraud = new Uint8Array(rows);
  for (const i of root.fork("classes").sampleIndices(rows, nFraud)) isFraud[i] = 1;
  const rawTime = new Float64Array(rows);
  {
    const r = root.fork("time");
    for (let i = 0; i < rows; i++) {
      const floor = isFraud[i] ? FRAUD_NIGHT_FLOOR : NIGHT_FLOOR;
      for (;;) {
        const t = r.uniform() * SPAN_SECONDS;
        const hour = (t % 86400) / 3600;
        if (r.uniform() < floor + (1 - floor) * daytime(hour)) {
          rawTime[i] = Math.floor(t);
          break;
        }
      }
    }
  }
  const order = Int32Array.from({ length: rows }, (_, i) => i).sort((a, b) => rawTime[a]! - rawTime[b]! || a - b);
  const time = new Float64Array(rows);
  const labels = new Int8Array(rows);
  for (let k = 0; k < rows; k++) {
    time[k] = rawTime[order[k]!]!;
    labels[k] = isFraud[order[k]!]!;
  }
  const t0 = time[0]!;
  for (let k = 0; k < rows; k++) time[k] = time[k]! - t0; // Time counts from the first transaction

  // Amounts and components, row by row in time order.
  const amount = new Float64Array(rows);
  const raw = new Float64Array(rows * 28); // [rows, 28]
  const r = root.fork("features");
  const epsilon = V_SKEW.map((s) => Math.max(-MAX_EPSILON, Math.min(MAX_EPSILON, SKEW_TO_EPSILON * s)));
  const tail = V_SD.map((_, j) => (EXTREME_TAIL_COMPONENTS.has(j + 1) ? SHASH_TAIL_EXTREME : SHASH_TAIL));
  for (let k = 0; k < rows; k++) {
    const fraud = labels[k] === 1;
    const spend = r.normal();
    const night = 1 - daytime(((time[k]! + t0) % 86400) / 3600);
    let severity = 0;
    if (fraud)
      severity =
        r.uniform() < CAMOUFLAGED_SHARE ? r.uniform() * CAMOUFLAGED_MAX : Math.exp(SEVERITY_LOG_SD * r.normal());
    const spread = 1 + FRAUD_SPREAD * severity;
    for (let j = 0; j < 28; j++) {
      const c = j + 1;
      const z = r.normal();
      let v = Math.sinh((Math.asinh(z) + epsilon[j]!) / tail[j]!) * spread;
      if (!fraud) v += (SPEND_LOADING[c] ?? 0) * spend;
      v += (NIGHT_LOADING[c] ?? 0) * night;
      v += severity * (FRAUD_SHIFT[c] ?? 0);
      raw[k * 28 + j] = v;
    }
    amount[k] = fraud ? fraudAmount(r) : normalAmount(r, spend);
  }

  // Centre and scale each component to the real standard deviation.
  const mean = new Float64Array(28);
  const sq = new Float64Array(28);
  for (let k = 0; k < rows; k++) for (let j = 0; j < 28; j++) mean[j] += raw[k * 28 + j]!;
  for (let j = 0; j < 28; j++) mean[j] /= rows;
  for (let k = 0; k < rows; k++) for (let j = 0; j < 28; j++) sq[j] += (raw[k * 28 + j]! - mean[j]!) ** 2;
  const scale = Float64Array.from(sq, (s, j) => V_SD[j]! / Math.sqrt(s / (rows - 1) || 1));

  const data = new Float32Array(rows * CREDITCARD_N_FEATURES);
  for (let k = 0; k < rows; k++) {
    const o = k * CREDITCARD_N_FEATURES;
    data[o] = time[k]!;
    for (let j = 0; j < 28; j++) data[o + 1 + j] = (raw[k * 28 + j]! - mean[j]!) * scale[j]!;
    data[o + 29] = amount[k]!;
  }
  const features: Matrix = { data, rows, cols: CREDITCARD_N_FEATURES };
  return {
    features,
    featureNames: [...CREDITCARD_FEATURE_NAMES],
    time,
    amount,
    labels,
    unsupervised: false,
    source: `synthetic-creditcard(seed=${root.seed})`,
    rows,
  };
}

function cents(x: number): number {
  return Math.round(x * 100) / 100;
}

function normalAmount(r: Rng, spend: number): number {
  const u = r.uniform();
  const noise = r.normal();
  if (u < AMOUNT_ZERO_SHARE) return 0;
  if (u < AMOUNT_ZERO_SHARE + AMOUNT_ONE_SHARE) return 1;
  return cents(Math.exp(AMOUNT_LOG_MEAN + AMOUNT_LATENT_LOADING * spend + AMOUNT_NOISE_SD * noise));
}

function fraudAmount(r: Rng): number {
  const u = r.uniform();
  const v = r.normal();
  if (u < FRAUD_AMOUNT.one) return 1;
  if (u < FRAUD_AMOUNT.one + FRAUD_AMOUNT.zero) return 0;
  if (u < FRAUD_AMOUNT.one + FRAUD_AMOUNT.zero + FRAUD_AMOUNT.small) return cents(0.5 + 9.5 * r.uniform());
  return cents(Math.exp(FRAUD_AMOUNT.logMean + FRAUD_AMOUNT.logSd * v));
}
