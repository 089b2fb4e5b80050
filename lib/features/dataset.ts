/**
 * The modelling dataset that notebook 01 writes and notebooks 02-11 read: the validated
 * panel, per token-day features, the date split and the scaler fitted on the training
 * split only. Keeping this in one place means every model is trained and scored on exactly
 * the same rows, scaled with the same training statistics.
 *
 * Artifacts (data/processed/):
 *   panel.parquet      token, day, date, open, high, low, close, volume, market_cap, anomaly
 *   tokens.json        token metadata (id, symbol, name, sector)
 *   features.parquet   token, day, date, split, anomaly, and one column per raw feature
 *   dataset.json       feature names, split boundaries, scaler statistics, drop counts
 */
import { ANOMALY_KINDS, dayToIso, type Panel, type TokenInfo, type AnomalyEvent } from "../data/panel";
import type { ArtifactStore } from "../runtime/artifacts";
import { buildFeatures, type FeatureOptions, type FeatureTable, type LeftOutFeature } from "./features";
import { splitByDate, type DateSplit, type SplitBoundaries } from "./split";
import { StandardScaler, scalerFromJSON, DEFAULT_CLIP, type ScalerJSON } from "./scaler";
import { makeWindows, type WindowSet } from "./windows";
import { takeRows, type Matrix } from "../runtime/matrix";

/** Split names as stored per row ("gap" rows belong to no split). */
export const SPLIT_NAMES = ["train", "validation", "test", "gap"] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** What dataset.json holds. */
export interface DatasetMeta {
  featureNames: string[];
  boundaries: SplitBoundaries;
  gapDays: number;
  rows: { train: number; validation: number; test: number; gap: number };
  dropped: { reason: string; count: number }[];
  repairs: { reason: string; count: number }[];
  /** Catalogue features not built for this data, and why (missing columns, too few tokens, constant). */
  leftOutFeatures?: LeftOutFeature[];
  scaler: ScalerJSON;
  lookbackDays: number;
  source: string;
  hasLabels: boolean;
  events: AnomalyEvent[] | null;
}

/** The dataset in memory. */
export interface Dataset {
  meta: DatasetMeta;
  tokens: TokenInfo[];
  /** `[nRows]` token index, UTC day, split code (index into SPLIT_NAMES), anomaly kind. */
  token: Int32Array;
  day: Int32Array;
  split: Int8Array;
  anomaly: Int8Array | null;
  /** `[nRows, nFeatures]` raw (unscaled) features. */
  raw: Matrix;
  /** `[nRows, nFeatures]` features scaled with the training statistics (clipped at ±DEFAULT_CLIP). */
  X: Matrix;
  /** Row indices of each split. */
  idx: { train: Int32Array; validation: Int32Array; test: Int32Array };
}

/** Options of prepareDataset. */
export interface PrepareOptions {
  features?: FeatureOptions;
  /** Conv1D window length: the split gap is at least this long. */
  windowLength: number;
  /** Split fractions of the calendar span (default 70/15/15). */
  fractions?: readonly [number, number, number];
}

/** Build features, split by date with a gap, fit the scaler on train only. */
export function prepareDataset(
  panel: Panel,
  options: PrepareOptions,
): { dataset: Dataset; table: FeatureTable; split: DateSplit } {
  const table = buildFeatures(panel, options.features);
  const gapDays = Math.max(table.lookbackDays, options.windowLength, 1);
  const split = splitByDate(table.day, {
    gapDays,
    windowLength: options.windowLength,
    lookbackDays: table.lookbackDays,
    fractions: options.fractions,
  });
  const scaler = new StandardScaler({ featureNames: table.featureNames, clip: DEFAULT_CLIP }).fit(table.X, split.train);
  const X = scaler.transform(table.X);
  const splitCode = new Int8Array(table.day.length).fill(3);
  split.train.forEach((i) => (splitCode[i] = 0));
  split.validation.forEach((i) => (splitCode[i] = 1));
  split.test.forEach((i) => (splitCode[i] = 2));
  const meta: DatasetMeta = {
    featureNames: table.featureNames,
    boundaries: split.boundaries,
    gapDays: split.gapDays,
    rows: {
      train: split.train.length,
      validation: split.validation.length,
      test: split.test.length,
      gap: split.rowsInGaps,
    },
    dropped: table.dropped,
    repairs: table.repairs,
    leftOutFeatures: table.leftOut,
    scaler: scaler.toJSON(),
    lookbackDays: table.lookbackDays,
    source: panel.source,
    hasLabels: panel.anomalyKind !== null,
    events: panel.events,
  };
  const dataset: Dataset = {
    meta,
    tokens: panel.tokens,
    token: table.token,
    day: table.day,
    split: splitCode,
    anomaly: table.anomalyKind,
    raw: table.X,
    X,
    idx: { train: split.train, validation: split.validation, test: split.test },
  };
  return { dataset, table, split };
}

