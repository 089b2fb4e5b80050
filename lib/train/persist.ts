/**
 * Saving and reading model directories in TensorFlow.js's own model format, with a file IO
 * handler written here because tfjs-node's file:// handler is not available on the wasm
 * and cpu backends.
 *
 *   <dir>/model.json    tfjs "layers-model" JSON: modelTopology + weightsManifest
 *   <dir>/weights.bin   the weights, float32 little-endian, in manifest order
 *   <dir>/meta.json     kind, resolved options, feature names, seed, backend, metrics,
 *                       history and the caller's extras (e.g. scaler statistics)
 *
 * model.json is a genuine tfjs LayersModel: `tf.loadLayersModel(directoryLoadHandler(dir))`
 * opens it without this project. A directory is written whole into a temporary sibling and
 * renamed into place, so an interrupted save never leaves a half-written model: readers see
 * the old directory or the new one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { currentBackend } from "../runtime/backend";
import { recordOutput } from "../runtime/outputs";
import { MODEL_KINDS } from "../runtime/model-registry";
import type { ModelMeta, TrainHistory } from "./types";

/** The tfjs model topology and weights manifest. */
export const MODEL_JSON = "model.json";
/** The weights, in manifest order. */
export const WEIGHTS_BIN = "weights.bin";
/** The project's metadata about the model. */
export const META_JSON = "meta.json";
/** Version of meta.json's layout; bump when fields change meaning. */
export const META_FORMAT_VERSION = 1;

/** What a model passes to saveModelDirectory (the rest of ModelMeta is filled in here). */
export interface MetaInput {
  kind: ModelMeta["kind"];
  name: string;
  options: Record<string, unknown>;
  featureNames: string[];
  seed: number;
  latentDim: number;
  history: TrainHistory | null;
  extra: Record<string, unknown>;
  state?: Record<string, unknown>;
}

/** Summary metrics of a history for meta.json (and manifests). */
export function historyMetrics(h: TrainHistory | null): Record<string, number | string | null> {
  if (h === null) return { epochs: 0, bestEpoch: null, bestValLoss: null, stopReason: null, seconds: null };
  const last = h.epochs[h.epochs.length - 1];
  return {
    epochs: h.epochs.length,
    bestEpoch: h.bestEpoch,
    bestValLoss: Number.isFinite(h.bestValLoss) ? h.bestValLoss : null,
    finalLoss: last && Number.isFinite(last.loss) ? last.loss : null,
    stopReason: h.stopReason,
    seconds: h.seconds,
    secondsPerEpoch: h.epochs.length > 0 ? h.seconds / h.epochs.length : null,
  };
}

/** Build the full meta.json object. */
export function buildMeta(input: MetaInput): ModelMeta {
  return {
    formatVersion: META_FORMAT_VERSION,
    kind: input.kind,
    name: input.name,
    options: input.options,
    featureNames: input.featureNames,
    seed: input.seed,
    latentDim: input.latentDim,
    backend: currentBackend() ?? tf.getBackend() ?? null,
    savedAt: new Date().toISOString(),
    metrics: historyMetrics(input.history),
    history: input.history,
    extra: input.extra,
    ...(input.state !== undefined ? { state: input.state } : {}),
  };
}

/** The model.json object for a set of artifacts (the layout tfjs' http and file handlers write). */
export function modelJsonFor(artifacts: tf.io.ModelArtifacts, weightsPath = WEIGHTS_BIN): tf.io.ModelJSON {
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [weightsPath], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.userDefinedMetadata !== undefined) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  return json;
}

/**
 * Write files into `dir` atomically: all of them go to a temporary sibling directory which
 * then replaces `dir` by rename (the previous `dir`, if any, is moved aside and removed).
 * @param files file name -> contents.
 */
