/**
 * Interruption safety of a notebook's artifacts: what makes a stage's outputs trustworthy.
 *
 * Single files are already safe (atomic temp + rename, files.ts), but a notebook writes
 * many: killed half-way, it leaves some new files next to old ones, a mix no run made.
 * So a stage's life is recorded in two files under data/processed/:
 *
 *   .running-<stage>.json   written first (setupNotebook), removed last; while it exists
 *                           the stage's artifacts are not to be trusted;
 *   manifest-<stage>.json   removed at start, written only on success, and listing the
 *                           SHA-256 of every artifact the stage wrote.
 *
 * A stage is complete only when there is no running marker, its manifest exists, and
 * every artifact's hash still matches (stageStatus). The runner reruns anything else; a
 * later notebook reading an artifact whose producer is marked running or interrupted gets
 * an error naming the notebook to rerun, never a half-updated table.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { atomicWriteJson } from "./files";

/** Path of a stage's "in progress" marker. */
export function runningMarkerPath(processedDir: string, stage: string): string {
  return path.join(processedDir, `.running-${stage}.json`);
}

/** Path of a stage's manifest (as ArtifactStore.writeManifest names it). */
export function manifestPath(processedDir: string, stage: string): string {
  return path.join(processedDir, `manifest-${stage}.json`);
}

/**
 * Record that `stage` started: write its running marker (pid, time), then remove its old
 * manifest, so that from now until success nothing claims the stage is complete.
 */
export function markStageRunning(processedDir: string, stage: string): void {
  atomicWriteJson(runningMarkerPath(processedDir, stage), {
    stage,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  });
  fs.rmSync(manifestPath(processedDir, stage), { force: true });
}

/** Remove a stage's running marker (after its manifest was written). */
export function clearStageRunning(processedDir: string, stage: string): void {
  fs.rmSync(runningMarkerPath(processedDir, stage), { force: true });
}

/** True when `stage` is marked running (in progress now, or killed). */
export function isStageRunning(processedDir: string, stage: string): boolean {
  return fs.existsSync(runningMarkerPath(processedDir, stage));
}

/** SHA-256 (hex) of a file's bytes, read in chunks (artifacts may be hundreds of MB). */
export function fileSha256(file: string): string {
  const h = createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      h.update(buf.subarray(0, got));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}

/** Every regular file at or below `p` (a file or a folder), sorted; hidden temp files left out. */
export function filesUnder(p: string): string[] {
  if (!fs.existsSync(p)) return [];
  const st = fs.statSync(p);
  if (st.isFile()) return [p];
  if (!st.isDirectory()) return [];
  return fs
    .readdirSync(p)
    .filter((n) => !n.startsWith("."))
    .sort()
    .flatMap((n) => filesUnder(path.join(p, n)));
}

/** Hashes of `files`, keyed by their path relative to `base` (forward slashes). */
export function hashFiles(files: string[], base: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of [...new Set(files)].sort()) out[path.relative(base, f).split(path.sep).join("/")] = fileSha256(f);
  return out;
}

/** Whether a stage's artifacts can be trusted, and why not. */
export interface StageStatus {
  state: "complete" | "missing" | "interrupted" | "modified";
  detail: string;
}

/**
 * The state of `stage` in an output folder: "complete" (manifest present, no running
 * marker, every listed artifact hashes as recorded), "interrupted" (a running marker: it
 * is running now or was killed), "modified" (an artifact changed or vanished since), or
 * "missing" (never finished). `base` is the output root the manifest's paths are relative to.
 */
export function stageStatus(processedDir: string, base: string, stage: string): StageStatus {
  if (isStageRunning(processedDir, stage))
    return { state: "interrupted", detail: `${stage} started but did not finish (or is running now).` };
  const mf = manifestPath(processedDir, stage);
  if (!fs.existsSync(mf)) return { state: "missing", detail: `${stage} has no manifest: it never finished here.` };
  let artifacts: Record<string, string> | undefined;
  try {
    artifacts = (JSON.parse(fs.readFileSync(mf, "utf8")) as { artifacts?: Record<string, string> }).artifacts;
  } catch {
    return { state: "modified", detail: `${stage}'s manifest is not valid JSON.` };
  }
  if (!artifacts) return { state: "modified", detail: `${stage}'s manifest lists no artifact hashes (an older run).` };
  for (const [rel, hash] of Object.entries(artifacts)) {
    const file = path.join(base, rel);
    if (!fs.existsSync(file)) return { state: "modified", detail: `${rel} (written by ${stage}) is missing.` };
    if (fileSha256(file) !== hash) return { state: "modified", detail: `${rel} changed after ${stage} wrote it.` };
  }
  return {
    state: "complete",
    detail: `${stage} finished and its ${Object.keys(artifacts).length} artifact(s) are intact.`,
  };
}
