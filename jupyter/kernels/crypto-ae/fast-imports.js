// Used by kernel-preload.js: tslab compiles only the cell; project files it imports are loaded
// by tsx's CommonJS require hook.
//
// tslab builds one TypeScript program of the cell and everything it imports, reports the
// diagnostics of all those files and emits every one of them to JavaScript (then re-parses
// each output once more to turn it into CommonJS). The type checker must read the library's
// types to check a cell, but checking every library function body and emitting every file is
// what costs the time. TypeScript's module object is frozen (getters only), so tslab's
// converter is handed a copy of it in which (1) the watch compiler host creates builder
// programs whose emit skips every file but the cell's and (2) pre-emit diagnostics cover the
// cell's files only. The cell's `import ... from "./lib/..."` then falls through tslab's
// side-output lookup to Node's require, where tsx compiles the .ts file.
const path = require("node:path");
const Module = require("node:module");

/** The cell's files in tslab's program: the cell (__tslab__.ts/js) and the previous cells' declarations. */
const CELL_FILE = /(^|[\\/])(__tslab__\.(ts|js)|__prev__\.d\.ts)$/;

function install(root) {
  const tslabDir = path.dirname(require.resolve("tslab/package.json", { paths: [root] }));
  const tsPath = require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] });
  const ts = require(tsPath);
  // tsx's CommonJS hook, from the project's node_modules (throws if tsx is absent: the caller falls back).
  require(require.resolve("tsx/cjs/api", { paths: [root] })).register();

  const builderWithCellEmitOnly = (...args) => {
    const builder = ts.createEmitAndSemanticDiagnosticsBuilderProgram(...args);
    const emit = builder.emit.bind(builder);
    builder.emit = (sourceFile, ...rest) =>
      sourceFile && !CELL_FILE.test(sourceFile.fileName)
        ? { emitSkipped: true, diagnostics: [], emittedFiles: undefined }
        : emit(sourceFile, ...rest);
    return builder;
  };
  const patched = Object.assign({}, ts, {
    __esModule: true,
    createWatchCompilerHost: (rootFiles, options, system, createProgram, ...rest) =>
      ts.createWatchCompilerHost(rootFiles, options, system, createProgram || builderWithCellEmitOnly, ...rest),
    getPreEmitDiagnosticsOfFiles: (program, files) =>
      ts.getPreEmitDiagnosticsOfFiles(
        program,
        files.filter((f) => CELL_FILE.test(f.fileName)),
      ),
  });
  const converter = path.join(tslabDir, "dist", "converter.js");
  const load = Module._load;
  Module._load = function (request, parent, ...rest) {
    if (request === "@tslab/typescript-for-tslab" && parent && parent.filename === converter) return patched;
    return load.call(this, request, parent, ...rest);
  };
}

module.exports = { install };
