/**
 * Embedded PGlite on a worker thread of its own (ZPD_PGLITE_THREAD=true; off by default).
 *
 * PGlite runs PostgreSQL (WASM) on the thread that calls it. In the server's thread, every statement
 * executes between the GraphQL requests, and the two together are capped at one core. On a worker
 * thread the database gets the second core: the main thread does HTTP, GraphQL and the engine, the
 * worker executes SQL. Measured at full scale and 200 requests/s: recordAttempt's p99 was 8.2–8.5 ms on
 * the main thread and 22.8–34.0 ms on a worker thread. With recordAttempt at two statements, each thread
 * hop costs more than the thread frees, so the default stays on the main thread (docs/architecture.md).
 *
 * Nothing above this file changes: node-postgres still talks through PGlite's own adapter
 * (`createPgConfig`), given this stand-in for the PGlite instance. The adapter hands it the
 * wire-protocol messages one by one; the stand-in forwards them to the worker's `execProtocolRaw`
 * and parses the answer (pg-protocol, as node-postgres does on a socket). Extended-protocol messages
 * (Parse, Bind, Describe, Execute, Close) are held until the Sync or Flush that ends them and cross
 * to the worker together, as they would travel on a socket: one thread hop per statement.
 */
import { Worker } from "node:worker_threads";
import { Parser } from "pg-protocol/dist/parser";
import type { BackendMessage } from "pg-protocol/dist/messages";

/** Message types held for the batch (frontend: Parse, Bind, Describe, Execute, Close). */
const HELD = new Set(["P", "B", "D", "E", "C"].map((c) => c.charCodeAt(0)));

/** The worker: a PGlite instance that executes raw protocol batches, one at a time, in order. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { PGlite } = require(workerData.pglite);
let db;
let chain = Promise.resolve();
const reply = (id, fn) => {
  chain = chain.then(fn).then(
    (value) => value instanceof Uint8Array ? parentPort.postMessage({ id, value }, [value.buffer]) : parentPort.postMessage({ id, value }),
    (e) => parentPort.postMessage({ id, error: { message: String(e && e.message || e), stack: e && e.stack } }),
  );
};
parentPort.on("message", (m) => {
  if (m.op === "open") reply(m.id, async () => { db = await PGlite.create({ dataDir: workerData.dataDir }); return null; });
  // The answer is transferred, so it must own its whole buffer (never a view of the WASM memory).
  else if (m.op === "exec") reply(m.id, async () => {
    const out = await db.execProtocolRaw(m.bytes);
    return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
  });
  else if (m.op === "close") reply(m.id, async () => { if (db) await db.close(); return null; });
});
`;

interface Reply {
  readonly id: number;
  readonly value?: unknown;
  readonly error?: { message: string; stack?: string };
}

/**
 * What happens when the thread dies on its own (a WASM abort, out of memory): by default the error is
 * rethrown outside any promise, which ends the process as a crash of PGlite on the main thread did —
 * a server that answers its health check while every query fails would be worse.
 */
export type ThreadFailure = (e: Error) => void;
const crash: ThreadFailure = (e) =>
  setImmediate(() => {
    throw e;
  });

export class PGliteThread {
  /** Resolves when the database is open (PGlite's adapter waits on it before the first query). */
  readonly waitReady: Promise<void>;
  private readonly worker: Worker;
  private readonly parser = new Parser();
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private held: Uint8Array[] = [];
  private closed = false;
  private closing = false;

  /** `dataDir`: the database folder; undefined = in memory. */
  constructor(
    dataDir: string | undefined,
    private readonly onFailure: ThreadFailure = crash,
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dataDir, pglite: require.resolve("@electric-sql/pglite") } });
    this.worker.on("message", (r: Reply) => {
      const call = this.calls.get(r.id);
      if (!call) return;
      this.calls.delete(r.id);
      if (r.error) call.reject(Object.assign(new Error(r.error.message), { stack: r.error.stack }));
      else call.resolve(r.value);
    });
    this.worker.on("error", (e) => this.died(new Error(`the PGlite thread failed: ${e.message}`, { cause: e })));
    this.worker.on("messageerror", (e) => this.died(new Error(`a message from the PGlite thread could not be read: ${String(e)}`)));
    this.worker.on("exit", (code) => this.died(new Error(`the PGlite thread exited (code ${code})`)));
    this.waitReady = this.call("open").then(() => undefined);
  }

  /**
   * What PGlite's node-postgres adapter calls for each frontend message: the backend messages it
   * caused, parsed. A held message answers nothing yet; its answers come with its batch's.
   */
  async execProtocolStream(message: Uint8Array): Promise<BackendMessage[]> {
    if (HELD.has(message[0]!)) {
      this.held.push(message);
      return [];
    }
    // A fresh buffer of its own, transferred (a lone message may be a view of Node's shared pool).
    const batch = concat([...this.held, message]);
    this.held = [];
    const raw = (await this.call("exec", batch)) as Uint8Array;
    const out: BackendMessage[] = [];
    this.parser.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), (m) => out.push(m));
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    try {
      await this.call("close");
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }

  private call(op: "open" | "exec" | "close", bytes?: Uint8Array): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error("the PGlite thread is closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, bytes }, bytes ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  /** The thread is gone: every call waiting fails, and unless we closed it, `onFailure` is told. */
  private died(e: Error): void {
    const unexpected = !this.closing && !this.closed;
    this.closed = true;
    this.held = [];
    for (const call of this.calls.values()) call.reject(e);
    this.calls.clear();
    if (unexpected) this.onFailure(e);
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
