/**
 * A local stand-in for data.binance.vision: a node:http server on 127.0.0.1 (random free
 * port) serving archives built at test time, with Range support, request logging, an
 * in-flight counter and a hook to script failures. Nothing here reaches the internet.
 */
import * as crypto from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { writeZip } from "../../lib/data/download/zip";

/** One request the server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  range: string | null;
}

/** A scripted answer: return true when the hook handled the response itself. */
export type Hook = (req: http.IncomingMessage, res: http.ServerResponse, path: string, attempt: number) => boolean;

/** The running fixture server. */
export interface FixtureServer {
  baseUrl: string;
  /** Every request, in arrival order. */
  requests: SeenRequest[];
  /** Bodies by URL path. */
  files: Map<string, Buffer>;
  /** Most requests in flight at once. */
  maxInFlight: () => number;
  /** Bytes of file bodies sent (after Range slicing). */
  bytesSent: () => number;
  /** Hold every .zip response this many ms before answering (to observe concurrency). */
  zipDelayMs: number;
  /** Scripted behaviour, consulted before the files. */
  hook: Hook | null;
  /** Requests seen for one path. */
  count: (path: string) => number;
  close: () => Promise<void>;
}

/** Start the server on 127.0.0.1 with a random free port. */
export async function startServer(): Promise<FixtureServer> {
  const files = new Map<string, Buffer>();
  const requests: SeenRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let bytesSent = 0;
  const state: { zipDelayMs: number; hook: Hook | null } = { zipDelayMs: 0, hook: null };

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const range = typeof req.headers.range === "string" ? req.headers.range : null;
    requests.push({ method: req.method ?? "GET", path, range });
    const attempt = requests.filter((r) => r.path === path).length;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let finished = false;
    const done = (): void => {
      if (!finished) {
        finished = true;
        inFlight--;
      }
    };
    res.on("close", done);
    const answer = (): void => {
      if (state.hook?.(req, res, path, attempt)) return;
      const body = files.get(path);
      if (!body) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
      if (m) {
        const start = Number(m[1]);
        if (start >= body.length) {
          res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
          return;
        }
        const slice = body.subarray(start);
        bytesSent += slice.length;
        res
          .writeHead(206, {
            "content-type": "application/zip",
            "content-length": slice.length,
            "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
          })
          .end(slice);
        return;
      }
      bytesSent += body.length;
      res
        .writeHead(200, {
          "content-type": path.endsWith(".zip") ? "application/zip" : "text/plain",
          "content-length": body.length,
        })
        .end(body);
    };
    if (state.zipDelayMs > 0 && path.endsWith(".zip")) setTimeout(answer, state.zipDelayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    files,
    maxInFlight: () => maxInFlight,
    bytesSent: () => bytesSent,
    get zipDelayMs() {
      return state.zipDelayMs;
    },
    set zipDelayMs(v: number) {
      state.zipDelayMs = v;
    },
    get hook() {
      return state.hook;
    },
    set hook(h: Hook | null) {
      state.hook = h;
    },
    count: (p: string) => requests.filter((r) => r.path === p).length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Twelve-column Binance kline rows (no header), deterministic from the period and row count. */
export function klineCsv(period: string, rows: number): string {
  const start = Date.parse(period.length === 7 ? `${period}-01T00:00:00Z` : `${period}T00:00:00Z`);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const t = start + i * 86_400_000;
    const open = 100 + i;
    lines.push(
      [
        t,
        open.toFixed(2),
        (open + 2).toFixed(2),
        (open - 1).toFixed(2),
        (open + 1).toFixed(2),
        "12.5",
        t + 86_399_999,
        "1250.0",
        42,
        "6.0",
        "600.0",
        0,
      ].join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/** What to publish next to an archive. */
export type ChecksumMode = "ok" | "bad" | "none";

/** Publish one archive (zip of `csv`) and its .CHECKSUM at the real layout; returns the zip bytes and path. */
export function publishArchive(
  server: FixtureServer,
  a: {
    granularity?: "monthly" | "daily";
    symbol: string;
    interval: string;
    period: string;
    csv?: string;
    checksum?: ChecksumMode;
  },
): { zip: Buffer; path: string; csv: string } {
  const granularity = a.granularity ?? "monthly";
  const stem = `${a.symbol}-${a.interval}-${a.period}`;
  const csv = a.csv ?? klineCsv(a.period, 5);
  const zip = writeZip([{ name: `${stem}.csv`, data: Buffer.from(csv) }]);
  const path = `/data/spot/${granularity}/klines/${a.symbol}/${a.interval}/${stem}.zip`;
  server.files.set(path, zip);
  const mode = a.checksum ?? "ok";
  if (mode !== "none") {
    const digest = mode === "ok" ? sha256(zip) : sha256(Buffer.concat([zip, Buffer.from("x")]));
    server.files.set(`${path}.CHECKSUM`, Buffer.from(`${digest}  ${stem}.zip\n`));
  }
  return { zip, path, csv };
}

/** SHA-256 hex of a buffer. */
export function sha256(buf: Buffer): string {
  return crypto.createHash("sha256").update(buf).digest("hex");
}
