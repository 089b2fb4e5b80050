import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { artifactFingerprints, compareArtifactTrees } from "./compare-artifacts";

/** Write `files` (relative path -> text) under a new scratch folder. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cae-compare-"));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe("comparing two runs' artifacts", () => {
  test("timing keys, durations in text and a manifest's artifact hashes are ignored; results are not", () => {
    const a = tree({
      "models/ae.meta.json": JSON.stringify({ loss: 0.5, seconds: 3.1, savedAt: "t1", note: "done in 3.1 s" }),
      "data/processed/manifest-01.json": JSON.stringify({ stage: "01", artifacts: { x: "h1" }, finishedAt: "t1" }),
      "models/w.bin": "abc",
    });
    const b = tree({
      "models/ae.meta.json": JSON.stringify({ loss: 0.5, seconds: 9.9, savedAt: "t2", note: "done in 12 s" }),
      "data/processed/manifest-01.json": JSON.stringify({ stage: "01", artifacts: { x: "h2" }, finishedAt: "t2" }),
      "models/w.bin": "abc",
    });
    const c = tree({
      "models/ae.meta.json": JSON.stringify({ loss: 0.6, seconds: 3.1, savedAt: "t1", note: "done in 3.1 s" }),
      "data/processed/manifest-01.json": JSON.stringify({ stage: "01", artifacts: { x: "h1" }, finishedAt: "t1" }),
      "models/w.bin": "abd",
    });
    try {
      assert.deepEqual(compareArtifactTrees(a, b, ["data/processed", "models"]), { compared: 3, different: [] });
      assert.deepEqual([...artifactFingerprints(a)], [...artifactFingerprints(b)]);
      assert.deepEqual(compareArtifactTrees(a, c, ["data/processed", "models"]).different.sort(), [
        path.join("models", "ae.meta.json"),
        path.join("models", "w.bin"),
      ]);
      fs.rmSync(path.join(b, "models", "w.bin"));
      assert.match(compareArtifactTrees(a, b, ["models"]).different.join(), /w\.bin \(missing in/);
    } finally {
      for (const d of [a, b, c]) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
