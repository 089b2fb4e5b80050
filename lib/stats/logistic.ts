/**
 * Logistic regression, the one home: the multinomial (softmax) probe fitted by L-BFGS
 * (`logisticProbe`, for class labels) and the binary fit by Newton's method (`fitLogistic`,
 * for 0/1 targets with row subsets), both on inputs standardised with the training rows.
 */

import type { Matrix } from "../runtime/matrix";
import { fitStandardiser, standardise, toF64, choleskySolve, standardiser } from "./linalg";
import { lbfgs } from "./optimise";

/** Default L2 penalty of the softmax probe (on the mean loss, standardised inputs): weak, only keeps separable classes finite. */
export const PROBE_L2 = 1e-3;
/** Default iteration cap of the L-BFGS probe fit (a convex problem in <= a few hundred parameters). */
export const PROBE_MAX_ITER = 300;
/** Default gradient tolerance (max-abs of the gradient of the mean loss). */
export const PROBE_TOL = 1e-6;
/** Options of `logisticProbe`. */
export interface LogisticProbeOptions {
  /** L2 penalty on weights (not biases), added to the mean cross-entropy as l2/2 ||W||^2. Default PROBE_L2. */
  l2?: number;
  maxIter?: number;
  tol?: number;
}

/** Held-out quality of a linear classifier on a representation. */
export interface LogisticProbeResult {
  /** Fraction of test rows classified correctly. */
  accuracy: number;
  /** Mean recall over classes present in the test labels (sklearn's balanced_accuracy_score). */
  balancedAccuracy: number;
  /** Unweighted mean F1 over classes in test labels or predictions (sklearn f1_score average="macro"). */
  macroF1: number;
  /** Accuracy of always predicting the most frequent training class, for reference. */
  majorityAccuracy: number;
  trainAccuracy: number;
  /** Class labels seen in training, in model order. */
  classes: number[];
  nTrain: number;
  nTest: number;
  iterations: number;
  converged: boolean;
  /** Test rows whose class never occurred in training (always misclassified). */
  nUnseenTestLabels: number;
}

export function labelCodes(y: ArrayLike<number>, name: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) throw new Error(`${name}[${i}] is ${v}; class labels must be finite numbers.`);
    out.push(v);
  }
  return out;
}

/** Shape checks shared by the probes; the matrices as Float64. */
export function probeInputs(
  Xtrain: Matrix,
  yTrain: ArrayLike<number>,
  Xtest: Matrix,
  yTest: ArrayLike<number>,
  what: string,
): { d: number; n: number; xtr: Float64Array; xte: Float64Array } {
  if (Xtrain.cols !== Xtest.cols) throw new Error(`Xtrain has ${Xtrain.cols} columns but Xtest has ${Xtest.cols}.`);
  if (yTrain.length !== Xtrain.rows)
    throw new Error(`yTrain has ${yTrain.length} ${what} but Xtrain has ${Xtrain.rows} rows.`);
  if (yTest.length !== Xtest.rows)
    throw new Error(`yTest has ${yTest.length} ${what} but Xtest has ${Xtest.rows} rows.`);
  return { d: Xtrain.cols, n: Xtrain.rows, xtr: toF64(Xtrain, "Xtrain"), xte: toF64(Xtest, "Xtest") };
}

/**
 * Linear probe: multinomial logistic (softmax) regression fitted on standardised training
 * rows (mean/sd from the training rows only) by L-BFGS with a backtracking line search,
 * evaluated on held-out rows. Deterministic (zero initialisation, full batch).
 * @param Xtrain `[nTrain, d]`, yTrain `[nTrain]` class labels (numbers), >= 2 classes.
 * @param Xtest `[nTest, d]`, yTest `[nTest]`.
 */
