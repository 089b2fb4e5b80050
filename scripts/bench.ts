/**
 * `npm run bench`: every benchmark of the project, one after another.
 *
 *   data    scripts/bench-data.ts    load + validate + featurise: hourly and daily long CSVs and
 *                                    folders of close-only hourly files (open_time,close)
 *                                    of 250k, 1M, 3M and 10M rows (rows/s, peak RSS, growth)
 *   models  scripts/bench-models.ts  seconds per epoch and peak RSS of AE, VAE, DAE, Conv1D AE,
 *                                    PCA and the tfjs-layers reference
 *   umap    scripts/bench-umap.ts    neighbour search and layout of 5k, 10k and 30k latents
 *   memory  scripts/bench-memory.ts  (only with --only memory: it runs for a long time) every
 *                                    notebook on the full profile: peak RSS of each notebook's
 *                                    kernel and of the whole process tree against stated bounds
 *
 *   npm run bench                                  # all three, full sizes
 *   npm run bench -- --only data,umap              # a subset, in the order given
 *   npm run bench -- --quick                       # smaller sizes: data 250k and 1M rows,
 *                                                  # models 2 epochs, umap 5k points
 *   npm run bench -- --json-dir bench-results      # also write <name>.json per benchmark
 *   npm run bench -- --peer                        # training next to PyTorch (python3-torch):
 *                                                  # dense AE and Conv1D AE, ratios
 *
 *   peer    scripts/bench-peer.ts    (only with --peer or --only peer) the models benchmark and
 *                                    scripts/peer/torch_bench.py in one run, with ratios
 *
 * Each benchmark runs as its own child process with the terminal as its output, so its
 * progress and tables appear as they are made; the benchmarks start their own children per
 * size or model, so peak memory figures never mix. Wall time is what a user waits; CPU
 * time (user + system of the benchmark and all its children) is printed too, because it
 * is steadier when other jobs share the cores. A failing benchmark does not stop the
 * others; the exit code is 1 when any failed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** One benchmark: its script and its arguments for the full and the quick run. */
interface Benchmark {
  name: string;
  script: string;
  what: string;
  full: string[];
  quick: string[];
  /** Runs only when asked for (--peer, --only). */
  onRequest?: boolean;
}

/** The benchmarks, in the order they run by default. */
const BENCHMARKS: readonly Benchmark[] = [
  {
    name: "data",
    script: "bench-data.ts",
    what: "load + validate + featurise",
    full: [],
    quick: ["--rows", "250k,1M"],
  },
  {
    name: "models",
    script: "bench-models.ts",
    what: "autoencoder training speed and memory",
    full: [],
    quick: ["--epochs", "2"],
  },
  {
    name: "umap",
    script: "bench-umap.ts",
    what: "UMAP neighbour search and layout",
    full: [],
    quick: ["--sizes", "5000", "--no-metrics"],
  },
  {
    name: "peer",
    script: "bench-peer.ts",
    what: "training speed next to PyTorch (Debian python3-torch)",
    full: [],
    quick: ["--epochs", "2"],
    onRequest: true,
  },
  {
    name: "memory",
    script: "bench-memory.ts",
    what: "peak memory per notebook on the full profile (kernel, executor, whole process tree)",
    full: [],
    quick: ["--notebooks", "01"],
    onRequest: true,
  },
];

/**
 * Clock ticks per second of /proc/<pid>/stat times (USER_HZ): 100 on Linux for every
 * architecture Node supports, independent of the kernel's internal tick rate.
 */
const USER_HZ = 100;

/**
 * CPU seconds (user + system) of this process's children that have ended and been waited
 * for, which includes their own waited-for children: read from /proc/self/stat (fields 16
 * and 17, cutime and cstime). Null where /proc is absent (not Linux).
 */
function childrenCpuSeconds(): number | null {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    // fields after the command name "(...)": the first one is field 3 (state)
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cutime = Number(rest[16 - 3]);
    const cstime = Number(rest[17 - 3]);
    return Number.isFinite(cutime) && Number.isFinite(cstime) ? (cutime + cstime) / USER_HZ : null;
  } catch {
    return null;
  }
}

