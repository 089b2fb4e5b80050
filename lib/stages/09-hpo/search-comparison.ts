/**
 * Notebook 09's orchestration: the three search strategies (grid, Bayesian, successive
 * halving; lib/evaluate/search) compared on one budget and several seeds, for every
 * autoencoder kind, with each winner then scored once on the test split, against the default
 * configuration and PCA of the same latent size, and on a criterion beyond reconstruction:
 * - with labelled anomalies (the synthetic market): ROC-AUC of the reconstruction error on the
 *   held-out (validation + test) token-days;
 * - without labels (real data): where documented market-wide crash days rank in a stress index
 *   (share of tokens whose error is above its 99th percentile, per held-out day).
 * Neither labels nor events are ever seen by the search.
 */
import type { ProfileName } from "../../config";
import type { Dataset } from "../../features/dataset";
import { splitMatrix, splitWindows } from "../../features/dataset";
import type { Matrix, Windows } from "../../runtime/matrix";
import { flattenWindows, takeWindows } from "../../runtime/matrix";
import type { Rng } from "../../runtime/rng";
import { stratifiedRows } from "../../evaluate/hpo";
import { quantile } from "../../stats/descriptive";
import { rocAuc } from "../../stats/roc";
import { KNOWN_MARKET_EVENTS, marketEventDays } from "../../data/market-events";
import { createModel } from "../../models/load";
import type { AnyAutoencoder, RowModel } from "../../models/types";
import {
  type Params,
  type SearchData,
  type SearchKind,
  type SearchObjective,
  type SearchResult,
  type SearchSpace,
  type StrategyName,
  defaultSpace,
  meanReconstructionMse,
  modelObjective,
  runStrategy,
  validationObjective,
} from "../../evaluate/search/index";

/** Budgets of one comparison. */
export interface ComparisonBudget {
  /** Epochs of one full trial (grid/Bayesian trial; halving's last rung). */
  epochsPerTrial: number;
  /** Epochs per search for the main comparison (AE, every seed). */
  mainBudget: number;
  /** Epochs per search for each other kind (first seed only). */
  kindBudget: number;
  /** Search seeds of the main comparison. */
  seeds: number;
  /** Most training rows (windows for Conv1D) and validation rows in a search. */
  maxTrainRows: number;
  maxValidationRows: number;
}

/**
 * Per profile. ci: tiny (every code path, seconds per search). default: ten full trials of 6
 * epochs per AE search (five random, five GP-guided for the Bayesian one), three seeds, on 8k
 * training rows (a stratified sample: 50 per token; ~0.06 s per epoch on wasm); the other kinds
 * get three full trials per strategy (18 epochs). Trials were 8 epochs until the default run
 * had to fit in 8 minutes: the searches were 130 of notebook 09's 138 CPU s (15k rows took 93
 * CPU s for the main comparison and 137 for the other kinds, in 2026-12). Shorter trials rank
 * configurations on a noisier, earlier loss; the test error of each winner is still scored
 * once after selection. full: twice the trials.
 */
export const COMPARISON_BUDGETS: Record<ProfileName, ComparisonBudget> = {
  ci: { epochsPerTrial: 3, mainBudget: 12, kindBudget: 4, seeds: 2, maxTrainRows: 2000, maxValidationRows: 1000 },
  default: {
    epochsPerTrial: 6,
    mainBudget: 60,
    kindBudget: 18,
    seeds: 3,
    maxTrainRows: 8_000,
    maxValidationRows: 3_000,
  },
  full: {
    epochsPerTrial: 10,
    mainBudget: 200,
    kindBudget: 60,
    seeds: 3,
    maxTrainRows: 40_000,
    maxValidationRows: 10_000,
  },
};

/** Random points before the GP takes over: half the trials a budget allows, at most dims + 1, at least 2. */
export function initialPointsFor(space: SearchSpace, budget: number, epochsPerTrial: number): number {
  return Math.max(2, Math.min(space.dimensions.length + 1, Math.floor(budget / epochsPerTrial / 2)));
}

/**
 * Windows per row of the row models' caps: a Conv1D epoch costs ~10x a dense epoch per
 * sample (measured 1.6 s vs 0.15 s per 20k on wasm), and a window of 16-30 days carries
 * that many rows' values, so a quarter as many windows still sees several times the values.
 */
