/**
 * Issue 13's hostile corpus, as its report sent it: each of these once stalled or killed the server.
 * The limits (src/api/common/query-limits.ts) must refuse every one before it runs, with a code.
 */

/** The request of one corpus entry and who sends it. */
export interface HostileRequest {
  readonly kind: HostileKind;
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** "learner": a valid learner's token (any role must be refused); "service": a valid service token; "bad": an invalid one. */
  readonly caller: "learner" | "service" | "bad";
}

export const HOSTILE_KINDS = ["alias bomb", "nested learners", "nested skills", "aliased recordAttempt", "bad token"] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** A page of 100 learners with their names: the alias bomb's field. */
const LEARNER_PAGE = "learners(first: 100) { nodes { id profile { displayName } } }";

/** `{ a0: field a1: field … }`. */
export const aliased = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`;

/** `learners { nodes { cohorts { learners { nodes { cohorts …` to `levels` fields deep. */
export function nestedLearners(levels: number): string {
  const path = ["learners", "nodes", "cohorts"];
  let q = "__typename";
  for (let i = levels - 1; i >= 1; i--) q = `${path[(i - 1) % 3]} { ${q} }`;
  return `{ ${q} }`;
}

/** `skills(first: 100) { nodes { prerequisites { id dependents { id prerequisites …` with `depth` alternating levels: each multiplies the answer. */
export function nestedSkills(depth: number): string {
  let inner = "id";
  for (let i = 0; i < depth; i++) inner = `${i % 2 ? "dependents" : "prerequisites"} { id ${inner} }`;
  return `{ skills(first: 100) { nodes { ${inner} } } }`;
}

/** `n` aliased recordAttempt fields, each a new attempt (keys `<keyPrefix>-<i>`): around recordAttempts' cap of 500. */
export function aliasedRecordAttempts(n: number, learnerId: string, taskId: string, keyPrefix: string): string {
  const field = (i: number) =>
    `a${i}: recordAttempt(input: { learnerId: "${learnerId}", taskId: "${taskId}", correct: true, idempotencyKey: "${keyPrefix}-${i}" }) { duplicate }`;
  return `mutation { ${Array.from({ length: n }, (_, i) => field(i)).join(" ")} }`;
}

/** Idempotency keys of the attempts the corpus tries to write (none may exist afterwards). */
export const HOSTILE_KEY_PREFIX = "hostile";

/** One round of the corpus, in the sizes of the issue (the bad-token requests are the sender's); `tag` makes the attempts' keys new. */
export function corpus(learnerId: string, taskId: string, tag: string): HostileRequest[] {
  return [
    { kind: "alias bomb", query: aliased(6000, LEARNER_PAGE), variables: {}, caller: "learner" },
    { kind: "nested learners", query: nestedLearners(60), variables: {}, caller: "learner" },
    { kind: "nested skills", query: nestedSkills(50), variables: {}, caller: "learner" },
    {
      kind: "aliased recordAttempt",
      query: aliasedRecordAttempts(1000, learnerId, taskId, `${HOSTILE_KEY_PREFIX}-${tag}`),
      variables: {},
      caller: "service",
    },
  ];
}
