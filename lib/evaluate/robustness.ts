/** robustness.ts */

import type { Autoencoder } from "../models/types";
import type { Rng } from "../runtime/rng";
import { addGaussianNoise, randomMask, type HasFloat32Data } from "./noise";
import { mean, spearman } from "../stats/descriptive";
import { type SummaryOptions, ci } from "./evaluation";

// ---------------------------------------------------------------------------------------
// Noise robustness
// ---------------------------------------------------------------------------------------

/** One corruption of the test input. */
export interface Corruption {
  kind: "gaussian" | "mask";
  /** Noise standard deviation (gaussian) or masked share (mask). */
  level: number;
  /** e.g. "noise 0.25" or "mask 10%". */
  label: string;
}

/** The corruptions of a budget: Gaussian noise at each std, then masking at each share. */
export function corruptionGrid(noiseStds: number[], maskFractions: number[]): Corruption[] {
  return [
    ...noiseStds.map((s) => ({ kind: "gaussian" as const, level: s, label: `noise ${s}` })),
    ...maskFractions.map((f) => ({ kind: "mask" as const, level: f, label: `mask ${Math.round(f * 100)}%` })),
  ];
}

/** Corrupt a copy of x (seeded): Gaussian noise of std `level`, or `level` of the values set to 0 (the training mean). */
export function applyCorruption<T extends HasFloat32Data>(x: T, c: Corruption, rng: Rng): T {
  if (c.kind === "gaussian") return addGaussianNoise(x, c.level, rng);
  if (c.kind === "mask") return randomMask(x, c.level, rng, 0).masked;
  throw new Error(`Unknown corruption kind "${String((c as Corruption).kind)}"; use "gaussian" or "mask".`);
}

/** Share of the top anomaly rows kept under noise: 1% of rows (at least TOP_MIN_ROWS). */
export const TOP_FRACTION = 0.01;
/** Fewest rows in the "top" set, so that small test sets still give a usable overlap. */
export const TOP_MIN_ROWS = 10;

/** Robustness of one model to one corruption. */
export interface RobustnessRow {
  model: string;
  corruption: Corruption["kind"];
  level: number;
  label: string;
  rows: number;
  /** MSE of the reconstruction of the clean input against the clean input. */
  cleanMse: number;
  /** MSE of the reconstruction of the corrupted input against the CLEAN input. */
  noisyMse: number;
  /** noisyMse ÷ cleanMse (1 = unaffected). */
  degradation: number;
  /** Spearman correlation of the per-row anomaly scores (error against the input given) on corrupted vs clean input. */
  spearman: number;
  /** Share of the clean top rows (TOP_FRACTION) still in the top under corruption. */
  topRetained: number;
}

/** Noise-robustness results with per-row errors for paired checks. */
export interface RobustnessResult {
  rows: RobustnessRow[];
  /** `${model}|${label}` -> `[n]` per-row squared error of the noisy-input reconstruction against the clean input. */
  perRow: Map<string, Float64Array>;
  /** model -> `[n]` per-row clean-input error (the clean anomaly score). */
  cleanScores: Map<string, Float64Array>;
}

function rowCount(x: HasFloat32Data): number {
  const m = x as unknown as { rows?: number; n?: number };
  const n = m.rows ?? m.n;
  if (typeof n !== "number") throw new Error("noiseRobustness: input must be a Matrix (rows) or Windows (n).");
  return n;
}

/** Per-row mean of (a - b)^2 for `[n, width]` buffers. */
function perRowSquared(a: Float32Array, b: Float32Array, n: number): Float64Array {
  const w = a.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * w, end = j + w; j < end; j++) {
      const d = a[j]! - b[j]!;
      s += d * d;
    }
    out[i] = s / w;
  }
  return out;
}

function topSet(scores: Float64Array, k: number): Set<number> {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return new Set(idx.slice(0, k));
}

/**
 * Feed corrupted copies of the clean test input to every model. Each corruption is drawn
 * once (from `rng.fork(label)`) and given to all models, so models are compared on the same
 * noise. Two questions per model and corruption: how far is the reconstruction from the
 * clean input (a denoiser should stay close), and does the anomaly ranking survive (the
 * score is the error against the input the model was given, as a detector would compute it)?
 */
export function noiseRobustness<X extends HasFloat32Data>(
  models: { name: string; model: Pick<Autoencoder<X>, "reconstruct"> }[],
  clean: X,
  corruptions: Corruption[],
  rng: Rng,
  options: { topFraction?: number } = {},
): RobustnessResult {
  const n = rowCount(clean);
  const k = Math.min(n, Math.max(TOP_MIN_ROWS, Math.round(n * (options.topFraction ?? TOP_FRACTION))));
  const cleanScores = new Map<string, Float64Array>();
  const cleanTop = new Map<string, Set<number>>();
  for (const { name, model } of models) {
    const s = perRowSquared(model.reconstruct(clean).data, clean.data, n);
    cleanScores.set(name, s);
    cleanTop.set(name, topSet(s, k));
  }
  const rows: RobustnessRow[] = [];
  const perRow = new Map<string, Float64Array>();
  for (const c of corruptions) {
    const noisy = applyCorruption(clean, c, rng.fork(c.label));
    for (const { name, model } of models) {
      const recon = model.reconstruct(noisy).data;
      const vsClean = perRowSquared(recon, clean.data, n);
      const score = perRowSquared(recon, noisy.data, n);
      perRow.set(`${name}|${c.label}`, vsClean);
      const top = topSet(score, k);
      let kept = 0;
      for (const i of cleanTop.get(name)!) if (top.has(i)) kept++;
      const cm = mean(cleanScores.get(name)!);
      const nm = mean(vsClean);
      rows.push({
        model: name,
        corruption: c.kind,
        level: c.level,
        label: c.label,
        rows: n,
        cleanMse: cm,
        noisyMse: nm,
        degradation: nm / cm,
        spearman: spearman(score, cleanScores.get(name)!),
        topRetained: kept / k,
      });
    }
  }
  return { rows, perRow, cleanScores };
}

/** A paired noise comparison of two models under one corruption. */
export interface NoiseComparison {
  a: string;
  b: string;
  label: string;
  meanA: number;
  meanB: number;
  /** Mean of (a - b) per-row error against the clean input; negative = a denoises better. */
  difference: number;
  lo: number;
  hi: number;
}

/**
 * Is model a closer to the clean input than model b under a corruption? Mean per-row
 * difference with a cluster-bootstrap interval over tokens (`groups`: token per test row).
 */
export function compareUnderNoise(
  result: RobustnessResult,
  a: string,
  b: string,
  label: string,
  groups: ArrayLike<number>,
  o: SummaryOptions,
): NoiseComparison {
  const ea = result.perRow.get(`${a}|${label}`),
    eb = result.perRow.get(`${b}|${label}`);
  if (!ea || !eb)
    throw new Error(
      `compareUnderNoise: no per-row errors for ${!ea ? a : b} under "${label}". Models: ${[...result.cleanScores.keys()].join(", ")}.`,
    );
  const diff = new Float64Array(ea.length);
  for (let i = 0; i < diff.length; i++) diff[i] = ea[i]! - eb[i]!;
  const rows = Int32Array.from({ length: diff.length }, (_, i) => i);
  const d = ci(diff, groups, rows, o, `noise|${a}-${b}|${label}`);
  return { a, b, label, meanA: mean(ea), meanB: mean(eb), difference: d.estimate, lo: d.lo, hi: d.hi };
}
