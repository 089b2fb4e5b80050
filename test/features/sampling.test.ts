import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { dropNonFinite, stratifiedSample } from "../../lib/features/sampling";
import { makeRng } from "../../lib/runtime/rng";
import { isoToDay, dayToIso } from "../../lib/data/panel";
import { matrix } from "../../lib/runtime/matrix";

/**
 * 8 tokens over 2022-2023 (8 quarters, 4,160 rows); token t starts 60 t days late, so later
 * tokens have fewer rows and fewer quarters: 8, 8, 7, 7, 6, 5, 5, 4 = 50 token-quarters.
 * Rows sorted by (token, day).
 */
function panelKeys(): { token: Int32Array; day: Int32Array } {
  const start = isoToDay("2022-01-01");
  const end = isoToDay("2023-12-31");
  const token: number[] = [];
  const day: number[] = [];
  for (let t = 0; t < 8; t++) {
    for (let d = start + 60 * t; d <= end; d++) {
      token.push(t);
      day.push(d);
    }
  }
  return { token: Int32Array.from(token), day: Int32Array.from(day) };
}

const quarter = (day: number): string => {
  const iso = dayToIso(day);
  return `${iso.slice(0, 4)}Q${Math.floor((Number(iso.slice(5, 7)) - 1) / 3) + 1}`;
};

function strata(
  keys: { token: Int32Array; day: Int32Array },
  rows: ArrayLike<number>,
  bucket: (d: number) => string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    const key = `${keys.token[i]}|${bucket(keys.day[i]!)}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

const keys = panelKeys();
const n = keys.token.length;
const all = Int32Array.from({ length: n }, (_, i) => i);

describe("stratifiedSample", () => {
  test("covers every token x quarter, hits the budget exactly, sorted unique indices", () => {
    const s = stratifiedSample(keys, 200, makeRng(1));
    assert.equal(s.sampled, true);
    assert.equal(s.indices.length, 200);
    for (let k = 1; k < s.indices.length; k++) assert.ok(s.indices[k]! > s.indices[k - 1]!, "strictly increasing");
    assert.ok(s.indices[0]! >= 0 && s.indices[199]! < n);
    const present = strata(keys, all, quarter);
    const chosen = strata(keys, s.indices, quarter);
    assert.equal(n, 4160);
    assert.equal(present.size, 50);
    assert.deepEqual([...chosen.keys()].sort(), [...present.keys()].sort());
    assert.match(
      s.note,
      new RegExp(
        `^sampled 200 of ${n.toLocaleString("en-US")} rows, stratified by token and quarter \\(${present.size} strata, \\d+-\\d+ rows each\\)$`,
      ),
    );
  });

  test("allocation is proportional to stratum size", () => {
    const s = stratifiedSample(keys, 1000, makeRng(2));
    const perToken = new Array(8).fill(0);
    for (const i of s.indices) perToken[keys.token[i]!]++;
    const rowsPerToken = Array.from({ length: 8 }, (_, t) => keys.token.filter((x) => x === t).length);
    for (let t = 0; t < 8; t++) {
      const expected = (1000 * rowsPerToken[t]!) / n;
      assert.ok(Math.abs(perToken[t]! - expected) <= 0.1 * expected + 8, `token ${t}: ${perToken[t]} vs ${expected}`);
    }
  });

  test("same seed, same sample; another seed, another sample", () => {
    const a = stratifiedSample(keys, 300, makeRng(5));
    const b = stratifiedSample(keys, 300, makeRng(5));
    const c = stratifiedSample(keys, 300, makeRng(6));
    assert.deepEqual(a.indices, b.indices);
    assert.notDeepEqual(a.indices, c.indices);
  });

  test("at most maxPoints rows: all rows, not sampled", () => {
    const s = stratifiedSample(keys, n, makeRng(1));
    assert.equal(s.sampled, false);
    assert.deepEqual(s.indices, all);
    assert.match(s.note, /^all 4,160 rows used/);
  });

  test("too many quarter strata: coarsens to years and still covers every token-year", () => {
    const s = stratifiedSample(keys, 40, makeRng(1));
    assert.equal(s.indices.length, 40);
    const year = (d: number): string => dayToIso(d).slice(0, 4);
    assert.equal(strata(keys, s.indices, year).size, strata(keys, all, year).size);
    assert.match(s.note, /stratified by token and year .*quarter strata would outnumber the 40 points/);
  });

  test("month strata on request", () => {
    const s = stratifiedSample(keys, 600, makeRng(1), { bucket: "month" });
    const month = (d: number): string => dayToIso(d).slice(0, 7);
    assert.equal(strata(keys, s.indices, month).size, strata(keys, all, month).size);
    assert.match(s.note, /stratified by token and month/);
  });

  test("fewer points than tokens: one row each from distinct tokens", () => {
    const s = stratifiedSample(keys, 5, makeRng(3));
    assert.equal(s.indices.length, 5);
    assert.equal(new Set(Array.from(s.indices, (i) => keys.token[i])).size, 5);
    assert.match(s.note, /one row from each of 5 of 8 tokens/);
  });

  test("bad input is rejected", () => {
    assert.throws(
      () => stratifiedSample({ token: new Int32Array(3), day: new Int32Array(2) }, 2, makeRng(1)),
      /token has 3 rows but keys.day has 2/,
    );
    assert.throws(() => stratifiedSample(keys, 0, makeRng(1)), /maxPoints must be a positive integer, got 0/);
    assert.throws(
      () => stratifiedSample(keys, 10, makeRng(1), { bucket: "week" as never }),
      /Unknown time bucket "week"/,
    );
  });
});

describe("dropNonFinite", () => {
  test("drops rows with NaN or infinity and counts them", () => {
    const m = matrix(Float32Array.from([1, 2, NaN, 4, 5, 6, 7, Infinity, 9, 10]), 5, 2);
    const r = dropNonFinite(m);
    assert.equal(r.dropped, 2);
    assert.deepEqual(Array.from(r.kept), [0, 2, 4]);
    assert.deepEqual(Array.from(r.matrix.data), [1, 2, 5, 6, 9, 10]);
    assert.equal(r.matrix.rows, 3);
    assert.equal(r.matrix.cols, 2);
  });

  test("all finite: the same matrix, nothing dropped", () => {
    const m = matrix(Float32Array.from([1, 2, 3, 4]), 2, 2);
    const r = dropNonFinite(m);
    assert.equal(r.matrix, m);
    assert.equal(r.dropped, 0);
    assert.deepEqual(Array.from(r.kept), [0, 1]);
  });
});
