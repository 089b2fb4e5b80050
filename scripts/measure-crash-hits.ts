/**
 * Crash-window hits of every model's stress index and of the no-model anchors on one data
 * folder: the whole protocol of lib/anomaly/stress.ts from raw files to a table.
 *
 *   npx tsx scripts/measure-crash-hits.ts --source binance --path DIR [--epochs 12]
 *     [--window 16] [--models ae,vae,dae,conv1d,pca] [--json out.json] [--before]
 *
 * Trains each model as its notebook does (architecture and seed; `--epochs` caps training,
 * 12 = the ci profile), scores every token-day (gap days included; Conv1D: the window
 * ending on each day), then for every model and scoring variant: flags above the 99th
 * percentile of training scores, share of scored tokens flagged per day, top 20 days of
 * the days with enough tokens (`stressMinTokens`), hit = a top day within ±1 day of a
 * documented crash window. Anchors: the share of tokens with a 3-sigma daily move
 * (trailing 30-day sd), and the market-move index. `--before` also runs the protocol the
 * way the project scored before (no gap days, Conv1D on strided split windows, pooled MSE).
 * LUNA's collapse (2022-05-07..13) is ranked among all token-days when a LUNA token exists.
 */
import * as fs from "node:fs";
import { initBackend } from "../lib/runtime/backend";
import { loadPanel } from "../lib/data/load";
import { prepareDataset, splitWindows, type Dataset } from "../lib/pipeline/dataset";
import { createModel, type Autoencoder } from "../lib/models";
import { takeRows, type Matrix, type Windows } from "../lib/runtime/matrix";
import { marketEventDays } from "../lib/anomaly/market-events";
import { dayToIso, isoToDay } from "../lib/data/panel";
import { runStressProtocol, descendingRanks, type StressProtocolResult } from "../lib/anomaly/stress";
import { returnShockScore, marketMoveScore, RETURN_SHOCK_K } from "../lib/anomaly/anchors";
import { perTokenRobustZ } from "../lib/anomaly/stress";
import { splitMatrix } from "../lib/pipeline/dataset";
import {
  scoreRowModel,
  scoreWindowModel,
  onDatasetRows,
  allDatasetRows,
  windowEndDatasetRows,
} from "../lib/pipeline/scoring";
import type { FitOptions } from "../lib/models";

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
    await m.fit(tr, va, { ...fit, learningRate: 3e-3 });
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
  const fitMask = Uint8Array.from(d.split, (s) => (s === 0 ? 1 : 0));
  const results: Record<string, { hits: number; of: number; scorable: number; luna: number | null; detail: string[] }> =
    {};
  const report = (name: string, r: StressProtocolResult, score?: ArrayLike<number>) => {
    let luna: number | null = null;
    const lunaTok = d.tokens.findIndex((t) => t.symbol.toUpperCase().startsWith("LUNA"));
    if (score && lunaTok >= 0) {
      const ranks = descendingRanks(score);
      const a = isoToDay("2022-05-07"),
        b = isoToDay("2022-05-13");
      for (let i = 0; i < d.day.length; i++)
        if (d.token[i] === lunaTok && d.day[i]! >= a && d.day[i]! <= b && Number.isFinite(ranks[i]!))
          luna = luna === null ? ranks[i]! : Math.min(luna, ranks[i]!);
    }
    console.log(summarise(name, r) + (luna !== null ? ` LUNA#${luna}` : ""));
    results[name] = {
      hits: r.nHit,
      of: r.hits.length,
      scorable: r.nScorable,
      luna,
      detail: r.hits.map((h) => `${h.event.slice(0, 22)} rank ${h.bestRank ?? "-"} ${h.bestDay ?? ""}`),
    };
  };

  // Anchors on the feature rows' token-days (the rows every model scores).
  const anchorRows = { token: d.token, day: d.day, close: new Float64Array(0) };
  void anchorRows;
  const shockPanel = returnShockScore(panel);
  const movePanel = marketMoveScore(panel);
  // Map panel rows to dataset rows by (token, day).
  const rowKey = new Map<string, number>();
  for (let i = 0; i < panel.day.length; i++) rowKey.set(`${panel.token[i]}|${panel.day[i]}`, i);
  const shock = Float64Array.from(d.day, (day, i) => shockPanel[rowKey.get(`${d.token[i]}|${day}`)!]!);
  const move = Float64Array.from(d.day, (day, i) => movePanel[rowKey.get(`${d.token[i]}|${day}`)!]!);
  const allOnes = new Uint8Array(d.day.length).fill(1);
  {
    const fixed = Float64Array.from(shock, (z) => (Number.isFinite(z) ? (z > RETURN_SHOCK_K ? 1 : 0) : Number.NaN));
    // Fixed threshold 3 sigma: the "score" is already the flag, the intensity |z|.
    const r = runStressProtocol({ day: d.day, score: fixed, fitMask: allOnes, intensity: shock }, events, { q: 0.5 });
    // q = 0.5 of 0/1 flags with < 50% ones gives threshold 0: flag = 1 exactly when |z| > 3.
    report(`anchor: 3-sigma share`, r, shock);
    report(`anchor: market move`, runStressProtocol({ day: d.day, score: move, fitMask }, events), move);
  }

  const allVariants: Record<string, Record<(typeof STRESS_VARIANT_NAMES)[number], Float64Array>> = {};
  for (const kind of MODELS) {
    const t = Date.now();
    const model = buildModel(kind, d);
    const scores = await scoreModelOnAllRows(model, d, {
      maxEpochs: EPOCHS,
      batchSize: 128,
      patience: 3,
      minDelta: 1e-4,
      seed: SEED,
    });
    console.log(`-- ${kind}: trained and scored in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    const variants = stressVariants(d, scores);
    allVariants[kind] = variants;
    for (const v of STRESS_VARIANT_NAMES)
      report(`${kind} · ${v}`, runStressProtocol({ day: d.day, score: variants[v], fitMask }, events), variants[v]);
    if (BEFORE) {
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
        old,
      );
    }
    (globalThis as { __scores?: Record<string, Float64Array> }).__scores ??= {};
    (globalThis as { __scores?: Record<string, Float64Array> }).__scores![kind] = scores.mse;
  }
  // Consensus of the autoencoders: mean of per-model rank-normalised scores, per variant.
  const aes = Object.keys(allVariants).filter((k) => k !== "pca");
  if (aes.length > 1)
    for (const v of STRESS_VARIANT_NAMES) {
      const sum = new Float64Array(d.day.length);
      const cnt = new Float64Array(d.day.length);
      for (const m of aes) {
        const x = allVariants[m]![v];
        const ranks = descendingRanks(x);
        let nf = 0;
        for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) nf++;
        for (let i = 0; i < x.length; i++)
          if (Number.isFinite(ranks[i]!)) {
            sum[i]! += 1 - ranks[i]! / nf;
            cnt[i]!++;
          }
      }
      const c = Float64Array.from(sum, (s, i) => (cnt[i]! ? s / cnt[i]! : Number.NaN));
      report(`consensus(${aes.join("+")}) · ${v}`, runStressProtocol({ day: d.day, score: c, fitMask }, events), c);
      report(
        `consensus · ${v} · meanrank`,
        runStressProtocol({ day: d.day, score: c, fitMask, intensity: c }, events, { q: 0.999999 }),
        c,
      );
    }
  void takeRows;
  void dayToIso;
  const json = arg("json");
  if (json) fs.writeFileSync(json, JSON.stringify(results, null, 2));
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
