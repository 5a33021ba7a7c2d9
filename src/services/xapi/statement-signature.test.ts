/**
 * Signed statements (statement-signature.ts): a JWS (RS256/384/512) of the statement itself passes, and
 * with an x5c chain its signature is verified; another payload, another algorithm, a tampered signature
 * or a wrong content type is refused. The key and certificate are the test's own fixtures.
 */
import { createHash, createSign } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { checkSignature, SIGNATURE_USAGE } from "./statement-signature.js";

const dir = path.resolve("test/fixtures/xapi-signing");
const KEY = fs.readFileSync(path.join(dir, "key.pem"), "utf8");
const CERT_DER = fs
  .readFileSync(path.join(dir, "cert.pem"), "utf8")
  .replace(/-----[A-Z ]+-----/g, "")
  .replace(/\s+/g, "");

const STATEMENT = {
  id: "5c2f0f5e-2f0a-4c1e-9a7d-0d3e6f6a1b2c",
  actor: { mbox: "mailto:a@example.org" },
  verb: { id: "urn:v:answered" },
  object: { id: "urn:act:1" },
};
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

function jws(payload: unknown, header: Record<string, unknown> = { alg: "RS256", x5c: [CERT_DER] }, sign = "RSA-SHA256"): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createSign(sign).update(input).sign(KEY).toString("base64url")}`;
}

function check(token: string, contentType = "application/octet-stream"): void {
  const content = Buffer.from(token);
  const sha2 = createHash("sha256").update(content).digest("hex");
  const statement = {
    ...STATEMENT,
    attachments: [{ usageType: SIGNATURE_USAGE, display: { en: "signature" }, contentType, length: content.length, sha2 }],
  };
  checkSignature(statement, new Map([[sha2, { contentType: "application/octet-stream", content }]]));
}

test("a JWS of the statement passes, with its certificate's key verifying it", () => {
  expect(() => check(jws(STATEMENT))).not.toThrow();
  expect(() => check(jws(STATEMENT, { alg: "RS512", x5c: [CERT_DER] }, "RSA-SHA512"))).not.toThrow();
  expect(() => check(jws(STATEMENT, { alg: "RS384" }, "RSA-SHA384"))).not.toThrow();
});

test("another payload, another algorithm, a tampered signature, a wrong content type or no JWS is refused", () => {
  expect(() => check(jws({ ...STATEMENT, object: { id: "urn:act:2" } }))).toThrow("does not sign this statement");
  expect(() => check(jws(STATEMENT, { alg: "HS256" }))).toThrow("RS256, RS384 or RS512");
  const token = jws(STATEMENT);
  const tampered = `${token.slice(0, -6)}${token.slice(-6) === "AAAAAA" ? "BBBBBB" : "AAAAAA"}`;
  expect(() => check(tampered)).toThrow("does not verify");
  expect(() => check(token, "text/plain")).toThrow("application/octet-stream");
  expect(() => check("not a jws")).toThrow("compact serialisation");
});
