/**
 * Benchmark of the UMAP step: how long, in how much memory, and how well, latent spaces of
 * the profiles' sizes are embedded.
 *
 *   npx tsx scripts/bench-umap.ts                          # 5k, 10k and 30k points of 8-D latents
 *   npx tsx scripts/bench-umap.ts --sizes 6000             # comma-separated point counts
 *   npx tsx scripts/bench-umap.ts --epochs 100,150,300     # layout epochs to compare (default: autoEpochs)
 *   npx tsx scripts/bench-umap.ts --compare                # also umap-js's layout on the same graph (before/after in one run)
 *   npx tsx scripts/bench-umap.ts --nn-descent             # also time umap-js's NN-descent and its recall
 *   npx tsx scripts/bench-umap.ts --json out.json          # also write the results as JSON ({ sizes, metrics })
 *   npx tsx scripts/bench-umap.ts --metrics-only           # only the comparison metrics (below)
 *   npx tsx scripts/bench-umap.ts --no-metrics             # only the UMAP sizes
 *
 * Each size runs in its own child process so that its peak RSS (the operating system's
 * high-water mark, `process.resourceUsage().maxRSS`) is its own. The neighbour search is
 * timed apart from the layout, and every layout reuses the one graph, as the latent
 * notebook does. Wall time is what a user waits; CPU time (user + system) is also shown
 * because it is steadier when other processes share the cores. Quality is the
 * trustworthiness (k = 15) of each embedding, over all points up to 10k and a seeded
 * sample of 2,000 query points above.
 *
 * After the sizes, the comparison metrics of notebook 06 are timed at the default
 * profile's size (in their own child process): for each of the five compared latent
 * spaces, on umapMaxPoints = 6,000 sampled points, the shared exact kNN graph, the UMAP
 * layout reusing it, the embedding's graph, trustworthiness and kNN overlap from the
 * shared graphs, sector silhouettes in latent space and in UMAP; then linear CKA of every
 * pair over the aligned token-days and the softmax probes (PROBE_MAX_TRAIN training rows).
 *
 * The latents are synthetic: CLUSTERS clusters in DIM dimensions, each a Gaussian blob
 * stretched along its own random direction (clusters and within-cluster trends, as a
 * market's regimes and drifts would give), drawn from the seeded Rng.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { autoEpochs, computeKnn, DEFAULT_N_NEIGHBORS, runUmap, type UmapImplementation } from "../lib/latent/umap";
import { silhouette, trustworthiness } from "../lib/latent/metrics";
import { logisticProbe } from "../lib/stats/logistic";
import { PROFILE_SETTINGS } from "../lib/config";
import {
  LATENT_MODELS,
  METRIC_K,
  PROBE_MAX_TRAIN,
  ckaPairs,
  neighbourGraph,
  overlapPairs,
} from "../lib/latent/analysis";
import { neighbourOverlap } from "../lib/latent/metrics";
import { makeRng } from "../lib/runtime/rng";
import type { Matrix } from "../lib/runtime/matrix";

/** Default sizes: above, at and far above the default profile's 6,000 points per model. */
const DEFAULT_SIZES = "5000,10000,30000";
/** Latent dimensions of the benchmark (the models' default bottleneck). */
const DIM = 8;
/** Clusters in the synthetic latents. */
const CLUSTERS = 12;
/** Spread of cluster centres, of the stretch along each cluster's direction, and of the noise. */
const CENTRE_SD = 2.5;
const STRETCH_SD = 1.5;
const NOISE_SD = 0.5;
/** Neighbours for trustworthiness: UMAP's own neighbourhood size. */
const QUALITY_K = DEFAULT_N_NEIGHBORS;
/** Seeds of the data and of the layouts. */
const DATA_SEED = 20240607;
const LAYOUT_SEED = 1;
const MB = 1024 * 1024;
/** Points per model in the metrics benchmark: the default profile's UMAP cap. */
const METRIC_POINTS = PROFILE_SETTINGS.default.umapMaxPoints;
/**
 * Aligned token-days of the default profile (the token-days that end a Conv1D window:
 * 160 tokens x 1,500 days with windows of stride 5 give 28,484 in the default run).
 */
const ALIGNED_ROWS = 28_500;
/** Sectors of the synthetic market (the silhouette and probe labels). */
const SECTORS = 7;
/** Input features of a token-day (the probe's widest representation). */
const FEATURE_COUNT = 17;

