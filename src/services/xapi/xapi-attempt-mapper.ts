/**
 * Statements become attempts (issue #17, item 2; docs/xapi.md): each stored statement that is an attempt
 * (statement-attempt.ts) whose Activity names a task (`Task.activityId`) and whose actor is a learner of
 * the school (xapi_agent_learner; or, when the credential may create learners, a new learner linked to
 * the actor) is recorded through the AttemptService, exactly as `recordAttempt`: the learner's state and
 * mastery move, paths re-plan. The statement id is the attempt's idempotency key (`xapi:<id>`), so
 * mapping a statement twice records one attempt.
 *
 * When: right after the statements' transaction commits, before the answer, on the statements just
 * stored (handed over, not read back). They are safe by then, so a failure here (the database away)
 * never refuses them: they stay `pending` until sent again, or until the school's next request reaches a
 * process that has not swept the school's pending statements since it started, since a failure, or for
 * SWEEP_EVERY_MS (a statement's mark is not flushed to the disk, markMapped: a crash of the database may
 * lose it without this process seeing any failure; the statement is then pending until swept).
 * Statements that cannot map are kept, marked `unmapped` with the reason; those that are not attempts
 * were stored `ignored`.
 */
import type { ServiceDeps } from "../service-deps.js";
import type { AttemptService, RecordAttempt } from "../attempt/attempt.service.js";
import type { LearnerService } from "../learner/learner.service.js";
import { type Actor, Role } from "../auth/actor.js";
import { BadInputError, NotFoundError } from "../common/domain-error.js";
import {
  insertAgentLink,
  learnerOfAgent,
  markMapped,
  markMapping,
  pendingStatements,
  tasksAndLearners,
} from "../../persistence/xapi/xapi-mapping.store.js";
import type { AgentHashers } from "./agent-identity.js";
import { ifiOf } from "./agent-identity.js";
import { type AttemptVerbs, DEFAULT_ATTEMPT_VERBS, statementAsAttempt, type UnmappedReason } from "./statement-attempt.js";
import type { XapiClient } from "./xapi-credential.service.js";

type Json = Record<string, unknown>;

/** Statements mapped per round; a round runs until none is pending. */
const ROUND = 200;
/** How long a process trusts its last sweep of a school's pending statements. */
export const SWEEP_EVERY_MS = 5 * 60_000;

/** On whose behalf statements are mapped: a credential (its statements) or an admin (a remap). */
export interface MappingCaller {
  readonly schoolId: string;
  /** Whether an unknown actor becomes a new learner (a credential's createLearners). */
  readonly createLearners: boolean;
  /** Who records the attempts (their audit trail): `xapi:<credential id>` or the admin's subject. */
  readonly subject: string;
}

/** What a mapping did: statements it mapped and left unmapped, and the learners whose attempts it recorded. */
export interface MappingOutcome {
  mapped: number;
  unmapped: number;
  readonly learnerIds: Set<string>;
  /**
   * Whether a write of this mapping committed synchronously (an attempt recorded, or a statement's mark
   * flushed): everything committed before it, the statements' insert among them, is then on the disk.
   */
  flushed: boolean;
}

export const callerOf = (client: XapiClient): MappingCaller => ({
  schoolId: client.schoolId,
  createLearners: client.createLearners,
  subject: `xapi:${client.credentialId}`,
});

export class XapiAttemptMapper {
  /** Learners being created, by school and agent: two rounds in this process never create two for one actor. */
  private readonly creating = new Map<string, Promise<string>>();
  /**
   * When this process last swept each school's pending statements (absent: not since it started or since
   * a mapping of theirs failed): statements a crash or an outage left pending are mapped on the school's
   * next request, or its first after SWEEP_EVERY_MS.
   */
  private readonly swept = new Map<string, number>();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly attempts: AttemptService,
    private readonly learners: LearnerService,
    private readonly agents: AgentHashers,
    private readonly decrypt: (schoolId: string, id: string, enc: Buffer) => Json,
    private readonly verbs: AttemptVerbs = DEFAULT_ATTEMPT_VERBS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The verbs whose statements are attempts (ZPD_XAPI_ATTEMPT_VERBS). */
  get attemptVerbs(): AttemptVerbs {
    return this.verbs;
  }

