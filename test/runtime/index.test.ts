import { test } from "node:test";
import assert from "node:assert/strict";
import * as lib from "../../lib/index";

test("the public API exposes every area", () => {
  assert.equal(typeof lib.data.load.loadPanel, "function");
  assert.equal(typeof lib.data.synthetic.generateMarket, "function");
  assert.equal(typeof lib.features.features.buildFeatures, "function");
  assert.equal(typeof lib.models.createModel, "function");
  assert.equal(typeof lib.latent.umap.runUmap, "function");
  assert.equal(typeof lib.anomaly.thresholds.potThreshold, "function");
  assert.equal(typeof lib.stats.bootstrap.bootstrapCI, "function");
  assert.equal(typeof lib.viz.render.renderSvg, "function");
  assert.equal(typeof lib.report.build.buildReport, "function");
  assert.equal(typeof lib.config.loadConfig, "function");
});
