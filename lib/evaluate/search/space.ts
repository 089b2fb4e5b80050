/**
 * Search spaces of the hyperparameter search strategies (grid, Bayesian, successive halving)
 * for every autoencoder kind: what can vary, over which range and on which scale, which
 * values the grid visits, and the project's default configuration for comparison.
 *
 * A configuration (`Params`) is a flat record of numbers (latent size, learning rate, depth,
 * width, and per kind the VAE's beta, the DAE's noise level or the Conv1D kernel size), so
 * every strategy treats every kind alike. Strategies that need a geometry (the Gaussian
 * process) see a configuration through `encode`: each dimension mapped to [0, 1], the
 * learning rate and beta on a log scale, integers and choices rounded back by `decode`.
 */
import type { Rng } from "../../runtime/rng";

/** The model kinds the search covers (PCA has no hyperparameter to search but its rank). */
export const SEARCH_KINDS = ["ae", "dae", "vae", "conv1d"] as const;
/** A searchable model kind. */
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** One searchable hyperparameter. */
export type Dimension =
  /** Integers low..high inclusive (latent size, depth). */
  | { name: string; type: "int"; low: number; high: number }
  /** Reals in [low, high]; `log` searches log(value) uniformly (learning rate, beta). */
  | { name: string; type: "float"; low: number; high: number; log?: boolean }
  /** Ordered numeric choices (widths, kernel sizes): the unit interval is cut into equal cells. */
  | { name: string; type: "choice"; values: number[] };

/** A configuration: one number per dimension name (and the fixed values of the space). */
export type Params = Record<string, number>;

/** A search space of one model kind. */
export interface SearchSpace {
  kind: SearchKind;
  dimensions: Dimension[];
  /** Values the grid strategy visits per dimension; a dimension left out stays at its default. */
  grid: Record<string, number[]>;
  /**
   * The reference configuration (the model notebooks' choice): every dimension has a value;
   * entries that are not dimensions are fixed settings carried by every configuration.
   */
  defaults: Params;
}

/** What a space builder needs to know about the data. */
export interface SpaceContext {
  /** Features per row (the dense models' input width; the Conv1D model's channels). */
  nFeatures: number;
  /** Conv1D only: steps per window. */
  windowLength?: number;
}

/** Learning-rate range of every kind: Adam trains these small networks between 3e-4 and 1e-2 (wider only diverges or crawls). */
export const LEARNING_RATE_RANGE: [number, number] = [3e-4, 1e-2];
/** Grid levels of the learning rate: the two ends and their geometric middle (1.7e-3). */
export const LEARNING_RATE_GRID = [3e-4, 1.7e-3, 1e-2];
/** The project's default learning rate (lib/train/fit.ts DEFAULT_LEARNING_RATE). */
const DEFAULT_LR = 1e-3;
/** Dense depth 1..3 hidden layers: the networks of notebooks 02-04 have 2; a fourth adds nothing at 17 features. */
const DENSE_DEPTH: [number, number] = [1, 3];
/** First hidden layer widths; deeper layers halve it (32 -> 32-16, the default). */
const DENSE_WIDTHS = [16, 32, 64];
/** Largest latent size searched for row models: three quarters of the default profile's 17 features. */
const MAX_DENSE_LATENT = 12;
/** Latent sizes the grid visits (those below the number of features). */
const DENSE_LATENT_GRID = [2, 4, 8, 12];
/** VAE beta range on a log scale around notebook 03's 0.25: 1 is the true ELBO; below favours reconstruction, above disentanglement. */
const BETA_RANGE: [number, number] = [0.05, 2];
/** VAE KL warm-up epochs in a trial: notebook 03 warms up over a sixth of its epochs; trials are short, so 2. */
const VAE_WARMUP_EPOCHS = 2;
/** DAE masked share during training, fixed at notebook 04's 10% (the noise level is searched). */
const DAE_MASK_FRACTION = 0.1;
/** DAE training noise range (standardised units) around the default 0.2. */
const NOISE_RANGE: [number, number] = [0.05, 0.5];
/** Conv1D: first-layer filters (doubling per layer, as the default [16, 32]). */
const CONV_WIDTHS = [8, 16, 32];
/** Conv1D kernel sizes: odd, centred, up to a week of daily steps. */
const CONV_KERNELS = [3, 5, 7];
/** Conv1D depth: 1..3 stride-2 layers (a 16-step window halves to 2 steps at depth 3). */
const CONV_DEPTH: [number, number] = [1, 3];
/** Conv1D latent sizes: 2..32 per window. */
const CONV_LATENT: [number, number] = [2, 32];

