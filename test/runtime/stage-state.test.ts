/**
 * Interruption safety of the artifact store (lib/runtime/stage-state.ts): a stage killed
 * (SIGKILL or SIGINT) part-way leaves a running marker and no manifest, so nothing trusts
 * its artifacts; a rerun completes it with the same bytes as an uninterrupted run.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { findRoot, loadConfig } from "../../lib/config";
import { ArtifactStore } from "../../lib/runtime/artifacts";
import { hashFiles, filesUnder, isStageRunning, stageStatus } from "../../lib/runtime/stage-state";

const ROOT = findRoot(__dirname);
const WRITER = path.join(__dirname, "fixtures", "stage-writer.ts");
const STAGE = "01-data-eda";

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "cae-stage-"));
}
const processed = (out: string) => path.join(out, "data", "processed");

/** Run the writer; kill it with `signal` after it printed `after` (or let it finish). */
function runWriter(
  out: string,
  opts: { signal?: NodeJS.Signals; after?: string; pauseMs?: number } = {},
): Promise<number | null> {
  return new Promise((resolve) => {
    // One process (node --import tsx), so the signal reaches the writer itself, not a wrapper.
    const child = spawn(process.execPath, ["--import", "tsx", WRITER], {
      cwd: ROOT,
      env: { ...process.env, CAE_OUT: out, CAE_PAUSE_MS: String(opts.pauseMs ?? 0), CAE_PROFILE: "ci" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buf = "";
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      if (opts.signal && opts.after && buf.includes(opts.after)) child.kill(opts.signal);
    });
    child.on("close", (code) => resolve(code));
  });
}

/** Artifact bytes (hash per file) of an output folder, manifests and markers left out. */
function artifactHashes(out: string): Record<string, string> {
  return hashFiles(
    filesUnder(processed(out)).filter((f) => !path.basename(f).startsWith("manifest-")),
    out,
  );
}

describe("stage state", () => {
  test("a stage is complete only after its manifest; tampering and reading mid-run are caught", () => {
    const out = scratch();
    const config = loadConfig({ ...process.env, CAE_OUT: out, CAE_PROFILE: "ci" });
    const store = new ArtifactStore(config);
    store.beginStage(STAGE);
    assert.equal(stageStatus(processed(out), out, STAGE).state, "interrupted");
    store.writeTable("panel", { a: new Float64Array([1, 2, 3]) });
    // another notebook reading the half-written stage is refused, naming the notebook to rerun
    const reader = new ArtifactStore(config);
    assert.throws(
      () => reader.readTable("panel"),
      /01-data-eda, which started but did not finish.*npm run notebook -- 01/,
    );
    store.writeManifest(STAGE, { outputs: ["panel"] });
    assert.equal(isStageRunning(processed(out), STAGE), false);
    assert.equal(stageStatus(processed(out), out, STAGE).state, "complete");
    assert.deepEqual([...(reader.readTable("panel").a as Float64Array)], [1, 2, 3]);
    const manifest = JSON.parse(fs.readFileSync(path.join(processed(out), `manifest-${STAGE}.json`), "utf8"));
    assert.deepEqual(Object.keys(manifest.artifacts), ["data/processed/panel.parquet"]);
    fs.appendFileSync(path.join(processed(out), "panel.parquet"), "x");
    assert.equal(stageStatus(processed(out), out, STAGE).state, "modified");
    fs.rmSync(path.join(processed(out), "panel.parquet"));
    assert.match(stageStatus(processed(out), out, STAGE).detail, /missing/);
    // a new start removes the old manifest before writing anything
    store.beginStage(STAGE);
    assert.equal(fs.existsSync(path.join(processed(out), `manifest-${STAGE}.json`)), false);
  });

  for (const signal of ["SIGKILL", "SIGINT"] as const) {
    test(`${signal} mid-stage: no manifest, marked interrupted; a rerun gives the uninterrupted bytes`, async () => {
      const clean = scratch();
      assert.equal(await runWriter(clean), 0);
      assert.equal(stageStatus(processed(clean), clean, STAGE).state, "complete");

      const out = scratch();
      await runWriter(out, { signal, after: "wrote panel", pauseMs: 5000 });
      assert.ok(fs.existsSync(path.join(processed(out), "panel.parquet")), "the first artifact was written");
      assert.equal(fs.existsSync(path.join(processed(out), `manifest-${STAGE}.json`)), false);
      assert.equal(stageStatus(processed(out), out, STAGE).state, "interrupted");
      assert.ok(!fs.readdirSync(processed(out)).some((f) => f.endsWith(".tmp")), "no temporary file left behind");

      assert.equal(await runWriter(out), 0);
      assert.equal(stageStatus(processed(out), out, STAGE).state, "complete");
      assert.deepEqual(artifactHashes(out), artifactHashes(clean));
    });
  }
});
