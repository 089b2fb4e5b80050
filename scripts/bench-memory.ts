/**
 * Memory bench: runs notebooks through the project's runner (default: every notebook on the
 * full profile, 1,000+ tokens) into a scratch output folder and samples the resident memory
 * (RSS) of every process below the runner from /proc, twice a second. Each process is
 * charged to the notebook whose executor (scripts/execute_notebook.py, nbconvert's Python)
 * it runs under, so the peaks stay per notebook even when notebooks run side by side.
 * For each notebook it prints, as soon as the notebook ends, the peak of its kernel (the
 * tslab process that executes the cells, with anything it starts) and the code cell that
 * was running then, of its executor, and of the whole process tree (runner included) while
 * it ran; at the end a table, and exit 1
 * when one kernel or the whole tree went above the stated bounds below.
 *
 *   npm run bench -- --only memory                        all notebooks, full profile
 *   tsx scripts/bench-memory.ts --notebooks 01            one notebook (it needs no inputs)
 *   tsx scripts/bench-memory.ts --profile ci --notebooks 01,02
 *   ... --json FILE        also write the results as JSON (rewritten after every notebook)
 *   ... --jobs N           notebooks side by side (default 1: one after another, so that the
 *                          whole-tree peak is that of one notebook)
 *   ... --out DIR          output folder (default: a scratch folder, deleted at the end)
 *   ... --max-epochs N     cap every training at N epochs (CAE_MAX_EPOCHS; default 2, see
 *                          BENCH_MAX_EPOCHS); --max-epochs none trains as the profile says
 *
 * Linux only (/proc). The runner is started with CAE_FORCE=1 so that every chosen notebook
 * really runs; notebooks after the first read the artifacts of the ones before them in the
 * same output folder, so choose a prefix of the notebook list (01, 01,02, ...).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";

/**
 * Stated bound on the peak RSS of one notebook kernel on the full profile: 6 GiB. The
 * largest resident set is the full panel (1,000+ tokens x ~2,000 days = 2-3M rows: 28-68 B
 * per raw row plus the Panel and a float32 feature matrix of ~20 columns, well under 1 GiB),
 * the tfjs wasm heap (at most 4 GiB: wasm32's address space) and Node itself; 6 GiB leaves
 * room for UMAP's kNN graph and still fits a 8 GB laptop with the runner beside it.
 */
export const KERNEL_RSS_BOUND_BYTES = 6 * 1024 ** 3;

/**
 * Stated bound on the peak RSS of the whole process tree (runner + nbconvert + kernel): 7 GiB.
 * It is checked when notebooks run one after another (--jobs 1, the default); side by side,
 * the tree holds several kernels and only the per-kernel bound is checked.
 */
export const TREE_RSS_BOUND_BYTES = 7 * 1024 ** 3;

/**
 * Default epoch cap of the bench: 2. Peak memory is set by the size of the data (panel,
 * feature matrix, windows, UMAP's kNN graph, the tfjs heap that holds one batch's
 * activations and the weights), all allocated in full by the first epoch; more epochs only
 * repeat the same allocations. Uncapped, the full profile trains for hours (150 epochs on
 * 2.2M token-days); capped at 2 (not 1, so that the epoch-to-epoch path, early-stopping
 * bookkeeping and best-weights copies also run) every notebook runs at full data size.
 */
export const BENCH_MAX_EPOCHS = 2;

/** Sampling period: 500 ms (a notebook's allocation peaks last seconds). */
const SAMPLE_MS = 500;

/** The executor's command line names the notebook it runs: ".../notebooks/<name>.ipynb". */
const EXECUTOR_NOTEBOOK = /execute_notebook\.py\s+\S*?([^/\s]+)\.ipynb/;

/** The runner's line for a notebook that ended: "== <name>: done in 3m 12s, 190.0 s CPU" or "FAILED". */
const RUNNER_END = /^== (\S+): (done in [^,\n]*(?:, ([\d.]+) s CPU)?|FAILED[^\n]*)/m;

/** The executor's line when a code cell starts, relayed by the runner: "[<name> 3m09s] cell 3/25 (...)". */
const CELL_START = /^\[(\S+) [^\]]*\] cell (\d+\/\d+) \(/;

/** Clock ticks per second of /proc's times: USER_HZ, 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

/**
 * CPU seconds (user + system) of this process's waited-for children and their descendants
 * (cutime + cstime in /proc/self/stat): after the runner exits, the whole run's CPU.
 */
function childrenCpuSeconds(): number {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields after the command: state is field 3, so cutime (16) and cstime (17) sit at 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) / USER_HZ;
}

