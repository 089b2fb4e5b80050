/**
 * Stage 06 (latent space): what notebook 06 calls, gathered in one namespace. The
 * algorithms live in lib/latent, the chart specs in lib/viz/latent.ts; the findings text of
 * this stage is next to this file.
 */
export * from "../../latent/analysis";
export * from "../../latent/probes";
export * from "../../latent/interpret";
export * from "../../viz/latent";
export * from "./findings";
export * from "./tables";
