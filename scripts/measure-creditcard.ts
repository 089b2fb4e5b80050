/**
 * The repeated-split protocol of notebook 11 on one labelled credit-card file, from the
 * command line: every model (AE, VAE, DAE, PCA) and the no-model anchors (Mahalanobis,
 * mean z²) on N stratified splits, mean ± sd of ROC-AUC and PR-AUC, and the findings.
 *
 *   npx tsx scripts/measure-creditcard.ts data/raw/creditcard.csv
 *   npx tsx scripts/measure-creditcard.ts FILE --splits 10          # more splits (default 5)
 *   npx tsx scripts/measure-creditcard.ts FILE --kinds ae,pca       # some models only
 *   npx tsx scripts/measure-creditcard.ts FILE --max-train 20000    # cap normal training rows (default 40,000)
 *   npx tsx scripts/measure-creditcard.ts FILE --epochs 50          # epoch cap (default CREDITCARD_MAX_EPOCHS)
 *   npx tsx scripts/measure-creditcard.ts FILE --seed 7 --json out.json
 *
 * The file must be in the ULB layout with a Class column (Time, V1..V28, Amount, Class; a
 * leading index column is fine). Everything random comes from --seed (default: the
 * project seed), so a run is reproducible.
 */
import * as fs from "node:fs";
import { DEFAULT_SEED, PROFILE_SETTINGS } from "../lib/config";
import { loadCreditCard } from "../lib/data/creditcard";
import { initBackend } from "../lib/runtime/backend";
import { makeRng } from "../lib/runtime/rng";
import { CREDITCARD_MODEL_KINDS, CREDITCARD_MAX_EPOCHS, type CreditCardModelKind } from "../lib/anomaly/creditcard";
import { MIN_REPORTED_SPLITS, runRepeatedSplits } from "../lib/stages/11-credit-card/repeated";

/** Parsed command line. */
interface Args {
  file: string;
  splits: number;
  kinds: CreditCardModelKind[];
  maxTrain: number;
  epochs: number;
  seed: number;
  json: string | null;
}

const USAGE =
  "usage: npx tsx scripts/measure-creditcard.ts FILE.csv [--splits N] [--kinds ae,vae,dae,pca] [--max-train N] [--epochs N] [--seed N] [--json OUT]";

function positiveInt(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${flag} needs a positive integer, got "${v}". ${USAGE}`);
  return n;
}

/** Parse argv (without node and the script). @throws with the usage on a bad flag. */
export function parseArgs(argv: string[]): Args {
  const out: Args = {
    file: "",
    splits: MIN_REPORTED_SPLITS,
    kinds: [...CREDITCARD_MODEL_KINDS],
    maxTrain: PROFILE_SETTINGS.default.creditCardMaxTrain,
    epochs: CREDITCARD_MAX_EPOCHS,
    seed: DEFAULT_SEED,
    json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => argv[++i];
    if (a === "--splits") out.splits = positiveInt(a, next());
    else if (a === "--max-train") out.maxTrain = positiveInt(a, next());
    else if (a === "--epochs") out.epochs = positiveInt(a, next());
    else if (a === "--seed") out.seed = positiveInt(a, next());
    else if (a === "--json") out.json = next() ?? "";
    else if (a === "--kinds") {
      const kinds = (next() ?? "").split(",").filter(Boolean);
      const bad = kinds.filter((k) => !(CREDITCARD_MODEL_KINDS as readonly string[]).includes(k));
      if (kinds.length === 0 || bad.length)
        throw new Error(
          `--kinds takes a comma list of ${CREDITCARD_MODEL_KINDS.join(", ")}; got "${kinds.join(",")}".`,
        );
      out.kinds = kinds as CreditCardModelKind[];
    } else if (a.startsWith("--")) throw new Error(`Unknown flag ${a}. ${USAGE}`);
    else if (out.file) throw new Error(`One file only; got "${out.file}" and "${a}". ${USAGE}`);
    else out.file = a;
  }
  if (!out.file) throw new Error(`Name the credit-card file. ${USAGE}`);
  if (out.json === "") throw new Error(`--json needs an output path. ${USAGE}`);
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(args.file)) throw new Error(`No file at ${args.file}. ${USAGE}`);
  await initBackend();
  const t0 = Date.now();
  const data = loadCreditCard(args.file);
  if (!data.labels) throw new Error(`${args.file} has no Class column: the protocol needs labels.`);
  const frauds = data.labels.reduce((a, b) => a + b, 0);
  console.log(
    `${args.file}: ${data.rows.toLocaleString("en-US")} rows, ${frauds} frauds; ${args.splits} stratified splits, models ${args.kinds.join(", ")}, seed ${args.seed}`,
  );
  const result = await runRepeatedSplits(data, {
    nSplits: args.splits,
    kinds: args.kinds,
    maxTrain: args.maxTrain,
    epochCap: args.epochs,
    rng: makeRng(args.seed).fork("creditcard-repeated"),
    seed: args.seed,
    onProgress: (s, kind) => process.stderr.write(`split ${s + 1}/${args.splits}: ${kind}\n`),
  });
  console.log(
    `split sizes: ${result.counts.map((c) => `${c.split} ${c.rows} (${c.frauds} frauds)`).join(", ")}; ${result.trainingRows} normal training rows\n`,
  );
  console.table(result.table);
  for (const f of result.findings) console.log(`- ${f}`);
  console.log(`\n${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (args.json)
    fs.writeFileSync(
      args.json,
      JSON.stringify(
        { file: args.file, args, summaries: result.summaries, measurements: result.measurements },
        null,
        2,
      ),
    );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