/** Results of one size. */
interface SizeResult {
  n: number;
  dim: number;
  knn: { method: string; seconds: number; cpuSeconds: number };
  nnDescent?: { seconds: number; cpuSeconds: number; recall: number };
  layouts: {
    implementation: UmapImplementation;
    nEpochs: number;
    seconds: number;
    cpuSeconds: number;
    trustworthiness: number;
    trustQueries: number;
  }[];
  peakRssMB: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Synthetic clustered latents `[n, DIM]`. */
export function clusteredLatents(n: number, seed = DATA_SEED): Matrix {
  const rng = makeRng(seed);
  const centres = Array.from({ length: CLUSTERS }, () => Array.from({ length: DIM }, () => rng.normal(0, CENTRE_SD)));
  const directions = Array.from({ length: CLUSTERS }, () => Array.from({ length: DIM }, () => rng.normal()));
  const data = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const c = rng.int(CLUSTERS);
    const along = rng.normal(0, STRETCH_SD);
    for (let j = 0; j < DIM; j++)
      data[i * DIM + j] = centres[c]![j]! + along * directions[c]![j]! + rng.normal(0, NOISE_SD);
  }
  return { data, rows: n, cols: DIM };
}

function runSize(
  n: number,
  epochsList: number[] | null,
  withNnDescent: boolean,
  implementations: UmapImplementation[],
): SizeResult {
  const X = clusteredLatents(n);
  console.error(`${n.toLocaleString("en-US")} points x ${DIM} dims:`);
  let c0 = cpuSeconds();
  const knn = computeKnn(X, DEFAULT_N_NEIGHBORS);
  const knnCpu = cpuSeconds() - c0;
  console.error(`  kNN (${knn.method}, k = ${knn.k}): ${knn.seconds.toFixed(2)} s, cpu ${knnCpu.toFixed(2)} s`);
  const result: SizeResult = {
    n,
    dim: DIM,
    knn: { method: knn.method, seconds: knn.seconds, cpuSeconds: knnCpu },
    layouts: [],
    peakRssMB: 0,
  };
  if (withNnDescent) {
    c0 = cpuSeconds();
    const approx = computeKnn(X, DEFAULT_N_NEIGHBORS, { method: "nn-descent", rng: makeRng(LAYOUT_SEED) });
    const cpu = cpuSeconds() - c0;
    let hit = 0;
    for (let i = 0; i < n; i++) {
      const exact = new Set(knn.indices[i]);
      for (const j of approx.indices[i]!) if (exact.has(j)) hit++;
    }
    result.nnDescent = { seconds: approx.seconds, cpuSeconds: cpu, recall: hit / (n * knn.k) };
    console.error(
      `  kNN (nn-descent): ${approx.seconds.toFixed(2)} s, cpu ${cpu.toFixed(2)} s, recall ${result.nnDescent.recall.toFixed(4)}`,
    );
  }
  for (const nEpochs of epochsList ?? [autoEpochs(n)])
    for (const implementation of implementations) {
      c0 = cpuSeconds();
      const r = runUmap(X, { rng: makeRng(LAYOUT_SEED), knn, nEpochs, implementation });
      const cpu = cpuSeconds() - c0;
      const tw = trustworthiness(X, r.embedding, QUALITY_K, { rng: makeRng(LAYOUT_SEED) });
      result.layouts.push({
        implementation,
        nEpochs,
        seconds: r.seconds,
        cpuSeconds: cpu,
        trustworthiness: tw.value,
        trustQueries: tw.nQueries,
      });
      console.error(
        `  layout (${implementation}) ${nEpochs} epochs: ${r.seconds.toFixed(2)} s, cpu ${cpu.toFixed(2)} s, trustworthiness ${tw.value.toFixed(4)} (${tw.nQueries} queries)`,
      );
    }
  result.peakRssMB = process.resourceUsage().maxRSS / 1024;
  return result;
}

/** Timings of the notebook-06 comparison metrics, seconds (CPU seconds in cpu*). */
interface MetricsResult {
  points: number;
  alignedRows: number;
  models: number;
  perModel: {
    knn: number;
    umap: number;
    embeddingKnn: number;
    trustworthiness: number;
    umapOverlap: number;
    silhouettes: number;
  };
  overlapPairs: number;
  cka: number;
  probes: number;
  total: number;
  cpuTotal: number;
  peakRssMB: number;
}

/** Synthetic labels in 0..classes-1, correlated with the clusters of clusteredLatents (so probes have signal). */
function labelsFor(X: Matrix, classes: number): number[] {
  return Array.from({ length: X.rows }, (_, i) => Math.abs(Math.floor(X.data[i * X.cols]! * 2)) % classes);
}

