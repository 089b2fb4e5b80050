/**
 * Loader for the ULB credit-card fraud data (creditcard.csv): Time, V1..V28 (PCA
 * components), Amount and Class (1 = fraud), 284,807 rows in the full file.
 *
 * Files in the wild come with a leading unnamed index column (pandas' to_csv), with quoted
 * header names and values ("Time", "0"), and sometimes without Class (unlabelled data):
 * all are read, columns found by name. The loader streams the file (csv.ts) into Float32
 * features, so the full file loads in about a second. Unlike price data there is no repair
 * policy here: a non-numeric or non-finite cell, a value beyond ±MAX_CREDITCARD_ABS (which
 * would overflow float32), a negative Time or Amount, a Class other than 0/1, or a column
 * named twice is a DataError with file, line and column.
 */
import { CsvReader, findColumns, type ColumnSpec } from "./csv";
import { MAX_CREDITCARD_ABS } from "./limits";
import { CREDITCARD_FEATURE_NAMES, CREDITCARD_N_FEATURES, type CreditCardData } from "./creditcard-types";

/** The credit-card data shape and its column names, shared with the synthetic stand-in (re-exported). */
export type { CreditCardData } from "./creditcard-types";
export { CREDITCARD_FEATURE_NAMES, CREDITCARD_N_FEATURES } from "./creditcard-types";

/** Rows in the full ULB file (for capacity planning and sanity messages). */
export const CREDITCARD_FULL_ROWS = 284_807;

/** Bytes per row of the original file (150.3 MB / 284,807 rows = 528 B, rounded down so the first buffer is big enough). */
const BYTES_PER_ROW_ESTIMATE = 500;

const COLUMNS: ColumnSpec[] = [
  ...CREDITCARD_FEATURE_NAMES.map((name) => ({ key: name, names: [name.toLowerCase()], required: true, label: name })),
  { key: "Class", names: ["class"], required: false, label: "Class" },
];

/**
 * Read a creditcard.csv in the ULB layout (with or without a leading index column and
 * Class). Throws a DataError naming file, line and column for any bad cell.
 */
export function loadCreditCard(file: string): CreditCardData {
  const reader = new CsvReader(file, { header: true });
  const col = findColumns(reader.header!, COLUMNS, file, "ULB credit-card (creditcard.csv)");
  const idx = CREDITCARD_FEATURE_NAMES.map((name) => col[name]!);
  const iClass = col.Class!;
  const iTime = idx[0]!;
  const iAmount = idx[CREDITCARD_N_FEATURES - 1]!;
  const F = CREDITCARD_N_FEATURES;
  let cap = Math.max(1024, Math.ceil(reader.size / BYTES_PER_ROW_ESTIMATE));
  let feats = new Float32Array(cap * F);
  let time = new Float64Array(cap);
  let amount = new Float64Array(cap);
  let labels = iClass >= 0 ? new Int8Array(cap) : null;
  let n = 0;
  for (const row of reader.rows()) {
    if (n === cap) {
      cap *= 2;
      const f2 = new Float32Array(cap * F);
      f2.set(feats);
      feats = f2;
      const t2 = new Float64Array(cap);
      t2.set(time);
      time = t2;
      const a2 = new Float64Array(cap);
      a2.set(amount);
      amount = a2;
      if (labels) {
        const l2 = new Int8Array(cap);
        l2.set(labels);
        labels = l2;
      }
    }
    const base = n * F;
    for (let j = 0; j < F; j++) {
      const i = idx[j]!;
      const v = row.num(i);
      if (!Number.isFinite(v)) {
        throw row.error(
          i,
          `${row.isEmpty(i) ? "is empty" : `${JSON.stringify(row.text(i))} is not a finite number`}. The credit-card features must be complete: fix the value or remove the row.`,
        );
      }
      if (Math.abs(v) > MAX_CREDITCARD_ABS) {
        throw row.error(
          i,
          `${JSON.stringify(row.text(i).slice(0, 40))} is beyond the plausible magnitude ${MAX_CREDITCARD_ABS} (it would overflow the float32 feature matrix). Fix the value or remove the row.`,
        );
      }
      if ((i === iTime || i === iAmount) && v < 0) {
        throw row.error(
          i,
          `${JSON.stringify(row.text(i).slice(0, 40))} is negative; ${i === iTime ? "Time counts seconds since the first transaction" : "Amount is a transaction amount"} and cannot be below 0. Fix the value or remove the row.`,
        );
      }
      feats[base + j] = v;
      if (i === iTime) time[n] = v;
      if (i === iAmount) amount[n] = v;
    }
    if (labels) {
      const c = row.num(iClass);
      if (c !== 0 && c !== 1)
        throw row.error(
          iClass,
          `${JSON.stringify(row.text(iClass))} is not a class label. Class must be 0 (normal) or 1 (fraud).`,
        );
      labels[n] = c;
    }
    n++;
  }
  return {
    features: { data: feats.slice(0, n * F), rows: n, cols: F },
    featureNames: CREDITCARD_FEATURE_NAMES.slice(),
    time: time.slice(0, n),
    amount: amount.slice(0, n),
    labels: labels ? labels.slice(0, n) : null,
    unsupervised: labels === null,
    source: `ulb:${file}`,
    rows: n,
  };
}
