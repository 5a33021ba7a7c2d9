/**
 * Which statements are attempts, and what attempt (issue #17, item 2; docs/xapi.md, "Statements become
 * attempts"). Pure: a stored statement in, the attempt's facts or why it is not one out.
 *
 * A statement is an attempt when its verb is one of the attempt verbs (ADL's answered, completed,
 * passed, failed, attempted by default; ZPD_XAPI_ATTEMPT_VERBS sets others, parseAttemptVerbs) and its
 * object is an Activity (which a task names by `activityId`); its actor must be one Agent. Its outcome:
 *
 *   correct = result.success, when given;
 *           = true for a success verb (`passed`), false for a failure verb (`failed`), otherwise;
 *           = result.score.scaled ≥ 0.5, otherwise, when a scaled score is given;
 *   score   = result.score.scaled clipped to [0, 1] (xAPI allows [−1, 1]), when given;
 *   duration = result.duration in whole seconds, at most a day (input-bounds.ts);
 *   occurredAt = timestamp (the LRS set it to `stored` when the client did not).
 *
 * With none of these, the statement is stored and reported as unmapped (NO_OUTCOME), never guessed.
 */
import { MAX_DURATION_SECONDS } from "../common/input-bounds.js";
import { durationSeconds } from "./xapi-values.js";
import { VOIDED_VERB } from "./statement-index.js";

type Json = Record<string, unknown>;

const ADL = "http://adlnet.gov/expapi/verbs/";
/** Most attempt verbs a setting may list. */
export const MAX_ATTEMPT_VERBS = 100;

/**
 * The verbs whose statements are attempts, and those that say the outcome when the result does not: a
 * success verb's attempt is correct, a failure verb's is not (each is an attempt verb too).
 */
export interface AttemptVerbs {
  readonly attempt: ReadonlySet<string>;
  readonly success: ReadonlySet<string>;
  readonly failure: ReadonlySet<string>;
}

/** The default (ADL vocabulary): answered, completed, passed (success), failed (failure), attempted. */
export const DEFAULT_ATTEMPT_VERBS: AttemptVerbs = parseAttemptVerbs(
  ["answered", "completed", "passed=success", "failed=failure", "attempted"].map((v) => ADL + v).join(","),
);

/**
 * The attempt verbs of a setting: verb IRIs separated by commas, each optionally followed by `=success`
 * or `=failure`, e.g. `http://adlnet.gov/expapi/verbs/answered,https://example.org/verbs/mastered=success`.
 * The list replaces the default (list ADL's verbs too to keep them). Throws (with the reason) on an
 * entry that is not an absolute IRI, an unknown outcome, a verb listed twice, voided, or an empty list.
 */
export function parseAttemptVerbs(setting: string): AttemptVerbs {
  const attempt = new Set<string>();
  const success = new Set<string>();
  const failure = new Set<string>();
  const entries = setting
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error("expected at least one verb IRI");
  if (entries.length > MAX_ATTEMPT_VERBS) throw new Error(`expected at most ${MAX_ATTEMPT_VERBS} verbs, got ${entries.length}`);
  for (const entry of entries) {
    const eq = entry.lastIndexOf("=");
    const outcome = eq > 0 && /^=(success|failure)$/.test(entry.slice(eq)) ? entry.slice(eq + 1) : null;
    const iri = outcome ? entry.slice(0, eq) : entry;
    if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(iri) || iri.length > 2048)
      throw new Error(`"${entry.slice(0, 100)}" is not a verb IRI (optionally followed by =success or =failure)`);
    if (iri === VOIDED_VERB) throw new Error("the voided verb voids statements: it cannot be an attempt verb");
    if (attempt.has(iri)) throw new Error(`${iri} is listed twice`);
    attempt.add(iri);
    if (outcome === "success") success.add(iri);
    if (outcome === "failure") failure.add(iri);
  }
  return { attempt, success, failure };
}

/** Why a statement is not an attempt at all (it is then left alone). */
export type IgnoredReason = "NOT_AN_ATTEMPT_VERB" | "NOT_AN_ACTIVITY";
/** Why an attempt-like statement could not become one (it is then reported, never dropped). */
export type UnmappedReason = "NO_OUTCOME" | "GROUP_ACTOR" | "UNKNOWN_ACTIVITY" | "UNKNOWN_ACTOR" | "INVALID_ATTEMPT";

export interface AttemptFacts {
  readonly activityId: string;
  readonly correct: boolean;
  readonly score: number | null;
  readonly durationSeconds: number | null;
  readonly occurredAt: Date;
}

export type StatementAsAttempt =
  | { readonly kind: "attempt"; readonly facts: AttemptFacts }
  | { readonly kind: "ignored"; readonly reason: IgnoredReason }
  | { readonly kind: "unmapped"; readonly reason: UnmappedReason };

export function statementAsAttempt(s: Json, verbs: AttemptVerbs = DEFAULT_ATTEMPT_VERBS): StatementAsAttempt {
  const verb = (s.verb as Json).id as string;
  if (verb === VOIDED_VERB || !verbs.attempt.has(verb)) return { kind: "ignored", reason: "NOT_AN_ATTEMPT_VERB" };
  const object = s.object as Json;
  if (object.objectType !== undefined && object.objectType !== "Activity") return { kind: "ignored", reason: "NOT_AN_ACTIVITY" };
  if ((s.actor as Json).objectType === "Group") return { kind: "unmapped", reason: "GROUP_ACTOR" };
  const result = (s.result as Json | undefined) ?? {};
  const scaled = (result.score as Json | undefined)?.scaled;
  const score = typeof scaled === "number" ? Math.min(1, Math.max(0, scaled)) : null;
  const correct =
    typeof result.success === "boolean"
      ? result.success
      : verbs.success.has(verb)
        ? true
        : verbs.failure.has(verb)
          ? false
          : typeof scaled === "number"
            ? scaled >= 0.5
            : null;
  if (correct === null) return { kind: "unmapped", reason: "NO_OUTCOME" };
  const seconds = typeof result.duration === "string" ? durationSeconds(result.duration) : Number.NaN;
  return {
    kind: "attempt",
    facts: {
      activityId: object.id as string,
      correct,
      score,
      durationSeconds: Number.isFinite(seconds) ? Math.min(MAX_DURATION_SECONDS, Math.round(seconds)) : null,
      occurredAt: new Date(s.timestamp as string),
    },
  };
}
