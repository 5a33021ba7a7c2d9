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

  test("bad tokens are not remembered, and the cache stays within its bound", async () => {
    const tokens = new VerifiedTokens(SECRET, 2);
    const bad = await signToken("another-secret-another-secret-another-secret", { schoolId: SCHOOL, role: Role.Admin, subject: "s" });
    await expect(tokens.verify(bad)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(tokens.size).toBe(0);
    for (const subject of ["a", "b", "c"]) await tokens.verify(await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject }));
    expect(tokens.size).toBe(2);
  });
});
