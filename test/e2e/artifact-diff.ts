/**
 * What "the same artifacts" means for two runs: every file under data/processed and models
 * byte for byte, JSON files compared without timing fields (see TIMING_KEY, DURATION_TEXT).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileSha256, filesUnder } from "../../lib/runtime/stage-state";

/**
 * JSON fields that differ between identical runs: wall-clock times, durations and the code
 * version (the tree is "dirty" while tests write): finishedAt, savedAt, seconds,
 * secondsPerEpoch, "seconds per epoch"...
 */
const TIMING_KEY = /^(finishedAt|startedAt|savedAt|codeVersion)$|seconds/i;

/** Durations inside text ("0.88 s per epoch", "in 12.3 s"): masked before comparing. */
const DURATION_TEXT = /\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds|min)\b/g;

/**
 * Fingerprint of a run's artifacts: file -> sha256, JSON files as their text without
 * timing fields. A manifest's own "artifacts" hashes are left out: they hash JSON files
 * with timing fields, and the files they list are compared here one by one.
 */
export function artifacts(out: string): Map<string, string> {
  const files = [...filesUnder(path.join(out, "data", "processed")), ...filesUnder(path.join(out, "models"))];
  const map = new Map<string, string>();
  for (const f of files) {
    const rel = path.relative(out, f);
    if (f.endsWith(".json")) {
      const strip = (v: unknown): unknown =>
        Array.isArray(v)
          ? v.map(strip)
          : v && typeof v === "object"
            ? Object.fromEntries(
                Object.entries(v as Record<string, unknown>)
                  .filter(
                    ([k]) => !TIMING_KEY.test(k) && !(k === "artifacts" && path.basename(f).startsWith("manifest-")),
                  )
                  .map(([k, x]) => [k, strip(x)]),
              )
            : typeof v === "string"
              ? v.replace(DURATION_TEXT, "<duration>")
              : v;
      map.set(rel, JSON.stringify(strip(JSON.parse(fs.readFileSync(f, "utf8")))));
    } else map.set(rel, fileSha256(f));
  }
  return map;
}
