#!/usr/bin/env node
/**
 * Installs what the project needs, only what is missing, and returns fast when nothing
 * changed. Plain JavaScript on purpose: it runs before the npm packages (and so before
 * TypeScript tooling) exist.
 *
 *   node scripts/setup.mjs            npm packages + Jupyter (nbclient, nbconvert)
 *   node scripts/setup.mjs --browser  also Chromium, required (the test command: the report's
 *                                     browser test must run, so a missing Chromium that cannot
 *                                     be installed is an error, not a skip)
 *   node scripts/setup.mjs --only=browser   just the Chromium step (used by the setup test)
 *   node scripts/setup.mjs --jupyter  npm packages + Jupyter Notebook for interactive use
 *                                     (`npm run jupyter`) + the notebook clean filter
 *   node scripts/setup.mjs --only=git-filter   just the clean filter (used by tests)
 *
 * The test command (--browser) also installs Jupyter Notebook (Debian's jupyter-notebook,
 * ~20 small packages next to Chromium's ~2 minutes): the end-to-end test of the notebook
 * user interface needs it, and under CI=true it fails rather than skips without it.
 *
 * Every mode that installs npm packages also configures git's clean filter for notebooks
 * (.gitattributes: notebooks/*.ipynb filter=cae-notebook; the filter is
 * scripts/notebook-format.cjs) in this clone's .git/config, so outputs and execution counts
 * a Jupyter session saves into a notebook never reach a commit or `git status`.
 *
 * npm packages: `npm ci` when package-lock.json changed since the last install (a stamp
 * in node_modules records its hash). Jupyter and Chromium: Debian's packages through
 * apt-get when missing and apt-get is usable (root); otherwise a message with the command
 * to run and a non-zero exit. CAE_SKIP_BROWSER=1 (never under CI=true) lets the tests run
 * without Chromium; the browser test is then skipped and says so. CAE_APT_GET names the
 * apt-get to call (tests use a fake one). Nothing is written outside the project except by
 * apt-get and npm's own cache.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WANT_BROWSER = process.argv.includes("--browser");
const ONLY = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length) ?? null;
const APT_GET = process.env.CAE_APT_GET || "apt-get";
const JUPYTER_PACKAGES = ["jupyter-nbconvert", "python3-nbclient", "jupyter-client"];
const BROWSER_PACKAGES = ["chromium"];
const NOTEBOOK_PACKAGES = ["jupyter-notebook"];
const WANT_NOTEBOOK = process.argv.includes("--jupyter");
/** git's name for the notebook clean filter (.gitattributes refers to it). */
const GIT_FILTER = "cae-notebook";
const GIT_FILTER_CLEAN = "node scripts/notebook-format.cjs";
/** apt-get waits this long for a dpkg lock held by another apt-get (seconds), then setup retries. */
const APT_LOCK_TIMEOUT_S = 600;
const APT_ATTEMPTS = 3;
const MIN_NODE = [20, 19];

function say(msg) {
  console.log(`[setup] ${msg}`);
}

function fail(msg) {
  console.error(`[setup] error: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, ...opts });
  return r.status === 0;
}

function quiet(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.status === 0;
}

function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    fail(
      `Node ${process.versions.node} is too old: need ${MIN_NODE.join(".")}+ (require() of ES modules, used for vega). Install Node 20 LTS or newer.`,
    );
  }
}

function installNpm() {
  const lock = join(ROOT, "package-lock.json");
  const hash = createHash("sha256")
    .update(readFileSync(join(ROOT, "package.json")))
    .update(existsSync(lock) ? readFileSync(lock) : "")
    .digest("hex");
  const stamp = join(ROOT, "node_modules", ".cae-install-stamp");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash && existsSync(join(ROOT, "node_modules", "tslab"))) {
    say("npm packages up to date");
    return;
  }
  say(existsSync(lock) ? "installing npm packages (npm ci)" : "installing npm packages (npm install)");
  const args = existsSync(lock) ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"];
  if (!run("npm", args)) fail("npm install failed (see above). The npm registry must be reachable.");
  writeFileSync(stamp, hash);
}

function jupyterPython() {
  for (const py of [process.env.CAE_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean)) {
    if (quiet(py, ["-c", "import nbclient, nbconvert, jupyter_client"])) return py;
  }
  return null;
}

function sleepSeconds(s) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, s * 1000);
}

/**
 * apt-get with a wait for the dpkg lock (another apt-get may be running: apt waits up to
 * APT_LOCK_TIMEOUT_S for it) and a few retries when it still reports a held lock (the lock
 * of the package lists, or one taken between two steps, makes apt-get fail at once).
 */
function aptGet(args, env) {
  for (let attempt = 1; attempt <= APT_ATTEMPTS; attempt++) {
    const r = spawnSync(APT_GET, ["-o", `DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_S}`, ...args], {
      cwd: ROOT,
      env,
      stdio: ["inherit", "inherit", "pipe"],
      encoding: "utf8",
    });
    process.stderr.write(r.stderr ?? "");
    if (r.status === 0) return true;
    if (
      attempt === APT_ATTEMPTS ||
      !/Could not get lock|Unable to acquire|is another process using it/i.test(r.stderr ?? "")
    )
      return false;
    say(`apt-get ${args[0]}: another apt-get holds the lock; retrying in 15 s`);
    sleepSeconds(15);
  }
  return false;
}

let aptUpdated = false;
function aptInstall(packages, what) {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !quiet("sh", ["-c", `command -v "${APT_GET}"`])) return false;
  say(`installing ${what} from Debian's packages: ${packages.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!aptUpdated) {
    if (!aptGet(["update", "-qq"], env)) return false;
    aptUpdated = true;
  }
  return aptGet(["install", "-y", "-qq", "--no-install-recommends", ...packages], env);
}

