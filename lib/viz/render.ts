/**
 * Headless rendering of vega-lite specs: compile to vega, render SVG without a browser
 * (vega's `renderer: "none"` + toSVG), rasterise to PNG with resvg. Figures are saved under
 * figures/ as <name>.svg, <name>.png and <name>.vl.json (the spec, for the interactive
 * report) with stable names, so slides can reuse them.
 */
import * as path from "node:path";
import { atomicWriteFile } from "../runtime/files";

/** A vega-lite specification (kept loose: the builders in charts.ts construct them). */
// biome-ignore lint/suspicious/noExplicitAny: vega-lite specs are open JSON objects
export type VlSpec = Record<string, any>;

// vega and vega-lite are ESM packages whose CommonJS builds load through require() on
// Node >= 20.19 (with the vega-canvas 1.x override); typed loosely on purpose.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vega = require("vega");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vegaLite = require("vega-lite");

/** Resolution multiplier for PNG export (2 = crisp on high-DPI screens and slides). */
const PNG_SCALE = 2;

/** The project's chart theme: readable fonts, light grid, one categorical palette. */
export const THEME: VlSpec = {
  font: "DejaVu Sans",
  background: "white",
  padding: 8,
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e8e8e8", domainColor: "#888", tickColor: "#888" },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start", offset: 10 },
  view: { stroke: "#ddd" },
  range: {
    category: [
      "#4c78a8",
      "#f58518",
      "#54a24b",
      "#e45756",
      "#72b7b2",
      "#b279a2",
      "#eeca3b",
      "#9d755d",
      "#ff9da6",
      "#bab0ac",
    ],
  },
};

/** Compile a vega-lite spec (with the theme) to a vega spec. */
export function compileSpec(spec: VlSpec): VlSpec {
  const withTheme = { ...spec, config: { ...THEME, ...(spec.config ?? {}) } };
  return vegaLite.compile(withTheme).spec;
}

/** Render a vega-lite spec to an SVG string. */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const view = new vega.View(vega.parse(compileSpec(spec)), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterise an SVG string to PNG bytes. */
export function svgToPng(svg: string, scale = PNG_SCALE): Uint8Array {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require("@resvg/resvg-js");
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    background: "white",
  });
  return resvg.render().asPng();
}

/** Files written for one figure. */
export interface SavedFigure {
  name: string;
  svgPath: string;
  pngPath: string;
  specPath: string;
  svg: string;
}

/** Safe figure file stem: lower-case letters, digits and dashes only. */
export function figureStem(name: string): string {
  const stem = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!stem) throw new Error(`Figure name "${name}" has no usable characters; use letters and digits.`);
  return stem;
}

/** Render and save a figure as SVG, PNG and its vega-lite spec under `dir`. */
export async function saveFigure(dir: string, name: string, spec: VlSpec): Promise<SavedFigure> {
  const stem = figureStem(name);
  const svg = await renderSvg(spec);
  const svgPath = path.join(dir, `${stem}.svg`);
  const pngPath = path.join(dir, `${stem}.png`);
  const specPath = path.join(dir, `${stem}.vl.json`);
  atomicWriteFile(svgPath, svg);
  atomicWriteFile(pngPath, svgToPng(svg));
  atomicWriteFile(specPath, JSON.stringify({ ...spec, config: { ...THEME, ...(spec.config ?? {}) } }));
  return { name: stem, svgPath, pngPath, specPath, svg };
}
