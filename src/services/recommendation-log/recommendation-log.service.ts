/**
 * The recommendation log: every recommendation served — each task of a `recommendations` answer, and
 * each step of a path planned or re-planned (`planPath`, the re-plans after an attempt) — with the
 * strategy that ranked it, its rank, its propensity (the probability the strategy had of putting it
 * there given the ranks above it: 1 for a deterministic rule), the model and policy versions and the
 * number of candidates. What a later strategy needs to be evaluated off-policy on the school's own
 * traffic (src/engine/policy/off-policy.ts; docs/privacy.md, "Recommendation log"). Ids only.
 *
 * Written like the access log, by the shared batch writer (common/batch-writer.ts): no statement on the
 * request's path, batches at most a second late, retried while the database refuses, the oldest rows
 * dropped (and counted: ServiceEvents.recommendationLogFlushed) beyond the buffer's limit. Unlike an
 * attempt, a served recommendation is never acknowledged as stored: what a crash or a long outage
 * loses is missing from the log, and an evaluation on the log is an evaluation on what it holds.
 *
 * Kept as long as the attempts (ZPD_RETENTION_DAYS: the rewards an evaluation reads are attempts), and
 * erased with the learner.
 */
import { uuidv7 } from "../../shared/ids.js";
import type { Actor } from "../auth/actor.js";
import { BatchWriter, type BatchWriterOptions } from "../common/batch-writer.js";
import { isForeignKeyViolation } from "../common/domain-error.js";
import type { ServiceDeps } from "../service-deps.js";
import { retentionCutoff } from "../privacy/retention.service.js";
import {
  deleteRecommendationRowsBefore,
  insertRecommendationRows,
  type RecommendationRow,
} from "../../persistence/recommendation-log/recommendation-log.store.js";

/** Strategy of a planned path's steps (the path planner: deterministic). */
export const PATH_STRATEGY = "PATH";

/** One answer as served: its items in rank order and what decided them. */
export interface ServedRecommendations {
  readonly learnerId: string;
  /** As the API names it: ZPD, LOWEST_MASTERY, CURRICULUM, POLICY, PATH. */
  readonly strategy: string;
  /** PERSONALISED, NO_CONSENT, NO_MODEL. */
  readonly mode: string;
  /** In rank order; `propensity` absent = 1. */
  readonly items: readonly { readonly taskId: string; readonly propensity?: number }[];
  readonly modelVersionId: string | null;
  readonly policyVersionId?: string | null;
  /** Candidates the strategy ranked; null when it ranked none (curriculum order without a model, a path). */
  readonly candidateCount: number | null;
}

/** The engine's strategy name as the API and the log spell it ("lowest-mastery" → LOWEST_MASTERY). */
export const loggedStrategy = (engineName: string): string => engineName.toUpperCase().replaceAll("-", "_");

/** Rows a retention statement deletes at a time (a short statement each, not one long lock). */
const PRUNE_CHUNK = 10_000;

export class RecommendationLogService {
  private readonly writer: BatchWriter<RecommendationRow>;

  constructor(
    private readonly deps: ServiceDeps,
    opts: BatchWriterOptions = {},
  ) {
    this.writer = new BatchWriter<RecommendationRow>(
      {
        name: "recommendation log",
        write: (rows) => this.insert(rows),
        flushed: (written, dropped) => deps.events?.recommendationLogFlushed?.(written, dropped),
        logger: deps.logger,
      },
      opts,
    );
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.writer.pending;
  }

  /** Records one answer, a row per item (never waits: the next flush writes them). */
  record(actor: Actor, served: ServedRecommendations, at: Date = new Date()): void {
    if (served.items.length === 0) return;
    const answerId = uuidv7(at.getTime());
    this.writer.add(
      served.items.map((item, i) => {
        const id = uuidv7(at.getTime());
        const row: RecommendationRow = {
          id,
          schoolId: actor.schoolId,
          learnerId: served.learnerId.toLowerCase(),
          answerId,
          servedAt: at,
          strategy: served.strategy,
          mode: served.mode,
          taskId: item.taskId,
          rank: i + 1,
          propensity: item.propensity ?? 1,
          modelVersionId: served.modelVersionId,
          policyVersionId: served.policyVersionId ?? null,
          candidateCount: served.candidateCount,
        };
        return [id, row] as const;
      }),
    );
  }

  /** Writes every row waiting. Never throws: a failed batch waits for the next flush. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Stops the timer and writes what is waiting (the server's stop, before the database closes). */
  close(): Promise<void> {
    return this.writer.close();
  }

  /** A learner erased between the batch's filter and its insert fails the whole batch on the foreign key: filtered again, once. */
  private async insert(rows: readonly RecommendationRow[]): Promise<number> {
    const m = this.deps.dataSource.manager;
    try {
      return await insertRecommendationRows(m, rows);
    } catch (e) {
      if (!isForeignKeyViolation(e)) throw e;
      return insertRecommendationRows(m, rows);
    }
  }

  /** Deletes the rows served before the retention cutoff (the attempts' cutoff), in short statements; the daily `retention` job runs it. */
  async prune(retentionDays: number, at: Date, schoolIds?: readonly string[]): Promise<{ cutoff: Date; deleted: number }> {
    const cutoff = retentionCutoff(at, retentionDays);
    let deleted = 0;
    for (;;) {
      const n = await deleteRecommendationRowsBefore(this.deps.dataSource.manager, cutoff, PRUNE_CHUNK, schoolIds);
      deleted += n;
      if (n < PRUNE_CHUNK) break;
    }
    if (deleted > 0) this.deps.logger.info({ cutoff, deleted }, "recommendation log pruned");
    return { cutoff, deleted };
  }
}
