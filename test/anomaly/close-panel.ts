/**
 * Test fixture shared by the anomaly tests: an invented panel from closes alone (open, high
 * and low equal the close, volume 1, no market cap, no labels).
 */
import type { Panel } from "../../lib/data/panel";

/** A close-only invented panel over the given tokens and row-aligned token, day and close arrays. */
export function closePanel(tokens: Panel["tokens"], token: Int32Array, day: Int32Array, close: Float64Array): Panel {
  const n = close.length;
  return {
    tokens,
    token,
    day,
    open: close.slice(),
    high: close.slice(),
    low: close.slice(),
    close,
    volume: new Float64Array(n).fill(1),
    marketCap: new Float64Array(n).fill(Number.NaN),
    anomalyKind: null,
    events: null,
    source: "invented",
  };
}
