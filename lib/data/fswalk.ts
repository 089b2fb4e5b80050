/**
 * Opening input files and walking data folders without trusting what is in them.
 *
 * A data folder may hold things that are not files: a FIFO named prices.csv (opening it
 * for reading blocks forever), a device, a socket, a dangling symlink, a symlink loop, a
 * link back to a parent folder. Node reports these as raw ENOENT/ELOOP/ENOTDIR/EISDIR
 * errors or, for a FIFO, never returns. Here:
 *
 *  - every input is opened with O_NONBLOCK and checked with fstat on the open handle
 *    (no check-then-open race): anything but a regular file is a DataError saying what
 *    it is and what to do;
 *  - a folder walk (names sorted, subfolders in place) skips such entries and unreadable ones, listing them in a "skipped
 *    entries" report entry instead of failing the whole folder, and visits each real
 *    folder and file once, however many links point at it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError } from "./errors";

/** What a non-regular stat is, in words. */
function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/** A Node file-system error as a sentence (the code in words, never a stack). */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "ENOENT":
      return "does not exist (or is a symbolic link to something that does not)";
    case "ELOOP":
      return "is a symbolic link loop (links that point at each other)";
    case "ENOTDIR":
      return "has a path through something that is not a folder";
    case "EISDIR":
      return "is a folder, not a file";
    case "EACCES":
    case "EPERM":
      return "cannot be read (permission denied)";
    case "ENAMETOOLONG":
      return "has a path that is too long";
    case "EMFILE":
    case "ENFILE":
      return "cannot be opened: too many open files";
    default:
      return `cannot be read (${code ?? String((err as Error)?.message ?? err).slice(0, 80)})`;
  }
}

/**
 * Open `file` for reading and check that it is a regular file, without ever blocking
 * (O_NONBLOCK: a FIFO opens at once and is then refused). Returns the descriptor and the
 * size; throws a DataError for anything else. `what` completes the fix, e.g. "a CSV file".
 */
export function openRegularFile(file: string, what: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new DataError(file, null, null, `${describeFsError(err)}. Point the loader at ${what}.`);
  }
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    throw new DataError(file, null, null, `${describeFsError(err)}. Point the loader at ${what}.`);
  }
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new DataError(file, null, null, `is ${kindOf(st)}, not a regular file. Point the loader at ${what}.`);
  }
  return { fd, size: st.size };
}

/** Read a whole regular file (refusing non-regular ones, see openRegularFile), at most `maxBytes`. */
export function readRegularFile(file: string, what: string, maxBytes: number): Buffer {
  const { fd, size } = openRegularFile(file, what);
  try {
    if (size > maxBytes) {
      throw new DataError(
        file,
        null,
        null,
        `is ${size} bytes, above the limit of ${maxBytes} bytes for this layout. Split it or use a streaming (CSV) layout.`,
      );
    }
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const got = fs.readSync(fd, buf, off, size - off, off);
      if (got === 0) break;
      off += got;
    }
    return buf.subarray(0, off);
  } finally {
    fs.closeSync(fd);
  }
}

/** The kind of the path a loader was given, or a DataError for a missing or unreadable one. */
export function targetKind(target: string, what: string): "file" | "folder" {
  let st: fs.Stats;
  try {
    st = fs.statSync(target);
  } catch (err) {
    throw new DataError(target, null, null, `${describeFsError(err)}. Point the loader at ${what}.`);
  }
  if (st.isDirectory()) return "folder";
  if (st.isFile()) return "file";
  throw new DataError(target, null, null, `is ${kindOf(st)}, not a file or folder. Point the loader at ${what}.`);
}

/** What a folder walk found. */
export interface FolderWalk {
  /** Regular files whose name was accepted, sorted by path, each real file once. */
  files: string[];
  /** Regular files not accepted by name (relative paths; folders too deep end in "/"). */
  ignored: string[];
  /** Entries that are not regular files or cannot be read, with the reason (relative path: reason). */
  skipped: string[];
  /** Links to a folder or file already visited (relative paths). */
  repeated: string[];
}

/**
 * Walk `root` (a folder) to `maxDepth` levels, following symbolic links but visiting each
 * real folder and file once (by device and inode), never opening anything. Hidden entries
 * (".name") are not visited. Entries that cannot be stat'ed or are not regular files or
 * folders are listed in `skipped`, never thrown.
 */
export function walkFolder(root: string, accept: (name: string) => boolean, maxDepth: number): FolderWalk {
  const out: FolderWalk = { files: [], ignored: [], skipped: [], repeated: [] };
  const seen = new Set<string>();
  const idOf = (st: fs.Stats): string => `${st.dev}:${st.ino}`;
  const rel = (p: string): string => path.relative(root, p) || ".";
  const visit = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch (err) {
      out.skipped.push(`${rel(dir)}/: ${describeFsError(err)}`);
      return;
    }
    for (const name of names) {
      if (name.startsWith(".")) continue;
      const full = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = fs.statSync(full);
      } catch (err) {
        out.skipped.push(`${rel(full)}: ${describeFsError(err)}`);
        continue;
      }
      if (st.isDirectory()) {
        if (seen.has(idOf(st))) {
          out.repeated.push(`${rel(full)}/`);
          continue;
        }
        seen.add(idOf(st));
        if (depth < maxDepth) visit(full, depth + 1);
        else out.ignored.push(`${rel(full)}/`);
      } else if (st.isFile()) {
        if (!accept(name)) {
          out.ignored.push(rel(full));
          continue;
        }
        if (seen.has(idOf(st))) {
          out.repeated.push(rel(full));
          continue;
        }
        seen.add(idOf(st));
        out.files.push(full);
      } else {
        out.skipped.push(`${rel(full)}: is ${kindOf(st)}`);
      }
    }
  };
  try {
    seen.add(idOf(fs.statSync(root)));
  } catch {
    // the caller checked root; a race here just means no dedup of root itself
  }
  visit(root, 0);
  return out;
}
