import { randomBytes } from "node:crypto";
import { estimatedEntropyBits, weakKey, weakPassphrase } from "./secret-strength.js";

describe("secret strength", () => {
  test("what generators make is never refused (2,000 draws of each)", () => {
    const lower = (n: number) => Array.from(randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join("");
    const generators: Record<string, () => string> = {
      "openssl rand -base64 48": () => randomBytes(48).toString("base64"),
      "openssl rand -hex 32": () => randomBytes(32).toString("hex"),
      "32 hex characters": () => randomBytes(16).toString("hex"),
      "32 lower-case letters": () => lower(32),
    };
    for (const [name, make] of Object.entries(generators)) {
      const refused = Array.from({ length: 2000 }, make).filter((s) => weakPassphrase(s, 32) !== null);
      expect({ name, refused }).toEqual({ name, refused: [] });
    }
    const keys = Array.from({ length: 2000 }, () => randomBytes(32)).filter((k) => weakKey(k) !== null);
    expect(keys).toEqual([]);
  });

  test("repeats, runs and copies count nothing: typed patterns fall far below the threshold", () => {
    const bits = (s: string) => estimatedEntropyBits(Buffer.from(s), 62);
    expect(bits("a".repeat(64))).toBeLessThan(2 * 6); // the first two characters only
    expect(bits("0123456789".repeat(4))).toBeLessThan(4 * 6);
    expect(bits("zyxwvutsrqponmlkjihgfedcba")).toBeLessThan(2 * 6);
    expect(bits("passwordpasswordpasswordpassword")).toBeLessThan(10 * 6);
    for (const s of ["a".repeat(64), "0123456789".repeat(4), "password".repeat(4), "Summer2024!Summer2024!Summer2024!"])
      expect(weakPassphrase(s, 32)).toMatch(/too weak/);
    expect(weakPassphrase("x".repeat(31), 32)).toMatch(/at least 32 bytes long \(got 31\)/);
    expect(weakKey(Buffer.alloc(32, 0xab))).toMatch(/too weak/);
  });
});
