/**
 * The latent-space stage (notebook 06): what each autoencoder learned, measured.
 *
 * The model notebooks (02-05) saved df_latents, `latents-<model>`: token-days for the row
 * models (AE, VAE, DAE, PCA) and windows keyed by their last day for the Conv1D model.
 * Comparing models point for point needs the same points, so this stage first aligns them:
 * the rows kept are the token-days that every model encoded (for Conv1D, the window end
 * days) with finite latents in every model. One stratified sample of those rows is then
 * embedded for every model, so the UMAP small multiples show the same points in each
 * panel, and each model's exact kNN graph over the sample is computed once and shared by
 * UMAP, the neighbour-overlap numbers and trustworthiness.
 *
 * What it measures, all on held-out or aligned rows:
 * - linear CKA between every pair of representations (the models and the input features);
 * - kNN overlap between latent spaces, and between each latent space and its UMAP;
 * - trustworthiness of each UMAP embedding; silhouette and kNN purity of sectors;
 * - linear probes (softmax regression) trained on the train split's rows and scored on
 *   the test split's rows: sector, volatility tercile and, on the synthetic market, the
 *   market regime;
 * - Pearson correlation of each latent dimension with the inputs and market variables;
 * - latent traversals: decode while moving along one dimension.
 */
import { modelLabel } from "../runtime/model-registry";

import * as fs from "node:fs";
import * as path from "node:path";
import { mean, std } from "../stats/descriptive";
import { takeRows, type Matrix } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import type { ArtifactStore, Table } from "../runtime/artifacts";
import { dayToIso, type Panel, type TokenInfo } from "../data/panel";
import { SPLIT_NAMES, type Dataset } from "../features/dataset";
import {
  LATENT_PRODUCERS,
  UNKNOWN_SECTOR,
  embeddingTable,
  latentArtifactName,
  latentFrame,
  readLatentFrame,
  takeFrameRows,
  type LatentFrame,
} from "../models/latents";
import { dropNonFinite, stratifiedSample } from "../features/sampling";
import {
  DEFAULT_N_NEIGHBORS,
  computeKnn,
  knnNeighbourMatrix,
  runUmapAsync,
  type KnnResult,
  type UmapResult,
} from "./umap";
import { correlationMatrix, linearCKA, neighbourOverlap, silhouette, trustworthiness } from "./metrics";
import { logisticProbe } from "../stats/logistic";
import { compactRows, type Row } from "../runtime/rows";
import type { Cell } from "../viz/display";
import { loadRowModel } from "../models/load";
import type { VlSpec } from "../viz/render";

/** The models whose latents notebook 06 compares, in display order. */
export const LATENT_MODELS: readonly string[] = ["ae", "vae", "dae", "conv1d", "pca"];

/** Name of the input-feature representation used as a reference next to the models. */
export const FEATURES_NAME = "features";

/**
 * Neighbours per point in the neighbour metrics (self excluded). UMAP's default
 * neighbourhood is 15 points including the point itself; the shared graph holds
 * METRIC_K + 1 = 16 entries per point, so it serves UMAP (cut to 15) and the metrics
 * (15 others) alike.
 */
export const METRIC_K = 15;

/**
 * Most training rows a linear probe is fitted on (a stratified sample by token and quarter
 * above it). Softmax regression by L-BFGS costs ~n d C per iteration; at 6,000 rows, 17
 * inputs and 7 classes a probe takes about a second, and the held-out accuracy of a linear
 * model with at most a few hundred parameters no longer changes measurably with more rows.
 */
export const PROBE_MAX_TRAIN = 6000;

/**
 * Points per model drawn in the UMAP scatter plots: five panels make 3,000 points per
 * figure, about 1 MB of SVG (vega writes ~330 bytes per circle), and five such figures
 * are embedded in the executed notebook and the report.
 */
export const PLOT_POINTS = 600;

/** Fields every UMAP scatter keeps (position, panel and tooltip); the colour field is added per figure. */
const UMAP_PLOT_FIELDS = ["model", "u0", "u1", "symbol", "date", "sector"];

/** Tokens coloured individually in the "by token" plots (the rest are grey). */
export const TOP_TOKENS = 8;

/** Traversal steps along one latent dimension, from -span to +span standard deviations. */
export const TRAVERSAL_STEPS = 5;
/** Traversal half-width in standard deviations of the dimension (±2 sd covers ~95% of codes). */
export const TRAVERSAL_SPAN = 2;
/**
 * A dimension counts as active when moving it from -span to +span sd changes the decoded
 * standardised features by more than this on average (5% of a feature's standard deviation).
 */
export const ACTIVE_DIM_THRESHOLD = 0.05;

/** Window of the market volatility and of the volume z-score, days (as the vol_30d feature). */
export const MARKET_WINDOW = 30;
/** Fewest observations in that window for a value (two thirds of it); fewer gives NaN. */
export const MARKET_MIN_OBS = 20;

// ---------------------------------------------------------------------------------------
// Load and align
// ---------------------------------------------------------------------------------------

/** What was read for one model and what was dropped. */
export interface LatentCleaning {
  model: string;
  /** Rows in `latents-<model>`. */
  rows: number;
  latentDim: number;
  /** Rows with a NaN or infinite latent value, dropped. */
  dropped: number;
  kept: number;
}

/**
 * Read every model's df_latents (`latents-<model>`, written by notebooks 02-05) and drop
 * rows with non-finite latents, counting them. All missing tables are named in one error
 * with the notebooks that write them.
 * @throws when a table is missing, or when every row of a model is non-finite.
 */
export function loadAllLatents(
  store: ArtifactStore,
  tokens: TokenInfo[],
  models: readonly string[] = LATENT_MODELS,
): { frames: LatentFrame[]; cleaning: LatentCleaning[] } {
  if (models.length === 0) throw new Error('loadAllLatents: no models given; pass model names such as "ae", "vae".');
  const missing = models.filter((m) => !store.hasTable(latentArtifactName(m)));
  if (missing.length > 0) {
    const what = missing.map(
      (m) =>
        `${m} (${store.tablePath(latentArtifactName(m))}, written by notebook ${LATENT_PRODUCERS[m] ?? "that trains it"})`,
    );
    const numbers = [
      ...new Set(missing.map((m) => LATENT_PRODUCERS[m]?.slice(0, 2)).filter((s): s is string => !!s)),
    ].sort();
    const run = numbers.length
      ? ` Run notebook${numbers.length > 1 ? "s" : ""} ${numbers.join(", ")} first (npm run notebook -- ${numbers.join(" ")}).`
      : " Run the notebooks that train them first.";
    throw new Error(`Missing latents of ${missing.length} model(s): ${what.join("; ")}.${run}`);
  }
  const frames: LatentFrame[] = [];
  const cleaning: LatentCleaning[] = [];
  for (const model of models) {
    const frame = readLatentFrame(store, model, tokens);
    const { kept, dropped } = dropNonFinite(frame.latents);
    if (kept.length === 0) {
      throw new Error(
        `All ${frame.latents.rows} latent rows of ${model} are NaN or infinite: the model diverged. Retrain it (notebook ${LATENT_PRODUCERS[model] ?? "that trains it"}).`,
      );
    }
    frames.push(dropped > 0 ? takeFrameRows(frame, kept) : frame);
    cleaning.push({ model, rows: frame.latents.rows, latentDim: frame.latents.cols, dropped, kept: kept.length });
  }
  return { frames, cleaning };
}

/** The rows every model encoded, with each model's latents on them. */
export interface AlignedLatents {
  models: string[];
  /** Number of aligned rows. */
  n: number;
  /** `[n]` token index, UTC day, split code (index into SPLIT_NAMES) and row of the Dataset. */
  token: Int32Array;
  day: Int32Array;
  split: Int8Array;
  datasetRow: Int32Array;
  /** Per model `[n, latentDim]`, row i = aligned row i. */
  latents: Record<string, Matrix>;
  /** Scaled input features of the aligned rows `[n, nFeatures]` (for Conv1D rows: the window's last day). */
  features: Matrix;
  /** Rows per model after cleaning, and how many of them are aligned. */
  counts: { model: string; rows: number; aligned: number }[];
  /** One sentence on what was aligned, for the notebook and the report. */
  note: string;
}

/** Day offset that keeps keys non-negative for any day within ±2^20 days (±2,870 years) of 1970. */
const KEY_DAY_OFFSET = 1 << 20;
/** Key span per token: 2^21 days. token * 2^21 stays an exact integer for up to 2^32 tokens. */
const KEY_DAY_SPAN = 1 << 21;

function rowKey(token: number, day: number): number {
  return token * KEY_DAY_SPAN + (day + KEY_DAY_OFFSET);
}

/**
 * Align models on the (token, day) keys that all of them and the dataset hold (dataset
 * rows of the train, validation and test splits; Conv1D windows by their last day), in
 * dataset row order (token, then day).
 * @throws on a duplicate key in a model's latents, or when no key is common.
 */
