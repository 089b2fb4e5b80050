/**
 * The notebook file format and the two-way sync between notebooks/src and notebooks/*.ipynb:
 * generated notebooks are byte for byte what Jupyter (nbformat) writes; the clean filter
 * drops outputs and UI state; the sync copies the side that changed and refuses when both did.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { findRoot } from "../../lib/config";
import { editedSinceSync, parsePercent, toNotebook } from "../../scripts/build-notebooks";
import { syncNotebooks, syncStatus, toPercent } from "../../scripts/sync-notebooks";
import { cleanNotebookText } from "../../scripts/notebook-format.cjs";

const ROOT = findRoot(__dirname);
const SRC = path.join(ROOT, "notebooks", "src");
const PYTHON = "/usr/bin/python3";
const HAS_NBFORMAT = spawnSync(PYTHON, ["-c", "import nbformat"]).status === 0;

/** A scratch project with notebooks/src and notebooks/ holding one small notebook. */
function scratch(source: string): { root: string; src: string; ipynb: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cae-sync-"));
  fs.mkdirSync(path.join(root, "notebooks", "src"), { recursive: true });
  const src = path.join(root, "notebooks", "src", "00-x.ts");
  const ipynb = path.join(root, "notebooks", "00-x.ipynb");
  fs.writeFileSync(src, source);
  fs.writeFileSync(ipynb, toNotebook(parsePercent(source)));
  syncNotebooks(root, [], { log: () => {} }); // records the synced state
  return { root, src, ipynb };
}

/** Edit a notebook as Jupyter would: change one cell's source, add outputs and UI metadata. */
function editInJupyter(ipynb: string, cell: number, source: string): void {
  const nb = JSON.parse(fs.readFileSync(ipynb, "utf8"));
  nb.cells[cell].source = source;
  for (const c of nb.cells)
    if (c.cell_type === "code") {
      c.outputs = [{ output_type: "stream", name: "stdout", text: ["hi\n"] }];
      c.execution_count = 7;
      c.metadata.scrolled = true;
    }
  fs.writeFileSync(ipynb, JSON.stringify(nb));
}

const SOURCE = "// %% [markdown]\n// # Title\n//\n// text\n\n// %%\nconst a = 1;\nconsole.log(a);\n";

describe("notebook format", () => {
  test("every source round-trips through its notebook (percent format both ways)", () => {
    for (const f of fs.readdirSync(SRC).filter((x) => x.endsWith(".ts"))) {
      const text = fs.readFileSync(path.join(SRC, f), "utf8");
      assert.equal(toPercent(parsePercent(text)), text, `${f} does not round-trip`);
    }
  });

  test("the clean filter drops outputs, execution counts and UI state, and nothing else", () => {
    const built = toNotebook(parsePercent(SOURCE));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cae-fmt-"));
    const file = path.join(dir, "n.ipynb");
    fs.writeFileSync(file, built);
    editInJupyter(file, 1, "const a = 1;\nconsole.log(a);");
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "notebook-format.cjs")], {
      input: fs.readFileSync(file),
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, built);
    assert.equal(cleanNotebookText("not json"), "not json");
  });

  test("a generated notebook is exactly what Jupyter's nbformat writes back", {
    skip: !HAS_NBFORMAT && "no nbformat",
  }, () => {
    const file = path.join(ROOT, "notebooks", "00-setup-check.ipynb");
    const r = spawnSync(
      PYTHON,
      ["-c", "import nbformat,sys; nb=nbformat.read(sys.argv[1], as_version=4); nbformat.write(nb, sys.stdout)", file],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, fs.readFileSync(file, "utf8"));
    assert.equal(JSON.parse(r.stdout).metadata.language_info.version, "3.7.2");
  });
});

describe("notebooks:sync", () => {
  test("an edit made in Jupyter flows back to the source; outputs alone are no change", () => {
    const s = scratch(SOURCE);
    editInJupyter(s.ipynb, 1, "const a = 2;\nconsole.log(a);");
    const status = syncStatus(s.root, "00-x");
    assert.equal(status.state, "ipynb-newer");
    assert.match(status.message, /notebooks\/00-x\.ipynb is newer .*npm run notebooks:sync/);
    syncNotebooks(s.root, [], { log: () => {} });
    assert.equal(fs.readFileSync(s.src, "utf8"), SOURCE.replace("a = 1", "a = 2"));
    assert.equal(syncStatus(s.root, "00-x").state, "in-sync");
    // Outputs only: in sync, and the sync leaves the notebook (and its outputs) alone.
    editInJupyter(s.ipynb, 1, "const a = 2;\nconsole.log(a);");
    const before = fs.readFileSync(s.ipynb, "utf8");
    assert.equal(syncStatus(s.root, "00-x").state, "in-sync");
    syncNotebooks(s.root, [], { log: () => {} });
    assert.equal(fs.readFileSync(s.ipynb, "utf8"), before);
  });

  test("an edit of the source rebuilds the notebook", () => {
    const s = scratch(SOURCE);
    fs.writeFileSync(s.src, SOURCE.replace("# Title", "# New title"));
    assert.equal(syncStatus(s.root, "00-x").state, "src-newer");
    assert.match(syncStatus(s.root, "00-x").message, /src\/00-x\.ts is newer .*npm run notebooks:sync/);
    syncNotebooks(s.root, [], { log: () => {} });
    assert.equal(fs.readFileSync(s.ipynb, "utf8"), toNotebook(parsePercent(fs.readFileSync(s.src, "utf8"))));
  });

  test("both sides changed: it refuses, names both and the way out; --from chooses", () => {
    const s = scratch(SOURCE);
    fs.writeFileSync(s.src, SOURCE.replace("# Title", "# From source"));
    editInJupyter(s.ipynb, 0, "# From Jupyter\n\ntext");
    assert.equal(syncStatus(s.root, "00-x").state, "both-changed");
    assert.throws(
      () => syncNotebooks(s.root, [], { log: () => {} }),
      /src\/00-x\.ts and notebooks\/00-x\.ipynb were both changed.*--from=ipynb.*--from=src/,
    );
    assert.match(fs.readFileSync(s.src, "utf8"), /From source/);
    syncNotebooks(s.root, [], { from: "ipynb", log: () => {} });
    assert.match(fs.readFileSync(s.src, "utf8"), /# From Jupyter/);
    assert.equal(syncStatus(s.root, "00-x").state, "in-sync");
  });

  test("the build sees a Jupyter edit it would overwrite; outputs or a merge conflict are none", () => {
    const s = scratch(SOURCE);
    const rel = "notebooks/00-x.ipynb";
    editInJupyter(s.ipynb, 1, "const a = 1;\nconsole.log(a);");
    assert.equal(editedSinceSync(s.root, "00-x", rel, fs.readFileSync(s.ipynb, "utf8")), false);
    editInJupyter(s.ipynb, 1, "const a = 3;");
    assert.equal(editedSinceSync(s.root, "00-x", rel, fs.readFileSync(s.ipynb, "utf8")), true);
    assert.equal(editedSinceSync(s.root, "00-x", rel, "<<<<<<< HEAD\n{"), false);
  });

  test("a cell marker inside a code cell cannot be expressed in the source and says so", () => {
    assert.throws(
      () => toPercent([{ cell_type: "code", metadata: {}, source: ["a;\n", "// %%\n", "b;"] }]),
      /cell 1, line 2 is a cell marker/,
    );
  });
});
