/**
 * Crash-window hits of every model's stress index and of the no-model anchors on one data
 * folder: the whole protocol of lib/anomaly/stress.ts from raw files to a table.
 *
 *   npx tsx scripts/measure-crash-hits.ts --source binance --path DIR [--epochs 12]
 *     [--window 16] [--models ae,vae,dae,conv1d,pca] [--json out.json] [--before]
 *     [--save-scores scores.json | --load-scores scores.json]
 *
 * Trains each model as its notebook does (architecture and seed; `--epochs` caps training,
 * 12 = the ci profile), scores every token-day (gap days included; Conv1D: the window
 * ending on each day), then for every model and scoring variant: flags above the 99th
 * percentile of training scores, share of scored tokens flagged per day, top 20 days of
 * the days with enough tokens (`stressMinTokens`), hit = a top day within ±1 day of a
 * documented crash window. Per model: the default market stress (lib/anomaly/market-stress.ts),
 * the per-token stress score alone and the pooled MSE (`--ablation`: also scoring variants,
 * the market stress counting rallies too and a consensus of the dense models). Anchors: the share of tokens with a
 * 3-sigma daily move (trailing 30-day sd), the market-move index and the coherent move.
 * `--before` also runs the protocol the way the project scored before (no gap days, Conv1D
 * on strided split windows, pooled MSE). LUNA's collapse (2022-05-07..13) is ranked among
 * all token-days by the per-token stress score (the market stress is one value per day)
 * when a LUNA token exists. `--save-scores` writes every model's scored rows to a file and
 * `--load-scores` reads them instead of training (same data folder), to study an index
 * without retraining.
 */
import * as fs from "node:fs";
import { initBackend } from "../lib/runtime/backend";
import { loadPanel } from "../lib/data/load";
import { prepareDataset, splitWindows, type Dataset } from "../lib/features/dataset";
import { createModel, type Autoencoder } from "../lib/models";
import type { Matrix, Windows } from "../lib/runtime/matrix";
import { marketEventDays } from "../lib/data/market-events";
import { isoToDay } from "../lib/data/panel";
import { runStressProtocol, descendingRanks, type StressProtocolResult } from "../lib/anomaly/crash-protocol";
import { returnShockScore } from "../lib/anomaly/anchors";
import { perTokenRobustZ, stressScore } from "../lib/anomaly/crash-protocol";
import { crashCheck, crashFindings } from "../lib/stages/07-anomalies/crash-check";
import type { ModelErrors } from "../lib/anomaly/analysis";
import { splitMatrix } from "../lib/features/dataset";
import {
  scoreRowModel,
  scoreWindowModel,
  onDatasetRows,
  allDatasetRows,
  windowEndDatasetRows,
} from "../lib/stages/scoring";
import type { FitOptions } from "../lib/train/types";
import { CONV1D_LEARNING_RATE, DENSE_LEARNING_RATE } from "../lib/models/defaults";
import { CONVERGENCE_MIN_DELTA, CONVERGENCE_MIN_RELATIVE_DELTA } from "../lib/stages/modeling";

/** Train a model as its notebook does and score every dataset row (NaN where it scores none). */
async function scoreModelOnAllRows(
  model: Autoencoder<Matrix> | Autoencoder<Windows>,
  d: Dataset,
  fit: FitOptions,
): Promise<{ mse: Float64Array; pf: Matrix; rows: Int32Array }> {
  if (model.kind === "conv1d") {
    const m = model as Autoencoder<Windows>;
    const tr = splitWindows(d, "train", WINDOW, STRIDE).windows;
    const va = splitWindows(d, "validation", WINDOW, STRIDE).windows;
    await m.fit(tr, va, { ...fit, learningRate: CONV1D_LEARNING_RATE });
    const rows = windowEndDatasetRows(d, WINDOW);
    const sc = scoreWindowModel(m, d, WINDOW, rows);
    return { mse: onDatasetRows(d, rows, sc.mse), pf: sc.perFeature, rows };
  }
  const m = model as Autoencoder<Matrix>;
  await m.fit(splitMatrix(d, "train"), splitMatrix(d, "validation"), fit);
  const rows = allDatasetRows(d);
  const sc = scoreRowModel(m, d, rows);
  return { mse: onDatasetRows(d, rows, sc.mse), pf: sc.perFeature, rows };
}

