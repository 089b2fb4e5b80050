/**
 * The kernel preload ends the process quietly when tslab's heartbeat echo fails on a closed
 * socket at shutdown, and leaves every other unhandled rejection to the later handlers (the
 * wasm runtime's rethrow is stood in for by a handler that throws).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const PRELOAD = path.resolve(__dirname, "../../jupyter/kernels/crypto-ae/kernel-preload.js");

/** Run a script under the preload; a later handler rethrows like the wasm runtime does. */
function runWith(rejection: string) {
  const script = `
    process.on("unhandledRejection", (r) => { throw r; });
    Promise.reject(${rejection});
    setTimeout(() => {}, 200);
  `;
  return spawnSync(process.execPath, ["-r", PRELOAD, "-e", script], {
    cwd: path.resolve(__dirname, "../.."),
    env: { ...process.env, CAE_KERNEL_FULL_CHECK: "1" },
    encoding: "utf8",
  });
}

describe("kernel preload", () => {
  test("a heartbeat echo on a closed socket at shutdown exits 0 without output", () => {
    const r = runWith(`Object.assign(new Error("Socket is closed"), { code: "EBADF", errno: 9 })`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
  });

  test("any other unhandled rejection still reaches the later handlers and fails", () => {
    for (const rejection of [
      `new Error("Socket is closed")`,
      `Object.assign(new Error("something else"), { code: "EBADF" })`,
      `new Error("a real failure")`,
    ]) {
      const r = runWith(rejection);
      assert.notEqual(r.status, 0, `${rejection} must not be swallowed`);
      assert.match(r.stderr, /Error/);
    }
  });
});