/**
 * The default search space of a kind: latent size x learning rate x depth x width for every
 * kind, plus beta (VAE), training noise (DAE), and kernel size (Conv1D). The grid visits
 * latent x learning rate x depth x width (and kernel size for Conv1D); beta and the noise
 * level stay at their defaults on the grid (the other strategies search them).
 */
export function defaultSpace(kind: SearchKind, ctx: SpaceContext): SearchSpace {
  if (!(SEARCH_KINDS as readonly string[]).includes(kind))
    throw new Error(`defaultSpace: kind "${kind}" is not searched; use one of ${SEARCH_KINDS.join(", ")}.`);
  if (!Number.isInteger(ctx.nFeatures) || ctx.nFeatures < 2)
    throw new Error(
      `defaultSpace: nFeatures must be an integer >= 2 (a code needs fewer dimensions), got ${ctx.nFeatures}.`,
    );
  const lr: Dimension = {
    name: "learningRate",
    type: "float",
    low: LEARNING_RATE_RANGE[0],
    high: LEARNING_RATE_RANGE[1],
    log: true,
  };
  if (kind === "conv1d") {
    const L = ctx.windowLength;
    if (L === undefined || !Number.isInteger(L) || L < 4)
      throw new Error(`defaultSpace("conv1d"): windowLength must be an integer >= 4, got ${L}.`);
    const maxLatent = Math.min(CONV_LATENT[1], L * ctx.nFeatures - 1);
    // Each stride-2 layer halves the length; keep at least 2 steps at the bottleneck.
    const maxDepth = Math.max(1, Math.min(CONV_DEPTH[1], Math.floor(Math.log2(L / 2))));
    const kernels = CONV_KERNELS.filter((k) => k <= L);
    const latentGrid = [4, 8, 16].filter((k) => k <= maxLatent);
    return {
      kind,
      dimensions: [
        { name: "latentDim", type: "int", low: CONV_LATENT[0], high: maxLatent },
        lr,
        { name: "depth", type: "int", low: CONV_DEPTH[0], high: maxDepth },
        { name: "width", type: "choice", values: CONV_WIDTHS },
        { name: "kernelSize", type: "choice", values: kernels },
      ],
      grid: {
        latentDim: latentGrid.length ? latentGrid : [maxLatent],
        learningRate: LEARNING_RATE_GRID,
        depth: [1, Math.min(2, maxDepth)].filter((v, i, a) => a.indexOf(v) === i),
        width: [8, 16],
        kernelSize: kernels.slice(0, 2),
      },
      defaults: {
        latentDim: Math.min(16, maxLatent),
        learningRate: DEFAULT_LR,
        depth: Math.min(2, maxDepth),
        width: 16,
        kernelSize: 3,
      },
    };
  }
  const maxLatent = Math.min(MAX_DENSE_LATENT, ctx.nFeatures - 1);
  const latentGrid = DENSE_LATENT_GRID.filter((k) => k <= maxLatent);
  const space: SearchSpace = {
    kind,
    dimensions: [
      { name: "latentDim", type: "int", low: Math.min(2, maxLatent), high: maxLatent },
      lr,
      { name: "depth", type: "int", low: DENSE_DEPTH[0], high: DENSE_DEPTH[1] },
      { name: "width", type: "choice", values: DENSE_WIDTHS },
    ],
    grid: {
      latentDim: latentGrid.length ? latentGrid : [maxLatent],
      learningRate: LEARNING_RATE_GRID,
      depth: [1, 2, 3],
      width: [16, 64],
    },
    defaults: { latentDim: Math.min(8, maxLatent), learningRate: DEFAULT_LR, depth: 2, width: 32 },
  };
  if (kind === "vae") {
    space.dimensions.push({ name: "beta", type: "float", low: BETA_RANGE[0], high: BETA_RANGE[1], log: true });
    space.defaults.beta = 0.25;
    space.defaults.warmupEpochs = VAE_WARMUP_EPOCHS;
  }
  if (kind === "dae") {
    space.dimensions.push({ name: "noiseStd", type: "float", low: NOISE_RANGE[0], high: NOISE_RANGE[1] });
    space.defaults.noiseStd = 0.2;
    space.defaults.maskFraction = DAE_MASK_FRACTION;
  }
  return space;
}

