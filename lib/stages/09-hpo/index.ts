/**
 * Stage 09 (hyperparameter search): what notebook 09 calls, gathered in one namespace. The
 * search lives in lib/evaluate/hpo.ts, its chart specs in lib/viz/hpo.ts.
 */
export * from "../../evaluate/hpo";
export * from "../../viz/hpo";
export * from "./tables";
export * from "./findings";
