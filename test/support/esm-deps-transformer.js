// Jest transformer for ESM-only dependencies (jose, pg-boss, ...): ESM → CommonJS with standard
// class-field semantics. Not ts-jest: it caches one compiler configuration per Jest project, so a
// second ts-jest entry would silently reuse the project's `useDefineForClassFields: false`, which
// breaks subclasses that declare fields (jose's errors).
const crypto = require("node:crypto");
const ts = require("typescript");

const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  allowJs: true,
  esModuleInterop: true,
  useDefineForClassFields: true,
  sourceMap: false,
};

module.exports = {
  process(source, filename) {
    return { code: ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText };
  },
  getCacheKey(source, filename) {
    return crypto.createHash("sha1").update("esm-deps-v1\0").update(filename).update("\0").update(source).digest("hex");
  },
};
