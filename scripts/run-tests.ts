/**
 * Runs the test suite with Node's test runner (through tsx for TypeScript):
 *   unit tests  test/<area>/*.test.ts
 *   end-to-end  test/e2e/*.test.ts (executes every notebook on the ci profile, builds the
 *               report and checks it in a headless browser)
 *
 *   npm test                 static checks, then everything (after installing what is missing)
 *   npm run test:unit        unit tests only, no static checks
 *   tsx scripts/run-tests.ts test/data    one folder or file (no static checks)
 *
 * Static checks run first on a whole run (no targets, no --no-checks), and any failure
 * stops the run before the tests: the type check of everything that ships (lib/, scripts/,
 * test/ with tsconfig.json; the notebook sources with tsconfig.notebooks.json) and Biome's
 * formatter and linter (biome.json) over the same files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { findRoot } from "../lib/config";

function collect(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  if (fs.statSync(dir).isFile()) return [dir];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return e.name === "fixtures" ? [] : collect(p);
      return e.name.endsWith(".test.ts") ? [p] : [];
    })
    .sort();
}

/** One static check: a command whose non-zero exit fails the test run. */
interface StaticCheck {
  name: string;
  command: string;
  args: string[];
}

/** Runs the static checks in order; returns false (after printing the failure) when one fails. */
export function runStaticChecks(root: string, checks: StaticCheck[]): boolean {
  for (const check of checks) {
    const started = Date.now();
    const r = spawnSync(check.command, check.args, { cwd: root, encoding: "utf8" });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (r.status !== 0) {
      process.stdout.write(String(r.stdout ?? ""));
      process.stderr.write(String(r.stderr ?? ""));
      console.error(`static check failed: ${check.name} (${seconds} s). Fix the errors above (file:line).`);
      return false;
    }
    console.log(`static check passed: ${check.name} (${seconds} s)`);
  }
  return true;
}

/** The project's static checks, in the order they run. */
export function staticChecks(root: string): StaticCheck[] {
  const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
  return [
    {
      name: "types: lib, scripts, test",
      command: bin("tsc"),
      args: ["--noEmit", "--pretty", "false", "-p", "tsconfig.json"],
    },
    {
      name: "types: notebook sources",
      command: bin("tsc"),
      args: ["--noEmit", "--pretty", "false", "-p", "tsconfig.notebooks.json"],
    },
    {
      name: "layers: lib/ imports go one way, no circles",
      command: bin("tsx"),
      args: [path.join(root, "scripts", "check-layers.ts")],
    },
    {
      name: "notebook cells: at most MAX_CELL_LINES lines of code each",
      command: bin("tsx"),
      args: [path.join(root, "scripts", "check-notebook-cells.ts")],
    },
    {
      name: "format and lint (biome)",
      command: bin("biome"),
      args: ["ci", "--error-on-warnings", "--colors=off", "."],
    },
  ];
}

function main(): void {
  const root = findRoot(__dirname);
  const args = process.argv.slice(2);
  const unitOnly = args.includes("--unit");
  const checks = !args.includes("--no-checks") && args.every((a) => a.startsWith("--"));
  const targets = args.filter((a) => !a.startsWith("--"));
  let files = targets.length
    ? targets.flatMap((t) => collect(path.resolve(root, t)))
    : collect(path.join(root, "test"));
  if (unitOnly) files = files.filter((f) => !f.includes(`${path.sep}e2e${path.sep}`));
  // End-to-end tests last: they are slow and depend on everything else working.
  files.sort(
    (a, b) =>
      Number(a.includes(`${path.sep}e2e${path.sep}`)) - Number(b.includes(`${path.sep}e2e${path.sep}`)) ||
      a.localeCompare(b),
  );
  if (files.length === 0) {
    console.error(`No test files found under ${targets.join(", ") || "test/"}.`);
    process.exit(1);
  }
  if (checks && !runStaticChecks(root, staticChecks(root))) process.exit(1);
  const tsx = path.join(root, "node_modules", ".bin", "tsx");
  const r = spawnSync(tsx, ["--test", "--test-reporter=spec", ...files.map((f) => path.relative(root, f))], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, CAE_QUIET: "1" },
  });
  process.exit(r.status ?? 1);
}

if (require.main === module) main();
