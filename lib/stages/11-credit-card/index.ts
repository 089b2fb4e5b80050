/**
 * Stage 11 (credit card): what notebook 11 calls, gathered in one namespace. The
 * detection algorithms live in lib/anomaly/creditcard*.ts, the chart specs in
 * lib/viz/creditcard.ts; the UMAP embedding and the findings text of this stage are next
 * to this file.
 */
export * from "../../anomaly/creditcard";
export * from "../../anomaly/creditcard-eval";
export * from "../../viz/creditcard";
export * from "./embed";
export * from "./findings";
export * from "./repeated";
export * from "./tables";
