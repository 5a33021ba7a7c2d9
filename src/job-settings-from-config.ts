/**
 * The settings the jobs read, as every entry point that runs jobs builds them from the configuration
 * (the server's in-process worker, `npm run worker`, `npm run job`): one place, so that a setting reaches
 * every process that acts on it. The queues' timing (heartbeat, supervision, retries) travels with the
 * services instead (service-deps-from-config.ts), since the API's sending queue needs it too.
 */
import type { JobSettings } from "../jobs/job.js";
import type { Config } from "./config/config.js";

export function jobSettingsFromConfig(
  config: Pick<Config, "retrainCron" | "auditCron" | "retentionDays" | "accessLogRetentionDays">,
): JobSettings {
  return {
    retrainCron: config.retrainCron,
    auditCron: config.auditCron,
    retentionDays: config.retentionDays,
    accessLogRetentionDays: config.accessLogRetentionDays,
  };
}
