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
/** Data: the Panel contract, loaders, validation, the synthetic market, credit-card data, downloads. */
export const data = { panel, load, validate, synthetic, creditcard, creditcardSynthetic, eda, download, errors };

import * as featureTable from "./features/features";
import * as split from "./features/split";
import * as scaler from "./features/scaler";
import * as windows from "./features/windows";
/** Features: per token-day features, date splits, scalers, windows. */
export const features = { features: featureTable, split, scaler, windows };

export * as models from "./models/index";
export * as train from "./train/index";

import * as latents from "./models/latents";
import * as umap from "./latent/umap";
import * as sampling from "./features/sampling";
import * as latentMetrics from "./latent/metrics";
/** Latent spaces: frames, UMAP, sampling, comparison metrics. */
export const latent = { latents, umap, sampling, metrics: latentMetrics };

import * as thresholds from "./anomaly/thresholds";
import * as agreement from "./anomaly/agreement";
import * as anomalyMetrics from "./stats/roc";
import * as eventstudy from "./anomaly/eventstudy";
/** Anomalies: thresholds, agreement, ground-truth metrics, event studies. */
export const anomaly = { thresholds, agreement, metrics: anomalyMetrics, eventstudy };

import * as bootstrap from "./stats/bootstrap";
import * as noise from "./evaluate/noise";
import * as regression from "./evaluate/regression";
import * as stats from "./stats/descriptive";
/** Evaluation: bootstrap, noise injection, regression metrics, statistics. */
export const evaluate = { bootstrap, noise, regression, stats };

import * as charts from "./viz/charts";
import * as render from "./viz/render";
import * as display from "./viz/display";
import * as html from "./viz/html";
/** Charts: vega-lite builders, headless SVG/PNG, notebook display, escaping. */
export const viz = { charts, render, display, html };

import * as sections from "./report/sections";
import * as build from "./report/build";
/** Report: sections and the HTML report builder. */
export const report = { sections, build };

import * as dataset from "./features/dataset";
import * as market from "./data/market";
import * as modeling from "./stages/modeling";
/** Notebook stages: market loading, the modelling dataset, model training and outputs. */
export const pipeline = { dataset, market, modeling };
