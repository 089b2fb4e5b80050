/**
 * The public API of the library, for use without the notebooks:
 *
 *   import { data, features, models, anomaly } from "./lib";
 *   const { panel, report } = data.load.loadPanel("kaggle", "data/raw/kaggle");
 *
 * Each area is a namespace (one per module), so that names stay unambiguous across areas.
 */
export * as config from "./config";

export * as rng from "./runtime/rng";
export * as matrix from "./runtime/matrix";
export * as artifacts from "./runtime/artifacts";
export * as backend from "./runtime/backend";
export * as files from "./runtime/files";
export * as progress from "./runtime/progress";

import * as panel from "./data/panel";
import * as load from "./data/load";
import * as validate from "./data/validate";
import * as synthetic from "./data/synthetic";
import * as creditcard from "./data/creditcard";
import * as creditcardSynthetic from "./data/creditcard-synthetic";
import * as eda from "./data/eda";
import * as download from "./data/download/index";
import * as errors from "./data/errors";
import * as taxonomy from "./data/taxonomy";
import * as market from "./data/market";
import * as marketEvents from "./data/market-events";
/** Data: the Panel contract, loaders, validation, the token taxonomy, the synthetic market, credit-card data, downloads. */
export const data = {
  panel,
  load,
  validate,
  taxonomy,
  synthetic,
  creditcard,
  creditcardSynthetic,
  eda,
  download,
  errors,
  market,
  marketEvents,
};

import * as featureTable from "./features/features";
import * as split from "./features/split";
import * as scaler from "./features/scaler";
import * as windows from "./features/windows";
import * as dataset from "./features/dataset";
import * as sampling from "./features/sampling";
/** Features: per token-day features, date splits, scalers, windows, the modelling dataset, sampling. */
export const features = { features: featureTable, split, scaler, windows, dataset, sampling };

export * as models from "./models/index";
export * as train from "./train/index";

import * as latents from "./models/latents";
import * as umap from "./latent/umap";
import * as latentMetrics from "./latent/metrics";
import * as latentAnalysis from "./latent/analysis";
import * as probes from "./latent/probes";
import * as interpret from "./latent/interpret";
/** Latent spaces: saved frames, UMAP, comparison metrics, alignment, probes, interpretation. */
export const latent = { latents, umap, metrics: latentMetrics, analysis: latentAnalysis, probes, interpret };

import * as thresholds from "./anomaly/thresholds";
import * as agreement from "./anomaly/agreement";
import * as eventstudy from "./anomaly/eventstudy";
import * as anomalyAnalysis from "./anomaly/analysis";
import * as detection from "./anomaly/detection";
import * as explain from "./anomaly/explain";
import * as stress from "./anomaly/stress";
import * as creditcardDetection from "./anomaly/creditcard";
/** Anomalies: thresholds, agreement, event studies, consensus, detection quality, explanations, stress. */
export const anomaly = {
  thresholds,
  agreement,
  eventstudy,
  analysis: anomalyAnalysis,
  detection,
  explain,
  stress,
  creditcard: creditcardDetection,
};

import * as descriptive from "./stats/descriptive";
import * as bootstrap from "./stats/bootstrap";
import * as roc from "./stats/roc";
import * as linalg from "./stats/linalg";
import * as logistic from "./stats/logistic";
import * as ridge from "./stats/ridge";
import * as optimise from "./stats/optimise";
/** Shared numerics: descriptive statistics, bootstrap, ROC/PR, linear algebra, logistic and ridge regression, L-BFGS. */
export const stats = { descriptive, bootstrap, roc, linalg, logistic, ridge, optimise };

import * as noise from "./evaluate/noise";
import * as regression from "./evaluate/regression";
import * as reconstruction from "./evaluate/reconstruction";
import * as evaluation from "./evaluate/evaluation";
import * as hpo from "./evaluate/hpo";
import * as downstream from "./evaluate/downstream";
/** Evaluation: noise injection, regression metrics, error frames, hyperparameter search, downstream tasks. */
export const evaluate = { noise, regression, reconstruction, evaluation, hpo, downstream };

import * as charts from "./viz/charts";
import * as render from "./viz/render";
import * as display from "./viz/display";
import * as html from "./viz/html";
/** Charts: vega-lite spec builders, SVG/PNG export, notebook display, HTML helpers. */
export const viz = { charts, render, display, html };

import * as sections from "./report/sections";
import * as build from "./report/build";
/** The HTML report: notebook sections and the report builder. */
export const report = { sections, build };

export * as registry from "./runtime/model-registry";
