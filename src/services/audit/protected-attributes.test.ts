/**
 * Protected attributes are read for fairness alone (docs/fairness.md): besides the admins' attribute API
 * that writes them, the demo that seeds them and the catalogue of encrypted columns (key rotation), only the audit's reader (persistence/audit/audit-inputs.ts)
 * names their table or entity, and only the fairness audit and the mitigation's weights call it.
 * Training sets, models, states, recommendations and analytics are built by modules that never do — so a
 * new reader has to be added here, on purpose, in review.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOTS = ["src", "jobs"];
const ALLOWED = new Set([
  "src/persistence/learner/learner-attribute.entity.ts",
  "src/persistence/entities.ts",
  "src/persistence/audit/audit-inputs.ts",
  "src/services/learner-attribute/learner-attribute.service.ts",
  "src/services/index.ts",
  "src/services/demo/demo-seed.ts",
  "src/api/learner-attribute/learner-attribute.type.ts",
  "src/api/learner-attribute/learner-attribute.resolver.ts",
  // The access log's table of whose data each GraphQL type is: it names the attribute API's type to log
  // whose attributes an admin read (the learner's id only), never the attributes themselves.
  "src/api/access-log/learner-data.ts",
  "src/api/schema.ts",
  // The erasure of a learner deletes them with every other row keyed to the learner (it reads none).
  "src/persistence/privacy/learner-rows.ts",
  // The catalogue of encrypted columns: the key rotation re-encrypts the values it lists, never reads them
  // as anything but ciphertext to open and seal again (services/keys/reencryption.ts).
  "src/persistence/crypto/encrypted-columns.ts",
]);
/** The callers of the audit's reader: the audit itself, and the mitigation (weights per learner, never the attribute). */
const CALLERS = new Set(["src/services/audit/fairness-audit.service.ts", "src/services/audit/fairness-policy.service.ts"]);
const rel = (f: string) => f.split(path.sep).join("/");

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.(ts|mts)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) yield p;
  }
}

test("no module but the audit's reader, the attribute API and the demo names the protected attributes' table or entity", () => {
  const readers = ROOTS.flatMap((r) => [...sources(r)]).filter((f) =>
    /learner_attribute|\bLearnerAttribute\b|learner-attribute\.entity/.test(readFileSync(f, "utf8")),
  );
  expect(readers.length).toBeGreaterThan(3); // the walk found the known ones: it is looking in the right place
  expect(readers.map(rel).filter((f) => !ALLOWED.has(f))).toEqual([]);
});

test("only the fairness audit and the mitigation call the audit's reader", () => {
  const callers = ROOTS.flatMap((r) => [...sources(r)]).filter((f) => /protectedAttributes\(/.test(readFileSync(f, "utf8")));
  expect(callers.map(rel).sort()).toEqual(["src/persistence/audit/audit-inputs.ts", ...CALLERS].sort());
});

test("the engine, training and personalisation never import the audit's reader", () => {
  const importers = ["src/engine", "src/services/training", "src/services/personalisation"]
    .flatMap((r) => [...sources(r)])
    .filter((f) => /audit-inputs/.test(readFileSync(f, "utf8")));
  expect(importers).toEqual([]);
});
