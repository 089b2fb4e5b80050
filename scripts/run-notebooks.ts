/**
 * The notebook runner: executes the notebooks in order with the project's kernel, headless,
 * and writes each executed notebook and its HTML to report/notebooks/.
 *
 *   npm run notebook                 all notebooks
 *   npm run notebook -- 03           one notebook (by number or name); its inputs are the
 *                                    artifacts the earlier notebooks wrote
 *   npm run notebook -- 02 05        several
 *   npm run notebook -- --force      rerun even the notebooks that are up to date
 *
 * A full run skips a notebook whose inputs have not changed since it last ran successfully:
 * its fingerprint covers the notebook, lib/, the lock file, the kernel, the run settings
 * (profile, source, data path, seed, backend), the data files of a real source and the
 * fingerprints of every notebook before it (whose artifacts it reads). Naming notebooks
 * always runs them.
 *
 * Profile, data source, backend and seed come from CAE_PROFILE, CAE_SOURCE, CAE_BACKEND,
 * CAE_SEED (see lib/config.ts). Progress lines from the notebooks (epochs, stages) are
 * relayed live; a failing cell stops the run with the cell's real error and exit code 1.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { findRoot, loadConfig } from "../lib/config";
import { atomicWriteJson } from "../lib/runtime/files";
import { stageStatus } from "../lib/runtime/stage-state";
import { KERNEL_NAME } from "./build-notebooks";

/** Debian's interpreter: the one that has Jupyter (another python3 may come first on PATH). */
const SYSTEM_PYTHON = "/usr/bin/python3";

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
    }),
  );
  // Data files are fingerprinted by name, size and modification time (hashing gigabytes would defeat the purpose).
  for (const f of [...(config.dataPath ? listFiles(config.dataPath) : []), ...listFiles(config.creditCardPath)]) {
    const st = fs.statSync(f);
    h.update(`${f}:${st.size}:${st.mtimeMs}`);
  }
  return h.digest("hex");
}

/** Fingerprints of all notebooks in order: each covers the base, its own file and all before it. */
export function notebookFingerprints(root: string, all: string[], base: string): Map<string, string> {
  const out = new Map<string, string>();
  let chain = base;
  for (const name of all) {
    chain = createHash("sha256")
      .update(chain)
      .update(fs.readFileSync(path.join(root, "notebooks", `${name}.ipynb`)))
      .digest("hex");
    out.set(name, chain);
  }
  return out;
}

/** Execute one notebook; resolves with its exit code. */
function runOne(
  py: string,
  root: string,
  reportDir: string,
  name: string,
  timeout: number,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  return new Promise((resolve) => {
    const t0 = Date.now();
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
    currentChild = child;
    const prefix = () => `[${name} ${fmt((Date.now() - t0) / 1000)}]`;
    let buffer = "";
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith("[cae] ")) console.log(`${prefix()} ${line.slice(6)}`);
        else if (line.startsWith("[cae-runner] ")) console.log(`${prefix()} ${line.slice(13)}`);
        else if (
          /^\[(NbConvertApp|ListKernelSpecs|KernelSpecManager)\]/.test(line) ||
          line.includes("Native kernel (python3) is not available")
        )
          continue;
        else console.log(`${prefix()} ${line}`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code) => {
      if (buffer) console.log(`${prefix()} ${buffer}`);
      resolve(code ?? 1);
    });
  });
}

/** The notebook being executed, so that an interrupt stops it too (an orphaned kernel would keep writing). */
let currentChild: ReturnType<typeof spawn> | null = null;

