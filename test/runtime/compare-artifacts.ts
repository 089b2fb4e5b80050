/**
 * Compare two runs' artifacts (Parquet tables, JSON, model weights) apart from timing:
 * used to prove that running notebooks side by side, or twice with one seed, changes no
 * result (and that another seed does).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import pl from "nodejs-polars";

/**
 * Keys whose values are timings or run stamps, not results: wall seconds ("seconds",
 * "secondsPerEpoch", "seconds per epoch"), timestamps (finishedAt, savedAt...), the code
 * version (a dirty tree differs between runs) and the Node version.
 */
const TIMING_KEY = /[Ss]econds|[Dd]uration|[Ee]lapsed|[a-z]At$|[a-z]Ms$|^(started|finished|codeVersion|node)$/;

/** Text with a duration in it ("in 3.2 s", "12 s/epoch", "0.88 sec"): durations are masked before comparing. */
const DURATION_TEXT = /\d+(\.\d+)?\s*(s|ms|sec|min|seconds)\b/g;

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value === "string") return value.replace(DURATION_TEXT, "<duration>");
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !TIMING_KEY.test(k))
        .map(([k, v]) => [k, strip(v)]),
    );
  return value;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : [p];
  });
}

/** A Parquet table as text: its columns (timing columns left out, by name) and their values. */
function parquetText(file: string): string {
  const frame = pl.readParquet(file);
  const cols = frame.columns.filter((n) => !TIMING_KEY.test(n)).sort();
  return JSON.stringify({ height: frame.height, columns: cols.map((c) => [c, frame.getColumn(c).toArray()]) });
}

/** A JSON artifact as text without timing keys, durations masked; a manifest without its "artifacts" hashes. */
function jsonText(file: string): string {
  const v = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  // A manifest's "artifacts" hashes cover JSON files with timing fields (model meta, reports);
  // the files they list are compared one by one instead.
  if (path.basename(file).startsWith("manifest-") && v && typeof v === "object" && !Array.isArray(v))
    delete v.artifacts;
  return JSON.stringify(strip(v));
}

/**
 * What is compared of one artifact: JSON as `jsonText`, Parquet as `parquetText`, anything
 * else its bytes (as a sha256).
 */
function fingerprint(file: string): string {
  if (file.endsWith(".json")) return jsonText(file);
  if (file.endsWith(".parquet")) return crypto.createHash("sha256").update(parquetText(file)).digest("hex");
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/**
 * Fingerprints of a run's artifacts under `subdirs` (default data/processed and models):
 * relative path -> what is compared of it (see `compareArtifactTrees`). Temporary files are
 * left out.
 */
export function artifactFingerprints(
  out: string,
  subdirs: readonly string[] = ["data/processed", "models"],
): Map<string, string> {
  const map = new Map<string, string>();
  for (const sub of subdirs)
    for (const file of listFiles(path.join(out, sub)).sort()) {
      const rel = path.relative(out, file);
      if (!/\.tmp$/.test(rel)) map.set(rel, fingerprint(file));
    }
  return map;
}

/**
 * Compare every file under `subdirs` of run `a` with the same file of run `b`: JSON without
 * timing keys (and a manifest without its "artifacts" hashes), Parquet column by column
 * (timing columns left out), anything else byte for byte. Returns the number compared and
 * the relative paths that differ or are missing in `b`.
 */
export function compareArtifactTrees(
  a: string,
  b: string,
  subdirs: readonly string[],
): { compared: number; different: string[] } {
  const different: string[] = [];
  let compared = 0;
  for (const sub of subdirs) {
    for (const fileA of listFiles(path.join(a, sub))) {
      const rel = path.relative(a, fileA);
      const fileB = path.join(b, rel);
      if (/\.tmp$/.test(rel)) continue;
      compared += 1;
      if (!fs.existsSync(fileB)) different.push(`${rel} (missing in ${b})`);
      else if (fingerprint(fileA) !== fingerprint(fileB)) different.push(rel);
    }
  }
  return { compared, different };
}
