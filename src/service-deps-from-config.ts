/**
 * The services' dependencies as every entry point builds them from the configuration (the server, the
 * worker, `npm run job`, `npm run erase`, `npm run report`): one place, so that a setting reaches every
 * process that acts on it.
 */
import type { DataSource } from "typeorm";
import type { Config } from "./config/config.js";
import type { FieldCipher, KeyMaterial } from "./persistence/crypto/field-cipher.js";
import { erasureKeyFrom } from "./services/privacy/learner-hash.js";
import type { ServiceDeps } from "./services/service-deps.js";
import type { Logger } from "./shared/logger.js";

export function serviceDepsFromConfig(
  config: Config,
  parts: { dataSource: DataSource; cipher: FieldCipher; keys: KeyMaterial; logger: Logger },
): ServiceDeps {
  return {
    dataSource: parts.dataSource,
    cipher: parts.cipher,
    // Erasure receipts are keyed by the current personal-data key; receipts of earlier keys are found with theirs.
    erasureKey: erasureKeyFrom(parts.keys.current),
    previousErasureKeys: (parts.keys.old ?? []).map(erasureKeyFrom),
    logger: parts.logger,
    maxPageSize: config.maxPageSize,
    maxClockSkewSeconds: config.maxClockSkewSeconds,
    fairness: config.fairness,
    privacy: { ...config.privacy, retentionDays: config.retentionDays },
    jobTiming: config.jobTiming,
    xapiAttemptVerbs: config.xapiAttemptVerbs,
    explorationEpsilon: config.explorationEpsilon,
    applyDelayMs: config.applyDelayMs,
    accessLogFlushMs: config.accessLogFlushMs,
  };
}
