import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import {
  crc32,
  extractZipEntry,
  readZip,
  readZipEntries,
  writeZip,
  ZipError,
  METHOD_DEFLATE,
  METHOD_STORED,
} from "../../lib/data/download/zip";
import { makeRng } from "../../lib/runtime/rng";

/** An archive written by Python's zipfile (one deflated CSV, one stored text, a comment): an independent writer. */
const PYTHON_ZIP_BASE64 =
  "UEsDBBQAAAAIAAAAQVL4esZ9igAAAAABAAAWAAAAQlRDVVNEVC0xZC0yMDIxLTAxLmNzdjWPQZIEQQgC7/MWwxAoLf3/x9bumfUmgSSiYk4O4xljD+Ul41SEv0rxeN5VJHiN5UHThxmAYc/zZM4zhmwmq9eoMghnsBF3DV5IStaBwbDTRxaf33398C/jhkn6x88pT5mI274B4JLkfaXiyy9hvvwTV6GoOs42Lr0yrIr7lHK7wBj3KQ7Jd4vPH1BLAwQUAAAAAAAAAEFSv39FQA0AAAANAAAAEAAAAG5vdGVzL3JlYWRtZS50eHRzdG9yZWQgZW50cnkKUEsBAhQDFAAAAAgAAABBUvh6xn2KAAAAAAEAABYAAAAAAAAAAAAAAIABAAAAAEJUQ1VTRFQtMWQtMjAyMS0wMS5jc3ZQSwECFAMUAAAAAAAAAEFSv39FQA0AAAANAAAAEAAAAAAAAAAAAAAAgAG+AAAAbm90ZXMvcmVhZG1lLnR4dFBLBQYAAAAAAgACAIIAAAD5AAAADgBweXRob24gemlwZmlsZQ==";

function randomBytes(n: number, seed: number): Buffer {
  const rng = makeRng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.nextUint32() & 0xff;
  return b;
}

describe("crc32", () => {
  test("matches the published check value and zlib", () => {
    assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
    const data = randomBytes(5000, 7);
    assert.equal(crc32(data), zlib.crc32(data));
    // Running checksum over two chunks equals the one-shot value.
    assert.equal(crc32(data.subarray(1234), crc32(data.subarray(0, 1234))), crc32(data));
  });
});

