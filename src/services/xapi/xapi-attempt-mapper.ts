/**
 * Statements become attempts (issue #17, item 2; docs/xapi.md): each stored statement that is an attempt
 * (statement-attempt.ts) whose Activity names a task (`Task.activityId`) and whose actor is a learner of
 * the school (xapi_agent_learner; or, when the credential may create learners, a new learner linked to
 * the actor) is recorded through the AttemptService, exactly as `recordAttempt`: the learner's state and
 * mastery move, paths re-plan. The statement id is the attempt's idempotency key (`xapi:<id>`), so
 * mapping a statement twice records one attempt.
 *
 * When: right after the statements' transaction commits, before the answer; the statements are already
 * safe then, so a failure here (the database away) never refuses them — they stay `pending` and the next
 * request of the school maps them. Statements that cannot map are kept, marked `unmapped` with the
 * reason; those that are not attempts, `ignored`.
 */
import type { ServiceDeps } from "../service-deps.js";
import type { AttemptService, RecordAttempt } from "../attempt/attempt.service.js";
import type { LearnerService } from "../learner/learner.service.js";
import { type Actor, Role } from "../auth/actor.js";
import { BadInputError, NotFoundError } from "../common/domain-error.js";
import {
  learnerOfAgent,
  linkAgent,
  markMapped,
  markMapping,
  pendingStatements,
  taskOfActivity,
} from "../../persistence/xapi/xapi-mapping.store.js";
import type { AgentHashers } from "./agent-identity.js";
import { ifiOf } from "./agent-identity.js";
import { ATTEMPT_VERBS, statementAsAttempt, type UnmappedReason } from "./statement-attempt.js";
import type { XapiClient } from "./xapi-credential.service.js";

type Json = Record<string, unknown>;

/** Statements mapped per round; a round runs until none is pending. */
const ROUND = 200;

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
}

export const callerOf = (client: XapiClient): MappingCaller => ({
  schoolId: client.schoolId,
  createLearners: client.createLearners,
  subject: `xapi:${client.credentialId}`,
});

export class XapiAttemptMapper {
  /** One mapping at a time per school in this process: two rounds never create a learner twice for one actor. */
  private readonly running = new Map<string, Promise<MappingOutcome>>();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly attempts: AttemptService,
    private readonly learners: LearnerService,
    private readonly agents: AgentHashers,
    private readonly decrypt: (schoolId: string, id: string, enc: Buffer) => Json,
    private readonly verbs: readonly string[] = ATTEMPT_VERBS,
  ) {}

  /** Maps the school's pending statements (those just stored and any left from before). */
  mapPending(caller: MappingCaller): Promise<MappingOutcome> {
    const before = this.running.get(caller.schoolId);
    const next = (before ?? Promise.resolve()).catch(() => {}).then(() => this.rounds(caller));
    this.running.set(caller.schoolId, next);
    void next
      .finally(() => {
        if (this.running.get(caller.schoolId) === next) this.running.delete(caller.schoolId);
      })
      .catch(() => {});
    return next;
  }

  private async rounds(caller: MappingCaller): Promise<MappingOutcome> {
    const outcome: MappingOutcome = { mapped: 0, unmapped: 0, learnerIds: new Set() };
    for (;;) {
      const pending = await pendingStatements(this.deps.dataSource.manager, caller.schoolId, ROUND);
      const attempts: Resolved[] = [];
      for (const p of pending) {
        const resolved = await this.resolve(caller, p.id, this.decrypt(caller.schoolId, p.id, p.statementEnc), outcome);
        if (resolved) attempts.push(resolved);
      }
      await this.record(caller, attempts, outcome);
      if (pending.length < ROUND) return outcome;
    }
  }

  /** The statement's attempt with its task and learner, or null when it is marked ignored or unmapped here. */
  private async resolve(caller: MappingCaller, id: string, statement: Json, outcome: MappingOutcome): Promise<Resolved | null> {
    const m = this.deps.dataSource.manager;
    const schoolId = caller.schoolId;
    const as = statementAsAttempt(statement, this.verbs);
    if (as.kind === "ignored") {
      await markMapping(m, schoolId, id, "ignored", as.reason);
      return null;
    }
    const unmapped = async (reason: UnmappedReason) => {
      outcome.unmapped++;
      await markMapping(m, schoolId, id, "unmapped", reason);
      return null;
    };
    if (as.kind === "unmapped") return unmapped(as.reason);
    const taskId = await taskOfActivity(m, schoolId, as.facts.activityId);
    if (!taskId) return unmapped("UNKNOWN_ACTIVITY");
    const hash = (await this.agents.get()).hash(ifiOf(statement.actor)!);
    let learnerId = await learnerOfAgent(m, schoolId, hash);
    if (!learnerId) {
      if (!caller.createLearners) return unmapped("UNKNOWN_ACTOR");
      // A pseudonymous learner: no name, no e-mail (the statement keeps those, encrypted).
      const created = await this.learners.create(actorOf(caller), {});
      learnerId = await linkAgent(m, schoolId, hash, created.id);
    }
    const f = as.facts;
    return {
      id,
      input: {
        learnerId,
        taskId,
        correct: f.correct,
        score: f.score,
        durationSeconds: f.durationSeconds,
        occurredAt: f.occurredAt,
        source: "xapi",
        idempotencyKey: `xapi:${id}`,
      },
    };
  }

  /**
   * Records a round's attempts as one batch (one recordAttempts); when the batch is refused for one
   * attempt's own checks (a timestamp outside the accepted window, a learner erased meanwhile), one by
   * one, so that only that statement is left unmapped (INVALID_ATTEMPT).
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
      await markMapped(
        m,
        caller.schoolId,
        resolved.map((r, i) => ({ id: r.id, attemptId: recorded[i]!.attempt.id, learnerId: r.input.learnerId })),
      );
    } catch (e) {
      if (!refused(e) || resolved.length === 1) {
        if (!refused(e)) throw e;
        outcome.unmapped++;
        await markMapping(m, caller.schoolId, resolved[0]!.id, "unmapped", "INVALID_ATTEMPT");
        return;
      }
      for (const r of resolved) await this.record(caller, [r], outcome);
      return;
    }
    outcome.mapped += resolved.length;
    for (const r of resolved) outcome.learnerIds.add(r.input.learnerId);
  }
}

interface Resolved {
  readonly id: string;
  readonly input: RecordAttempt;
}

const actorOf = (caller: MappingCaller): Actor => ({ schoolId: caller.schoolId, role: Role.Service, subject: caller.subject });
