/**
 * The first cell of every notebook: load the configuration, choose the compute backend,
 * open the artifact store and print the environment, so every executed notebook states
 * what it ran on.
 */
import * as path from "node:path";
import { loadConfig, type Config, type BackendName } from "../config";
import { initBackend } from "../runtime/backend";
import { ArtifactStore, codeVersion } from "../runtime/artifacts";
import { makeRng, type Rng } from "../runtime/rng";
import { showMarkdown, showTable } from "../viz/display";
import { toTerminal } from "../runtime/progress";

/** What a notebook gets from its setup cell. */
export interface NotebookContext {
  name: string;
  config: Config;
  backend: BackendName;
  store: ArtifactStore;
  rng: Rng;
  startedAt: Date;
  /** figures/ folder, for showChart's save option. */
  figuresDir: string;
}

/** Set up a notebook: config from the environment, backend, artifacts, seeded RNG. */
export async function setupNotebook(name: string): Promise<NotebookContext> {
  const config = loadConfig();
  const backend = await initBackend(config.backend);
  const store = new ArtifactStore(config);
  const ctx: NotebookContext = {
    name,
    config,
    backend,
    store,
    rng: makeRng(config.seed).fork(name),
    startedAt: new Date(),
    figuresDir: config.paths.figures,
  };
  toTerminal(`setup ${name}: profile=${config.profile} source=${config.source} backend=${backend} seed=${config.seed}`);
  showTable(
    [
      { setting: "notebook", value: name },
      { setting: "Node.js", value: process.version },
      { setting: "compute backend", value: backend },
      { setting: "profile", value: config.profile },
      {
        setting: "data source",
        value: config.source + (config.dataPath ? ` (${path.relative(config.paths.root, config.dataPath)})` : ""),
      },
      { setting: "seed", value: String(config.seed) },
      { setting: "code version", value: codeVersion(config.paths.root) },
      { setting: "started", value: ctx.startedAt.toISOString() },
    ],
    { caption: "Environment" },
  );
  return ctx;
}

/** Last cell helper: write the notebook's manifest and say where outputs went. */
export function finishNotebook(
  ctx: NotebookContext,
  body: { inputs?: string[]; outputs?: string[]; metrics?: Record<string, unknown>; notes?: string[] },
): void {
  const file = ctx.store.writeManifest(ctx.name, { ...body, startedAt: ctx.startedAt });
  const seconds = (Date.now() - ctx.startedAt.getTime()) / 1000;
  showMarkdown(
    `Finished **${ctx.name}** in ${seconds.toFixed(1)} s; manifest: \`${path.relative(ctx.config.paths.root, file)}\`.`,
  );
}

/** Options that make showChart also save the chart under figures/ as `<name>.svg`/`.png`. */
export interface FigureOptions {
  save: { dir: string; name: string };
}

/**
 * The one figure helper of the notebooks: `const fig = figureSaver(ctx)`, then
 * `showChart(spec, fig("loss-curves"))` shows the chart and saves it in the figures folder.
 */
export function figureSaver(ctx: Pick<NotebookContext, "figuresDir">): (name: string) => FigureOptions {
  return (name) => ({ save: { dir: ctx.figuresDir, name } });
}
