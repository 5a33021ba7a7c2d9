import { SignJWT } from "jose";
import { Role } from "../../services/auth/actor.js";
import { signToken } from "./token.js";
import { MAX_REFUSALS, MAX_REMEMBERED_REFUSAL_LENGTH, RECHECK_MS, REFUSAL_TTL_MS, VerifiedTokens } from "./token-cache.js";

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

  test("requests arriving with one unknown token while it is being checked share that one check", async () => {
    let lookups = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tokens = new VerifiedTokens(SECRET, 10, Date.now, async () => {
      lookups++;
      await gate;
      return true;
    });
    const t = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject: "s" }, "1h");
    const checks = Array.from({ length: 5 }, () => tokens.check(t));
    release();
    const results = await Promise.all(checks);
    expect(results.map((r) => r.kind)).toEqual(["caller", "caller", "caller", "caller", "caller"]);
    expect(lookups).toBe(1);
    // Once settled, the next check is answered from the cache; a new check of another token runs again.
    await tokens.check(t);
    expect(lookups).toBe(1);
    const other = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject: "other" }, "1h");
    await tokens.check(other);
    expect(lookups).toBe(2);
    // A burst of one bad token: every request refused, one refusal remembered, known at once after.
    const bad = await Promise.all(Array.from({ length: 5 }, () => tokens.check("not-a-token")));
    expect(bad.every((b) => b.kind === "refused")).toBe(true);
    expect(tokens.refusedSize).toBe(1);
    expect(tokens.knownRefusal("not-a-token")?.error.message).toMatch(/malformed/);
  });

  test("a verified token is checked again every RECHECK_MS to name somebody: an erased learner's token stops working", async () => {
    let now = Date.now();
    let exists = true;
    let lookups = 0;
    const tokens = new VerifiedTokens(
      SECRET,
      10,
      () => now,
      async () => {
        lookups++;
        return exists;
      },
    );
    const learnerId = "0193a000-0000-7000-8000-0000000000aa";
    const t = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Learner, subject: "l", learnerId }, Math.floor(now / 1000) + 3600);
    await expect(tokens.verify(t)).resolves.toMatchObject({ learnerId });
    exists = false; // erased
    now += RECHECK_MS - 1;
    await expect(tokens.verify(t)).resolves.toMatchObject({ learnerId });
    expect(lookups).toBe(1);
    now += 1;
    await expect(tokens.verify(t)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/does not exist/) });
    expect(lookups).toBe(2);
  });

  test("verified tokens stay within the cache's bound", async () => {
    const tokens = new VerifiedTokens(SECRET, 2);
    for (const subject of ["a", "b", "c"]) await tokens.verify(await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject }));
    expect(tokens.size).toBe(2);
  });
});

describe("refused tokens", () => {
  const forged = () => signToken("another-secret-another-secret-another-secret", { schoolId: SCHOOL, role: Role.Admin, subject: "s" });

  test("a refusal is remembered for REFUSAL_TTL_MS: a burst of one bad token costs one verification", async () => {
    let now = Date.now();
    let lookups = 0;
    const named = new Set<string>();
    const tokens = new VerifiedTokens(
      SECRET,
      10,
      () => now,
      async (c) => {
        lookups++;
        return named.has((c as { learnerId?: string }).learnerId ?? "");
      },
    );
    const learner = "0193a000-0000-7000-8000-0000000000aa";
    const ghost = await signToken(
      SECRET,
      { schoolId: SCHOOL, role: Role.Learner, learnerId: learner, subject: "s" },
      Math.floor(now / 1000) + 3600,
    );
    for (let i = 0; i < 5; i++)
      await expect(tokens.check(ghost)).resolves.toMatchObject({
        kind: "refused",
        error: { code: "UNAUTHENTICATED", message: expect.stringMatching(/does not exist/) },
        // Signed by us: the rate limit counts it against its claims.
        signedBy: { schoolId: SCHOOL, learnerId: learner },
      });
    expect(lookups).toBe(1);
    expect(tokens.refusedSize).toBe(1);
    // The learner is created: the refusal holds until it expires, then the token is checked again.
    named.add(learner);
    now += REFUSAL_TTL_MS - 1;
    expect(tokens.knownRefusal(ghost)?.kind).toBe("refused");
    await expect(tokens.verify(ghost)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    now += 1;
    expect(tokens.knownRefusal(ghost)).toBeUndefined();
    await expect(tokens.verify(ghost)).resolves.toMatchObject({ learnerId: learner });
    expect(lookups).toBe(2);
    expect(tokens.size).toBe(1);
  });

  test("forged and malformed tokens are refused without claims; the remembered refusals stay within their bound", async () => {
    const tokens = new VerifiedTokens(SECRET);
    const bad = await forged();
    await expect(tokens.check(bad)).resolves.toEqual({ kind: "refused", error: expect.objectContaining({ code: "UNAUTHENTICATED" }) });
    await expect(tokens.check("not.a.jwt")).resolves.toMatchObject({ kind: "refused", signedBy: undefined });
    for (let i = 0; i < MAX_REFUSALS + 10; i++) await tokens.check(`junk-${i}`);
    expect(tokens.refusedSize).toBe(MAX_REFUSALS);
    // Strings longer than a token are refused each time, never remembered.
    await expect(tokens.check("x".repeat(MAX_REMEMBERED_REFUSAL_LENGTH + 1))).resolves.toMatchObject({ kind: "refused" });
    expect(tokens.refusedSize).toBe(MAX_REFUSALS);
    expect(tokens.size).toBe(0);
  });

  test("a remembered token that expires is refused, and that refusal remembered", async () => {
    let now = Date.now();
    const tokens = new VerifiedTokens(SECRET, 10, () => now);
    const t = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject: "s" }, Math.floor(now / 1000) + 60);
    await tokens.verify(t);
    now += 61_000;
    await expect(tokens.check(t)).resolves.toMatchObject({ kind: "refused", error: { message: expect.stringMatching(/expired/) } });
    expect(tokens.size).toBe(0);
    expect(tokens.refusedSize).toBe(1);
  });

  test("a database that cannot say whether the token names somebody: unchecked, with its claims, and not remembered", async () => {
    let down = true;
    const tokens = new VerifiedTokens(SECRET, 10, Date.now, async () => {
      if (down) throw new Error("connection refused");
      return true;
    });
    const t = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Service, subject: "s" });
    await expect(tokens.check(t)).resolves.toMatchObject({
      kind: "unchecked",
      error: { message: "connection refused" },
      signedBy: { schoolId: SCHOOL },
    });
    await expect(tokens.verify(t)).rejects.toThrow("connection refused");
    expect(tokens.refusedSize).toBe(0);
    down = false;
    await expect(tokens.verify(t)).resolves.toMatchObject({ schoolId: SCHOOL, role: Role.Service });
  });
});
