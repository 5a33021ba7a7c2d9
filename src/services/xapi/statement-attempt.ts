/**
 * Which statements are attempts, and what attempt (issue #17, item 2; docs/xapi.md, "Statements become
 * attempts"). Pure: a stored statement in, the attempt's facts or why it is not one out.
 *
 * A statement is an attempt when its verb is one of the attempt verbs (ADL's answered, completed,
 * passed, failed, attempted by default) and its object is an Activity (which a task names by
 * `activityId`); its actor must be one Agent. Its outcome:
 *
 *   correct = result.success, when given;
 *           = true for `passed`, false for `failed`, otherwise;
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
/** The default attempt verbs (ADL vocabulary). */
export const ATTEMPT_VERBS: readonly string[] = ["answered", "completed", "passed", "failed", "attempted"].map((v) => ADL + v);
export const PASSED_VERB = `${ADL}passed`;
export const FAILED_VERB = `${ADL}failed`;

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

export function statementAsAttempt(s: Json, verbs: readonly string[] = ATTEMPT_VERBS): StatementAsAttempt {
  const verb = (s.verb as Json).id as string;
  if (verb === VOIDED_VERB || !verbs.includes(verb)) return { kind: "ignored", reason: "NOT_AN_ATTEMPT_VERB" };
  const object = s.object as Json;
  if (object.objectType !== undefined && object.objectType !== "Activity") return { kind: "ignored", reason: "NOT_AN_ACTIVITY" };
  if ((s.actor as Json).objectType === "Group") return { kind: "unmapped", reason: "GROUP_ACTOR" };
  const result = (s.result as Json | undefined) ?? {};
  const scaled = (result.score as Json | undefined)?.scaled;
  const score = typeof scaled === "number" ? Math.min(1, Math.max(0, scaled)) : null;
  const correct =
    typeof result.success === "boolean"
      ? result.success
      : verb === PASSED_VERB
        ? true
        : verb === FAILED_VERB
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
