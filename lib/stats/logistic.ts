/**
 * Logistic regression, the one home: one multinomial (softmax) fit by L-BFGS on inputs
 * standardised with the training rows (`fitLogistic`); two classes are its binary case.
 * `logisticProbe` scores it on held-out rows; `predictLogistic` gives P(second class).
 */

import type { Matrix } from "../runtime/matrix";
import { standardiser, toF64 } from "./linalg";
import { lbfgs } from "./optimise";

/**
 * Default L2 penalty of the fit (on the mean loss, standardised inputs): weak, only keeps
 * separable classes finite. It is l2/2 sum_c ||w_c||^2 over the C class weight vectors; with
 * two classes the optimum has w_1 = -w_0, so the penalty on the one logit's weights
 * w = w_1 - w_0 is l2/4 ||w||^2.
 */
export const PROBE_L2 = 1e-3;
/** Default iteration cap of the L-BFGS fit (a convex problem in <= a few hundred parameters). */
export const PROBE_MAX_ITER = 300;
/** Default gradient tolerance (max-abs of the gradient of the mean loss). */
export const PROBE_TOL = 1e-6;
/** Options of `fitLogistic` and `logisticProbe`. */
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

/** The labels as a number array, each checked finite (`name` goes in the error). */
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
 * Linear probe: `fitLogistic` on the training rows, evaluated on held-out rows.
 * Deterministic (zero initialisation, full batch).
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
  probeInputs(Xtrain, yTrain, Xtest, yTest, "labels");
  const ytrRaw = labelCodes(yTrain, "yTrain");
  const yteRaw = labelCodes(yTest, "yTest");
  const fit = fitLogistic(Xtrain, ytrRaw, undefined, options);
  const { classes } = fit;
  const predTrain = predictClasses(fit, Xtrain);
  let trainCorrect = 0;
  for (let i = 0; i < Xtrain.rows; i++) if (predTrain[i] === ytrRaw[i]) trainCorrect++;
  const predTest = predictClasses(fit, Xtest);
  const counts = new Map<number, number>();
  for (const v of ytrRaw) counts.set(v, (counts.get(v) ?? 0) + 1);
  let majority = classes[0]!;
  for (const c of classes) if (counts.get(c)! > counts.get(majority)!) majority = c;
  const cls = classificationScores(yteRaw, predTest);
  const majorityAccuracy = yteRaw.length ? yteRaw.filter((v) => v === majority).length / yteRaw.length : NaN;
  const known = new Set(classes);
  return {
    ...cls,
    majorityAccuracy,
    trainAccuracy: trainCorrect / Xtrain.rows,
    classes,
    nTrain: Xtrain.rows,
    nTest: Xtest.rows,
    iterations: fit.iterations,
    converged: fit.converged,
    nUnseenTestLabels: yteRaw.filter((v) => !known.has(v)).length,
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
// The fit

/** A fitted logistic regression on standardised inputs, stored against the first class. */
export interface LogisticFit {
  /** Class labels seen in training, ascending (model order). */
  classes: number[];
  /**
   * `[d, C - 1]` row-major: column k holds the weights of the logit of classes[k + 1] against
   * classes[0] (whose logit is 0). With two classes: `[d]`, the weights of P(classes[1]).
   */
  weights: Float64Array;
  /** `[C - 1]` biases of those logits. */
  bias: Float64Array;
  /** Training-row column means and sds the inputs are standardised with. */
  mean: Float64Array;
  sd: Float64Array;
  iterations: number;
  converged: boolean;
}

/**
 * Multinomial logistic (softmax) regression, min mean cross-entropy + l2/2 ||W||^2 (biases
 * unpenalised, see PROBE_L2), on inputs standardised with the training rows, by L-BFGS from
 * zero (deterministic). Two classes give the binary logistic regression.
 * @param X `[n, d]`; y `[X.rows]` finite class labels (read at the training rows only).
 * @param rows positions in X of the training rows (default: all rows).
 * @throws when fewer than 2 training rows or classes, or on a non-finite label.
 */
export function fitLogistic(
  X: Matrix,
  y: ArrayLike<number>,
  rows?: ArrayLike<number>,
  options: LogisticProbeOptions = {},
): LogisticFit {
  const l2 = options.l2 ?? PROBE_L2;
  if (!(l2 >= 0)) throw new Error(`fitLogistic: l2 must be >= 0, got ${l2}.`);
  if (y.length !== X.rows) throw new Error(`fitLogistic: y has ${y.length} labels but X has ${X.rows} rows.`);
  const d = X.cols;
  const n = rows ? rows.length : X.rows;
  if (n < 2) throw new Error(`fitLogistic: needs at least 2 training rows, got ${n}.`);
  const row = (k: number): number => (rows ? rows[k]! : k);
  const labels: number[] = [];
  for (let k = 0; k < n; k++) {
    const v = y[row(k)]!;
    if (!Number.isFinite(v))
      throw new Error(`fitLogistic: label at row ${row(k)} is ${v}; labels must be finite numbers.`);
    labels.push(v);
  }
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  const C = classes.length;
  if (C < 2)
    throw new Error(
      `fitLogistic needs at least 2 classes in the training labels, got ${C} (${classes.join(", ")}); a classifier needs both classes.`,
    );
  const code = new Map(classes.map((c, i) => [c, i]));
  const yc = Int32Array.from(labels, (v) => code.get(v)!);
  const st = standardiser(X, rows);
  const z = new Float64Array(n * d);
  for (let k = 0; k < n; k++) {
    const o = row(k) * d;
    for (let j = 0; j < d; j++) z[k * d + j] = (X.data[o + j]! - st.mean[j]!) / st.sd[j]!;
  }
  const fit = lbfgs(
    softmaxLoss(z, yc, n, d, C, l2),
    new Float64Array(d * C + C),
    options.maxIter ?? PROBE_MAX_ITER,
    options.tol ?? PROBE_TOL,
  );
  // Softmax is unchanged by subtracting class 0's logit from every logit: store against it.
  const w = fit.x;
  const weights = new Float64Array(d * (C - 1));
  const bias = new Float64Array(C - 1);
  for (let c = 1; c < C; c++) {
    bias[c - 1] = w[d * C + c]! - w[d * C]!;
    for (let j = 0; j < d; j++) weights[j * (C - 1) + c - 1] = w[j * C + c]! - w[j * C]!;
  }
  return { classes, weights, bias, mean: st.mean, sd: st.sd, iterations: fit.iterations, converged: fit.converged };
}

/**
 * Mean softmax cross-entropy + l2/2 ||W||^2 and its gradient, of parameters W `[d, C]` then
 * b `[C]`, for standardised rows z `[n, d]` with class codes yc.
 */
function softmaxLoss(
  z: Float64Array,
  yc: Int32Array,
  n: number,
  d: number,
  C: number,
  l2: number,
): (w: Float64Array, grad: Float64Array) => number {
  const P = d * C + C;
  const probs = new Float64Array(C);
  return (w, grad) => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const zo = i * d;
      let maxLogit = -Infinity;
      for (let c = 0; c < C; c++) {
        let s = w[d * C + c]!;
        for (let j = 0; j < d; j++) s += z[zo + j]! * w[j * C + c]!;
        probs[c] = s;
        if (s > maxLogit) maxLogit = s;
      }
      let sumExp = 0;
      for (let c = 0; c < C; c++) {
        probs[c] = Math.exp(probs[c]! - maxLogit);
        sumExp += probs[c]!;
      }
      const yi = yc[i]!;
      loss -= Math.log(probs[yi]! / sumExp);
      for (let c = 0; c < C; c++) {
        const g = probs[c]! / sumExp - (c === yi ? 1 : 0);
        grad[d * C + c] += g;
        for (let j = 0; j < d; j++) grad[j * C + c] += g * z[zo + j]!;
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
}

/** Logits of classes[1..C-1] against classes[0] for row i of X, into out `[C - 1]`. */
function logitsAgainstFirst(fit: LogisticFit, X: Matrix, i: number, out: Float64Array): void {
  const d = X.cols;
  const K = fit.bias.length;
  if (d !== fit.mean.length) throw new Error(`X has ${d} columns but the logistic fit has ${fit.mean.length}.`);
  out.set(fit.bias);
  for (let j = 0; j < d; j++) {
    const zj = (X.data[i * d + j]! - fit.mean[j]!) / fit.sd[j]!;
    for (let k = 0; k < K; k++) out[k] += zj * fit.weights[j * K + k]!;
  }
}

/** The most probable class label of every row of X (ties: the smaller label). */
export function predictClasses(fit: LogisticFit, X: Matrix): number[] {
  const logits = new Float64Array(fit.bias.length);
  const out: number[] = [];
  for (let i = 0; i < X.rows; i++) {
    logitsAgainstFirst(fit, X, i, logits);
    let best = 0;
    let bestV = 0;
    for (let k = 0; k < logits.length; k++) {
      if (logits[k]! > bestV) {
        bestV = logits[k]!;
        best = k + 1;
      }
    }
    out.push(fit.classes[best]!);
  }
  return out;
}

/** P(y = classes[1]) for every row of X, for a two-class fit (the binary case). */
export function predictLogistic(fit: LogisticFit, X: Matrix): Float64Array {
  if (fit.classes.length !== 2)
    throw new Error(
      `predictLogistic gives P(second class) of a two-class fit, but this fit has ${fit.classes.length} classes; use predictClasses.`,
    );
  const logit = new Float64Array(1);
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    logitsAgainstFirst(fit, X, i, logit);
    out[i] = 1 / (1 + Math.exp(-logit[0]!));
  }
  return out;
}