export const CONV_WINDOW_SHARE = 0.25;

/** Held-out rows of one kind: what the downstream criterion looks at. */
export interface HeldOut {
  /** `[n, ...]` rows or windows of validation + test. */
  x: Matrix | Windows;
  /** Per row/window: 1 = labelled anomaly (any day of a window), null without labels. */
  labels: Uint8Array | null;
  /** Per row/window: UTC day (a window's last day) and token index, for the stress index. */
  day: Int32Array;
  token: Int32Array;
}

/** Everything a search of one kind needs, built from notebook 01's dataset. */
export interface KindData {
  kind: SearchKind;
  space: SearchSpace;
  data: SearchData;
  /** The full test split (rows or windows), scored once per winner. */
  test: Matrix | Windows;
  heldOut: HeldOut;
  /** How the search sample was drawn. */
  note: string;
  /** Rows (windows) in the search sample and in the full splits. */
  sizes: { train: number; validation: number; trainAll: number; validationAll: number; test: number };
}

function concatRows(a: Matrix, b: Matrix): Matrix {
  const data = new Float32Array(a.data.length + b.data.length);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return { data, rows: a.rows + b.rows, cols: a.cols };
}

/**
 * The search data of one kind: stratified subsamples of the training and validation rows
 * (random subsets of windows for Conv1D), the full test split and the held-out rows.
 */
export function kindData(
  d: Dataset,
  kind: SearchKind,
  budget: ComparisonBudget,
  rng: Rng,
  window: { length: number; stride: number },
): KindData {
  const nf = d.meta.featureNames.length;
  const space = defaultSpace(kind, { nFeatures: nf, windowLength: window.length });
  const labelsOf = (rows: Int32Array): Uint8Array | null =>
    d.anomaly ? Uint8Array.from(rows, (i) => (d.anomaly![i]! > 0 ? 1 : 0)) : null;
  if (kind !== "conv1d") {
    const tr = stratifiedRows(d.X, d.idx.train, d.token, d.day, budget.maxTrainRows, rng.fork(`${kind}-train`));
    const va = stratifiedRows(d.X, d.idx.validation, d.token, d.day, budget.maxValidationRows, rng.fork(`${kind}-val`));
    const held = Int32Array.from([...d.idx.validation, ...d.idx.test]);
    const test = splitMatrix(d, "test");
    return {
      kind,
      space,
      data: { featureNames: d.meta.featureNames, train: tr.matrix, validation: va.matrix },
      test,
      heldOut: {
        x: concatRows(splitMatrix(d, "validation"), test),
        labels: labelsOf(held),
        day: Int32Array.from(held, (i) => d.day[i]!),
        token: Int32Array.from(held, (i) => d.token[i]!),
      },
      note: tr.note,
      sizes: {
        train: tr.matrix.rows,
        validation: va.matrix.rows,
        trainAll: d.idx.train.length,
        validationAll: d.idx.validation.length,
        test: test.rows,
      },
    };
  }
  const sets = {
    train: splitWindows(d, "train", window.length, window.stride),
    validation: splitWindows(d, "validation", window.length, window.stride),
    test: splitWindows(d, "test", window.length, window.stride),
  };
  for (const [name, s] of Object.entries(sets))
    if (s.windows.n === 0)
      throw new Error(
        `kindData: the ${name} split has no ${window.length}-day window; use a shorter windowLength or more days per token.`,
      );
  const subset = (w: Windows, max: number, label: string): Windows =>
    w.n <= max ? w : takeWindows(w, Int32Array.from(rng.fork(label).sampleIndices(w.n, max)).sort());
  const train = subset(sets.train.windows, Math.ceil(budget.maxTrainRows * CONV_WINDOW_SHARE), "conv-train");
  const validation = subset(
    sets.validation.windows,
    Math.ceil(budget.maxValidationRows * CONV_WINDOW_SHARE),
    "conv-val",
  );
  const heldSets = [sets.validation, sets.test];
  const heldX: Windows = {
    data: new Float32Array([...sets.validation.windows.data, ...sets.test.windows.data]),
    n: sets.validation.windows.n + sets.test.windows.n,
    length: window.length,
    features: nf,
  };
  const windowLabels = d.anomaly
    ? Uint8Array.from(
        heldSets.flatMap((s) => Array.from(s.startRow)),
        (start) => {
          for (let t = 0; t < window.length; t++) if (d.anomaly![start + t]! > 0) return 1;
          return 0;
        },
      )
    : null;
  return {
    kind,
    space,
    data: { featureNames: d.meta.featureNames, windowLength: window.length, train, validation },
    test: sets.test.windows,
    heldOut: {
      x: heldX,
      labels: windowLabels,
      day: Int32Array.from(heldSets.flatMap((s) => Array.from(s.endDay))),
      token: Int32Array.from(heldSets.flatMap((s) => Array.from(s.token))),
    },
    note: `${train.n} of ${sets.train.windows.n} training windows and ${validation.n} of ${sets.validation.windows.n} validation windows, drawn at random`,
    sizes: {
      train: train.n,
      validation: validation.n,
      trainAll: sets.train.windows.n,
      validationAll: sets.validation.windows.n,
      test: sets.test.windows.n,
    },
  };
}

