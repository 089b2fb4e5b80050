/**
 * What this process wrote: every atomic write (tables, JSON, figures, saved models) records
 * its target here, so a notebook's manifest lists every output it produced, including the
 * ones no cell names (figures, model folders). One kernel runs one notebook, so the
 * record of a kernel process is the record of its notebook since setupNotebook.
 */
import * as path from "node:path";

const written = new Set<string>();

/** Record that `file` (a file or a folder written as a whole) was written. */
export function recordOutput(file: string): void {
  written.add(path.resolve(file));
}

/** Forget what was recorded so far (a notebook's setup cell starts a new record). */
export function resetOutputs(): void {
  written.clear();
}

/** Everything recorded since the last reset, as absolute paths in sorted order. */
export function recordedOutputs(): string[] {
  return [...written].sort();
}