export function logisticProbe(
  Xtrain: Matrix,
  yTrain: ArrayLike<number>,
  Xtest: Matrix,
  yTest: ArrayLike<number>,
  options: LogisticProbeOptions = {},
): LogisticProbeResult {
  const l2 = options.l2 ?? PROBE_L2;
  const maxIter = options.maxIter ?? PROBE_MAX_ITER;
  const tol = options.tol ?? PROBE_TOL;
  if (!(l2 >= 0)) throw new Error(`logisticProbe: l2 must be >= 0, got ${l2}.`);
  const { d, n, xtr, xte } = probeInputs(Xtrain, yTrain, Xtest, yTest, "labels");
  const ytrRaw = labelCodes(yTrain, "yTrain");
  const yteRaw = labelCodes(yTest, "yTest");
  const classes = [...new Set(ytrRaw)].sort((a, b) => a - b);
  const C = classes.length;
  if (C < 2) throw new Error(`logisticProbe needs at least 2 classes in yTrain, got ${C} (${classes.join(", ")}).`);
  const code = new Map(classes.map((c, i) => [c, i]));
  const ytr = Int32Array.from(ytrRaw, (v) => code.get(v)!);
  const st = fitStandardiser(xtr, n, d);
  const ztr = standardise(xtr, n, d, st);
  const zte = standardise(xte, Xtest.rows, d, st);

  // Parameters: W [d, C] then b [C].
  const P = d * C + C;
  const probs = new Float64Array(C);
  const lossGrad = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const zo = i * d;
      let maxLogit = -Infinity;
      for (let c = 0; c < C; c++) {
        let s = w[d * C + c]!;
        for (let j = 0; j < d; j++) s += ztr[zo + j]! * w[j * C + c]!;
        probs[c] = s;
        if (s > maxLogit) maxLogit = s;
      }
      let sumExp = 0;
      for (let c = 0; c < C; c++) {
        probs[c] = Math.exp(probs[c]! - maxLogit);
        sumExp += probs[c]!;
      }
      const yi = ytr[i]!;
      loss -= Math.log(probs[yi]! / sumExp);
      for (let c = 0; c < C; c++) {
        const g = probs[c]! / sumExp - (c === yi ? 1 : 0);
        grad[d * C + c] += g;
        for (let j = 0; j < d; j++) grad[j * C + c] += g * ztr[zo + j]!;
      }
    }
    loss /= n;
    for (let p = 0; p < P; p++) grad[p] /= n;
    for (let p = 0; p < d * C; p++) {
      loss += 0.5 * l2 * w[p]! * w[p]!;
      grad[p] += l2 * w[p]!;
    }
    return loss;
  };
  const fit = lbfgs(lossGrad, new Float64Array(P), maxIter, tol);
  const w = fit.x;

  const predict = (z: Float64Array, rows: number): Int32Array => {
    const out = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      let best = 0;
      let bestV = -Infinity;
      for (let c = 0; c < C; c++) {
        let s = w[d * C + c]!;
        for (let j = 0; j < d; j++) s += z[i * d + j]! * w[j * C + c]!;
        if (s > bestV) {
          bestV = s;
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  };
  const predTrain = predict(ztr, n);
  let trainCorrect = 0;
  for (let i = 0; i < n; i++) if (predTrain[i] === ytr[i]) trainCorrect++;
  const predTest = Array.from(predict(zte, Xtest.rows), (c) => classes[c]!);
  const counts = new Map<number, number>();
  for (const v of ytrRaw) counts.set(v, (counts.get(v) ?? 0) + 1);
  let majority = classes[0]!;
  for (const c of classes) if (counts.get(c)! > counts.get(majority)!) majority = c;
  const cls = classificationScores(yteRaw, predTest);
  const majorityAccuracy = yteRaw.length ? yteRaw.filter((v) => v === majority).length / yteRaw.length : NaN;
  return {
    ...cls,
    majorityAccuracy,
    trainAccuracy: trainCorrect / n,
    classes,
    nTrain: n,
    nTest: Xtest.rows,
    iterations: fit.iterations,
    converged: fit.converged,
    nUnseenTestLabels: yteRaw.filter((v) => !code.has(v)).length,
  };
}

/**
 * Accuracy, balanced accuracy and macro-F1 of predicted against true class labels, with
 * sklearn's definitions: balanced accuracy = mean recall over classes present in yTrue;
 * macro-F1 = mean over classes in yTrue ∪ yPred of 2 tp / (2 tp + fp + fn).
 * @throws on empty or misaligned input.
 */
export function classificationScores(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
): { accuracy: number; balancedAccuracy: number; macroF1: number } {
  const n = yTrue.length;
  if (n === 0) throw new Error("classificationScores: yTrue is empty; pass at least one held-out row.");
  if (yPred.length !== n) throw new Error(`yPred has ${yPred.length} labels but yTrue has ${n}.`);
  const tp = new Map<number, number>();
  const support = new Map<number, number>();
  const predicted = new Map<number, number>();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    support.set(t, (support.get(t) ?? 0) + 1);
    predicted.set(p, (predicted.get(p) ?? 0) + 1);
    if (t === p) {
      correct++;
      tp.set(t, (tp.get(t) ?? 0) + 1);
    }
  }
  let recallSum = 0;
  for (const [c, s] of support) recallSum += (tp.get(c) ?? 0) / s;
  const all = new Set([...support.keys(), ...predicted.keys()]);
  let f1Sum = 0;
  for (const c of all) {
    const t = tp.get(c) ?? 0;
    const fp = (predicted.get(c) ?? 0) - t;
    const fn = (support.get(c) ?? 0) - t;
    f1Sum += (2 * t) / (2 * t + fp + fn);
  }
  return { accuracy: correct / n, balancedAccuracy: recallSum / support.size, macroF1: f1Sum / all.size };
}

// ---------------------------------------------------------------------------------------
// Logistic regression (binary) with predictions

/** L2 penalty of the logistic probe on the mean log-loss (standardised inputs): as lib/latent/metrics PROBE_L2, weak. */
export const LOGISTIC_L2 = 1e-3;
/** Newton iterations cap (a convex problem in <= a few dozen parameters converges in ~5-10). */
const NEWTON_MAX_ITER = 50;
/** Newton stops when the largest parameter step is below this. */
const NEWTON_TOL = 1e-9;

