/**
 * The training benchmark next to PyTorch, in one run: the project's dense AE (100,000 x 32,
 * 32-16-8-16-32) and Conv1D AE (20,000 windows x 30 x 5, default shape) from
 * scripts/bench-models.ts, then the same models, data sizes, batch, optimiser and per-epoch
 * validation in PyTorch (scripts/peer/torch_bench.py) with 1 and 2 threads, then the ratios.
 *
 *   npx tsx scripts/bench-peer.ts [--epochs 4] [--json out.json]     (npm run bench -- --peer)
 *
 * PyTorch comes from Debian (apt-get install -y python3-torch) and runs with /usr/bin/python3;
 * when it is absent the project's numbers are printed and the comparison is skipped with a
 * message. Ratios are project seconds per epoch over PyTorch's faster thread setting (wall,
 * median of the epochs after the first), and CPU seconds per epoch against one PyTorch thread,
 * which is steadier when other jobs share the cores.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Debian's interpreter, which has python3-torch (another python3 may come first on PATH). */
const SYSTEM_PYTHON = "/usr/bin/python3";
/** Exit code of torch_bench.py when PyTorch is not installed. */
const NO_TORCH_EXIT = 3;
/** The models compared (the bench-models names). */
const MODELS = ["ae", "conv1d"] as const;

interface ProjectResult {
  model: string;
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number;
  parameters: number | null;
  finalValLoss: number;
}
interface TorchResult {
  model: string;
  threads: number;
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number;
  parameters: number;
  finalValLoss: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function main(): void {
  const epochs = arg("epochs", "4");
  if (!/^\d+$/.test(epochs) || Number(epochs) < 2)
    throw new Error(`--epochs must be an integer >= 2 (the first epoch is not timed), got "${epochs}".`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cae-peer-"));
  const projectJson = path.join(tmp, "project.json");
  console.log(`project (tfjs ${"wasm"}): ${MODELS.join(", ")}, ${epochs} epochs`);
  const own = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      path.join(__dirname, "bench-models.ts"),
      "--models",
      MODELS.join(","),
      "--epochs",
      epochs,
      "--json",
      projectJson,
    ],
    { stdio: "inherit" },
  );
  if (own.status !== 0) throw new Error(`the project's benchmark failed (exit ${own.status}).`);
  const project = JSON.parse(fs.readFileSync(projectJson, "utf8")) as ProjectResult[];

  let torch: { torch: string; results: TorchResult[] } | null = null;
  if (!fs.existsSync(SYSTEM_PYTHON)) {
    console.log(`\nPyTorch comparison skipped: ${SYSTEM_PYTHON} not found.`);
  } else {
    console.log("\nPyTorch: the same models, 1 and 2 threads");
    const peer = spawnSync(
      SYSTEM_PYTHON,
      [path.join(__dirname, "peer", "torch_bench.py"), "--epochs", epochs, "--models", MODELS.join(",")],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    if (peer.status === NO_TORCH_EXIT)
      console.log("PyTorch comparison skipped: PyTorch is not installed (Debian: apt-get install -y python3-torch).");
    else if (peer.status !== 0) throw new Error(`the PyTorch benchmark failed (exit ${peer.status}).`);
    else torch = JSON.parse(peer.stdout.trim().split("\n").pop()!) as { torch: string; results: TorchResult[] };
  }

  const rows = MODELS.map((m) => {
    const p = project.find((r) => r.model === m)!;
    const t = torch?.results.filter((r) => r.model === m) ?? [];
    const best = t.length ? t.reduce((a, b) => (b.secondsPerEpoch < a.secondsPerEpoch ? b : a)) : null;
    const one = t.find((r) => r.threads === 1) ?? null;
    return {
      model: m,
      parameters: p.parameters,
      projectSecondsPerEpoch: p.secondsPerEpoch,
      projectCpuSecondsPerEpoch: p.cpuSecondsPerEpoch,
      torchSecondsPerEpoch: Object.fromEntries(t.map((r) => [`${r.threads}`, r.secondsPerEpoch])),
      torchBestThreads: best?.threads ?? null,
      ratio: best ? p.secondsPerEpoch / best.secondsPerEpoch : null,
      cpuRatioOneThread: one ? p.cpuSecondsPerEpoch / one.cpuSecondsPerEpoch : null,
      projectValLoss: p.finalValLoss,
      torchValLoss: best?.finalValLoss ?? null,
    };
  });
  console.log(
    `\n=== project vs PyTorch${torch ? ` ${torch.torch}` : ""} (seconds per epoch, median after the first) ===`,
  );
  console.log("model    params  project  torch 1t  torch 2t   ratio (vs faster)  CPU ratio (vs 1 thread)");
  for (const r of rows) {
    const t = (k: string) => (r.torchSecondsPerEpoch[k] === undefined ? "-" : r.torchSecondsPerEpoch[k]!.toFixed(3));
    console.log(
      `${r.model.padEnd(8)} ${String(r.parameters ?? "-").padStart(6)} ${r.projectSecondsPerEpoch.toFixed(3).padStart(8)} ` +
        `${t("1").padStart(9)} ${t("2").padStart(9)}   ${r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`.padStart(6)}` +
        `             ${r.cpuRatioOneThread === null ? "-" : `${r.cpuRatioOneThread.toFixed(2)}x`}`,
    );
  }
  const out = arg("json", "");
  if (out) fs.writeFileSync(out, JSON.stringify({ torch: torch?.torch ?? null, rows }, null, 2));
  fs.rmSync(tmp, { recursive: true, force: true });
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
