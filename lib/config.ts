/**
 * The one configuration object: project paths, the run profile (ci | default | full), the
 * data source and the seed. Environment variables choose among them so that the notebook
 * runner, CI and a person in Jupyter all run the same notebooks without editing them:
 *
 *   CAE_PROFILE        ci | default | full              (default: default)
 *   CAE_SOURCE         synthetic | kaggle | binance | coingecko | csv | close   (default: synthetic)
 *   CAE_DATA_PATH      folder or file for a real source (default: data/raw/<source>)
 *   CAE_CREDITCARD     path to creditcard.csv             (default: data/raw/creditcard.csv)
 *   CAE_BACKEND        tensorflow | wasm | cpu            (default: best that loads)
 *   CAE_SEED           integer seed                       (default: 20240607)
 *   CAE_ROOT           project root                       (default: found from this file)
 *   CAE_OUT            where generated outputs go: data/processed, models, figures,
 *                      report (default: the project root; tests use a scratch folder)
 *   CAE_MAX_EPOCHS     positive integer: no training runs more epochs than this, whatever
 *                      its own budget (default: no cap). For a quick look at every notebook
 *                      and for the memory bench (peak memory is set by the data's size, not
 *                      by the number of epochs); a capped run's models are undertrained and
 *                      its results are not real results: every notebook and manifest says so.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The run profiles, smallest first. */
export const PROFILES = ["ci", "default", "full"] as const;
export type ProfileName = (typeof PROFILES)[number];

/** The data sources a Panel can come from. */
export const SOURCES = ["synthetic", "kaggle", "binance", "coingecko", "csv", "close"] as const;
export type SourceName = (typeof SOURCES)[number];

/** The compute backends, in order of preference. */
export const BACKENDS = ["tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The default seed: any fixed integer; this one is the project's birthday. */
export const DEFAULT_SEED = 20240607;

/** Sizes and budgets that differ between profiles. */
export interface ProfileSettings {
  /** Synthetic market: number of tokens. */
  nTokens: number;
  /** Synthetic market: number of calendar days. */
  nDays: number;
  /** Maximum training epochs (early stopping usually ends sooner). */
  maxEpochs: number;
  /** Mini-batch size. */
  batchSize: number;
  /** Early-stopping patience in epochs. */
  patience: number;
  /** Most points given to one UMAP run (stratified sample above it). */
  umapMaxPoints: number;
  /** Window length in days for the Conv1D model. */
  windowLength: number;
  /** Stride in days between consecutive windows of one token. */
  windowStride: number;
  /** Credit-card stand-in rows (when the real file is absent). */
  creditCardRows: number;
  /** Most normal rows used to train on the credit-card data. */
  creditCardMaxTrain: number;
  /** Hyperparameter search: number of trials. */
  hpoTrials: number;
  /** Per-cell timeout of the notebook runner, seconds. */
  cellTimeoutSeconds: number;
}

/** Profile settings. ci must keep the whole test suite well under 15 minutes on 2 cores. */
export const PROFILE_SETTINGS: Record<ProfileName, ProfileSettings> = {
  ci: {
    nTokens: 24,
    nDays: 420,
    maxEpochs: 12,
    batchSize: 128,
    patience: 3,
    umapMaxPoints: 1200,
    windowLength: 16,
    windowStride: 4,
    creditCardRows: 6000,
    creditCardMaxTrain: 4000,
    hpoTrials: 3,
    cellTimeoutSeconds: 300,
  },
  default: {
    nTokens: 150, // 160 until 2026-12 (6% fewer token-days to train on); at least 150 tokens over 4 years is the default market's stated size
    nDays: 1500,
    maxEpochs: 150,
    batchSize: 256,
    patience: 10,
    umapMaxPoints: 6000,
    windowLength: 30,
    windowStride: 10, // 5 until 2026-12: half the training windows (Conv1D training was 280 of the default run's ~1,700 CPU s); every token-day is still scored
    creditCardRows: 60000,
    creditCardMaxTrain: 40000,
    hpoTrials: 10,
    cellTimeoutSeconds: 1800,
  },
  full: {
    nTokens: 1000,
    nDays: 2200,
    maxEpochs: 150,
    batchSize: 512,
    patience: 10,
    umapMaxPoints: 30000,
    windowLength: 30,
    windowStride: 3,
    creditCardRows: 284807,
    creditCardMaxTrain: 150000,
    hpoTrials: 30,
    cellTimeoutSeconds: 7200,
  },
};

/** Resolved project paths (all absolute). */
export interface Paths {
  root: string;
  raw: string;
  processed: string;
  models: string;
  figures: string;
  report: string;
  notebooks: string;
}

/** The configuration of one run. */
export interface Config {
  profile: ProfileName;
  settings: ProfileSettings;
  source: SourceName;
  /** Folder or file of a real source; null for synthetic. */
  dataPath: string | null;
  creditCardPath: string;
  /** Forced backend, or null to take the best that loads. */
  backend: BackendName | null;
  seed: number;
  /** Run-wide cap on every training's epochs (CAE_MAX_EPOCHS), or null for none. */
  epochCap: number | null;
  paths: Paths;
}

/** Find the project root: the nearest folder upwards that holds package.json and lib/. */
export function findRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "lib", "config.ts"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(
        `Cannot find the project root above ${start}: set CAE_ROOT to the folder that holds package.json.`,
      );
    dir = parent;
  }
}

