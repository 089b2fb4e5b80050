/**
 * Stage 08 (evaluation): what notebook 08 calls, gathered in one namespace. The algorithms
 * live in lib/evaluate, the chart specs in lib/viz/evaluation.ts; the tables and the
 * findings text of this stage are next to this file.
 */
export * from "../../evaluate/budget";
export * from "../../evaluate/evaluation";
export * from "../../evaluate/sweep";
export * from "../../evaluate/robustness";
export * from "../../evaluate/regimes";
export * from "../../evaluate/walk-forward";
export * from "../../viz/evaluation";
export { modelLabel } from "../../runtime/model-registry";
export * from "./tables";
export * from "./findings";
export * from "./ranking";