function runMetrics(): MetricsResult {
  const c0 = cpuSeconds();
  const t = () => performance.now() / 1000;
  const start = t();
  const nModels = LATENT_MODELS.length;
  console.error(
    `metrics of notebook 06 at the default profile's size: ${nModels} models, ${METRIC_POINTS.toLocaleString("en-US")} points each, ${ALIGNED_ROWS.toLocaleString("en-US")} aligned rows`,
  );
  const per = { knn: 0, umap: 0, embeddingKnn: 0, trustworthiness: 0, umapOverlap: 0, silhouettes: 0 };
  const graphs: { name: string; neighbours: Int32Array }[] = [];
  for (let m = 0; m < nModels; m++) {
    const X = clusteredLatents(METRIC_POINTS, DATA_SEED + m);
    const sectors = labelsFor(X, SECTORS);
    let s = t();
    const g = neighbourGraph(X);
    per.knn += t() - s;
    s = t();
    const r = runUmap(X, { rng: makeRng(LAYOUT_SEED), knn: g.knn });
    per.umap += t() - s;
    s = t();
    const eg = neighbourGraph(r.embedding);
    per.embeddingKnn += t() - s;
    s = t();
    trustworthiness(X, r.embedding, METRIC_K, { lowNeighbours: eg.neighbours });
    per.trustworthiness += t() - s;
    s = t();
    neighbourOverlap(g.neighbours, eg.neighbours, METRIC_K);
    per.umapOverlap += t() - s;
    s = t();
    silhouette(X, sectors);
    silhouette(r.embedding, sectors);
    per.silhouettes += t() - s;
    graphs.push({ name: `m${m}`, neighbours: g.neighbours });
  }
  let s = t();
  overlapPairs(graphs);
  const overlap = t() - s;
  const aligned = Array.from({ length: nModels }, (_, m) => ({
    name: `m${m}`,
    X: clusteredLatents(ALIGNED_ROWS, DATA_SEED + 100 + m),
  }));
  s = t();
  ckaPairs(aligned);
  const cka = t() - s;
  // Probes: every representation (models + input features) x 3 targets, PROBE_MAX_TRAIN rows.
  s = t();
  const reps = [...aligned.map((a) => a.X), clusteredLatents(ALIGNED_ROWS, DATA_SEED + 200)];
  for (const X of reps) {
    const train = { data: X.data.subarray(0, PROBE_MAX_TRAIN * X.cols), rows: PROBE_MAX_TRAIN, cols: X.cols };
    const test = {
      data: X.data.subarray(PROBE_MAX_TRAIN * X.cols, 2 * PROBE_MAX_TRAIN * X.cols),
      rows: PROBE_MAX_TRAIN,
      cols: X.cols,
    };
    for (const classes of [SECTORS, 3, 3])
      logisticProbe(train, labelsFor(train, classes), test, labelsFor(test, classes));
  }
  const probes = t() - s;
  void FEATURE_COUNT;
  const result: MetricsResult = {
    points: METRIC_POINTS,
    alignedRows: ALIGNED_ROWS,
    models: nModels,
    perModel: per,
    overlapPairs: overlap,
    cka,
    probes,
    total: t() - start,
    cpuTotal: cpuSeconds() - c0,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  const f = (v: number) => v.toFixed(2);
  console.error(
    `  per ${nModels} models: kNN ${f(per.knn)} s, UMAP ${f(per.umap)} s, embedding kNN ${f(per.embeddingKnn)} s, trustworthiness ${f(per.trustworthiness)} s, latent-UMAP overlap ${f(per.umapOverlap)} s, silhouettes ${f(per.silhouettes)} s`,
  );
  console.error(
    `  overlap pairs ${f(overlap)} s, CKA pairs ${f(cka)} s, probes ${f(probes)} s; total ${f(result.total)} s (cpu ${f(result.cpuTotal)} s)`,
  );
  return result;
}

function main(): void {
  const args = process.argv.slice(2);
  const arg = (flag: string): string | undefined => {
    const k = args.indexOf(flag);
    return k >= 0 ? args[k + 1] : undefined;
  };
  const parseList = (text: string, what: string): number[] =>
    text.split(",").map((s) => {
      const v = Number(s.trim());
      if (!Number.isInteger(v) || v < 1)
        throw new Error(`Bad ${what} "${s}": use positive integers separated by commas.`);
      return v;
    });
  const epochsText = arg("--epochs");
  const epochs = epochsText ? parseList(epochsText, "epoch count") : null;
  const withNnDescent = args.includes("--nn-descent");
  const compare = args.includes("--compare");
  const implementations: UmapImplementation[] = compare ? ["umap-js", "typed"] : ["typed"];
  if (args.includes("--metrics-child")) {
    process.stdout.write(`${JSON.stringify(runMetrics())}\n`);
    return;
  }
  const one = arg("--one");
  if (one) {
    process.stdout.write(
      `${JSON.stringify(runSize(parseList(one, "size")[0]!, epochs, withNnDescent, implementations))}\n`,
    );
    return;
  }
  const results: SizeResult[] = [];
  const metricsOnly = args.includes("--metrics-only");
  for (const n of metricsOnly ? [] : parseList(arg("--sizes") ?? DEFAULT_SIZES, "size")) {
    const childArgs = [...process.execArgv, __filename, "--one", String(n)];
    if (epochsText) childArgs.push("--epochs", epochsText);
    if (withNnDescent) childArgs.push("--nn-descent");
    if (compare) childArgs.push("--compare");
    const child = spawnSync(process.execPath, childArgs, {
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      maxBuffer: 16 * MB,
    });
    if (child.status !== 0)
      throw new Error(
        `Benchmark of ${n} points failed with exit code ${child.status}${child.signal ? ` (signal ${child.signal})` : ""}.`,
      );
    results.push(JSON.parse(child.stdout.trim().split("\n").pop()!) as SizeResult);
  }
  if (results.length)
    console.log(
      "\npoints   kNN s (cpu)      layout    epochs   layout s (cpu)     total s   trustworthiness   peak RSS MB",
    );
  for (const r of results) {
    for (const l of r.layouts) {
      console.log(
        `${String(r.n).padStart(6)}   ${`${r.knn.seconds.toFixed(2)} (${r.knn.cpuSeconds.toFixed(2)})`.padEnd(15)}  ${l.implementation.padEnd(8)}  ${String(l.nEpochs).padStart(6)}   ` +
          `${`${l.seconds.toFixed(2)} (${l.cpuSeconds.toFixed(2)})`.padEnd(17)}  ${(r.knn.seconds + l.seconds).toFixed(2).padStart(7)}   ` +
          `${l.trustworthiness.toFixed(4).padStart(15)}   ${r.peakRssMB.toFixed(0).padStart(11)}`,
      );
    }
    if (r.nnDescent)
      console.log(
        `${String(r.n).padStart(6)}   NN-descent instead of exact: ${r.nnDescent.seconds.toFixed(2)} s (cpu ${r.nnDescent.cpuSeconds.toFixed(2)}), recall ${r.nnDescent.recall.toFixed(4)}`,
      );
  }
  let metrics: MetricsResult | null = null;
  if (!args.includes("--no-metrics")) {
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, "--metrics-child"], {
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      maxBuffer: 16 * MB,
    });
    if (child.status !== 0)
      throw new Error(
        `Metrics benchmark failed with exit code ${child.status}${child.signal ? ` (signal ${child.signal})` : ""}.`,
      );
    metrics = JSON.parse(child.stdout.trim().split("\n").pop()!) as MetricsResult;
    const p = metrics.perModel;
    console.log(
      `\nnotebook 06 metrics at the default profile's size (${metrics.models} models x ${metrics.points.toLocaleString("en-US")} points; CKA over ${metrics.alignedRows.toLocaleString("en-US")} rows), seconds:`,
    );
    console.log(
      `  kNN graphs ${p.knn.toFixed(2)}  UMAP layouts ${p.umap.toFixed(2)}  embedding graphs ${p.embeddingKnn.toFixed(2)}  trustworthiness ${p.trustworthiness.toFixed(2)}  latent-UMAP overlap ${p.umapOverlap.toFixed(3)}  silhouettes ${p.silhouettes.toFixed(2)}`,
    );
    console.log(
      `  overlap pairs ${metrics.overlapPairs.toFixed(3)}  CKA pairs ${metrics.cka.toFixed(2)}  probes ${metrics.probes.toFixed(2)}  total ${metrics.total.toFixed(2)} (cpu ${metrics.cpuTotal.toFixed(2)})  peak RSS ${metrics.peakRssMB.toFixed(0)} MB`,
    );
  }
  const out = arg("--json");
  if (out) {
    const tmp = `${out}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ sizes: results, metrics }, null, 2));
    fs.renameSync(tmp, out);
  }
}

if (require.main === module) main();
