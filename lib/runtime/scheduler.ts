/**
 * Run a dependency graph of jobs side by side: a job starts when every job it depends on
 * has succeeded and fewer than `jobs` are running; a failing job stops only the jobs that
 * depend on it (directly or through others), the rest of the graph runs on. Jobs start in
 * graph order among those ready, so one job at a time gives the sequential order.
 */

/** How a job of the graph ended. */
export type JobOutcome = "ok" | "failed" | "blocked";

/** The end state of every job: ok, failed, or blocked (an input failed, so it never ran). */
export interface GraphRun {
  outcome: Map<string, JobOutcome>;
  /** For a blocked job: the failed job that blocked it. */
  blockedBy: Map<string, string>;
}

/**
 * The default number of jobs side by side: the machine's cores (each notebook kernel
 * computes on one core), from `CAE_JOBS` when set. Throws on a value that is not a
 * positive integer.
 */
export function jobCount(env: NodeJS.ProcessEnv, cores: number): number {
  const raw = env.CAE_JOBS;
  if (raw === undefined || raw === "") return Math.max(1, cores);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(
      `CAE_JOBS="${raw}" is not a positive integer: set it to the number of notebooks to run side by side (1 = one after another).`,
    );
  return n;
}

/**
 * Run `run(name)` for every job of `graph` (job -> the jobs it waits for; keys in the order
 * to prefer), at most `jobs` at a time. `run` resolves true on success. Dependencies not
 * in the graph are taken as satisfied. `onBlocked` is told of each job that will not run.
 */
export async function runGraph(
  graph: ReadonlyMap<string, readonly string[]>,
  jobs: number,
  run: (name: string) => Promise<boolean>,
  onBlocked: (name: string, failedInput: string) => void = () => {},
): Promise<GraphRun> {
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`runGraph: jobs must be a positive integer, got ${jobs}.`);
  const outcome = new Map<string, JobOutcome>();
  const blockedBy = new Map<string, string>();
  const pending = [...graph.keys()];
  const running = new Set<string>();

  return new Promise<GraphRun>((resolve, reject) => {
    const pump = (): void => {
      // Mark as blocked every pending job with a failed or blocked input.
      let changed = true;
      while (changed) {
        changed = false;
        for (const name of [...pending]) {
          const bad = (graph.get(name) ?? []).find((d) => outcome.get(d) === "failed" || outcome.get(d) === "blocked");
          if (bad) {
            const root = blockedBy.get(bad) ?? bad;
            outcome.set(name, "blocked");
            blockedBy.set(name, root);
            pending.splice(pending.indexOf(name), 1);
            onBlocked(name, root);
            changed = true;
          }
        }
      }
      for (const name of [...pending]) {
        if (running.size >= jobs) break;
        const ready = (graph.get(name) ?? []).every((d) => !graph.has(d) || outcome.get(d) === "ok");
        if (!ready) continue;
        pending.splice(pending.indexOf(name), 1);
        running.add(name);
        run(name)
          .then((ok) => {
            running.delete(name);
            outcome.set(name, ok ? "ok" : "failed");
            pump();
          })
          .catch(reject);
      }
      if (pending.length > 0 && running.size === 0) {
        reject(new Error(`runGraph: jobs ${pending.join(", ")} can never start (a dependency cycle).`));
        return;
      }
      if (pending.length === 0 && running.size === 0) resolve({ outcome, blockedBy });
    };
    pump();
  });
}
