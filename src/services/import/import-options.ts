/**
 * The options of a trace import and their checks: everything that can be refused before a file is
 * read (bad batch size, label or base time, a missing folder or attempts.csv, an unknown school),
 * so that bad options never start an import.
 */
import fs from "node:fs";
import path from "node:path";
import { DataSource } from "typeorm";
import { isUuid } from "../../shared/ids.js";
import { ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { attemptTimeProblem, DEFAULT_MAX_CLOCK_SKEW_SECONDS, EARLIEST_INSTANT, latestAttemptTime } from "../common/input-bounds.js";
import { MAX_ORDER_ID } from "./trace-csv.js";

export const DEFAULT_BATCH = 5000;
export const MAX_BATCH = 100_000;
/** The instant order_id 0 maps to: the earliest an attempt may be dated. */
export const DEFAULT_BASE_TIME = EARLIEST_INSTANT;
/** The label goes into every idempotency key: a short, plain name keeps the keys readable and bounded. */
const LABEL_RE = /^[\w.-]{1,64}$/;

export interface ImportOptions {
  /** The folder holding attempts.csv (and optionally items.csv). */
  readonly folder: string;
  readonly schoolId: string;
  /** Attempts per transaction (default 5000). */
  readonly batchSize?: number;
  /** The name in the idempotency keys; defaults to the folder's name. */
  readonly label?: string;
  /** Consent purposes to record as granted by SCHOOL for imported learners without a decision. */
  readonly consent?: readonly ConsentPurpose[];
  /**
   * occurred_at of order_id 0 (default 2000-01-01T00:00:00Z). Every attempt's occurred_at (base +
   * order_id seconds) must lie in the window the API enforces: not before 2000-01-01, not after
   * `now` plus the clock skew (input-bounds.ts).
   */
  readonly baseTime?: Date;
  /** The server's time for that window (default: when the import starts). */
  readonly now?: Date;
  /** ZPD_MAX_CLOCK_SKEW_SECONDS (default 300). */
  readonly maxClockSkewSeconds?: number;
  readonly onProgress?: (p: ImportProgress) => void;
  /** Called inside each attempt batch's transaction, before it commits (tests simulate a crash). */
  readonly beforeCommit?: (batch: number) => void | Promise<void>;
  /**
   * Attempt batches written at once (default 1). Several need as many pooled connections: never
   * more than 1 on PGlite (a pool of one). Each batch stays one transaction.
   */
  readonly concurrency?: number;
}

export interface ImportProgress {
  readonly phase: "scan" | "catalog" | "attempts";
  readonly done: number;
  readonly total: number;
  /** Unit of done/total: bytes of attempts.csv while scanning, attempts afterwards. */
  readonly unit: "bytes" | "attempts";
}

/** Bad options or a missing file/school (nothing written). */
export class ImportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportInputError";
  }
}

/** The options once checked, with their defaults applied and the paths resolved. */
export interface CheckedImport {
  readonly schoolId: string;
  readonly folder: string;
  readonly attemptsFile: string;
  readonly itemsFile: string;
  readonly batchSize: number;
  readonly label: string;
  readonly baseTime: Date;
  /** The largest order_id whose attempt still lies in the time window (occurred_at = base + order_id s). */
  readonly latestOrderId: number;
  /** What every idempotency key of this import starts with. */
  readonly keyPrefix: string;
}

/** Checks the options in a fixed order (the first problem is the one reported); throws ImportInputError. */
export async function checkImportOptions(ds: DataSource, options: ImportOptions): Promise<CheckedImport> {
  const folder = path.resolve(options.folder);
  const attemptsFile = path.join(folder, "attempts.csv");
  const itemsFile = path.join(folder, "items.csv");
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH)
    throw new ImportInputError(`the batch size must be an integer from 1 to ${MAX_BATCH}, got ${batchSize}`);
  const label = options.label ?? path.basename(folder);
  if (!LABEL_RE.test(label))
    throw new ImportInputError(
      `the label "${label}" (the folder's name unless given) may hold 1–64 letters, digits and . _ - only: pass --label <name>`,
    );
  const baseTime = options.baseTime ?? DEFAULT_BASE_TIME;
  const window = { now: options.now ?? new Date(), maxClockSkewSeconds: options.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS };
  const problem = attemptTimeProblem(baseTime, window);
  if (problem) throw new ImportInputError(`the base time (order_id 0's occurred_at) ${problem}`);
  const latestOrderId = Math.min(MAX_ORDER_ID, Math.floor((latestAttemptTime(window).getTime() - baseTime.getTime()) / 1000));
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new ImportInputError(`${folder} is not a folder`);
  if (!fs.existsSync(attemptsFile))
    throw new ImportInputError(`${attemptsFile} does not exist (the folder needs attempts.csv: user_id,item_id,skill_id,correct,order_id)`);
  if (!isUuid(options.schoolId)) throw new ImportInputError(`--school must be a school id (a uuid), got "${options.schoolId}"`);
  const school: unknown[] = await ds.query(`SELECT 1 FROM school WHERE id = $1`, [options.schoolId]);
  if (school.length === 0)
    throw new ImportInputError(`there is no school ${options.schoolId} in this database (create one with --create-school "<name>")`);
  return {
    schoolId: options.schoolId,
    folder,
    attemptsFile,
    itemsFile,
    batchSize,
    label,
    baseTime,
    latestOrderId,
    keyPrefix: `import:${label}:`,
  };
}
