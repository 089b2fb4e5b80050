/** Test support for the data tests: temporary files and the real-sample folder. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Fixtures written for these tests (real layouts, hand-made values). */
export const FIXTURES = path.resolve(__dirname, "../fixtures/data");

/** Real public samples next to the repository; absent in a fresh clone (tests then skip). */
export const REAL = path.resolve(__dirname, "../../../shared/data/real");

let tmpRoot: string | null = null;

/** Write `content` to a fresh temporary file named `name` (removed when the process exits). */
export function tmpFile(name: string, content: string | Buffer): string {
  if (tmpRoot === null) {
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "data-test-"));
    const root = tmpRoot;
    process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
  }
  const dir = fs.mkdtempSync(path.join(tmpRoot, "f-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** A temporary folder holding the given files. */
export function tmpDir(files: Record<string, string | Buffer>): string {
  const first = Object.keys(files)[0]!;
  const dir = path.dirname(tmpFile(first, files[first]!));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

/** Long CSV header used by many bad-input tests. */
export const LONG_HEADER = "token,date,open,high,low,close,volume";
