import { csvField } from "./analytics-csv.js";

describe("CSV fields", () => {
  test("NULL is an empty field; plain values stay as they are", () => {
    expect(csvField(null, false)).toBe("");
    expect(csvField("0.75", false)).toBe("0.75");
    expect(csvField("-1.5", false)).toBe("-1.5");
    expect(csvField("Year 6 — Maple", true)).toBe("Year 6 — Maple");
  });

  test("commas, quotes and line breaks are quoted, quotes doubled (RFC 4180)", () => {
    expect(csvField("a,b", true)).toBe('"a,b"');
    expect(csvField('say "hi"', true)).toBe('"say ""hi"""');
    expect(csvField("two\nlines", true)).toBe('"two\nlines"');
  });

  test("a text value a spreadsheet would evaluate is prefixed with '; numbers are not", () => {
    expect(csvField("=HYPERLINK(1)", true)).toBe("'=HYPERLINK(1)");
    expect(csvField("+1", true)).toBe("'+1");
    expect(csvField("@sum", true)).toBe("'@sum");
    expect(csvField("-5", false)).toBe("-5");
    expect(csvField("=1,2", true)).toBe(`"'=1,2"`);
  });
});
