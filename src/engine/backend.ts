/**
 * TensorFlow.js backend selection for the engine.
 *
 * Order of preference: the native `@tensorflow/tfjs-node` binding (when it is installed — it is an
 * optional dependency whose install needs the internet), else the WebAssembly backend from
 * `@tensorflow/tfjs-backend-wasm` (ships its .wasm files, works offline, 3–35× faster than cpu on
 * 2 cores), and only as a last resort the pure-JS `cpu` backend — never silently: the reason is
 * returned in `backendStatus().warnings` so that the caller can log it. The engine itself never logs.
 *
 * Idempotent: the first call does the work, later calls return the same promise's answer.
 */
import * as tf from "@tensorflow/tfjs";

export type BackendPreference = "node" | "wasm" | "cpu";

export interface BackendStatus {
  /** The backend actually in use ("tensorflow" for tfjs-node, "wasm", "cpu"). */
  readonly name: string;
  /** Why a preferred backend was not used (empty when the first choice worked). Callers log these. */
  readonly warnings: readonly string[];
}

let pending: Promise<string> | undefined;
let pendingPreference: BackendPreference | undefined;
const warnings: string[] = [];

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function tryNode(): Promise<boolean> {
  try {
    // A variable module name keeps bundlers and the TypeScript compiler from insisting it exists.
    const name = "@tensorflow/tfjs-node";
    require(name);
  } catch (e) {
    warnings.push(`@tensorflow/tfjs-node is not available (${message(e).split("\n")[0]})`);
    return false;
  }
  try {
    if (await tf.setBackend("tensorflow")) return true;
    warnings.push("@tensorflow/tfjs-node loaded but the 'tensorflow' backend did not initialise");
  } catch (e) {
    warnings.push(`the 'tensorflow' backend failed: ${message(e)}`);
  }
  return false;
}

async function tryWasm(): Promise<boolean> {
  try {
    require("@tensorflow/tfjs-backend-wasm"); // registers the "wasm" backend
    if (await tf.setBackend("wasm")) return true;
    warnings.push("the wasm backend did not initialise");
  } catch (e) {
    warnings.push(`the wasm backend failed: ${message(e)}`);
  }
  return false;
}

async function select(prefer: BackendPreference | undefined): Promise<string> {
  if (prefer === "cpu") {
    await tf.setBackend("cpu");
  } else if (prefer === "wasm") {
    if (!(await tryWasm()) && !(await tryNode())) await fallBackToCpu();
  } else {
    if (!(await tryNode()) && !(await tryWasm())) await fallBackToCpu();
  }
  await tf.ready();
  return tf.getBackend();
}

async function fallBackToCpu(): Promise<void> {
  warnings.push("falling back to the pure-JavaScript 'cpu' backend: training will be several times slower");
  await tf.setBackend("cpu");
}

/**
 * Selects and initialises the backend; returns its name. `prefer` changes the first choice
 * ("cpu" is honoured without warning because it was asked for). Calling again with the same (or no)
 * preference returns the backend already chosen; a different explicit preference switches.
 */
export function initBackend(opts?: { prefer?: BackendPreference }): Promise<string> {
  const prefer = opts?.prefer;
  if (pending && (prefer === undefined || prefer === pendingPreference)) return pending;
  pendingPreference = prefer;
  warnings.length = 0;
  pending = select(prefer);
  pending.catch(() => {
    pending = undefined; // let a later call retry
  });
  return pending;
}

/** The name of the backend TensorFlow.js is using right now (may be "" before any init). */
export function backendName(): string {
  return tf.getBackend() ?? "";
}

/** The backend in use and the reasons any preferred backend was skipped, for the caller to log. */
export function backendStatus(): BackendStatus {
  return { name: backendName(), warnings: [...warnings] };
}
