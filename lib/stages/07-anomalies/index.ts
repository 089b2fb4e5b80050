/**
 * Stage 07 (anomalies): what notebook 07 calls, gathered in one namespace. The algorithms
 * live in lib/anomaly, the chart specs in lib/viz/anomaly.ts; the tables and the findings
 * text of this stage are next to this file.
 */
export * from "../../anomaly/analysis";
export * from "../../anomaly/detection";
export * from "../../anomaly/explain";
export * from "../../anomaly/stress";
export * from "../../viz/anomaly";
export * from "./tables";
export * from "./findings";
export * from "./crash-check";
export * from "./charts";
