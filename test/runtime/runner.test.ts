import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig } from "../../lib/config";
import { baseFingerprint, notebookFingerprints, jupyterEnv } from "../../scripts/run-notebooks";

function fakeProject(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cae-runner-"));
  fs.mkdirSync(path.join(root, "lib"), { recursive: true });
  fs.mkdirSync(path.join(root, "notebooks"), { recursive: true });
  fs.mkdirSync(path.join(root, "jupyter"), { recursive: true });
  fs.writeFileSync(path.join(root, "lib", "a.ts"), "export const a = 1;\n");
  fs.writeFileSync(path.join(root, "package-lock.json"), "{}");
  for (const n of ["01-a", "02-b", "03-c"])
    fs.writeFileSync(path.join(root, "notebooks", `${n}.ipynb`), `{"n":"${n}"}`);
  return root;
}

describe("runner fingerprints (skip notebooks whose inputs did not change)", () => {
  test("same inputs, same fingerprints; a setting or a lib file changes them all", () => {
    const root = fakeProject();
    const cfg = loadConfig({ CAE_ROOT: root, CAE_PROFILE: "ci" });
    const base = baseFingerprint(root, cfg);
    assert.equal(base, baseFingerprint(root, cfg));
    assert.notEqual(base, baseFingerprint(root, loadConfig({ CAE_ROOT: root, CAE_PROFILE: "ci", CAE_SEED: "5" })));
    assert.notEqual(base, baseFingerprint(root, loadConfig({ CAE_ROOT: root, CAE_PROFILE: "default" })));
    fs.writeFileSync(path.join(root, "lib", "a.ts"), "export const a = 2;\n");
    assert.notEqual(base, baseFingerprint(root, cfg));
  });

  test("editing a notebook changes its fingerprint and those after it, not those before", () => {
    const root = fakeProject();
    const all = ["01-a", "02-b", "03-c"];
    const before = notebookFingerprints(root, all, "base");
    fs.writeFileSync(path.join(root, "notebooks", "02-b.ipynb"), `{"n":"changed"}`);
    const after = notebookFingerprints(root, all, "base");
    assert.equal(after.get("01-a"), before.get("01-a"));
    assert.notEqual(after.get("02-b"), before.get("02-b"));
    assert.notEqual(after.get("03-c"), before.get("03-c"));
  });

  test("a real source's data files are part of the fingerprint", () => {
    const root = fakeProject();
    const data = path.join(root, "data", "raw", "csv");
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, "p.csv"), "token,date\n");
    const cfg = loadConfig({ CAE_ROOT: root, CAE_SOURCE: "csv" });
    const a = baseFingerprint(root, cfg);
    fs.writeFileSync(path.join(data, "p.csv"), "token,date\nBTC,2020-01-01\n");
    assert.notEqual(a, baseFingerprint(root, cfg));
  });

  test("Jupyter is pointed at the project's kernel and runtime folders", () => {
    const env = jupyterEnv("/x/project");
    assert.equal(env.JUPYTER_PATH, "/x/project/jupyter");
    assert.equal(env.JUPYTER_RUNTIME_DIR, "/x/project/.jupyter-runtime");
    assert.equal(env.CAE_ROOT, "/x/project");
  });
});
