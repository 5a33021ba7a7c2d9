import { SignJWT } from "jose";
import { PLATFORM_ADMIN, Role } from "../../services/auth/actor.js";
import { bearerToken, signToken, verifyToken } from "./token.js";

const SECRET = "unit-secret-unit-secret-unit-secret-0123";
const SCHOOL = "0193a000-0000-7000-8000-000000000001";
const LEARNER = "0193a000-0000-7000-8000-000000000002";

describe("bearer tokens", () => {
  test("a signed token verifies to its actor", async () => {
    const t = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Learner, learnerId: LEARNER, subject: "s" });
    await expect(verifyToken(SECRET, t)).resolves.toEqual({
      schoolId: SCHOOL,
      role: Role.Learner,
      learnerId: LEARNER,
      teacherId: undefined,
      subject: "s",
    });
  });

  test("a platform-admin token names no school and verifies to the platform admin; one that names a school is refused", async () => {
    const t = await signToken(SECRET, { role: PLATFORM_ADMIN, subject: "op" });
    await expect(verifyToken(SECRET, t)).resolves.toEqual({ role: PLATFORM_ADMIN, subject: "op" });
    expect(JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString())).not.toHaveProperty("school");
    const withSchool = await new SignJWT({ role: PLATFORM_ADMIN, school: SCHOOL })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("zpd")
      .setAudience("zpd-api")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(SECRET));
    await expect(verifyToken(SECRET, withSchool)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      message: expect.stringMatching(/platform-admin token must name no school/),
    });
  });

  test("an expired token says so", async () => {
    const t = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject: "s" }, Math.floor(Date.now() / 1000) - 60);
    await expect(verifyToken(SECRET, t)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/expired/) });
  });

  test("another secret, garbage, and claims that do not fit are refused", async () => {
    const t = await signToken("another-secret-another-secret-another-secret", { schoolId: SCHOOL, role: Role.Admin, subject: "s" });
    await expect(verifyToken(SECRET, t)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(verifyToken(SECRET, "a.b.c")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const noLearner = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Learner, subject: "s" });
    await expect(verifyToken(SECRET, noLearner)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      message: expect.stringMatching(/learner/),
    });
    const badSchool = await signToken(SECRET, { schoolId: "nope", role: Role.Admin, subject: "s" });
    await expect(verifyToken(SECRET, badSchool)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  describe("expiry and lifetime", () => {
    const DAY = 86_400;
    const nowS = () => Math.floor(Date.now() / 1000);
    /** A token signed as another issuer might: `iat` and `exp` as given (undefined: left out). */
    const raw = (claims: { iat?: number; exp?: number }) => {
      const jwt = new SignJWT({ school: SCHOOL, role: Role.Admin })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("s")
        .setIssuer("zpd")
        .setAudience("zpd-api");
      if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
      if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
      return jwt.sign(new TextEncoder().encode(SECRET));
    };

    test("a token without exp is refused: every token must expire", async () => {
      await expect(verifyToken(SECRET, await raw({ iat: nowS() }))).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
        message: expect.stringMatching(/no expiry/),
      });
      await expect(verifyToken(SECRET, await raw({}))).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    });

    test("the default maximum is 90 days: 90 days from iat pass, a 100-year token and 91 days do not", async () => {
      const t = nowS();
      await expect(verifyToken(SECRET, await raw({ iat: t, exp: t + 90 * DAY }))).resolves.toMatchObject({ schoolId: SCHOOL });
      for (const exp of [t + 91 * DAY, t + 36_525 * DAY])
        await expect(verifyToken(SECRET, await raw({ iat: t, exp }))).rejects.toMatchObject({
          code: "UNAUTHENTICATED",
          message: expect.stringMatching(/lives longer than the maximum token lifetime \(90d\)/),
        });
    });

    test("the lifetime runs from iat even when much of it has passed", async () => {
      const t = nowS();
      await expect(verifyToken(SECRET, await raw({ iat: t - 80 * DAY, exp: t + 20 * DAY }))).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
    });

    test("without iat, or with iat in the future, a token is judged by how long it has left", async () => {
      const t = nowS();
      await expect(verifyToken(SECRET, await raw({ exp: t + 30 * DAY }))).resolves.toMatchObject({ schoolId: SCHOOL });
      await expect(verifyToken(SECRET, await raw({ exp: t + 120 * DAY }))).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
      await expect(verifyToken(SECRET, await raw({ iat: t + 100 * DAY, exp: t + 110 * DAY }))).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
        message: expect.stringMatching(/maximum token lifetime/),
      });
    });

    test("a configured maximum applies: 2 hours pass at 2h and are refused at 1h", async () => {
      const t = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject: "s" }, "2h");
      await expect(verifyToken(SECRET, t, { maxLifetimeSeconds: 7200 })).resolves.toMatchObject({ schoolId: SCHOOL });
      await expect(verifyToken(SECRET, t, { maxLifetimeSeconds: 3600 })).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
        message: expect.stringMatching(/\(1h\)/),
      });
    });
  });

  test("the Authorization header must be a Bearer token", () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("Basic abc")).toBe("");
  });
});