describe("readZip", () => {
  test("reads an archive written by Python's zipfile (deflate + stored + comment)", () => {
    const files = readZip(Buffer.from(PYTHON_ZIP_BASE64, "base64"), "python.zip");
    assert.deepEqual(
      files.map((f) => f.name),
      ["BTCUSDT-1d-2021-01.csv", "notes/readme.txt"],
    );
    const csv = files[0]!.data.toString();
    assert.equal(
      csv.split("\n")[0],
      "1609459200000,28923.63,29600.00,28624.57,29331.69,54182.925011,1609545599999,1582526831.36,1314910,27455.615233,801919285.93,0",
    );
    assert.equal(csv.trim().split("\n").length, 2);
    assert.equal(files[1]!.data.toString(), "stored entry\n");
  });

  test("round-trips writeZip for stored, deflate, empty and ZIP64 archives", () => {
    const big = randomBytes(70_000, 3);
    const text = Buffer.from("a,b,c\n".repeat(2000));
    for (const zip64 of [false, true]) {
      const buf = writeZip(
        [
          { name: "x.csv", data: text },
          { name: "raw.bin", data: big, method: "stored" },
          { name: "empty.csv", data: Buffer.alloc(0) },
          { name: "dir/ü.txt", data: Buffer.from("unicode name") },
        ],
        { zip64, comment: "hello" },
      );
      const entries = readZipEntries(buf, "rt.zip");
      assert.deepEqual(
        entries.map((e) => [e.name, e.method, e.uncompressedSize]),
        [
          ["x.csv", METHOD_DEFLATE, text.length],
          ["raw.bin", METHOD_STORED, big.length],
          ["empty.csv", METHOD_DEFLATE, 0],
          ["dir/ü.txt", METHOD_DEFLATE, 12],
        ],
      );
      assert.ok(entries[0]!.compressedSize < text.length / 10, "deflate actually compresses");
      const files = readZip(buf, "rt.zip");
      assert.ok(files[0]!.data.equals(text));
      assert.ok(files[1]!.data.equals(big));
      assert.equal(files[2]!.data.length, 0);
      assert.equal(files[3]!.data.toString(), "unicode name");
    }
  });

  test("writeZip output passes `unzip -t` (an independent reader)", {
    skip: !fs.existsSync("/usr/bin/unzip") && "unzip not installed",
  }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zip-test-"));
    try {
      for (const zip64 of [false, true]) {
        const file = path.join(dir, `t${zip64 ? 64 : 32}.zip`);
        fs.writeFileSync(
          file,
          writeZip(
            [
              { name: "a.csv", data: Buffer.from("1,2,3\n".repeat(100)) },
              { name: "b.txt", data: Buffer.from("b"), method: "stored" },
            ],
            { zip64 },
          ),
        );
        const out = execFileSync("/usr/bin/unzip", ["-t", file], { encoding: "utf8" });
        assert.match(out, /No errors detected/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a flipped byte in deflate data is a ZipError naming the file", () => {
    const buf = writeZip([{ name: "k.csv", data: Buffer.from("1,2,3,4,5,6,7,8,9,10,11,12\n".repeat(50)) }]);
    const entry = readZipEntries(buf, "k.zip")[0]!;
    const dataStart = 30 + "k.csv".length;
    const bad = Buffer.from(buf);
    bad[dataStart + Math.floor(entry.compressedSize / 2)]! ^= 0x55;
    assert.throws(
      () => extractZipEntry(bad, readZipEntries(bad, "k.zip")[0]!, "/cache/k.zip"),
      (err: unknown) =>
        err instanceof ZipError &&
        err.file === "/cache/k.zip" &&
        /k\.csv/.test(err.message) &&
        /(CRC-32 mismatch|corrupt deflate|expanded to)/.test(err.message),
    );
  });

  test("a flipped byte in stored data fails the CRC check", () => {
    const buf = writeZip([{ name: "s.csv", data: Buffer.from("hello world, stored") }], {});
    const stored = writeZip([{ name: "s.csv", data: Buffer.from("hello world, stored"), method: "stored" }]);
    assert.ok(readZip(buf, "ok.zip")[0]!.data.equals(readZip(stored, "ok.zip")[0]!.data));
    const bad = Buffer.from(stored);
    bad[30 + "s.csv".length + 3]! ^= 0x01;
    assert.throws(
      () => readZip(bad, "s.zip"),
      /s\.zip: entry "s\.csv": CRC-32 mismatch \(expected [0-9a-f]{8}, got [0-9a-f]{8}\)/,
    );
  });

  test("truncated, empty and non-zip inputs give errors naming the file", () => {
    const buf = writeZip([{ name: "t.csv", data: Buffer.from("x".repeat(500)) }]);
    assert.throws(
      () => readZipEntries(buf.subarray(0, buf.length - 10), "trunc.zip"),
      /trunc\.zip: not a zip archive or truncated/,
    );
    assert.throws(() => readZipEntries(buf.subarray(0, 40), "short.zip"), /short\.zip: not a zip archive or truncated/);
    assert.throws(() => readZipEntries(Buffer.alloc(0), "empty.zip"), /empty\.zip: not a zip archive: 0 bytes/);
    assert.throws(
      () => readZipEntries(Buffer.from("<html><body>Access denied</body></html>"), "page.zip"),
      /page\.zip: .*starts with bytes 3c68746d6c.*"<html><body>Acc/,
    );
  });

  test("a central directory pointing past the data is reported as truncated", () => {
    const buf = Buffer.from(writeZip([{ name: "t.csv", data: Buffer.from("abc") }]));
    const eocd = buf.length - 22;
    buf.writeUInt32LE(buf.readUInt32LE(eocd + 16) + 1000, eocd + 16); // central directory offset
    assert.throws(() => readZipEntries(buf, "cd.zip"), /cd\.zip: central directory .* runs past the end record/);
  });

  test("unsupported compression method and encryption are rejected with the entry name", () => {
    const buf = Buffer.from(writeZip([{ name: "m.csv", data: Buffer.from("abc"), method: "stored" }]));
    const cd = buf.readUInt32LE(buf.length - 22 + 16);
    const withMethod = Buffer.from(buf);
    withMethod.writeUInt16LE(14, cd + 10); // LZMA
    assert.throws(
      () => readZip(withMethod, "m.zip"),
      /m\.zip: entry "m\.csv" uses compression method 14; only stored \(0\) and deflate \(8\)/,
    );
    const encrypted = Buffer.from(buf);
    encrypted.writeUInt16LE(encrypted.readUInt16LE(cd + 8) | 1, cd + 8);
    assert.throws(() => readZip(encrypted, "e.zip"), /e\.zip: entry "m\.csv" is encrypted/);
  });
});
