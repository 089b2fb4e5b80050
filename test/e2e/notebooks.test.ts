/**
 * End to end: every notebook executes headless on the ci profile through the project's
 * runner and kernel, the report is built from their artifacts, and that real report passes
 * the browser checks (test/e2e/report-browser.test.ts run against it).
 *
 * Outputs go to a scratch folder (CAE_OUT), never into the project's own data/processed,
 * models, figures or report. Needs Jupyter (nbclient + nbconvert): `npm test` installs it;
 * without it the test is skipped locally and fails under CI=true.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { findRoot } from "../../lib/config";
import { findJupyterPython, listNotebooks } from "../../scripts/run-notebooks";
import { compareArtifactTrees } from "../runtime/compare-artifacts";

const ROOT = findRoot(__dirname);
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const HAVE_JUPYTER = findJupyterPython() !== null;
const SKIP =
  HAVE_JUPYTER || process.env.CI === "true"
    ? false
    : "Jupyter (nbclient, nbconvert) not installed: run `npm test`, which installs it";

describe("notebooks on the ci profile", { skip: SKIP }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "cae-e2e-"));
  // Two notebooks side by side (CI has 2 cores), so the run below is a parallel one.
  const env = { ...process.env, CAE_PROFILE: "ci", CAE_OUT: out, CAE_SOURCE: "synthetic", CAE_JOBS: "2" };
  const notebooks = listNotebooks(ROOT);
  let run: ReturnType<typeof spawnSync>;

  before(() => {
    run = spawnSync(TSX, [path.join(ROOT, "scripts", "run-notebooks.ts")], {
      cwd: ROOT,
      env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
  });

  after(() => {
    if (process.env.CAE_KEEP_E2E !== "1") fs.rmSync(out, { recursive: true, force: true });
  });

  test("every notebook runs without a failing cell", () => {
    const tail =
      String(run.stdout ?? "")
        .split("\n")
        .slice(-60)
        .join("\n") + String(run.stderr ?? "");
    assert.equal(run.status, 0, `the notebook runner failed:\n${tail}`);
    assert.ok(notebooks.length >= 6, `expected the analysis notebooks, found ${notebooks.join(", ")}`);
  });

  test("each notebook left an executed copy and HTML with its figures and no error output", () => {
    for (const name of notebooks) {
      const ipynb = path.join(out, "report", "notebooks", `${name}.ipynb`);
      const html = path.join(out, "report", "notebooks", `${name}.html`);
      assert.ok(fs.existsSync(ipynb) && fs.existsSync(html), `${name}: no executed notebook or HTML`);
      const nb = JSON.parse(fs.readFileSync(ipynb, "utf8")) as {
        cells: { cell_type: string; outputs?: { output_type: string; name?: string }[] }[];
      };
      const errors = nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === "error");
      assert.equal(errors.length, 0, `${name}: error outputs`);
      const text = fs.readFileSync(html, "utf8");
      assert.ok(!/<script[^>]+src="https?:/i.test(text), `${name}: HTML loads a script from the network`);
      if (name !== "00-setup-check") assert.ok(/<svg[\s>]/.test(text), `${name}: HTML shows no SVG figure`);
    }
  });

  test("artifacts: features, latents and errors of every model, manifests", () => {
    const processed = path.join(out, "data", "processed");
    for (const f of ["panel.parquet", "features.parquet", "dataset.json"])
      assert.ok(fs.existsSync(path.join(processed, f)), `missing ${f}`);
    for (const m of ["ae", "vae", "dae", "conv1d", "pca"]) {
      assert.ok(fs.existsSync(path.join(processed, `latents-${m}.parquet`)), `missing latents-${m}`);
      assert.ok(fs.existsSync(path.join(processed, `errors-${m}.parquet`)), `missing errors-${m}`);
      assert.ok(fs.existsSync(path.join(out, "models", m, "meta.json")), `missing models/${m}`);
    }
    for (const name of notebooks) {
      const manifest = JSON.parse(fs.readFileSync(path.join(processed, `manifest-${name}.json`), "utf8")) as {
        profile: string;
        backend: string;
        seed: number;
      };
      assert.equal(manifest.profile, "ci");
      assert.ok(["tensorflow", "wasm", "cpu"].includes(manifest.backend), `${name}: backend ${manifest.backend}`);
    }
  });

  test("the run log records each notebook's start, end and CPU time, and notebooks overlapped", () => {
    const log = JSON.parse(fs.readFileSync(path.join(out, "report", "notebooks", "run-log.json"), "utf8")) as {
      jobs: number;
      notebooks: Record<string, { startedAt: string; finishedAt: string; cpuSeconds: number | null; ok: boolean }>;
    };
    assert.equal(log.jobs, 2);
    const spans = notebooks.map((n) => {
      const e = log.notebooks[n];
      assert.ok(e?.ok, `${n}: not logged as ok`);
      assert.ok(typeof e.cpuSeconds === "number" && e.cpuSeconds > 0, `${n}: no CPU time (${e.cpuSeconds})`);
      return [Date.parse(e.startedAt), Date.parse(e.finishedAt)] as const;
    });
    const overlapped = spans.some(([s1, e1], i) => spans.some(([s2], j) => j !== i && s2 > s1 && s2 < e1));
    assert.ok(overlapped, "no two notebooks ran side by side with CAE_JOBS=2");
  });

  test("a sequential run gives the same artifacts as the parallel one", () => {
    // The notebooks that run side by side at the start (01, 11 and the model notebooks 02-05,
    // started longest chain first) rerun one after another in a second folder;
    // everything later only reads their artifacts with its own seeded streams. Timing fields
    // are left out of the comparison.
    const seqOut = fs.mkdtempSync(path.join(os.tmpdir(), "cae-e2e-seq-"));
    try {
      const subset = ["01", "02", "03", "04", "05", "11"];
      const seq = spawnSync(TSX, [path.join(ROOT, "scripts", "run-notebooks.ts"), ...subset], {
        cwd: ROOT,
        env: { ...env, CAE_OUT: seqOut, CAE_JOBS: "1" },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(seq.status, 0, `the sequential run failed:\n${String(seq.stdout).slice(-3000)}${seq.stderr}`);
      const differences = compareArtifactTrees(seqOut, out, ["data/processed", "models"]);
      assert.ok(differences.compared > 20, `only ${differences.compared} artifacts compared`);
      assert.deepEqual(differences.different, [], "artifacts differ between the sequential and the parallel run");
    } finally {
      if (process.env.CAE_KEEP_E2E !== "1") fs.rmSync(seqOut, { recursive: true, force: true });
    }
  });

  test("the report builds from the run and passes the browser checks", () => {
    const build = spawnSync(TSX, [path.join(ROOT, "scripts", "build-report.ts")], { cwd: ROOT, env, encoding: "utf8" });
    assert.equal(build.status, 0, `build-report failed:\n${build.stdout}\n${build.stderr}`);
    const index = path.join(out, "report", "index.html");
    const html = fs.readFileSync(index, "utf8");
    for (const name of notebooks.filter((n) => n !== "00-setup-check"))
      assert.ok(html.includes(`notebooks/${name}.html`), `report does not link ${name}`);
    // A nested test run inherits NODE_TEST_CONTEXT and then silently runs nothing: drop it.
    const browserEnv: NodeJS.ProcessEnv = { ...env, CAE_REPORT_DIR: path.join(out, "report") };
    delete browserEnv.NODE_TEST_CONTEXT;
    const browser = spawnSync(
      TSX,
      ["--test", "--test-reporter=tap", path.join(ROOT, "test", "e2e", "report-browser.test.ts")],
      { cwd: ROOT, env: browserEnv, encoding: "utf8" },
    );
    assert.equal(browser.status, 0, `browser checks of the real report failed:\n${browser.stdout}\n${browser.stderr}`);
    const ran = Number(/^# pass (\d+)/m.exec(browser.stdout)?.[1] ?? 0);
    const skipped = Number(/^# skipped (\d+)/m.exec(browser.stdout)?.[1] ?? 0);
    const maySkip = process.env.CAE_SKIP_BROWSER === "1" && process.env.CI !== "true";
    assert.ok(
      ran > 0 || (maySkip && skipped > 0),
      `the browser checks did not run:\n${browser.stdout}\n${browser.stderr}`,
    );
    if (!maySkip) assert.equal(skipped, 0, `browser checks were skipped:\n${browser.stdout}`);
    if (ran > 0)
      assert.ok(
        fs.existsSync(path.join(out, "report", "screenshot.png")),
        `no screenshot saved; the browser run said:\n${browser.stdout}\n${browser.stderr}`,
      );
  });
});
