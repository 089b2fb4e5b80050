/**
 * End to end, through the real runner and kernel on the ci profile (notebooks 01 and 02
 * only, to stay cheap):
 *
 *  - interruption: notebook 01 is killed part-way, once with SIGKILL and once with SIGINT
 *    sent to the runner's process group (as `kill -9 -PGID` and Ctrl-C in a terminal do);
 *    each time it leaves a running marker and no manifest, so nothing trusts its artifacts;
 *  - recovery and determinism: the same folder then runs 01 and 02 to the end and its
 *    artifacts are byte-identical to those of an uninterrupted run with the same seed
 *    (manifests compared without their timing fields), while another seed changes them.
 *
 * Needs Jupyter (nbclient + nbconvert), like notebooks.test.ts; skipped without it.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { findRoot } from "../../lib/config";
import { stageStatus } from "../../lib/runtime/stage-state";
import { artifactFingerprints as artifacts } from "../runtime/compare-artifacts";
import { findJupyterPython } from "../../scripts/run-notebooks";

const ROOT = findRoot(__dirname);
const RUNNER = path.join(ROOT, "scripts", "run-notebooks.ts");
const SKIP =
  findJupyterPython() !== null || process.env.CI === "true"
    ? false
    : "Jupyter (nbclient, nbconvert) not installed: run `npm test`, which installs it";
const SEED = 20240607;

/**
 * Run the runner on `notebooks` into `out` in its own process group; when `kill` is given,
 * send its signal to the group once the output shows `kill.when`. Resolves with the exit
 * code (null when killed) and the output.
 */
function runNotebooks(
  out: string,
  notebooks: string[],
  seed: number,
  kill?: { signal: NodeJS.Signals; when: RegExp },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", RUNNER, ...notebooks], {
      cwd: ROOT,
      env: { ...process.env, CAE_PROFILE: "ci", CAE_SOURCE: "synthetic", CAE_OUT: out, CAE_SEED: String(seed) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    let sent = false;
    const onData = (d: Buffer) => {
      output += d.toString();
      if (kill && !sent && kill.when.test(output)) {
        sent = true;
        process.kill(-child.pid!, kill.signal);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code) => {
      if (kill) killRunsInto(out);
      resolve({ code, output });
    });
  });
}

/**
 * Kill what is left of a killed run: Jupyter starts the kernel in a session of its own, so
 * a signal to the runner's group does not reach it. Only processes whose environment has
 * this test's CAE_OUT are touched.
 */
function killRunsInto(out: string): void {
  const mark = `CAE_OUT=${out}\0`;
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/environ`, "latin1").includes(mark)) process.kill(Number(name), "SIGKILL");
    } catch {
      // gone, or not ours to read
    }
  }
}

describe("interruption, recovery and determinism (ci profile, notebooks 01-02)", { skip: SKIP }, () => {
  const dirs: string[] = [];
  const scratch = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "cae-rel-"));
    dirs.push(d);
    return d;
  };
  let clean: string;
  before(async () => {
    clean = scratch();
    const r = await runNotebooks(clean, ["01", "02"], SEED);
    assert.equal(r.code, 0, r.output.slice(-3000));
  });
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test("a killed notebook leaves no trusted artifacts; the rerun matches an uninterrupted run byte for byte", async () => {
    const out = scratch();
    const processed = path.join(out, "data", "processed");
    for (const signal of ["SIGKILL", "SIGINT"] as const) {
      const r = await runNotebooks(out, ["01"], SEED, { signal, when: /01-data-eda[^\n]*cell 3\/\d+/ });
      assert.notEqual(r.code, 0, `${signal}: the run should not have finished`);
      assert.equal(fs.existsSync(path.join(processed, "manifest-01-data-eda.json")), false, `${signal}: no manifest`);
      assert.equal(stageStatus(processed, out, "01-data-eda").state, "interrupted", signal);
    }
    const r = await runNotebooks(out, ["01", "02"], SEED);
    assert.equal(r.code, 0, r.output.slice(-3000));
    assert.equal(stageStatus(processed, out, "01-data-eda").state, "complete");
    assert.equal(stageStatus(processed, out, "02-train-ae").state, "complete");
    const a = artifacts(clean);
    const b = artifacts(out);
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort(), "the same artifact files");
    for (const [k, v] of a) assert.equal(b.get(k), v, `${k} differs between two runs with seed ${SEED}`);
  });

  test("another seed changes the artifacts", async () => {
    const out = scratch();
    const r = await runNotebooks(out, ["01"], SEED + 1);
    assert.equal(r.code, 0, r.output.slice(-3000));
    const a = artifacts(clean);
    const b = artifacts(out);
    for (const name of ["data/processed/panel.parquet", "data/processed/features.parquet"]) {
      assert.ok(a.has(name) && b.has(name), `${name} written`);
      assert.notEqual(b.get(name), a.get(name), `${name} is the same under another seed`);
    }
  });
});
