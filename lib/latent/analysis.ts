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
import { takeRows, type Matrix } from "../runtime/matrix";
import type { Rng } from "../runtime/rng";
import type { ArtifactStore, Table } from "../runtime/artifacts";
import { dayToIso, type TokenInfo } from "../data/panel";
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
import { dropNonFinite } from "../features/sampling";
import {
  DEFAULT_N_NEIGHBORS,
  computeKnn,
  knnNeighbourMatrix,
  runUmapAsync,
  type KnnResult,
  type UmapResult,
} from "./umap";
import { linearCKA, neighbourOverlap, silhouette, trustworthiness } from "./metrics";
import type { Cell } from "../runtime/rows";

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
export const UMAP_PLOT_FIELDS = ["model", "u0", "u1", "symbol", "date", "sector"];

/** Tokens coloured individually in the "by token" plots (the rest are grey). */
export const TOP_TOKENS = 8;

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
  /** UMAP minimum distance (default 0.1, as umap-learn). */
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
