/**
 * A small finished run for report tests: the hand-made sections, manifests, run log and
 * notebook HTML of test/fixtures/report/ copied into a scratch CAE_OUT folder, plus real
 * figures rendered with saveFigure (SVG, PNG and vega-lite spec), some with a token symbol
 * that is an HTML injection attempt.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig, type Config } from "../../lib/config";
import { lineChart, scatter, barChart, type Row } from "../../lib/viz/charts";
import { saveFigure } from "../../lib/viz/render";

/** A token symbol that would run script if it reached the page unescaped. */
export const XSS_SYMBOL = "<img src=x onerror=alert(1)>";

/** The fixture folder (real layout: processed/ and notebooks/). */
export const FIXTURE_DIR = path.resolve(__dirname, "../fixtures/report");

/** Notebooks the fake project has; 04 failed in the run log, 05 never ran. */
export const FAKE_NOTEBOOKS = ["01-data-eda", "02-train-ae", "03-train-vae", "04-train-dae", "05-train-conv1d-ae"];

/** Figures the fixture sections reference and that fakeRun renders (vae-never-saved is missing on purpose). */
export const RENDERED_FIGURES = ["panel-coverage", "ae-loss", "vae-latent"];

/** A scratch folder for one test. */
export function scratchDir(prefix = "cae-report-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) fs.copyFileSync(path.join(from, name), path.join(to, name));
}

/**
 * Write the fake run into `out` and return its config (CAE_OUT=out, ci profile).
 * Charts are tiny, so this takes about a second (mostly loading vega).
 */
export async function fakeRun(out: string): Promise<Config> {
  const config = loadConfig({ CAE_OUT: out, CAE_PROFILE: "ci" });
  copyDir(path.join(FIXTURE_DIR, "processed"), config.paths.processed);
  copyDir(path.join(FIXTURE_DIR, "notebooks"), path.join(config.paths.report, "notebooks"));

  const coverage: Row[] = Array.from({ length: 30 }, (_, d) => ({
    day: d,
    tokens: 20 + Math.min(4, Math.floor(d / 6)),
  }));
  await saveFigure(
    config.paths.figures,
    "panel-coverage",
    barChart(coverage, {
      title: "Tokens per day",
      category: "day",
      value: "tokens",
      sort: null,
      horizontal: false,
      width: 420,
      height: 220,
    }),
  );

  const loss: Row[] = [];
  for (let epoch = 1; epoch <= 12; epoch++) {
    loss.push({ epoch, split: "train", loss: 0.05 / epoch + 0.01 });
    loss.push({ epoch, split: XSS_SYMBOL, loss: 0.055 / epoch + 0.012 });
  }
  await saveFigure(
    config.paths.figures,
    "ae-loss",
    lineChart(loss, { title: "AE loss", x: "epoch", y: "loss", series: "split", logY: true, points: true }),
  );

  const latent: Row[] = [];
  const symbols = ["BTC", "ETH", XSS_SYMBOL, "SOL & co"];
  for (let i = 0; i < 80; i++) {
    const s = symbols[i % symbols.length]!;
    latent.push({ z0: Math.sin(i * 0.7) * (1 + (i % 4)), z1: Math.cos(i * 1.3) * (1 + (i % 3)), token: s });
  }
  await saveFigure(
    config.paths.figures,
    "vae-latent",
    scatter(latent, { title: "VAE latent means", x: "z0", y: "z1", color: "token", tooltip: ["token", "z0", "z1"] }),
  );
  return config;
}
