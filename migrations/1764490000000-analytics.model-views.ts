/** The analytics views of models and audits, the settings, and the schools (for joins). */
import { MASTERY_STREAK } from "./1764490000000-analytics.base.js";
import { type AnalyticsView, SUPPRESSED_COMMENT, unless } from "./1764490000000-analytics.catalogue.js";

const hide = (expr: string) => unless("x.suppressed", expr);
const score = (key: string) => hide(`(mv.metrics->'candidate'->>'${key}')::float8`);

export const MODEL_QUALITY_BY_VERSION: AnalyticsView = {
  name: "model_quality_by_version",
  comment:
    "Model quality per model version: one row per version, with the scores measured when it was trained, on the school's held-out learners (model_version.metrics: the evaluation protocol of the benchmarks, docs/model-lifecycle.md). Scores over 0 < n < k held-out learners (analytics.settings.k) are NULL with suppressed = true.",
  columns: [
    ["school_id", "The school."],
    ["model_version_id", "The model version."],
    ["version", "Its number within the school (1, 2, …)."],
    ["kind", "The engine model (meta, irt, …)."],
    ["status", "CANDIDATE, ACTIVE, REJECTED or RETIRED."],
    ["created_at", "When it was registered."],
    ["activated_at", "When it last went live; NULL if never."],
    ["trained_from", "Start of its training window."],
    ["trained_to", "End of its training window."],
    ["held_out_learners", "Held-out learners it was scored on."],
    ["auc", "AUC on attempts 2.. of each held-out learner."],
    ["log_loss", "Log loss on the same attempts."],
    ["ece", "Expected calibration error (10 bins): calibration."],
    ["cold_start_auc", "AUC on each held-out learner's attempts 2–5: the cold start."],
    ["auc_attempts_6_10", "AUC on attempts 6–10."],
    ["suppressed", SUPPRESSED_COMMENT],
  ],
  sql: `SELECT mv.school_id, mv.id, mv.version, mv.kind, mv.status, mv.created_at, mv.activated_at, mv.trained_from, mv.trained_to,
         ${hide("x.n")}, ${score("auc")}, ${score("logloss")}, ${score("ece")}, ${score("auc_2_5")}, ${score("auc_6_10")}, x.suppressed
  FROM model_version mv
  CROSS JOIN LATERAL (
    SELECT n, CASE WHEN n IS NULL THEN mv.metrics->'candidate' IS NOT NULL ELSE n > 0 AND n < (SELECT k FROM analytics_private.settings) END AS suppressed
    FROM (SELECT (mv.metrics->>'heldOutLearners')::int AS n) h) x`,
};

export const AUDIT_OUTCOMES_BY_VERSION: AnalyticsView = {
  name: "audit_outcomes_by_version",
  comment:
    "Audit outcomes per model version: one row per audit report (fairness, privacy) with its verdict. Only verdicts and counts of checks are released, no figure over learners, so nothing here is suppressed.",
  columns: [
    ["school_id", "The school."],
    ["model_version_id", "The audited model version."],
    ["version", "Its number within the school."],
    ["audit_report_id", "The report (GET /audit-reports/<id> for admins)."],
    ["kind", "FAIRNESS or PRIVACY."],
    ["status", "PASSED, FAILED or NOT_AUDITABLE."],
    ["passed", "Whether the audit let the version through (a NOT_AUDITABLE audit may)."],
    ["checks", "Checks in the report."],
    ["failed_checks", "Checks that failed."],
    ["created_at", "When the audit ran."],
  ],
  sql: `SELECT ar.school_id, ar.model_version_id, mv.version, ar.id, ar.kind, ar.figures->>'status', ar.passed,
         CASE WHEN jsonb_typeof(ar.checks) = 'array' THEN jsonb_array_length(ar.checks) ELSE 0 END,
         (SELECT count(*)::int FROM jsonb_array_elements(CASE WHEN jsonb_typeof(ar.checks) = 'array' THEN ar.checks ELSE '[]'::jsonb END) c
          WHERE c->>'status' = 'FAIL' OR c->>'passed' = 'false'),
         ar.created_at
  FROM audit_report ar JOIN model_version mv ON mv.id = ar.model_version_id`,
};

export const SETTINGS: AnalyticsView = {
  name: "settings",
  comment:
    "The suppression settings every analytics view applies (one row). k comes from ZPD_ANALYTICS_K, written by the server at each start.",
  columns: [
    ["k", "The smallest number of learners a released figure may be computed over (ZPD_ANALYTICS_K, default 10, at least 2)."],
    [
      "mastery_threshold",
      "Mastery at or above which a skill counts as mastered in mastery_by_cohort_skill (the engine's default goal threshold).",
    ],
    ["mastery_streak", "Consecutive correct answers on a skill's tasks that count as reaching mastery in the attempts-to-mastery figures."],
    ["updated_at", "When k was last written."],
  ],
  sql: `SELECT k, mastery_threshold, ${MASTERY_STREAK}, updated_at FROM analytics_private.settings`,
};

export const SCHOOLS: AnalyticsView = {
  name: "schools",
  comment: "The schools of this database, to name them in reports (no figure).",
  columns: [
    ["school_id", "The school."],
    ["name", "Its name."],
    ["time_zone", "Its IANA time zone (the days of attempts_by_cohort_skill_day are in it)."],
  ],
  sql: `SELECT id, name, time_zone FROM school`,
};
