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
//
// With `typeCheck: false` (the notebook runner's batch runs: the notebook sources are
// type-checked as a whole by `npm run typecheck`) the cell is not type-checked at all: its
// imports are left unresolved (their values are typed any) and no @types package is loaded,
// so the kernel never parses the library's import graph (about 650 files, 5 MB of
// TypeScript and declarations: 2-3 s of CPU per notebook). Syntax and grammar errors are
// still reported (codes below 2000), and code 1308 still tells tslab that a cell awaits at
// top level. The emitted JavaScript is the same: TypeScript's emit does not use types, and
// an import used only as a type is dropped either way.
const path = require("node:path");
const Module = require("node:module");

/** The cell's files in tslab's program: the cell (__tslab__.ts/js) and the previous cells' declarations. */
const CELL_FILE = /(^|[\\/])(__tslab__\.(ts|js)|__prev__\.d\.ts)$/;

/** Diagnostics kept without type checking: syntax and grammar errors (TypeScript's codes 1000-1999), 1308 included. */
const isSyntaxOrGrammar = (d) => d.code < 2000;

/**
 * Patch tslab's compiler (loaded later by tslab's converter) so that it emits only the cell.
 * @param {string} root the project root (where node_modules is).
 * @param {{ typeCheck?: boolean }} [options] typeCheck false: transpile cells without types (see above).
 */
function install(root, options = {}) {
  const typeCheck = options.typeCheck !== false;
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
    createWatchCompilerHost: (rootFiles, compilerOptions, system, createProgram, ...rest) => {
      const host = ts.createWatchCompilerHost(
        rootFiles,
        typeCheck ? compilerOptions : { ...compilerOptions, types: [] },
        system,
        createProgram || builderWithCellEmitOnly,
        ...rest,
      );
      if (!typeCheck) host.resolveModuleNames = (names) => names.map(() => undefined);
      return host;
    },
    getPreEmitDiagnosticsOfFiles: (program, files) => {
      const diagnostics = ts.getPreEmitDiagnosticsOfFiles(
        program,
        files.filter((f) => CELL_FILE.test(f.fileName)),
      );
      return typeCheck ? diagnostics : diagnostics.filter(isSyntaxOrGrammar);
    },
  });
  const converter = path.join(tslabDir, "dist", "converter.js");
  const load = Module._load;
  Module._load = function (request, parent, ...rest) {
    if (request === "@tslab/typescript-for-tslab" && parent && parent.filename === converter) return patched;
    return load.call(this, request, parent, ...rest);
  };
}

module.exports = { install };
