/**
 * Signed statements (xAPI 1.0.3, 2.6): a statement may carry a JWS of itself as an attachment of usage
 * type "signature". The LRS checks that the signature is a JWS in compact serialisation, signed with
 * RS256, RS384 or RS512, whose payload is the statement itself (compared as sameStatement does, without
 * the attachments, which the payload cannot contain) and, when the header carries an X.509 chain (`x5c`),
 * that the first certificate's key verifies it. Otherwise the request is refused with 400.
 */
import { createVerify, type KeyObject, X509Certificate } from "node:crypto";
import { sameStatement } from "./statement-format.js";
import { badRequest } from "./xapi-errors.js";

type Json = Record<string, unknown>;

export const SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature";
const ALGORITHMS: Readonly<Record<string, string>> = { RS256: "RSA-SHA256", RS384: "RSA-SHA384", RS512: "RSA-SHA512" };

function decodeJson(part: string, what: string): Json {
  try {
    const v = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Json;
  } catch {
    // answered below
  }
  throw badRequest(`the statement's signature: its ${what} is not base64url-encoded JSON`);
}

const withoutAttachments = (s: Json): Json => {
  const { attachments: _ignored, ...rest } = s;
  return rest;
};

/** Refuses a statement whose signature attachment is not a valid signature of it. */
export function checkSignature(statement: Json, parts: ReadonlyMap<string, { contentType: string; content: Buffer }>): void {
  const signatures = ((statement.attachments as Json[] | undefined) ?? []).filter((a) => a.usageType === SIGNATURE_USAGE);
  for (const a of signatures) {
    if (a.contentType !== "application/octet-stream")
      throw badRequest('a signature attachment\'s contentType must be "application/octet-stream"');
    const part = parts.get(String(a.sha2).toLowerCase());
    if (!part) throw badRequest("a signature attachment must be sent as a part");
    const jws = part.content.toString("utf8").trim();
    const pieces = jws.split(".");
    if (pieces.length !== 3 || pieces.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)))
      throw badRequest("the statement's signature is not a JWS in compact serialisation");
    const header = decodeJson(pieces[0]!, "header");
    const algorithm = ALGORITHMS[String(header.alg)];
    if (!algorithm) throw badRequest("the statement's signature must use RS256, RS384 or RS512");
    const payload = decodeJson(pieces[1]!, "payload");
    if (
      !sameStatement(
        withoutAttachments(payload),
        withoutAttachments({ ...statement, id: payload.id === undefined ? undefined : statement.id }),
      )
    )
      throw badRequest("the statement's signature does not sign this statement");
    if (Array.isArray(header.x5c) && typeof header.x5c[0] === "string") {
      let key: KeyObject | null;
      try {
        key = new X509Certificate(Buffer.from(header.x5c[0], "base64")).publicKey;
      } catch {
        key = null;
      }
      if (!key) throw badRequest("the statement's signature: x5c's first certificate cannot be read");
      const ok = createVerify(algorithm).update(`${pieces[0]}.${pieces[1]}`).verify(key, Buffer.from(pieces[2]!, "base64url"));
      if (!ok) throw badRequest("the statement's signature does not verify with its certificate's key");
    }
  }
}
