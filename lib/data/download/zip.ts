/**
 * A minimal ZIP reader and writer, enough for Binance's bulk kline archives (one CSV per
 * archive) without a third-party unzip dependency.
 *
 * Why hand-written: the archives are small, single-entry and use only the two methods every
 * zip tool writes (stored and deflate), which Node's zlib decodes directly. Reading goes
 * through the central directory (the authoritative index at the end of the file), so
 * archives written with data descriptors (sizes after the data) read correctly. Every
 * extracted entry is checked against its CRC-32 and declared size, and every failure names
 * the archive, so a truncated or corrupt download is reported, never half-read.
 *
 * The writer exists so that tests and fixtures can build real archives at run time; it
 * writes plain PKZIP 2.0 archives (optionally with ZIP64 records) that `unzip` and Python's
 * zipfile accept.
 */
import * as zlib from "node:zlib";

/** Signature of a local file header ("PK\x03\x04"). */
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
/** Signature of a central directory file header ("PK\x01\x02"). */
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
/** Signature of the end of central directory record ("PK\x05\x06"). */
const EOCD_SIGNATURE = 0x06054b50;
/** Signature of the ZIP64 end of central directory record ("PK\x06\x06"). */
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
/** Signature of the ZIP64 end of central directory locator ("PK\x06\x07"). */
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
/** Fixed part of a local file header: 4 signature + 26 bytes of fields. */
const LOCAL_HEADER_SIZE = 30;
/** Fixed part of a central directory header: 4 signature + 42 bytes of fields. */
const CENTRAL_HEADER_SIZE = 46;
/** Fixed part of the end of central directory record: 4 signature + 18 bytes of fields. */
const EOCD_SIZE = 22;
/** Fixed part of the ZIP64 end of central directory record: 4 + 8 size field + 44 bytes. */
const ZIP64_EOCD_SIZE = 56;
/** Size of the ZIP64 end of central directory locator. */
const ZIP64_LOCATOR_SIZE = 20;
/** The archive comment is at most 0xFFFF bytes, so the EOCD starts within this many bytes of the end. */
const MAX_EOCD_SEARCH = EOCD_SIZE + 0xffff;
/** Header ID of the ZIP64 extended information extra field. */
const ZIP64_EXTRA_ID = 0x0001;
/** 16-bit field value meaning "see the ZIP64 record". */
const ZIP64_MARKER_16 = 0xffff;
/** 32-bit field value meaning "see the ZIP64 extra field / record". */
const ZIP64_MARKER_32 = 0xffffffff;
/** General purpose flag bit 0: the entry is encrypted. */
const FLAG_ENCRYPTED = 0x0001;
/** General purpose flag bit 11: the file name is UTF-8. */
const FLAG_UTF8 = 0x0800;
/** Compression method 0: stored (no compression). */
export const METHOD_STORED = 0;
/** Compression method 8: deflate. */
export const METHOD_DEFLATE = 8;
/** "Version needed to extract": 2.0 for deflate, 4.5 when ZIP64 records are used. */
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
/** DOS date of 1980-01-01 00:00 (the earliest DOS date), used for deterministic output. */
const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1;

/** A ZIP format problem, naming the archive it was found in. */
export class ZipError extends Error {
  /** The archive (path or label) the problem was found in. */
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "ZipError";
    this.file = file;
  }
}

/** CRC-32 lookup table (IEEE 802.3 polynomial 0xEDB88320, reflected), 256 entries. */
const CRC32_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 (the checksum ZIP stores per entry) of `data`, as an unsigned 32-bit integer.
 * `previous` continues a running checksum over several chunks.
 */
