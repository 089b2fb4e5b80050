/**
 * df_latents and emb_df: the latent codes of one model keyed by token and day, as they
 * travel between notebooks.
 *
 * Each model notebook (02-05) saves `latents-<model>` (token id, symbol, sector, day, ISO
 * date, optionally the split, then z0, z1, ...); the latent-space notebook reads them back
 * here as typed arrays (`LatentFrame`), samples and embeds them, and writes the embedding
 * with the same keys and columns u0, u1 (`embeddingTable`). Token ids, not positions, are
 * stored, so a table stays meaningful when read with another token list; reading maps the
 * ids back to positions in the caller's list and names any id it does not know.
 */
import type { Matrix } from "../runtime/matrix";
import { takeRows } from "../runtime/matrix";
import type { ArtifactStore, Table } from "../runtime/artifacts";
import { columnsToMatrix, matrixColumns } from "../runtime/artifacts";
import { MODEL_PRODUCERS } from "../runtime/model-registry";
import type { TokenInfo } from "../data/panel";
import { dayToIso } from "../data/panel";

/** The notebook that writes each model's latents, for "run this first" errors (one table for the project: MODEL_PRODUCERS). */
export const LATENT_PRODUCERS: Readonly<Record<string, string>> = MODEL_PRODUCERS;

/** Sector text stored for tokens whose sector is unknown (as the model notebooks write it). */
export const UNKNOWN_SECTOR = "unknown";

/** Latent column prefix: z0, z1, ... */
export const LATENT_PREFIX = "z";
/** Embedding column prefix: u0, u1, ... */
export const EMBEDDING_PREFIX = "u";

/** One model's latent codes keyed by (token, day); row i of `latents` belongs to key i. */
export interface LatentFrame {
  /** Model name, as in the artifact name `latents-<model>`. */
  model: string;
  /** Token index per row (into the token list the frame was built or read with). */
  token: Int32Array;
  /** UTC day number per row. */
  day: Int32Array;
  /** `[nRows, latentDim]`. */
  latents: Matrix;
  /** Split name per row (train / validation / test) when known. */
  split?: string[];
}

/** The artifact name of a model's latents. */
export function latentArtifactName(model: string): string {
  return `latents-${model}`;
}

function checkModel(model: string): void {
  if (typeof model !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(model)) {
    throw new Error(
      `Model name ${JSON.stringify(model)} cannot name an artifact: use letters, digits, "_", "." or "-" (e.g. "ae", "conv1d").`,
    );
  }
}

/**
 * Build a LatentFrame, checking that keys and latents describe the same rows and that
 * every token index is in the token list.
 * @param args.latents `[n, latentDim]`; args.token, args.day: n entries each.
 */
export function latentFrame(args: {
  model: string;
  latents: Matrix;
  token: Int32Array;
  day: Int32Array;
  tokens: TokenInfo[];
  split?: string[];
}): LatentFrame {
  const { model, latents, token, day, tokens, split } = args;
  checkModel(model);
  const n = latents.rows;
  if (latents.data.length !== latents.rows * latents.cols) {
    throw new Error(
      `Latents of ${model} have ${latents.data.length} values but shape [${latents.rows}, ${latents.cols}]; build them with matrix().`,
    );
  }
  if (token.length !== n || day.length !== n) {
    throw new Error(
      `Latents of ${model} have ${n} rows but token has ${token.length} and day has ${day.length}; pass the keys of the encoded rows, in order.`,
    );
  }
  if (split && split.length !== n) throw new Error(`Latents of ${model} have ${n} rows but split has ${split.length}.`);
  for (let i = 0; i < n; i++) {
    const t = token[i]!;
    if (!(t >= 0 && t < tokens.length))
      throw new Error(
        `Latents of ${model}, row ${i}: token index ${t} is not in the token list (0..${tokens.length - 1}).`,
      );
  }
  return split ? { model, token, day, latents, split } : { model, token, day, latents };
}

/** The rows of a frame at the given row numbers (e.g. a sample, or the finite rows), copied. */
export function takeFrameRows(frame: LatentFrame, rows: ArrayLike<number>): LatentFrame {
  const n = frame.token.length;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    if (!Number.isInteger(r) || r < 0 || r >= n)
      throw new Error(`takeFrameRows: rows[${k}] = ${r} is not a row of the ${frame.model} frame (0..${n - 1}).`);
  }
  const out: LatentFrame = {
    model: frame.model,
    token: Int32Array.from(rows, (r) => frame.token[r]!),
    day: Int32Array.from(rows, (r) => frame.day[r]!),
    latents: takeRows(frame.latents, rows),
  };
  if (frame.split) out.split = Array.from(rows, (r) => frame.split![r]!);
  return out;
}

