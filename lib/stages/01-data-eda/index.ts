/**
 * Stage 01 (data): what notebook 01 calls besides the data and feature layers: its tables
 * and its findings text.
 */
export * from "./tables";
export * from "./findings";
