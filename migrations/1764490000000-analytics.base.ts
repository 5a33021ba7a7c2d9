/**
 * The private half of the analytics schema: `analytics_private` holds the suppression settings and the
 * learner-level views the public `analytics` views aggregate. No BI role is ever granted anything here
 * (npm run bi:role grants `analytics` only); the public views read these as their owner.
 */

/** One row: k (written by the server at start from ZPD_ANALYTICS_K) and the mastery threshold. */
export const SETTINGS_TABLE = [
  `CREATE TABLE analytics_private.settings (
     singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
     k integer NOT NULL DEFAULT 10 CHECK (k >= 2),
     mastery_threshold double precision NOT NULL DEFAULT 0.8 CHECK (mastery_threshold > 0 AND mastery_threshold <= 1),
     updated_at timestamptz NOT NULL DEFAULT now())`,
  `INSERT INTO analytics_private.settings DEFAULT VALUES`,
];

/** Consecutive correct answers on a skill's tasks that count as "mastery reached" (model-free). */
export const MASTERY_STREAK = 3;

export const PRIVATE_VIEWS: readonly (readonly [name: string, sql: string])[] = [
  // The only learners analytics counts: ANALYTICS consent granted.
  [
    "counted_learner",
    `SELECT c.school_id, c.learner_id,
            EXISTS (SELECT 1 FROM consent p WHERE p.learner_id = c.learner_id AND p.purpose = 'PERSONALISATION' AND p.granted) AS personalised
     FROM consent c WHERE c.purpose = 'ANALYTICS' AND c.granted`,
  ],
  // A counted learner in each of its cohorts, and once in its school's row (cohort_id NULL).
  [
    "learner_group",
    `SELECT cl.school_id, cl.learner_id, cl.personalised, NULL::uuid AS cohort_id FROM analytics_private.counted_learner cl
     UNION ALL
     SELECT cl.school_id, cl.learner_id, cl.personalised, e.cohort_id
     FROM analytics_private.counted_learner cl JOIN enrollment e ON e.learner_id = cl.learner_id AND e.school_id = cl.school_id`,
  ],
  // Stored per-skill mastery (learner_state.mastery) of counted learners whose state is under the active model.
  [
    "active_mastery",
    `SELECT s.school_id, s.learner_id, k.id AS skill_id, (e.value->>0)::float8 AS mastery
     FROM learner_state s
     JOIN model_version mv ON mv.id = s.model_version_id AND mv.status = 'ACTIVE'
     JOIN analytics_private.counted_learner cl ON cl.learner_id = s.learner_id
     CROSS JOIN LATERAL jsonb_each(s.mastery) e
     JOIN skill k ON k.id = e.key::uuid AND k.school_id = s.school_id`,
  ],
  // Every attempt of a counted learner, once per skill of its task (the Q-matrix).
  [
    "skill_attempt",
    `SELECT a.school_id, a.learner_id, ts.skill_id, a.id AS attempt_id, a.task_id, a.correct, a.duration_seconds, a.occurred_at
     FROM attempt a
     JOIN analytics_private.counted_learner cl ON cl.learner_id = a.learner_id
     JOIN task_skill ts ON ts.task_id = a.task_id`,
  ],
  // Per learner and skill: the attempt (1-based, in time order) that completed the first run of
  // MASTERY_STREAK consecutive correct answers on the skill's tasks. `fails` counts the wrong answers so
  // far; within a value of it the first row is the wrong answer (when fails > 0), the others are right.
  // school_id leads the partitions (a learner is in one school) so that a reader's school filter is
  // pushed below the window functions.
  [
    "mastery_reached",
    `WITH seq AS (
       SELECT school_id, learner_id, skill_id, correct, row_number() OVER w AS i, count(*) FILTER (WHERE NOT correct) OVER w AS fails
       FROM analytics_private.skill_attempt
       WINDOW w AS (PARTITION BY school_id, learner_id, skill_id ORDER BY occurred_at, attempt_id)),
     runs AS (
       SELECT school_id, learner_id, skill_id, correct, i,
              row_number() OVER (PARTITION BY school_id, learner_id, skill_id, fails ORDER BY i) - CASE WHEN fails > 0 THEN 1 ELSE 0 END AS run
       FROM seq)
     SELECT school_id, learner_id, skill_id, min(i)::int AS attempts_to_mastery
     FROM runs WHERE correct AND run >= ${MASTERY_STREAK} GROUP BY school_id, learner_id, skill_id`,
  ],
  // The steps of a counted learner's learning paths (one path per goal).
  [
    "learner_path_step",
    `SELECT p.school_id, p.learner_id, p.goal_id, ps.task_id, ps.status
     FROM learning_path p
     JOIN path_step ps ON ps.path_id = p.id
     JOIN analytics_private.counted_learner cl ON cl.learner_id = p.learner_id`,
  ],
];