/** On SIGINT / SIGTERM: stop the running notebook, then exit (its stage stays marked unfinished). */
function stopOnSignal(signal: NodeJS.Signals): void {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping. The notebook that was running stays marked unfinished and reruns next time.`);
    if (currentChild && currentChild.exitCode === null) currentChild.kill(signal);
    process.exit(130);
  });
}

async function main(): Promise<void> {
  stopOnSignal("SIGINT");
  stopOnSignal("SIGTERM");
  const root = findRoot(__dirname);
  const config = loadConfig(); // validates CAE_PROFILE / CAE_SOURCE / CAE_BACKEND / CAE_SEED
  const all = listNotebooks(root);
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a.startsWith("-") && a !== "--force");
  if (unknown.length)
    throw new Error(`Unknown option ${unknown.join(", ")}. Options: --force (rerun up-to-date notebooks).`);
  const explicit = args.filter((a) => !a.startsWith("-"));
  const force = args.includes("--force") || process.env.CAE_FORCE === "1" || explicit.length > 0;
  const chosen = selectNotebooks(all, explicit);
  const py = findJupyterPython();
  if (!py) throw new Error(`Jupyter (nbclient + nbconvert) not found. Install it: ${JUPYTER_FIX}`);
  if (!fs.existsSync(path.join(root, "node_modules", "tslab")))
    throw new Error("tslab is not installed: run npm ci first (or npm start, which installs it).");
  const timeout = Number(process.env.CAE_CELL_TIMEOUT || config.settings.cellTimeoutSeconds);
  const env = jupyterEnv(root, { CAE_PROGRESS: "stderr" });
  console.log(
    `Running ${chosen.length} notebook(s): profile=${config.profile} source=${config.source} seed=${config.seed} cell-timeout=${timeout}s`,
  );
  const t0 = Date.now();
  const fingerprints = notebookFingerprints(root, all, baseFingerprint(root, config));
  const previous = readRunLog(config.paths.report);
  const results: RunResult[] = [];
  for (const [i, name] of chosen.entries()) {
    const fingerprint = fingerprints.get(name)!;
    const last = previous.notebooks?.[name];
    if (
      !force &&
      last?.ok &&
      last.fingerprint === fingerprint &&
      fs.existsSync(path.join(config.paths.report, "notebooks", `${name}.html`)) &&
      // its manifest is in place, no running marker, every artifact hashes as recorded (killed runs fail this)
      stageStatus(config.paths.processed, path.dirname(path.dirname(config.paths.processed)), name).state === "complete"
    ) {
      console.log(`\n== [${i + 1}/${chosen.length}] ${name}: up to date (ran ${last.finishedAt}); --force reruns it`);
      continue;
    }
    console.log(`\n== [${i + 1}/${chosen.length}] ${name}`);
    const t = Date.now();
    const code = await runOne(py, root, config.paths.report, name, timeout, env);
    results.push({
      notebook: name,
      seconds: (Date.now() - t) / 1000,
      ok: code === 0,
      fingerprint,
      finishedAt: new Date().toISOString(),
    });
    if (code !== 0) {
      console.error(
        `\n${name} failed (exit ${code}). Its partial output: ${path.join(config.paths.report, "notebooks", `${name}.html`)}. Rerun alone: npm run notebook -- ${name.slice(0, 2)}`,
      );
      writeRunLog(config.paths.report, config.profile, results, t0);
      process.exit(1);
    }
  }
  writeRunLog(config.paths.report, config.profile, results, t0);
  const ran = results.length,
    skipped = chosen.length - ran;
  console.log(
    `\n${ran} notebook(s) ran in ${fmt((Date.now() - t0) / 1000)}${skipped ? `, ${skipped} up to date` : ""}. HTML: ${path.join(config.paths.report, "notebooks")}`,
  );
}

interface RunResult {
  notebook: string;
  seconds: number;
  ok: boolean;
  fingerprint: string;
  finishedAt: string;
}
interface RunLog {
  lastRunSeconds?: number;
  notebooks?: Record<
    string,
    { seconds: number; ok: boolean; finishedAt: string; profile: string; fingerprint?: string }
  >;
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
function writeRunLog(reportDir: string, profile: string, results: RunResult[], t0: number): void {
  const file = path.join(reportDir, "notebooks", "run-log.json");
  const previous = readRunLog(reportDir);
  const notebooks = { ...(previous.notebooks ?? {}) };
  for (const r of results)
    notebooks[r.notebook] = {
      seconds: r.seconds,
      ok: r.ok,
      finishedAt: r.finishedAt,
      profile,
      fingerprint: r.fingerprint,
    };
  atomicWriteJson(file, { lastRunSeconds: (Date.now() - t0) / 1000, notebooks });
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(2);
  });
}
