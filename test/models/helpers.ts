/**
 * Shared fixtures of the model tests: data with a known low-rank structure, built from the
 * project's seeded Rng so every run sees the same numbers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Matrix, Windows } from "../../lib/runtime/matrix";
import { Rng } from "../../lib/runtime/rng";

/**
 * Rows `[n, d]` = Z A + noise with Z `[n, rank]` standard normal and A `[rank, d]` fixed
 * (drawn from `new Rng(99)`), scaled so every feature has variance about 1.
 */
export function lowRankRows(n: number, d: number, rank: number, noiseStd: number, seed: number): Matrix {
  const aRng = new Rng(99);
  const a = Array.from({ length: rank * d }, () => aRng.normal() / Math.sqrt(rank));
  const rng = new Rng(seed);
  const data = new Float32Array(n * d);
  const z = new Float64Array(rank);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < rank; r++) z[r] = rng.normal();
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let r = 0; r < rank; r++) s += z[r]! * a[r * d + j]!;
      data[i * d + j] = s + noiseStd * rng.normal();
    }
  }
  return { data, rows: n, cols: d };
}

/**
 * Windows `[n, length, features]` of two shared temporal patterns (a slow and a fast sine,
 * random amplitude and phase per window, a fixed mix per feature) plus noise.
 */
export function patternWindows(n: number, length: number, features: number, noiseStd: number, seed: number): Windows {
  const rng = new Rng(seed);
  const mix = new Rng(98);
  const wSlow = Array.from({ length: features }, () => mix.normal());
  const wFast = Array.from({ length: features }, () => mix.normal());
  const data = new Float32Array(n * length * features);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    const phase = rng.uniform() * 2 * Math.PI;
    for (let t = 0; t < length; t++) {
      const slow = a * Math.sin((2 * Math.PI * t) / length + phase);
      const fast = b * Math.sin((6 * Math.PI * t) / length + phase);
      for (let f = 0; f < features; f++) {
        data[(i * length + t) * features + f] = (slow * wSlow[f]! + fast * wFast[f]!) / 1.5 + noiseStd * rng.normal();
      }
    }
  }
  return { data, n, length, features };
}

/** Mean squared error between two equal-length buffers, in float64. */
export function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const e = a[i]! - b[i]!;
    s += e * e;
  }
  return s / a.length;
}

/** MSE of predicting every value by its column mean (the baseline every model must beat). */
export function meanBaselineMse(x: Float32Array, width: number): number {
  const n = x.length / width;
  const mean = new Float64Array(width);
  for (let i = 0; i < x.length; i++) mean[i % width] += x[i]! / n;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const e = x[i]! - mean[i % width]!;
    s += e * e;
  }
  return s / x.length;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Largest absolute difference between two buffers. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
