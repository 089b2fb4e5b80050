/**
 * The layer rule (scripts/layers.json, checked by scripts/check-layers.ts): the real lib/
 * passes, and an upward import, a sideways import and a circle in a small invented tree fail.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkLayers, importsOf, readRules, type LayerRules } from "../../scripts/check-layers";

const ROOT = path.resolve(__dirname, "../..");
const RULES: LayerRules = { layers: [["runtime"], ["stats"], ["latent", "anomaly"], ["viz"]] };

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cae-layers-"));
  const lib = path.join(dir, "lib");
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(lib, name)), { recursive: true });
    fs.writeFileSync(path.join(lib, name), body);
  }
  return lib;
}

describe("layer rule", () => {
  test("the project's lib/ follows it", () => {
    const v = checkLayers(path.join(ROOT, "lib"), readRules(path.join(ROOT, "scripts", "layers.json")));
    assert.deepEqual(
      v.map((x) => x.message),
      [],
    );
  });

  test("downward imports and imports inside a folder pass", () => {
    const lib = tree({
      "runtime/rng.ts": "export const a = 1;\n",
      "stats/roc.ts": 'import { a } from "../runtime/rng";\nexport const b = a;\n',
      "stats/boot.ts": 'import { b } from "./roc";\nexport const c = b;\n',
      "viz/chart.ts": 'import type { c } from "../stats/boot";\n',
    });
    assert.deepEqual(checkLayers(lib, RULES), []);
  });

  test("an upward import fails", () => {
    const lib = tree({
      "viz/chart.ts": "export type Spec = object;\n",
      "stats/roc.ts": 'import type { Spec } from "../viz/chart";\nexport const s: Spec = {};\n',
    });
    const v = checkLayers(lib, RULES);
    assert.equal(v.length, 1);
    assert.equal(v[0]!.kind, "upward");
    assert.match(v[0]!.message, /lib\/stats\/roc\.ts imports lib\/viz\/chart\.ts/);
  });

  test("a sideways import between folders of one layer fails", () => {
    const lib = tree({
      "latent/metrics.ts": "export const k = 15;\n",
      "anomaly/score.ts": 'export { k } from "../latent/metrics";\n',
    });
    const v = checkLayers(lib, RULES);
    assert.deepEqual(
      v.map((x) => x.kind),
      ["sideways"],
    );
  });

  test("a circle fails, even inside one folder", () => {
    const lib = tree({
      "stats/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
      "stats/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n',
    });
    const v = checkLayers(lib, RULES);
    assert.deepEqual(
      v.map((x) => x.kind),
      ["circle"],
    );
    assert.match(v[0]!.message, /lib\/stats\/a\.ts -> lib\/stats\/b\.ts -> lib\/stats\/a\.ts/);
  });

  test("a folder outside the rule file fails", () => {
    const lib = tree({ "pipeline/stage.ts": "export const x = 1;\n" });
    assert.equal(checkLayers(lib, RULES)[0]!.kind, "unknown-folder");
  });

  test("imports are read from static, re-export, dynamic and side-effect forms, not from comments", () => {
    const src = [
      'import { a } from "./a";',
      'import type {\n  B,\n} from "../b";',
      'export * from "./c";',
      'const d = await import("./d");',
      'import "./e";',
      '// import { z } from "./commented";',
      'import * as fs from "node:fs";',
    ].join("\n");
    assert.deepEqual(importsOf(src).sort(), ["../b", "./a", "./c", "./d", "./e"]);
  });
});
