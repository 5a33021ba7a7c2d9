import {
  LineSplitter,
  TraceFormatError,
  isMissing,
  parseAttemptLine,
  parseAttemptsHeader,
  parseItemLine,
  parseItemsHeader,
} from "./trace-csv.js";
import { isUuid, uuidv7s } from "../../shared/ids.js";
import { ProgressBar } from "./progress-bar.js";

const cols = parseAttemptsHeader("user_id,item_id,skill_id,correct,order_id");

test("the header is found by name, in any order, skill_id optional; a missing column names it", () => {
  expect(parseAttemptsHeader("\ufefforder_id,correct,item_id,user_id")).toEqual({
    count: 4,
    user: 3,
    item: 2,
    skill: null,
    correct: 1,
    order: 0,
  });
  expect(() => parseAttemptsHeader("user_id,item_id,skill_id,order_id")).toThrow("attempts.csv line 1: the header has no correct column");
});

test("a good line is parsed; NaN, empty and null skill ids are missing", () => {
  expect(parseAttemptLine(cols, "u1,i-2,31,1,17", 2)).toEqual({
    line: 2,
    userId: "u1",
    itemId: "i-2",
    skillId: "31",
    correct: true,
    orderId: 17,
  });
  expect(parseAttemptLine(cols, "u1,i2,NaN,0,0", 3).skillId).toBeNull();
  expect(parseAttemptLine(cols, "u1,i2,,0,0", 3).skillId).toBeNull();
  expect(["", " nan ", "NULL", undefined].every(isMissing)).toBe(true);
  expect(isMissing("0")).toBe(false);
});

test.each([
  ["u1,i1,s1,1", "expected 5 fields, got 4"],
  [",i1,s1,1,0", "user_id is empty"],
  ["u 1,i1,s1,1,0", 'user_id "u 1" may hold'],
  ["u1,,s1,1,0", "item_id is empty"],
  ["u1,-i,s1,1,0", 'item_id "-i" is not a valid task code'],
  ["u1,i1,s 1,1,0", 'skill_id "s 1" is not a valid skill code'],
  ["u1,i1,s1,2,0", 'correct must be 0 or 1, got "2"'],
  ["u1,i1,s1,true,0", 'correct must be 0 or 1, got "true"'],
  ["u1,i1,s1,1,-3", 'order_id must be an integer from 0 to 1000000000, got "-3"'],
  ["u1,i1,s1,1,1.5", "order_id must be an integer"],
  ["u1,i1,s1,1,99999999999", "order_id must be an integer"],
  ['"u1",i1,s1,1,0', "quoted fields are not supported"],
])("a bad line %p names its line and why", (text, why) => {
  let err: unknown;
  try {
    parseAttemptLine(cols, text, 7);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TraceFormatError);
  expect((err as TraceFormatError).line).toBe(7);
  expect((err as Error).message).toContain(`attempts.csv line 7: ${why}`);
});

test("items.csv: the header is checked, skills split on ';' without duplicates or missing ones", () => {
  expect(() => parseItemsHeader("item_id,skills")).toThrow("items.csv line 1: expected the header item_id,skill_ids");
  expect(() => parseItemsHeader("item_id,skill_ids")).not.toThrow();
  expect(parseItemLine("7,31;39;31; NaN", 2)).toEqual({ itemId: "7", skills: ["31", "39"] });
  expect(parseItemLine("8,", 3)).toEqual({ itemId: "8", skills: [] });
  expect(() => parseItemLine("8,1,2", 4)).toThrow("items.csv line 4: expected 2 fields");
});

test("the line splitter handles LF and CRLF, lines cut across chunks, multi-byte characters and a missing final newline", () => {
  const text = "a,b\r\nc,é€\nlast";
  const bytes = Buffer.from(text, "utf8");
  for (let cut = 0; cut <= bytes.length; cut++) {
    const sp = new LineSplitter();
    const lines = [...sp.push(bytes.subarray(0, cut)), ...sp.push(bytes.subarray(cut)), ...sp.end()];
    expect(lines).toEqual(["a,b", "c,é€", "last"]);
  }
  const sp = new LineSplitter();
  expect([...sp.push(Buffer.from("x\n")), ...sp.end()]).toEqual(["x"]);
});

test("bulk uuids are valid version-7 uuids, unique and increasing", () => {
  const ids = uuidv7s(20000);
  expect(ids.every((id) => isUuid(id) && id[14] === "7" && "89ab".includes(id[19]!))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  const ms = parseInt(ids[0]!.replace(/-/g, "").slice(0, 12), 16);
  expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
});

test("the progress bar draws a line per tenth when not on a terminal", () => {
  const out: string[] = [];
  const bar = new ProgressBar({ write: (s: string) => out.push(s), isTTY: false }, "import");
  for (let i = 0; i <= 100; i++) bar.update(i, 100, "attempts");
  expect(out).toHaveLength(11);
  expect(out[10]).toMatch(/^import \[#+\] 100% {2}100\/100 attempts\n$/);
});
