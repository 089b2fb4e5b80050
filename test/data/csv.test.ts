import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  CsvReader,
  editDistance,
  findColumns,
  parseNumberCell,
  parseNumberFast,
  parseNumberText,
  type ColumnSpec,
} from "../../lib/data/csv";
import { DataError } from "../../lib/data/errors";
import { makeRng } from "../../lib/runtime/rng";
import { tmpFile } from "./support";

/** All rows of a file as arrays of texts with their line numbers. */
function readAll(
  file: string,
  options: ConstructorParameters<typeof CsvReader>[1] = {},
): { header: string[] | null; rows: { line: number; cells: string[] }[] } {
  const r = new CsvReader(file, options);
  const rows: { line: number; cells: string[] }[] = [];
  for (const row of r.rows()) {
    const cells: string[] = [];
    for (let i = 0; i < row.count; i++) cells.push(row.text(i));
    rows.push({ line: row.line, cells });
  }
  return { header: r.header, rows };
}

describe("CsvReader", () => {
  test("reads header and rows with 1-based line numbers, skipping blank lines", () => {
    const f = tmpFile("a.csv", "a,b,c\n1,2,3\n\n4,5,6\n");
    const { header, rows } = readAll(f);
    assert.deepEqual(header, ["a", "b", "c"]);
    assert.deepEqual(rows, [
      { line: 2, cells: ["1", "2", "3"] },
      { line: 4, cells: ["4", "5", "6"] },
    ]);
  });

  test("handles CRLF, a UTF-8 BOM and a missing final newline", () => {
    const f = tmpFile("b.csv", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("x,y\r\n1,2\r\n3,4")]));
    const { header, rows } = readAll(f);
    assert.deepEqual(header, ["x", "y"]);
    assert.deepEqual(
      rows.map((r) => r.cells),
      [
        ["1", "2"],
        ["3", "4"],
      ],
    );
  });

  test("handles quoted delimiters, doubled quotes and line breaks inside quotes", () => {
    const f = tmpFile("c.csv", 'name,note\n"Smith, J","said ""hi"""\n"multi\nline",x\nlast,"q"\n');
    const { rows } = readAll(f);
    assert.deepEqual(rows, [
      { line: 2, cells: ["Smith, J", 'said "hi"'] },
      { line: 3, cells: ["multi\nline", "x"] },
      { line: 5, cells: ["last", "q"] },
    ]);
  });

  test("gives the same rows for every chunk size (rows split across reads)", () => {
    const rng = makeRng(3);
    const lines = ["id,text,value"];
    for (let i = 0; i < 300; i++) {
      const quoted = rng.uniform() < 0.3;
      const text = quoted ? `"t,${i}\n""q"""` : `t${i}`;
      lines.push(`${i},${text},${(rng.uniform() * 1000).toFixed(3)}`);
    }
    const content = lines.join(rng.uniform() < 0.5 ? "\n" : "\r\n") + "\n";
    const f = tmpFile("d.csv", content);
    const ref = readAll(f);
    assert.equal(ref.rows.length, 300);
    for (const chunkBytes of [1024, 1500, 4096, 7777]) {
      const got = readAll(f, { chunkBytes });
      assert.deepEqual(got, ref, `chunk ${chunkBytes}`);
    }
  });

  test("a very long line grows the buffer", () => {
    const long = "x".repeat(5000);
    const f = tmpFile("e.csv", `a,b\n${long},1\n2,3\n`);
    const { rows } = readAll(f, { chunkBytes: 1024 });
    assert.equal(rows[0]!.cells[0]!.length, 5000);
    assert.deepEqual(rows[1]!.cells, ["2", "3"]);
  });

  test("empty file is a DataError saying so", () => {
    const f = tmpFile("empty.csv", "");
    assert.throws(
      () => new CsvReader(f),
      (e: unknown) => e instanceof DataError && /empty\.csv: the file is empty/.test(e.message) && e.line === null,
    );
  });

  test("a file of blank lines counts as empty", () => {
    const f = tmpFile("blank.csv", "\n\r\n\n");
    assert.throws(() => new CsvReader(f), /the file is empty/);
  });

  test("header only is a DataError naming the header", () => {
    const f = tmpFile("h.csv", "token,date,close\n");
    const r = new CsvReader(f);
    assert.throws(
      () => [...r.rows()],
      (e: unknown) => e instanceof DataError && /has a header \(token,date,close\) but no data rows/.test(e.message),
    );
  });

  test("a row with too few fields names its line", () => {
    const f = tmpFile("w.csv", "a,b,c\n1,2,3\n4,5\n");
    const r = new CsvReader(f);
    assert.throws(
      () => [...r.rows()],
      (e: unknown) => e instanceof DataError && e.line === 3 && /2 fields but the header has 3/.test(e.message),
    );
  });

  test("trailing empty fields beyond the header are tolerated", () => {
    const f = tmpFile("t.csv", "a,b\n1,2,\n");
    const { rows } = readAll(f);
    assert.deepEqual(rows[0]!.cells, ["1", "2"]);
  });

  test("an unterminated quote is a DataError", () => {
    const f = tmpFile("q.csv", 'a,b\n1,"open\n');
    assert.throws(() => [...new CsvReader(f).rows()], /quoted field is never closed/);
  });

  test("header auto-detection: numeric first cell means no header", () => {
    const f = tmpFile("k.csv", "1640995200000,1,2\n1640998800000,3,4\n");
    const r = new CsvReader(f, { header: "auto" });
    assert.equal(r.header, null);
    assert.equal([...r.rows()].length, 2);
    const g = tmpFile("k2.csv", "open_time,o,c\n1640995200000,1,2\n");
    const r2 = new CsvReader(g, { header: "auto" });
    assert.deepEqual(r2.header, ["open_time", "o", "c"]);
  });

  test("missing file is a DataError", () => {
    assert.throws(
      () => new CsvReader("/nonexistent/prices.csv"),
      (e: unknown) => e instanceof DataError && /does not exist/.test(e.message),
    );
  });

  test("row.num reports file, line and column name for a non-numeric cell", () => {
    const f = tmpFile("prices.csv", "token,close\nBTC,1\nBTC,abc\n");
    const r = new CsvReader(f);
    let err: unknown = null;
    try {
      for (const row of r.rows()) row.num(1);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof DataError);
    assert.equal(err.message, 'prices.csv:3: column "close": "abc" is not a number. Fix the value or remove the row.');
    assert.equal(err.line, 3);
    assert.equal(err.column, "close");
  });

  test("row.num uses the 1-based column index without a header", () => {
    const f = tmpFile("n.csv", "1,2\n3,x\n");
    const r = new CsvReader(f, { header: false });
    assert.throws(
      () => {
        for (const row of r.rows()) row.num(1);
      },
      (e: unknown) => e instanceof DataError && e.column === 2 && e.line === 2,
    );
  });
});

