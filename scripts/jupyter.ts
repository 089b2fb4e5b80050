/**
 * Starts Jupyter for working in the notebooks interactively (`npm run jupyter`, after
 * `node scripts/setup.mjs --jupyter` installed what was missing):
 *
 *   - the server finds the project's kernel and settings in jupyter/ (JUPYTER_PATH and
 *     JUPYTER_CONFIG_PATH), without writing anything into the home folder;
 *   - notebooks are saved without outputs (jupyter/cae_contents.py), so running and saving
 *     them leaves `git status` clean; the outputs are kept beside them and come back on reload;
 *   - the browser builds of vega, vega-lite and vega-embed are copied to
 *     jupyter/nbextensions/cae-vega/, from where chart outputs load them (no network);
 *   - it runs as root too (--allow-root), listens on 127.0.0.1 and prints the URL to open.
 *
 *   npm run jupyter                         classic Notebook (or Notebook 7 / JupyterLab)
 *   npm run jupyter -- --port=9999 --ip=0.0.0.0 --token=SECRET --lab
 *
 * Other arguments are passed to Jupyter as they are. CAE_PYTHON names the Python that has
 * Jupyter when it is not /usr/bin/python3.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { findRoot } from "../lib/config";
import { copyVendorScripts } from "../lib/report/assets";

/** Folder under jupyter/nbextensions/ that holds the vega browser builds (served at <base>nbextensions/cae-vega/). */
export const VEGA_NBEXTENSION = "cae-vega";

/** A Jupyter front end found on this machine. */
export interface NotebookServer {
  python: string;
  app: "notebook" | "jupyterlab";
  version: string;
}

/** The first Python with classic Notebook / Notebook 7 (or, with `preferLab`, JupyterLab). */
export function findNotebookServer(preferLab = false): NotebookServer | null {
  const apps: NotebookServer["app"][] = preferLab ? ["jupyterlab", "notebook"] : ["notebook", "jupyterlab"];
  for (const python of [process.env.CAE_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => !!p)) {
    for (const app of apps) {
      const r = spawnSync(python, ["-c", `import ${app}; print(${app}.__version__)`], { encoding: "utf8" });
      if (r.status === 0) return { python, app, version: r.stdout.trim() };
    }
  }
  return null;
}

/** Options of the launcher. */
export interface LaunchOptions {
  ip: string;
  port: number;
  token: string | null;
  lab: boolean;
  /** Arguments passed to Jupyter unchanged. */
  rest: string[];
}

/** Parse `--ip=`, `--port=`, `--token=`, `--lab`; everything else is passed through. */
export function parseLaunchArgs(argv: string[]): LaunchOptions {
  const options: LaunchOptions = { ip: "127.0.0.1", port: 8888, token: null, lab: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--(ip|port|token)(?:=(.*))?$/.exec(arg);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value, e.g. --${m[1]}=${m[1] === "port" ? 9999 : "x"}`);
      if (m[1] === "port") {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new Error(`--port=${value} is not a port number (0-65535).`);
        options.port = port;
      } else if (m[1] === "ip") options.ip = value;
      else options.token = value;
    } else if (arg === "--lab") options.lab = true;
    else options.rest.push(arg);
  }
  return options;
}

/** The command line that starts `server` for the project at `root`. */
export function serverCommand(root: string, server: NotebookServer, options: LaunchOptions): string[] {
  const classic = server.app === "notebook" && Number.parseInt(server.version, 10) < 7;
  const app = classic ? "NotebookApp" : "ServerApp";
  const args = [
    "-m",
    server.app,
    "--no-browser",
    `--ip=${options.ip}`,
    `--port=${options.port}`,
    `--${app}.${classic ? "notebook_dir" : "root_dir"}=${path.join(root, "notebooks")}`,
  ];
  if (options.token !== null) args.push(`--${app}.token=${options.token}`);
  if (typeof process.getuid === "function" && process.getuid() === 0) args.push("--allow-root");
  return [...args, ...options.rest];
}

/** Environment for the server: the project's kernel and settings first on Jupyter's search paths. */
export function serverEnv(root: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const jupyterDir = path.join(root, "jupyter");
  const prepend = (value: string | undefined) => [jupyterDir, ...(value ? [value] : [])].join(path.delimiter);
  return {
    ...env,
    JUPYTER_PATH: prepend(env.JUPYTER_PATH),
    JUPYTER_CONFIG_PATH: prepend(env.JUPYTER_CONFIG_PATH),
    // Connection files and the server's cookie secret stay in the project (git ignores it).
    JUPYTER_RUNTIME_DIR: env.JUPYTER_RUNTIME_DIR ?? path.join(root, ".jupyter-runtime"),
  };
}

/** The URL Jupyter logs for the user to open (with its token), if `line` holds one. */
export function urlInLine(line: string): string | null {
  const m = /(https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]|[\w.-]+):\d+\/[^\s]*)/.exec(line);
  return m && /token=|\/tree|\/lab/.test(m[1]!) ? m[1]! : null;
}

function main(): void {
  const root = findRoot(__dirname);
  const options = parseLaunchArgs(process.argv.slice(2));
  // Jupyter shows a token it was given as "...": make one here so the printed URL is usable.
  options.token ??= randomBytes(24).toString("hex");
  const server = findNotebookServer(options.lab);
  if (!server) {
    console.error(
      "Jupyter Notebook is not installed. Run `npm run jupyter` (it installs Debian's jupyter-notebook as root),\n" +
        "or: apt-get install -y --no-install-recommends jupyter-notebook, or: pip install notebook (or jupyterlab).",
    );
    process.exit(1);
  }
  copyVendorScripts(path.join(root, "jupyter", "nbextensions", VEGA_NBEXTENSION), [root]);
  const args = serverCommand(root, server, options);
  console.log(`[jupyter] ${server.app} ${server.version}, notebooks in ${path.join(root, "notebooks")}`);
  const child = spawn(server.python, args, { cwd: root, env: serverEnv(root), stdio: ["inherit", "inherit", "pipe"] });
  let announced = false;
  let pending = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const url = announced ? null : urlInLine(line)?.replace(/token=[^&\s]*/, `token=${options.token}`);
      if (url) {
        announced = true;
        console.log(
          `\n[jupyter] Open ${url}\n[jupyter] Kernel: "TypeScript (crypto-autoencoders)". Stop with Ctrl+C.\n`,
        );
      }
    }
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (require.main === module) main();
