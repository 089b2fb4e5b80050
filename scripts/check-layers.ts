/**
 * The layer rule of lib/, checked: every relative import in lib/ must point to the same
 * folder or to a lower layer (never up, never sideways to another folder of the same
 * layer), and no chain of imports may come back to where it started. The layers are read
 * from scripts/layers.json (bottom first); docs/ARCHITECTURE.md explains them.
 *
 *   npx tsx scripts/check-layers.ts          # exit 1 with one line per violation
 *
 * Type-only imports count too: a type is part of the contract between layers.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The rule file: layers bottom first; each layer lists its folders (a root file counts by its stem). */
export interface LayerRules {
  layers: string[][];
}

/** One import that breaks the rule, or one circle. */
export interface LayerViolation {
  kind: "upward" | "sideways" | "unknown-folder" | "circle";
  message: string;
}

const IMPORT_RE = /(?:^|[\s;}])(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const SIDE_EFFECT_RE = /(?:^|[\s;])import\s*["']([^"']+)["']/g;

/** Relative module specifiers imported by a TypeScript source (comments stripped). */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/(^|[^:"'`])\/\/[^\n]*/g, "$1");
  const out: string[] = [];
  for (const m of code.matchAll(IMPORT_RE)) out.push((m[1] ?? m[2])!);
  for (const m of code.matchAll(SIDE_EFFECT_RE)) out.push(m[1]!);
  return out.filter((s) => s.startsWith("."));
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out.sort();
}

function resolveImport(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, "index.ts"), base]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

/** The folder (or root-file stem) a lib file belongs to: lib/stats/roc.ts -> "stats", lib/config.ts -> "config". */
export function folderOf(libDir: string, file: string): string {
  const rel = path.relative(libDir, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.ts$/, "");
}

/**
 * Check every file under `libDir` against `rules`.
 * @returns the violations (empty when the rule holds), in a stable order.
 */
export function checkLayers(libDir: string, rules: LayerRules): LayerViolation[] {
  const level = new Map<string, number>();
  rules.layers.forEach((names, i) => {
    for (const n of names) level.set(n, i);
  });
  const files = listTs(libDir);
  const graph = new Map<string, string[]>();
  const out: LayerViolation[] = [];
  const rel = (f: string) => path.relative(path.dirname(libDir), f);
  for (const f of files) {
    const from = folderOf(libDir, f);
    const deps: string[] = [];
    if (!level.has(from)) {
      out.push({
        kind: "unknown-folder",
        message: `${rel(f)}: folder "${from}" is in no layer of the rule file; add it to scripts/layers.json.`,
      });
    }
    for (const spec of importsOf(fs.readFileSync(f, "utf8"))) {
      const target = resolveImport(f, spec);
      if (target === null || !target.startsWith(libDir + path.sep)) continue;
      deps.push(target);
      const to = folderOf(libDir, target);
      if (to === from || !level.has(from) || !level.has(to)) continue;
      const a = level.get(from)!;
      const b = level.get(to)!;
      if (b > a) {
        out.push({
          kind: "upward",
          message: `${rel(f)} imports ${rel(target)}: ${from} (layer ${a}) must not import ${to} (layer ${b}, above it).`,
        });
      } else if (b === a) {
        out.push({
          kind: "sideways",
          message: `${rel(f)} imports ${rel(target)}: ${from} and ${to} share layer ${a} and must not import each other; move the shared code down a layer.`,
        });
      }
    }
    graph.set(f, deps);
  }
  for (const cycle of circles(graph)) {
    out.push({ kind: "circle", message: `import circle: ${[...cycle, cycle[0]!].map(rel).join(" -> ")}` });
  }
  return out;
}

/** Strongly connected components with more than one file (or a file importing itself), by Tarjan's algorithm. */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.reverse());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** Read the rule file, failing with its path on a bad shape. */
export function readRules(file: string): LayerRules {
  const rules = JSON.parse(fs.readFileSync(file, "utf8")) as LayerRules;
  if (!Array.isArray(rules.layers) || !rules.layers.every((l) => Array.isArray(l) && l.length > 0)) {
    throw new Error(`${file}: "layers" must be a list of non-empty lists of folder names, bottom layer first.`);
  }
  return rules;
}

function main(): void {
  const root = path.resolve(__dirname, "..");
  const violations = checkLayers(path.join(root, "lib"), readRules(path.join(__dirname, "layers.json")));
  for (const v of violations) console.error(`${v.kind}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} layer violation(s); the layer order is in docs/ARCHITECTURE.md.`);
    process.exit(1);
  }
  console.log("layers: every lib/ import goes down a layer or stays in its folder; no import circle.");
}

if (require.main === module) main();
