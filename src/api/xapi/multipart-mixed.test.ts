/** multipart/mixed (multipart-mixed.ts): what it writes it reads back, byte for byte; broken bodies say why. */
import { boundaryOf, type MimePart, parseMultipart, writeMultipart } from "./multipart-mixed.js";

test("parts written are read back with their headers and exact bytes", () => {
  const binary = Buffer.from([0, 13, 10, 45, 45, 255, 13, 10]);
  const parts: MimePart[] = [
    { headers: { "Content-Type": "application/json" }, body: Buffer.from('{"a":1}') },
    { headers: { "Content-Type": "image/png", "X-Experience-API-Hash": "abc" }, body: binary },
  ];
  const { body, contentType } = writeMultipart(parts, "zpd-b");
  expect(boundaryOf(contentType)).toBe("zpd-b");
  const read = parseMultipart(body, "zpd-b");
  expect(read.map((p) => p.headers)).toEqual([
    { "content-type": "application/json" },
    { "content-type": "image/png", "x-experience-api-hash": "abc" },
  ]);
  expect(read[1]!.body.equals(binary)).toBe(true);
  expect(read[0]!.body.toString()).toBe('{"a":1}');
});

test("a quoted boundary is read; a body without its boundary or its close is refused", () => {
  expect(boundaryOf('multipart/mixed; boundary="a b"')).toBe("a b");
  expect(boundaryOf("multipart/mixed")).toBeNull();
  expect(() => parseMultipart(Buffer.from("no parts here"), "x")).toThrow("no part delimited");
  expect(() => parseMultipart(Buffer.from("--x\r\nContent-Type: a/b\r\n\r\nbody"), "x")).toThrow("no closing boundary");
});
