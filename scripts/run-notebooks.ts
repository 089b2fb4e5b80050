/**
 * The notebook runner: executes the notebooks with the project's kernel, headless, and
 * writes each executed notebook and its HTML to report/notebooks/.
 *
 *   npm run notebook                 all notebooks (those out of date)
 *   npm run notebook -- 03           one notebook (by number or name); its inputs are the
 *                                    artifacts the earlier notebooks wrote; says which later
 *                                    notebooks read what it rewrote (now stale)
 *   npm run notebook -- 02 05        several
 *   npm run notebook -- --force      rerun even the notebooks that are up to date
 *
 * Order: each notebook declares the artifacts it reads (lib/runtime/notebook-graph.ts); a
 * notebook starts once the notebooks writing its inputs have finished, and independent
 * notebooks run side by side, up to CAE_JOBS at a time (default: the machine's cores; each
 * kernel computes on one core). Among the notebooks ready to start, the one heading the
 * longest chain of remaining work starts first (costs: the last logged run of the same
 * profile, else NOTEBOOK_CPU_SECONDS), so the longest chain does not wait behind short
 * notebooks. Every progress line starts with its notebook's name. A
 * failing notebook stops only the notebooks that read its artifacts; the others run on, and
 * the exit code is 1. Results do not depend on CAE_JOBS: every notebook seeds its own
 * random streams and reads only its declared inputs.
 *
 * A full run skips a notebook whose inputs have not changed since it last ran successfully:
 * its fingerprint covers the notebook, lib/, the lock file, the kernel, the run settings
 * (profile, source, data path, seed, backend), the data files of a real source and the
 * fingerprints of the notebooks whose artifacts it reads; and none of those notebooks may
 * have run again since it started. Naming notebooks always runs them.
 *
 * The run log (report/notebooks/run-log.json) records each notebook's start, end, wall and
 * CPU seconds (kernel + executor), outcome and fingerprint.
 *
 * Profile, data source, backend and seed come from CAE_PROFILE, CAE_SOURCE, CAE_BACKEND,
 * CAE_SEED (see lib/config.ts). The kernel does not type-check cells here
 * (CAE_KERNEL_TYPECHECK=0, jupyter/kernels/crypto-ae/fast-imports.js): the notebook sources
 * are type-checked as a whole by `npm run typecheck`, and skipping it saves the kernel about
 * 3 s of CPU per notebook; CAE_KERNEL_TYPECHECK=1 checks them again. Progress lines from the notebooks (epochs, stages) are
 * relayed live; a failing cell is reported with the cell's real error.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { findRoot, loadConfig } from "../lib/config";
import { atomicWriteJson } from "../lib/runtime/files";
import { dependentsOf, notebookGraph, NOTEBOOK_CPU_SECONDS, type NotebookGraph } from "../lib/runtime/notebook-graph";
import { jobCount, plannedPriority, runGraph } from "../lib/runtime/scheduler";
import { stageStatus } from "../lib/runtime/stage-state";
import { KERNEL_NAME } from "./build-notebooks";

/** Debian's interpreter: the one that has Jupyter (another python3 may come first on PATH). */
const SYSTEM_PYTHON = "/usr/bin/python3";

/**
 * Cells are not type-checked by the kernel in runs ("0"): the notebook sources are checked
 * as a whole by `npm run typecheck`, and the kernel's check of a cell parses the library's
 * whole import graph (about 650 files) in every notebook. The emitted JavaScript is the same.
 */
export const KERNEL_TYPECHECK_IN_RUNS = "0";

/** How to install Jupyter's headless parts on Debian. */
export const JUPYTER_FIX =
  "apt-get update && apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client (or: pip install nbclient nbconvert)";

/** The notebooks in run order (file stems under notebooks/). */
export function listNotebooks(root: string): string[] {
  return fs
    .readdirSync(path.join(root, "notebooks"))
    .filter((f) => /^\d\d-.+\.ipynb$/.test(f))
    .map((f) => f.replace(/\.ipynb$/, ""))
    .sort();
}

/** Resolve selectors like "03", "3", "03-train-vae" to notebook stems; throws listing the allowed values. */
export function selectNotebooks(all: string[], selectors: string[]): string[] {
  if (selectors.length === 0) return all;
  return selectors.map((s) => {
    const key = /^\d+$/.test(s) ? s.padStart(2, "0") : s.replace(/\.ipynb$/, "");
    const hit = all.find((n) => n === key || n.startsWith(`${key}-`));
    if (!hit) throw new Error(`No notebook "${s}". Available: ${all.join(", ")}.`);
    return hit;
  });
}

