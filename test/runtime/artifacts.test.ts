import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig } from "../../lib/config";
import { ArtifactStore, columnsToMatrix, matrixColumns } from "../../lib/runtime/artifacts";
import { atomicWriteFile, atomicWriteWith, readJson } from "../../lib/runtime/files";
import { matrix } from "../../lib/runtime/matrix";

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "cae-art-"));
}

describe("atomic writes", () => {
  test("write then rename leaves no temp files", () => {
    const dir = scratch();
    const f = path.join(dir, "sub", "a.txt");
    atomicWriteFile(f, "hello");
    assert.equal(fs.readFileSync(f, "utf8"), "hello");
    assert.deepEqual(fs.readdirSync(path.dirname(f)), ["a.txt"]);
  });

  test("a failing writer keeps the old file and removes its temp file", () => {
    const dir = scratch();
    const f = path.join(dir, "b.txt");
    atomicWriteFile(f, "old");
    assert.throws(
      () =>
        atomicWriteWith(f, (tmp) => {
          fs.writeFileSync(tmp, "half");
          throw new Error("interrupted");
        }),
      /interrupted/,
    );
    assert.equal(fs.readFileSync(f, "utf8"), "old");
    assert.deepEqual(fs.readdirSync(dir), ["b.txt"]);
  });

  test("readJson names the file on bad JSON", () => {
    const dir = scratch();
    const f = path.join(dir, "bad.json");
    fs.writeFileSync(f, "{oops");
    assert.throws(() => readJson(f), new RegExp(`${f.replace(/[/.]/g, "\\$&")}: not valid JSON`));
  });
});

describe("ArtifactStore", () => {
  const out = scratch();
  const config = loadConfig({ CAE_OUT: out, CAE_PROFILE: "ci" });
  const store = new ArtifactStore(config);

  test("tables round-trip through Parquet with their types", () => {
    const t = {
      token: ["BTC", "<img src=x>", "ETH"],
      day: Int32Array.from([18000, 18001, 18002]),
      close: Float64Array.from([1.5, 2.25, 1e-9]),
      z0: Float32Array.from([0.5, -1, 2]),
    };
    const file = store.writeTable("demo", t);
    assert.ok(file.startsWith(out));
    const back = store.readTable("demo");
    assert.deepEqual(back.token, t.token);
    assert.deepEqual(Array.from(back.day as Int32Array), [18000, 18001, 18002]);
    assert.ok(back.close instanceof Float64Array);
    assert.deepEqual(Array.from(back.close as Float64Array), [1.5, 2.25, 1e-9]);
    assert.ok(back.z0 instanceof Float32Array);
  });

  test("unequal column lengths are rejected", () => {
    assert.throws(
      () => store.writeTable("bad", { a: Float64Array.from([1, 2]), b: Float64Array.from([1]) }),
      /column b has 1 rows, a has 2/,
    );
  });

  test("a missing artifact names the notebook to run first", () => {
    assert.throws(() => store.readTable("latents-vae"), /Run notebook 03-train-vae first/);
    assert.throws(() => store.readTable("errors-pca"), /Run notebook 02-train-ae first/);
    assert.throws(() => store.readJson("dataset"), /Run notebook 01-data-eda first/);
  });

  test("matrix columns round trip", () => {
    const m = matrix(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2);
    const back = columnsToMatrix(matrixColumns(m, "z"), "z");
    assert.deepEqual(Array.from(back.data), [1, 2, 3, 4, 5, 6]);
    assert.equal(back.cols, 2);
  });

  test("manifest records profile, seed, code version and metrics", () => {
    const file = store.writeManifest("unit", { metrics: { mse: 0.5 } });
    const m = readJson<Record<string, unknown>>(file);
    assert.equal(m.profile, "ci");
    assert.equal(m.seed, config.seed);
    assert.equal((m.metrics as Record<string, number>).mse, 0.5);
    assert.equal(typeof m.codeVersion, "string");
  });
});
