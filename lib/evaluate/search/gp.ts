/**
 * A small Gaussian process regressor and the expected-improvement acquisition, the core of
 * the Bayesian search (Snoek, Larochelle & Adams, 2012). Inputs live in the unit cube (see
 * space.ts `encode`), targets are standardised inside, so one set of kernel hyperparameter
 * candidates fits every search.
 *
 * Kernel: Matérn 5/2 with one length scale, k(r) = s² (1 + √5 r/ℓ + 5r²/(3ℓ²)) exp(−√5 r/ℓ),
 * plus a noise variance on the diagonal (training is noisy: seeds, early stopping). The
 * length scale and noise are chosen by maximising the log marginal likelihood over a small
 * grid (robust with the handful of points a search has; no gradient code to get wrong).
 *
 * Linear algebra: the dense Cholesky factorisation of lib/stats (n is the number of trials, tens at most).
 */
import { erfc } from "../../stats/descriptive";
import { cholesky as choleskyFactor, type CholeskyPivot, solveLower, solveUpperT } from "../../stats/linalg";

/** The Gaussian process's pivot check: a non-positive pivot means the noise term is too small. */
const GP_PIVOT: CholeskyPivot = (i, s) => {
  if (!(s > 0))
    throw new Error(
      `cholesky: the matrix is not positive definite (pivot ${i} is ${s}); add a larger diagonal (noise) term.`,
    );
  return s;
};

/** Matérn 5/2 correlation at distance r with length scale ℓ (1 at r = 0). */
export function matern52(r: number, lengthScale: number): number {
  const a = (Math.sqrt(5) * r) / lengthScale;
  return (1 + a + (a * a) / 3) * Math.exp(-a);
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2;
  return Math.sqrt(s);
}

/** Kernel hyperparameters (on standardised targets: signal variance 1). */
export interface GpHyper {
  lengthScale: number;
  /** Noise variance relative to the signal variance. */
  noise: number;
}

/** A fitted Gaussian process. */
export interface GaussianProcess {
  hyper: GpHyper;
  /** Log marginal likelihood of the standardised targets. */
  logMarginalLikelihood: number;
  /** Posterior mean and standard deviation of the latent function at x (original target units). */
  predict(x: ArrayLike<number>): { mean: number; sd: number };
}

/** Length scales tried on the unit cube: from local (0.05) to nearly linear (2). */
export const LENGTH_SCALES = [0.05, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2, 2];
/** Noise variances tried, relative to the standardised signal: near-exact to heavy. */
export const NOISE_LEVELS = [1e-4, 1e-3, 1e-2, 0.05, 0.2];

/**
 * Fit a GP to points X (each in the unit cube) and targets y. With `hyper` given it is used;
 * otherwise the (length scale, noise) pair with the largest log marginal likelihood over
 * LENGTH_SCALES x NOISE_LEVELS is chosen.
 */
export function fitGp(X: ArrayLike<number>[], y: ArrayLike<number>, hyper?: GpHyper): GaussianProcess {
  const n = X.length;
  if (n === 0) throw new Error("fitGp: no points; evaluate at least one configuration first.");
  if (y.length !== n) throw new Error(`fitGp: ${n} points but ${y.length} targets.`);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(y[i]!)) throw new Error(`fitGp: target ${i} is ${y[i]}; pass finite values only.`);
  let mu = 0;
  for (let i = 0; i < n; i++) mu += y[i]!;
  mu /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (y[i]! - mu) ** 2;
  const scale = n > 1 && v > 0 ? Math.sqrt(v / n) : 1;
  const z = Float64Array.from({ length: n }, (_, i) => (y[i]! - mu) / scale);
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) D[i * n + j] = D[j * n + i] = distance(X[i]!, X[j]!);

  const fitWith = (h: GpHyper) => {
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) K[i * n + j] = matern52(D[i * n + j]!, h.lengthScale) + (i === j ? h.noise : 0);
    const L = choleskyFactor(K, n, GP_PIVOT);
    const alpha = solveUpperT(L, solveLower(L, z, n), n);
    let lml = -0.5 * n * Math.log(2 * Math.PI);
    for (let i = 0; i < n; i++) lml += -0.5 * z[i]! * alpha[i]! - Math.log(L[i * n + i]!);
    return { L, alpha, lml };
  };
  let best: { h: GpHyper; L: Float64Array; alpha: Float64Array; lml: number } | null = null;
  const candidates = hyper
    ? [hyper]
    : LENGTH_SCALES.flatMap((l) => NOISE_LEVELS.map((s) => ({ lengthScale: l, noise: s })));
  for (const h of candidates) {
    if (!(h.lengthScale > 0 && h.noise >= 0))
      throw new Error(`fitGp: lengthScale must be > 0 and noise >= 0, got ${h.lengthScale} and ${h.noise}.`);
    let f: ReturnType<typeof fitWith>;
    try {
      f = fitWith(h);
    } catch {
      continue; // numerically singular with this noise (duplicate points): a larger noise will do
    }
    if (!best || f.lml > best.lml) best = { h, ...f };
  }
  if (!best) throw new Error("fitGp: the kernel matrix is singular for every candidate; pass a noise > 0.");
  const { L, alpha, h } = best;
  return {
    hyper: h,
    logMarginalLikelihood: best.lml,
    predict(x) {
      const k = Float64Array.from({ length: n }, (_, i) => matern52(distance(x, X[i]!), h.lengthScale));
      let m = 0;
      for (let i = 0; i < n; i++) m += k[i]! * alpha[i]!;
      const w = solveLower(L, k, n);
      let q = 0;
      for (let i = 0; i < n; i++) q += w[i]! * w[i]!;
      const variance = Math.max(0, 1 - q);
      return { mean: mu + scale * m, sd: scale * Math.sqrt(variance) };
    },
  };
}

/** Standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** Standard normal distribution function. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Expected improvement below `best` (minimisation) of a Gaussian prediction:
 * EI = (best − μ − ξ) Φ(u) + σ φ(u), u = (best − μ − ξ) / σ; max(0, best − μ − ξ) when σ = 0.
 * Never negative; grows with σ at a fixed mean (exploration) and as μ falls (exploitation).
 * @param xi a margin that an improvement must beat (0 = plain EI).
 */
export function expectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  if (!Number.isFinite(mean) || !Number.isFinite(best) || !(sd >= 0))
    throw new Error(`expectedImprovement: mean ${mean}, sd ${sd} and best ${best} must be finite (sd >= 0).`);
  const gain = best - mean - xi;
  if (sd === 0) return Math.max(0, gain);
  const u = gain / sd;
  return Math.max(0, gain * normalCdf(u) + sd * normalPdf(u));
}