/** Throw unless the space is usable: named, ordered, non-empty dimensions; defaults and grid inside them. */
export function checkSpace(space: SearchSpace): void {
  if (!space || !Array.isArray(space.dimensions) || space.dimensions.length === 0)
    throw new Error("Search space: dimensions must be a non-empty list; build one with defaultSpace(kind, ...).");
  const names = new Set<string>();
  for (const d of space.dimensions) {
    if (typeof d.name !== "string" || d.name === "" || names.has(d.name))
      throw new Error(`Search space: dimension names must be unique non-empty strings, got "${d.name}".`);
    names.add(d.name);
    if (d.type === "choice") {
      if (!Array.isArray(d.values) || d.values.length === 0 || d.values.some((v) => !Number.isFinite(v)))
        throw new Error(
          `Search space: choice "${d.name}" needs a non-empty list of finite numbers, got ${JSON.stringify(d.values)}.`,
        );
      for (let i = 1; i < d.values.length; i++)
        if (!(d.values[i]! > d.values[i - 1]!))
          throw new Error(
            `Search space: choice "${d.name}" values must increase (they are ordered levels), got ${JSON.stringify(d.values)}.`,
          );
    } else if (d.type === "int" || d.type === "float") {
      if (!(Number.isFinite(d.low) && Number.isFinite(d.high) && d.low <= d.high))
        throw new Error(`Search space: "${d.name}" needs finite low <= high, got [${d.low}, ${d.high}].`);
      if (d.type === "int" && !(Number.isInteger(d.low) && Number.isInteger(d.high)))
        throw new Error(`Search space: integer "${d.name}" needs integer bounds, got [${d.low}, ${d.high}].`);
      if (d.type === "float" && d.log && !(d.low > 0))
        throw new Error(`Search space: log-scaled "${d.name}" needs low > 0, got ${d.low}.`);
    } else {
      throw new Error(
        `Search space: dimension type "${(d as { type: string }).type}" is unknown; use int, float or choice.`,
      );
    }
    const v = space.defaults?.[d.name];
    if (v === undefined || !contains(d, v))
      throw new Error(`Search space: default ${d.name} = ${v} is outside the dimension; give a default inside it.`);
    for (const g of space.grid?.[d.name] ?? [])
      if (!contains(d, g)) throw new Error(`Search space: grid value ${d.name} = ${g} is outside the dimension.`);
  }
  for (const name of Object.keys(space.grid ?? {}))
    if (!names.has(name))
      throw new Error(`Search space: grid names "${name}", which is not a dimension (${[...names].join(", ")}).`);
}

function contains(d: Dimension, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  if (d.type === "choice") return d.values.includes(v);
  if (d.type === "int" && !Number.isInteger(v)) return false;
  return v >= d.low && v <= d.high;
}

/** Significant digits kept for real values (readable tables, distinct keys). */
const DIGITS = 3;

