import { findInVariables, invalidText } from "./text-input.js";

describe("invalidText", () => {
  test("refuses a NUL byte and lone surrogates; accepts any well-formed text, astral characters included", () => {
    expect(invalidText("ab\u0000c")).toMatch(/NUL/);
    expect(invalidText("\uD83D")).toMatch(/surrogate/);
    expect(invalidText("x\uDE00y")).toMatch(/surrogate/);
    expect(invalidText("\uDE00\uD83D")).toMatch(/surrogate/); // low before high: both unpaired
    for (const ok of ["", "plain", "école ñ 中文", "\uD83D\uDE00 emoji", "tab\tnewline\n"]) expect(invalidText(ok)).toBeNull();
  });
});

describe("findInVariables", () => {
  test("finds the first invalid string at any depth and names its path, never its value", () => {
    const vars = { input: { name: "ok", profile: { displayName: "Ada\u0000" }, interests: ["a", "b\uD800"] } };
    expect(findInVariables(vars.input, "$input")).toEqual({ path: "$input.profile.displayName", problem: "a NUL byte (U+0000)" });
    expect(findInVariables({ interests: ["a", "b\uD800"] }, "$input")).toEqual({
      path: "$input.interests[1]",
      problem: "an unpaired UTF-16 surrogate (not text)",
    });
    expect(findInVariables({ a: [1, true, null, { b: "fine" }] }, "$v")).toBeNull();
  });
});