  /** How a statement is stored: `pending` when it may be an attempt, `ignored` (with why) when it cannot. */
  initialMapping(statement: Json): { mapping: "pending" | "ignored"; reason: string | null } {
    const as = statementAsAttempt(statement, this.verbs);
    return as.kind === "ignored" ? { mapping: "ignored", reason: as.reason } : { mapping: "pending", reason: null };
  }

  /**
   * Maps statements just stored as pending (given, so not read back), and the school's older pending
   * ones when this process has not swept them yet (a remap asks for the sweep with no fresh statements).
   */
  mapPending(caller: MappingCaller, fresh: readonly Stored[] = [], sweep = false): Promise<MappingOutcome> {
    return this.rounds(caller, fresh, sweep);
  }

  /**
   * The learner an unknown agent becomes: created once per agent in this process, whoever asks meanwhile
   * waits for it; and once across processes: the learner and its link are written in one transaction, and
   * when another process links the agent first, this creation rolls back and that learner is the one.
   */
  private learnerFor(caller: MappingCaller, hash: Buffer): Promise<string> {
    const key = `${caller.schoolId}|${hash.toString("hex")}`;
    let pending = this.creating.get(key);
    if (!pending) {
      pending = (async () => {
        const m = this.deps.dataSource.manager;
        const known = await learnerOfAgent(m, caller.schoolId, hash);
        if (known) return known;
        // A pseudonymous learner: no name, no e-mail (the statement keeps those, encrypted).
        try {
          const created = await this.learners.create(actorOf(caller), {}, async (tm, learnerId) => {
            if (!(await insertAgentLink(tm, caller.schoolId, hash, learnerId))) throw new LinkedElsewhere();
          });
          return created.id;
        } catch (e) {
          if (!(e instanceof LinkedElsewhere)) throw e;
          return (await learnerOfAgent(m, caller.schoolId, hash))!;
        }
      })();
      this.creating.set(key, pending);
      void pending
        .finally(() => {
          this.creating.delete(key);
        })
        .catch(() => {});
    }
    return pending;
  }

  private async rounds(caller: MappingCaller, fresh: readonly Stored[], sweep: boolean): Promise<MappingOutcome> {
    const outcome: MappingOutcome = { mapped: 0, unmapped: 0, learnerIds: new Set(), flushed: false };
    try {
      for (let i = 0; i < fresh.length; i += ROUND) await this.round(caller, fresh.slice(i, i + ROUND), outcome);
      const last = this.swept.get(caller.schoolId);
      if (sweep || last === undefined || this.now() - last > SWEEP_EVERY_MS) {
        const at = this.now();
        for (;;) {
          const pending = await pendingStatements(this.deps.dataSource.manager, caller.schoolId, ROUND);
          await this.round(
            caller,
            pending.map((p) => ({ id: p.id, statement: this.decrypt(caller.schoolId, p.id, p.statementEnc) })),
            outcome,
          );
          if (pending.length < ROUND) break;
        }
        this.swept.set(caller.schoolId, at);
      }
    } catch (e) {
      this.swept.delete(caller.schoolId);
      throw e;
    }
    return outcome;
  }

