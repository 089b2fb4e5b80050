/**
 * Training: the loop (fit.ts), Adam, learning-rate schedules and model directories on disk.
 */
export {
  trainLoop,
  resolveFitOptions,
  DEFAULT_LEARNING_RATE,
  DIVERGENCE_FACTOR,
  type TrainingProblem,
  type TrainingStream,
  type BatchContext,
  type LossParts,
} from "./fit";
export { Adam, type AdamOptions } from "./adam";
export { LearningRateController, DEFAULT_PLATEAU_FACTOR, DEFAULT_MIN_LR_FRACTION } from "./schedule";
export {
  directorySaveHandler,
  directoryLoadHandler,
  saveModelDirectory,
  readModelDirectory,
  readArtifacts,
  readMeta,
  writeDirectoryAtomic,
  writeJsonAtomic,
  historyMetrics,
  MODEL_JSON,
  WEIGHTS_BIN,
  META_JSON,
  META_FORMAT_VERSION,
} from "./persist";
