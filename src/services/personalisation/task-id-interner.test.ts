import { TaskIdInterner, uuidTexts } from "./task-id-interner.js";

const A = "01a22670-9516-7000-8b25-d9c725c9146a";
const B = "01a22670-9516-7001-abe3-40064f473303";
// Shares A's last 6 bytes (the interner's number) but differs earlier.
const A_TWIN = "ffffffff-9516-7000-8b25-d9c725c9146a";
const UNKNOWN = "01a22670-9516-7009-b607-f11f0fbb16da";

/** What `string_agg(uuid_send(id), '')` sends: the ids' 16 bytes each, one after the other. */
const bytesOf = (...ids: string[]) => Buffer.from(ids.map((id) => id.replace(/-/g, "")).join(""), "hex");

describe("TaskIdInterner.decode", () => {
  const interner = new TaskIdInterner([A, B, A_TWIN]);

  test.each([[[]], [[A]], [[A, B, A]], [[A, UNKNOWN, B]], [[A_TWIN, A]], [[UNKNOWN]]])(
    "%j comes back as the ids' text, as PostgreSQL prints them",
    (ids) => {
      expect(interner.decode(bytesOf(...ids))).toEqual(ids);
      expect(uuidTexts(bytesOf(...ids))).toEqual(ids);
    },
  );

  test("known ids come back as the interner's own instances (the instances it was given)", () => {
    const ids = [[...A].join(""), [...B].join("")];
    const own = new TaskIdInterner(ids);
    const out = own.decode(bytesOf(B, A, B));
    expect(out).toEqual([B, A, B]);
    // Object.is on strings compares content, so check instances through a Map keyed by the originals
    // (it finds them either way) and through V8's identity: the same instance for both Bs.
    const index = new Map(ids.map((id, i) => [id, i]));
    expect(out.map((id) => index.get(id))).toEqual([1, 0, 1]);
  });

  test("ids that are not a uuid's text are ignored; a list that is not whole uuids is refused", () => {
    const it = new TaskIdInterner(["task-1", "", A.toUpperCase(), A, A]);
    expect(it.decode(bytesOf(A, B))).toEqual([A, B]);
    expect(() => it.decode(bytesOf(A).subarray(0, 15))).toThrow(/not a multiple of 16/);
  });

  test("a Uint8Array (not a Buffer) decodes alike", () => {
    expect(interner.decode(new Uint8Array(bytesOf(B, UNKNOWN)))).toEqual([B, UNKNOWN]);
  });
});