const STRESS_VARIANT_NAMES = ["pooled", "token-z", "featnorm", "featnorm-z", "featnorm-tok"] as const;
function stressVariants(
  d: Dataset,
  s: { mse: Float64Array; pf: Matrix; rows: Int32Array },
): Record<(typeof STRESS_VARIANT_NAMES)[number], Float64Array> {
  const fit = Uint8Array.from(d.split, (x) => (x === 0 ? 1 : 0));
  const F = s.pf.cols;
  // Per-feature mean training squared error, pooled and per token.
  const mean = new Float64Array(F);
  let nFit = 0;
  const T = d.tokens.length;
  const tokMean = new Float64Array(T * F);
  const tokN = new Float64Array(T);
  for (let k = 0; k < s.rows.length; k++) {
    const i = s.rows[k]!;
    if (!fit[i]) continue;
    nFit++;
    tokN[d.token[i]!]!++;
    for (let f = 0; f < F; f++) {
      mean[f]! += s.pf.data[k * F + f]!;
      tokMean[d.token[i]! * F + f]! += s.pf.data[k * F + f]!;
    }
  }
  for (let f = 0; f < F; f++) mean[f] = Math.max(1e-8, mean[f]! / nFit);
  for (let t = 0; t < T; t++)
    for (let f = 0; f < F; f++)
      tokMean[t * F + f] = tokN[t]! >= 60 ? Math.max(1e-8, tokMean[t * F + f]! / tokN[t]!) : mean[f]!;
  const fn = new Float64Array(d.day.length).fill(Number.NaN);
  const ft = new Float64Array(d.day.length).fill(Number.NaN);
  for (let k = 0; k < s.rows.length; k++) {
    const i = s.rows[k]!;
    let a = 0,
      b = 0;
    for (let f = 0; f < F; f++) {
      a += s.pf.data[k * F + f]! / mean[f]!;
      b += s.pf.data[k * F + f]! / tokMean[d.token[i]! * F + f]!;
    }
    fn[i] = a / F;
    ft[i] = b / F;
  }
  return {
    pooled: s.mse,
    "token-z": perTokenRobustZ(d.token, s.mse, fit),
    featnorm: fn,
    "featnorm-z": perTokenRobustZ(d.token, fn, fit),
    "featnorm-tok": ft,
  };
}

/** Save every model's scored rows (token, day, split, MSE, per-feature errors) to re-run the protocol without training. */
function writeScores(file: string, errors: readonly ModelErrors[]): void {
  const out = errors.map((e) => ({
    model: e.model,
    unit: e.unit,
    token: Array.from(e.token),
    day: Array.from(e.day),
    split: Array.from(e.split),
    mse: Array.from(e.scores.mse),
    featureNames: e.featureNames,
    cols: e.perFeature.cols,
    perFeature: Array.from(e.perFeature.data, (v) => Number(v.toPrecision(6))),
  }));
  fs.writeFileSync(file, JSON.stringify(out));
}

/** Scores saved by `writeScores`, checked against the dataset they must come from. */
function readScores(file: string, d: Dataset): ModelErrors[] {
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as {
    model: string;
    unit: ModelErrors["unit"];
    token: number[];
    day: number[];
    split: number[];
    mse: number[];
    featureNames: string[];
    cols: number;
    perFeature: number[];
  }[];
  return raw.map((r) => {
    if (r.featureNames.join() !== d.meta.featureNames.join())
      throw new Error(
        `${file}: scores of ${r.model} were made with features ${r.featureNames.join()}, the data gives ${d.meta.featureNames.join()}; re-run without --load-scores.`,
      );
    const n = r.token.length;
    return {
      model: r.model,
      unit: r.unit,
      n,
      token: Int32Array.from(r.token),
      day: Int32Array.from(r.day),
      split: Int8Array.from(r.split),
      kind: null,
      scores: { mse: Float64Array.from(r.mse), mae: new Float64Array(n) },
      featureNames: r.featureNames,
      perFeature: { data: Float32Array.from(r.perFeature), rows: n, cols: r.cols },
    };
  });
}

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const source = arg("source");
const dataPath = arg("path");
if (!source || !dataPath) {
  console.error(
    "Usage: npx tsx scripts/measure-crash-hits.ts --source binance|coingecko|kaggle|csv --path DIR [--epochs 12]",
  );
  process.exit(2);
}
const EPOCHS = Number(arg("epochs", "12"));
const WINDOW = Number(arg("window", "16"));
const STRIDE = Number(arg("stride", "4"));
const MODELS = (arg("models", "ae,vae,dae,conv1d,pca") ?? "").split(",").filter(Boolean);
const SEED = Number(arg("seed", "42"));
const BEFORE = process.argv.includes("--before");
const ABLATION = process.argv.includes("--ablation");

