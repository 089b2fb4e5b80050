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
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WANT_BROWSER = process.argv.includes("--browser");
const ONLY = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length) ?? null;
const APT_GET = process.env.CAE_APT_GET || "apt-get";
/** Wait for another apt/dpkg run (e.g. unattended upgrades) instead of failing at once. */
const APT_LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=600"];
const JUPYTER_PACKAGES = ["jupyter-nbconvert", "python3-nbclient", "jupyter-client"];
const BROWSER_PACKAGES = ["chromium"];
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

let aptUpdated = false;
function aptInstall(packages, what) {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !quiet("sh", ["-c", `command -v "${APT_GET}"`])) return false;
  say(`installing ${what} from Debian's packages: ${packages.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!aptUpdated) {
    if (!run(APT_GET, ["update", "-qq", ...APT_LOCK_WAIT], { env })) return false;
    aptUpdated = true;
  }
  return run(APT_GET, ["install", "-y", "-qq", "--no-install-recommends", ...APT_LOCK_WAIT, ...packages], { env });
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
} else {
  installNpm();
  ensureJupyter();
  if (WANT_BROWSER) ensureBrowser();
}