function formatSeconds(s: number): string {
  return s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`;
}

function parseArgs(argv: string[]): { only: Benchmark[]; quick: boolean; jsonDir: string | null } {
  let only: Benchmark[] = BENCHMARKS.filter((b) => !b.onRequest);
  let quick = false;
  let jsonDir: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") quick = true;
    else if (a === "--peer") only = BENCHMARKS.filter((b) => b.name === "peer");
    else if (a === "--only" || a === "--json-dir") {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--"))
        throw new Error(
          `${a} needs a value, e.g. ${a === "--only" ? "--only data,models" : "--json-dir bench-results"}.`,
        );
      if (a === "--json-dir") jsonDir = v;
      else {
        only = v.split(",").map((name) => {
          const b = BENCHMARKS.find((x) => x.name === name.trim());
          if (!b)
            throw new Error(
              `Unknown benchmark "${name}" in --only: choose from ${BENCHMARKS.map((x) => x.name).join(", ")}, separated by commas.`,
            );
          return b;
        });
      }
    } else if (a === "--help" || a === "-h") {
      console.log("usage: npm run bench -- [--only data,models,umap,peer,memory] [--peer] [--quick] [--json-dir DIR]");
      process.exit(0);
    } else {
      throw new Error(
        `Unknown option "${a}". Options: --only data,models,umap,peer,memory; --peer; --quick; --json-dir DIR.`,
      );
    }
  }
  return { only, quick, jsonDir };
}

function main(): void {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const { only, quick, jsonDir } = options;
  if (jsonDir) fs.mkdirSync(jsonDir, { recursive: true });
  console.log(
    `Benchmarks: ${only.map((b) => b.name).join(", ")}${quick ? " (quick sizes)" : ""}; node ${process.version}, ${os.cpus().length} cores, ` +
      `${(os.totalmem() / 1024 ** 3).toFixed(0)} GB, load average ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(" ")}`,
  );
  const summary: { name: string; wall: number; cpu: number | null; ok: boolean }[] = [];
  const t0 = process.hrtime.bigint();
  const cpu0 = childrenCpuSeconds();
  for (const b of only) {
    const args = [...(quick ? b.quick : b.full)];
    if (jsonDir) args.push("--json", path.join(jsonDir, `${b.name}.json`));
    const script = path.join(__dirname, b.script);
    console.log(`\n=== ${b.name}: ${b.what} ===`);
    console.log(`$ tsx ${path.relative(process.cwd(), script)}${args.length ? ` ${args.join(" ")}` : ""}\n`);
    const start = process.hrtime.bigint();
    const cpuStart = childrenCpuSeconds();
    const child = spawnSync(process.execPath, [...process.execArgv, script, ...args], { stdio: "inherit" });
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const cpuEnd = childrenCpuSeconds();
    const cpu = cpuStart === null || cpuEnd === null ? null : cpuEnd - cpuStart;
    const ok = child.status === 0;
    if (!ok) {
      const why = child.error
        ? child.error.message
        : child.signal
          ? `signal ${child.signal}`
          : `exit code ${child.status}`;
      console.log(`\n${b.name} FAILED (${why}); going on with the others.`);
    }
    console.log(`\n--- ${b.name}: ${formatSeconds(wall)} wall${cpu === null ? "" : `, ${formatSeconds(cpu)} cpu`} ---`);
    summary.push({ name: b.name, wall, cpu, ok });
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuEnd = childrenCpuSeconds();
  console.log("\n=== summary ===");
  for (const s of summary) {
    console.log(
      `${s.name.padEnd(8)} ${s.ok ? "ok    " : "FAILED"} ${formatSeconds(s.wall).padStart(10)} wall${s.cpu === null ? "" : `  ${formatSeconds(s.cpu).padStart(10)} cpu`}`,
    );
  }
  console.log(
    `${"total".padEnd(15)} ${formatSeconds(wall).padStart(10)} wall${cpu0 === null || cpuEnd === null ? "" : `  ${formatSeconds(cpuEnd - cpu0).padStart(10)} cpu`}`,
  );
  if (summary.some((s) => !s.ok)) process.exitCode = 1;
}

if (require.main === module) main();
