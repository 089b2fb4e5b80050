/**
 * Findings of the latent-space section follow the numbers: equal values tie, overlapping
 * intervals are within the noise, reversed values reverse the wording.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as la from "../../lib/stages/06-latent-space/index";

const q = (model: string, sil: number, purity = 0.3): la.EmbeddingQuality => ({
  model,
  points: 100,
  trustworthiness: 0.95,
  umapOverlap: 0.5,
  silhouetteLatent: sil,
  silhouetteUmap: sil,
  sectorPurity: purity,
  sectorPurityChance: 0.2,
  umapSeconds: 1,
  knnSeconds: 0.1,
});
const probe = (representation: string, b: number, nTest: number): la.ProbeRow => ({
  representation,
  target: "sector",
  balancedAccuracy: b,
  accuracy: b,
  macroF1: b,
  majorityAccuracy: 0.3,
  chance: 0.25,
  nTrain: nTest,
  nTest,
});

function input(ae: number, vae: number, feat: number, nTest: number, sil = [0.1, 0.05]): la.LatentFindingsInput {
  const cka = [
    { a: "ae", b: "vae", value: 0.4 },
    { a: "ae", b: "features", value: 0.5 },
    { a: "vae", b: "features", value: 0.5 },
  ];
  return {
    models: ["ae", "vae"],
    cka,
    overlap: cka.map((p) => ({ ...p, value: 0.3 })),
    quality: [q("ae", sil[0]!), q("vae", sil[1]!)],
    featuresSeparation: { silhouette: 0.01, purity: 0.3, chance: 0.25 },
    probes: [probe("ae", ae, nTest), probe("vae", vae, nTest), probe("features", feat, nTest)],
    correlations: [],
    traversals: [],
    nSectors: 4,
    synthetic: false,
  };
}

const text = (i: la.LatentFindingsInput) => la.latentFindings(i).findings.join("\n");

describe("latent findings follow the numbers", () => {
  test("equal probe accuracies (the 0.25-everywhere case) tie: no latent space is called more readable", () => {
    const t = text(input(0.25, 0.25, 0.25, 5000));
    assert.match(
      t,
      /No latent space makes sectors more linearly readable than the day's input features: every latent space ties with the input features \(0\.25\)/,
    );
    assert.doesNotMatch(t, /Every latent space makes/);
    assert.doesNotMatch(t, /Only /);
  });

  test("values that differ but print the same at 2 decimals are a tie too", () => {
    const t = text(input(0.2504, 0.7, 0.2501, 5000));
    assert.match(
      t,
      /Only VAE makes sectors more linearly readable .* beyond the probes' sampling noise: AE ties with the input features/,
    );
  });

  test("higher values with overlapping intervals are within the noise, not better", () => {
    const t = text(input(0.3, 0.32, 0.27, 20));
    assert.match(
      t,
      /No latent space makes sectors more linearly readable .*: AE and VAE are within the probes' sampling noise/,
    );
    // The same numbers on many test rows separate.
    assert.match(
      text(input(0.3, 0.32, 0.27, 20000)),
      /Every latent space makes sectors more linearly readable .*beyond the probes' sampling noise\./,
    );
  });

  test("reversed values reverse the wording", () => {
    const t = text(input(0.2, 0.22, 0.6, 20000));
    assert.match(t, /No latent space makes .*: AE and VAE read sectors less well than the input features\./);
    const mixed = text(input(0.7, 0.2, 0.45, 20000));
    assert.match(mixed, /Only AE makes .*: VAE reads sectors less well than the input features\./);
  });

  test("a tied best is named as a tie in the headline and the sentences", () => {
    const i = input(0.6, 0.6, 0.3, 20000, [0.08, 0.08]);
    const { headline, findings } = la.latentFindings(i);
    assert.equal(headline["best sector probe (balanced accuracy)"], "0.60 (AE and VAE, within the sampling noise)");
    assert.equal(headline["best sector silhouette (latent)"], "0.080 (AE and VAE)");
    const t = findings.join("\n");
    assert.match(t, /The sector silhouette in latent space is \*\*0\.080\*\* for every model/);
    assert.match(t, /Linear CKA between the models' latent spaces is \*\*0\.40\*\* for every pair/);
    assert.match(t, /Against the input features, CKA is 0\.50 for every model/);
    assert.match(t, /Every model keeps the same share of the input-feature neighbourhoods \(30%/);
    // A clear leader is still named alone.
    const clear = la.latentFindings(input(0.9, 0.3, 0.3, 20000, [0.2, 0.05])).headline;
    assert.equal(clear["best sector probe (balanced accuracy)"], "0.90 (AE)");
    assert.equal(clear["best sector silhouette (latent)"], "0.200 (AE)");
  });

  test("readabilitySentence: every verdict in one sentence", () => {
    const s = la.readabilitySentence(
      [
        { label: "A", estimate: { value: 0.8, lo: 0.75, hi: 0.85 } },
        { label: "B", estimate: { value: 0.5, lo: 0.45, hi: 0.55 } },
        { label: "C", estimate: { value: 0.52, lo: 0.4, hi: 0.6 } },
        { label: "D", estimate: { value: 0.2, lo: 0.15, hi: 0.25 } },
      ],
      { value: 0.5, lo: 0.46, hi: 0.54 },
    );
    assert.equal(
      s,
      "Only A makes sectors more linearly readable than the day's input features beyond the probes' sampling noise: B ties with the input features (0.50); C is within the probes' sampling noise of them (95% intervals overlap); D reads sectors less well than the input features.",
    );
  });
});
