/**
 * Rows written in the background, in batches, with no statement on a request's path: the access log's
 * and the recommendation log's one writer (services/access-log/, services/recommendation-log/).
 *
 * A row waits in memory `flushMs` from its key's first add (its due time; a timed write takes the rows
 * due within a tenth of that too, so a steady inflow is written in slices rather than all at once) before
 * its batch is written — sooner when `flushAt` are waiting, or on `flush` and `close`. Rows are keyed: a row whose key is already waiting is not added again, or,
 * when the sink has a `merge`, is merged into the one waiting (the access log's one row per caller,
 * learner, operation and kind over the window, with its first and last time and its count). One batch
 * is one `write` call (one statement) of at most `maxBatch` rows. When the
 * database cannot take a batch its rows go back into the buffer and wait for the next flush; past
 * `maxBuffered` the oldest are dropped and counted, so an outage cannot exhaust the memory. What a
 * crash loses is what is waiting: these rows are never acknowledged to anyone.
 */
import type { Logger } from "../../shared/logger.js";

export interface BatchWriterOptions {
  /** How long a row waits in memory at most before its batch is written. */
  readonly flushMs?: number;
  /** A batch's rows (one statement); this many waiting are written at once unless `flushAt` says otherwise. */
  readonly maxBatch?: number;
  /** Rows waiting that start a write before `flushMs` is up (default `maxBatch`). */
  readonly flushAt?: number;
  /** Rows kept while the database cannot take them; older ones are dropped beyond. */
  readonly maxBuffered?: number;
}

export const FLUSH_MS = 1_000;
export const MAX_BATCH = 1_000;
export const MAX_BUFFERED = 100_000;

export interface BatchSink<Row> {
  /** Named in the log lines ("access log"). */
  readonly name: string;
  /** Writes one batch in one statement; returns the rows written (some may be filtered out). Throws when the database refuses. */
  write(rows: readonly Row[]): Promise<number>;
  /**
   * A row of a key already waiting, merged into the waiting one (`waiting` is the earlier). Without it,
   * the waiting row is kept and the later one dropped.
   */
  merge?(waiting: Row, later: Row): Row;
  /** After each batch written (rows written, 0) and each drop (0, rows dropped). Must neither throw nor wait. */
  flushed?(written: number, dropped: number): void;
  readonly logger: Logger;
}

/** A row waiting, and when its key was first added (Date.now()): it is due `flushMs` after. */
interface Waiting<Row> {
  row: Row;
  readonly since: number;
}

export class BatchWriter<Row> {
  private buffer = new Map<string, Waiting<Row>>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failing = false;
  private readonly flushMs: number;
  /** A timed write takes the rows due within this much more too (a tenth of the window): fewer, fuller batches. */
  private readonly slackMs: number;
  private readonly maxBatch: number;
  private readonly flushAt: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly sink: BatchSink<Row>,
    opts: BatchWriterOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? FLUSH_MS;
    this.slackMs = this.flushMs / 10;
    this.maxBatch = opts.maxBatch ?? MAX_BATCH;
    this.maxBuffered = opts.maxBuffered ?? MAX_BUFFERED;
    this.flushAt = Math.min(opts.flushAt ?? this.maxBatch, this.maxBuffered);
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.buffer.size;
  }

  /** Whether a row of this key is waiting. */
  has(key: string): boolean {
    return this.buffer.has(key);
  }

  /** Adds rows (a key already waiting keeps its row, merged with this one when the sink merges); never waits: a later write takes them. */
  add(rows: Iterable<readonly [key: string, row: Row]>): void {
    let added = false;
    const now = Date.now();
    for (const [key, row] of rows) {
      const waiting = this.buffer.get(key);
      if (waiting !== undefined) {
        if (this.sink.merge) waiting.row = this.sink.merge(waiting.row, row);
        continue;
      }
      this.buffer.set(key, { row, since: now });
      added = true;
    }
    if (!added) return;
    this.dropBeyondLimit();
    if (this.buffer.size >= this.flushAt) void this.flush();
    else this.schedule();
  }

  /** Writes every row waiting (batches in order; one write at a time). Never throws: a failed batch waits for the next. */
  flush(): Promise<void> {
    return this.enqueue(true);
  }

  /** Stops the timer and writes what is waiting (the server's stop, before the database closes). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  private enqueue(all: boolean): Promise<void> {
    this.chain = this.chain.then(() => this.writeWaiting(all));
    return this.chain;
  }

  /**
   * The next timed write: when the oldest row is due (`flushMs` after its key was first added), so that
   * a steady inflow is written in slices a tenth of the window apart rather than all at the window's end;
   * after a refused batch, `flushMs` later.
   */
  private schedule(): void {
    if (this.timer || this.buffer.size === 0) return;
    const oldest = this.buffer.values().next().value as Waiting<Row>;
    const delay = this.failing ? this.flushMs : Math.max(0, oldest.since + this.flushMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.enqueue(false);
    }, delay);
    this.timer.unref();
  }

  private dropBeyondLimit(): void {
    let dropped = 0;
    for (const key of this.buffer.keys()) {
      if (this.buffer.size <= this.maxBuffered) break;
      this.buffer.delete(key);
      dropped++;
    }
    if (dropped > 0) {
      this.sink.flushed?.(0, dropped);
      this.sink.logger.warn({ dropped, waiting: this.buffer.size }, `${this.sink.name}: rows dropped (the database has not taken them)`);
    }
  }

  /** The rows to write now, taken out of the buffer: all of them, or those due by the slack. */
  private takeDue(all: boolean): [string, Waiting<Row>][] {
    const dueBy = all ? Infinity : Date.now() + this.slackMs - this.flushMs;
    const due: [string, Waiting<Row>][] = [];
    for (const entry of this.buffer) if (entry[1].since <= dueBy) due.push(entry);
    for (const [key] of due) this.buffer.delete(key);
    return due;
  }

  private async writeWaiting(all: boolean): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // An explicit flush takes the rows added while it writes too, until none is left.
    for (let due = this.takeDue(all); due.length > 0; due = all ? this.takeDue(true) : []) {
      for (let i = 0; i < due.length; i += this.maxBatch) {
        const batch = due.slice(i, i + this.maxBatch);
        try {
          const written = await this.sink.write(batch.map(([, w]) => w.row));
          this.sink.flushed?.(written, 0);
          if (this.failing) this.sink.logger.info({ rows: written }, `${this.sink.name}: written again`);
          this.failing = false;
        } catch (e) {
          // Back in the buffer with the rows not tried yet, tried again at the next write; a later row of
          // the same key keeps its own, or, when the sink merges, is merged into this earlier one (nothing
          // counted twice, nothing lost).
          for (const [key, w] of due.slice(i)) {
            const later = this.buffer.get(key);
            if (later === undefined) this.buffer.set(key, w);
            else if (this.sink.merge) this.buffer.set(key, { row: this.sink.merge(w.row, later.row), since: w.since });
          }
          this.dropBeyondLimit();
          if (!this.failing)
            this.sink.logger.warn(
              { code: (e as { code?: string })?.code, waiting: this.buffer.size },
              `${this.sink.name}: a batch could not be written; retrying`,
            );
          this.failing = true;
          this.schedule();
          return;
        }
      }
    }
    this.schedule();
  }
}
