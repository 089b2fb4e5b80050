/**
 * Rebuild a saved model from its directory: meta.json says which class and options, the
 * weights come from weights.bin by name. Feature names are checked against what the caller
 * is about to feed, because a model silently scoring permuted columns is the worst failure
 * a saved model can have.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { readModelDirectory } from "../train/persist";
import { requireBackend } from "./nn";
import { Conv1DAutoencoder, type Conv1DAutoencoderOptions } from "./conv1d";
import { DenoisingAutoencoder, type DenoisingAutoencoderOptions } from "./dae";
import { DenseAutoencoder, type DenseAutoencoderOptions } from "./dense";
import { PCAModel, type PCAOptions } from "./pca";
import type { AnyAutoencoder, ModelKind, RowModel, WindowModel } from "./types";
import { VariationalAutoencoder, type VariationalAutoencoderOptions } from "./vae";

/** Options type of each kind. */
export interface ModelOptionsByKind {
  ae: DenseAutoencoderOptions;
  vae: VariationalAutoencoderOptions;
  dae: DenoisingAutoencoderOptions;
  conv1d: Conv1DAutoencoderOptions;
  pca: PCAOptions;
}

/** Model class of each kind. */
export interface ModelByKind {
  ae: DenseAutoencoder;
  vae: VariationalAutoencoder;
  dae: DenoisingAutoencoder;
  conv1d: Conv1DAutoencoder;
  pca: PCAModel;
}

/** Build a model of `kind` from its options (the one factory for config-driven code). */
export function createModel<K extends ModelKind>(kind: K, options: ModelOptionsByKind[K]): ModelByKind[K] {
  switch (kind) {
    case "ae":
      return new DenseAutoencoder(options as DenseAutoencoderOptions) as ModelByKind[K];
    case "vae":
      return new VariationalAutoencoder(options as VariationalAutoencoderOptions) as ModelByKind[K];
    case "dae":
      return new DenoisingAutoencoder(options as DenoisingAutoencoderOptions) as ModelByKind[K];
    case "conv1d":
      return new Conv1DAutoencoder(options as Conv1DAutoencoderOptions) as ModelByKind[K];
    case "pca":
      return new PCAModel(options as PCAOptions) as ModelByKind[K];
    default:
      throw new Error(`Unknown model kind "${String(kind)}". Known: ae, vae, dae, conv1d, pca.`);
  }
}

/** Throw unless `actual` equals `expected` name by name, explaining the first difference. */
export function checkFeatureNamesMatch(source: string, saved: string[], given: string[]): void {
  if (saved.length === given.length && saved.every((n, i) => n === given[i])) return;
  const preview = (names: string[]): string =>
    names.length > 8 ? `${names.slice(0, 8).join(", ")}, ... (${names.length})` : names.join(", ");
  let detail: string;
  if (saved.length !== given.length) {
    detail = `${saved.length} saved features vs ${given.length} given`;
  } else {
    const i = saved.findIndex((n, j) => n !== given[j]);
    detail = `column ${i} is "${saved[i]}" in the model but "${given[i]}" in the data`;
  }
  throw new Error(
    `${source} was trained on features [${preview(saved)}] but the data has [${preview(given)}]: ${detail}. ` +
      `Build the features with the same names in the same order, or retrain the model on these features.`,
  );
}

/**
 * Load a model saved with `model.save(dir)`.
 * @param expectedFeatureNames the columns the caller will feed; a mismatch throws.
 * @returns the model, of the class named by meta.json's kind.
 */
export async function loadModel(dir: string, expectedFeatureNames?: string[]): Promise<AnyAutoencoder> {
  requireBackend("loadModel");
  const source = path.resolve(dir);
  const { meta, weights } = await readModelDirectory(dir);
  try {
    if (expectedFeatureNames !== undefined) checkFeatureNamesMatch(source, meta.featureNames, expectedFeatureNames);
    const options = { ...meta.options, featureNames: meta.featureNames } as never;
    const model = createModel(meta.kind, options);
    if (model instanceof PCAModel) {
      model.restore(weights, meta.state, meta.history, `${source}/weights.bin`);
    } else {
      model.setWeights(weights, `${source}/weights.bin`);
      model.restoreHistory(meta.history);
    }
    return model;
  } finally {
    tf.dispose(Object.values(weights));
  }
}

/** loadModel for row models (AE, VAE, DAE, PCA); throws for a Conv1D model. */
export async function loadRowModel(dir: string, expectedFeatureNames?: string[]): Promise<RowModel> {
  const model = await loadModel(dir, expectedFeatureNames);
  if (model.kind === "conv1d") {
    model.dispose();
    throw new Error(
      `${dir} holds a Conv1D model, which scores windows [n, windowLength, nFeatures]; use loadWindowModel.`,
    );
  }
  return model as RowModel;
}

/** loadModel for the Conv1D model; throws for row models. */
export async function loadWindowModel(dir: string, expectedFeatureNames?: string[]): Promise<WindowModel> {
  const model = await loadModel(dir, expectedFeatureNames);
  if (model.kind !== "conv1d") {
    model.dispose();
    throw new Error(
      `${dir} holds a model of kind "${model.kind}", which scores rows [n, nFeatures]; use loadRowModel.`,
    );
  }
  return model as WindowModel;
}
