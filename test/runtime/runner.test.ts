import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig } from "../../lib/config";
import {
  baseFingerprint,
  expectedSeconds,
  notebookFingerprints,
  jupyterEnv,
  isUpToDate,
  listNotebooks,
  takeKernelStartTurn,
} from "../../scripts/run-notebooks";
import { NOTEBOOK_IO, notebookGraph, dependentsOf, ancestorsOf } from "../../lib/runtime/notebook-graph";
import { ARTIFACT_PRODUCERS } from "../../lib/runtime/artifacts";
import { NOTEBOOK_CPU_SECONDS } from "../../lib/runtime/notebook-graph";
import {
  criticalPathLengths,
  jobCount,
  plannedPriority,
  runGraph,
  simulateSchedule,
} from "../../lib/runtime/scheduler";
import { findRoot } from "../../lib/config";

function fakeProject(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cae-runner-"));
  fs.mkdirSync(path.join(root, "lib"), { recursive: true });
  fs.mkdirSync(path.join(root, "notebooks"), { recursive: true });
  fs.mkdirSync(path.join(root, "jupyter"), { recursive: true });
  fs.writeFileSync(path.join(root, "lib", "a.ts"), "export const a = 1;\n");
  fs.writeFileSync(path.join(root, "package-lock.json"), "{}");
  for (const n of ["01-a", "02-b", "03-c"])
    fs.writeFileSync(path.join(root, "notebooks", `${n}.ipynb`), `{"n":"${n}"}`);
  return root;
}

describe("runner fingerprints (skip notebooks whose inputs did not change)", () => {
  test("same inputs, same fingerprints; a setting or a lib file changes them all", () => {
    const root = fakeProject();
    const cfg = loadConfig({ CAE_ROOT: root, CAE_PROFILE: "ci" });
    const base = baseFingerprint(root, cfg);
    assert.equal(base, baseFingerprint(root, cfg));
    assert.notEqual(base, baseFingerprint(root, loadConfig({ CAE_ROOT: root, CAE_PROFILE: "ci", CAE_SEED: "5" })));
    assert.notEqual(base, baseFingerprint(root, loadConfig({ CAE_ROOT: root, CAE_PROFILE: "default" })));
    // A capped run's artifacts are never taken for an uncapped run's.
    assert.notEqual(
      base,
      baseFingerprint(root, loadConfig({ CAE_ROOT: root, CAE_PROFILE: "ci", CAE_MAX_EPOCHS: "2" })),
    );
    fs.writeFileSync(path.join(root, "lib", "a.ts"), "export const a = 2;\n");
    assert.notEqual(base, baseFingerprint(root, cfg));
  });

  test("editing a notebook changes its fingerprint and those after it, not those before", () => {
    const root = fakeProject();
    const all = ["01-a", "02-b", "03-c"];
    const before = notebookFingerprints(root, all, "base");
    fs.writeFileSync(path.join(root, "notebooks", "02-b.ipynb"), `{"n":"changed"}`);
    const after = notebookFingerprints(root, all, "base");
    assert.equal(after.get("01-a"), before.get("01-a"));
    assert.notEqual(after.get("02-b"), before.get("02-b"));
    assert.notEqual(after.get("03-c"), before.get("03-c"));
  });

  test("a real source's data files are part of the fingerprint", () => {
    const root = fakeProject();
    const data = path.join(root, "data", "raw", "csv");
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, "p.csv"), "token,date\n");
    const cfg = loadConfig({ CAE_ROOT: root, CAE_SOURCE: "csv" });
    const a = baseFingerprint(root, cfg);
    fs.writeFileSync(path.join(data, "p.csv"), "token,date\nBTC,2020-01-01\n");
    assert.notEqual(a, baseFingerprint(root, cfg));
  });

  test("Jupyter is pointed at the project's kernel and runtime folders", () => {
    const env = jupyterEnv("/x/project");
    assert.equal(env.JUPYTER_PATH, "/x/project/jupyter");
    assert.equal(env.JUPYTER_RUNTIME_DIR, "/x/project/.jupyter-runtime");
    assert.equal(env.CAE_ROOT, "/x/project");
  });
});