/** The criterion beyond reconstruction of one model. */
export interface Downstream {
  /** "anomaly ROC-AUC" (labels) or "crash-day rank" (documented events), or "none". */
  criterion: "anomaly ROC-AUC" | "crash-day rank" | "none";
  /** ROC-AUC (higher is better) or the median rank of the events' best day (lower is better); NaN when not computable. */
  value: number;
  /** Events found in the held-out span (crash-day rank only). */
  events: number;
  note: string;
}

/** Share of tokens above the 99th percentile is the stress index; the top of the index is what a crash should reach. */
const STRESS_QUANTILE = 0.99;
/** Days with fewer scored tokens are left out of the stress ranking (one token is not "the market"). */
const MIN_STRESS_TOKENS = 5;
/** A crash counts on its days and the day after (daily features react with a day's lag). */
const EVENT_LAG_DAYS = 1;

/** Median of a non-empty list. */
function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The criterion of per-row (per-window) scores on the held-out rows (see the module comment). */
export function downstreamOf(scores: Float64Array, held: HeldOut): Downstream {
  if (held.labels) {
    const auc = rocAuc(scores, held.labels);
    return {
      criterion: "anomaly ROC-AUC",
      value: auc ?? NaN,
      events: 0,
      note: "held-out token-days, labelled injected anomalies",
    };
  }
  const cut = quantile(scores, STRESS_QUANTILE, "scores");
  const byDay = new Map<number, { n: number; flagged: number }>();
  for (let i = 0; i < scores.length; i++) {
    let e = byDay.get(held.day[i]!);
    if (!e) byDay.set(held.day[i]!, (e = { n: 0, flagged: 0 }));
    e.n++;
    if (scores[i]! > cut) e.flagged++;
  }
  const ranked = [...byDay.entries()]
    .filter(([, e]) => e.n >= MIN_STRESS_TOKENS)
    .map(([day, e]) => ({ day, share: e.flagged / e.n }))
    .sort((a, b) => b.share - a.share || a.day - b.day);
  if (ranked.length === 0)
    return { criterion: "none", value: NaN, events: 0, note: "no held-out day has enough tokens for a stress index" };
  const span = {
    fromDay: ranked.reduce((a, r) => Math.min(a, r.day), Infinity),
    toDay: ranked.reduce((a, r) => Math.max(a, r.day), -Infinity),
  };
  const events = marketEventDays(KNOWN_MARKET_EVENTS, span).filter((e) =>
    ranked.some((r) => r.day >= e.startDay && r.day <= e.endDay + EVENT_LAG_DAYS),
  );
  if (events.length === 0)
    return {
      criterion: "none",
      value: NaN,
      events: 0,
      note: "no documented market-wide crash falls in the held-out days",
    };
  const ranks = events.map(
    (e) => 1 + ranked.findIndex((r) => r.day >= e.startDay && r.day <= e.endDay + EVENT_LAG_DAYS),
  );
  return {
    criterion: "crash-day rank",
    value: median(ranks),
    events: events.length,
    note: `median rank of ${events.length} documented crash(es) among ${ranked.length} held-out days of the stress index`,
  };
}

/** True when `a` is better than `b` on this criterion. */
export function downstreamBetter(c: Downstream["criterion"], a: number, b: number): boolean {
  if (!Number.isFinite(a)) return false;
  if (!Number.isFinite(b)) return true;
  return c === "crash-day rank" ? a < b : a > b;
}