/** The Python that has nbclient and nbconvert, or null. */
export function findJupyterPython(): string | null {
  const candidates = [process.env.CAE_PYTHON, SYSTEM_PYTHON, "python3"].filter((c): c is string => !!c);
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import nbclient, nbconvert, jupyter_client"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return null;
}

/** Environment for Jupyter that keeps everything inside the project. */
export function jupyterEnv(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    JUPYTER_PATH: path.join(root, "jupyter"),
    JUPYTER_RUNTIME_DIR: path.join(root, ".jupyter-runtime"),
    JUPYTER_PLATFORM_DIRS: "1",
    CAE_ROOT: root,
    ...extra,
  };
}

function fmt(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  if (fs.statSync(dir).isFile()) return [dir];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? listFiles(p) : [p];
    })
    .sort();
}

/** Hash of everything every notebook depends on (code, kernel, settings, data files). */
export function baseFingerprint(root: string, config: ReturnType<typeof loadConfig>): string {
  const h = createHash("sha256");
  const code = [
    ...listFiles(path.join(root, "lib")),
    ...listFiles(path.join(root, "jupyter")),
    path.join(root, "package-lock.json"),
    path.join(root, "scripts", "execute_notebook.py"),
  ];
  for (const f of code.filter((f) => fs.existsSync(f))) h.update(path.relative(root, f)).update(fs.readFileSync(f));
  h.update(
    JSON.stringify({
      profile: config.profile,
      source: config.source,
      dataPath: config.dataPath,
      seed: config.seed,
      backend: config.backend,
      creditCard: config.creditCardPath,
      settings: config.settings,
      epochCap: config.epochCap,
    }),
  );
  // Data files are fingerprinted by name, size and modification time (hashing gigabytes would defeat the purpose).
  for (const f of [...(config.dataPath ? listFiles(config.dataPath) : []), ...listFiles(config.creditCardPath)]) {
    const st = fs.statSync(f);
    h.update(`${f}:${st.size}:${st.mtimeMs}`);
  }
  return h.digest("hex");
}

/**
 * Fingerprints of all notebooks: each covers the base, its own file and the fingerprints of
 * the notebooks whose artifacts it reads (by default every notebook before it).
 */
export function notebookFingerprints(
  root: string,
  all: string[],
  base: string,
  graph: NotebookGraph = new Map(all.map((n, i) => [n, all.slice(0, i)])),
): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of all) {
    const h = createHash("sha256")
      .update(base)
      .update(fs.readFileSync(path.join(root, "notebooks", `${name}.ipynb`)));
    for (const dep of graph.get(name) ?? []) h.update(`${dep}:${out.get(dep) ?? ""}`);
    out.set(name, h.digest("hex"));
  }
  return out;
}

/** How one notebook execution ended. */
interface Execution {
  code: number;
  /** CPU seconds of the kernel plus the executing process (null when it did not say). */
  cpuSeconds: number | null;
  /** Whether the kernel ever ran a cell (false: it failed to start). */
  started: boolean;
}

/**
 * Kernel starts one at a time: Jupyter picks a kernel's five TCP ports as free ones, and two
 * kernels launched in the same instant can pick the same port (measured: one of two notebooks
 * started side by side died with EADDRINUSE, then "Kernel didn't respond in 60 seconds").
 * The next notebook is launched once the previous one's kernel has run its first cell, its
 * executor has exited, or KERNEL_START_GATE_SECONDS have passed.
 */
const KERNEL_START_GATE_SECONDS = 90;
let kernelStartGate: Promise<void> = Promise.resolve();

/** Wait for the previous kernel start; returns the function that lets the next one go. */
export async function takeKernelStartTurn(): Promise<() => void> {
  const previous = kernelStartGate;
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const timer = setTimeout(release, KERNEL_START_GATE_SECONDS * 1000);
  timer.unref();
  kernelStartGate = mine;
  await previous;
  return () => {
    clearTimeout(timer);
    release();
  };
}

/**
 * Longest relayed line: a kernel that dies at shutdown can print a whole minified source line
 * (the wasm backend's glue, ~60 kB) with its error; the terminal gets its start.
 */