  /** One round: each statement resolved to its task and learner (looked up together), the attempts recorded together. */
  private async round(caller: MappingCaller, statements: readonly Stored[], outcome: MappingOutcome): Promise<void> {
    if (statements.length === 0) return;
    const m = this.deps.dataSource.manager;
    const schoolId = caller.schoolId;
    const hasher = await this.agents.get();
    const facts = statements.map((s) => ({ ...s, as: statementAsAttempt(s.statement, this.verbs) }));
    const activityIds = facts.flatMap((f) => (f.as.kind === "attempt" ? [f.as.facts.activityId] : []));
    const hashes = new Map(
      facts.flatMap((f) => (f.as.kind === "attempt" ? [[f.id, hasher.hash(ifiOf(f.statement.actor)!)] as const] : [])),
    );
    const { tasks, learners } = await tasksAndLearners(m, schoolId, activityIds, [...hashes.values()]);
    const resolved: Resolved[] = [];
    const unmapped = async (id: string, reason: UnmappedReason) => {
      outcome.unmapped++;
      await markMapping(m, schoolId, id, "unmapped", reason);
      outcome.flushed = true;
    };
    for (const f of facts) {
      if (f.as.kind === "ignored") {
        await markMapping(m, schoolId, f.id, "ignored", f.as.reason);
        outcome.flushed = true;
      } else if (f.as.kind === "unmapped") await unmapped(f.id, f.as.reason);
      else {
        const taskId = tasks.get(f.as.facts.activityId);
        if (!taskId) {
          await unmapped(f.id, "UNKNOWN_ACTIVITY");
          continue;
        }
        const hash = hashes.get(f.id)!;
        const key = hash.toString("hex");
        let learnerId = learners.get(key);
        if (!learnerId) {
          if (!caller.createLearners) {
            await unmapped(f.id, "UNKNOWN_ACTOR");
            continue;
          }
          learnerId = await this.learnerFor(caller, hash);
          learners.set(key, learnerId);
        }
        const a = f.as.facts;
        resolved.push({
          id: f.id,
          input: {
            learnerId,
            taskId,
            correct: a.correct,
            score: a.score,
            durationSeconds: a.durationSeconds,
            occurredAt: a.occurredAt,
            source: "xapi",
            idempotencyKey: `xapi:${f.id}`,
          },
        });
      }
    }
    await this.record(caller, resolved, outcome);
  }

  /**
   * Records a round's attempts as one batch (one recordAttempts); when the batch is refused for one
   * attempt's own checks (a timestamp outside the accepted window, a learner erased meanwhile), one by
   * one, so that only that statement is left unmapped (INVALID_ATTEMPT).
   *
   * The mark that follows attempts just written does not wait for the disk (markMapped, flush: false):
   * their commit has flushed what came before, and a lost mark only leaves a statement pending, which
   * maps again to the same attempt (its idempotency key). When every attempt was a duplicate (nothing
   * written), the mark is flushed: it is then the mapping's synchronous commit.
   */
  private async record(caller: MappingCaller, resolved: readonly Resolved[], outcome: MappingOutcome): Promise<void> {
    if (resolved.length === 0) return;
    const m = this.deps.dataSource.manager;
    const refused = (e: unknown) => e instanceof BadInputError || e instanceof NotFoundError;
    try {
      const recorded = await this.attempts.recordMany(
        actorOf(caller),
        resolved.map((r) => r.input),
      );
      const written = recorded.some((r) => !r.duplicate);
      if (written) outcome.flushed = true;
      await markMapped(
        m,
        caller.schoolId,
        resolved.map((r, i) => ({ id: r.id, attemptId: recorded[i]!.attempt.id, learnerId: r.input.learnerId })),
        { flush: !written },
      );
      outcome.flushed = true;
    } catch (e) {
      if (!refused(e)) throw e;
      if (resolved.length === 1) {
        outcome.unmapped++;
        await markMapping(m, caller.schoolId, resolved[0]!.id, "unmapped", "INVALID_ATTEMPT");
        outcome.flushed = true;
        return;
      }
      for (const r of resolved) await this.record(caller, [r], outcome);
      return;
    }
    outcome.mapped += resolved.length;
    for (const r of resolved) outcome.learnerIds.add(r.input.learnerId);
  }
}

/** Another process linked the agent while this one was creating its learner (that creation rolls back). */
class LinkedElsewhere extends Error {}

/** A stored statement and its id. */
export interface Stored {
  readonly id: string;
  readonly statement: Json;
}

interface Resolved {
  readonly id: string;
  readonly input: RecordAttempt;
}

const actorOf = (caller: MappingCaller): Actor => ({ schoolId: caller.schoolId, role: Role.Service, subject: caller.subject });
