/**
 * The field cipher against its documented format (envelope.ts): each value is opened here with Node's
 * AES-GCM directly from the layout and the associated data the comments describe, so the format is
 * checked independently of the code that writes it.
 */
import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import { FieldCipher, FieldDecryptError, keyIdOf, LEGACY_KEY_ID } from "./field-cipher.js";
import { HEADER_BYTES } from "./envelope.js";

const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);
const ROW_A = "goal.title_enc:0190a0b0-0000-7000-8000-00000000000a";
const ROW_B = "goal.title_enc:0190a0b0-0000-7000-8000-00000000000b";

/** Opens a version-2 envelope from the documented layout alone. */
function openByHand(key: Buffer, data: Buffer, context: string): string {
  const header = data.subarray(0, 5);
  const d = createDecipheriv("aes-256-gcm", key, data.subarray(5, 17));
  d.setAAD(Buffer.concat([header, Buffer.from(context, "utf8")]));
  d.setAuthTag(data.subarray(17, 33));
  return Buffer.concat([d.update(data.subarray(33)), d.final()]).toString("utf8");
}

test("a value is a version-2 envelope: 0x02, the key id, a nonce, the tag, the body; openable from the layout alone", () => {
  const c = FieldCipher.single(K1);
  const plain = "Fractions — équivalentes";
  const data = c.encrypt(plain, ROW_A);
  expect(data[0]).toBe(2);
  expect(data.subarray(1, 5).toString("hex")).toBe(c.currentKeyId);
  expect(data.length).toBe(HEADER_BYTES + Buffer.byteLength(plain, "utf8"));
  expect(HEADER_BYTES).toBe(1 + 4 + 12 + 16);
  expect(openByHand(K1, data, ROW_A)).toBe(plain);
  expect(c.decrypt(data, ROW_A)).toBe(plain);
  // Fresh nonce per value: the same plain text twice gives two different values.
  expect(c.encrypt(plain, ROW_A).equals(data)).toBe(false);
});

test("the key id is the first 4 bytes of HMAC-SHA256(key, 'zpd:key-id'): stable per key, different across keys", () => {
  const expected = createHmac("sha256", K1).update("zpd:key-id").digest().toString("hex").slice(0, 8);
  expect(keyIdOf(K1)).toBe(expected);
  expect(FieldCipher.single(K1).currentKeyId).toBe(expected);
  expect(keyIdOf(K2)).not.toBe(expected);
  expect(keyIdOf(K2)).toMatch(/^[0-9a-f]{8}$/);
});

test("a value moved to another row or column fails its tag, and the error names the context, never the value", () => {
  const c = FieldCipher.single(K1);
  const a = c.encrypt("Ada's secret goal", ROW_A);
  expect(() => c.decrypt(a, ROW_B)).toThrow(FieldDecryptError);
  expect(() => c.decrypt(a, "teacher.display_name_enc:0190a0b0-0000-7000-8000-00000000000a")).toThrow(/tag does not match/);
  try {
    c.decrypt(a, ROW_B);
  } catch (e) {
    expect((e as Error).message).toContain(ROW_B);
    expect((e as Error).message).not.toContain("Ada");
  }
});

test("the header is authenticated: a value relabelled with another key id of the keyring fails", () => {
  const c = new FieldCipher({ current: K1, old: [K2] });
  const data = Buffer.from(c.encrypt("x", ROW_A));
  Buffer.from(keyIdOf(K2), "hex").copy(data, 1);
  expect(() => c.decrypt(data, ROW_A)).toThrow(/tag does not match under key/);
});

test("older keys decrypt, only the current key encrypts; a key outside the keyring is named", () => {
  const before = FieldCipher.single(K1).encrypt("old value", ROW_A);
  const rotated = new FieldCipher({ current: K2, old: [K1] });
  expect(rotated.decrypt(before, ROW_A)).toBe("old value");
  expect(rotated.encrypt("new", ROW_A).subarray(1, 5).toString("hex")).toBe(keyIdOf(K2));
  expect(() => FieldCipher.single(K2).decrypt(before, ROW_A)).toThrow(
    new RegExp(`under key ${keyIdOf(K1)}, which is not in this server's keyring`),
  );
});

test("the previous formats are read while the upgrade is pending, refused otherwise", () => {
  const c = FieldCipher.single(K1);
  c.setLegacyReadable(true);
  const plain = Buffer.concat([Buffer.from([0]), Buffer.from("Ms. Rivera", "utf8")]);
  // ZPD ≤ 0.1's profile cipher: nonce | tag | body, no associated data; tagged 0x01 by the migration.
  const nonce = Buffer.alloc(12, 9);
  const e = createCipheriv("aes-256-gcm", K1, nonce);
  const body = Buffer.concat([e.update("Ada", "utf8"), e.final()]);
  const v1 = Buffer.concat([Buffer.from([1]), nonce, e.getAuthTag(), body]);
  expect(c.decrypt(plain, ROW_A)).toBe("Ms. Rivera");
  expect(c.decrypt(v1, ROW_A)).toBe("Ada");
  const other = FieldCipher.single(K2);
  expect(() => other.decrypt(v1, ROW_A)).toThrow(/pre-encryption format/); // not pending: refused outright
  other.setLegacyReadable(true);
  expect(() => other.decrypt(v1, ROW_A)).toThrow(/no key of the keyring/);
  expect(FieldCipher.keyIdOfValue(plain)).toBe(LEGACY_KEY_ID);
  expect(FieldCipher.keyIdOfValue(v1)).toBe(LEGACY_KEY_ID);
  c.setLegacyReadable(false);
  expect(() => c.decrypt(plain, ROW_A)).toThrow(/pre-encryption format/);
  expect(() => c.decrypt(v1, ROW_A)).toThrow(/pre-encryption format/);
});

test("lists: an empty list is no value at all; a list comes back as it went in", () => {
  const c = FieldCipher.single(K1);
  expect(c.encryptList([], ROW_A)).toBeNull();
  expect(c.decryptList(null, ROW_A)).toEqual([]);
  expect(c.decryptList(c.encryptList(["pizza", "sport"], ROW_A), ROW_A)).toEqual(["pizza", "sport"]);
});

test("bad input: a truncated or unknown envelope is a decrypt error; two keys with the same id or a short key are refused", () => {
  const c = FieldCipher.single(K1);
  expect(() => c.decrypt(Buffer.from([2, 1, 2]), ROW_A)).toThrow(/truncated/);
  expect(() => c.decrypt(Buffer.from([7, 1, 2]), ROW_A)).toThrow(/unknown envelope version 7/);
  expect(() => FieldCipher.single(Buffer.alloc(16))).toThrow(/32 bytes/);
  // The same key twice is one key, not a clash.
  expect(new FieldCipher({ current: K1, old: [K1] }).keyIds()).toEqual([keyIdOf(K1)]);
});
