// Preloaded into the tslab kernel (node -r). tslab compiles cells with a TypeScript watch
// program that also watches the project's .ts files on disk; when one of them changes while
// a kernel runs, TypeScript schedules a rebuild timer that tslab never fires, and the next
// cell dies with "Unexpected pending rebuildTimer" (the whole kernel exits). Watching files
// on disk is turned off here instead: the kernel sees lib/ as it was when the kernel
// started. After editing lib/, restart the kernel (as with any Python module).

const path = require("node:path");
try {
  const tslabDir = path.dirname(require.resolve("tslab/package.json", { paths: [process.cwd()] }));
  const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] }));
  const inert = () => ({ close() {} });
  ts.sys.watchFile = inert;
  ts.sys.watchDirectory = inert;
} catch (err) {
  process.stderr.write(`[crypto-ae kernel] could not turn off file watching: ${err?.message}\n`);
}

// Faster start: tslab type-checks and emits, with the TypeScript compiler, every project file
// a cell imports (the whole lib/ graph, about 10 s of CPU per notebook). Here a cell is still
// type-checked against the library's types, but lib/ itself is loaded through tsx's require
// hook (esbuild, a fraction of a second) and type-checked by `npm run typecheck` instead.
// CAE_KERNEL_FULL_CHECK=1 restores tslab's own behaviour. CAE_KERNEL_TYPECHECK=0 (set by the
// notebook runner, scripts/run-notebooks.ts) skips type-checking cells altogether: batch runs
// execute notebook sources that `npm run typecheck` checks as a whole.
if (process.env.CAE_KERNEL_FULL_CHECK !== "1") {
  try {
    require("./fast-imports").install(process.cwd(), { typeCheck: process.env.CAE_KERNEL_TYPECHECK !== "0" });
  } catch (err) {
    process.stderr.write(`[crypto-ae kernel] fast imports unavailable, using tslab's compiler: ${err?.message}\n`);
  }
}

// Clean exit at shutdown: tslab answers Jupyter's heartbeat from an async loop, and when the
// client shuts the kernel down between a heartbeat and its echo, the echo's send fails with
// "Socket is closed" (EBADF) as an unhandled rejection after the notebook has finished. The
// wasm backend's runtime rethrows unhandled rejections, so the kernel died printing a page of
// its minified source and that error (seen in about 1 of 12 notebooks of a run). Registered
// before any other listener, this one ends the process quietly for exactly that error; every
// other rejection goes on to the usual handlers.
process.on("unhandledRejection", (reason) => {
  if (reason && reason.code === "EBADF" && /Socket is closed/.test(String(reason.message))) process.exit(0);
});
