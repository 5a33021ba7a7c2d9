import { DataSource } from "typeorm";
import type { FieldCipher } from "../persistence/crypto/field-cipher.js";
import type { Logger } from "../shared/logger.js";
import type { ServiceEvents } from "./common/service-events.js";
import type { JobTiming } from "./jobs/queues.js";
import type { AttemptVerbs } from "./xapi/statement-attempt.js";

/** What every service is built from. */
export interface ServiceDeps {
  readonly dataSource: DataSource;
  /** Encrypts and decrypts the personal and protected fields (persistence/crypto/encrypted-columns.ts lists them). */
  readonly cipher: FieldCipher;
  readonly logger: Logger;
  readonly maxPageSize: number;
  /** How far ahead of the server's clock an attempt may be dated (ZPD_MAX_CLOCK_SKEW_SECONDS); absent: 300. */
  readonly maxClockSkewSeconds?: number;
  /** Called after every write to a school's curriculum (skills, prerequisites, tasks, Q-matrix): caches drop it. */
  readonly curriculumChanged?: (schoolId: string) => void;
  /**
   * The key of erasure receipts' learner hashes (privacy/learner-hash.ts: derived from the profile key by
   * the composition root); without it, erasure refuses to run.
   */
  readonly erasureKey?: Buffer;
  /** Erasure keys derived from the previous profile keys (ZPD_PROFILE_KEYS_OLD): receipts written before a rotation. */
  readonly previousErasureKeys?: readonly Buffer[];
  /** Privacy audits' settings (ZPD_PRIVACY_*, ZPD_RETENTION_DAYS); absent: the defaults (docs/privacy.md). */
  readonly privacy?: {
    readonly advantageThreshold?: number;
    readonly shadows?: number;
    readonly requireAuditable?: boolean;
    readonly retentionDays?: number | null;
    /** The κ values of Meta's privacy-calibrated training (training-options.ts); absent: the default ladder. */
    readonly taskInfluenceLadder?: readonly number[];
  };
  /** Fairness audits' settings (configuration: ZPD_FAIRNESS_*); absent: the defaults (docs/fairness.md). */
  readonly fairness?: { readonly minGroupSize?: number; readonly rounds?: number; readonly requireAuditable?: boolean };
  /** The job queues' heartbeat, supervision and first retry delay (ZPD_JOB_*); absent: DEFAULT_JOB_TIMING. */
  readonly jobTiming?: JobTiming;
  /** Told of ingested attempts, settled jobs and access-log and recommendation-log flushes (the API's /metrics counts them); absent: nobody listens. */
  readonly events?: ServiceEvents;
  /** Milliseconds between an ingestAttempts call and the applier's drain it schedules (ZPD_APPLY_DELAY_MS); absent: 0. */
  readonly applyDelayMs?: number;
  /** The access log's window (ZPD_ACCESS_LOG_FLUSH_MS); absent: ACCESS_LOG_FLUSH_MS (access-log.service.ts). */
  readonly accessLogFlushMs?: number;
  /** The xAPI verbs whose statements become attempts (ZPD_XAPI_ATTEMPT_VERBS); absent: ADL's five (statement-attempt.ts). */
  readonly xapiAttemptVerbs?: AttemptVerbs;
  /** ε of the ZPD strategy's exploration (ZPD_EXPLORATION_EPSILON); absent or 0: deterministic. */
  readonly explorationEpsilon?: number;
}