export function alignLatents(frames: LatentFrame[], d: Dataset): AlignedLatents {
  if (frames.length === 0) throw new Error("alignLatents: no latent frames given.");
  const maps = frames.map((f) => {
    const m = new Map<number, number>();
    for (let i = 0; i < f.token.length; i++) {
      const key = rowKey(f.token[i]!, f.day[i]!);
      const prev = m.get(key);
      if (prev !== undefined) {
        const tok = d.tokens[f.token[i]!];
        throw new Error(
          `latents-${f.model} holds two rows for token ${tok?.id ?? f.token[i]} on ${dayToIso(f.day[i]!)} (rows ${prev} and ${i}); each token-day (or window end day) must appear once. Rerun notebook ${LATENT_PRODUCERS[f.model] ?? "that trains it"}.`,
        );
      }
      m.set(key, i);
    }
    return m;
  });
  const rows: number[] = [];
  const pos: number[][] = frames.map(() => []);
  const matched = new Int32Array(frames.length);
  for (let r = 0; r < d.split.length; r++) {
    if (d.split[r]! > 2) continue;
    const key = rowKey(d.token[r]!, d.day[r]!);
    let all = true;
    const at: number[] = [];
    for (let m = 0; m < maps.length; m++) {
      const p = maps[m]!.get(key);
      if (p === undefined) all = false;
      else at.push(p);
    }
    if (!all) continue;
    rows.push(r);
    for (let m = 0; m < maps.length; m++) {
      pos[m]!.push(at[m]!);
      matched[m]++;
    }
  }
  const n = rows.length;
  if (n === 0) {
    throw new Error(
      `No token-day is common to the latents of ${frames.map((f) => f.model).join(", ")} and the dataset: the models were trained on different data. Rerun notebooks 01-05 with one configuration.`,
    );
  }
  const datasetRow = Int32Array.from(rows);
  const latents: Record<string, Matrix> = {};
  frames.forEach((f, m) => (latents[f.model] = takeRows(f.latents, pos[m]!)));
  const counts = frames.map((f, m) => ({ model: f.model, rows: f.token.length, aligned: matched[m]! }));
  const fewest = counts.reduce((a, c) => (c.rows < a.rows ? c : a));
  const most = counts.reduce((a, c) => (c.rows > a.rows ? c : a));
  const windows = frames.find((f) => f.model === "conv1d");
  const note = windows
    ? `${n.toLocaleString("en-US")} token-days are common to all ${frames.length} models: the Conv1D model's windows are keyed by their last day, so the comparison uses the token-days that end a window (${n.toLocaleString("en-US")} of the ${most.rows.toLocaleString("en-US")} token-days the row models encoded).`
    : `${n.toLocaleString("en-US")} token-days are common to all ${frames.length} models (from ${fewest.rows.toLocaleString("en-US")} to ${most.rows.toLocaleString("en-US")} rows per model).`;
  return {
    models: frames.map((f) => f.model),
    n,
    token: Int32Array.from(rows, (r) => d.token[r]!),
    day: Int32Array.from(rows, (r) => d.day[r]!),
    split: Int8Array.from(rows, (r) => d.split[r]!),
    datasetRow,
    latents,
    features: takeRows(d.X, datasetRow),
    counts,
    note,
  };
}

/**
 * Refuse to embed fewer points than UMAP needs, saying how to get more.
 * @throws when n <= nNeighbors.
 */
export function checkEnoughPoints(n: number, nNeighbors: number = DEFAULT_N_NEIGHBORS): void {
  if (n <= nNeighbors || n <= 2 * METRIC_K) {
    const need = Math.max(nNeighbors, 2 * METRIC_K) + 1;
    throw new Error(
      `Only ${n} token-days are common to all models' latents, but UMAP with nNeighbors = ${nNeighbors} and the ${METRIC_K}-neighbour metrics need at least ${need}. ` +
        `Run notebooks 01-05 on more data (a larger profile such as CAE_PROFILE=default, or a source with more tokens or days), or use a shorter Conv1D window (fewer rows are lost to windows).`,
    );
  }
}

/** A frame of the sampled aligned rows of one model (for emb_df). */
export function sampleFrame(
  aligned: AlignedLatents,
  model: string,
  rows: Int32Array,
  tokens: TokenInfo[],
): LatentFrame {
  const z = aligned.latents[model];
  if (!z) throw new Error(`Model "${model}" is not among the aligned models (${aligned.models.join(", ")}).`);
  return latentFrame({
    model,
    latents: takeRows(z, rows),
    token: Int32Array.from(rows, (r) => aligned.token[r]!),
    day: Int32Array.from(rows, (r) => aligned.day[r]!),
    split: Array.from(rows, (r) => SPLIT_NAMES[aligned.split[r]!]!),
    tokens,
  });
}

