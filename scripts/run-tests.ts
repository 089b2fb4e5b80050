/**
 * Runs the test suite with Node's test runner (through tsx for TypeScript):
 *   unit tests  test/<area>/*.test.ts
 *   end-to-end  test/e2e/*.test.ts (executes every notebook on the ci profile, builds the
 *               report and checks it in a headless browser)
 *
 *   npm test                 everything (after installing what is missing)
 *   npm run test:unit        unit tests only
 *   tsx scripts/run-tests.ts test/data    one folder or file
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { findRoot } from "../lib/config";

function collect(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  if (fs.statSync(dir).isFile()) return [dir];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "fixtures" ? [] : collect(p);
    return e.name.endsWith(".test.ts") ? [p] : [];
  }).sort();
}

function main(): void {
  const root = findRoot(__dirname);
  const args = process.argv.slice(2);
  const unitOnly = args.includes("--unit");
  const targets = args.filter((a) => !a.startsWith("--"));
  let files = targets.length ? targets.flatMap((t) => collect(path.resolve(root, t))) : collect(path.join(root, "test"));
  if (unitOnly) files = files.filter((f) => !f.includes(`${path.sep}e2e${path.sep}`));
  // End-to-end tests last: they are slow and depend on everything else working.
  files.sort((a, b) => Number(a.includes(`${path.sep}e2e${path.sep}`)) - Number(b.includes(`${path.sep}e2e${path.sep}`)) || a.localeCompare(b));
  if (files.length === 0) {
    console.error(`No test files found under ${targets.join(", ") || "test/"}.`);
    process.exit(1);
  }
  const tsx = path.join(root, "node_modules", ".bin", "tsx");
  const r = spawnSync(tsx, ["--test", "--test-reporter=spec", ...files.map((f) => path.relative(root, f))], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, CAE_QUIET: "1" },
  });
  process.exit(r.status ?? 1);
}

main();