/** Key columns shared by df_latents and emb_df. */
function keyColumns(frame: LatentFrame, tokens: TokenInfo[]): Table {
  const info = (t: number): TokenInfo => {
    const tok = tokens[t];
    if (!tok)
      throw new Error(
        `The ${frame.model} frame refers to token index ${t} but the token list has ${tokens.length} tokens; pass the list it was built with.`,
      );
    return tok;
  };
  const table: Table = {
    token: Array.from(frame.token, (t) => info(t).id),
    symbol: Array.from(frame.token, (t) => info(t).symbol),
    sector: Array.from(frame.token, (t) => info(t).sector ?? UNKNOWN_SECTOR),
    day: frame.day,
    date: Array.from(frame.day, dayToIso),
  };
  if (frame.split) table.split = frame.split;
  return table;
}

/**
 * df_latents as a table for `ArtifactStore.writeTable(latentArtifactName(model), ...)`:
 * token (id), symbol, sector ("unknown" when not known), day (Int32 UTC day number), date
 * (ISO), split (when the frame has it), z0..z{d-1} (Float32).
 */
export function latentFrameTable(frame: LatentFrame, tokens: TokenInfo[]): Table {
  return { ...keyColumns(frame, tokens), ...matrixColumns(frame.latents, LATENT_PREFIX) };
}

/**
 * emb_df: the embedding of a frame's rows with the same keys, plus model and u0, u1, ...
 * @param frame the rows that were embedded (e.g. `takeFrameRows(frame, sample.indices)`).
 * @param embedding `[frame rows, nComponents]`, row i embeds frame row i.
 */
export function embeddingTable(frame: LatentFrame, embedding: Matrix, tokens: TokenInfo[]): Table {
  if (embedding.rows !== frame.token.length) {
    throw new Error(
      `The embedding has ${embedding.rows} rows but the ${frame.model} frame has ${frame.token.length}; embed exactly the frame's rows (subset the frame with takeFrameRows first).`,
    );
  }
  return {
    model: Array.from(frame.token, () => frame.model),
    ...keyColumns(frame, tokens),
    ...matrixColumns(embedding, EMBEDDING_PREFIX),
  };
}

/**
 * Read a model's df_latents (`latents-<model>`) back as a LatentFrame whose token indices
 * point into `tokens`. A missing table is an error naming the notebook that writes it.
 * @throws when the table is missing, lacks key or z columns, or names a token id that is not in `tokens`.
 */
export function readLatentFrame(store: ArtifactStore, model: string, tokens: TokenInfo[]): LatentFrame {
  checkModel(model);
  const name = latentArtifactName(model);
  if (!store.hasTable(name)) {
    const producer = LATENT_PRODUCERS[model];
    const hint = producer
      ? `Run notebook ${producer} first (npm run notebook -- ${producer.slice(0, 2)}); it trains ${model} and saves its latents.`
      : `No notebook is known to write latents of "${model}" (known models: ${Object.keys(LATENT_PRODUCERS).join(", ")}); run the notebook that trains it first.`;
    throw new Error(`Missing artifact "${name}" (${store.tablePath(name)}). ${hint}`);
  }
  const table = store.readTable(name);
  const where = `${name} (${store.tablePath(name)})`;
  const ids = table.token;
  const days = table.day;
  if (!Array.isArray(ids) || typeof ids[0] === "boolean")
    throw new Error(`${where} has no text column "token"; it was not written by latentFrameTable or a model notebook.`);
  if (!(days instanceof Int32Array || days instanceof Float64Array))
    throw new Error(
      `${where} has no integer column "day"; it was not written by latentFrameTable or a model notebook.`,
    );
  const position = new Map<string, number>();
  tokens.forEach((t, i) => position.set(t.id, i));
  const n = ids.length;
  const token = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = position.get(ids[i] as string);
    if (p === undefined)
      throw new Error(
        `${where}, row ${i}: token id "${ids[i]}" is not in the token list given (${tokens.length} tokens); read it with the panel's tokens.`,
      );
    token[i] = p;
  }
  const day = days instanceof Int32Array ? days : Int32Array.from(days);
  const latents = columnsToMatrix(table, LATENT_PREFIX);
  const split = table.split;
  const frame: LatentFrame = { model, token, day, latents };
  if (Array.isArray(split) && (split.length === 0 || typeof split[0] === "string")) frame.split = split as string[];
  return frame;
}
