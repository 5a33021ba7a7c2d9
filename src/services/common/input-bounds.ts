/**
 * The bounds of everything a client sends, in one place: every string, list and number input of the
 * API, and the instants it may date attempts at (the trace import obeys the same window). Each bound is
 * far above what a real learning app sends and far below what would cost the server (a 1 MB title,
 * 2³¹ − 1 hints). The services check them (whoever calls: GraphQL, the import CLI, jobs); the API's
 * input classes carry the same numbers as class-validator rules and quote them in the schema's
 * descriptions ("at most N"), which a test requires of every string, list and number input
 * (src/api/input-bounds.test.ts). docs/api-guide.md has the table.
 */

/** Numbers in messages and descriptions, with thousands separators: 86,400. */
export const formatBound = (n: number): string => n.toLocaleString("en-US");

// ---- Instants ----------------------------------------------------------------------------------

/** No attempt is dated before this: no learning app's record is older, and 1970 or year 0 is a client's bug. */
export const EARLIEST_INSTANT = new Date("2000-01-01T00:00:00.000Z");
/** How far ahead of the server's clock a client's may run (ZPD_MAX_CLOCK_SKEW_SECONDS). */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;
/** The largest skew the setting accepts (a day). */
export const MAX_CLOCK_SKEW_SETTING = 86_400;
/** No goal deadline after this: a plan's arithmetic stays within sane dates. */
export const LATEST_DEADLINE = new Date("2100-01-01T00:00:00.000Z");

/** The window an attempt's time must lie in: [EARLIEST_INSTANT, now + skew]. */
export interface AttemptTimeWindow {
  /** The server's time when the attempt arrives (passed in: one reading per request, tests set it). */
  readonly now: Date;
  readonly maxClockSkewSeconds: number;
}

/** The latest instant the window allows. */
export const latestAttemptTime = (w: AttemptTimeWindow): Date => new Date(w.now.getTime() + w.maxClockSkewSeconds * 1000);

/**
 * Why `at` lies outside the window (the rule it breaks, never the value), or null when it is inside.
 * The one check of attempt times: the attempt service and the trace import both use it.
 */
export function attemptTimeProblem(at: Date, w: AttemptTimeWindow): string | null {
  if (Number.isNaN(at.getTime())) return "is not a valid date";
  if (at.getTime() < EARLIEST_INSTANT.getTime()) return `must not be before ${EARLIEST_INSTANT.toISOString()}`;
  if (at.getTime() > latestAttemptTime(w).getTime())
    return `must not be later than the server's time plus ${formatBound(w.maxClockSkewSeconds)} s of clock skew`;
  return null;
}

/** Why a goal deadline is out of bounds, or null. */
export function deadlineProblem(at: Date): string | null {
  if (Number.isNaN(at.getTime())) return "is not a valid date";
  if (at.getTime() < EARLIEST_INSTANT.getTime()) return `must not be before ${EARLIEST_INSTANT.toISOString()}`;
  if (at.getTime() >= LATEST_DEADLINE.getTime()) return `must be before ${LATEST_DEADLINE.toISOString()}`;
  return null;
}

// ---- Attempts ----------------------------------------------------------------------------------

/** Attempts in one recordAttempts call (all or nothing). */
export const MAX_ATTEMPT_BATCH = 500;
/** An attempt's duration: a day, longer than any single task a learner sits. */
export const MAX_DURATION_SECONDS = 86_400;
/** Hints used in one attempt. */
export const MAX_HINTS_USED = 100;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
export const MAX_SOURCE_LENGTH = 100;

// ---- Names and texts (characters) --------------------------------------------------------------

/** Names and titles: schools, teachers, cohorts, skills, goals, a learner's display name. */
export const MAX_NAME_LENGTH = 200;
export const MAX_TASK_TITLE_LENGTH = 300;
/** A skill's description. */
export const MAX_DESCRIPTION_LENGTH = 10_000;
/** A model version's notes. */
export const MAX_NOTES_LENGTH = 10_000;
/** Skill and task codes. */
export const MAX_CODE_LENGTH = 100;
/** A skill or task code: a letter or digit, then letters, digits and . _ : - (the API and the trace import). */
export const CURRICULUM_CODE = new RegExp(`^[A-Za-z0-9][\\w.:-]{0,${MAX_CODE_LENGTH - 1}}$`);
/** A learner's external reference (the calling app's pseudonymous id). */
export const MAX_EXTERNAL_REF_LENGTH = 200;
export const EXTERNAL_REF = new RegExp(`^[\\w.:@-]{1,${MAX_EXTERNAL_REF_LENGTH}}$`);
/** RFC 5321's limit of a forward path. */
export const MAX_EMAIL_LENGTH = 254;
export const MAX_TIME_ZONE_LENGTH = 64;
/** A task's topic, a learner's interest. */
export const MAX_TOPIC_LENGTH = 50;
/** A path step's reason. */
export const MAX_STEP_REASON_LENGTH = 1_000;
/** Why an admin promotes a version the gates refused. */
export const OVERRIDE_REASON_LENGTH = { min: 10, max: 2_000 } as const;
/** A protected attribute's name and value. */
export const MAX_ATTRIBUTE_NAME_LENGTH = 64;
/** An attribute's name: a letter, then letters, digits, . _ - (also what a fairness policy names). */
export const ATTRIBUTE_NAME = new RegExp(`^[A-Za-z][A-Za-z0-9_.-]{0,${MAX_ATTRIBUTE_NAME_LENGTH - 1}}$`);
export const MAX_ATTRIBUTE_VALUE_LENGTH = 200;
/** A job's name (a filter of jobRuns). */
export const MAX_JOB_NAME_LENGTH = 100;
/** A page cursor: the server's own cursors are under 200 characters. */
export const MAX_CURSOR_LENGTH = 1_000;

// ---- Lists (items) -----------------------------------------------------------------------------

/** A task's topics; a learner's interests. */
export const MAX_TOPICS = 20;
/** The cohorts a learner is created in. */
export const MAX_LEARNER_COHORTS = 50;
/** A task's Q-matrix row. */
export const MAX_SKILLS_PER_TASK = 50;
export const MAX_GOAL_SKILLS = 100;
/** Steps of a path (and so the largest step position). */
export const MAX_PATH_STEPS = 200;
/** Tasks of one predictions call. */
export const MAX_PREDICTIONS = 2_000;

// ---- Other numbers -----------------------------------------------------------------------------

export const MAX_RECOMMENDATIONS = 50;
export const MAX_SIMILAR_TASKS = 50;
/** A task's expected duration, as an attempt's. */
export const MAX_EXPECTED_DURATION_SECONDS = MAX_DURATION_SECONDS;
/** A retraining seed (any non-negative 32-bit integer). */
export const MAX_SEED = 2 ** 31 - 1;
