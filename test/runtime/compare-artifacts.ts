/**
 * Compare two runs' artifacts (Parquet tables, JSON, model weights) apart from timing:
 * used to prove that running notebooks side by side changes no result.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import pl from "nodejs-polars";

/**
 * Keys whose values are timings or run stamps, not results: wall seconds, timestamps, the
 * code version (a dirty tree differs between runs) and the Node version.
 */
const TIMING_KEY = /[Ss]econds|[Dd]uration|[Ee]lapsed|[a-z]At$|[a-z]Ms$|^(started|finished|codeVersion|node)$/;

/** Text with a duration in it ("in 3.2 s", "12 s/epoch"): durations are masked before comparing. */
const DURATION_TEXT = /\d+(\.\d+)?\s*(s|ms|min|seconds)\b/g;

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

function sameParquet(a: string, b: string): boolean {
  const fa = pl.readParquet(a);
  const fb = pl.readParquet(b);
  const keep = (names: string[]) => names.filter((n) => !TIMING_KEY.test(n)).sort();
  const ca = keep(fa.columns);
  if (JSON.stringify(ca) !== JSON.stringify(keep(fb.columns)) || fa.height !== fb.height) return false;
  return ca.every((c) => JSON.stringify(fa.getColumn(c).toArray()) === JSON.stringify(fb.getColumn(c).toArray()));
}

/**
 * Compare every file under `subdirs` of run `a` with the same file of run `b`: JSON without
 * timing keys, Parquet column by column (timing columns left out), anything else byte for
 * byte. Returns the number compared and the relative paths that differ or are missing in `b`.
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
      if (!fs.existsSync(fileB)) {
        different.push(`${rel} (missing in ${b})`);
        continue;
      }
      let same: boolean;
      if (rel.endsWith(".json")) {
        // A manifest's "artifacts" hashes cover JSON files with timing fields (model meta, reports);
        // the files they list are compared here one by one instead.
        const read = (f: string) => {
          const v = JSON.parse(fs.readFileSync(f, "utf8")) as Record<string, unknown>;
          if (path.basename(f).startsWith("manifest-")) delete v.artifacts;
          return JSON.stringify(strip(v));
        };
        same = read(fileA) === read(fileB);
      } else if (rel.endsWith(".parquet")) same = sameParquet(fileA, fileB);
      else same = fs.readFileSync(fileA).equals(fs.readFileSync(fileB));
      if (!same) different.push(rel);
    }
  }
  return { compared, different };
}
