/**
 * Stage 10 (downstream tasks): what notebook 10 calls, gathered in one namespace. The
 * algorithms live in lib/evaluate (downstream, clustering, risk, suites), the chart specs in
 * lib/viz/downstream.ts; the table shaping of this stage is next to this file.
 */
export * from "../../evaluate/downstream";
export * from "../../evaluate/clustering";
export * from "../../evaluate/risk";
export * from "../../evaluate/downstream-suites";
export * from "../../viz/downstream";
export * from "./tables";