function buildModel(kind: string, d: Dataset): Autoencoder<Matrix> | Autoencoder<Windows> {
  const base = {
    featureNames: d.meta.featureNames,
    latentDim: 8,
    hiddenUnits: [32, 16],
    activation: "relu" as const,
    seed: SEED,
  };
  if (kind === "ae") return createModel("ae", base);
  if (kind === "vae")
    return createModel("vae", { ...base, beta: 0.25, warmupEpochs: Math.max(2, Math.round(EPOCHS / 6)) });
  if (kind === "dae") return createModel("dae", { ...base, noiseStd: 0.2, maskFraction: 0.1 });
  if (kind === "pca") return createModel("pca", { featureNames: d.meta.featureNames, latentDim: 8 });
  if (kind === "conv1d")
    return createModel("conv1d", {
      featureNames: d.meta.featureNames,
      windowLength: WINDOW,
      latentDim: 16,
      filters: [16, 32],
      kernelSize: 3,
      strides: 2,
      seed: SEED,
    });
  throw new Error(`Unknown model ${kind}`);
}

function summarise(name: string, r: StressProtocolResult): string {
  const marks = r.hits.map((h) =>
    h.hit ? `${h.event.slice(0, 10)}:#${h.bestRank}` : `${h.event.slice(0, 10)}:${h.bestRank ?? "-"}`,
  );
  return `${name.padEnd(28)} ${String(r.nHit).padStart(2)}/${r.hits.length} (scorable ${r.nScorable}, N=${r.minTokens}, ${r.ranked.length} days)  ${marks.join(" ")}`;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  await initBackend();
  const { panel } = loadPanel(source!, dataPath!);
  const { dataset: d } = prepareDataset(panel, { windowLength: WINDOW });
  const events = marketEventDays(undefined, {
    fromDay: d.day.reduce((a, b) => Math.min(a, b)),
    toDay: d.day.reduce((a, b) => Math.max(a, b)),
  });
  console.log(
    `${source} ${dataPath}: ${panel.tokens.length} tokens, ${d.day.length} feature rows (${d.meta.rows.gap} in gaps), features ${d.meta.featureNames.join(",")}; ${events.length} documented windows in range; epochs ${EPOCHS}`,
  );
  const fitMask = Uint8Array.from(d.split, (x) => (x === 0 ? 1 : 0));
  const lunaTok = d.tokens.findIndex(
    (t) => /^LUNA(USDT)?(_\w+)?$/i.test(t.symbol) || /^LUNA(USDT)?(_\w+)?$/i.test(t.id) || /^terra-?luna$/i.test(t.id),
  );
  const lunaRank = (token: ArrayLike<number>, day: ArrayLike<number>, score: ArrayLike<number>): number | null => {
    if (lunaTok < 0) return null;
    const ranks = descendingRanks(score);
    const a = isoToDay("2022-05-07"),
      b = isoToDay("2022-05-13");
    let best: number | null = null;
    for (let i = 0; i < day.length; i++)
      if (token[i] === lunaTok && day[i]! >= a && day[i]! <= b && Number.isFinite(ranks[i]!))
        best = best === null ? ranks[i]! : Math.min(best, ranks[i]!);
    return best;
  };
  const results: Record<string, { hits: number; of: number; scorable: number; luna: number | null; detail: string[] }> =
    {};
  const report = (name: string, r: StressProtocolResult, luna: number | null = null) => {
    console.log(summarise(name, r) + (luna !== null ? ` LUNA#${luna}` : ""));
    results[name] = {
      hits: r.nHit,
      of: r.hits.length,
      scorable: r.nScorable,
      luna,
      detail: r.hits.map((h) => `${h.event.slice(0, 22)} rank ${h.bestRank ?? "-"} ${h.bestDay ?? ""}`),
    };
  };

  const errors: ModelErrors[] = [];
  const loadFrom = arg("load-scores");
  if (loadFrom) errors.push(...readScores(loadFrom, d));
  for (const kind of loadFrom ? [] : MODELS) {
    const t = Date.now();
    const model = buildModel(kind, d);
    const scores = await scoreModelOnAllRows(model, d, {
      maxEpochs: EPOCHS,
      batchSize: 128,
      patience: 3,
      minDelta: CONVERGENCE_MIN_DELTA,
      minRelativeDelta: CONVERGENCE_MIN_RELATIVE_DELTA,
      learningRate: DENSE_LEARNING_RATE,
      seed: SEED,
    });
    console.log(
      `-- ${kind}: trained and scored ${scores.rows.length} token-days in ${((Date.now() - t) / 1000).toFixed(0)} s`,
    );
    const rows = scores.rows;
    errors.push({
      model: kind,
      unit: kind === "conv1d" ? "window" : "token-day",
      n: rows.length,
      token: Int32Array.from(rows, (i) => d.token[i]!),
      day: Int32Array.from(rows, (i) => d.day[i]!),
      split: Int8Array.from(rows, (i) => d.split[i]!),
      kind: null,
      scores: { mse: Float64Array.from(rows, (i) => scores.mse[i]!), mae: new Float64Array(rows.length) },
      featureNames: d.meta.featureNames,
      perFeature: scores.pf,
    });
    if (ABLATION) {
      const variants = stressVariants(d, scores);
      for (const v of STRESS_VARIANT_NAMES)
        report(
          `${kind} · ${v}`,
          runStressProtocol({ day: d.day, score: variants[v], fitMask }, events),
          lunaRank(d.token, d.day, variants[v]),
        );
    }
    if (BEFORE) {
      // As scored before: no gap days, Conv1D on strided windows inside the splits, pooled MSE, N = 10.
      const old = Float64Array.from(scores.mse, (v, i) => (d.split[i] === 3 ? Number.NaN : v));
      if (kind === "conv1d") {
        const keep = new Set<string>();
        for (const which of ["train", "validation", "test"] as const) {
          const w = splitWindows(d, which, WINDOW, STRIDE);
          for (let k = 0; k < w.token.length; k++) keep.add(`${w.token[k]}|${w.endDay[k]}`);
        }
        for (let i = 0; i < old.length; i++) if (!keep.has(`${d.token[i]}|${d.day[i]}`)) old[i] = Number.NaN;
      }
      report(
        `${kind} · before`,
        runStressProtocol({ day: d.day, score: old, fitMask }, events, { minTokens: 10 }),
        lunaRank(d.token, d.day, old),
      );
    }
  }
  const saveTo = arg("save-scores");
  if (saveTo) {
    writeScores(saveTo, errors);
    console.log(`scores of ${errors.map((e) => e.model).join(", ")} saved to ${saveTo}`);
  }
  console.log("== the protocol as notebook 07 runs it (lib/stages/07-anomalies/crash-check.ts)");
  const check = crashCheck(errors, panel, events);
  for (const x of check.indices) {
    const e = errors.find((m) => m.model === x.model);
    const fit = e ? Uint8Array.from(e.split, (v) => (v === 0 ? 1 : 0)) : null;
    const luna =
      e && fit
        ? lunaRank(e.token, e.day, x.kind === "model-raw" ? e.scores.mse : stressScore(e.token, e.perFeature, fit))
        : x.name.includes("sigma")
          ? lunaRank(panel.token, panel.day, returnShockScore(panel))
          : null;
    report(x.name, x.result, luna);
  }
  for (const f of crashFindings(check, "documented")) console.log(`* ${f}`);
  if (ABLATION) {
    // The market stress as before: the absolute value of the day's signed breaks (rallies count too).
    const both = crashCheck(errors, panel, events, { direction: "both" });
    for (const x of both.indices)
      if (x.kind === "model" || x.name.includes("coherent")) report(`${x.name} · both directions`, x.result);
    // Consensus of the dense autoencoders: mean of their stress scores (robust z, same scale) per token-day.
    const dense = errors.filter((e) => ["ae", "vae", "dae"].includes(e.model));
    if (dense.length > 1) {
      const sum = new Float64Array(d.day.length);
      for (const e of dense) {
        const fit = Uint8Array.from(e.split, (v) => (v === 0 ? 1 : 0));
        const z = stressScore(e.token, e.perFeature, fit);
        for (let i = 0; i < z.length; i++) sum[i]! += z[i]! / dense.length;
      }
      report(
        "consensus AE+VAE+DAE · mean z",
        runStressProtocol({ day: d.day, score: sum, fitMask }, events),
        lunaRank(d.token, d.day, sum),
      );
    }
  }
  const json = arg("json");
  if (json) fs.writeFileSync(json, JSON.stringify(results, null, 2));
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
