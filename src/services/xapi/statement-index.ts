/**
 * What a stored statement is found by (xAPI 1.0.3, 7.2.3 GET Statements): its verb, registration, the
 * Activity that is its object, the Activities it relates to, the Agents that are its actor or object, and
 * the Agents it relates to; the statement it targets with a StatementRef, and whether it voids it. Pure.
 */
import { actorIfis } from "./agent-identity.js";

type Json = Record<string, unknown>;

export const VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided";

export interface StatementIndex {
  readonly verbId: string;
  readonly registration: string | null;
  /** The statement targeted by a StatementRef object, or null. */
  readonly refId: string | null;
  /** A voiding statement: the voided verb and a StatementRef object. */
  readonly voids: boolean;
  /** The object's Activity id, when the object is an Activity (the `activity` filter). */
  readonly activityIds: readonly string[];
  /** The object, context activities and a sub-statement's own (the `related_activities` filter). */
  readonly relatedActivityIds: readonly string[];
  /** The actor's and an Agent or Group object's IFIs, members included (the `agent` filter). */
  readonly agentIfis: readonly string[];
  /** Those and the authority, instructor, team and a sub-statement's (the `related_agents` filter). */
  readonly relatedAgentIfis: readonly string[];
  /** Every Activity object with a definition the statement carries (for the Activities resource). */
  readonly activities: readonly { id: string; definition: Json }[];
}

const isActivity = (o: Json): boolean => o.objectType === undefined || o.objectType === "Activity";
const isAgentLike = (o: Json): boolean => o.objectType === "Agent" || o.objectType === "Group";

function contextActivities(context: Json | undefined): Json[] {
  const ca = context?.contextActivities as Json | undefined;
  if (!ca) return [];
  const out: Json[] = [];
  for (const k of ["parent", "grouping", "category", "other"]) {
    const v = ca[k];
    if (Array.isArray(v)) out.push(...(v as Json[]));
    else if (v && typeof v === "object") out.push(v as Json);
  }
  return out;
}

function contextAgents(context: Json | undefined): string[] {
  if (!context) return [];
  return [...(context.instructor ? actorIfis(context.instructor) : []), ...(context.team ? actorIfis(context.team) : [])];
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

export function indexStatement(s: Json): StatementIndex {
  const object = s.object as Json;
  const context = s.context as Json | undefined;
  const verbId = (s.verb as Json).id as string;
  const activities: Json[] = [];
  const activityIds: string[] = [];
  const related: string[] = [];
  const agents = actorIfis(s.actor);
  const relatedAgents: string[] = [...agents, ...(s.authority ? actorIfis(s.authority) : []), ...contextAgents(context)];
  if (isActivity(object)) {
    activityIds.push(object.id as string);
    activities.push(object);
  } else if (isAgentLike(object)) {
    agents.push(...actorIfis(object));
    relatedAgents.push(...actorIfis(object));
  } else if (object.objectType === "SubStatement") {
    const subObject = object.object as Json;
    const subContext = object.context as Json | undefined;
    relatedAgents.push(...actorIfis(object.actor), ...contextAgents(subContext));
    if (isActivity(subObject)) activities.push(subObject);
    else if (isAgentLike(subObject)) relatedAgents.push(...actorIfis(subObject));
    activities.push(...contextActivities(subContext));
    related.push(...(isActivity(subObject) ? [subObject.id as string] : []), ...contextActivities(subContext).map((a) => a.id as string));
  }
  activities.push(...contextActivities(context));
  related.push(...activityIds, ...contextActivities(context).map((a) => a.id as string));
  const refId = object.objectType === "StatementRef" ? (object.id as string).toLowerCase() : null;
  const registration = typeof context?.registration === "string" ? context.registration.toLowerCase() : null;
  return {
    verbId,
    registration,
    refId,
    voids: verbId === VOIDED_VERB && refId !== null,
    activityIds,
    relatedActivityIds: unique(related),
    agentIfis: unique(agents),
    relatedAgentIfis: unique(relatedAgents),
    activities: activities
      .filter((a) => a.definition && typeof a.definition === "object")
      .map((a) => ({ id: a.id as string, definition: a.definition as Json })),
  };
}
