/**
 * Who an xAPI request speaks for, and how often it may ask. HTTP Basic with a school's xAPI credential
 * (services/xapi/xapi-credential.service.ts); the rate limits are the API's own (common/rate-limit.ts):
 * a valid credential counts against itself (as a token counts against its caller), a request without
 * one against its address, before the 401.
 *
 * A refused credential is remembered for 10 s (at most 1,000 of them), so that a client repeating a
 * wrong secret is counted and refused without asking the database each time. A valid one is read again
 * every few seconds (XapiCredentialService, CREDENTIAL_RECHECK_MS).
 */
import { createHash } from "node:crypto";
import type express from "express";
import type { Services } from "../../services/index.js";
import type { XapiClient } from "../../services/xapi/xapi-credential.service.js";
import { XapiError } from "../../services/xapi/xapi-errors.js";
import { addressKey, type RateLimits } from "../common/rate-limit.js";
import type { XapiRequest } from "./xapi-request.js";

const REFUSAL_TTL_MS = 10_000;
const MAX_REFUSALS = 1_000;

/** Refused with 429: the answer's Retry-After and message come with it. */
export class XapiRateLimited extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
  }
}

export class XapiAuthenticator {
  private readonly refused = new Map<string, number>();

  constructor(
    private readonly services: Services,
    private readonly rateLimits: RateLimits | null,
  ) {}

  async authenticate(req: express.Request, x: XapiRequest): Promise<XapiClient> {
    const header = x.header("authorization");
    const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
    const address = addressKey(req.ip ?? req.socket.remoteAddress ?? "unknown");
    if (!m) {
      await this.admit("address", address);
      throw new XapiError(401, "HTTP Basic authorization with an xAPI credential is required");
    }
    const fingerprint = createHash("sha256").update(m[1]!).digest("base64");
    const refusedAt = this.refused.get(fingerprint);
    let client: XapiClient | null = null;
    if (refusedAt === undefined || Date.now() - refusedAt > REFUSAL_TTL_MS) {
      const text = Buffer.from(m[1]!, "base64").toString("utf8");
      const colon = text.indexOf(":");
      client = colon > 0 ? await this.services.xapiCredentials.authenticate(text.slice(0, colon), text.slice(colon + 1)) : null;
    }
    if (!client) {
      this.remember(fingerprint);
      await this.admit("address", address);
      throw new XapiError(401, "the xAPI credential is not valid");
    }
    await this.admit("token", `xapi:${client.credentialId}`);
    return client;
  }

  private remember(fingerprint: string): void {
    this.refused.delete(fingerprint);
    this.refused.set(fingerprint, Date.now());
    if (this.refused.size > MAX_REFUSALS) this.refused.delete(this.refused.keys().next().value!);
  }

  private async admit(kind: "token" | "address", key: string): Promise<void> {
    const refusal = await this.rateLimits?.admit({ kind, key });
    if (refusal) throw new XapiRateLimited(refusal[3].retryAfterSeconds as number, refusal[2]);
  }
}