/** Per-row reconstruction MSE of any model on rows or windows (the anomaly score of notebooks 02-07). */
export function rowScores(model: AnyAutoencoder, x: Matrix | Windows): Float64Array {
  return (model as RowModel).score(x as Matrix, "mse").perRow;
}

/** How a trained model does: validation objective, test error, downstream criterion. */
export interface Scored {
  params: Params;
  objective: number;
  testMse: number;
  downstream: Downstream;
}

/** Score a trained model once: test MSE and the downstream criterion on held-out rows. */
export function scoreModel(k: KindData, model: AnyAutoencoder, params: Params, objective: number): Scored {
  return {
    params,
    objective,
    testMse: meanReconstructionMse(model, k.test),
    downstream: downstreamOf(rowScores(model, k.heldOut.x), k.heldOut),
  };
}

/** PCA of a latent size fitted on the search's training sample (flattened windows for Conv1D). */
export async function scorePca(
  k: KindData,
  latentDim: number,
): Promise<{ latentDim: number; testMse: number; downstream: Downstream }> {
  const windows = "windowLength" in k.data;
  const flat = (x: Matrix | Windows): Matrix => (windows ? flattenWindows(x as Windows) : (x as Matrix));
  const train = flat(k.data.train);
  const names = windows
    ? Array.from(
        { length: train.cols },
        (_, j) =>
          `${k.data.featureNames[j % k.data.featureNames.length]}@${Math.floor(j / k.data.featureNames.length)}`,
      )
    : k.data.featureNames;
  const m = createModel("pca", { featureNames: names, latentDim: Math.min(latentDim, train.cols - 1) });
  try {
    await m.fit(train, flat(k.data.validation), { maxEpochs: 1, batchSize: 256, patience: 1 });
    const perRow = (x: Matrix | Windows) => m.score(flat(x), "mse").perRow;
    const t = perRow(k.test);
    return {
      latentDim,
      testMse: t.reduce((a, v) => a + v, 0) / t.length,
      downstream: downstreamOf(perRow(k.heldOut.x), k.heldOut),
    };
  } finally {
    m.dispose();
  }
}

/** One search of the comparison, its winner scored once after selection, and the default's numbers with the same seed. */
export interface ComparedSearch {
  kind: SearchKind;
  strategy: StrategyName;
  seed: number;
  result: SearchResult;
  winner: Scored;
}

/** The default configuration trained like one trial (same data, epochs and seed) and scored. */
export async function trainDefault(
  objective: SearchObjective,
  k: KindData,
  epochs: number,
  seed: number,
): Promise<Scored> {
  const run = objective.start(objective.space.defaults, seed);
  try {
    const step = await run.train(epochs);
    return scoreModel(k, run.model!, objective.space.defaults, step.objective);
  } finally {
    run.dispose();
  }
}

/** Options of compareStrategies. */
export interface CompareOptions {
  k: KindData;
  strategies: readonly StrategyName[];
  seeds: number[];
  budgetEpochs: number;
  epochsPerTrial: number;
  batchSize: number;
  patience: number;
  onTrial?: (label: string, spent: number, best: number) => void;
}

/** Run every strategy with every seed on the same objective and budget; score each winner once. */
export async function compareStrategies(o: CompareOptions): Promise<ComparedSearch[]> {
  const objective = modelObjective(o.k.space, o.k.data, { batchSize: o.batchSize, patience: o.patience });
  const out: ComparedSearch[] = [];
  for (const seed of o.seeds) {
    for (const strategy of o.strategies) {
      const label = `${o.k.kind} ${strategy} seed ${seed}`;
      const result = await runStrategy(strategy, {
        objective,
        budgetEpochs: o.budgetEpochs,
        epochsPerTrial: o.epochsPerTrial,
        seed,
        keepBestModel: true,
        ...(strategy === "bayes"
          ? { initialPoints: initialPointsFor(o.k.space, o.budgetEpochs, o.epochsPerTrial) }
          : {}),
        onTrial: (t) => o.onTrial?.(label, t.spent, t.bestSoFar),
      });
      try {
        const model = result.model!;
        const trial = result.modelTrial!;
        out.push({
          kind: o.k.kind,
          strategy,
          seed,
          result,
          winner: scoreModel(o.k, model, trial.params, trial.objective),
        });
      } finally {
        result.model?.dispose();
      }
    }
  }
  return out;
}

