/**
 * Bearer tokens: HS256 JWTs signed with the configured secret. Claims: `sub`, `school`, `role`,
 * and `learner` (role LEARNER) or `teacher` (role TEACHER). A platform-admin token has role
 * PLATFORM_ADMIN and no `school` (one that names a school is refused: it would be ambiguous).
 * Every token expires (`exp` is required), and none lives longer than the maximum lifetime
 * (ZPD_MAX_TOKEN_LIFETIME): a leaked token is not a key for ever.
 */
import { jwtVerify, SignJWT, type JWTPayload } from "jose";
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from "../../config/config.js";
import { formatDuration } from "../../shared/duration.js";
import { Caller, PLATFORM_ADMIN, PlatformAdmin, Role } from "../../services/auth/actor.js";
import { UnauthenticatedError } from "../../services/common/domain-error.js";
import { isUuid } from "../../shared/ids.js";

const ISSUER = "zpd";
const AUDIENCE = "zpd-api";
const ROLES = new Set<string>(Object.values(Role));

const key = (secret: string) => new TextEncoder().encode(secret);

/** How far the signer's clock may be ahead of ours when a token without `iat` is judged by its `exp` alone. */
const CLOCK_SKEW_SECONDS = 60;

export interface TokenPolicy {
  /** The longest a token may live, in seconds (config.maxTokenLifetimeSeconds). */
  readonly maxLifetimeSeconds?: number;
  /** The current time in milliseconds (tests). */
  readonly now?: () => number;
}

export interface TokenClaims {
  readonly schoolId: string;
  readonly role: Role;
  readonly subject: string;
  readonly learnerId?: string;
  readonly teacherId?: string;
}

export async function signToken(secret: string, claims: TokenClaims | PlatformAdmin, expiresIn: string | number = "30d"): Promise<string> {
  const body =
    claims.role === PLATFORM_ADMIN
      ? { role: PLATFORM_ADMIN }
      : { school: claims.schoolId, role: claims.role, learner: claims.learnerId, teacher: claims.teacherId };
  return new SignJWT(body)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key(secret));
}

/** Verifies a token and returns its caller; every failure is an UnauthenticatedError. */
export async function verifyToken(secret: string, token: string, policy: TokenPolicy = {}): Promise<Caller> {
  const now = policy.now?.() ?? Date.now();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key(secret), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date(now),
    }));
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_JWT_EXPIRED") throw new UnauthenticatedError("the token has expired");
    throw new UnauthenticatedError("the token is malformed or its signature is invalid");
  }
  checkLifetime(payload, Math.floor(now / 1000), policy.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS);
  const { school, role, learner, teacher, sub } = payload as Record<string, unknown>;
  if (role === PLATFORM_ADMIN) {
    if (school !== undefined) throw new UnauthenticatedError("a platform-admin token must name no school");
    return { role: PLATFORM_ADMIN, subject: typeof sub === "string" ? sub : "unknown" };
  }
  if (typeof school !== "string" || !isUuid(school)) throw new UnauthenticatedError("the token names no school");
  if (typeof role !== "string" || !ROLES.has(role)) throw new UnauthenticatedError("the token names no valid role");
  if (role === Role.Learner && (typeof learner !== "string" || !isUuid(learner)))
    throw new UnauthenticatedError("a learner token must name its learner");
  if (role === Role.Teacher && (typeof teacher !== "string" || !isUuid(teacher)))
    throw new UnauthenticatedError("a teacher token must name its teacher");
  return {
    schoolId: school,
    role: role as Role,
    subject: typeof sub === "string" ? sub : "unknown",
    learnerId: role === Role.Learner ? (learner as string) : undefined,
    teacherId: role === Role.Teacher ? (teacher as string) : undefined,
  };
}

/**
 * `exp` is required, and the token's lifetime is at most `max`: from `iat` to `exp`, and from now to
 * `exp` (a token without `iat`, or one dated in the future, is judged by how long it has left).
 */
function checkLifetime(payload: JWTPayload, nowSeconds: number, max: number): void {
  const { exp, iat } = payload;
  if (typeof exp !== "number") throw new UnauthenticatedError("the token has no expiry (exp): every token must expire");
  if ((typeof iat === "number" && exp - iat > max) || exp - nowSeconds > max + CLOCK_SKEW_SECONDS)
    throw new UnauthenticatedError(`the token lives longer than the maximum token lifetime (${formatDuration(max)})`);
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : "";
}