/** Resident memory (bytes) of a process from /proc/<pid>/status (VmRSS), or 0 when it is gone. */
function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Parent pid and command line of every process. */
function processTable(): Map<number, { ppid: number; cmd: string }> {
  const out = new Map<number, { ppid: number; cmd: string }>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      out.set(Number(name), { ppid, cmd });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Peak memory of one notebook's processes (bytes) and how it ended. */
export interface NotebookPeak {
  notebook: string;
  /** The tslab kernel and anything it started. */
  kernel: number;
  /** The executor (nbconvert's Python). */
  executor: number;
  /** The whole tree (runner, every executor and kernel) while this notebook ran. */
  tree: number;
  /** Wall seconds from first to last sample seen. */
  seconds: number;
  /** Kernel + executor CPU seconds as the runner reported them, or null. */
  cpuSeconds: number | null;
  /** "ok", "failed", or "unfinished" (still running when the runner stopped). */
  status: "ok" | "failed" | "unfinished";
  /** The code cell ("3/25") that was running when the kernel reached its peak, or null. */
  peakCell: string | null;
}

/**
 * One sample: for every process below `root`, the notebook it belongs to (via the nearest
 * executor ancestor) and its RSS; returns per notebook { kernel, executor } and the tree total.
 */
export function sampleTree(
  root: number,
  table: ReadonlyMap<number, { ppid: number; cmd: string }>,
  rss: (pid: number) => number,
): { total: number; perNotebook: Map<string, { kernel: number; executor: number }> } {
  const children = new Map<number, number[]>();
  for (const [pid, p] of table) {
    const list = children.get(p.ppid);
    if (list) list.push(pid);
    else children.set(p.ppid, [pid]);
  }
  const perNotebook = new Map<string, { kernel: number; executor: number }>();
  let total = 0;
  // Depth-first from the runner, carrying the notebook of the nearest executor above.
  const stack: { pid: number; notebook: string | null }[] = [{ pid: root, notebook: null }];
  while (stack.length > 0) {
    const { pid, notebook } = stack.pop()!;
    const r = rss(pid);
    total += r;
    const own = EXECUTOR_NOTEBOOK.exec(table.get(pid)?.cmd ?? "");
    const nb = own ? own[1]! : notebook;
    if (nb !== null) {
      let e = perNotebook.get(nb);
      if (!e) perNotebook.set(nb, (e = { kernel: 0, executor: 0 }));
      if (own) e.executor += r;
      else e.kernel += r;
    }
    for (const c of children.get(pid) ?? []) stack.push({ pid: c, notebook: nb });
  }
  return { total, perNotebook };
}

function gib(b: number): string {
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}

interface Options {
  profile: string;
  notebooks: string[];
  json: string | null;
  jobs: number;
  out: string | null;
  /** Epoch cap passed as CAE_MAX_EPOCHS, or null for none. */
  maxEpochs: number | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { profile: "full", notebooks: [], json: null, jobs: 1, out: null, maxEpochs: BENCH_MAX_EPOCHS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value.`);
      return x;
    };
    if (a === "--profile") o.profile = v();
    else if (a === "--notebooks") o.notebooks = v().split(",").filter(Boolean);
    else if (a === "--json") o.json = v();
    else if (a === "--out") o.out = path.resolve(v());
    else if (a === "--max-epochs") {
      const raw = v();
      o.maxEpochs = raw === "none" ? null : Number(raw);
      if (o.maxEpochs !== null && (!Number.isInteger(o.maxEpochs) || o.maxEpochs < 1))
        throw new Error(`--max-epochs "${raw}" is not a positive integer or "none".`);
    } else if (a === "--jobs") {
      const raw = v();
      o.jobs = Number(raw);
      if (!Number.isInteger(o.jobs) || o.jobs < 1) throw new Error(`--jobs "${raw}" is not a positive integer.`);
    } else
      throw new Error(
        `Unknown option "${a}". Options: --profile ci|default|full; --notebooks 01,02; --jobs N; --out DIR; --json FILE; --max-epochs N|none.`,
      );
  }
  return o;
}

function row(p: NotebookPeak): string {
  const cpu = p.cpuSeconds === null ? "" : ` (${p.cpuSeconds.toFixed(0)} s CPU)`;
  return `${p.notebook.padEnd(22)} ${`${p.seconds.toFixed(0)} s${cpu}`.padEnd(22)} ${gib(p.kernel).padStart(9)} ${gib(p.executor).padStart(9)} ${gib(p.tree).padStart(10)}  ${(p.peakCell ?? "").padStart(9)}  ${p.status}`;
}

const HEADER = `${"notebook".padEnd(22)} ${"wall (CPU)".padEnd(22)} ${"kernel".padStart(9)} ${"executor".padStart(9)} ${"whole tree".padStart(10)}  ${"peak cell".padStart(9)}  status`;

async function main(): Promise<void> {
  if (!fs.existsSync("/proc/self/status")) throw new Error("The memory bench reads /proc: run it on Linux.");
  const { profile, notebooks, json, jobs, out: outOption, maxEpochs } = parseArgs(process.argv.slice(2));
  const out = outOption ?? fs.mkdtempSync(path.join(os.tmpdir(), "cae-bench-memory-"));
  const runner = path.join(__dirname, "run-notebooks.ts");
  console.log(
    `Memory bench: profile=${profile}, notebooks ${notebooks.length ? notebooks.join(",") : "all"}, ${jobs} side by side, output ${out}, ` +
      `${maxEpochs === null ? "epochs as the profile says" : `training capped at ${maxEpochs} epoch(s) (CAE_MAX_EPOCHS; memory is set by data size)`}; ` +
      `bounds: kernel ${gib(KERNEL_RSS_BOUND_BYTES)}, whole tree ${gib(TREE_RSS_BOUND_BYTES)}`,
  );
  const child = spawn(process.execPath, [...process.execArgv, runner, ...notebooks], {
    env: {
      ...process.env,
      CAE_PROFILE: profile,
      CAE_OUT: out,
      CAE_FORCE: "1",
      CAE_JOBS: String(jobs),
      CAE_MAX_EPOCHS: maxEpochs === null ? "" : String(maxEpochs),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const peaks = new Map<string, NotebookPeak & { first: number; last: number }>();
  const started = Date.now();
  let runCpuSeconds: number | null = null;
  const writeJson = (runnerExit: number | null): void => {
    if (!json) return;
    const list = [...peaks.values()].map(({ first: _f, last: _l, ...p }) => p);
    const kernelPeak = Math.max(0, ...list.map((p) => p.kernel));
    const treePeak = Math.max(0, ...list.map((p) => p.tree));
    const bounds = { kernel: KERNEL_RSS_BOUND_BYTES, tree: TREE_RSS_BOUND_BYTES };
    const runSeconds = (Date.now() - started) / 1000;
    fs.writeFileSync(
      json,
      JSON.stringify(
        { profile, jobs, maxEpochs, bounds, peaks: list, kernelPeak, treePeak, runSeconds, runCpuSeconds, runnerExit },
        null,
        2,
      ),
    );
  };
  // The code cell each notebook is in, from the runner's lines: the kernel peak names its cell.
  const currentCell = new Map<string, string>();
  // The runner's lines: relayed as they come; a notebook's end closes its peak.
  const relay = (stream: NodeJS.ReadableStream, sink: NodeJS.WriteStream): void => {
    let buffer = "";
    stream.on("data", (d: Buffer) => {
      buffer += d.toString("utf8");
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        sink.write(`${line}\n`);
        const cell = CELL_START.exec(line);
        if (cell) currentCell.set(cell[1]!, cell[2]!);
        const end = RUNNER_END.exec(line);
        const p = end ? peaks.get(end[1]!) : undefined;
        if (end && p) {
          p.status = end[2]!.startsWith("done") ? "ok" : "failed";
          p.cpuSeconds = end[3] === undefined ? null : Number(end[3]);
          console.log(`[memory] ${row(p)}`);
          writeJson(null);
        }
      }
    });
  };
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  const timer = setInterval(() => {
    const now = Date.now();
    const { total, perNotebook } = sampleTree(child.pid!, processTable(), rssOf);
    for (const [nb, m] of perNotebook) {
      let p = peaks.get(nb);
      if (!p) {
        p = {
          notebook: nb,
          kernel: 0,
          executor: 0,
          tree: 0,
          seconds: 0,
          cpuSeconds: null,
          status: "unfinished",
          peakCell: null,
          first: now,
          last: now,
        };
        peaks.set(nb, p);
      }
      if (m.kernel > p.kernel) {
        p.kernel = m.kernel;
        p.peakCell = currentCell.get(nb) ?? null;
      }
      p.executor = Math.max(p.executor, m.executor);
      p.tree = Math.max(p.tree, total);
      p.last = now;
      p.seconds = (p.last - p.first) / 1000;
    }
  }, SAMPLE_MS);
  // Stopped early (Ctrl-C, a time limit): the runner stops its notebooks; the table still prints.
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => {
      console.error(`\n${signal}: stopping the runner; the notebooks still running are reported as unfinished.`);
      child.kill(signal);
    });
  const code: number = await new Promise((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  clearInterval(timer);
  runCpuSeconds = childrenCpuSeconds();
  const list = [...peaks.values()];
  console.log(`\n${HEADER}`);
  for (const p of list) console.log(row(p));
  const kernelPeak = Math.max(0, ...list.map((p) => p.kernel));
  const treePeak = Math.max(0, ...list.map((p) => p.tree));
  const treeChecked = jobs === 1;
  const within = kernelPeak <= KERNEL_RSS_BOUND_BYTES && (!treeChecked || treePeak <= TREE_RSS_BOUND_BYTES);
  const treeBound = treeChecked ? `bound ${gib(TREE_RSS_BOUND_BYTES)}` : `${jobs} notebooks side by side: not checked`;
  console.log(
    `\npeak kernel ${gib(kernelPeak)} (bound ${gib(KERNEL_RSS_BOUND_BYTES)}), peak whole tree ${gib(treePeak)} (${treeBound}): ${within ? "within the bounds" : "ABOVE A BOUND"}`,
  );
  console.log(
    `whole run: ${((Date.now() - started) / 1000).toFixed(0)} s wall, ${runCpuSeconds.toFixed(0)} s CPU (runner and every notebook)${maxEpochs === null ? "" : `, training capped at ${maxEpochs} epoch(s)`}`,
  );
  writeJson(code);
  if (!outOption) fs.rmSync(out, { recursive: true, force: true });
  if (code !== 0) {
    console.error(`The notebook runner failed (exit ${code}).`);
    process.exit(1);
  }
  if (!within) process.exit(1);
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(2);
  });
}
