import { SignJWT } from "jose";
import { Role } from "../../services/auth/actor.js";
import { signToken } from "./token.js";
import { VerifiedTokens } from "./token-cache.js";

const SECRET = "unit-secret-unit-secret-unit-secret-0123";
const SCHOOL = "0193a000-0000-7000-8000-000000000001";

describe("verified-token cache", () => {
  test("a remembered token is refused once it expires", async () => {
    let now = Date.now();
    const tokens = new VerifiedTokens(SECRET, 10, () => now);
    const t = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject: "s" }, Math.floor(now / 1000) + 60);
    await expect(tokens.verify(t)).resolves.toMatchObject({ schoolId: SCHOOL, role: Role.Admin });
    expect(tokens.size).toBe(1);
    await expect(tokens.verify(t)).resolves.toMatchObject({ schoolId: SCHOOL });
    now += 61_000;
    await expect(tokens.verify(t)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/expired/) });
  });

  test("a token without exp is refused, and one longer than the cache's maximum lifetime too", async () => {
    const tokens = new VerifiedTokens(SECRET, 10, Date.now, async () => true, 3600);
    const noExp = await new SignJWT({ school: SCHOOL, role: Role.Admin })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("zpd")
      .setAudience("zpd-api")
      .setIssuedAt()
      .sign(new TextEncoder().encode(SECRET));
    await expect(tokens.verify(noExp)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/no expiry/) });
    const day = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject: "s" }, "1d");
    await expect(tokens.verify(day)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/maximum/) });
    expect(tokens.size).toBe(0);
    await expect(tokens.verify(await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject: "s" }, "1h"))).resolves.toMatchObject(
      {
        schoolId: SCHOOL,
      },
    );
  });

  test("bad tokens are not remembered, and the cache stays within its bound", async () => {
    const tokens = new VerifiedTokens(SECRET, 2);
    const bad = await signToken("another-secret-another-secret-another-secret", { schoolId: SCHOOL, role: Role.Admin, subject: "s" });
    await expect(tokens.verify(bad)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(tokens.size).toBe(0);
    for (const subject of ["a", "b", "c"]) await tokens.verify(await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject }));
    expect(tokens.size).toBe(2);
  });
});