/** The first rows of a df_latents frame as table rows (symbol, sector, date, split, first latent columns). */
export function frameHead(frame: LatentFrame, tokens: TokenInfo[], rows = 3, dims = 4): Record<string, Cell>[] {
  const out: Record<string, Cell>[] = [];
  for (let i = 0; i < Math.min(rows, frame.token.length); i++) {
    const t = tokens[frame.token[i]!]!;
    const row: Record<string, Cell> = {
      token: t.id,
      symbol: t.symbol,
      sector: t.sector ?? UNKNOWN_SECTOR,
      date: dayToIso(frame.day[i]!),
      split: frame.split?.[i] ?? "",
    };
    for (let j = 0; j < Math.min(dims, frame.latents.cols); j++)
      row[`z${j}`] = frame.latents.data[i * frame.latents.cols + j]!;
    if (frame.latents.cols > dims) row["..."] = `${frame.latents.cols - dims} more`;
    out.push(row);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Neighbour graphs and UMAP
// ---------------------------------------------------------------------------------------

/** One model's sampled latents with its shared neighbour graph and UMAP embedding. */
export interface ModelEmbedding {
  model: string;
  /** Latents of the sampled rows `[m, latentDim]`. */
  latents: Matrix;
  /** Exact kNN graph of the latents (self first, METRIC_K + 1 wide), used by UMAP and the metrics. */
  knn: KnnResult;
  /** `[m, METRIC_K]` neighbours in latent space, self excluded. */
  neighbours: Int32Array;
  /** The UMAP run; `umap.embedding` is `[m, 2]`. */
  umap: UmapResult;
  /** `[m, METRIC_K]` neighbours in the 2-D embedding, self excluded. */
  embeddingNeighbours: Int32Array;
}

/** Options of `embedModels`. */
export interface EmbedOptions {
  /** Seeded stream; each model's layout uses `rng.fork("umap-<model>")`. */
  rng: Rng;
  /** UMAP neighbourhood, self included (default 15). */
  nNeighbors?: number;
  /** UMAP minimum distance (default umap-js's 0.1). */
  minDist?: number;
  /** Layout epochs (default autoEpochs of the sample size). */
  nEpochs?: number;
  /** Progress of each model's layout. */
  onProgress?: (model: string, epoch: number, total: number) => void;
}

/** Exact neighbour graph of X, wide enough for UMAP and the metrics, and its `[n, METRIC_K]` matrix. */
export function neighbourGraph(
  X: Matrix,
  nNeighbors: number = DEFAULT_N_NEIGHBORS,
): { knn: KnnResult; neighbours: Int32Array } {
  const knn = computeKnn(X, Math.max(METRIC_K + 1, nNeighbors), { method: "exact" });
  return { knn, neighbours: knnNeighbourMatrix(knn, METRIC_K) };
}

/**
 * For each model: the exact kNN graph of its sampled latents (once), UMAP to 2-D reusing
 * that graph, and the kNN graph of the embedding.
 * @param sample aligned row numbers to embed (e.g. from stratifiedSample), the same for every model.
 */
export async function embedModels(
  aligned: AlignedLatents,
  sample: Int32Array,
  options: EmbedOptions,
): Promise<ModelEmbedding[]> {
  const nNeighbors = options.nNeighbors ?? DEFAULT_N_NEIGHBORS;
  checkEnoughPoints(sample.length, nNeighbors);
  const out: ModelEmbedding[] = [];
  for (const model of aligned.models) {
    const latents = takeRows(aligned.latents[model]!, sample);
    const { knn, neighbours } = neighbourGraph(latents, nNeighbors);
    const umap = await runUmapAsync(latents, {
      rng: options.rng.fork(`umap-${model}`),
      knn,
      nNeighbors,
      ...(options.minDist !== undefined ? { minDist: options.minDist } : {}),
      ...(options.nEpochs !== undefined ? { nEpochs: options.nEpochs } : {}),
      onProgress: (e, total) => options.onProgress?.(model, e, total),
    });
    const embeddingNeighbours = neighbourGraph(umap.embedding, nNeighbors).neighbours;
    out.push({ model, latents, knn, neighbours, umap, embeddingNeighbours });
  }
  return out;
}

/** emb_df of one model: the sampled rows' keys, model and u0, u1 (artifact `umap-<model>`). */
export function embeddingArtifact(
  aligned: AlignedLatents,
  e: ModelEmbedding,
  sample: Int32Array,
  tokens: TokenInfo[],
): Table {
  return embeddingTable(sampleFrame(aligned, e.model, sample, tokens), e.umap.embedding, tokens);
}

// ---------------------------------------------------------------------------------------
// Comparison metrics
// ---------------------------------------------------------------------------------------

/** A named representation of the same rows. */
export interface NamedMatrix {
  name: string;
  X: Matrix;
}

/** A value for an (a, b) pair of representations (both orders are listed, for heatmaps). */
export interface PairValue {
  a: string;
  b: string;
  value: number;
}

/** Linear CKA of every pair of representations (same rows), symmetric, 1 on the diagonal. */
export function ckaPairs(reps: NamedMatrix[]): PairValue[] {
  const out: PairValue[] = [];
  for (let i = 0; i < reps.length; i++) {
    out.push({ a: reps[i]!.name, b: reps[i]!.name, value: 1 });
    for (let j = i + 1; j < reps.length; j++) {
      const v = linearCKA(reps[i]!.X, reps[j]!.X);
      out.push({ a: reps[i]!.name, b: reps[j]!.name, value: v }, { a: reps[j]!.name, b: reps[i]!.name, value: v });
    }
  }
  return out;
}

/** Mean kNN overlap (|shared| / k) of every pair of precomputed neighbour matrices `[m, k]`. */
export function overlapPairs(graphs: { name: string; neighbours: Int32Array }[], k: number = METRIC_K): PairValue[] {
  const out: PairValue[] = [];
  for (let i = 0; i < graphs.length; i++) {
    out.push({ a: graphs[i]!.name, b: graphs[i]!.name, value: 1 });
    for (let j = i + 1; j < graphs.length; j++) {
      const v = neighbourOverlap(graphs[i]!.neighbours, graphs[j]!.neighbours, k).overlap;
      out.push(
        { a: graphs[i]!.name, b: graphs[j]!.name, value: v },
        { a: graphs[j]!.name, b: graphs[i]!.name, value: v },
      );
    }
  }
  return out;
}

/** The off-diagonal pairs once each (a before b in the given order). */
export function uniquePairs(pairs: PairValue[], order: string[]): PairValue[] {
  return pairs.filter((p) => order.indexOf(p.a) < order.indexOf(p.b));
}

/** A square table of pair values: one row per representation, one column per representation. */
export function pairTable(pairs: PairValue[], order: string[]): Record<string, Cell>[] {
  const value = new Map(pairs.map((p) => [`${p.a}|${p.b}`, p.value]));
  return order.map((a) => {
    const row: Record<string, Cell> = { "": modelLabel(a) };
    for (const b of order) row[modelLabel(b)] = value.get(`${a}|${b}`) ?? null;
    return row;
  });
}

/**
 * Share of each point's neighbours that carry its label (kNN purity), averaged over points.
 * @param neighbours `[m, k]` self excluded; labels `[m]`.
 */
export function sameLabelShare(neighbours: Int32Array, k: number, labels: ArrayLike<string | number>): number {
  const m = labels.length;
  if (neighbours.length !== m * k)
    throw new Error(`sameLabelShare: neighbours has ${neighbours.length} entries, expected ${m} x ${k}.`);
  let same = 0;
  for (let i = 0; i < m; i++) for (let t = 0; t < k; t++) if (labels[neighbours[i * k + t]!] === labels[i]) same++;
  return same / (m * k);
}

/** Expected kNN purity of random neighbours: the chance that another random point shares a point's label. */
export function chanceSameLabelShare(labels: ArrayLike<string | number>): number {
  const m = labels.length;
  if (m < 2) throw new Error(`chanceSameLabelShare needs at least 2 labels, got ${m}.`);
  const counts = new Map<string | number, number>();
  for (let i = 0; i < m; i++) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
  let s = 0;
  for (const c of counts.values()) s += (c * (c - 1)) / (m * (m - 1));
  return s;
}

/** How well one model's sample is embedded, and how well its latents separate sectors. */
export interface EmbeddingQuality {
  model: string;
  points: number;
  /** Trustworthiness (k = METRIC_K) of the UMAP embedding against the latents. */
  trustworthiness: number;
  /** Mean share of a point's METRIC_K latent neighbours that stay among its UMAP neighbours. */
  umapOverlap: number;
  /** Mean silhouette of sectors in latent space and in UMAP (NaN without 2+ known sectors). */
  silhouetteLatent: number;
  silhouetteUmap: number;
  /** Share of latent neighbours in the same sector, and its chance level. */
  sectorPurity: number;
  sectorPurityChance: number;
  /** UMAP layout seconds (neighbour search excluded) and neighbour search seconds. */
  umapSeconds: number;
  knnSeconds: number;
}

/** Sector labels of rows, or null when fewer than two sectors are known. */
export function sectorLabels(token: Int32Array, tokens: TokenInfo[]): string[] | null {
  const labels = Array.from(token, (t) => tokens[t]?.sector ?? UNKNOWN_SECTOR);
  const known = new Set(labels.filter((s) => s !== UNKNOWN_SECTOR));
  return known.size >= 2 ? labels : null;
}

/**
 * Trustworthiness, latent-to-UMAP overlap and sector separation of one embedded model,
 * from its shared neighbour graphs (no new search for the neighbour numbers).
 * @param sectors sector per sampled row, or null.
 */
export function embeddingQuality(e: ModelEmbedding, sectors: string[] | null): EmbeddingQuality {
  const m = e.latents.rows;
  const tw = trustworthiness(e.latents, e.umap.embedding, METRIC_K, { lowNeighbours: e.embeddingNeighbours });
  const ov = neighbourOverlap(e.neighbours, e.embeddingNeighbours, METRIC_K);
  const sep = sectorSeparation(e.latents, e.neighbours, sectors);
  return {
    model: e.model,
    points: m,
    trustworthiness: tw.value,
    umapOverlap: ov.overlap,
    silhouetteLatent: sep.silhouette,
    silhouetteUmap: sectors ? silhouette(e.umap.embedding, sectors).score : NaN,
    sectorPurity: sep.purity,
    sectorPurityChance: sep.chance,
    umapSeconds: e.umap.seconds - e.umap.knnSeconds,
    knnSeconds: e.knn.seconds,
  };
}

/**
 * Sector separation of any representation of the sampled rows: silhouette of sectors and
 * kNN purity (share of the METRIC_K neighbours in the same sector) with its chance level.
 * All NaN when sectors are unknown (null).
 * @param neighbours `[m, METRIC_K]` neighbours of X's rows, self excluded.
 */
export function sectorSeparation(
  X: Matrix,
  neighbours: Int32Array,
  sectors: string[] | null,
): { silhouette: number; purity: number; chance: number } {
  if (!sectors) return { silhouette: NaN, purity: NaN, chance: NaN };
  return {
    silhouette: silhouette(X, sectors).score,
    purity: sameLabelShare(neighbours, METRIC_K, sectors),
    chance: chanceSameLabelShare(sectors),
  };
}

// ---------------------------------------------------------------------------------------
// Linear probes
// ---------------------------------------------------------------------------------------

/** A classification target over the aligned rows; label -1 = row not used. */
export interface ProbeTarget {
  name: string;
  /** `[n]` class index into `classes`, or -1. */
  labels: Int32Array;
  classes: string[];
  /** How the label was made, for the notebook. */
  description: string;
}

/** Sector of each aligned row's token (tokens without a sector are left out), or null with fewer than 2 sectors. */
export function sectorTarget(aligned: AlignedLatents, tokens: TokenInfo[]): ProbeTarget | null {
  const names = sectorLabels(aligned.token, tokens);
  if (!names) return null;
  const classes = [...new Set(names.filter((s) => s !== UNKNOWN_SECTOR))].sort();
  const code = new Map(classes.map((c, i) => [c, i]));
  return {
    name: "sector",
    labels: Int32Array.from(names, (s) => code.get(s) ?? -1),
    classes,
    description: "the token's sector (from the token list)",
  };
}

/** Share of each sector's tokens held out of probe training in the unseen-token probe. */
export const HELD_OUT_TOKEN_FRACTION = 0.3;

/**
 * The same target restricted so that test tokens were never seen in training: a seeded,
 * per-class share of tokens is held out; training keeps train-split rows of the other tokens
 * and scoring keeps test-split rows of the held-out tokens (labels -1 elsewhere). With the
 * date split alone a probe sees every token in training, so it could read a sector by
 * recognising the token; here it must generalise to new tokens.
 * @returns the restricted target, or null when no class has two tokens to split.
 */
export function heldOutTokenTarget(
  target: ProbeTarget,
  aligned: AlignedLatents,
  options: { rng: Rng; fraction?: number },
): ProbeTarget | null {
  const fraction = options.fraction ?? HELD_OUT_TOKEN_FRACTION;
  if (!(fraction > 0 && fraction < 1))
    throw new Error(`heldOutTokenTarget: fraction must be in (0, 1), got ${fraction}.`);
  const tokenClass = new Map<number, number>();
  for (let i = 0; i < aligned.n; i++) if (target.labels[i]! >= 0) tokenClass.set(aligned.token[i]!, target.labels[i]!);
  const byClass = new Map<number, number[]>();
  for (const [t, c] of [...tokenClass.entries()].sort((a, b) => a[0] - b[0])) {
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(t);
  }
  const heldOut = new Set<number>();
  for (const tokens of byClass.values()) {
    if (tokens.length < 2) continue;
    const k = Math.min(tokens.length - 1, Math.max(1, Math.round(fraction * tokens.length)));
    options.rng
      .shuffle(tokens)
      .slice(0, k)
      .forEach((t) => heldOut.add(t));
  }
  if (heldOut.size === 0) return null;
  const labels = Int32Array.from(target.labels, (y, i) => {
    const held = heldOut.has(aligned.token[i]!);
    const split = aligned.split[i]!;
    return (split === 0 && !held) || (split === 2 && held) ? y : -1;
  });
  return {
    name: `${target.name}, unseen tokens`,
    labels,
    classes: target.classes,
    description: `${target.description}; ${heldOut.size} of ${tokenClass.size} tokens (${Math.round(fraction * 100)}% of each class) held out of training and scored on the test split`,
  };
}

/** Tercile names of the volatility target. */
export const VOL_TERCILES = ["low vol", "mid vol", "high vol"] as const;

/**
 * Volatility regime of each aligned row: terciles of a raw volatility feature (vol_30d by
 * default), with the cut points taken from the train split's rows only.
 * @returns the target, or null when the dataset has no such feature.
 */
export function volatilityTarget(
  aligned: AlignedLatents,
  d: Dataset,
  feature = "vol_30d",
): (ProbeTarget & { cuts: [number, number]; values: Float64Array }) | null {
  const j = d.meta.featureNames.indexOf(feature);
  if (j < 0) return null;
  const values = Float64Array.from(aligned.datasetRow, (r) => d.raw.data[r * d.raw.cols + j]!);
  const train = Array.from(values)
    .filter((v, i) => aligned.split[i] === 0 && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (train.length < 3) return null;
  const q = (p: number) => train[Math.min(train.length - 1, Math.floor(p * train.length))]!;
  const cuts: [number, number] = [q(1 / 3), q(2 / 3)];
  const labels = Int32Array.from(values, (v) => (!Number.isFinite(v) ? -1 : v < cuts[0] ? 0 : v < cuts[1] ? 1 : 2));
  return {
    name: "volatility tercile",
    labels,
    classes: [...VOL_TERCILES],
    description: `terciles of ${feature} (cut points ${cuts[0].toPrecision(3)} and ${cuts[1].toPrecision(3)} from the train split)`,
    cuts,
    values,
  };
}

/** The synthetic market's ground truth as notebook 01 saves it (`market-truth.json`). */
export interface MarketTruth {
  kind: string;
  regimeNames?: string[];
  regimes?: number[];
  /** UTC day of regimes[0]. */
  startDay?: number;
  crashDays?: string[];
}

/** Market regime (calm / bull / bear) of each aligned row's day, when the market is synthetic; else null. */
export function regimeTarget(aligned: AlignedLatents, truth: MarketTruth | null): ProbeTarget | null {
  if (
    !truth ||
    !Array.isArray(truth.regimes) ||
    !Array.isArray(truth.regimeNames) ||
    typeof truth.startDay !== "number"
  )
    return null;
  const { regimes, regimeNames, startDay } = truth;
  const labels = Int32Array.from(aligned.day, (day) => {
    const r = regimes[day - startDay];
    return typeof r === "number" && r >= 0 && r < regimeNames.length ? r : -1;
  });
  return {
    name: "market regime",
    labels,
    classes: [...regimeNames],
    description: "the simulated market's regime of the day (ground truth of the synthetic market)",
  };
}

/** Held-out quality of one probe. */
export interface ProbeRow {
  representation: string;
  target: string;
  balancedAccuracy: number;
  accuracy: number;
  macroF1: number;
  /** Accuracy of always predicting the most frequent training class. */
  majorityAccuracy: number;
  /** Balanced accuracy of guessing: 1 / number of classes. */
  chance: number;
  nTrain: number;
  nTest: number;
}

/**
 * Softmax-regression probes of every representation for every target: fitted on train-split
 * rows (at most `maxTrain`, a stratified sample by token and quarter above it, the same
 * rows for every probe), scored on the test split's rows.
 */
export function runProbes(
  aligned: AlignedLatents,
  reps: NamedMatrix[],
  targets: ProbeTarget[],
  options: { rng: Rng; maxTrain?: number },
): { rows: ProbeRow[]; note: string; skipped: { target: string; reason: string }[] } {
  const maxTrain = options.maxTrain ?? PROBE_MAX_TRAIN;
  const trainAll = Int32Array.from(Array.from(aligned.split.keys()).filter((i) => aligned.split[i] === 0));
  const test = Int32Array.from(Array.from(aligned.split.keys()).filter((i) => aligned.split[i] === 2));
  if (trainAll.length < 2 || test.length < 1) {
    throw new Error(
      `Probes need aligned rows in the train and test splits; got ${trainAll.length} train and ${test.length} test rows. Rerun notebook 01 with more days of data.`,
    );
  }
  const s = stratifiedSample(
    {
      token: Int32Array.from(trainAll, (i) => aligned.token[i]!),
      day: Int32Array.from(trainAll, (i) => aligned.day[i]!),
    },
    maxTrain,
    options.rng,
  );
  const train = Int32Array.from(s.indices, (k) => trainAll[k]!);
  const rows: ProbeRow[] = [];
  const skipped: { target: string; reason: string }[] = [];
  for (const target of targets) {
    const tr = Array.from(train).filter((i) => target.labels[i]! >= 0);
    const te = Array.from(test).filter((i) => target.labels[i]! >= 0);
    const trainClasses = [...new Set(tr.map((i) => target.labels[i]!))].sort((a, b) => a - b);
    if (trainClasses.length < 2) {
      skipped.push({
        target: target.name,
        reason: `the train split holds ${trainClasses.length === 0 ? "no labelled row" : `only one class (${target.classes[trainClasses[0]!]})`}, so no classifier can be fitted`,
      });
      continue;
    }
    if (te.length === 0) {
      skipped.push({ target: target.name, reason: "the test split holds no labelled row" });
      continue;
    }
    for (const rep of reps) {
      const p = logisticProbe(
        takeRows(rep.X, tr),
        tr.map((i) => target.labels[i]!),
        takeRows(rep.X, te),
        te.map((i) => target.labels[i]!),
      );
      rows.push({
        representation: rep.name,
        target: target.name,
        balancedAccuracy: p.balancedAccuracy,
        accuracy: p.accuracy,
        macroF1: p.macroF1,
        majorityAccuracy: p.majorityAccuracy,
        chance: 1 / target.classes.length,
        nTrain: p.nTrain,
        nTest: p.nTest,
      });
    }
  }
  const scored = `scored on all ${test.length.toLocaleString("en-US")} test-split rows`;
  const note = s.sampled
    ? `fitted on ${s.note.replace(/^sampled /, "")} of the train split, ${scored}`
    : `fitted on all ${train.length.toLocaleString("en-US")} train-split rows, ${scored}`;
  return { rows, note, skipped };
}

/** Probe results as a table: one row per representation, balanced accuracy per target, then chance levels. */
export function probePivot(rows: ProbeRow[], order: string[]): Record<string, Cell>[] {
  const targets = [...new Set(rows.map((r) => r.target))];
  const table: Record<string, Cell>[] = order
    .filter((rep) => rows.some((r) => r.representation === rep))
    .map((rep) => {
      const row: Record<string, Cell> = { representation: modelLabel(rep) };
      for (const t of targets)
        row[`${t}: balanced accuracy`] =
          rows.find((r) => r.representation === rep && r.target === t)?.balancedAccuracy ?? null;
      for (const t of targets)
        row[`${t}: macro-F1`] = rows.find((r) => r.representation === rep && r.target === t)?.macroF1 ?? null;
      return row;
    });
  const chance: Record<string, Cell> = { representation: "chance (1 / classes)" };
  for (const t of targets) chance[`${t}: balanced accuracy`] = rows.find((r) => r.target === t)!.chance;
  for (const t of targets) chance[`${t}: macro-F1`] = null;
  table.push(chance);
  return table;
}

// ---------------------------------------------------------------------------------------
// Interpretation: correlations with features and market variables, traversals
// ---------------------------------------------------------------------------------------

/** Daily market variables, indexed by day - day0. NaN where undefined. */
export interface MarketSeries {
  day0: number;
  /** Equal-weighted mean daily log return of the non-stablecoin tokens. */
  marketReturn: Float64Array;
  /** Standard deviation of marketReturn over the last MARKET_WINDOW days (this one included). */
  marketVol: Float64Array;
  /** log10 of the day's total volume, z-scored against the previous MARKET_WINDOW days. */
  marketVolumeZ: Float64Array;
}

/**
 * Market return, volatility and volume per day from the panel (causal: each value uses
 * that day and earlier ones). Returns need a token's previous calendar day; stablecoins are
 * left out of the market return (they would pull it towards 0).
 */
export function marketSeries(panel: Panel): MarketSeries {
  const n = panel.day.length;
  if (n === 0) throw new Error("marketSeries: the panel is empty.");
  let day0 = Infinity;
  let day1 = -Infinity;
  for (let i = 0; i < n; i++) {
    day0 = Math.min(day0, panel.day[i]!);
    day1 = Math.max(day1, panel.day[i]!);
  }
  const span = day1 - day0 + 1;
  const sumRet = new Float64Array(span);
  const cntRet = new Int32Array(span);
  const volume = new Float64Array(span);
  for (let i = 0; i < n; i++) {
    const t = panel.day[i]! - day0;
    const v = panel.volume[i]!;
    if (Number.isFinite(v) && v > 0) volume[t] += v;
    if (i === 0 || panel.token[i - 1] !== panel.token[i] || panel.day[i - 1] !== panel.day[i]! - 1) continue;
    if (panel.tokens[panel.token[i]!]?.sector === "stablecoin") continue;
    const r = Math.log(panel.close[i]! / panel.close[i - 1]!);
    if (!Number.isFinite(r)) continue;
    sumRet[t] += r;
    cntRet[t]++;
  }
  const marketReturn = Float64Array.from(sumRet, (s, t) => (cntRet[t]! > 0 ? s / cntRet[t]! : NaN));
  const marketVol = new Float64Array(span).fill(NaN);
  const marketVolumeZ = new Float64Array(span).fill(NaN);
  const logVol = Float64Array.from(volume, (v) => (v > 0 ? Math.log10(v) : NaN));
  for (let t = 0; t < span; t++) {
    const win = (arr: Float64Array, from: number, to: number): number[] => {
      const out: number[] = [];
      for (let u = Math.max(0, from); u <= to; u++) if (Number.isFinite(arr[u]!)) out.push(arr[u]!);
      return out;
    };
    const rets = win(marketReturn, t - MARKET_WINDOW + 1, t);
    if (rets.length >= MARKET_MIN_OBS) marketVol[t] = std(rets, 1);
    const past = win(logVol, t - MARKET_WINDOW, t - 1);
    if (past.length >= MARKET_MIN_OBS && Number.isFinite(logVol[t]!)) {
      const s = std(past, 1);
      if (s > 0) marketVolumeZ[t] = (logVol[t]! - mean(past)) / s;
    }
  }
  return { day0, marketReturn, marketVol, marketVolumeZ };
}

/** Variables to correlate latent dimensions with, over the aligned rows that have all of them. */
export interface InterpretationVariables {
  /** Column names, e.g. "vol_30d", "market return", "sector: defi". */
  names: string[];
  /** Group of each column: "input feature", "market", "regime", "sector". */
  groups: string[];
  /** `[kept, names.length]`. */
  matrix: Matrix;
  /** Aligned rows used (every variable finite). */
  kept: Int32Array;
  /** Aligned rows left out because a market variable is undefined on their day (too early in the panel). */
  dropped: number;
}

/**
 * The raw input features of each aligned row, the market's return, volatility and volume
 * z-score on its day, the market regime (synthetic market) and its token's sector, as 0/1
 * indicators for the categorical ones.
 */
export function interpretationVariables(
  aligned: AlignedLatents,
  d: Dataset,
  panel: Panel,
  truth: MarketTruth | null,
): InterpretationVariables {
  const market = marketSeries(panel);
  const cols: { name: string; group: string; values: Float64Array }[] = [];
  d.meta.featureNames.forEach((f, j) =>
    cols.push({
      name: f,
      group: "input feature",
      values: Float64Array.from(aligned.datasetRow, (r) => d.raw.data[r * d.raw.cols + j]!),
    }),
  );
  const at = (arr: Float64Array) => Float64Array.from(aligned.day, (day) => arr[day - market.day0] ?? NaN);
  cols.push({ name: "market return", group: "market", values: at(market.marketReturn) });
  cols.push({ name: `market vol (${MARKET_WINDOW}d)`, group: "market", values: at(market.marketVol) });
  cols.push({ name: "market volume z", group: "market", values: at(market.marketVolumeZ) });
  const regime = regimeTarget(aligned, truth);
  if (regime)
    regime.classes.forEach((c, k) =>
      cols.push({
        name: `regime: ${c}`,
        group: "regime",
        values: Float64Array.from(regime.labels, (l) => (l < 0 ? NaN : l === k ? 1 : 0)),
      }),
    );
  const sectors = sectorLabels(aligned.token, d.tokens);
  if (sectors) {
    for (const s of [...new Set(sectors)].filter((x) => x !== UNKNOWN_SECTOR).sort())
      cols.push({
        name: `sector: ${s}`,
        group: "sector",
        values: Float64Array.from(sectors, (x) => (x === s ? 1 : 0)),
      });
  }
  const keep: number[] = [];
  for (let i = 0; i < aligned.n; i++) if (cols.every((c) => Number.isFinite(c.values[i]!))) keep.push(i);
  const kept = Int32Array.from(keep);
  const q = cols.length;
  const data = new Float32Array(kept.length * q);
  for (let k = 0; k < kept.length; k++) for (let c = 0; c < q; c++) data[k * q + c] = cols[c]!.values[kept[k]!]!;
  return {
    names: cols.map((c) => c.name),
    groups: cols.map((c) => c.group),
    matrix: { data, rows: kept.length, cols: q },
    kept,
    dropped: aligned.n - kept.length,
  };
}

/** Correlation of one latent dimension with one variable. */
export interface LatentCorrelation {
  model: string;
  dim: string;
  variable: string;
  group: string;
  r: number;
}

/**
 * Pearson correlation of each of a model's latent dimensions with each variable (over the
 * variables' kept rows). A constant column gives NaN, reported as 0 in the heatmap rows.
 */
export function latentCorrelations(
  aligned: AlignedLatents,
  vars: InterpretationVariables,
  model: string,
): LatentCorrelation[] {
  if (vars.kept.length < 3)
    throw new Error(
      `Only ${vars.kept.length} aligned rows have every market variable; correlations need at least 3. Use more days of data.`,
    );
  const z = takeRows(aligned.latents[model]!, vars.kept);
  const c = correlationMatrix(z, vars.matrix);
  const out: LatentCorrelation[] = [];
  for (let i = 0; i < c.rows; i++)
    for (let j = 0; j < c.cols; j++)
      out.push({ model, dim: `z${i}`, variable: vars.names[j]!, group: vars.groups[j]!, r: c.data[i * c.cols + j]! });
  return out;
}

/** The strongest |r| of each dimension, or of the model, within a group of variables. */
export function strongestCorrelation(rows: LatentCorrelation[], group?: string): LatentCorrelation | null {
  let best: LatentCorrelation | null = null;
  for (const r of rows)
    if ((!group || r.group === group) && Number.isFinite(r.r) && (!best || Math.abs(r.r) > Math.abs(best.r))) best = r;
  return best;
}

/** A model that can decode latent vectors (the row models' `decodeLatents`). */
export interface LatentDecoder {
  readonly name: string;
  readonly latentDim: number;
  readonly featureNames: string[];
  decodeLatents(z: Matrix): Matrix;
}

/**
 * Load a saved row model (models/<name>/) that can decode latent vectors (AE, VAE, DAE, PCA).
 * @throws naming the notebook to run when the model was not saved, or when it cannot decode.
 */
export async function loadDecoder(
  modelsDir: string,
  name: string,
  featureNames: string[],
): Promise<LatentDecoder & { dispose(): void }> {
  const dir = path.join(modelsDir, name);
  if (!fs.existsSync(path.join(dir, "meta.json"))) {
    throw new Error(
      `No saved model in ${dir}. Run notebook ${LATENT_PRODUCERS[name] ?? "that trains it"} first (npm run notebook -- ${(LATENT_PRODUCERS[name] ?? "").slice(0, 2)}); it saves models/${name}/.`,
    );
  }
  const model = (await loadRowModel(dir, featureNames)) as unknown as Partial<LatentDecoder> & {
    name: string;
    dispose(): void;
  };
  if (typeof model.decodeLatents !== "function") {
    model.dispose();
    throw new Error(
      `${dir} holds a model without a decoder (decodeLatents); latent traversals need an AE, VAE, DAE or PCA model.`,
    );
  }
  return model as LatentDecoder & { dispose(): void };
}

/** Decoded feature values along one latent dimension, and each dimension's effect. */
export interface TraversalResult {
  model: string;
  /** One row per (dimension, offset in sd, feature): the decoded standardised value. */
  rows: { dim: string; offset: number; feature: string; value: number }[];
  /** Per dimension: mean |decoded(+span) - decoded(-span)| over features, and the feature it moves most. */
  effects: { dim: string; sd: number; effect: number; topFeature: string; topDelta: number }[];
  /** Dimensions whose effect exceeds ACTIVE_DIM_THRESHOLD. */
  activeDims: number;
}

/**
 * Latent traversal: start from the mean code of `latents`, move one dimension at a time
 * from -span to +span of its standard deviation (others held at their mean) and decode.
 * @param latents `[n, latentDim]` codes of real rows (the VAE's posterior means), n >= 2.
 */
export function latentTraversal(
  decoder: LatentDecoder,
  latents: Matrix,
  options: { steps?: number; span?: number } = {},
): TraversalResult {
  const steps = options.steps ?? TRAVERSAL_STEPS;
  const span = options.span ?? TRAVERSAL_SPAN;
  if (!Number.isInteger(steps) || steps < 2)
    throw new Error(`latentTraversal: steps must be an integer >= 2, got ${steps}.`);
  if (!(span > 0)) throw new Error(`latentTraversal: span must be > 0 standard deviations, got ${span}.`);
  const k = decoder.latentDim;
  if (latents.cols !== k)
    throw new Error(`latentTraversal: latents have ${latents.cols} columns but ${decoder.name} has latentDim ${k}.`);
  if (latents.rows < 2)
    throw new Error(
      `latentTraversal needs at least 2 latent rows to estimate each dimension's spread, got ${latents.rows}.`,
    );
  const mu = new Float64Array(k);
  const sdv = new Float64Array(k);
  for (let i = 0; i < latents.rows; i++) for (let j = 0; j < k; j++) mu[j] += latents.data[i * k + j]! / latents.rows;
  for (let i = 0; i < latents.rows; i++)
    for (let j = 0; j < k; j++) sdv[j] += (latents.data[i * k + j]! - mu[j]!) ** 2 / (latents.rows - 1);
  for (let j = 0; j < k; j++) sdv[j] = Math.sqrt(sdv[j]!);
  const offsets = Array.from({ length: steps }, (_, s) => -span + (2 * span * s) / (steps - 1));
  const codes = new Float32Array(k * steps * k);
  for (let j = 0; j < k; j++) {
    for (let s = 0; s < steps; s++) {
      const row = (j * steps + s) * k;
      for (let c = 0; c < k; c++) codes[row + c] = mu[c]!;
      codes[row + j] = mu[j]! + offsets[s]! * sdv[j]!;
    }
  }
  const decoded = decoder.decodeLatents({ data: codes, rows: k * steps, cols: k });
  const f = decoder.featureNames.length;
  const rows: TraversalResult["rows"] = [];
  const effects: TraversalResult["effects"] = [];
  for (let j = 0; j < k; j++) {
    for (let s = 0; s < steps; s++) {
      for (let c = 0; c < f; c++)
        rows.push({
          dim: `z${j}`,
          offset: offsets[s]!,
          feature: decoder.featureNames[c]!,
          value: decoded.data[(j * steps + s) * f + c]!,
        });
    }
    const lo = j * steps * f;
    const hi = (j * steps + steps - 1) * f;
    let sum = 0;
    let top = 0;
    let topDelta = 0;
    for (let c = 0; c < f; c++) {
      const delta = decoded.data[hi + c]! - decoded.data[lo + c]!;
      sum += Math.abs(delta);
      if (Math.abs(delta) > Math.abs(topDelta)) {
        topDelta = delta;
        top = c;
      }
    }
    effects.push({ dim: `z${j}`, sd: sdv[j]!, effect: sum / f, topFeature: decoder.featureNames[top]!, topDelta });
  }
  return {
    model: decoder.name,
    rows,
    effects,
    activeDims: effects.filter((e) => e.effect > ACTIVE_DIM_THRESHOLD).length,
  };
}

// ---------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------

/** Colouring of a UMAP small-multiples figure. */
export interface UmapColour {
  field: string;
  type: "nominal" | "quantitative" | "ordinal" | "temporal";
  title: string;
  domain?: string[];
  range?: string[];
  scheme?: string;
}

/** Distinct colours of the top tokens (Tableau 10, as vega's default categorical scheme). */
export const TOKEN_COLOURS: readonly string[] = [
  "#4c78a8",
  "#f58518",
  "#e45756",
  "#72b7b2",
  "#54a24b",
  "#eeca3b",
  "#b279a2",
  "#ff9da6",
  "#9d755d",
  "#bab0ac",
];
/** Colours of the volatility terciles: calm blue, neutral grey, alarm red. */
export const TERCILE_COLOURS: readonly string[] = ["#4c78a8", "#b0b0b0", "#e45756"];

/** Colours of the synthetic market's regimes by name (others get the default scheme). */
export const REGIME_COLOURS: Record<string, string> = { calm: "#4c78a8", bull: "#54a24b", bear: "#e45756" };

/** Colour of tokens outside the top list. */
export const OTHER_COLOUR = "#cfcfcf";
/** Label of tokens outside the top list. */
export const OTHER_TOKENS = "other tokens";

/**
 * Rows of the UMAP scatter plots: one per (model, plotted point) with the model label, u0,
 * u1, symbol, sector, ISO date and any extra per-row labels (e.g. volatility tercile,
 * market regime).
 * @param plotRows row numbers into the embedded sample, the same for every model.
 * @param extra label arrays over the aligned rows.
 */
export function umapPlotRows(
  aligned: AlignedLatents,
  sample: Int32Array,
  embeddings: ModelEmbedding[],
  plotRows: ArrayLike<number>,
  tokens: TokenInfo[],
  extra: Record<string, ArrayLike<string>> = {},
): Row[] {
  const rows: Row[] = [];
  for (const e of embeddings) {
    const u = e.umap.embedding;
    for (let k = 0; k < plotRows.length; k++) {
      const p = plotRows[k]!;
      const r = sample[p]!;
      const t = aligned.token[r]!;
      const row: Row = {
        model: modelLabel(e.model),
        u0: u.data[p * u.cols]!,
        u1: u.data[p * u.cols + 1]!,
        symbol: tokens[t]!.symbol,
        sector: tokens[t]!.sector ?? UNKNOWN_SECTOR,
        date: dayToIso(aligned.day[r]!),
      };
      for (const [name, v] of Object.entries(extra)) row[name] = v[r]!;
      rows.push(row);
    }
  }
  return rows;
}

/**
 * Rows of the "by token" plots: the TOP_TOKENS tokens with the most embedded points, with
 * all their embedded points (labelled "symbol (sector)"), drawn over the plotted sample's
 * other tokens in grey (field `token` = OTHER_TOKENS, listed first so they lie underneath).
 */
export function umapTokenRows(
  aligned: AlignedLatents,
  sample: Int32Array,
  embeddings: ModelEmbedding[],
  plotRows: ArrayLike<number>,
  tokens: TokenInfo[],
): { rows: Row[]; topTokens: string[] } {
  const counts = new Map<number, number>();
  for (const r of sample) counts.set(aligned.token[r]!, (counts.get(aligned.token[r]!) ?? 0) + 1);
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, TOP_TOKENS)
    .map(([t]) => t);
  const topSet = new Set(top);
  const label = (t: number) => `${tokens[t]!.symbol} (${tokens[t]!.sector ?? UNKNOWN_SECTOR})`;
  const others = Array.from(plotRows).filter((p) => !topSet.has(aligned.token[sample[p]!]!));
  const mine = Array.from(sample.keys()).filter((p) => topSet.has(aligned.token[sample[p]!]!));
  const tokenOf = (p: number) => aligned.token[sample[p]!]!;
  const rows: Row[] = [];
  for (const e of embeddings) {
    for (const [ps, named] of [
      [others, false],
      [mine, true],
    ] as const) {
      const part = umapPlotRows(aligned, sample, [e], ps, tokens);
      part.forEach((row, k) => (row.token = named ? label(tokenOf(ps[k]!)) : OTHER_TOKENS));
      rows.push(...part);
    }
  }
  return { rows, topTokens: top.map(label) };
}

/** Small multiples of UMAP embeddings, one panel per model, coloured by one field, with (symbol, date) tooltips. */
export function umapSmallMultiples(
  rows: Row[],
  colour: UmapColour,
  o: { title: string; subtitle?: string; models: string[]; columns?: number },
): VlSpec {
  const scale: VlSpec = {};
  if (colour.domain) scale.domain = colour.domain;
  if (colour.range) scale.range = colour.range;
  if (colour.scheme) scale.scheme = colour.scheme;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    // Only the fields this figure uses, numbers to 3 significant digits: the data is embedded in the notebook.
    data: {
      values: compactRows(
        rows.map((r) => Object.fromEntries([...UMAP_PLOT_FIELDS, colour.field].map((f) => [f, r[f] ?? null]))),
        3,
      ),
    },
    facet: { field: "model", type: "nominal", title: null, sort: o.models.map(modelLabel) },
    columns: o.columns ?? 3,
    spec: {
      width: 250,
      height: 210,
      // aria: false drops vega's per-point accessibility labels, ~40% of the SVG's bytes here.
      mark: { type: "circle", size: 14, opacity: 0.7, aria: false },
      encoding: {
        x: { field: "u0", type: "quantitative", title: "UMAP 1", axis: { labels: false, ticks: false } },
        y: { field: "u1", type: "quantitative", title: "UMAP 2", axis: { labels: false, ticks: false } },
        color: {
          field: colour.field,
          type: colour.type,
          title: colour.title,
          ...(Object.keys(scale).length ? { scale } : {}),
          ...(colour.type === "temporal" ? { legend: { format: "%b %Y" } } : {}),
        },
        tooltip: [
          { field: "symbol", title: "token" },
          { field: "date", title: "day" },
          { field: "sector" },
          ...(colour.field !== "sector" && colour.field !== "token" && colour.field !== "date"
            ? [{ field: colour.field }]
            : []),
        ],
      },
    },
    resolve: { scale: { x: "independent", y: "independent" } },
  };
}

/** Square heatmap of pair values (CKA, kNN overlap) with the values printed. */
export function pairHeatmap(
  pairs: PairValue[],
  order: string[],
  o: { title: string; subtitle?: string; valueTitle: string },
): VlSpec {
  const labels = order.map(modelLabel);
  const size = Math.max(220, 58 * order.length);
  const enc = {
    x: { field: "b", type: "ordinal", sort: labels, title: null, axis: { labelAngle: -30 } },
    y: { field: "a", type: "ordinal", sort: labels, title: null },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: size,
    height: size,
    data: {
      values: compactRows(
        pairs.map((p) => ({ a: modelLabel(p.a), b: modelLabel(p.b), value: p.value })),
        4,
      ),
    },
    layer: [
      {
        mark: "rect",
        encoding: {
          ...enc,
          color: {
            field: "value",
            type: "quantitative",
            title: o.valueTitle,
            scale: { scheme: "blues", domain: [0, 1] },
          },
          tooltip: [{ field: "a" }, { field: "b" }, { field: "value", format: ".3f" }],
        },
      },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: {
          ...enc,
          text: { field: "value", type: "quantitative", format: ".2f" },
          color: { condition: { test: "datum.value > 0.6", value: "white" }, value: "#222" },
        },
      },
    ],
  };
}