function pick<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === "") return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`Unknown ${name} "${value}". Allowed: ${allowed.join(", ")}.`);
}

/**
 * The run-wide epoch cap from CAE_MAX_EPOCHS: a positive integer, or null when unset/empty.
 * The training loop (lib/train/fit.ts) applies it to every fit, so no caller can miss it.
 * @throws on anything but a positive integer, naming the value and the fix.
 */
export function epochCapFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.CAE_MAX_EPOCHS;
  if (raw === undefined || raw.trim() === "") return null;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < 1)
    throw new Error(
      `CAE_MAX_EPOCHS must be a positive integer (the most epochs any training may run), got "${raw}". Unset it for no cap.`,
    );
  return n;
}

/** Build the run configuration from environment variables (or an explicit env object). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const root = env.CAE_ROOT ? path.resolve(env.CAE_ROOT) : findRoot();
  const profile = pick("profile (CAE_PROFILE)", env.CAE_PROFILE, PROFILES, "default");
  const source = pick("data source (CAE_SOURCE)", env.CAE_SOURCE, SOURCES, "synthetic");
  const backend = env.CAE_BACKEND ? pick("backend (CAE_BACKEND)", env.CAE_BACKEND, BACKENDS, "wasm") : null;
  let seed = DEFAULT_SEED;
  if (env.CAE_SEED !== undefined && env.CAE_SEED !== "") {
    seed = Number(env.CAE_SEED);
    if (!Number.isInteger(seed) || seed < 0)
      throw new Error(`CAE_SEED must be a non-negative integer, got "${env.CAE_SEED}".`);
  }
  const out = env.CAE_OUT ? path.resolve(root, env.CAE_OUT) : root;
  const paths: Paths = {
    root,
    raw: path.join(root, "data", "raw"),
    processed: path.join(out, "data", "processed"),
    models: path.join(out, "models"),
    figures: path.join(out, "figures"),
    report: path.join(out, "report"),
    notebooks: path.join(root, "notebooks"),
  };
  const dataPath =
    source === "synthetic" ? null : path.resolve(root, env.CAE_DATA_PATH || path.join("data", "raw", source));
  const creditCardPath = path.resolve(root, env.CAE_CREDITCARD || path.join("data", "raw", "creditcard.csv"));
  const epochCap = epochCapFromEnv(env);
  return {
    profile,
    settings: PROFILE_SETTINGS[profile],
    source,
    dataPath,
    creditCardPath,
    backend,
    seed,
    epochCap,
    paths,
  };
}