/** One latent size of the sweep. */
export interface LatentPoint {
  latentDim: number;
  objective: number;
  testMse: number;
  pcaTestMse: number;
  downstream: Downstream;
  pcaDownstream: Downstream;
}

/**
 * The winner's configuration retrained at each latent size (same epochs and seed): the
 * reconstruction error falls as the code widens, as it must; the downstream criterion need not.
 */
export async function latentSweep(
  k: KindData,
  params: Params,
  latents: number[],
  o: { epochs: number; seed: number; batchSize: number; patience: number },
): Promise<LatentPoint[]> {
  const objective = modelObjective(k.space, k.data, { batchSize: o.batchSize, patience: o.patience });
  const out: LatentPoint[] = [];
  for (const latentDim of latents) {
    const p = { ...params, latentDim };
    const run = objective.start(p, o.seed);
    try {
      const step = await run.train(o.epochs);
      const s = scoreModel(k, run.model!, p, step.objective);
      const pca = await scorePca(k, latentDim);
      out.push({
        latentDim,
        objective: validationObjective(k.kind, run.model!, k.data.validation),
        testMse: s.testMse,
        pcaTestMse: pca.testMse,
        downstream: s.downstream,
        pcaDownstream: pca.downstream,
      });
    } finally {
      run.dispose();
    }
  }
  return out;
}

/** Tolerance of "as good as the best" on the criterion: 0.01 of ROC-AUC, or 2 ranks of a crash day. */
export const DOWNSTREAM_TOLERANCE = { "anomaly ROC-AUC": 0.01, "crash-day rank": 2, none: 0 } as const;
/** Without a criterion, the smallest code within this share of the lowest reconstruction error is chosen. */
export const RECONSTRUCTION_TOLERANCE = 0.1;

/**
 * The latent size to choose: the smallest whose downstream criterion is within
 * DOWNSTREAM_TOLERANCE of the best size's (a wider code that detects no better only costs);
 * without a criterion, or when it rates every size within that tolerance, the smallest within
 * RECONSTRUCTION_TOLERANCE of the lowest validation objective (the elbow of the reconstruction curve).
 */
export function chooseLatent(points: LatentPoint[]): { latentDim: number; reason: string } {
  if (points.length === 0) throw new Error("chooseLatent: no latent sizes; run latentSweep first.");
  const sorted = [...points].sort((a, b) => a.latentDim - b.latentDim);
  const c = sorted[0]!.downstream.criterion;
  const valid = sorted.filter((p) => Number.isFinite(p.downstream.value));
  const tol = c === "none" ? 0 : DOWNSTREAM_TOLERANCE[c];
  const spread = valid.length
    ? Math.max(...valid.map((p) => p.downstream.value)) - Math.min(...valid.map((p) => p.downstream.value))
    : 0;
  // A criterion that rates every size alike (e.g. one crash day, ranked first by all) cannot choose.
  const separates = c !== "none" && valid.length > 1 && spread > tol;
  if (separates) {
    const best = valid.reduce((a, p) => (downstreamBetter(c, p.downstream.value, a.downstream.value) ? p : a));
    const pick = valid.find((p) =>
      c === "crash-day rank"
        ? p.downstream.value <= best.downstream.value + tol
        : p.downstream.value >= best.downstream.value - tol,
    )!;
    return {
      latentDim: pick.latentDim,
      reason: `the smallest code whose ${c} (${pick.downstream.value.toFixed(c === "crash-day rank" ? 1 : 3)}) is within ${tol} of the best size's (${best.downstream.value.toFixed(c === "crash-day rank" ? 1 : 3)} at latent ${best.latentDim})`,
    };
  }
  const lowest = Math.min(...sorted.map((p) => p.objective));
  const pick = sorted.find((p) => p.objective <= lowest * (1 + RECONSTRUCTION_TOLERANCE))!;
  return {
    latentDim: pick.latentDim,
    reason: `${c === "none" || valid.length === 0 ? "no downstream criterion applies here" : `the ${c} does not separate the sizes (all within ${tol} of each other)`}, so the smallest code within ${RECONSTRUCTION_TOLERANCE * 100}% of the lowest validation error (the elbow of the reconstruction curve)`,
  };
}
