/**
 * What each notebook reads and writes, declared once: the notebook runner orders notebooks
 * by these declarations (a notebook starts when the notebooks that write its inputs have
 * finished), runs independent ones side by side, and names the notebooks made stale by a
 * rerun.
 *
 * Artifact names are those of the artifact store (`features` is data/processed/features.parquet,
 * `dataset` is dataset.json) and model folders as `models/<name>`. A notebook missing from
 * the table is treated as reading everything written before it (it runs after every earlier
 * notebook), which is always safe, only slower.
 */

/** The artifacts one notebook reads and writes. */
export interface NotebookIo {
  /** Artifacts read; each must be written by exactly one notebook of the table. */
  reads: readonly string[];
  /** Artifacts written (what later notebooks may read). */
  writes: readonly string[];
}

/**
 * The declared inputs and outputs of every notebook. Optional inputs count as inputs too
 * (09 compares its search with `models/ae` when 02 has run, so it waits for 02: results
 * must not depend on which notebook happened to finish first).
 */
export const NOTEBOOK_IO: Readonly<Record<string, NotebookIo>> = {
  "00-setup-check": { reads: [], writes: [] },
  "01-data-eda": { reads: [], writes: ["panel", "tokens", "features", "dataset", "market-truth"] },
  "02-train-ae": {
    reads: ["features", "dataset"],
    writes: ["models/ae", "models/pca", "latents-ae", "latents-pca", "errors-ae", "errors-pca"],
  },
  "03-train-vae": { reads: ["features", "dataset", "models/pca"], writes: ["models/vae", "latents-vae", "errors-vae"] },
  "04-train-dae": { reads: ["features", "dataset", "models/pca"], writes: ["models/dae", "latents-dae", "errors-dae"] },
  "05-train-conv1d-ae": {
    reads: ["features", "dataset"],
    writes: ["models/conv1d", "models/pca-windows", "latents-conv1d", "errors-conv1d"],
  },
  "06-latent-space": {
    reads: [
      "features",
      "dataset",
      "panel",
      "market-truth",
      "latents-ae",
      "latents-pca",
      "latents-vae",
      "latents-dae",
      "latents-conv1d",
      "models/ae",
      "models/vae",
      "models/dae",
      "models/conv1d",
    ],
    writes: ["umap-ae", "umap-pca", "umap-vae", "umap-dae", "umap-conv1d", "latent-comparison"],
  },
  "07-anomalies": {
    reads: [
      "dataset",
      "tokens",
      "panel",
      "market-truth",
      "errors-ae",
      "errors-vae",
      "errors-dae",
      "errors-conv1d",
      "errors-pca",
    ],
    writes: ["anomaly-scores", "stress-index", "anomaly-thresholds"],
  },
  "08-evaluation": {
    reads: [
      "features",
      "dataset",
      "market-truth",
      "errors-ae",
      "errors-vae",
      "errors-dae",
      "errors-pca",
      "errors-conv1d",
      "models/ae",
      "models/vae",
      "models/dae",
      "models/pca",
      "models/conv1d",
      "models/pca-windows",
    ],
    writes: ["evaluation-errors", "evaluation-sweep", "evaluation-noise", "evaluation-walk-forward", "evaluation"],
  },
  "09-hpo": { reads: ["features", "dataset", "models/ae"], writes: ["hpo-trials", "hpo-best", "models/ae-hpo"] },
  "10-downstream": {
    reads: [
      "panel",
      "features",
      "dataset",
      "latents-ae",
      "latents-pca",
      "latents-vae",
      "latents-dae",
      "latents-conv1d",
    ],
    writes: ["downstream-results"],
  },
  "11-credit-card": {
    reads: [],
    writes: [
      "models/creditcard-ae",
      "models/creditcard-vae",
      "models/creditcard-dae",
      "models/creditcard-pca",
      "creditcard-scores",
      "creditcard-metrics",
    ],
  },
};

/**
 * About how many CPU seconds each notebook takes on the default profile (a whole default run
 * with two jobs, `CAE_OUT=<scratch> npx tsx scripts/run-notebooks.ts`, 3 December 2026, after
 * the fused training step). Only the order in which ready notebooks start depends on it (the
 * order that minimises the simulated run, lib/runtime/scheduler.ts plannedPriority); the runner
 * prefers the last logged run of the same profile when there is one. A missing notebook counts
 * as 60 s.
 */
export const NOTEBOOK_CPU_SECONDS: Readonly<Record<string, number>> = {
  "00-setup-check": 5,
  "01-data-eda": 14,
  "02-train-ae": 78,
  "03-train-vae": 93,
  "04-train-dae": 74,
  "05-train-conv1d-ae": 125,
  "06-latent-space": 62,
  "07-anomalies": 34,
  "08-evaluation": 65,
  "09-hpo": 119,
  "10-downstream": 44,
  "11-credit-card": 116,
};

/** The notebooks each notebook waits for (direct dependencies), in run order. */
export type NotebookGraph = ReadonlyMap<string, readonly string[]>;

/**
 * Build the dependency graph of the given notebooks (stems in run order) from a table of
 * declarations. An undeclared notebook depends on every notebook before it. Throws when a
 * declared input has no writer among the notebooks before the reader, or two notebooks
 * write the same artifact, naming the notebook and artifact.
 */
export function notebookGraph(
  all: readonly string[],
  io: Readonly<Record<string, NotebookIo>> = NOTEBOOK_IO,
): NotebookGraph {
  const writer = new Map<string, string>();
  for (const name of all) {
    for (const artifact of io[name]?.writes ?? []) {
      const other = writer.get(artifact);
      if (other)
        throw new Error(
          `Notebooks ${other} and ${name} both declare that they write "${artifact}" (lib/runtime/notebook-graph.ts): one artifact has one writer.`,
        );
      writer.set(artifact, name);
    }
  }
  const graph = new Map<string, string[]>();
  all.forEach((name, i) => {
    const decl = io[name];
    if (!decl) {
      graph.set(name, all.slice(0, i));
      return;
    }
    const deps = new Set<string>();
    for (const artifact of decl.reads) {
      const w = writer.get(artifact);
      if (!w)
        throw new Error(
          `Notebook ${name} reads "${artifact}", which no notebook declares it writes: add it to the writer's "writes" in lib/runtime/notebook-graph.ts.`,
        );
      if (all.indexOf(w) >= i)
        throw new Error(
          `Notebook ${name} reads "${artifact}" written by ${w}, which comes after it: a notebook reads only what earlier notebooks write.`,
        );
      deps.add(w);
    }
    graph.set(
      name,
      all.filter((n) => deps.has(n)),
    );
  });
  return graph;
}

/** Every notebook that reads, directly or through others, what `names` write (excluding `names`), in run order. */
export function dependentsOf(graph: NotebookGraph, names: readonly string[]): string[] {
  const hit = new Set<string>(names);
  const out: string[] = [];
  // Run order is a topological order (inputs come from earlier notebooks), so one pass suffices.
  for (const [name, deps] of graph) {
    if (hit.has(name)) continue;
    if (deps.some((d) => hit.has(d))) {
      hit.add(name);
      out.push(name);
    }
  }
  return out;
}

/** Every notebook whose artifacts `name` reads, directly or through others, in run order. */
export function ancestorsOf(graph: NotebookGraph, name: string): string[] {
  const seen = new Set<string>();
  const stack = [...(graph.get(name) ?? [])];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(graph.get(n) ?? []));
  }
  return [...graph.keys()].filter((n) => seen.has(n));
}