export function crc32(data: Uint8Array, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC32_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One entry of a ZIP archive's central directory. */
export interface ZipEntry {
  /** Path inside the archive, as stored (forward slashes; directories end with "/"). */
  name: string;
  /** Compression method: 0 stored, 8 deflate (others are rejected on extraction). */
  method: number;
  /** General purpose bit flags. */
  flags: number;
  /** CRC-32 of the uncompressed data. */
  crc32: number;
  /** Size of the stored (compressed) data in bytes. */
  compressedSize: number;
  /** Size of the uncompressed data in bytes. */
  uncompressedSize: number;
  /** Offset of the entry's local file header from the start of the archive. */
  localHeaderOffset: number;
}

function readUint64(buf: Buffer, offset: number, file: string, what: string): number {
  const value = buf.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError(file, `${what} ${value} is too large to address.`);
  return Number(value);
}

function describeStart(buf: Buffer): string {
  const head = buf.subarray(0, Math.min(16, buf.length));
  const printable = head.toString("latin1").replace(/[^\x20-\x7e]/g, ".");
  return `it starts with bytes ${head.toString("hex")} ("${printable}")`;
}

/** Locate the end of central directory record by scanning back over a possible comment. */
function findEocd(buf: Buffer, file: string): number {
  if (buf.length < EOCD_SIZE) {
    throw new ZipError(
      file,
      `not a zip archive: ${buf.length} bytes is smaller than the ${EOCD_SIZE}-byte end record (truncated download?).`,
    );
  }
  const stop = Math.max(0, buf.length - MAX_EOCD_SEARCH);
  for (let pos = buf.length - EOCD_SIZE; pos >= stop; pos--) {
    if (buf.readUInt32LE(pos) !== EOCD_SIGNATURE) continue;
    const commentLength = buf.readUInt16LE(pos + 20);
    if (pos + EOCD_SIZE + commentLength <= buf.length) return pos;
  }
  throw new ZipError(
    file,
    `not a zip archive or truncated: no end-of-central-directory record in the last ${Math.min(buf.length, MAX_EOCD_SEARCH)} bytes; ${describeStart(buf)}. Delete it and download again.`,
  );
}

/**
 * Parse the central directory of a ZIP archive held in memory.
 *
 * @param buf   the whole archive
 * @param file  path or label used in error messages
 * @returns the entries in central-directory order
 * @throws ZipError naming `file` when the archive is truncated or malformed
 */
export function readZipEntries(buf: Buffer, file: string): ZipEntry[] {
  const eocd = findEocd(buf, file);
  if (buf.readUInt16LE(eocd + 4) !== 0 || buf.readUInt16LE(eocd + 6) !== 0) {
    throw new ZipError(file, "multi-disk (split) archives are not supported.");
  }
  let count = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  let cdLimit = eocd;
  if (count === ZIP64_MARKER_16 || cdSize === ZIP64_MARKER_32 || cdOffset === ZIP64_MARKER_32) {
    const locator = eocd - ZIP64_LOCATOR_SIZE;
    if (locator < 0 || buf.readUInt32LE(locator) !== ZIP64_LOCATOR_SIGNATURE) {
      throw new ZipError(
        file,
        "the end record points to ZIP64 fields but the ZIP64 locator is missing (corrupt archive).",
      );
    }
    const record = readUint64(buf, locator + 8, file, "ZIP64 record offset");
    if (record + ZIP64_EOCD_SIZE > locator || buf.readUInt32LE(record) !== ZIP64_EOCD_SIGNATURE) {
      throw new ZipError(file, `the ZIP64 end record at offset ${record} is missing or damaged (corrupt archive).`);
    }
    count = readUint64(buf, record + 32, file, "ZIP64 entry count");
    cdSize = readUint64(buf, record + 40, file, "ZIP64 central directory size");
    cdOffset = readUint64(buf, record + 48, file, "ZIP64 central directory offset");
    cdLimit = record;
  }
  if (cdOffset + cdSize > cdLimit) {
    throw new ZipError(
      file,
      `central directory (offset ${cdOffset}, ${cdSize} bytes) runs past the end record at ${cdLimit}: the archive is truncated or corrupt.`,
    );
  }
  const entries: ZipEntry[] = [];
  let pos = cdOffset;
  for (let i = 0; i < count; i++) {
    if (pos + CENTRAL_HEADER_SIZE > cdOffset + cdSize || buf.readUInt32LE(pos) !== CENTRAL_HEADER_SIGNATURE) {
      throw new ZipError(
        file,
        `central directory entry ${i + 1} of ${count} at offset ${pos} is damaged (bad signature or out of bounds).`,
      );
    }
    const flags = buf.readUInt16LE(pos + 8);
    const method = buf.readUInt16LE(pos + 10);
    const crc = buf.readUInt32LE(pos + 16);
    let compressedSize = buf.readUInt32LE(pos + 20);
    let uncompressedSize = buf.readUInt32LE(pos + 24);
    const nameLength = buf.readUInt16LE(pos + 28);
    const extraLength = buf.readUInt16LE(pos + 30);
    const commentLength = buf.readUInt16LE(pos + 32);
    let localHeaderOffset = buf.readUInt32LE(pos + 42);
    const nameStart = pos + CENTRAL_HEADER_SIZE;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > cdOffset + cdSize)
      throw new ZipError(file, `central directory entry ${i + 1} runs past the directory's end.`);
    const name = buf.subarray(nameStart, extraStart).toString(flags & FLAG_UTF8 ? "utf8" : "latin1");
    // ZIP64 extra field: 64-bit values appear only for fields whose 32-bit slot holds the marker, in this order.
    if (
      uncompressedSize === ZIP64_MARKER_32 ||
      compressedSize === ZIP64_MARKER_32 ||
      localHeaderOffset === ZIP64_MARKER_32
    ) {
      let e = extraStart;
      let found = false;
      while (e + 4 <= extraStart + extraLength) {
        const id = buf.readUInt16LE(e);
        const size = buf.readUInt16LE(e + 2);
        if (id === ZIP64_EXTRA_ID) {
          let f = e + 4;
          const end = f + size;
          const take = (what: string): number => {
            if (f + 8 > end) throw new ZipError(file, `entry "${name}": ZIP64 extra field too short for ${what}.`);
            const v = readUint64(buf, f, file, `entry "${name}" ${what}`);
            f += 8;
            return v;
          };
          if (uncompressedSize === ZIP64_MARKER_32) uncompressedSize = take("uncompressed size");
          if (compressedSize === ZIP64_MARKER_32) compressedSize = take("compressed size");
          if (localHeaderOffset === ZIP64_MARKER_32) localHeaderOffset = take("local header offset");
          found = true;
          break;
        }
        e += 4 + size;
      }
      if (!found) throw new ZipError(file, `entry "${name}" has ZIP64 size markers but no ZIP64 extra field.`);
    }
    entries.push({ name, method, flags, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset });
    pos = next;
  }
  return entries;
}