/** Save the panel and its token metadata. */
export function savePanel(store: ArtifactStore, panel: Panel): void {
  store.writeTable("panel", {
    token: Array.from(panel.token, (t) => panel.tokens[t]!.id),
    day: panel.day,
    date: Array.from(panel.day, dayToIso),
    open: panel.open,
    high: panel.high,
    low: panel.low,
    close: panel.close,
    volume: panel.volume,
    market_cap: panel.marketCap,
    anomaly: panel.anomalyKind
      ? Array.from(panel.anomalyKind, (k) => ANOMALY_KINDS[k]!)
      : Array.from(panel.day, () => ""),
  });
  store.writeJson("tokens", {
    source: panel.source,
    tokens: panel.tokens,
    events: panel.events,
    hasLabels: panel.anomalyKind !== null,
  });
}

/** Load the panel saved by savePanel. */
export function loadPanelArtifact(store: ArtifactStore): Panel {
  const meta = store.readJson<{
    source: string;
    tokens: TokenInfo[];
    events: AnomalyEvent[] | null;
    hasLabels: boolean;
  }>("tokens");
  const t = store.readTable("panel");
  const index = new Map(meta.tokens.map((tok, i) => [tok.id, i]));
  const ids = t.token as string[];
  const kinds = t.anomaly as string[];
  return {
    tokens: meta.tokens,
    token: Int32Array.from(ids, (id) => index.get(id)!),
    day: t.day as Int32Array,
    open: t.open as Float64Array,
    high: t.high as Float64Array,
    low: t.low as Float64Array,
    close: t.close as Float64Array,
    volume: t.volume as Float64Array,
    marketCap: t.market_cap as Float64Array,
    anomalyKind: meta.hasLabels
      ? Int8Array.from(kinds, (k) => Math.max(0, (ANOMALY_KINDS as readonly string[]).indexOf(k)))
      : null,
    events: meta.events,
    source: meta.source,
  };
}

/** Save the dataset (features table + dataset.json). */
export function saveDataset(store: ArtifactStore, d: Dataset): void {
  const cols: Record<string, Float32Array> = {};
  d.meta.featureNames.forEach((name, j) => {
    const c = new Float32Array(d.raw.rows);
    for (let i = 0; i < d.raw.rows; i++) c[i] = d.raw.data[i * d.raw.cols + j]!;
    cols[name] = c;
  });
  store.writeTable("features", {
    token: Array.from(d.token, (t) => d.tokens[t]!.id),
    day: d.day,
    date: Array.from(d.day, dayToIso),
    split: Array.from(d.split, (s) => SPLIT_NAMES[s]!),
    anomaly: d.anomaly ? Array.from(d.anomaly, (k) => ANOMALY_KINDS[k]!) : Array.from(d.day, () => ""),
    ...cols,
  });
  store.writeJson("dataset", d.meta);
}

/** Load the dataset written by notebook 01 and re-apply the saved training scaler. */
export function loadDataset(store: ArtifactStore): Dataset {
  const meta = store.readJson<DatasetMeta>("dataset");
  const tokensMeta = store.readJson<{ tokens: TokenInfo[] }>("tokens");
  const t = store.readTable("features");
  const n = (t.day as Int32Array).length;
  const f = meta.featureNames.length;
  const raw = new Float32Array(n * f);
  meta.featureNames.forEach((name, j) => {
    const c = t[name] as ArrayLike<number> | undefined;
    if (!c)
      throw new Error(`features.parquet has no column "${name}" listed in dataset.json: rerun notebook 01-data-eda.`);
    for (let i = 0; i < n; i++) raw[i * f + j] = c[i]!;
  });
  const index = new Map(tokensMeta.tokens.map((tok, i) => [tok.id, i]));
  const token = Int32Array.from(t.token as string[], (id) => {
    const k = index.get(id);
    if (k === undefined)
      throw new Error(`features.parquet names token "${id}" that tokens.json lacks: rerun notebook 01-data-eda.`);
    return k;
  });
  const split = Int8Array.from(t.split as string[], (s) => (SPLIT_NAMES as readonly string[]).indexOf(s));
  const rawM: Matrix = { data: raw, rows: n, cols: f };
  const scaler = scalerFromJSON(meta.scaler);
  const X = scaler.transform(rawM);
  const pick = (code: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (split[i] === code) out.push(i);
    return Int32Array.from(out);
  };
  const anomaly = meta.hasLabels
    ? Int8Array.from(t.anomaly as string[], (k) => Math.max(0, (ANOMALY_KINDS as readonly string[]).indexOf(k)))
    : null;
  return {
    meta,
    tokens: tokensMeta.tokens,
    token,
    day: t.day as Int32Array,
    split,
    anomaly,
    raw: rawM,
    X,
    idx: { train: pick(0), validation: pick(1), test: pick(2) },
  };
}

/** The scaled rows of one split. */
export function splitMatrix(d: Dataset, which: "train" | "validation" | "test"): Matrix {
  return takeRows(d.X, d.idx[which]);
}

/** Per-token windows of scaled features restricted to one split. */
export function splitWindows(
  d: Dataset,
  which: "train" | "validation" | "test",
  length: number,
  stride: number,
): WindowSet {
  return makeWindows(
    { X: d.X, token: d.token, day: d.day, featureNames: d.meta.featureNames },
    { length, stride, rows: d.idx[which] },
  );
}

/** The scaled train, validation and test matrices. */
export function splitMatrices(d: Dataset): { train: Matrix; validation: Matrix; test: Matrix } {
  return { train: splitMatrix(d, "train"), validation: splitMatrix(d, "validation"), test: splitMatrix(d, "test") };
}
