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
import { recordedOutputs, resetOutputs } from "../runtime/outputs";
import { NOTEBOOK_IO } from "../runtime/notebook-graph";

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
  store.beginStage(name); // marks the notebook running until finishNotebook writes its manifest
  // Record outputs from here on: the running marker itself is bookkeeping (removed at the end), not an output.
  resetOutputs();
  const ctx: NotebookContext = {
    name,
    config,
    backend,
    store,
    rng: makeRng(config.seed).fork(name),
    startedAt: new Date(),
    figuresDir: config.paths.figures,
  };
  const capped =
    config.epochCap === null
      ? ""
      : ` TRAINING CAPPED at ${config.epochCap} epoch(s) by CAE_MAX_EPOCHS: not real results`;
  toTerminal(
    `setup ${name}: profile=${config.profile} source=${config.source} backend=${backend} seed=${config.seed}${capped}`,
  );
  showTable(
    [
      { setting: "notebook", value: name },
      { setting: "Node.js", value: process.version },
      { setting: "compute backend", value: backend },
      { setting: "profile", value: config.profile },
      {
        setting: "data source",
        value: config.source + (config.dataPath ? ` (${shownPath(config.dataPath, config.paths.root)})` : ""),
      },
      { setting: "seed", value: String(config.seed) },
      ...(config.epochCap === null ? [] : [{ setting: "epoch cap (CAE_MAX_EPOCHS)", value: String(config.epochCap) }]),
      { setting: "code version", value: codeVersion(config.paths.root) },
      { setting: "started", value: ctx.startedAt.toISOString() },
    ],
    { caption: "Environment" },
  );
  if (config.epochCap !== null)
    showMarkdown(
      `**Training is capped at ${config.epochCap} epoch(s)** (CAE_MAX_EPOCHS): every model here is undertrained, so its numbers are not real results. The cap is for a quick look and for the memory bench; unset it for a real run.`,
    );
  return ctx;
}

/**
 * A path as notebooks show it: relative when it lies inside `base` (the project folder),
 * absolute otherwise, never climbing out of the project with "../..".
 */
export function shownPath(file: string, base: string): string {
  const rel = path.relative(base, file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : path.resolve(file);
}

/** The output folder of a config (CAE_OUT, or the project folder). */
export function outputRoot(config: Config): string {
  return path.dirname(config.paths.figures);
}

/**
 * Outputs for a manifest: everything written since setup (relative to the output folder,
 * files inside a written folder folded into it) plus declared names no recorded file
 * accounts for.
 */
export function manifestOutputs(recorded: string[], declared: string[], outRoot: string): string[] {
  const folders = recorded.filter((p) => recorded.some((q) => q !== p && q.startsWith(p + path.sep)));
  const kept = recorded.filter((p) => !folders.some((f) => p.startsWith(f + path.sep)));
  const shown = kept.map((p) => shownPath(p, outRoot).split(path.sep).join("/"));
  const names = new Set(shown.map((p) => p.slice(p.lastIndexOf("/") + 1)));
  const extra = declared.filter((d) => !names.has(d) && !shown.includes(d));
  return [...shown, ...extra];
}

/**
 * Last cell helper: write the notebook's manifest (listing every output written) and say
 * where it went. The inputs are the notebook's reads in lib/runtime/notebook-graph.ts
 * unless `body.inputs` gives them (for an input that is not an artifact, e.g. a source file).
 */
export function finishNotebook(
  ctx: NotebookContext,
  body: { inputs?: string[]; outputs?: string[]; metrics?: Record<string, unknown>; notes?: string[] },
): void {
  const outputs = manifestOutputs(recordedOutputs(), body.outputs ?? [], outputRoot(ctx.config));
  const inputs = body.inputs ?? [...(NOTEBOOK_IO[ctx.name]?.reads ?? [])];
  const file = ctx.store.writeManifest(ctx.name, { ...body, inputs, outputs: outputs, startedAt: ctx.startedAt });
  const seconds = (Date.now() - ctx.startedAt.getTime()) / 1000;
  showMarkdown(
    `Finished **${ctx.name}** in ${seconds.toFixed(1)} s, ${outputs.length} outputs; manifest: \`${shownPath(file, ctx.config.paths.root)}\`.`,
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
