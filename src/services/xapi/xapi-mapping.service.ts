/**
 * What an admin does about statements that did not become attempts (docs/xapi.md, "Statements become
 * attempts"): list them with the reason, link an xAPI agent to an existing learner (its waiting
 * statements are then mapped), and map again what a change made mappable (a task given an activityId).
 */
import type { ServiceDeps } from "../service-deps.js";
import { type Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, ConflictError, NotFoundError } from "../common/domain-error.js";
import {
  learnerOfAgent,
  linkAgent,
  requeueAttemptVerbs,
  requeueUnmapped,
  unmappedStatements,
} from "../../persistence/xapi/xapi-mapping.store.js";
import { type AgentHashers, ifiOf, parseAgent } from "./agent-identity.js";
import type { MappingOutcome, XapiAttemptMapper } from "./xapi-attempt-mapper.js";
import type { UnmappedReason } from "./statement-attempt.js";

export const MAX_UNMAPPED_PAGE = 500;
/** The longest `agent` JSON a link takes. */
export const MAX_AGENT_JSON_LENGTH = 2_000;
/** What a remap retries: the reasons a change in the school can lift (a learner linked, a task's activityId set). */
const LIFTABLE: readonly UnmappedReason[] = ["UNKNOWN_ACTOR", "UNKNOWN_ACTIVITY"];

export interface UnmappedStatement {
  readonly statementId: string;
  readonly reason: string;
  readonly storedAt: Date;
}

export class XapiMappingService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly mapper: XapiAttemptMapper,
    private readonly agents: AgentHashers,
  ) {}

  /** The school's statements that did not map, newest first (admins). */
  async unmapped(actor: Actor, first = 50): Promise<UnmappedStatement[]> {
    requireRole(actor, Role.Admin);
    if (!Number.isInteger(first) || first < 1 || first > MAX_UNMAPPED_PAGE)
      throw new BadInputError(`first must be between 1 and ${MAX_UNMAPPED_PAGE}`, { field: "first" });
    const rows = await unmappedStatements(this.deps.dataSource.manager, actor.schoolId, first);
    return rows.map((r) => ({ statementId: r.id, reason: r.reason, storedAt: r.stored }));
  }

  /** Says which learner an xAPI agent is (admins); the agent's statements waiting as UNKNOWN_ACTOR are mapped. */
  async linkAgent(actor: Actor, learnerId: string, agentJson: string): Promise<MappingOutcome> {
    requireRole(actor, Role.Admin);
    if (agentJson.length > MAX_AGENT_JSON_LENGTH)
      throw new BadInputError(`agent must be at most ${MAX_AGENT_JSON_LENGTH} characters`, { field: "agent" });
    const m = this.deps.dataSource.manager;
    const [known]: unknown[] = await m.query(`SELECT 1 FROM learner WHERE id = $1 AND school_id = $2`, [learnerId, actor.schoolId]);
    if (!known) throw new NotFoundError("Learner", learnerId);
    const ifi = ifiOf(parseAgent(agentJson))!;
    const hash = (await this.agents.get()).hash(ifi);
    const before = await learnerOfAgent(m, actor.schoolId, hash);
    if (before && before !== learnerId) throw new ConflictError("this agent is already linked to another learner", { field: "agent" });
    if (!before) await linkAgent(m, actor.schoolId, hash, learnerId);
    await requeueUnmapped(m, actor.schoolId, ["UNKNOWN_ACTOR"], hash);
    return this.mapper.mapPending({ schoolId: actor.schoolId, createLearners: false, subject: actor.subject }, [], true);
  }

  /**
   * Maps again the statements left unmapped for a reason the school may have lifted since, and those
   * stored before their verb became an attempt verb (admins).
   */
  async remap(actor: Actor): Promise<MappingOutcome> {
    requireRole(actor, Role.Admin);
    await requeueUnmapped(this.deps.dataSource.manager, actor.schoolId, LIFTABLE);
    await requeueAttemptVerbs(this.deps.dataSource.manager, actor.schoolId, [...this.mapper.attemptVerbs.attempt]);
    return this.mapper.mapPending({ schoolId: actor.schoolId, createLearners: false, subject: actor.subject }, [], true);
  }
}
