/**
 * The test command's set-up on a bare machine, without a browser or a real apt-get: a fake
 * apt-get (a shell script that logs its arguments) stands in for Debian's, and CAE_CHROMIUM
 * points at a path that does not exist until the fake "installs" it. Also: the browser test
 * refuses to be skipped under CI=true, and the static checks cover the notebook sources.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { findRoot } from "../../lib/config";
import { runStaticChecks, staticChecks } from "../../scripts/run-tests";

const ROOT = findRoot(__dirname);
const SETUP = path.join(ROOT, "scripts", "setup.mjs");
const IS_ROOT = typeof process.getuid === "function" && process.getuid() === 0;

interface FakeMachine {
  dir: string;
  chromium: string;
  aptLog: string;
}

/** A scratch folder with a fake apt-get that logs its calls and, if `works`, creates the browser. */
function fakeMachine(works: boolean): FakeMachine {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cae-setup-"));
  const chromium = path.join(dir, "chromium");
  const aptLog = path.join(dir, "apt.log");
  const script = [
    "#!/bin/sh",
    `echo "$@" >> "${aptLog}"`,
    works
      ? `case "$*" in *install*chromium*) printf '#!/bin/sh\\n' > "${chromium}"; chmod +x "${chromium}";; esac`
      : "",
    works ? "exit 0" : 'case "$*" in *install*) echo "E: Unable to locate package chromium" >&2; exit 100;; esac',
  ].join("\n");
  fs.writeFileSync(path.join(dir, "apt-get"), `${script}\n`, { mode: 0o755 });
  return { dir, chromium, aptLog };
}

function runSetup(m: FakeMachine, extraEnv: NodeJS.ProcessEnv) {
  const env: NodeJS.ProcessEnv = { ...process.env, CAE_CHROMIUM: m.chromium, CAE_APT_GET: path.join(m.dir, "apt-get") };
  delete env.CAE_SKIP_BROWSER;
  delete env.CI;
  return spawnSync(process.execPath, [SETUP, "--browser", "--only=browser"], {
    cwd: ROOT,
    env: { ...env, ...extraEnv },
    encoding: "utf8",
  });
}

describe("setup installs Chromium for the test command", { skip: IS_ROOT ? false : "needs root (apt-get)" }, () => {
  test("no Chromium: it asks apt-get for it and goes on once it is there", () => {
    const m = fakeMachine(true);
    const r = runSetup(m, {});
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const calls = fs.readFileSync(m.aptLog, "utf8");
    assert.match(calls, /update/);
    assert.match(calls, /install -y .*chromium/);
    assert.ok(fs.existsSync(m.chromium));
  });

  test("Chromium present: apt-get is not called", () => {
    const m = fakeMachine(true);
    fs.writeFileSync(m.chromium, "#!/bin/sh\n", { mode: 0o755 });
    const r = runSetup(m, {});
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Chromium present/);
    assert.equal(fs.existsSync(m.aptLog), false);
  });

  test("not installable: it fails and says how to install it", () => {
    const m = fakeMachine(false);
    const r = runSetup(m, {});
    assert.equal(r.status, 1);
    assert.match(r.stderr, /apt-get install -y chromium/);
    assert.match(r.stderr, /CAE_CHROMIUM/);
  });

  test("CAE_SKIP_BROWSER=1 goes on without it, but never under CI=true", () => {
    const m = fakeMachine(false);
    const local = runSetup(m, { CAE_SKIP_BROWSER: "1" });
    assert.equal(local.status, 0, local.stdout + local.stderr);
    assert.match(local.stdout, /browser test will be skipped/);
    const ci = runSetup(m, { CAE_SKIP_BROWSER: "1", CI: "true" });
    assert.equal(ci.status, 1);
  });
});

test("the browser test fails rather than skips without Chromium under CI=true", () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CI: "true",
    CAE_SKIP_BROWSER: "1",
    CAE_CHROMIUM: "/nonexistent/chromium",
  };
  delete env.NODE_TEST_CONTEXT;
  const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
  const r = spawnSync(
    tsx,
    ["--test", "--test-reporter=tap", path.join(ROOT, "test", "e2e", "report-browser.test.ts")],
    {
      cwd: ROOT,
      env,
      encoding: "utf8",
    },
  );
  assert.notEqual(r.status, 0, `the browser test passed without a browser:\n${r.stdout}`);
  assert.match(r.stdout, /no Chromium at \/nonexistent\/chromium/);
  assert.doesNotMatch(r.stdout, /^# skipped [1-9]/m);
});

describe("static checks", () => {
  test("the notebook sources are type-checked, and a type error names file and line", () => {
    const tsc = path.join(ROOT, "node_modules", ".bin", "tsc");
    const listed = spawnSync(tsc, ["--listFilesOnly", "-p", "tsconfig.notebooks.json"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(listed.status, 0, listed.stdout + listed.stderr);
    const sources = fs.readdirSync(path.join(ROOT, "notebooks", "src")).filter((f) => f.endsWith(".ts"));
    assert.ok(sources.length >= 12);
    for (const f of sources) assert.ok(listed.stdout.includes(`notebooks/src/${f}`), `${f} is not type-checked`);

    // A notebook-like file in a scratch folder, importing lib/ the way notebooks do.
    const dir = fs.mkdtempSync(path.join(ROOT, ".tmp-typecheck-"));
    try {
      fs.writeFileSync(
        path.join(dir, "bad.ts"),
        'import { findRoot } from "./lib/config";\nconst n: number = findRoot(".");\n',
      );
      fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
          extends: "../tsconfig.notebooks.json",
          compilerOptions: { rootDirs: ["..", "."] },
          include: ["bad.ts"],
        }),
      );
      const ok = runStaticChecks(dir, [
        {
          name: "scratch type error (this failure is the expected result of a test)",
          command: tsc,
          args: ["--noEmit", "--pretty", "false", "-p", "."],
        },
      ]);
      assert.equal(ok, false);
      const r = spawnSync(tsc, ["--noEmit", "--pretty", "false", "-p", "."], { cwd: dir, encoding: "utf8" });
      assert.match(r.stdout, /bad\.ts\(2,7\): error TS2322/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the test command's checks are the type checks, the layer rule, the cell length and biome", () => {
    const names = staticChecks(ROOT).map((c) => c.name);
    assert.deepEqual(names, [
      "types: lib, scripts, test",
      "types: notebook sources",
      "layers: lib/ imports go one way, no circles",
      "notebook cells: at most MAX_CELL_LINES lines of code each",
      "format and lint (biome)",
    ]);
  });
});
