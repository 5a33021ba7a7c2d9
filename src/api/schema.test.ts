/**
 * The committed SDL is a regression check: the schema the code builds must equal
 * schema/schema.graphql. After an intended change, run `npm run schema` and commit the diff.
 */
import fs from "node:fs";
import path from "node:path";
import { buildSchema as parseSdl, isObjectType } from "graphql";
import { printApiSchema } from "./schema.js";

const FILE = path.resolve(__dirname, "../../schema/schema.graphql");

test("schema/schema.graphql matches the code (run `npm run schema` after changing the API)", async () => {
  const fromCode = await printApiSchema();
  const committed = fs.readFileSync(FILE, "utf8");
  expect(committed).toBe(fromCode);
});

test("the schema has the domain's types and their connections", () => {
  const schema = parseSdl(fs.readFileSync(FILE, "utf8"));
  for (const name of ["Learner", "Goal", "LearningPath", "PathStep", "Task", "Skill", "Attempt", "Cohort"]) {
    expect(isObjectType(schema.getType(name))).toBe(true);
  }
  for (const name of [
    "LearnerConnection",
    "GoalConnection",
    "TaskConnection",
    "SkillConnection",
    "AttemptConnection",
    "CohortConnection",
  ]) {
    const t = schema.getType(name);
    expect(isObjectType(t)).toBe(true);
    if (isObjectType(t)) expect(Object.keys(t.getFields())).toEqual(expect.arrayContaining(["edges", "pageInfo"]));
  }
});
