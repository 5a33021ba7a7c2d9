/**
 * Retention: attempts older than the configured period (ZPD_RETENTION_DAYS) are deleted, after their
 * counts are folded into `attempt_daily_rollup` (persistence/attempt/attempt-retention.ts), and the
 * learners who lost attempts have their state replayed from what remains.
 *
 * Per school, a UTC day at a time, each day one transaction: the day's learners' state rows locked
 * (learner id order, as every multi-learner writer locks them), the day's attempts deleted and folded
 * in one statement, those learners marked for replay (learner-state.store.ts `markForReplay`: state and
 * mastery emptied, attempts counted again, version bumped). A crash leaves whole days done; a re-run
 * goes on from there. Then the school's stale states are rebuilt under its active model (the
 * `rebuild-states` machinery; without an active model, the next attempt replays them).
 *
 * The cutoff is the start of a UTC day: `retentionCutoff` — so a day is never split between two runs
 * and its distinct learners are counted once.
 *
 * The LRS's records go by the same period: statements stored before the cutoff (with the attachments no
 * remaining statement refers to) and documents last written before it, XAPI_BATCH statements a
 * transaction. A statement's attempt is an attempt like any other: it goes by its own date.
 */
import { BadInputError } from "../common/domain-error.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import { lockStateRows, markForReplay } from "../../persistence/learner/learner-state.store.js";
import {
  daysWithAttemptsBefore,
  foldAndDeleteDay,
  learnersOfDay,
  schoolsWithAttemptsBefore,
} from "../../persistence/attempt/attempt-retention.js";
import type { ServiceDeps } from "../service-deps.js";
import { deleteDocumentsBefore, deleteStatementsBefore, schoolsWithXapiBefore } from "../../persistence/xapi/xapi-retention.store.js";

const DAY_MS = 86_400_000;
/** Statements deleted per transaction. */
const XAPI_BATCH = 5_000;

/**
 * The instant before which attempts are deleted: the start (00:00 UTC) of the UTC day `days` days
 * before `at`'s. Every attempt deleted is at least `days` × 24 h old; none is older than that by more
 * than a day.
 */
export function retentionCutoff(at: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 1) throw new BadInputError(`the retention period must be a whole number of days ≥ 1, got ${days}`);
  const startOfDay = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
  return new Date(startOfDay - days * DAY_MS);
}

export interface RetentionRun {
  readonly retentionDays: number;
  /** "Now" (the job's time). */
  readonly at: Date;
  /** Only these schools (default all). */
  readonly schoolIds?: readonly string[];
  readonly onProgress?: (fraction: number, message?: string) => void;
}

export interface RetentionReport {
  readonly cutoff: Date;
  readonly schools: number;
  /** School-days deleted (one transaction each). */
  readonly days: number;
  readonly deleted: number;
  /** Deleted attempts counted in the rollup (those of learners with ANALYTICS consent). */
  readonly folded: number;
  /** Learners whose states were marked for replay. */
  readonly learners: number;
  /** Of them, states rebuilt under the school's active model now. */
  readonly rebuilt: number;
  /** xAPI statements stored, and documents last written, before the cutoff: deleted. */
  readonly xapiStatements: number;
  readonly xapiDocuments: number;
}

export class RetentionService {
  constructor(
    private readonly deps: ServiceDeps,
    /** Rebuilds the school's stale states under its active model (TrainingService.rebuildStates). */
    private readonly rebuildStates: (schoolId: string) => Promise<number>,
  ) {}

  async apply(run: RetentionRun): Promise<RetentionReport> {
    const cutoff = retentionCutoff(run.at, run.retentionDays);
    const ds = this.deps.dataSource;
    const schools = await schoolsWithAttemptsBefore(ds, cutoff, run.schoolIds);
    let days = 0;
    let deleted = 0;
    let folded = 0;
    let learners = 0;
    let rebuilt = 0;
    for (const [i, schoolId] of schools.entries()) {
      const schoolDays = await daysWithAttemptsBefore(ds, schoolId, cutoff);
      const marked = new Set<string>();
      for (const [d, day] of schoolDays.entries()) {
        const out = await withConflictRetry(
          () =>
            ds.transaction(async (m) => {
              // The state rows first, as the attempt writer and the rebuild lock them.
              await lockStateRows(m, await learnersOfDay(m, schoolId, day, cutoff));
              const folded = await foldAndDeleteDay(m, schoolId, day, cutoff);
              await markForReplay(m, folded.learnerIds);
              return folded;
            }),
          "deleting a day of attempts",
        );
        days++;
        deleted += out.deleted;
        folded += out.folded;
        for (const l of out.learnerIds) marked.add(l);
        run.onProgress?.((i + (d + 1) / (schoolDays.length + 1)) / schools.length, `deleting attempts before ${cutoff.toISOString()}`);
      }
      learners += marked.size;
      rebuilt += await this.rebuildStates(schoolId);
      run.onProgress?.((i + 1) / schools.length, "replaying learner states");
    }
    const xapi = await this.applyToXapi(cutoff, run.schoolIds);
    const report = { cutoff, schools: schools.length, days, deleted, folded, learners, rebuilt, ...xapi };
    this.deps.logger.info(report, "retention applied");
    return report;
  }

  private async applyToXapi(cutoff: Date, only?: readonly string[]): Promise<Pick<RetentionReport, "xapiStatements" | "xapiDocuments">> {
    const ds = this.deps.dataSource;
    let xapiStatements = 0;
    let xapiDocuments = 0;
    for (const schoolId of await schoolsWithXapiBefore(ds, cutoff, only)) {
      for (;;) {
        const n = await ds.transaction((m) => deleteStatementsBefore(m, schoolId, cutoff, XAPI_BATCH));
        xapiStatements += n;
        if (n < XAPI_BATCH) break;
      }
      xapiDocuments += await deleteDocumentsBefore(ds.manager, schoolId, cutoff);
    }
    return { xapiStatements, xapiDocuments };
  }
}
