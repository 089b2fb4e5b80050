/**
 * Atomic file writes: write to a temporary file in the same folder, then rename over the
 * target. A rename within one file system is atomic on POSIX, so an interrupted run leaves
 * either the old file or the new one, never half of one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { recordOutput } from "./outputs";

let counter = 0;

/** A temporary path next to `target` (same folder, so the final rename is atomic). */
export function tempPathFor(target: string): string {
  counter += 1;
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${counter}.tmp`);
}

/** Write text or bytes to `target` atomically, creating parent folders. */
export function atomicWriteFile(target: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target);
    recordOutput(target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Run a writer that produces a file at a temporary path, then move it into place.
 * For libraries that only write to a path (e.g. Parquet writers).
 */
export function atomicWriteWith(target: string, write: (tmpPath: string) => void): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    write(tmp);
    fs.renameSync(tmp, target);
    recordOutput(target);
  } catch (err) {
    fs.rmSync(tmp, { force: true, recursive: true });
    throw err;
  }
}

/** Write JSON atomically (2-space indent, trailing newline). */
export function atomicWriteJson(target: string, value: unknown): void {
  atomicWriteFile(target, JSON.stringify(value, null, 2) + "\n");
}

/** Read and parse a JSON file, naming the file on failure. */
export function readJson<T = unknown>(file: string): T {
  const text = fs.readFileSync(file, "utf8");
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}).`);
  }
}
