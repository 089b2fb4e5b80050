/**
 * Where one epoch of the Conv1D AE's training goes, kernel by kernel: trains the benchmark's
 * Conv1D AE (scripts/bench-models.ts sizes: 20,000 windows of 30 x 5, default shape, batch 256)
 * for one warm-up epoch, then profiles a second epoch with every kernel of the active backend
 * wrapped in a CPU-time measurement (process.cpuUsage, steadier than wall time when other jobs
 * share the cores). Prints the epoch's CPU time, the share spent inside kernels (the rest is
 * JavaScript: op dispatch, the gradient tape, tidy, the data upload) and the kernels by total
 * time, keyed by name and input shapes.
 *
 *   npx tsx scripts/profile-conv1d.ts [--windows 20000] [--top 30]
 */
import * as tf from "@tensorflow/tfjs-core";
import { DEFAULT_SEED } from "../lib/config";
import { Conv1DAutoencoder, defaultFeatureNames } from "../lib/models";
import { initBackend } from "../lib/runtime/backend";
import type { Windows } from "../lib/runtime/matrix";
import { Rng } from "../lib/runtime/rng";

/** The benchmark's window shape and batch (scripts/bench-models.ts). */
const WINDOW_LENGTH = 30;
const WINDOW_FEATURES = 5;
const BATCH = 256;
/** Validation split: a tenth of the training windows, as in the benchmark. */
const VALIDATION_FRACTION = 0.1;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`--${name} must be a positive integer, got ${process.argv[i + 1]}.`);
  return v;
}

/** The benchmark's synthetic windows: a sine of random amplitude and phase per window, plus noise. */
function waveWindows(n: number, rng: Rng): Windows {
  const data = new Float32Array(n * WINDOW_LENGTH * WINDOW_FEATURES);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const phase = rng.uniform() * 2 * Math.PI;
    for (let t = 0; t < WINDOW_LENGTH; t++)
      for (let f = 0; f < WINDOW_FEATURES; f++)
        data[(i * WINDOW_LENGTH + t) * WINDOW_FEATURES + f] =
          a * Math.sin((2 * Math.PI * t) / WINDOW_LENGTH + phase + f) + 0.1 * rng.normal();
  }
  return { data, n, length: WINDOW_LENGTH, features: WINDOW_FEATURES };
}

/** Per kernel key: calls and CPU milliseconds. */
type Profile = Map<string, { calls: number; ms: number }>;

/** Wrap every registered kernel of the active backend; returns the switch and the tallies. */
function instrumentKernels(): { profile: Profile; setOn(on: boolean): void } {
  const profile: Profile = new Map();
  let on = false;
  for (const config of tf.getKernelsForBackend(tf.getBackend())) {
    const kernel = config as { kernelName: string; kernelFunc: (...a: unknown[]) => unknown };
    const inner = kernel.kernelFunc;
    kernel.kernelFunc = (...a: unknown[]) => {
      if (!on) return inner(...a);
      const c0 = process.cpuUsage();
      const out = inner(...a);
      const used = process.cpuUsage(c0);
      const inputs = (a[0] as { inputs: Record<string, tf.TensorInfo | undefined> }).inputs;
      const shapes = Object.values(inputs)
        .map((t) => (t ? `[${t.shape.join(",")}]` : ""))
        .join("");
      const key = `${kernel.kernelName} ${shapes}`;
      const entry = profile.get(key) ?? { calls: 0, ms: 0 };
      entry.calls += 1;
      entry.ms += (used.user + used.system) / 1000;
      profile.set(key, entry);
      return out;
    };
  }
  return { profile, setOn: (v) => (on = v) };
}

async function main(): Promise<void> {
  const windows = arg("windows", 20_000);
  const top = arg("top", 30);
  const backend = await initBackend();
  const rng = new Rng(DEFAULT_SEED);
  const train = waveWindows(windows, rng.fork("train"));
  const valid = waveWindows(Math.round(windows * VALIDATION_FRACTION), rng.fork("valid"));
  const model = new Conv1DAutoencoder({
    featureNames: defaultFeatureNames(WINDOW_FEATURES),
    windowLength: WINDOW_LENGTH,
    seed: DEFAULT_SEED,
  });
  const fit = { maxEpochs: 1, batchSize: BATCH, patience: 2, seed: DEFAULT_SEED };
  await model.fit(train, valid, fit); // warm-up: one-off kernel set-up and our own kernels' registration
  const { profile, setOn } = instrumentKernels();
  setOn(true);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await model.fit(train, valid, fit);
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(c0);
  setOn(false);
  model.dispose();
  const cpu = (used.user + used.system) / 1e6;
  const rows = [...profile.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const kernelSeconds = rows.reduce((s, [, v]) => s + v.ms, 0) / 1000;
  const calls = rows.reduce((s, [, v]) => s + v.calls, 0);
  const steps = Math.ceil(windows / BATCH);
  console.log(
    `Conv1D AE, ${windows} windows, one epoch on ${backend}: ${cpu.toFixed(2)} CPU s (${wall.toFixed(2)} s wall), ` +
      `kernels ${kernelSeconds.toFixed(2)} s in ${calls} calls (${(calls / steps).toFixed(0)} per step), ` +
      `outside kernels ${(cpu - kernelSeconds).toFixed(2)} s`,
  );
  console.log("   CPU ms   calls  us/call  kernel [input shapes]");
  for (const [key, v] of rows.slice(0, top))
    console.log(
      `${v.ms.toFixed(1).padStart(9)} ${String(v.calls).padStart(7)} ${((v.ms / v.calls) * 1000).toFixed(0).padStart(8)}  ${key}`,
    );
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
