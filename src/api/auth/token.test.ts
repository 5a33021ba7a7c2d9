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

  test("the Authorization header must be a Bearer token", () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("Basic abc")).toBe("");
  });
});
