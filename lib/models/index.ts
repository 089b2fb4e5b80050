/**
 * The models: one contract (types.ts) and five implementations, a factory and the loader.
 *
 * @example
 *   await initBackend();
 *   const ae = createModel("ae", { featureNames, latentDim: 8, hiddenUnits: [16] });
 *   const history = await ae.fit(train, validation, { maxEpochs: 60, batchSize: 256, patience: 6 });
 *   const { perRow } = ae.score(test);                  // higher = more anomalous
 *   await ae.save(path.join(config.paths.models, ae.name), { scaler });
 *   const again = await loadModel(path.join(config.paths.models, "ae"), featureNames);
 */
export * from "./types";
export {
  DenseAutoencoder,
  DEFAULT_HIDDEN_UNITS,
  DEFAULT_LATENT_DIM,
  type DenseAutoencoderOptions,
  type ResolvedDenseOptions,
} from "./dense";
export {
  DenoisingAutoencoder,
  DEFAULT_NOISE_STD,
  corrupt,
  type DenoisingAutoencoderOptions,
  type ResolvedDenoisingOptions,
} from "./dae";
export {
  VariationalAutoencoder,
  LOG_VAR_CLIP,
  type VariationalAutoencoderOptions,
  type ResolvedVariationalOptions,
} from "./vae";
export {
  Conv1DAutoencoder,
  DEFAULT_CONV_FILTERS,
  DEFAULT_CONV_LATENT_DIM,
  DEFAULT_KERNEL_SIZE,
  DEFAULT_STRIDE,
  encoderLengths,
  type ConvolutionImpl,
  type Conv1DAutoencoderOptions,
  type ResolvedConv1DOptions,
} from "./conv1d";
export { PCAModel, RANK_TOLERANCE, type PCAOptions, type ResolvedPCAOptions } from "./pca";
export { symmetricEigen, covarianceMatrix } from "../stats/eigen";
export { NetworkAutoencoder, reconstructionScores } from "./network";
export { conv1dFast, conv1dSame, samePadding, repeatSteps, dense, linear, activate, INFERENCE_CHUNK_ROWS } from "./nn";
export { defaultFeatureNames } from "./validate";
export {
  createModel,
  loadModel,
  loadRowModel,
  loadWindowModel,
  checkFeatureNamesMatch,
  type ModelByKind,
  type ModelOptionsByKind,
} from "./load";
