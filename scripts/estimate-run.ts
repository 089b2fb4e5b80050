/**
 * Estimate a whole run's wall time from per-notebook costs, before running it: the runner's
 * own schedule (declared inputs, the planned start order of lib/runtime/scheduler.ts
 * plannedPriority, CAE_JOBS at a time) replayed with each notebook taking its CPU seconds, as
 * on an otherwise idle machine; the longest-chain-first and file orders are printed beside it.
 *
 *   npx tsx scripts/estimate-run.ts [run-log.json] [--jobs N]
 *
 * Costs: the notebooks' CPU seconds in the given run log (report/notebooks/run-log.json of
 * a run, e.g. notebooks run one at a time into a scratch folder), else NOTEBOOK_CPU_SECONDS.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { findRoot } from "../lib/config";
import { NOTEBOOK_CPU_SECONDS, notebookGraph } from "../lib/runtime/notebook-graph";
import { criticalPathLengths, plannedPriority, simulateSchedule } from "../lib/runtime/scheduler";
import { listNotebooks, type RunLog } from "./run-notebooks";

function main(): void {
  const args = process.argv.slice(2);
  const jobsAt = args.indexOf("--jobs");
  const jobs = jobsAt >= 0 ? Number(args[jobsAt + 1]) : 2;
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new Error(`--jobs must be a positive integer, got ${args[jobsAt + 1]}.`);
  const logFile = args.find((a, i) => !a.startsWith("--") && (jobsAt < 0 || i !== jobsAt + 1));
  const log: RunLog = logFile ? (JSON.parse(fs.readFileSync(path.resolve(logFile), "utf8")) as RunLog) : {};
  const all = listNotebooks(findRoot(__dirname));
  const graph = notebookGraph(all);
  const source = new Map<string, string>();
  const cost = (name: string): number => {
    const logged = log.notebooks?.[name];
    if (logged?.ok && typeof logged.cpuSeconds === "number") {
      source.set(name, `run log (${logged.profile})`);
      return logged.cpuSeconds;
    }
    source.set(name, "NOTEBOOK_CPU_SECONDS");
    const fallback = NOTEBOOK_CPU_SECONDS[name];
    if (fallback === undefined) throw new Error(`No cost for ${name}: not in the run log nor in NOTEBOOK_CPU_SECONDS.`);
    return fallback;
  };
  const critical = criticalPathLengths(graph, cost);
  const plan = simulateSchedule(graph, jobs, cost, plannedPriority(graph, jobs, cost));
  const chainFirst = simulateSchedule(graph, jobs, cost, critical);
  const fileOrder = simulateSchedule(graph, jobs, cost);
  const total = all.reduce((s, n) => s + cost(n), 0);
  for (const j of plan.jobs)
    console.log(
      `${j.name.padEnd(22)} ${j.start.toFixed(0).padStart(5)} s -> ${j.end.toFixed(0).padStart(5)} s  (${(j.end - j.start).toFixed(0)} s, ${source.get(j.name)})`,
    );
  console.log(
    `\n${jobs} job(s): estimated wall ${(plan.makespan / 60).toFixed(2)} min in the runner's planned order (longest chain first: ${(chainFirst.makespan / 60).toFixed(2)} min, file order: ${(fileOrder.makespan / 60).toFixed(2)} min); total CPU ${(total / 60).toFixed(1)} min, so at least ${(total / jobs / 60).toFixed(2)} min; longest chain ${(Math.max(...critical.values()) / 60).toFixed(1)} min.`,
  );
}

main();