describe("runner fingerprints follow the declared inputs", () => {
  test("editing a notebook changes its dependents' fingerprints only", () => {
    const root = fakeProject();
    const all = ["01-a", "02-b", "03-c"];
    const graph = new Map([
      ["01-a", []],
      ["02-b", ["01-a"]],
      ["03-c", ["01-a"]],
    ]);
    const before = notebookFingerprints(root, all, "base", graph);
    fs.writeFileSync(path.join(root, "notebooks", "02-b.ipynb"), `{"n":"changed"}`);
    const after = notebookFingerprints(root, all, "base", graph);
    assert.notEqual(after.get("02-b"), before.get("02-b"));
    assert.equal(after.get("03-c"), before.get("03-c"), "03 does not read 02's artifacts");
    fs.writeFileSync(path.join(root, "notebooks", "01-a.ipynb"), `{"n":"changed"}`);
    const third = notebookFingerprints(root, all, "base", graph);
    assert.notEqual(third.get("03-c"), after.get("03-c"));
  });

  test("a notebook is out of date when an input notebook ran again after it started", () => {
    const graph = new Map([
      ["01-a", []],
      ["02-b", ["01-a"]],
    ]);
    const entry = (startedAt: string, finishedAt: string) => ({
      ok: true,
      seconds: 1,
      startedAt,
      finishedAt,
      profile: "ci",
      fingerprint: "f",
    });
    const log = {
      notebooks: {
        "01-a": entry("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"),
        "02-b": entry("2026-01-01T00:02:00Z", "2026-01-01T00:03:00Z"),
      },
    };
    assert.equal(isUpToDate("02-b", "f", graph, log, true), true);
    assert.equal(isUpToDate("02-b", "g", graph, log, true), false, "fingerprint changed");
    assert.equal(isUpToDate("02-b", "f", graph, log, false), false, "HTML missing");
    log.notebooks["01-a"] = entry("2026-01-01T00:04:00Z", "2026-01-01T00:05:00Z");
    assert.equal(isUpToDate("02-b", "f", graph, log, true), false, "01 was rerun after 02 started");
  });
});

describe("notebook dependency graph (declared inputs)", () => {
  const all = listNotebooks(findRoot(__dirname));

  test("every notebook of the project is declared and its inputs come from earlier notebooks", () => {
    for (const name of all) assert.ok(NOTEBOOK_IO[name], `${name} is not declared in lib/runtime/notebook-graph.ts`);
    const graph = notebookGraph(all); // throws on an input without a writer
    assert.deepEqual(graph.get("01-data-eda"), []);
    assert.deepEqual(graph.get("02-train-ae"), ["01-data-eda"]);
    assert.deepEqual(graph.get("03-train-vae"), ["01-data-eda", "02-train-ae"]);
    assert.deepEqual(graph.get("11-credit-card"), [], "credit card reads none of the market artifacts");
    assert.deepEqual(dependentsOf(graph, ["03-train-vae"]), [
      "06-latent-space",
      "07-anomalies",
      "08-evaluation",
      "10-downstream",
    ]);
    assert.deepEqual(ancestorsOf(graph, "03-train-vae"), ["01-data-eda", "02-train-ae"]);
  });

  test("the declared writers agree with the artifact store's producers", () => {
    for (const [artifact, producer] of Object.entries(ARTIFACT_PRODUCERS)) {
      const writer = Object.entries(NOTEBOOK_IO).find(([, io]) => io.writes.includes(artifact))?.[0];
      assert.equal(writer, producer, `${artifact}: graph says ${writer}, the artifact store says ${producer}`);
    }
  });

  test("an input nobody writes, or one written later, is an error naming it", () => {
    const io = { "01-a": { reads: ["x"], writes: [] } };
    assert.throws(() => notebookGraph(["01-a"], io), /01-a reads "x", which no notebook declares/);
    const late = { "01-a": { reads: ["y"], writes: [] }, "02-b": { reads: [], writes: ["y"] } };
    assert.throws(() => notebookGraph(["01-a", "02-b"], late), /comes after it/);
  });

  test("an undeclared notebook waits for every earlier one", () => {
    const io = { "01-a": { reads: [], writes: ["x"] } };
    assert.deepEqual(notebookGraph(["01-a", "02-new"], io).get("02-new"), ["01-a"]);
  });
});

/** A chain c -> d beside short jobs: the schedule tests' graph (job -> the jobs it waits for) and costs. */
const CHAIN_GRAPH = new Map<string, string[]>([
  ["a", []],
  ["b", ["a"]],
  ["c", ["a"]],
  ["d", ["c"]],
  ["e", []],
]);
const CHAIN_COST: Record<string, number> = { a: 1, b: 2, c: 5, d: 5, e: 3 };

