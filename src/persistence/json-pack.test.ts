import { JSON_SEPARATOR, packJson } from "./json-pack.js";

test("JSON.stringify never writes the separator raw, so packed documents split back exactly", () => {
  const docs = [{ a: 'x,"y"\\z' }, { s: `tab\tnew\nline ${JSON_SEPARATOR} rs` }, [1.5e-300, -0, null], "plain", {}];
  const texts = docs.map((d) => JSON.stringify(d));
  for (const t of texts) expect(t.includes(JSON_SEPARATOR)).toBe(false);
  expect(
    packJson(texts)
      .split(JSON_SEPARATOR)
      .map((t) => JSON.parse(t)),
  ).toEqual(JSON.parse(JSON.stringify(docs)));
  expect(packJson([])).toBe("");
});
