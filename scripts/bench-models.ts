/**
 * Training speed and memory of every model on fixed synthetic inputs:
 *   AE, VAE, DAE (and PCA)  100,000 rows x 32 features, batch 256
 *   Conv1D AE               20,000 windows x 30 steps x 5 features, batch 256
 * plus a validation split of 10% of that size. Each model runs in its own child process so
 * that its peak RSS is its own.
 *
 *   npx tsx scripts/bench-models.ts [--epochs 4] [--models ae,vae,dae,conv1d,pca] [--json out.json]
 *
 * Reports seconds per epoch (median over epochs after the first, which includes one-off
 * kernel setup), the first epoch, and the peak resident set size of the process.
 * `--models layers-ae` adds the same 32-16-8-16-32 AE trained by tfjs-layers' LayersModel.fit
 * (with validation data), the reference the custom training loop is measured against.
 */
import { fork } from "node:child_process";
import * as fs from "node:fs";
import { DEFAULT_SEED } from "../lib/config";
import { initBackend } from "../lib/runtime/backend";
import { Rng } from "../lib/runtime/rng";
import type { Matrix, Windows } from "../lib/runtime/matrix";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { createModel, defaultFeatureNames, type ModelKind } from "../lib/models";
import type { TrainHistory } from "../lib/train/types";

/** What can be benchmarked: the models plus the tfjs-layers reference. */
type BenchKind = ModelKind | "layers-ae";

/** Sizes of the benchmark (from the project's reference measurements). */
const ROWS = 100_000;
const FEATURES = 32;
const WINDOWS = 20_000;
const WINDOW_LENGTH = 30;
const WINDOW_FEATURES = 5;
const BATCH = 256;
/** Validation split: a tenth of the training size. */
const VALIDATION_FRACTION = 0.1;
/** Rank of the synthetic rows: a few factors drive many features, as in market data. */
const RANK = 6;
const SEED = DEFAULT_SEED;

interface BenchResult {
  model: BenchKind;
  backend: string;
  input: string;
  parameters: number | null;
  epochs: number;
  firstEpochSeconds: number;
  secondsPerEpoch: number;
  /** CPU seconds (user + system) of the whole fit divided by its epochs: steadier than wall time on a shared machine. */
  cpuSecondsPerEpoch: number;
  peakRssMb: number;
  finalValLoss: number;
}

/** Rows Z M + noise; `mix` `[RANK, d]` is shared by the training and validation splits. */
function lowRankRows(n: number, d: number, mix: number[], rng: Rng): Matrix {
  const data = new Float32Array(n * d);
  const z = new Float64Array(RANK);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < RANK; r++) z[r] = rng.normal();
    for (let j = 0; j < d; j++) {
      let s = 0.1 * rng.normal();
      for (let r = 0; r < RANK; r++) s += z[r]! * mix[r * d + j]!;
      data[i * d + j] = s;
    }
  }
  return { data, rows: n, cols: d };
}

function waveWindows(n: number, rng: Rng): Windows {
  const data = new Float32Array(n * WINDOW_LENGTH * WINDOW_FEATURES);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const phase = rng.uniform() * 2 * Math.PI;
    for (let t = 0; t < WINDOW_LENGTH; t++) {
      for (let f = 0; f < WINDOW_FEATURES; f++) {
        data[(i * WINDOW_LENGTH + t) * WINDOW_FEATURES + f] =
          a * Math.sin((2 * Math.PI * t) / WINDOW_LENGTH + phase + f) + 0.1 * rng.normal();
      }
    }
  }
  return { data, n, length: WINDOW_LENGTH, features: WINDOW_FEATURES };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The reference: the same AE as a tfjs-layers Sequential trained by LayersModel.fit. */
async function layersReference(
  train: Matrix,
  valid: Matrix,
  epochs: number,
): Promise<{ seconds: number[]; cpuSeconds: number; valLoss: number; parameters: number }> {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 16, activation: "relu", inputShape: [FEATURES] }));
  model.add(tfl.layers.dense({ units: 8 }));
  model.add(tfl.layers.dense({ units: 16, activation: "relu" }));
  model.add(tfl.layers.dense({ units: FEATURES }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "meanSquaredError" });
  const x = tf.tensor2d(train.data, [train.rows, train.cols]);
  const v = tf.tensor2d(valid.data, [valid.rows, valid.cols]);
  const seconds: number[] = [];
  const cpu0 = process.cpuUsage();
  let t0 = performance.now();
  let valLoss = NaN;
  await model.fit(x, x, {
    epochs,
    batchSize: BATCH,
    shuffle: true,
    verbose: 0,
    validationData: [v, v],
    callbacks: {
      onEpochBegin: async () => {
        t0 = performance.now();
      },
      onEpochEnd: async (_e, logs) => {
        seconds.push((performance.now() - t0) / 1000);
        valLoss = logs?.val_loss ?? NaN;
      },
    },
  });
  const used = process.cpuUsage(cpu0);
  const parameters = model.countParams();
  tf.dispose([x, v]);
  model.dispose();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, valLoss, parameters };
}

