/**
 * The engine's public entry point: a pure library (no database, GraphQL or HTTP). Time and seeds are
 * arguments everywhere.
 */
export * from "./types.js";
export * from "./errors.js";
export * from "./serialization.js";
export * from "./math.js";
export * from "./metrics/index.js";
export * from "./simulator/index.js";
export * from "./baselines/index.js";
export * from "./meta/index.js";
export * from "./evaluation.js";
export * from "./evaluation-set.js";
export * from "./embedding/index.js";
export * from "./recommend/index.js";
export * from "./fairness/index.js";
export * from "./privacy/index.js";
export * from "./policy/index.js";
export { trainers, loadModel } from "./registry.js";
export { initBackend, backendName, backendStatus } from "./backend.js";
export type { BackendPreference, BackendStatus } from "./backend.js";