describe("graph scheduler", () => {
  const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test("independent jobs run side by side up to the job count, dependents after their inputs", async () => {
    const graph = new Map<string, string[]>([
      ["a", []],
      ["b", ["a"]],
      ["c", ["a"]],
      ["d", ["a"]],
      ["e", ["b", "c"]],
    ]);
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const run = await runGraph(graph, 2, async (name) => {
      running += 1;
      peak = Math.max(peak, running);
      order.push(`+${name}`);
      await delay(10);
      order.push(`-${name}`);
      running -= 1;
      return true;
    });
    assert.equal(peak, 2);
    assert.ok(order.indexOf("-a") < order.indexOf("+b"));
    assert.ok(order.indexOf("-b") < order.indexOf("+e") && order.indexOf("-c") < order.indexOf("+e"));
    assert.deepEqual([...run.outcome.values()], ["ok", "ok", "ok", "ok", "ok"]);
  });

  test("one job at a time keeps the declared order", async () => {
    const graph = new Map<string, string[]>([
      ["a", []],
      ["b", []],
      ["c", ["a"]],
    ]);
    const order: string[] = [];
    await runGraph(graph, 1, async (name) => {
      order.push(name);
      return true;
    });
    assert.deepEqual(order, ["a", "b", "c"]);
  });

  test("a failing job stops only its dependents", async () => {
    const graph = new Map<string, string[]>([
      ["a", []],
      ["b", ["a"]],
      ["c", ["b"]],
      ["d", []],
      ["e", ["d"]],
    ]);
    const ran: string[] = [];
    const blocked: string[] = [];
    const run = await runGraph(
      graph,
      2,
      async (name) => {
        ran.push(name);
        return name !== "b";
      },
      (name, by) => blocked.push(`${name}<${by}`),
    );
    assert.deepEqual(ran.sort(), ["a", "b", "d", "e"]);
    assert.deepEqual(blocked, ["c<b"]);
    assert.equal(run.outcome.get("b"), "failed");
    assert.equal(run.outcome.get("c"), "blocked");
    assert.equal(run.outcome.get("e"), "ok");
  });

  test("critical path: a job's cost plus the longest chain of jobs waiting for it", () => {
    const graph = new Map<string, string[]>([
      ["a", []],
      ["b", ["a"]],
      ["c", ["a"]],
      ["d", ["b", "c"]],
      ["e", []],
    ]);
    const cost: Record<string, number> = { a: 1, b: 5, c: 2, d: 3 };
    const len = criticalPathLengths(graph, (n) => cost[n], 4);
    assert.deepEqual(Object.fromEntries(len), { a: 9, b: 8, c: 5, d: 3, e: 4 });
    assert.throws(() => criticalPathLengths(graph, () => -1), /cost of a must be a finite number >= 0, got -1/);
    assert.throws(
      () =>
        criticalPathLengths(
          new Map([
            ["x", ["y"]],
            ["y", ["x"]],
          ]),
          () => 1,
        ),
      /dependency cycle/,
    );
  });

  test("ready jobs start by priority (longest chain first); equal priorities keep graph order", async () => {
    // b is short but comes first in graph order; c heads the long chain c -> d.
    const graph = new Map<string, string[]>([
      ["a", []],
      ["b", ["a"]],
      ["c", ["a"]],
      ["d", ["c"]],
      ["e", ["a"]],
    ]);
    const cost: Record<string, number> = { a: 1, b: 1, c: 5, d: 5, e: 1 };
    const order: string[] = [];
    const record = async (name: string) => {
      order.push(name);
      return true;
    };
    await runGraph(
      graph,
      1,
      record,
      () => {},
      criticalPathLengths(graph, (n) => cost[n]),
    );
    assert.deepEqual(order, ["a", "c", "d", "b", "e"]);
    order.length = 0;
    await runGraph(graph, 1, record, () => {}, new Map());
    assert.deepEqual(order, ["a", "b", "c", "d", "e"]);
  });

  test("planned start order: finds a shorter run than longest-chain-first where that rule misses it", () => {
    // Independent jobs 3, 3, 2, 2, 2 on two cores: longest first (and file order) end at 7,
    // {3, 3} beside {2, 2, 2} ends at 6.
    const graph = new Map<string, string[]>(["a", "b", "c", "d", "e"].map((n) => [n, []]));
    const cost: Record<string, number> = { a: 3, b: 3, c: 2, d: 2, e: 2 };
    const c = (n: string) => cost[n]!;
    assert.equal(simulateSchedule(graph, 2, c, criticalPathLengths(graph, c)).makespan, 7);
    assert.equal(simulateSchedule(graph, 2, c).makespan, 7);
    const planned = plannedPriority(graph, 2, c);
    assert.equal(simulateSchedule(graph, 2, c, planned).makespan, 6);
    assert.deepEqual(plannedPriority(graph, 2, c), planned, "deterministic");
    // With dependencies: never worse than either starting order, and a job still waits for its inputs.
    const dag = CHAIN_GRAPH;
    const f = (n: string) => CHAIN_COST[n]!;
    const plan = simulateSchedule(dag, 2, f, plannedPriority(dag, 2, f));
    assert.ok(plan.makespan <= simulateSchedule(dag, 2, f, criticalPathLengths(dag, f)).makespan);
    assert.ok(plan.makespan <= simulateSchedule(dag, 2, f).makespan);
    const at = new Map(plan.jobs.map((j) => [j.name, j]));
    for (const [name, deps] of dag) for (const d of deps) assert.ok(at.get(name)!.start >= at.get(d)!.end);
  });

  test("simulated schedule: two jobs, priorities, makespan", () => {
    const graph = CHAIN_GRAPH;
    const cost = CHAIN_COST;
    // File order: a+e, then b (t=1) and c (t=3), d at t=8 -> 13.
    const fileOrder = simulateSchedule(graph, 2, (n) => cost[n]!);
    assert.equal(fileOrder.makespan, 13);
    // Longest chain first: a (chain 11) before e (3); then c at t=1, d at t=6 -> 11.
    const critical = simulateSchedule(
      graph,
      2,
      (n) => cost[n]!,
      criticalPathLengths(graph, (n) => cost[n]),
    );
    assert.deepEqual(
      critical.jobs.map((j) => `${j.name}@${j.start}`),
      ["a@0", "e@0", "c@1", "b@3", "d@6"],
    );
    assert.equal(critical.makespan, 11);
    assert.equal(simulateSchedule(graph, 1, (n) => cost[n]!).makespan, 16);
    assert.throws(() => simulateSchedule(graph, 0, () => 1), /positive integer/);
  });

  test("expected cost: the last good run of the same profile, else the declared default-profile CPU", () => {
    const entry = { seconds: 30, ok: true, finishedAt: "2026-01-01T00:00:00Z", profile: "ci" };
    const log = { notebooks: { "02-train-ae": { ...entry, cpuSeconds: 12 }, "03-train-vae": entry } };
    assert.equal(expectedSeconds(log, "ci", "02-train-ae"), 12);
    assert.equal(expectedSeconds(log, "ci", "03-train-vae"), 30);
    assert.equal(expectedSeconds(log, "default", "02-train-ae"), NOTEBOOK_CPU_SECONDS["02-train-ae"]);
    assert.equal(expectedSeconds({}, "ci", "99-new"), 60);
  });

  test("CAE_JOBS: default is the cores; a bad value is an error saying what to set", () => {
    assert.equal(jobCount({}, 2), 2);
    assert.equal(jobCount({ CAE_JOBS: "1" }, 8), 1);
    assert.throws(() => jobCount({ CAE_JOBS: "0" }, 2), /CAE_JOBS="0" is not a positive integer/);
    assert.throws(() => jobCount({ CAE_JOBS: "two" }, 2), /positive integer/);
  });
});

describe("kernel starts one at a time", () => {
  test("a second start waits until the first kernel lets it go, a third until the second", async () => {
    const order: string[] = [];
    const first = await takeKernelStartTurn();
    order.push("first starts");
    const second = takeKernelStartTurn().then((release) => {
      order.push("second starts");
      return release;
    });
    const third = takeKernelStartTurn().then((release) => {
      order.push("third starts");
      release();
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(order, ["first starts"], "nobody starts before the first kernel is up");
    first();
    (await second)();
    await third;
    assert.deepEqual(order, ["first starts", "second starts", "third starts"]);
  });
});
