// Jest's globalSetup is loaded with plain `require`, without moduleNameMapper: map the `.js`
// specifiers that TypeScript's nodenext resolution requires back to the `.ts` sources.
const Module = require("node:module");
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  try {
    return original.call(this, request, ...rest);
  } catch (e) {
    if (request.startsWith(".") && request.endsWith(".js")) return original.call(this, `${request.slice(0, -3)}.ts`, ...rest);
    throw e;
  }
};