function ensureJupyter() {
  if (jupyterPython()) {
    say("Jupyter (nbclient, nbconvert) present");
    return;
  }
  if (aptInstall(JUPYTER_PACKAGES, "Jupyter") && jupyterPython()) return;
  fail(
    "Jupyter's nbclient and nbconvert are missing and could not be installed automatically.\n" +
      `  Debian/Ubuntu (as root): apt-get update && apt-get install -y --no-install-recommends ${JUPYTER_PACKAGES.join(" ")}\n` +
      "  Elsewhere: pip install nbclient nbconvert (then set CAE_PYTHON to that python if it is not /usr/bin/python3)",
  );
}

/**
 * The Python whose `jupyter notebook` (classic Notebook 6, Notebook 7) or JupyterLab can
 * serve the project's notebooks, with what it has; null when there is none.
 * @returns {{ python: string, app: "notebook" | "jupyterlab", version: string } | null}
 */
function notebookServer() {
  for (const py of [process.env.CAE_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean)) {
    for (const app of ["notebook", "jupyterlab"]) {
      const r = spawnSync(py, ["-c", `import ${app}; print(${app}.__version__)`], { encoding: "utf8" });
      if (r.status === 0) return { python: py, app, version: r.stdout.trim() };
    }
  }
  return null;
}

/** Jupyter Notebook for interactive use; `required`: fail when it cannot be installed. */
function ensureNotebookServer(required) {
  const found = notebookServer();
  if (found) {
    say(`Jupyter ${found.app === "notebook" ? "Notebook" : "Lab"} ${found.version} present`);
    return;
  }
  if (aptInstall(NOTEBOOK_PACKAGES, "Jupyter Notebook") && notebookServer()) return;
  const how =
    "Jupyter Notebook is missing and could not be installed automatically.\n" +
    `  Debian/Ubuntu (as root): apt-get update && apt-get install -y --no-install-recommends ${NOTEBOOK_PACKAGES.join(" ")}\n` +
    "  Elsewhere: pip install notebook (or: pip install jupyterlab), then set CAE_PYTHON to that python if it is not /usr/bin/python3";
  if (required) fail(how);
  say(`${how}\n  Going on without it; the notebook user-interface test will be skipped (outside CI).`);
}

/**
 * Configure git's clean filter for notebooks in this clone (.git/config), when the project
 * is a git working tree and the filter is not configured yet.
 */
function configureGitFilter() {
  const top = spawnSync("git", ["rev-parse", "--show-toplevel"], { cwd: ROOT, encoding: "utf8" });
  if (top.status !== 0 || realpathSync(top.stdout.trim()) !== realpathSync(ROOT)) return;
  const key = `filter.${GIT_FILTER}.clean`;
  const current = spawnSync("git", ["config", "--get", key], { cwd: ROOT, encoding: "utf8" });
  if (current.status === 0 && current.stdout.trim() === GIT_FILTER_CLEAN) return;
  if (!run("git", ["config", key, GIT_FILTER_CLEAN])) {
    say(`could not configure git's notebook filter; run: git config ${key} "${GIT_FILTER_CLEAN}"`);
    return;
  }
  say(`configured git's notebook clean filter (${key}): outputs saved in Jupyter stay out of commits`);
}

/** The browser the tests will use: CAE_CHROMIUM when set (and only it), else Debian's paths. */
function chromiumPath() {
  const candidates = process.env.CAE_CHROMIUM
    ? [process.env.CAE_CHROMIUM]
    : ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  for (const p of candidates) {
    if (existsSync(p)) return p;
  }
  return null;
}

function ensureBrowser() {
  if (chromiumPath()) {
    say("Chromium present");
    return;
  }
  if (aptInstall(BROWSER_PACKAGES, "Chromium") && chromiumPath()) return;
  const how =
    "Chromium is needed for the report's browser test and could not be installed automatically.\n" +
    `  Debian/Ubuntu (as root): apt-get update && apt-get install -y ${BROWSER_PACKAGES.join(" ")}\n` +
    "  Elsewhere: install Chromium or Chrome and set CAE_CHROMIUM to its executable.";
  if (process.env.CAE_SKIP_BROWSER === "1" && process.env.CI !== "true") {
    say(`${how}\n  CAE_SKIP_BROWSER=1: going on without it; the browser test will be skipped.`);
    return;
  }
  fail(`${how}\n  (To run the other tests without it, outside CI: CAE_SKIP_BROWSER=1 npm test.)`);
}

checkNode();
if (ONLY === "browser") {
  ensureBrowser();
} else if (ONLY === "git-filter") {
  configureGitFilter();
} else if (WANT_NOTEBOOK) {
  installNpm();
  ensureNotebookServer(true);
  configureGitFilter();
} else {
  installNpm();
  ensureJupyter();
  configureGitFilter();
  if (WANT_BROWSER) {
    ensureBrowser();
    ensureNotebookServer(process.env.CI === "true");
  }
}
