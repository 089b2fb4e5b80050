/**
 * Interactive Jupyter without a browser: the launcher's command line and environment, the
 * interactive chart output (local files only, static SVG inside), the manifest's output list
 * and shown paths, and the clean filter that setup configures in a git clone.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { findRoot } from "../../lib/config";
import { parseLaunchArgs, serverCommand, serverEnv, urlInLine } from "../../scripts/jupyter";
import { interactiveChartHtml } from "../../lib/viz/display";
import { manifestOutputs, shownPath } from "../../lib/stages/notebook";
import { atomicWriteFile } from "../../lib/runtime/files";
import { recordedOutputs, resetOutputs } from "../../lib/runtime/outputs";
import { parsePercent, toNotebook } from "../../scripts/build-notebooks";

const ROOT = findRoot(__dirname);

describe("npm run jupyter", () => {
  test("arguments: ip, port, token and --lab are the launcher's, the rest goes to Jupyter", () => {
    const o = parseLaunchArgs(["--port=9999", "--ip", "0.0.0.0", "--token=t", "--lab", "--debug"]);
    assert.deepEqual(o, { ip: "0.0.0.0", port: 9999, token: "t", lab: true, rest: ["--debug"] });
    assert.throws(() => parseLaunchArgs(["--port=http"]), /--port=http is not a port number/);
  });

  test("classic Notebook gets NotebookApp options, Notebook 7 / Lab ServerApp ones; root gets --allow-root", () => {
    const o = parseLaunchArgs(["--port=1234", "--token=abc"]);
    const classic = serverCommand("/p", { python: "py", app: "notebook", version: "6.4.12" }, o);
    assert.ok(
      classic.includes("--NotebookApp.notebook_dir=/p/notebooks") && classic.includes("--NotebookApp.token=abc"),
    );
    assert.ok(
      classic.includes("--ip=127.0.0.1") && classic.includes("--port=1234") && classic.includes("--no-browser"),
    );
    const lab = serverCommand("/p", { python: "py", app: "jupyterlab", version: "4.2.0" }, o);
    assert.deepEqual(lab.slice(0, 2), ["-m", "jupyterlab"]);
    assert.ok(lab.includes("--ServerApp.root_dir=/p/notebooks"));
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    assert.equal(classic.includes("--allow-root"), isRoot);
  });

  test("the server finds the project's kernel and settings first, and keeps its runtime files in the project", () => {
    const env = serverEnv("/p", { JUPYTER_PATH: "/other" });
    assert.equal(env.JUPYTER_PATH, `/p/jupyter${path.delimiter}/other`);
    assert.equal(env.JUPYTER_CONFIG_PATH, "/p/jupyter");
    assert.equal(env.JUPYTER_RUNTIME_DIR, "/p/.jupyter-runtime");
  });

  test("the URL to open is taken from Jupyter's log", () => {
    assert.equal(
      urlInLine("[I 09:25:57 NotebookApp] http://127.0.0.1:8888/?token=abc"),
      "http://127.0.0.1:8888/?token=abc",
    );
    assert.equal(urlInLine("[I NotebookApp] Serving notebooks from local directory: /x"), null);
  });
});

describe("interactive chart output", () => {
  test("holds the static SVG and the spec, loads vega only from the notebook server, escapes the spec", () => {
    const html = interactiveChartHtml({ mark: "bar", title: "</script><b>x" }, "<svg id='s'></svg>", "cae-chart-1");
    assert.match(html, /<div class="cae-chart-static"><svg id='s'><\/svg><\/div>/);
    assert.ok(!html.includes("</script><b>"), "the spec closes its script tag");
    assert.match(html, /\\u003c\/script>\\u003cb>x/);
    assert.match(html, /nbextensions\/cae-vega\//);
    assert.doesNotMatch(html, /\b(?:src|href)=["']?(?:https?:)?\/\//);
    assert.doesNotMatch(html, /https?:\/\//);
    assert.throws(() => interactiveChartHtml({}, "", 'x" onload="y'), /must be letters, digits/);
  });
});

describe("manifest outputs", () => {
  test("every atomic write is recorded; files in a written folder fold into it; declared names stay", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cae-out-"));
    resetOutputs();
    atomicWriteFile(path.join(dir, "figures", "a.svg"), "<svg/>");
    atomicWriteFile(path.join(dir, "data", "processed", "t.json"), "{}");
    const recorded = [...recordedOutputs(), path.join(dir, "models", "ae"), path.join(dir, "models", "ae", "w.bin")];
    assert.deepEqual(manifestOutputs(recorded, ["t.json", "extra.parquet"], dir), [
      "data/processed/t.json",
      "figures/a.svg",
      "models/ae",
      "extra.parquet",
    ]);
    resetOutputs();
    assert.deepEqual(recordedOutputs(), []);
  });

  test("paths are shown relative inside the project and absolute outside it, never with ../..", () => {
    assert.equal(shownPath("/p/data/processed/m.json", "/p"), "data/processed/m.json");
    assert.equal(shownPath("/tmp/out/data/processed/m.json", "/p"), "/tmp/out/data/processed/m.json");
  });
});

describe("git clean filter", () => {
  test("setup configures it in a clone; a notebook saved with outputs leaves git status clean", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cae-filter-"));
    const git = (...args: string[]) =>
      spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        cwd: dir,
        encoding: "utf8",
      });
    fs.mkdirSync(path.join(dir, "scripts"));
    fs.mkdirSync(path.join(dir, "notebooks"));
    for (const f of ["scripts/setup.mjs", "scripts/notebook-format.cjs", ".gitattributes"])
      fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    const nb = path.join(dir, "notebooks", "n.ipynb");
    const built = toNotebook(parsePercent("// %%\nconsole.log(1);\n"));
    fs.writeFileSync(nb, built);
    git("init", "-q");
    const setup = spawnSync(process.execPath, ["scripts/setup.mjs", "--only=git-filter"], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(setup.status, 0, setup.stderr);
    assert.match(setup.stdout, /configured git's notebook clean filter/);
    git("add", "-A");
    git("commit", "-q", "-m", "x");
    const withOutputs = JSON.parse(built);
    withOutputs.cells[0].outputs = [{ output_type: "stream", name: "stdout", text: ["1\n"] }];
    withOutputs.cells[0].execution_count = 1;
    fs.writeFileSync(nb, JSON.stringify(withOutputs, null, 1));
    git("add", "-A");
    assert.equal(git("status", "--porcelain").stdout, "");
    assert.equal(git("show", "HEAD:notebooks/n.ipynb").stdout, built);
    // Configured once: a second run says nothing.
    const again = spawnSync(process.execPath, ["scripts/setup.mjs", "--only=git-filter"], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(again.stdout, "");
  });
});

const HAS_CLASSIC_NOTEBOOK =
  spawnSync("/usr/bin/python3", ["-c", "import notebook.services.contents.filemanager"]).status === 0;

describe("the project's contents manager (jupyter/cae_contents.py)", () => {
  test("saves the committed form, keeps the outputs beside it and merges them back, still trusted", {
    skip: !HAS_CLASSIC_NOTEBOOK && "classic Jupyter Notebook is not installed",
  }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cae-contents-"));
    fs.copyFileSync(path.join(ROOT, "notebooks", "00-setup-check.ipynb"), path.join(dir, "n.ipynb"));
    const script = `
import sys, json, nbformat
sys.path.insert(0, sys.argv[1])
import cae_contents
from notebook.services.contents.filemanager import FileContentsManager
m = cae_contents.make_manager_class(FileContentsManager)(root_dir=sys.argv[2])
nb = m.get("n.ipynb")["content"]
nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<b>x</b>"})]
nb.cells[1].execution_count = 2
nb.cells[1].metadata["scrolled"] = True
for c in nb.cells:
    if c.cell_type == "code":
        c.metadata["trusted"] = True
m.save({"type": "notebook", "content": nb}, "n.ipynb")
back = m.get("n.ipynb")["content"]
print(json.dumps({"outputs": back.cells[1].outputs, "trusted": back.cells[1].metadata.get("trusted")}))
`;
    const r = spawnSync("/usr/bin/python3", ["-c", script, path.join(ROOT, "jupyter"), dir], {
      encoding: "utf8",
      env: { ...process.env, JUPYTER_DATA_DIR: dir },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      fs.readFileSync(path.join(dir, "n.ipynb"), "utf8"),
      fs.readFileSync(path.join(ROOT, "notebooks", "00-setup-check.ipynb"), "utf8"),
      "the saved notebook is not the committed one",
    );
    const back = JSON.parse(r.stdout) as { outputs: { data: Record<string, string> }[]; trusted: boolean };
    assert.equal(back.outputs[0]!.data["text/html"], "<b>x</b>");
    assert.equal(back.trusted, true);
    assert.ok(fs.existsSync(path.join(dir, ".ipynb_outputs", "n.ipynb")));
  });
});
