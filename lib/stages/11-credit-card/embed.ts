/** embed.ts */

import type { Row } from "../../runtime/rows";
import type { Matrix } from "../../runtime/matrix";
import { takeRows } from "../../runtime/matrix";
import type { Rng } from "../../runtime/rng";
import type { RowModel } from "../../models/types";
import { runUmapAsync } from "../../latent/umap";
import { fmtInt } from "../../anomaly/creditcard";

/**
 * Rows of the test split to embed: every fraud up to half the budget (a random sample
 * beyond), the rest normal rows at random, so frauds are visible next to hundreds of
 * times more normals. Without labels a plain random sample.
 * @returns ascending row indices (into `rows`' index space) and a note saying what was done.
 */
export function classBalancedSample(
  rows: Int32Array,
  labels: Int8Array | null,
  maxPoints: number,
  rng: Rng,
): { rows: Int32Array; note: string } {
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2))
    throw new Error(`maxPoints must be an integer >= 2 (config umapMaxPoints), got ${maxPoints}.`);
  const take = (pool: Int32Array, k: number): Int32Array =>
    pool.length <= k ? pool : Int32Array.from(rng.sampleIndices(pool.length, k), (p) => pool[p]!);
  if (!labels) {
    const out = take(rows, maxPoints).sort();
    return {
      rows: out,
      note: `${fmtInt(out.length)} of ${fmtInt(rows.length)} test rows${out.length < rows.length ? ", sampled at random" : ""}`,
    };
  }
  const frauds = rows.filter((i) => labels[i] === 1);
  const normals = rows.filter((i) => labels[i] === 0);
  const f = take(frauds, Math.floor(maxPoints / 2));
  const nn = take(normals, maxPoints - f.length);
  const out = Int32Array.from([...f, ...nn]).sort();
  return {
    rows: out,
    note: `${fmtInt(f.length)} of ${fmtInt(frauds.length)} test frauds and ${fmtInt(nn.length)} of ${fmtInt(normals.length)} test normals (frauds over-represented so that they are visible)`,
  };
}

/**
 * Embed each model's latent vectors of the same rows with UMAP (seeded per model) and
 * return scatter rows {model, class, u0, u1}.
 * @param groups `[rows.length]` class label of each embedded row.
 */
export async function embedLatents(
  models: { label: string; model: RowModel }[],
  X: Matrix,
  rows: Int32Array,
  groups: string[],
  rng: Rng,
  onProgress?: (label: string, epoch: number, total: number) => void,
): Promise<{ rows: Row[]; seconds: number }> {
  const t0 = Date.now();
  const input = takeRows(X, rows);
  const out: Row[] = [];
  for (const m of models) {
    const latents = m.model.encode(input);
    const res = await runUmapAsync(latents, {
      rng: rng.fork(`umap-${m.label}`),
      onProgress: (e, total) => onProgress?.(m.label, e, total),
    });
    for (let i = 0; i < res.embedding.rows; i++)
      out.push({
        model: m.label,
        class: groups[i]!,
        u0: res.embedding.data[2 * i]!,
        u1: res.embedding.data[2 * i + 1]!,
      });
  }
  return { rows: out, seconds: (Date.now() - t0) / 1000 };
}
