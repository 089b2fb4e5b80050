/**
 * Seeded random numbers for everything random in the project.
 *
 * One generator type (xoshiro128**, 32-bit state words) with a splitmix32 seeder, so that
 * the same seed gives the same stream on every platform and backend. `fork(label)` derives
 * an independent stream from a label, so adding a random draw in one place does not shift
 * the numbers drawn in another (weight init, shuffling, noise and sampling each fork).
 * Nothing in lib/ calls Math.random().
 */

/** 2^-32: turns a uint32 into a float in [0, 1). */
const UINT32_TO_UNIT = 1 / 4294967296;

/** splitmix32 step: spreads a 32-bit seed over a well-mixed sequence. */
function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

/** FNV-1a hash of a string, for deriving fork seeds from labels. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded random stream. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;
  /** The seed this stream was created from (for manifests). */
  readonly seed: number;

  /** @param seed any integer; equal seeds give equal streams. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng seed must be a finite number, got ${seed}.`);
    this.seed = seed >>> 0;
    let st = this.seed;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(st);
      st = next;
      words.push(out);
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uint32 (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1). */
  uniform(): number {
    return this.nextUint32() * UINT32_TO_UNIT;
  }

  /** Uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0) || !Number.isInteger(n)) throw new Error(`Rng.int needs a positive integer, got ${n}.`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw (Box-Muller, caching the second value). */
  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return mean + sd * v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Student-t draw with `dof` degrees of freedom, scaled to unit variance when dof > 2. */
  studentT(dof: number): number {
    if (!(dof > 2)) throw new Error(`studentT needs dof > 2 for unit variance, got ${dof}.`);
    const z = this.normal();
    // Chi-square with dof degrees of freedom as a sum of a gamma draw.
    const chi = 2 * this.gamma(dof / 2);
    return (z / Math.sqrt(chi / dof)) * Math.sqrt((dof - 2) / dof);
  }

  /** Gamma(shape, 1) draw (Marsaglia-Tsang). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new Error(`gamma needs shape > 0, got ${shape}.`);
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.uniform() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Poisson draw (Knuth for small means, normal approximation above 50). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 50) return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.uniform();
    } while (p > limit);
    return k - 1;
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** k distinct indices from 0..n-1, sorted ascending (partial Fisher-Yates). */
  sampleIndices(n: number, k: number): Int32Array {
    if (k > n) throw new Error(`Cannot sample ${k} distinct indices from ${n}.`);
    const p = this.permutation(n);
    return p.slice(0, k).sort();
  }

  /** An independent stream derived from this stream's seed and a label. */
  fork(label: string): Rng {
    return new Rng((this.seed ^ hashString(label)) >>> 0);
  }

  /** A function with Math.random's signature, for libraries that take one (umap-js). */
  asFunction(): () => number {
    return () => this.uniform();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Create a seeded stream. */
export function makeRng(seed: number): Rng {
  return new Rng(seed);
}