export function writeDirectoryAtomic(dir: string, files: Record<string, string | Uint8Array>): void {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${base}.tmp-`));
  try {
    for (const [name, contents] of Object.entries(files)) {
      if (name.includes("/") || name.includes("\\") || name.startsWith("."))
        throw new Error(`Bad file name "${name}" for a model directory.`);
      const fd = fs.openSync(path.join(tmp, name), "w");
      try {
        fs.writeSync(fd, typeof contents === "string" ? Buffer.from(contents, "utf8") : contents);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    if (fs.existsSync(target)) {
      const old = `${path.join(parent, `.${base}.old-`)}${process.pid}-${Date.now()}`;
      fs.renameSync(target, old);
      fs.renameSync(tmp, target);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, target);
    }
    recordOutput(target);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Write a JSON file atomically (temporary file + rename). */
export function writeJsonAtomic(file: string, value: unknown): void {
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  fs.writeFileSync(tmp, JSON.stringify(value, jsonReplacer, 2));
  fs.renameSync(tmp, target);
  recordOutput(target);
}

/** JSON.stringify replacer: non-finite numbers become null (JSON has no NaN/Infinity). */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

/**
 * A tfjs save handler writing model.json + weights.bin (+ meta.json when given) into `dir`:
 * `await layersModel.save(directorySaveHandler("models/x"))`.
 */
export function directorySaveHandler(dir: string, meta?: ModelMeta): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    const weights =
      artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    const files: Record<string, string | Uint8Array> = {
      [MODEL_JSON]: JSON.stringify(modelJsonFor(artifacts)),
      [WEIGHTS_BIN]: new Uint8Array(weights),
    };
    if (meta !== undefined) files[META_JSON] = JSON.stringify(meta, jsonReplacer, 2);
    writeDirectoryAtomic(dir, files);
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

/** Save a LayersModel (a model's mirror) with its meta.json into `dir`. */
export async function saveModelDirectory(dir: string, model: tfl.LayersModel, meta: MetaInput): Promise<void> {
  await model.save(directorySaveHandler(dir, buildMeta(meta)));
}

/** Read model.json + weights.bin of `dir` as tfjs ModelArtifacts. */
export async function readArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = path.join(dir, MODEL_JSON);
  if (!fs.existsSync(jsonPath)) {
    throw new Error(`${dir} has no ${MODEL_JSON}: not a saved model directory (save one with model.save(dir)).`);
  }
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(fs.readFileSync(jsonPath, "utf8")) as tf.io.ModelJSON;
  } catch (err) {
    throw new Error(`${jsonPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(modelJson.weightsManifest)) throw new Error(`${jsonPath} has no weightsManifest array.`);
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: Buffer[] = [];
    for (const group of manifest) {
      for (const p of group.paths) {
        const file = path.resolve(dir, p);
        if (path.dirname(file) !== path.resolve(dir))
          throw new Error(`${jsonPath} points at weights outside its directory: "${p}".`);
        if (!fs.existsSync(file)) throw new Error(`${jsonPath} lists ${p} but ${file} is missing.`);
        buffers.push(fs.readFileSync(file));
      }
      specs.push(...group.weights);
    }
    const joined = Buffer.concat(buffers);
    const expected = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (joined.length !== expected) {
      throw new Error(
        `${dir}: weights hold ${joined.length} bytes but the manifest describes ${expected}; the files are truncated or do not belong together.`,
      );
    }
    const data = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.length);
    return [specs, data];
  });
}

/** A tfjs load handler for a model directory: `tf.loadLayersModel(directoryLoadHandler(dir))`. */
export function directoryLoadHandler(dir: string): tf.io.IOHandler {
  return { load: () => readArtifacts(dir) };
}

/** Read and check meta.json of a model directory. */
export function readMeta(dir: string): ModelMeta {
  const file = path.join(dir, META_JSON);
  if (!fs.existsSync(file))
    throw new Error(`${dir} has no ${META_JSON}: it was not saved by this project's model.save(dir).`);
  let meta: ModelMeta;
  try {
    meta = JSON.parse(fs.readFileSync(file, "utf8")) as ModelMeta;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (meta.formatVersion !== META_FORMAT_VERSION) {
    throw new Error(
      `${file} has formatVersion ${String(meta.formatVersion)}; this code reads version ${META_FORMAT_VERSION}. Retrain or re-save the model.`,
    );
  }
  if (!(MODEL_KINDS as readonly string[]).includes(meta.kind)) {
    throw new Error(`${file} has unknown kind "${String(meta.kind)}". Known: ${MODEL_KINDS.join(", ")}.`);
  }
  if (!Array.isArray(meta.featureNames)) throw new Error(`${file} has no featureNames array.`);
  return meta;
}

/** Read a model directory: meta.json plus the weights decoded by name (caller disposes the tensors). */
export async function readModelDirectory(
  dir: string,
): Promise<{ meta: ModelMeta; artifacts: tf.io.ModelArtifacts; weights: tf.NamedTensorMap }> {
  const meta = readMeta(dir);
  const artifacts = await readArtifacts(dir);
  const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs ?? []);
  return { meta, artifacts, weights };
}
