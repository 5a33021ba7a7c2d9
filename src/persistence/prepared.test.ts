import { prepared, statementText } from "./prepared.js";

describe("named statements", () => {
  test("one text, one name; another text, another name; the text is recoverable", () => {
    const a = prepared("SELECT 1 WHERE $1::int = 1") as unknown as { name: string; text: string };
    const again = prepared("SELECT 1 WHERE $1::int = 1") as unknown as { name: string; text: string };
    const b = prepared("SELECT 2 WHERE $1::int = 1") as unknown as { name: string; text: string };
    expect(again.name).toBe(a.name);
    expect(b.name).not.toBe(a.name);
    expect(a.name).toMatch(/^zpd_[0-9a-f]{20}$/);
    expect(statementText(a)).toBe("SELECT 1 WHERE $1::int = 1");
    expect(statementText("SELECT 3")).toBe("SELECT 3");
  });
});
