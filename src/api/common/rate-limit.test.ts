import { Role } from "../../services/auth/actor.js";
import { addressKey, callerKey } from "./rate-limit.js";

describe("addressKey: who an anonymous request counts against", () => {
  test("IPv4 as is, an IPv4-mapped IPv6 address as its IPv4 address", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::FFFF:127.0.0.1")).toBe("127.0.0.1");
  });

  test("IPv6 by its /64: the addresses one host can rotate through count as one", () => {
    const host = "2001:db8:1:2::";
    expect(addressKey("2001:db8:1:2::1")).toBe(`${host}/64`);
    expect(addressKey("2001:0db8:0001:0002:ffff:0:0:9")).toBe(`${host}/64`);
    expect(addressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd%eth0")).toBe(`${host}/64`);
    expect(addressKey("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("64:ff9b::192.0.2.1")).toBe("64:ff9b:0:0::/64");
    expect(addressKey("1:2:3:4:5:6:192.0.2.1")).toBe("1:2:3:4::/64");
  });

  test("anything else is kept as it is", () => {
    expect(addressKey("unknown")).toBe("unknown");
  });
});

describe("callerKey: who a token's request counts against", () => {
  const school = "0190a5a0-0000-7000-8000-000000000001";
  const learner = "0190a5a0-0000-7000-8000-000000000002";
  test("the claims that name the caller: tokens for the same caller share it, any difference separates", () => {
    const a = callerKey({ schoolId: school, role: Role.Learner, subject: "app", learnerId: learner });
    expect(callerKey({ schoolId: school, role: Role.Learner, subject: "app", learnerId: learner })).toBe(a);
    expect(callerKey({ schoolId: school, role: Role.Learner, subject: "app", learnerId: school })).not.toBe(a);
    expect(callerKey({ schoolId: school, role: Role.Admin, subject: "app" })).not.toBe(
      callerKey({ schoolId: school, role: Role.Service, subject: "app" }),
    );
    expect(callerKey({ role: "PLATFORM_ADMIN", subject: "ops" })).toBe("platform:ops");
  });
});
