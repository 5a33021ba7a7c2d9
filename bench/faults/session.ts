/**
 * What the phases of one `bench:faults` run share: the scratch folder (/tmp/faults-*), the JWT secret
 * the servers verify, a seeded random source for the kill moments, and the copies of the school made
 * for the phases (removed at the end).
 */
import { randomBytes } from "node:crypto";
import { signToken } from "../../src/api/auth/token.js";
import { Role } from "../../src/services/auth/actor.js";
import { rng } from "../api/load.js";
import type { PreparedSchool } from "./school.js";

export type Log = (msg: string) => void;

export function quantile(xs: readonly number[], q: number): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export class Session {
  readonly jwtSecret = randomBytes(32).toString("base64url");
  /** Makes this run's idempotency keys its own. */
  readonly stamp = Date.now().toString(36);
  readonly rand: () => number;

  constructor(
    readonly scratch: string,
    readonly seed: number,
  ) {
    this.rand = rng(seed);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  /**
   * The server's secrets for a school (its database comes from the copy), and no scheduled jobs: a run
   * that crossed the nightly retraining's hour would otherwise train inside the embedded server.
   */
  serverEnv(school: PreparedSchool): Record<string, string> {
    return {
      ZPD_JWT_SECRET: this.jwtSecret,
      ZPD_PROFILE_KEY: school.info.profileKey,
      ZPD_RETRAIN_CRON: "off",
      ZPD_AUDIT_CRON: "off",
    };
  }

  adminToken(school: PreparedSchool): Promise<string> {
    return signToken(this.jwtSecret, { schoolId: school.info.schoolId, role: Role.Admin, subject: "bench-faults" }, "2h");
  }
}
