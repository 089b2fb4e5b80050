/**
 * Corruptions for robustness tests: how much does a model's reconstruction or latent code
 * change when its input is noisy or partly missing?
 *
 * Both functions return a new container of the same kind as the input (a Matrix
 * `[rows, cols]` or Windows `[n, length, features]`, anything with a Float32 `data` buffer)
 * and never touch the input. Randomness comes from the given stream, so a seed reproduces
 * the corruption exactly. NaN inputs stay NaN under noise (NaN + noise is NaN).
 */

import { toRng, type RngLike } from "../stats/descriptive";

/** Anything with a Float32 buffer: Matrix `[rows, cols]`, Windows `[n, length, features]`. */
export interface HasFloat32Data {
  readonly data: Float32Array;
}

/**
 * Add independent N(0, std^2) noise to every value.
 * @param X the clean values (not modified).
 * @param std noise standard deviation >= 0, in the units of X (for standardised features, a
 *   fraction of one feature standard deviation).
 * @returns a copy of X with `data` replaced by the noisy values.
 */
export function addGaussianNoise<T extends HasFloat32Data>(X: T, std: number, rng: RngLike): T {
  if (!(std >= 0) || !Number.isFinite(std))
    throw new Error(`addGaussianNoise: std must be a finite number >= 0, got ${std}.`);
  const r = toRng(rng);
  const src = X.data;
  const data = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = src[i]! + r.normal(0, std);
  return { ...X, data };
}

/** A masked copy and where the mask fell. */
export interface MaskResult<T extends HasFloat32Data> {
  /** Copy of the input with masked values replaced by the fill value. */
  masked: T;
  /** `[data.length]` 1 where a value was masked, aligned with `data`. */
  mask: Uint8Array;
  /** Values masked: exactly round(fraction * data.length). */
  nMasked: number;
}

/**
 * Replace a random subset of values by `fillValue` (0 = the training mean of standardised
 * features). Exactly round(fraction * size) values are masked, chosen uniformly without
 * replacement (partial Fisher-Yates), so the masked fraction is exact up to rounding.
 * @param fraction in [0, 1].
 */
export function randomMask<T extends HasFloat32Data>(
  X: T,
  fraction: number,
  rng: RngLike,
  fillValue = 0,
): MaskResult<T> {
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`randomMask: fraction must be in [0, 1], got ${fraction}.`);
  const r = toRng(rng);
  const size = X.data.length;
  const k = Math.round(fraction * size);
  const data = Float32Array.from(X.data);
  const mask = new Uint8Array(size);
  const perm = new Int32Array(size);
  for (let i = 0; i < size; i++) perm[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + r.int(size - i);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
    const p = perm[i]!;
    mask[p] = 1;
    data[p] = fillValue;
  }
  return { masked: { ...X, data }, mask, nMasked: k };
}
