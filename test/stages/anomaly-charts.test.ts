import { test } from "node:test";
import assert from "node:assert/strict";
import * as an from "../../lib/stages/07-anomalies/index";
import type { PairAgreement, PairCorrelation } from "../../lib/anomaly/analysis";

test("agreement chart: Jaccard and Spearman heatmaps side by side, each with its own colour scale", () => {
  const pairs = [{ a: "ae", b: "vae", jaccard: 0.4 }] as PairAgreement[];
  const rho = [{ a: "ae", b: "vae", spearman: Number.NaN }] as PairCorrelation[];
  const spec = an.agreementChart(["ae", "vae"], pairs, rho);
  assert.equal(spec.resolve.scale.color, "independent");
  const text = JSON.stringify(spec);
  assert.match(text, /Jaccard of flags/);
  assert.match(text, /Spearman correlation of scores/);
  // Both triangles and the unit diagonal; an undefined correlation is left empty.
  assert.match(text, /"a":"vae","b":"ae","jaccard":0.4/);
  assert.match(text, /"a":"vae","b":"ae","spearman":null/);
});