/** A fitted binary logistic regression on standardised inputs. */
export interface LogisticFit {
  /** `[d]` weights on standardised inputs. */
  weights: Float64Array;
  bias: number;
  mean: Float64Array;
  sd: Float64Array;
  iterations: number;
  converged: boolean;
}

/**
 * Binary logistic regression, min mean log-loss + l2/2 ||w||^2 (bias unpenalised) on
 * inputs standardised with the training rows, by Newton's method with step halving.
 * @param rows positions in X of the training rows; y `[X.rows]` labels 0/1 at those rows.
 */
export function fitLogistic(X: Matrix, y: ArrayLike<number>, rows: ArrayLike<number>, l2 = LOGISTIC_L2): LogisticFit {
  const d = X.cols,
    n = rows.length,
    P = d + 1;
  if (n < 2) throw new Error(`fitLogistic: needs at least 2 training rows, got ${n}.`);
  let pos = 0;
  for (let k = 0; k < n; k++) {
    const v = y[rows[k]!]!;
    if (v !== 0 && v !== 1) throw new Error(`fitLogistic: label at row ${rows[k]} is ${v}; labels must be 0 or 1.`);
    pos += v;
  }
  if (pos === 0 || pos === n)
    throw new Error(`fitLogistic: all ${n} training labels are ${pos === 0 ? 0 : 1}; a classifier needs both classes.`);
  const st = standardiser(X, rows);
  const z = new Float64Array(n * P);
  for (let k = 0; k < n; k++) {
    const i = rows[k]!;
    for (let j = 0; j < d; j++) z[k * P + j] = (X.data[i * d + j]! - st.mean[j]!) / st.sd[j]!;
    z[k * P + d] = 1;
  }
  const yy = Float64Array.from({ length: n }, (_, k) => y[rows[k]!]!);
  const w = new Float64Array(P);
  const loss = (v: Float64Array): number => {
    let s = 0;
    for (let k = 0; k < n; k++) {
      let a = 0;
      for (let j = 0; j < P; j++) a += z[k * P + j]! * v[j]!;
      // log(1 + e^a) - y a, computed stably.
      s += (a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a))) - yy[k]! * a;
    }
    let pen = 0;
    for (let j = 0; j < d; j++) pen += v[j]! * v[j]!;
    return s / n + 0.5 * l2 * pen;
  };
  let f = loss(w);
  let it = 0;
  let converged = false;
  const g = new Float64Array(P);
  const H = new Float64Array(P * P);
  for (; it < NEWTON_MAX_ITER; it++) {
    g.fill(0);
    H.fill(0);
    for (let k = 0; k < n; k++) {
      let a = 0;
      for (let j = 0; j < P; j++) a += z[k * P + j]! * w[j]!;
      const p = 1 / (1 + Math.exp(-a));
      const r = p - yy[k]!;
      const wt = p * (1 - p);
      for (let j = 0; j < P; j++) {
        const zj = z[k * P + j]!;
        g[j] += r * zj;
        for (let q = 0; q <= j; q++) H[j * P + q] += wt * zj * z[k * P + q]!;
      }
    }
    for (let j = 0; j < P; j++) {
      g[j] /= n;
      for (let q = 0; q <= j; q++) {
        H[j * P + q] /= n;
        H[q * P + j] = H[j * P + q]!;
      }
    }
    for (let j = 0; j < d; j++) {
      g[j] += l2 * w[j]!;
      H[j * P + j] += l2;
    }
    H[d * P + d] += 1e-12; // keeps the bias pivot positive when every p saturates
    const step = choleskySolve(H, g, P, { singular: "clamp" });
    let t = 1;
    let next = new Float64Array(P);
    let fNext = Infinity;
    for (let h = 0; h < 30; h++) {
      for (let j = 0; j < P; j++) next[j] = w[j]! - t * step[j]!;
      fNext = loss(next);
      if (fNext <= f) break;
      t /= 2;
    }
    if (!(fNext <= f)) break;
    let maxStep = 0;
    for (let j = 0; j < P; j++) maxStep = Math.max(maxStep, Math.abs(next[j]! - w[j]!));
    w.set(next);
    f = fNext;
    next = new Float64Array(P);
    if (maxStep < NEWTON_TOL) {
      converged = true;
      it++;
      break;
    }
  }
  return { weights: w.slice(0, d), bias: w[d]!, mean: st.mean, sd: st.sd, iterations: it, converged };
}

/** P(y = 1) for every row of X. */
export function predictLogistic(fit: LogisticFit, X: Matrix): Float64Array {
  const d = X.cols;
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let a = fit.bias;
    for (let j = 0; j < d; j++) a += ((X.data[i * d + j]! - fit.mean[j]!) / fit.sd[j]!) * fit.weights[j]!;
    out[i] = 1 / (1 + Math.exp(-a));
  }
  return out;
}