/**
 * Decompress one entry and check its size and CRC-32.
 *
 * @param buf    the whole archive
 * @param entry  an entry from {@link readZipEntries} on the same buffer
 * @param file   path or label used in error messages
 * @throws ZipError for encrypted entries, unsupported methods, bad data or a CRC mismatch
 */
export function extractZipEntry(buf: Buffer, entry: ZipEntry, file: string): Buffer {
  const where = `entry "${entry.name}"`;
  if (entry.flags & FLAG_ENCRYPTED)
    throw new ZipError(file, `${where} is encrypted; encrypted archives are not supported.`);
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATE) {
    throw new ZipError(
      file,
      `${where} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported.`,
    );
  }
  const off = entry.localHeaderOffset;
  if (off + LOCAL_HEADER_SIZE > buf.length || buf.readUInt32LE(off) !== LOCAL_HEADER_SIGNATURE) {
    throw new ZipError(file, `${where}: no local file header at offset ${off} (corrupt archive).`);
  }
  const dataStart = off + LOCAL_HEADER_SIZE + buf.readUInt16LE(off + 26) + buf.readUInt16LE(off + 28);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > buf.length) {
    throw new ZipError(
      file,
      `${where}: data (${entry.compressedSize} bytes at offset ${dataStart}) runs past the end of the ${buf.length}-byte archive (truncated).`,
    );
  }
  const stored = buf.subarray(dataStart, dataEnd);
  let data: Buffer;
  if (entry.method === METHOD_STORED) {
    data = Buffer.from(stored);
  } else {
    try {
      data = zlib.inflateRawSync(stored);
    } catch (err) {
      throw new ZipError(file, `${where}: corrupt deflate data (${(err as Error).message}).`);
    }
  }
  if (data.length !== entry.uncompressedSize) {
    throw new ZipError(
      file,
      `${where}: expanded to ${data.length} bytes but the directory declares ${entry.uncompressedSize} (corrupt archive).`,
    );
  }
  const actual = crc32(data);
  if (actual !== entry.crc32) {
    throw new ZipError(
      file,
      `${where}: CRC-32 mismatch (expected ${hex32(entry.crc32)}, got ${hex32(actual)}); the archive is corrupt. Delete it and download again.`,
    );
  }
  return data;
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** A file read out of an archive. */
export interface ZipFile {
  name: string;
  data: Buffer;
}

/**
 * Read every file (directories skipped) of an archive held in memory, each CRC-checked.
 *
 * @param buf   the whole archive
 * @param file  path or label used in error messages
 */
export function readZip(buf: Buffer, file: string): ZipFile[] {
  return readZipEntries(buf, file)
    .filter((e) => !e.name.endsWith("/"))
    .map((e) => ({ name: e.name, data: extractZipEntry(buf, e, file) }));
}

/** One file to put into an archive with {@link writeZip}. */
export interface ZipWriteEntry {
  /** Path inside the archive (forward slashes). */
  name: string;
  data: Uint8Array;
  /** Default "deflate". */
  method?: "stored" | "deflate";
}