describe("number parsing", () => {
  const fast = (s: string): number => {
    const b = Buffer.from(s);
    return parseNumberFast(b, 0, b.length);
  };

  test("fast path equals Number() exactly on random decimals", () => {
    const rng = makeRng(11);
    for (let k = 0; k < 20000; k++) {
      const digits = 1 + rng.int(17);
      let s = "";
      for (let d = 0; d < digits; d++) s += String(rng.int(10));
      const dot = rng.int(digits + 1);
      s = s.slice(0, dot) + (dot < digits ? "." : "") + s.slice(dot);
      if (s.startsWith(".")) s = "0" + s;
      if (rng.uniform() < 0.3) s = "-" + s;
      if (rng.uniform() < 0.2) s += `e${rng.int(40) - 20}`;
      const v = fast(s);
      if (!Number.isNaN(v)) assert.equal(v, Number(s), s);
      const full = parseNumberText(s);
      assert.equal(full, Number(s), s);
    }
  });

  test("fast path covers typical price text and refuses the rest", () => {
    assert.equal(fast("46216.93000000"), 46216.93);
    assert.equal(fast("0.00002853"), 0.00002853);
    assert.equal(fast("105007978.40000000"), 105007978.4);
    assert.equal(fast("-0"), -0);
    assert.equal(fast("1e3"), 1000);
    assert.ok(Number.isNaN(fast("")));
    assert.ok(Number.isNaN(fast("1.2.3")));
    assert.ok(Number.isNaN(fast("abc")));
    assert.ok(Number.isNaN(fast("0.030087700113654137")), "17 digits take the slow path");
  });

  test("missing markers give NaN, inf gives Infinity, junk gives null", () => {
    for (const s of ["", "  ", "NaN", "nan", "NA", "null", "None"]) assert.ok(Number.isNaN(parseNumberText(s)), s);
    assert.equal(parseNumberText("Infinity"), Infinity);
    assert.equal(parseNumberText("-inf"), -Infinity);
    assert.equal(parseNumberText(" 12.5 "), 12.5);
    for (const s of ["abc", "1,234", "0x10", "12abc", "--1"]) assert.equal(parseNumberText(s), null, s);
  });

  test("parseNumberCell throws a located DataError", () => {
    assert.throws(
      () => parseNumberCell("12$", "f.json", null, "item 3, open"),
      (e: unknown) =>
        e instanceof DataError &&
        e.message === 'f.json: column "item 3, open": "12$" is not a number. Fix the value or remove the row.',
    );
  });
});

describe("findColumns", () => {
  const specs: ColumnSpec[] = [
    { key: "token", names: ["token"], required: true },
    { key: "close", names: ["close"], required: true },
    { key: "marketCap", names: ["market_cap", "marketcap"], required: false },
  ];

  test("matches names case-insensitively, optional columns map to -1", () => {
    assert.deepEqual(findColumns(["Close", " TOKEN "], specs, "f.csv", "test"), { token: 1, close: 0, marketCap: -1 });
    assert.deepEqual(findColumns(["token", "close", "Market Cap"], specs, "f.csv", "test"), {
      token: 0,
      close: 1,
      marketCap: 2,
    });
  });

  test("a misspelled column gets a did-you-mean and the expected list", () => {
    assert.throws(
      () => findColumns(["token", "clsoe"], specs, "f.csv", "test"),
      (e: unknown) =>
        e instanceof DataError &&
        /missing column "close" \(did you mean "clsoe"\?\)/.test(e.message) &&
        /expects columns token, close, \[market_cap\]/.test(e.message) &&
        /this file has: "token", "clsoe"/.test(e.message),
    );
  });

  test("edit distance", () => {
    assert.equal(editDistance("close", "clsoe"), 1);
    assert.equal(editDistance("volume", "volumn"), 1);
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("volume", "volume"), 0);
  });
});
