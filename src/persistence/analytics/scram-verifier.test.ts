import { createHash, createHmac } from "node:crypto";
import { scramVerifier } from "./scram-verifier.js";

/**
 * RFC 7677 section 3's exchange (user "user", password "pencil"): a verifier is right when the server
 * side of SCRAM accepts the RFC's client proof with it and answers the RFC's server signature.
 */
describe("SCRAM-SHA-256 verifier", () => {
  const salt = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
  const clientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
  const serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  const clientFinalBare = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const proof = Buffer.from("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "base64");
  const serverSignature = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalBare}`;

  function parse(v: string) {
    const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(v);
    if (!m) throw new Error(`not a verifier: ${v}`);
    return { iterations: Number(m[1]), salt: m[2]!, storedKey: Buffer.from(m[3]!, "base64"), serverKey: Buffer.from(m[4]!, "base64") };
  }

  test("the RFC 7677 client proof verifies against it and the server signature matches", () => {
    const v = parse(scramVerifier("pencil", salt, 4096));
    expect(v.iterations).toBe(4096);
    expect(v.salt).toBe("W22ZaJ0SNY7soEsUEjb6gQ==");
    const clientSignature = createHmac("sha256", v.storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((b, i) => b ^ clientSignature[i]!));
    expect(createHash("sha256").update(clientKey).digest().equals(v.storedKey)).toBe(true);
    expect(createHmac("sha256", v.serverKey).update(authMessage).digest("base64")).toBe(serverSignature);
  });

  test("another password does not verify; a fresh salt each time", () => {
    const v = parse(scramVerifier("pencil2", salt, 4096));
    const clientSignature = createHmac("sha256", v.storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((b, i) => b ^ clientSignature[i]!));
    expect(createHash("sha256").update(clientKey).digest().equals(v.storedKey)).toBe(false);
    expect(parse(scramVerifier("pencil")).salt).not.toBe(parse(scramVerifier("pencil")).salt);
  });
});