/** Child: train one model and send the result to the parent. */
async function runOne(kind: BenchKind, epochs: number): Promise<BenchResult> {
  const backend = await initBackend();
  const rng = new Rng(SEED);
  if (kind === "layers-ae") {
    const mixRng = rng.fork("mix");
    const mix = Array.from({ length: RANK * FEATURES }, () => mixRng.normal() / Math.sqrt(RANK));
    const ref = await layersReference(
      lowRankRows(ROWS, FEATURES, mix, rng.fork("train")),
      lowRankRows(Math.round(ROWS * VALIDATION_FRACTION), FEATURES, mix, rng.fork("valid")),
      epochs,
    );
    return {
      model: kind,
      backend,
      input: `${ROWS} x ${FEATURES}`,
      parameters: ref.parameters,
      epochs: ref.seconds.length,
      firstEpochSeconds: ref.seconds[0]!,
      secondsPerEpoch: ref.seconds.length > 1 ? median(ref.seconds.slice(1)) : ref.seconds[0]!,
      cpuSecondsPerEpoch: ref.cpuSeconds / ref.seconds.length,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      finalValLoss: ref.valLoss,
    };
  }
  const fit = { maxEpochs: epochs, batchSize: BATCH, patience: epochs + 1, seed: SEED };
  let history: TrainHistory;
  let cpu0 = process.cpuUsage();
  let parameters: number | null = null;
  let input: string;
  if (kind === "conv1d") {
    const train = waveWindows(WINDOWS, rng.fork("train"));
    const valid = waveWindows(Math.round(WINDOWS * VALIDATION_FRACTION), rng.fork("valid"));
    const model = createModel("conv1d", {
      featureNames: defaultFeatureNames(WINDOW_FEATURES),
      windowLength: WINDOW_LENGTH,
      seed: SEED,
    });
    parameters = model.parameterCount();
    input = `${WINDOWS} x ${WINDOW_LENGTH} x ${WINDOW_FEATURES}`;
    cpu0 = process.cpuUsage();
    history = await model.fit(train, valid, fit);
    model.dispose();
  } else {
    const mixRng = rng.fork("mix");
    const mix = Array.from({ length: RANK * FEATURES }, () => mixRng.normal() / Math.sqrt(RANK));
    const train = lowRankRows(ROWS, FEATURES, mix, rng.fork("train"));
    const valid = lowRankRows(Math.round(ROWS * VALIDATION_FRACTION), FEATURES, mix, rng.fork("valid"));
    // The reference configuration 32-16-8-16-32.
    const model = createModel(kind, {
      featureNames: defaultFeatureNames(FEATURES),
      latentDim: 8,
      hiddenUnits: [16],
      seed: SEED,
    } as never);
    parameters = "parameterCount" in model ? (model as { parameterCount(): number }).parameterCount() : null;
    input = `${ROWS} x ${FEATURES}`;
    cpu0 = process.cpuUsage();
    history = await (model as { fit: (a: Matrix, b: Matrix, o: typeof fit) => Promise<TrainHistory> }).fit(
      train,
      valid,
      fit,
    );
    model.dispose();
  }
  const used = process.cpuUsage(cpu0);
  const secs = history.epochs.map((e) => e.seconds);
  return {
    cpuSecondsPerEpoch: (used.user + used.system) / 1e6 / secs.length,
    model: kind,
    backend,
    input,
    parameters,
    epochs: secs.length,
    firstEpochSeconds: secs[0]!,
    secondsPerEpoch: secs.length > 1 ? median(secs.slice(1)) : secs[0]!,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    finalValLoss: history.epochs[history.epochs.length - 1]!.valLoss,
  };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const child = process.env.BENCH_MODEL as BenchKind | undefined;
  const epochs = Number(arg("epochs", "4"));
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`--epochs must be a positive integer, got ${arg("epochs", "")}.`);
  if (child) {
    const result = await runOne(child, epochs);
    process.send!(result);
    return;
  }
  const kinds = arg("models", "ae,vae,dae,conv1d,pca,layers-ae").split(",") as BenchKind[];
  const results: BenchResult[] = [];
  for (const kind of kinds) {
    const result = await new Promise<BenchResult>((resolve, reject) => {
      const proc = fork(__filename, process.argv.slice(2), {
        env: { ...process.env, BENCH_MODEL: kind },
        execArgv: process.execArgv,
      });
      let got: BenchResult | null = null;
      proc.on("message", (m) => (got = m as BenchResult));
      proc.on("exit", (code) => (got ? resolve(got) : reject(new Error(`${kind} benchmark exited with code ${code}`))));
    });
    results.push(result);
    console.log(
      `${result.model.padEnd(9)} ${result.input.padEnd(16)} params ${String(result.parameters ?? "-").padStart(6)}  ` +
        `${result.secondsPerEpoch.toFixed(2)} s/epoch (first ${result.firstEpochSeconds.toFixed(2)} s, ${result.epochs} epochs, ${result.cpuSecondsPerEpoch.toFixed(2)} CPU s/epoch)  ` +
        `peak RSS ${result.peakRssMb.toFixed(0)} MB  val ${result.finalValLoss.toPrecision(4)}  [${result.backend}]`,
    );
  }
  const out = arg("json", "");
  if (out) fs.writeFileSync(out, JSON.stringify(results, null, 2));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