/**
 * Latent-feature correlation heatmaps, one per model stacked vertically: rows = latent
 * dimensions, columns = variables in the given order (inputs, market, regime, sector).
 */
export function correlationHeatmaps(
  rows: LatentCorrelation[],
  models: string[],
  variables: string[],
  o: { title: string; subtitle?: string },
): VlSpec {
  const cell = 17;
  const specs = models.map((m) => {
    const mine = rows.filter((r) => r.model === m);
    const dims = [...new Set(mine.map((r) => r.dim))];
    return {
      title: { text: modelLabel(m), anchor: "start", fontSize: 12 },
      width: cell * variables.length,
      height: cell * dims.length,
      data: {
        values: compactRows(
          mine.map((r) => ({ dim: r.dim, variable: r.variable, group: r.group, r: Number.isFinite(r.r) ? r.r : 0 })),
          3,
        ),
      },
      mark: { type: "rect", aria: false },
      encoding: {
        x: {
          field: "variable",
          type: "ordinal",
          sort: variables,
          title: null,
          axis:
            m === models[models.length - 1] ? { labelAngle: -50, labelLimit: 180 } : { labels: false, ticks: false },
        },
        y: { field: "dim", type: "ordinal", sort: dims, title: null },
        color: {
          field: "r",
          type: "quantitative",
          title: "Pearson r",
          scale: { scheme: "redblue", reverse: true, domain: [-1, 1] },
        },
        tooltip: [{ field: "dim" }, { field: "variable" }, { field: "group" }, { field: "r", format: ".3f" }],
      },
    };
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    vconcat: specs,
    spacing: 8,
    resolve: { scale: { color: "shared" } },
  };
}

/** Blues for negative shifts, dark grey for none, reds for positive ones (darker = farther). */
export function traversalColours(offsets: number[]): string[] {
  const blues = ["#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  const reds = ["#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
  const maxAbs = Math.max(...offsets.map(Math.abs), 1e-12);
  const shade = (v: number, ramp: string[]) =>
    ramp[Math.min(ramp.length - 1, Math.floor((Math.abs(v) / maxAbs) * (ramp.length - 1) + 1e-9))]!;
  return offsets.map((v) => (v === 0 ? "#444444" : v < 0 ? shade(v, blues) : shade(v, reds)));
}

/** Feature profiles of a traversal: one panel per latent dimension, one line per offset. */
export function traversalChart(
  t: TraversalResult,
  featureNames: string[],
  o: { title: string; subtitle?: string; columns?: number },
): VlSpec {
  const offsets = [...new Set(t.rows.map((r) => Number(r.offset.toFixed(2))))].sort((a, b) => a - b);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    data: {
      values: compactRows(
        t.rows.map((r) => ({ ...r, offset: Number(r.offset.toFixed(2)) })),
        4,
      ),
    },
    facet: { field: "dim", type: "ordinal", title: null, sort: t.effects.map((e) => e.dim) },
    columns: o.columns ?? 4,
    spec: {
      width: 190,
      height: 120,
      mark: { type: "line", strokeWidth: 1.4, point: { size: 12, aria: false }, aria: false },
      encoding: {
        x: {
          field: "feature",
          type: "ordinal",
          sort: featureNames,
          title: null,
          axis: { labelAngle: -60, labelFontSize: 8 },
        },
        y: { field: "value", type: "quantitative", title: "decoded (sd)" },
        color: {
          field: "offset",
          type: "ordinal",
          title: "shift (sd)",
          scale: { domain: offsets, range: traversalColours(offsets) },
        },
        tooltip: [{ field: "dim" }, { field: "offset" }, { field: "feature" }, { field: "value", format: ".3f" }],
      },
    },
  };
}

// ---------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------

/** Everything the findings are built from. */
export interface LatentFindingsInput {
  /** Compared models, in display order. */
  models: string[];
  /** CKA pairs over the models and FEATURES_NAME. */
  cka: PairValue[];
  /** kNN-overlap pairs over the models and FEATURES_NAME (on the embedded sample). */
  overlap: PairValue[];
  quality: EmbeddingQuality[];
  /** Sector separation of the input features on the same sample, or null without sectors. */
  featuresSeparation: { silhouette: number; purity: number; chance: number } | null;
  probes: ProbeRow[];
  /** Probe targets that could not be fitted, with the reason. */
  skippedProbes?: { target: string; reason: string }[];
  correlations: LatentCorrelation[];
  traversals: TraversalResult[];
  /** Number of known sectors (0 when unknown). */
  nSectors: number;
  /** True for the synthetic market (sectors and regimes are ground truth). */
  synthetic: boolean;
}

const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : "n/a");
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : "n/a");
const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(0)}%` : "n/a");

function extreme<T>(items: T[], value: (t: T) => number, max: boolean): T | null {
  let best: T | null = null;
  for (const it of items) {
    const v = value(it);
    if (!Number.isFinite(v)) continue;
    if (best === null || (max ? v > value(best) : v < value(best))) best = it;
  }
  return best;
}

/** One row per model (and the input features) of the sector-recovery numbers. */
export function sectorRecoveryRows(input: LatentFindingsInput): Record<string, Cell>[] {
  const probe = (rep: string) => input.probes.find((p) => p.representation === rep && p.target === "sector");
  const rows: Record<string, Cell>[] = input.quality.map((q) => ({
    representation: modelLabel(q.model),
    "silhouette (latent)": q.silhouetteLatent,
    "silhouette (UMAP)": q.silhouetteUmap,
    [`same-sector share of ${METRIC_K} neighbours`]: q.sectorPurity,
    "probe balanced accuracy": probe(q.model)?.balancedAccuracy ?? null,
  }));
  if (input.featuresSeparation) {
    rows.push({
      representation: modelLabel(FEATURES_NAME),
      "silhouette (latent)": input.featuresSeparation.silhouette,
      "silhouette (UMAP)": null,
      [`same-sector share of ${METRIC_K} neighbours`]: input.featuresSeparation.purity,
      "probe balanced accuracy": probe(FEATURES_NAME)?.balancedAccuracy ?? null,
    });
    rows.push({
      representation: "chance",
      "silhouette (latent)": 0,
      "silhouette (UMAP)": 0,
      [`same-sector share of ${METRIC_K} neighbours`]: input.featuresSeparation.chance,
      "probe balanced accuracy": input.nSectors > 0 ? 1 / input.nSectors : null,
    });
  }
  return rows;
}

/** Which latent spaces beat the input features at reading sectors, as a sentence. */
function readability(better: string[], total: number): string {
  const what = "sectors more linearly readable than the day's input features";
  if (better.length === 0) return `No latent space makes ${what}.`;
  if (better.length === total) return `Every latent space makes ${what}.`;
  return `Only ${better.join(", ")} make${better.length === 1 ? "s" : ""} ${what}.`;
}

/**
 * Headline numbers and findings of the latent-space section, every sentence built from
 * the measured numbers passed in.
 */
export function latentFindings(input: LatentFindingsInput): { headline: Record<string, Cell>; findings: string[] } {
  const L = modelLabel;
  const findings: string[] = [];
  const headline: Record<string, Cell> = {};
  const models = input.models;
  const modelPairs = uniquePairs(input.cka, models).filter((p) => models.includes(p.a) && models.includes(p.b));

  // Similarity of the representations (CKA).
  if (modelPairs.length) {
    const lo = extreme(modelPairs, (p) => p.value, false)!;
    const hi = extreme(modelPairs, (p) => p.value, true)!;
    headline["CKA between models"] = `${f2(lo.value)} - ${f2(hi.value)}`;
    const toFeatures = models.map((m) => ({
      m,
      v: input.cka.find((p) => p.a === m && p.b === FEATURES_NAME)?.value ?? NaN,
    }));
    const fHi = extreme(toFeatures, (x) => x.v, true);
    const fLo = extreme(toFeatures, (x) => x.v, false);
    const meanTo = (m: string) => {
      const v = modelPairs.filter((p) => p.a === m || p.b === m).map((p) => p.value);
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    const loner = extreme(models, meanTo, false)!;
    findings.push(
      `Linear CKA between the models' latent spaces ranges from **${f2(lo.value)}** (${L(lo.a)} vs ${L(lo.b)}) to **${f2(hi.value)}** (${L(hi.a)} vs ${L(hi.b)}); ` +
        `the least similar to the others on average is ${L(loner)} (mean CKA ${f2(meanTo(loner))}).` +
        (fHi && fLo
          ? ` Against the input features, CKA ranges from ${f2(fLo.v)} (${L(fLo.m)}) to ${f2(fHi.v)} (${L(fHi.m)}).`
          : ""),
    );
  }

  // Local neighbourhoods across spaces.
  const ovPairs = uniquePairs(input.overlap, models).filter((p) => models.includes(p.a) && models.includes(p.b));
  if (ovPairs.length) {
    const lo = extreme(ovPairs, (p) => p.value, false)!;
    const hi = extreme(ovPairs, (p) => p.value, true)!;
    const toFeatures = models.map((m) => ({
      m,
      v: input.overlap.find((p) => p.a === m && p.b === FEATURES_NAME)?.value ?? NaN,
    }));
    const best = extreme(toFeatures, (x) => x.v, true);
    findings.push(
      `Of a point's ${METRIC_K} nearest neighbours, two models' latent spaces share on average between **${pct(lo.value)}** (${L(lo.a)} vs ${L(lo.b)}) and **${pct(hi.value)}** (${L(hi.a)} vs ${L(hi.b)}).` +
        (best
          ? ` ${L(best.m)} keeps the most of the input-feature neighbourhoods (${pct(best.v)} shared with the input features' own ${METRIC_K} neighbours).`
          : ""),
    );
  }

  // UMAP distortion.
  if (input.quality.length) {
    const tLo = extreme(input.quality, (q) => q.trustworthiness, false)!;
    const tHi = extreme(input.quality, (q) => q.trustworthiness, true)!;
    const oLo = extreme(input.quality, (q) => q.umapOverlap, false)!;
    const oHi = extreme(input.quality, (q) => q.umapOverlap, true)!;
    headline["UMAP trustworthiness"] = `${f3(tLo.trustworthiness)} - ${f3(tHi.trustworthiness)}`;
    findings.push(
      `UMAP keeps between **${pct(oLo.umapOverlap)}** (${L(oLo.model)}) and **${pct(oHi.umapOverlap)}** (${L(oHi.model)}) of each point's ${METRIC_K} latent neighbours among its ${METRIC_K} neighbours in 2-D; ` +
        `trustworthiness is ${f3(tLo.trustworthiness)} (${L(tLo.model)}) to ${f3(tHi.trustworthiness)} (${L(tHi.model)}): ` +
        (tLo.trustworthiness >= 0.9
          ? "points that look close on the maps are close in latent space, while the exact neighbour lists are only partly kept."
          : "some points that look close on the maps are not close in latent space; read the maps for coarse structure only."),
    );
  }

  // Sectors (known on the synthetic market).
  if (input.nSectors > 0 && input.quality.length) {
    const probe = (rep: string) => input.probes.find((p) => p.representation === rep && p.target === "sector");
    const bestSil = extreme(input.quality, (q) => q.silhouetteLatent, true)!;
    const worstSil = extreme(input.quality, (q) => q.silhouetteLatent, false)!;
    const bestUmapSil = extreme(input.quality, (q) => q.silhouetteUmap, true)!;
    const bestPurity = extreme(input.quality, (q) => q.sectorPurity, true)!;
    headline["best sector silhouette (latent)"] = `${f3(bestSil.silhouetteLatent)} (${L(bestSil.model)})`;
    const intro = input.synthetic
      ? `On the synthetic market the ${input.nSectors} sectors are known (ground truth).`
      : `${input.nSectors} sectors are known from the token list.`;
    findings.push(
      `${intro} Sector silhouettes in latent space range from **${f3(worstSil.silhouetteLatent)}** (${L(worstSil.model)}) to **${f3(bestSil.silhouetteLatent)}** (${L(bestSil.model)})` +
        (input.featuresSeparation ? ` (input features: ${f3(input.featuresSeparation.silhouette)})` : "") +
        `, and in UMAP up to ${f3(bestUmapSil.silhouetteUmap)} (${L(bestUmapSil.model)}). ` +
        `${bestSil.silhouetteLatent < 0.25 ? "No latent space forms compact sector clusters (a silhouette below 0.25 means sectors overlap); " : "Sectors form recognisable clusters; "}` +
        `locally, up to **${pct(bestPurity.sectorPurity)}** of a point's ${METRIC_K} nearest latent neighbours share its sector (${L(bestPurity.model)}), against ${pct(bestPurity.sectorPurityChance)} by chance.`,
    );
    const probes = input.quality.map((q) => ({ m: q.model, v: probe(q.model)?.balancedAccuracy ?? NaN }));
    const bestProbe = extreme(probes, (x) => x.v, true);
    const worstProbe = extreme(probes, (x) => x.v, false);
    const feat = probe(FEATURES_NAME);
    if (bestProbe && worstProbe) {
      headline["best sector probe (balanced accuracy)"] = `${f2(bestProbe.v)} (${L(bestProbe.m)})`;
      const ranking = [...probes]
        .filter((x) => Number.isFinite(x.v))
        .sort((a, b) => b.v - a.v)
        .map((x) => `${L(x.m)} ${f2(x.v)}`)
        .join(", ");
      findings.push(
        `A linear probe trained on the train split's days recovers the sector of test-split days with balanced accuracy ${ranking}` +
          (feat ? `; the raw input features give ${f2(feat.balancedAccuracy)}` : "") +
          ` and guessing ${f2(1 / input.nSectors)}. ` +
          (feat
            ? readability(
                probes.filter((x) => x.v > feat.balancedAccuracy).map((x) => L(x.m)),
                probes.filter((x) => Number.isFinite(x.v)).length,
              )
            : ""),
      );
    }
  }

  // Other probes: volatility and market regime.
  for (const target of [...new Set(input.probes.map((p) => p.target))].filter((t) => t !== "sector")) {
    const rows = input.probes.filter((p) => p.target === target);
    const modelsRows = rows.filter((p) => models.includes(p.representation));
    const best = extreme(modelsRows, (p) => p.balancedAccuracy, true);
    const worst = extreme(modelsRows, (p) => p.balancedAccuracy, false);
    const feat = rows.find((p) => p.representation === FEATURES_NAME);
    const pca = rows.find((p) => p.representation === "pca");
    if (!best || !worst) continue;
    findings.push(
      `Probe for the ${target}: balanced accuracy on test-split days from ${f2(worst.balancedAccuracy)} (${L(worst.representation)}) to **${f2(best.balancedAccuracy)}** (${L(best.representation)})` +
        (pca && best.representation !== "pca" && worst.representation !== "pca"
          ? `, PCA ${f2(pca.balancedAccuracy)}`
          : "") +
        (feat ? `, raw features ${f2(feat.balancedAccuracy)}` : "") +
        `, chance ${f2(best.chance)}.`,
    );
  }

  for (const sk of input.skippedProbes ?? []) findings.push(`The ${sk.target} probe was not run: ${sk.reason}.`);

  // Correlations with inputs and the market.
  const perModel = models
    .map((m) => {
      const mine = input.correlations.filter((c) => c.model === m);
      return { m, feature: strongestCorrelation(mine, "input feature"), market: strongestCorrelation(mine, "market") };
    })
    .filter((x) => x.feature);
  if (perModel.length) {
    findings.push(
      `Each model has dimensions that track single inputs: ` +
        perModel
          .map((x) => `${L(x.m)} ${x.feature!.dim} with ${x.feature!.variable} (r = ${f2(x.feature!.r)})`)
          .join("; ") +
        `. The strongest link to the market is ` +
        perModel
          .filter((x) => x.market)
          .map((x) => `${L(x.m)} ${x.market!.dim} with ${x.market!.variable} (r = ${f2(x.market!.r)})`)
          .join("; ") +
        ".",
    );
  }

  // Traversals.
  for (const t of input.traversals) {
    const top = extreme(t.effects, (e) => e.effect, true);
    if (!top) continue;
    findings.push(
      `${L(t.model)} traversal: **${t.activeDims} of ${t.effects.length}** latent dimensions change the decoded features by more than ${ACTIVE_DIM_THRESHOLD} sd on average when moved from -${TRAVERSAL_SPAN} to +${TRAVERSAL_SPAN} sd; ` +
        `the most influential, ${top.dim}, moves ${top.topFeature} by ${f2(top.topDelta)} sd (mean effect ${f2(top.effect)} sd).`,
    );
  }
  return { headline, findings };
}
