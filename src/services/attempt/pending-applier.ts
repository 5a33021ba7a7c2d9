/**
 * The deferred path's applier: brings learners' states up to date with the attempts `ingestAttempts`
 * acknowledged (attempt-ingest.service.ts), from their durable marks (`attempt_pending`).
 *
 * One transaction per batch of learners: the attempt writer's statement locks the learners' state rows
 * (learner id order, as every multi-learner writer) and claims their pending attempts — deletes the
 * marks, reads the attempts, marks answered path steps done (attempt-writer.ts `applyPendingAttempts`) —
 * then the online update of each learner with all its claimed attempts at once (AttemptService
 * `updateStates`: the same code as recordAttempts' locked path), saved in one statement; the re-plans
 * those attempts call for run after the commit. The marks go with the state save or not at all: a crash
 * before the commit leaves them for the next drain (nothing lost), and a claim after a commit finds
 * them gone (nothing applied twice). A learner's attempts claimed together cost one state read and one
 * state write, however many they are: the longer the backlog, the cheaper each attempt.
 *
 * When: after each ingestion, soon (`schedule`: one drain at a time in a process, batches of
 * `batchLearners`, walking the learners round); at start (what a crash left); and before any read of a
 * learner's mastery, recommendations or paths (`applyPendingOf`, read-your-writes).
 */
import { type Actor, Role } from "../auth/actor.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import { type AppliedAttempt, applyPendingAttempts } from "../../persistence/attempt/attempt-writer.js";
import { learnersWithPending, pendingLearners } from "../../persistence/attempt/attempt-pending.store.js";
import type { PathReplanner } from "../personalisation/path-progress.js";
import type { ServiceDeps } from "../service-deps.js";
import type { AttemptService } from "./attempt.service.js";

export interface ApplierOptions {
  /** Learners per transaction (default 200). */
  readonly batchLearners?: number;
  /** Milliseconds between an ingestion and the drain it schedules (default 0: the next turn of the event loop). */
  readonly delayMs?: number;
}

/** Who the applier's re-plans run as: the school's own service, no person. */
const applierActor = (schoolId: string): Actor => ({ schoolId, role: Role.Service, subject: "zpd:pending-applier" });

export class PendingApplier {
  private readonly batchLearners: number;
  private readonly delayMs: number;
  private running: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Another drain was asked for while one ran. */
  private again = false;
  private stopped = false;
  /** Where the last drain's walk stopped. */
  private cursor: string | null = null;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly attempts: AttemptService,
    private readonly replanner?: PathReplanner,
    options: ApplierOptions = {},
  ) {
    this.batchLearners = options.batchLearners ?? 200;
    this.delayMs = options.delayMs ?? 0;
  }

  /** A drain soon, in this process (one at a time; asked for during one, another follows it). */
  schedule(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.drain(true)
        .catch((e) => {
          // The marks stay: the next ingestion, read or start applies them.
          this.deps.logger.warn({ err: e }, "applying pending attempts failed; they stay pending");
          return 0;
        })
        .finally(() => {
          this.running = null;
          if (this.again) {
            this.again = false;
            this.schedule();
          }
        });
    }, this.delayMs);
  }

  /** Stops the drains after ingestions (the server's shutdown: the drain in progress ends after its batch, and is awaited). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Drains after ingestions again (after `stop`). */
  resume(): void {
    this.stopped = false;
  }

  /**
   * Applies every pending attempt of every school, batch by batch, until none is left; returns how
   * many. `background`: a scheduled drain, which `stop` ends after its batch.
   */
  async drain(background = false): Promise<number> {
    let applied = 0;
    let wrapped = this.cursor === null;
    for (;;) {
      if (background && this.stopped) return applied;
      const batch = await pendingLearners(this.deps.dataSource.manager, this.cursor, this.batchLearners);
      if (batch.length === 0) {
        if (wrapped) return applied;
        // Round again from the first learner: the walk ends when a whole round finds none.
        this.cursor = null;
        wrapped = true;
        continue;
      }
      this.cursor = batch[batch.length - 1]!.learnerId;
      const bySchool = new Map<string, string[]>();
      for (const p of batch) {
        const list = bySchool.get(p.schoolId);
        if (list) list.push(p.learnerId);
        else bySchool.set(p.schoolId, [p.learnerId]);
      }
      for (const [schoolId, learnerIds] of bySchool) applied += await this.applyLearners(schoolId, learnerIds);
    }
  }

  /** Read-your-writes: these learners' pending attempts applied now; for learners with none, one read. */
  async applyPendingOf(schoolId: string, learnerIds: readonly string[]): Promise<void> {
    const pending = await learnersWithPending(this.deps.dataSource.manager, learnerIds);
    if (pending.length) await this.applyLearners(schoolId, pending);
  }

  /** The learners' pending attempts applied, in one transaction (above); returns how many. */
  async applyLearners(schoolId: string, learnerIds: readonly string[]): Promise<number> {
    const actor = applierActor(schoolId);
    // Read before the transaction: on PGlite (one connection) a cache reload from inside it would wait forever.
    const curriculum = this.replanner ? await this.replanner.curriculum(actor) : null;
    const ids = [...new Set(learnerIds)].sort();
    const { applied, replans } = await withConflictRetry(
      () =>
        this.deps.dataSource.transaction(async (m) => {
          const written = await applyPendingAttempts(m, schoolId, ids);
          const fresh = new Map<string, AppliedAttempt[]>();
          for (const a of written.attempts) {
            const list = fresh.get(a.learnerId);
            if (list) list.push(a);
            else fresh.set(a.learnerId, [a]);
          }
          const { replans } = await this.attempts.updateStates(m, schoolId, written, fresh, new Map(), curriculum);
          return { applied: written.attempts.length, replans };
        }),
      "applying pending attempts",
    );
    if (applied) this.deps.events?.attemptsApplied?.(applied);
    if (this.replanner && replans.length) await this.replanner.run(actor, replans);
    return applied;
  }
}
