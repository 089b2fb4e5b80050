/**
 * Memory bench: runs notebooks through the project's runner (default: every notebook on the
 * full profile, 1,000+ tokens) into a scratch output folder and samples the resident memory
 * (RSS) of the runner and of every process below it (nbconvert's Python, the tslab kernel
 * that executes the notebook) from /proc, twice a second. It prints the peak per process
 * kind and of the whole tree, per notebook, and fails (exit 1) when the peak of one kernel
 * or of the whole tree exceeds the stated bounds below.
 *
 *   npm run bench -- --only memory                        all notebooks, full profile
 *   tsx scripts/bench-memory.ts --notebooks 01            one notebook (it needs no inputs)
 *   tsx scripts/bench-memory.ts --profile ci --notebooks 01,02
 *   ... --json FILE                                       also write the results as JSON
 *
 * Linux only (/proc). The runner is started with CAE_FORCE=1 so that every chosen notebook
 * really runs; notebooks after the first read the artifacts of the ones before them in the
 * same scratch folder, so choose a prefix of the notebook list (01, 01,02, ...).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";

/**
 * Stated bound on the peak RSS of one notebook kernel on the full profile: 6 GiB. The
 * largest resident set is the full panel (1,000+ tokens x ~2,000 days = 2-3M rows: 68 B per
 * raw row plus the Panel and a float32 feature matrix of ~20 columns, well under 1 GiB),
 * the tfjs wasm heap (at most 4 GiB: wasm32's address space) and Node itself; 6 GiB leaves
 * room for UMAP's kNN graph and still fits a 8 GB laptop with the runner beside it.
 */
export const KERNEL_RSS_BOUND_BYTES = 6 * 1024 ** 3;

/** Stated bound on the peak RSS of the whole process tree (runner + nbconvert + kernel): 7 GiB. */
export const TREE_RSS_BOUND_BYTES = 7 * 1024 ** 3;

/** Sampling period: 500 ms (a notebook's allocation peaks last seconds). */
const SAMPLE_MS = 500;

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

/** What a process of the tree is, from its command line. */
function kindOf(cmd: string, isRoot: boolean): string {
  if (isRoot) return "runner";
  if (/tslab/.test(cmd)) return "kernel";
  if (/python/.test(cmd)) return "nbconvert";
  if (/run-notebooks/.test(cmd)) return "runner";
  return "other";
}

interface Peak {
  notebook: string;
  runner: number;
  nbconvert: number;
  kernel: number;
  tree: number;
  seconds: number;
}

function gib(b: number): string {
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}

function parseArgs(argv: string[]): { profile: string; notebooks: string[]; json: string | null } {
  let profile = "full";
  let notebooks: string[] = [];
  let json: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value.`);
      return x;
    };
    if (a === "--profile") profile = v();
    else if (a === "--notebooks") notebooks = v().split(",").filter(Boolean);
    else if (a === "--json") json = v();
    else throw new Error(`Unknown option "${a}". Options: --profile ci|default|full; --notebooks 01,02; --json FILE.`);
  }
  return { profile, notebooks, json };
}

async function main(): Promise<void> {
  if (!fs.existsSync("/proc/self/status")) throw new Error("The memory bench reads /proc: run it on Linux.");
  const { profile, notebooks, json } = parseArgs(process.argv.slice(2));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "cae-bench-memory-"));
  const runner = path.join(__dirname, "run-notebooks.ts");
  console.log(
    `Memory bench: profile=${profile}, notebooks ${notebooks.length ? notebooks.join(",") : "all"}, output ${out}; ` +
      `bounds: kernel ${gib(KERNEL_RSS_BOUND_BYTES)}, tree ${gib(TREE_RSS_BOUND_BYTES)}`,
  );
  const child = spawn(process.execPath, [...process.execArgv, runner, ...notebooks], {
    env: { ...process.env, CAE_PROFILE: profile, CAE_OUT: out, CAE_FORCE: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const peaks: Peak[] = [];
  let current: Peak = { notebook: "(start)", runner: 0, nbconvert: 0, kernel: 0, tree: 0, seconds: 0 };
  let started = Date.now();
  child.stdout.on("data", (d: Buffer) => {
    const text = d.toString();
    process.stdout.write(text);
    const m = /^== \[\d+\/\d+\] (\S+)/m.exec(text);
    if (m) {
      if (current.notebook !== "(start)") peaks.push({ ...current, seconds: (Date.now() - started) / 1000 });
      current = { notebook: m[1]!.replace(/:$/, ""), runner: 0, nbconvert: 0, kernel: 0, tree: 0, seconds: 0 };
      started = Date.now();
    }
  });
  const timer = setInterval(() => {
    const table = processTable();
    const tree = new Set<number>([child.pid!]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, p] of table)
        if (!tree.has(pid) && tree.has(p.ppid)) {
          tree.add(pid);
          grew = true;
        }
    }
    const sum: Record<string, number> = { runner: 0, nbconvert: 0, kernel: 0, other: 0 };
    for (const pid of tree) {
      const k = kindOf(table.get(pid)?.cmd ?? "", pid === child.pid);
      sum[k] = (sum[k] ?? 0) + rssOf(pid);
    }
    const total = Object.values(sum).reduce((a, b) => a + b, 0);
    current.runner = Math.max(current.runner, sum.runner!);
    current.nbconvert = Math.max(current.nbconvert, sum.nbconvert!);
    current.kernel = Math.max(current.kernel, sum.kernel!);
    current.tree = Math.max(current.tree, total);
  }, SAMPLE_MS);
  const code: number = await new Promise((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  clearInterval(timer);
  if (current.notebook !== "(start)") peaks.push({ ...current, seconds: (Date.now() - started) / 1000 });
  console.log("\nnotebook                 seconds   runner   nbconvert   kernel   whole tree");
  for (const p of peaks)
    console.log(
      `${p.notebook.padEnd(24)} ${p.seconds.toFixed(0).padStart(7)}  ${gib(p.runner).padStart(9)} ${gib(p.nbconvert).padStart(10)} ${gib(p.kernel).padStart(9)} ${gib(p.tree).padStart(11)}`,
    );
  const kernelPeak = Math.max(0, ...peaks.map((p) => p.kernel));
  const treePeak = Math.max(0, ...peaks.map((p) => p.tree));
  const within = kernelPeak <= KERNEL_RSS_BOUND_BYTES && treePeak <= TREE_RSS_BOUND_BYTES;
  console.log(
    `\npeak kernel ${gib(kernelPeak)} (bound ${gib(KERNEL_RSS_BOUND_BYTES)}), peak tree ${gib(treePeak)} (bound ${gib(TREE_RSS_BOUND_BYTES)}): ${within ? "within the bounds" : "ABOVE A BOUND"}`,
  );
  if (json)
    fs.writeFileSync(json, JSON.stringify({ profile, peaks, kernelPeak, treePeak, within, runnerExit: code }, null, 2));
  fs.rmSync(out, { recursive: true, force: true });
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
