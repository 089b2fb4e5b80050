import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CREDITCARD_FEATURE_NAMES, loadCreditCard } from "../../lib/data/creditcard";
import { DataError } from "../../lib/data/errors";
import { FIXTURES, REAL, tmpFile } from "./support";

const HEADER = ["Time", ...Array.from({ length: 28 }, (_, i) => `V${i + 1}`), "Amount", "Class"];

describe("credit-card loader", () => {
  test("ULB layout with a leading index column and Class", () => {
    const d = loadCreditCard(path.join(FIXTURES, "creditcard", "creditcard_small.csv"));
    assert.equal(d.rows, 6);
    assert.equal(d.features.rows, 6);
    assert.equal(d.features.cols, 30);
    assert.ok(d.features.data instanceof Float32Array);
    assert.equal(d.features.data.length, 180);
    assert.deepEqual(d.featureNames, CREDITCARD_FEATURE_NAMES);
    assert.deepEqual([...d.time], [1, 38, 75, 112, 149, 186]);
    assert.deepEqual([...d.amount], [0.99, 13.49, 25.99, 38.49, 50.99, 63.49]);
    assert.deepEqual([...d.labels!], [0, 0, 0, 1, 0, 0]);
    assert.equal(d.unsupervised, false);
    // row 0: Time first, V1 second, Amount last (index column skipped)
    assert.equal(d.features.data[0], 1);
    assert.equal(d.features.data[1], Math.fround(-1.3513513514));
    assert.equal(d.features.data[29], Math.fround(0.99));
    assert.ok(d.source.endsWith("creditcard_small.csv"));
  });

  test("quoted header (original Kaggle file) without Class: unsupervised", () => {
    const d = loadCreditCard(path.join(FIXTURES, "creditcard", "creditcard_unlabelled.csv"));
    assert.equal(d.rows, 3);
    assert.equal(d.labels, null);
    assert.equal(d.unsupervised, true);
    assert.equal(d.amount[0], 149.62);
    assert.equal(d.features.data[30 + 1], Math.fround(-0.1));
  });

  test("a non-numeric cell names file, line and column", () => {
    const row = Array.from({ length: 30 }, (_, i) => String(i));
    row[5] = "oops";
    const f = tmpFile(
      "creditcard.csv",
      `${HEADER.join(",")}\n${Array(30).fill("1").join(",")},0\n${row.join(",")},1\n`,
    );
    assert.throws(
      () => loadCreditCard(f),
      (e: unknown) =>
        e instanceof DataError &&
        e.message === 'creditcard.csv:3: column "V5": "oops" is not a number. Fix the value or remove the row.',
    );
  });

  test("an empty or infinite feature and a bad class are DataErrors", () => {
    const ok = Array(30).fill("1");
    const empty = [...ok];
    empty[30 - 1] = "";
    const f = tmpFile("creditcard.csv", `${HEADER.join(",")}\n${empty.join(",")},0\n`);
    assert.throws(
      () => loadCreditCard(f),
      (e: unknown) => e instanceof DataError && e.column === "Amount" && /is empty/.test(e.message),
    );
    const inf = [...ok];
    inf[0] = "inf";
    const g = tmpFile("creditcard.csv", `${HEADER.join(",")}\n${inf.join(",")},0\n`);
    assert.throws(
      () => loadCreditCard(g),
      (e: unknown) => e instanceof DataError && e.column === "Time" && /not a finite number/.test(e.message),
    );
    const h = tmpFile("creditcard.csv", `${HEADER.join(",")}\n${ok.join(",")},2\n`);
    assert.throws(
      () => loadCreditCard(h),
      (e: unknown) =>
        e instanceof DataError && e.column === "Class" && /Class must be 0 \(normal\) or 1 \(fraud\)/.test(e.message),
    );
  });

  test("missing V columns are listed", () => {
    const f = tmpFile("creditcard.csv", "Time,V1,V2,Amount,Class\n0,1,2,3,0\n");
    assert.throws(
      () => loadCreditCard(f),
      (e: unknown) =>
        e instanceof DataError &&
        /missing columns "V3", "V4"/.test(e.message) &&
        /this file has: "Time", "V1", "V2", "Amount", "Class"/.test(e.message),
    );
  });

  test("empty file and header only", () => {
    assert.throws(() => loadCreditCard(tmpFile("creditcard.csv", "")), /the file is empty/);
    assert.throws(() => loadCreditCard(tmpFile("creditcard.csv", HEADER.join(",") + "\n")), /but no data rows/);
  });

  test("buffers grow past the size estimate", () => {
    const lines = [HEADER.join(",")];
    for (let i = 0; i < 3000; i++) lines.push(`${i},${Array(28).fill("0").join(",")},1,${i % 2}`);
    const d = loadCreditCard(tmpFile("creditcard.csv", lines.join("\n")));
    assert.equal(d.rows, 3000);
    assert.equal(d.time[2999], 2999);
    assert.equal(d.labels![2999], 1);
    assert.equal(d.features.data.length, 3000 * 30);
  });

  test("real ULB sample (all 492 frauds + 1,230 normal rows)", {
    skip: !fs.existsSync(REAL) && "no real samples",
  }, () => {
    const d = loadCreditCard(path.join(REAL, "creditcard_ulb_subset", "creditcard_sample.csv"));
    assert.equal(d.rows, 1722);
    assert.equal(
      d.labels!.reduce((s, v) => s + v, 0),
      492,
    );
    assert.equal(d.features.cols, 30);
    for (const v of d.features.data) assert.ok(Number.isFinite(v));
  });
});