const MAX_LINE_CHARS = 400;

/** The executor's CPU line (scripts/execute_notebook.py). */
const CPU_LINE = /^cpu-seconds kernel=([\d.]+) runner=([\d.]+)/;

/** Execute one notebook; resolves with its exit code and CPU time. Every line it prints is prefixed with its name. */
async function runOne(
  py: string,
  root: string,
  reportDir: string,
  name: string,
  timeout: number,
  env: NodeJS.ProcessEnv,
): Promise<Execution> {
  const letNextStart = await takeKernelStartTurn();
  return new Promise((resolve) => {
    const t0 = Date.now();
    let cpuSeconds: number | null = null;
    let started = false;
    const child = spawn(
      py,
      [
        path.join(root, "scripts", "execute_notebook.py"),
        path.join(root, "notebooks", `${name}.ipynb`),
        path.join(reportDir, "notebooks"),
        "--kernel",
        KERNEL_NAME,
        "--timeout",
        String(timeout),
        "--templates",
        path.join(root, "jupyter", "templates"),
      ],
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    runningChildren.add(child);
    child.on("exit", () => runningChildren.delete(child));
    const prefix = () => `[${name} ${fmt((Date.now() - t0) / 1000)}]`;
    const relay = (source: "stdout" | "stderr") => {
      // One buffer per stream: a line split across chunks of one stream is never mixed with the other's.
      let buffer = "";
      const emit = (full: string) => {
        const line =
          full.length > MAX_LINE_CHARS ? `${full.slice(0, MAX_LINE_CHARS)}... (${full.length} characters)` : full;
        if (line.startsWith("[cae] ")) console.log(`${prefix()} ${line.slice(6)}`);
        else if (line.startsWith("[cae-runner] ")) {
          const body = line.slice(13);
          const cpu = CPU_LINE.exec(body);
          if (cpu) cpuSeconds = Number(cpu[1]) + Number(cpu[2]);
          else console.log(`${prefix()} ${body}`);
          if (!started && /^cell \d+\//.test(body)) {
            started = true;
            letNextStart();
          }
        } else if (
          /^\[(NbConvertApp|ListKernelSpecs|KernelSpecManager)\]/.test(line) ||
          line.includes("Native kernel (python3) is not available")
        )
          return;
        else console.log(`${prefix()} ${line}`);
      };
      const stream = source === "stdout" ? child.stdout : child.stderr;
      stream.on("data", (chunk: Buffer) => {
        buffer += chunk.toString("utf8");
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          emit(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      });
      stream.on("end", () => {
        if (buffer) emit(buffer);
        buffer = "";
      });
    };
    relay("stdout");
    relay("stderr");
    child.on("close", (code) => {
      letNextStart();
      resolve({ code: code ?? 1, cpuSeconds, started });
    });
  });
}

/** Parse the command line: notebook selectors and --force; throws on an unknown option. */
function parseArgs(args: string[]): { explicit: string[]; force: boolean } {
  const unknown = args.filter((a) => a.startsWith("-") && a !== "--force");
  if (unknown.length)
    throw new Error(`Unknown option ${unknown.join(", ")}. Options: --force (rerun up-to-date notebooks).`);
  return { explicit: args.filter((a) => !a.startsWith("-")), force: args.includes("--force") };
}

/** Fallback cost of a notebook with neither a logged run nor an entry in NOTEBOOK_CPU_SECONDS. */
const UNKNOWN_NOTEBOOK_SECONDS = 60;

/**
 * What a notebook is expected to cost, for the start order only: its last successful logged
 * run on the same profile (CPU seconds, else wall), else NOTEBOOK_CPU_SECONDS.
 */
export function expectedSeconds(log: RunLog, profile: string, name: string): number {
  const last = log.notebooks?.[name];
  if (last?.ok && last.profile === profile) return last.cpuSeconds ?? last.seconds;
  return NOTEBOOK_CPU_SECONDS[name] ?? UNKNOWN_NOTEBOOK_SECONDS;
}

/** When a logged run of a notebook started (older logs have only the end and the duration). */
function startedAtMs(entry: RunLogEntry | undefined): number | null {
  if (!entry) return null;
  if (entry.startedAt) return Date.parse(entry.startedAt);
  return entry.finishedAt ? Date.parse(entry.finishedAt) - entry.seconds * 1000 : null;
}

/**
 * True when a notebook's last run is still valid: it succeeded with the same fingerprint,
 * its HTML exists, and none of its inputs was rewritten after it started (e.g. by running
 * an earlier notebook alone).
 */
export function isUpToDate(
  name: string,
  fingerprint: string,
  graph: NotebookGraph,
  log: RunLog,
  htmlExists: boolean,
): boolean {
  const last = log.notebooks?.[name];
  if (!last?.ok || last.fingerprint !== fingerprint || !htmlExists) return false;
  const started = startedAtMs(last);
  if (started === null) return false;
  return (graph.get(name) ?? []).every((dep) => {
    const d = log.notebooks?.[dep];
    return !!d?.finishedAt && Date.parse(d.finishedAt) <= started;
  });
}

/** The notebooks being executed, so that an interrupt stops them too (an orphaned kernel would keep writing). */
const runningChildren = new Set<ReturnType<typeof spawn>>();

/** On SIGINT / SIGTERM: stop the running notebook, then exit (its stage stays marked unfinished). */
function stopOnSignal(signal: NodeJS.Signals): void {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping. The notebooks that were running stay marked unfinished and rerun next time.`);
    for (const child of runningChildren) if (child.exitCode === null) child.kill(signal);
    process.exit(130);
  });
}

async function main(): Promise<void> {
  stopOnSignal("SIGINT");
  stopOnSignal("SIGTERM");
  const root = findRoot(__dirname);
  const config = loadConfig(); // validates CAE_PROFILE / CAE_SOURCE / CAE_BACKEND / CAE_SEED
  const all = listNotebooks(root);
  const { explicit, force: forceFlag } = parseArgs(process.argv.slice(2));
  const force = forceFlag || process.env.CAE_FORCE === "1" || explicit.length > 0;
  const chosen = selectNotebooks(all, explicit);
  const jobs = jobCount(process.env, os.availableParallelism?.() ?? os.cpus().length);
  const py = findJupyterPython();
  if (!py) throw new Error(`Jupyter (nbclient + nbconvert) not found. Install it: ${JUPYTER_FIX}`);
  if (!fs.existsSync(path.join(root, "node_modules", "tslab")))
    throw new Error("tslab is not installed: run npm ci first (or npm start, which installs it).");
  const timeout = Number(process.env.CAE_CELL_TIMEOUT || config.settings.cellTimeoutSeconds);
  const env = jupyterEnv(root, {
    CAE_PROGRESS: "stderr",
    CAE_KERNEL_TYPECHECK: process.env.CAE_KERNEL_TYPECHECK ?? KERNEL_TYPECHECK_IN_RUNS,
  });
  const graph = notebookGraph(all);
  console.log(
    `Running ${chosen.length} notebook(s), up to ${jobs} side by side (CAE_JOBS): profile=${config.profile} source=${config.source} seed=${config.seed} cell-timeout=${timeout}s` +
      (config.epochCap === null
        ? ""
        : `\nTRAINING CAPPED at ${config.epochCap} epoch(s) by CAE_MAX_EPOCHS: the models are undertrained and the results are not real results.`),
  );
  const t0 = Date.now();
  const fingerprints = notebookFingerprints(root, all, baseFingerprint(root, config), graph);
  const log = readRunLog(config.paths.report);
  const htmlOf = (name: string) => path.join(config.paths.report, "notebooks", `${name}.html`);
  // The graph of this run: chosen notebooks only; inputs from notebooks not chosen are taken as present.
  const runGraphOf = new Map(chosen.map((n) => [n, (graph.get(n) ?? []).filter((d) => chosen.includes(d))]));
  const results: RunResult[] = [];
  let skipped = 0;
  const execute = async (name: string): Promise<boolean> => {
    const fingerprint = fingerprints.get(name)!;
    if (
      !force &&
      isUpToDate(name, fingerprint, graph, log, fs.existsSync(htmlOf(name))) &&
      // its manifest is in place, no running marker, every artifact hashes as recorded (killed runs fail this)
      stageStatus(config.paths.processed, path.dirname(path.dirname(config.paths.processed)), name).state === "complete"
    ) {
      console.log(`== ${name}: up to date (ran ${log.notebooks?.[name]?.finishedAt}); --force reruns it`);
      skipped += 1;
      return true;
    }
    const startedAt = new Date();
    console.log(`== ${name}: started`);
    let { code, cpuSeconds, started } = await runOne(py, root, config.paths.report, name, timeout, env);
    if (code !== 0 && !started) {
      console.error(`== ${name}: its kernel did not start; trying once more`);
      ({ code, cpuSeconds, started } = await runOne(py, root, config.paths.report, name, timeout, env));
    }
    const result: RunResult = {
      notebook: name,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      seconds: (Date.now() - startedAt.getTime()) / 1000,
      cpuSeconds,
      ok: code === 0,
      fingerprint,
    };
    results.push(result);
    // The log is written after every notebook, so an interrupted run keeps what finished.
    writeRunLog(config.paths.report, config.profile, jobs, results, t0);
    const cpu = cpuSeconds === null ? "" : `, ${cpuSeconds.toFixed(1)} s CPU`;
    if (code === 0) console.log(`== ${name}: done in ${fmt(result.seconds)}${cpu}`);
    else
      console.error(
        `== ${name}: FAILED (exit ${code}) after ${fmt(result.seconds)}. Its partial output: ${htmlOf(name)}. Rerun alone: npm run notebook -- ${name.slice(0, 2)}`,
      );
    return code === 0;
  };
  // Start order: the one that minimises the run's simulated wall time for the expected costs.
  const priority = plannedPriority(runGraphOf, jobs, (name) => expectedSeconds(log, config.profile, name));
  const run = await runGraph(
    runGraphOf,
    jobs,
    execute,
    (name, failed) => console.error(`== ${name}: not run (it reads what ${failed} writes, and ${failed} failed)`),
    priority,
  );
  writeRunLog(config.paths.report, config.profile, jobs, results, t0);
  const failed = chosen.filter((n) => run.outcome.get(n) === "failed");
  const blocked = chosen.filter((n) => run.outcome.get(n) === "blocked");
  const ran = results.length;
  const cpuTotal = results.reduce((s, r) => s + (r.cpuSeconds ?? 0), 0);
  console.log(
    `\n${ran} notebook(s) ran in ${fmt((Date.now() - t0) / 1000)} wall, ${fmt(cpuTotal)} CPU${skipped ? `, ${skipped} up to date` : ""}. HTML: ${path.join(config.paths.report, "notebooks")}`,
  );
  if (explicit.length > 0) {
    const rerun = results.filter((r) => r.ok).map((r) => r.notebook);
    const stale = dependentsOf(graph, rerun).filter((n) => !chosen.includes(n));
    if (stale.length)
      console.log(
        `Now stale (they read what ${rerun.join(", ")} wrote): ${stale.join(", ")}. Update them: npm run notebook (reruns only what is out of date).`,
      );
  }
  if (failed.length) {
    console.error(
      `Failed: ${failed.join(", ")}${blocked.length ? `; not run because an input failed: ${blocked.join(", ")}` : ""}.`,
    );
    process.exit(1);
  }
}

interface RunResult {
  notebook: string;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  /** Kernel + executor CPU seconds; null when the executor did not report it. */
  cpuSeconds: number | null;
  ok: boolean;
  fingerprint: string;
}
interface RunLogEntry {
  seconds: number;
  ok: boolean;
  finishedAt: string;
  startedAt?: string;
  cpuSeconds?: number | null;
  profile: string;
  fingerprint?: string;
}
/** The runner's log (report/notebooks/run-log.json): the last run's wall time and each notebook's last run. */
export interface RunLog {
  lastRunSeconds?: number;
  jobs?: number;
  notebooks?: Record<string, RunLogEntry>;
}

function readRunLog(reportDir: string): RunLog {
  const file = path.join(reportDir, "notebooks", "run-log.json");
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as RunLog;
  } catch {
    return {};
  }
}

/** Record the run (for the report's "duration" line), merged with earlier runs of other notebooks. */
function writeRunLog(reportDir: string, profile: string, jobs: number, results: RunResult[], t0: number): void {
  const file = path.join(reportDir, "notebooks", "run-log.json");
  const previous = readRunLog(reportDir);
  const notebooks = { ...(previous.notebooks ?? {}) };
  for (const r of results)
    notebooks[r.notebook] = {
      seconds: r.seconds,
      ok: r.ok,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      cpuSeconds: r.cpuSeconds,
      profile,
      fingerprint: r.fingerprint,
    };
  atomicWriteJson(file, { lastRunSeconds: (Date.now() - t0) / 1000, jobs, notebooks });
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(2);
  });
}