/** Map one dimension's value to [0, 1] (log scale where asked; a choice to the centre of its cell). */
function toUnit(d: Dimension, v: number): number {
  if (d.type === "choice") {
    const i = d.values.indexOf(v);
    if (i < 0) throw new Error(`encode: ${d.name} = ${v} is not one of ${d.values.join(", ")}.`);
    return (i + 0.5) / d.values.length;
  }
  if (d.high === d.low) return 0.5;
  if (d.type === "float" && d.log) return (Math.log(v) - Math.log(d.low)) / (Math.log(d.high) - Math.log(d.low));
  if (d.type === "int") return (v - d.low + 0.5) / (d.high - d.low + 1);
  return (v - d.low) / (d.high - d.low);
}

/** Map u in [0, 1] back to a valid value (integers and choices rounded to their cell). */
function fromUnit(d: Dimension, u: number): number {
  const c = Math.min(1, Math.max(0, u));
  if (d.type === "choice") return d.values[Math.min(d.values.length - 1, Math.floor(c * d.values.length))]!;
  if (d.type === "int") return Math.min(d.high, d.low + Math.floor(c * (d.high - d.low + 1)));
  const v = d.log ? Math.exp(Math.log(d.low) + c * (Math.log(d.high) - Math.log(d.low))) : d.low + c * (d.high - d.low);
  return Math.min(d.high, Math.max(d.low, Number(v.toPrecision(DIGITS))));
}

/** A configuration as a point of the unit cube `[nDimensions]` (the Gaussian process's input). */
export function encode(space: SearchSpace, p: Params): Float64Array {
  return Float64Array.from(space.dimensions, (d) => {
    const v = p[d.name];
    if (v === undefined) throw new Error(`encode: the configuration has no ${d.name}.`);
    return toUnit(d, v);
  });
}

/** The configuration at a point u of the unit cube (rounded to valid values; the space's other defaults kept). */
export function decode(space: SearchSpace, u: ArrayLike<number>): Params {
  if (u.length !== space.dimensions.length)
    throw new Error(
      `decode: the point has ${u.length} coordinates but the space ${space.dimensions.length} dimensions.`,
    );
  const p: Params = { ...space.defaults };
  space.dimensions.forEach((d, j) => {
    p[d.name] = fromUnit(d, u[j]!);
  });
  return p;
}

/** A configuration drawn uniformly from the space (log-uniformly on log dimensions). */
export function sampleParams(space: SearchSpace, rng: Rng): Params {
  return decode(
    space,
    space.dimensions.map(() => rng.uniform()),
  );
}

/** A stable text key (equal configurations, equal keys). */
export function paramsKey(p: Params): string {
  return Object.keys(p)
    .sort()
    .map((k) => `${k}=${p[k]}`)
    .join("|");
}

/** Number of configurations a space holds (Infinity when a real dimension varies). */
export function spaceSize(space: SearchSpace): number {
  let n = 1;
  for (const d of space.dimensions) {
    if (d.type === "choice") n *= d.values.length;
    else if (d.type === "int") n *= d.high - d.low + 1;
    else if (d.high > d.low) return Infinity;
  }
  return n;
}

/**
 * Every configuration of the grid: the cartesian product of `space.grid` (dimensions not
 * listed keep their default), first dimension slowest.
 */
export function gridPoints(space: SearchSpace): Params[] {
  checkSpace(space);
  let points: Params[] = [{ ...space.defaults }];
  for (const d of space.dimensions) {
    const levels = space.grid[d.name];
    if (!levels || levels.length === 0) continue;
    const next: Params[] = [];
    for (const p of points) for (const v of levels) next.push({ ...p, [d.name]: v });
    points = next;
  }
  return points;
}

/** Short text of a configuration, e.g. "latent 8, lr 1.0e-3, depth 2, width 32". */
export function describeParams(space: SearchSpace, p: Params): string {
  const names: Record<string, string> = {
    latentDim: "latent",
    learningRate: "lr",
    depth: "depth",
    width: "width",
    beta: "β",
    noiseStd: "noise",
    kernelSize: "kernel",
  };
  return space.dimensions
    .map((d) => {
      const v = p[d.name]!;
      const text = d.name === "learningRate" ? v.toExponential(1) : String(v);
      return `${names[d.name] ?? d.name} ${text}`;
    })
    .join(", ");
}