/** Options of {@link writeZip}. */
export interface ZipWriteOptions {
  /** Write ZIP64 extra fields and end records even for small archives (default false). */
  zip64?: boolean;
  /** Archive comment (latin1), default none. */
  comment?: string;
}

/**
 * Build a ZIP archive in memory: local headers and data, then the central directory and
 * end record. Timestamps are fixed at 1980-01-01 so equal input gives equal bytes.
 */
export function writeZip(entries: ZipWriteEntry[], options: ZipWriteOptions = {}): Buffer {
  const zip64 = options.zip64 === true;
  const comment = Buffer.from(options.comment ?? "", "latin1");
  if (comment.length > 0xffff)
    throw new Error(`ZIP comment is ${comment.length} bytes; the format allows at most 65535.`);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const raw = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
    const method = entry.method === "stored" ? METHOD_STORED : METHOD_DEFLATE;
    const payload = method === METHOD_STORED ? raw : zlib.deflateRawSync(raw);
    const crc = crc32(raw);
    const version = zip64 ? VERSION_ZIP64 : VERSION_DEFAULT;

    const localExtra = zip64 ? zip64Extra([raw.length, payload.length]) : Buffer.alloc(0);
    const local = Buffer.alloc(LOCAL_HEADER_SIZE);
    local.writeUInt32LE(LOCAL_HEADER_SIGNATURE, 0);
    local.writeUInt16LE(version, 4);
    local.writeUInt16LE(FLAG_UTF8, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE_1980, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(zip64 ? ZIP64_MARKER_32 : payload.length, 18);
    local.writeUInt32LE(zip64 ? ZIP64_MARKER_32 : raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    parts.push(local, name, localExtra, payload);

    const centralExtra = zip64 ? zip64Extra([raw.length, payload.length, offset]) : Buffer.alloc(0);
    const header = Buffer.alloc(CENTRAL_HEADER_SIZE);
    header.writeUInt32LE(CENTRAL_HEADER_SIGNATURE, 0);
    header.writeUInt16LE(version, 4);
    header.writeUInt16LE(version, 6);
    header.writeUInt16LE(FLAG_UTF8, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(0, 12);
    header.writeUInt16LE(DOS_DATE_1980, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(zip64 ? ZIP64_MARKER_32 : payload.length, 20);
    header.writeUInt32LE(zip64 ? ZIP64_MARKER_32 : raw.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(centralExtra.length, 30);
    header.writeUInt32LE(zip64 ? ZIP64_MARKER_32 : offset, 42);
    central.push(header, name, centralExtra);

    offset += local.length + name.length + localExtra.length + payload.length;
  }
  const cdOffset = offset;
  const cdSize = central.reduce((s, b) => s + b.length, 0);
  if (!zip64 && (entries.length > ZIP64_MARKER_16 - 1 || cdOffset + cdSize >= ZIP64_MARKER_32)) {
    throw new Error(
      `Archive too large for plain ZIP (${entries.length} entries, ${cdOffset + cdSize} bytes): pass { zip64: true }.`,
    );
  }
  const tail: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(ZIP64_EOCD_SIZE);
    record.writeUInt32LE(ZIP64_EOCD_SIGNATURE, 0);
    record.writeBigUInt64LE(BigInt(ZIP64_EOCD_SIZE - 12), 4); // size of the rest of the record
    record.writeUInt16LE(VERSION_ZIP64, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(cdSize), 40);
    record.writeBigUInt64LE(BigInt(cdOffset), 48);
    const locator = Buffer.alloc(ZIP64_LOCATOR_SIZE);
    locator.writeUInt32LE(ZIP64_LOCATOR_SIGNATURE, 0);
    locator.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
    locator.writeUInt32LE(1, 16); // total number of disks
    tail.push(record, locator);
  }
  const eocd = Buffer.alloc(EOCD_SIZE);
  eocd.writeUInt32LE(EOCD_SIGNATURE, 0);
  eocd.writeUInt16LE(zip64 ? ZIP64_MARKER_16 : entries.length, 8);
  eocd.writeUInt16LE(zip64 ? ZIP64_MARKER_16 : entries.length, 10);
  eocd.writeUInt32LE(zip64 ? ZIP64_MARKER_32 : cdSize, 12);
  eocd.writeUInt32LE(zip64 ? ZIP64_MARKER_32 : cdOffset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...parts, ...central, ...tail, eocd, comment]);
}

/** A ZIP64 extended information extra field holding the given 64-bit values in order. */
function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(ZIP64_EXTRA_ID, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}
