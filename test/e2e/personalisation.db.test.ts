/**
 * The personalisation API end to end over real HTTP (issue 4, "Tests"), on the simulator's demo school
 * with a Meta model trained on its consented traces: mastery rising with correct answers and the
 * recommendations moving on, the success band, paths in prerequisite order with pins and skips,
 * concurrent attempts of one learner, the no-consent path, edges and permissions.
 *
 * One school and one training for the whole file (beforeAll). Tests that need a controllable learner
 * create a fresh one (consent granted, no attempts: the model's typical learner), so they do not depend
 * on one another; the test that adds a skill and a task to the school runs last.
 */
import { Role } from "../../src/services/auth/actor.js";
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";
import { statementText } from "../../src/persistence/prepared.js";
import { BACKGROUND_SQL } from "../../src/persistence/query-counter.js";

const NOW = new Date("2026-11-01T12:00:00Z");
const HOOK_TIMEOUT = 120_000;
/** How long the personalisation service may serve a cached curriculum (CurriculumCache's default ttlMs). */

let s: TestServer;
let demo: DemoSchool;
let admin: string;
/** Skill id → direct prerequisite ids, code, and the ids of the tasks exercising it. */
const skills = new Map<string, { code: string; prerequisites: string[]; taskIds: string[] }>();
const skillByCode = (code: string): string => [...skills].find(([, v]) => v.code === code)![0];
let allTaskIds: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 60, idLabel: "personalisation" });
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
  const r = await s.gql(`{ skills(first: 100) { nodes { id code prerequisites { id } tasks(first: 100) { nodes { id } } } } }`, {}, admin);
  expect(r.errors).toBeUndefined();
  for (const n of r.data.skills.nodes)
    skills.set(n.id, { code: n.code, prerequisites: n.prerequisites.map((p: any) => p.id), taskIds: n.tasks.nodes.map((t: any) => t.id) });
  allTaskIds = [...new Set([...skills.values()].flatMap((v) => v.taskIds))];
}, HOOK_TIMEOUT);
afterAll(async () => {
  await s?.stop();
}, HOOK_TIMEOUT);

// ---------------------------------------------------------------------------------------------- helpers

/** Every (transitive) prerequisite of a skill. */
function ancestors(skillId: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(skills.get(skillId)?.prerequisites ?? [])];
  while (stack.length) {
    const p = stack.pop()!;
    if (out.has(p)) continue;
    out.add(p);
    stack.push(...(skills.get(p)?.prerequisites ?? []));
  }
  return out;
}

/** The response's data, after checking that it has no errors. */
const ok = (r: { errors?: unknown; data?: unknown }): any => {
  expect(r.errors).toBeUndefined();
  return r.data;
};

let refs = 0;
/** A new learner of the demo school: consent to personalisation and training granted unless `consent: false`; a goal when `goal` names skill codes. */
async function freshLearner(
  opts: { consent?: boolean; goal?: string[]; skillIds?: string[] } = {},
): Promise<{ id: string; goalId?: string }> {
  const id = ok(await s.gql(`mutation($r: String) { createLearner(input: { externalRef: $r }) { id } }`, { r: `e2e-${++refs}` }, admin))
    .createLearner.id as string;
  if (opts.consent !== false) {
    for (const p of ["PERSONALISATION", "TRAINING"]) {
      ok(
        await s.gql(
          `mutation($l: UUID!, $p: ConsentPurpose!) { setConsent(learnerId: $l, purpose: $p, granted: true, grantedBy: LEARNER) { id } }`,
          { l: id, p },
          admin,
        ),
      );
    }
  }
  const skillIds = opts.skillIds ?? opts.goal?.map(skillByCode);
  if (!skillIds) return { id };
  const goalId = ok(
    await s.gql(
      `mutation($i: CreateGoalInput!) { createGoal(input: $i) { id } }`,
      { i: { learnerId: id, title: "e2e goal", skillIds } },
      admin,
    ),
  ).createGoal.id as string;
  return { id, goalId };
}

const MASTERY = `query($l: UUID!) { mastery(learnerId: $l) { learnerId personalisation notice skills { skill { id } mastery uncertainty trend attempts } } }`;
async function masteryOf(
  learnerId: string,
  token = admin,
): Promise<Map<string, { mastery: number | null; uncertainty: number | null; trend: number; attempts: number }>> {
  const d = ok(await s.gql(MASTERY, { l: learnerId }, token));
  return new Map(d.mastery.skills.map((e: any) => [e.skill.id, e]));
}

const RECS = `query($l: UUID!, $g: UUID, $n: Int!, $st: RecommendationStrategy!) {
  recommendations(learnerId: $l, goalId: $g, count: $n, strategy: $st) {
    personalisation notice strategy
    items { predictedSuccess expectedProgress explanation task { id } skill { id }
      reason { code inBand mastery mastered role strategy calibrated band { low high target } skill { id } } }
  }
}`;
async function recs(learnerId: string, goalId: string | null, count = 5, strategy = "ZPD", token = admin) {
  return s.gql(RECS, { l: learnerId, g: goalId, n: count, st: strategy }, token);
}

const RECORD = `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { duplicate attempt { id } mastery { skillId mastery uncertainty delta trend attempts } } }`;
let keys = 0;
const attempt = (learnerId: string, taskId: string, correct: boolean, extra: Record<string, unknown> = {}) =>
  s.gql(RECORD, { i: { learnerId, taskId, correct, idempotencyKey: `e2e-k-${++keys}`, ...extra } }, admin);

const PREDICT = `query($l: UUID!, $t: [UUID!]!) { predictions(learnerId: $l, taskIds: $t) { personalisation notice items { task { id } predictedSuccess basis } } }`;

const STATE = `query($l: UUID!) { learner(id: $l) { state { attemptCount modelVersionId } attempts(first: 100) { nodes { id idempotencyKey } } } }`;

/** The i-th of a series of attempts at `tasks[i]`, a minute apart from `base`, keyed `<label>-<learner>-<i>`. */
const attemptsAt =
  (tasks: readonly string[], base: number, label: string, correct: (i: number) => boolean) => (learnerId: string, i: number) => ({
    learnerId,
    taskId: tasks[i]!,
    correct: correct(i),
    occurredAt: new Date(base + i * 60_000).toISOString(),
    idempotencyKey: `${label}-${learnerId}-${i}`,
  });
const isProbability = (x: unknown): boolean => typeof x === "number" && Number.isFinite(x) && x >= 0 && x <= 1;

// ------------------------------------------------------------------------------------------------ tests

test("answering a skill's tasks correctly raises its mastery, and the recommendations move on to the next skill in the DAG", async () => {
  // Fractions on the number line has one prerequisite, Meaning of a fraction, which has none.
  const meaning = skillByCode("frac-meaning"),
    lineSkill = skillByCode("frac-number-line");
  expect(skills.get(lineSkill)!.prerequisites).toEqual([meaning]);
  const l = await freshLearner({ goal: ["frac-number-line"] });

  const before = await masteryOf(l.id);
  const first = ok(await recs(l.id, l.goalId!)).recommendations;
  expect(first.personalisation).toBe("PERSONALISED");
  // A typical learner has not mastered Meaning of a fraction yet (threshold 0.8): it is worked on first.
  expect(before.get(meaning)!.mastery!).toBeLessThan(0.8);
  expect(first.items.length).toBe(5);
  expect(first.items[0].skill.id).toBe(meaning);
  expect(first.items[0].reason).toMatchObject({ role: "PREREQUISITE", code: "PREREQUISITE_GAP", mastered: false });

  let current = first;
  let reported = before.get(meaning)!.mastery!;
  let n = 0;
  while (current.items.some((i: any) => i.skill.id === meaning)) {
    expect(n).toBeLessThan(40); // mastered within 40 correct answers, or the test fails
    const task = current.items.find((i: any) => i.skill.id === meaning).task.id;
    const r = ok(await attempt(l.id, task, true)).recordAttempt;
    n++;
    const change = r.mastery.find((c: any) => c.skillId === meaning);
    expect(change).toBeDefined();
    expect(change.mastery).toBeGreaterThan(reported); // every correct answer raises it
    expect(change.delta).toBeCloseTo(change.mastery - reported, 9);
    expect(change.attempts).toBe(n);
    reported = change.mastery;
    current = ok(await recs(l.id, l.goalId!)).recommendations;
  }
  expect(n).toBeGreaterThan(0);

  const after = await masteryOf(l.id);
  const m = after.get(meaning)!;
  // The mastery query reads what the last recordAttempt returned.
  expect(m.mastery!).toBeCloseTo(reported, 9);
  expect(m.mastery!).toBeGreaterThanOrEqual(0.8);
  expect(m.mastery!).toBeGreaterThan(before.get(meaning)!.mastery!);
  expect(m.trend).toBeGreaterThan(0);
  expect(m.attempts).toBe(n);
  // Now every recommendation serves the next skill: the goal's skill, which Meaning of a fraction unlocks.
  expect(current.items.length).toBe(5);
  for (const i of current.items) {
    expect(i.skill.id).toBe(lineSkill);
    expect(i.reason.role).toBe("TARGET");
  }
});

test("recommended tasks' predicted success lies in the band whenever the reason says so, in-band tasks come first, and a typical learner's are mostly in band", async () => {
  const learners = [...demo.learnerIds.slice(0, 10).filter((id) => id !== demo.noConsentLearnerId)];
  const fresh = await freshLearner({ goal: ["percent"] });
  let inBand = 0,
    total = 0,
    checked = 0;
  for (const [learnerId, goalId] of [...learners.map((id) => [id, null] as const), [fresh.id, fresh.goalId!] as const]) {
    const list = ok(await recs(learnerId, goalId, 10)).recommendations;
    expect(list.strategy).toBe("ZPD");
    expect(list.items.length).toBeGreaterThan(0);
    let seenOutside = false;
    for (const i of list.items) {
      const { low, high, target } = i.reason.band;
      expect([low, high, target]).toEqual([0.65, 0.85, 0.75]);
      expect(isProbability(i.predictedSuccess)).toBe(true);
      expect(i.reason.inBand).toBe(i.predictedSuccess >= low && i.predictedSuccess <= high);
      if (i.reason.inBand) {
        checked++;
        expect(i.predictedSuccess).toBeGreaterThanOrEqual(low);
        expect(i.predictedSuccess).toBeLessThanOrEqual(high);
        // The band tier comes first: no in-band task after an out-of-band one.
        expect(seenOutside).toBe(false);
      } else seenOutside = true;
      if (i.reason.code === "IN_BAND") expect(i.reason.inBand).toBe(true);
      if (i.reason.code === "CLOSEST_TO_BAND") expect(i.reason.inBand).toBe(false);
      expect(i.explanation).toContain(i.reason.inBand ? "in the target band" : "the target band");
    }
    if (learnerId === fresh.id) {
      inBand = list.items.filter((i: any) => i.reason.inBand).length;
      total = list.items.length;
    }
  }
  expect(checked).toBeGreaterThan(0);
  // The typical learner (the model's prior): most of its recommendations are in the band.
  expect(total).toBe(10);
  expect(inBand).toBeGreaterThan(total / 2);
});

test("planPath orders steps by prerequisites; a pinned step survives a re-plan; a skipped step's task never comes back", async () => {
  const l = await freshLearner({ goal: ["percent", "frac-divide"] });
  const PLAN = `mutation($g: UUID!) { planPath(goalId: $g) { personalisation
    path { id steps { id position pinned status task { id } skill { id } reason } }
    skills { skill { id } target mastered status estimatedAttemptsToMastery }
    progress { targetSkills masteredSkills shareMastered attemptsRemaining status } } }`;
  const plan = ok(await s.gql(PLAN, { g: l.goalId }, admin)).planPath;
  expect(plan.personalisation).toBe("PERSONALISED");
  const steps = plan.path.steps;
  expect(steps.length).toBeGreaterThanOrEqual(4);
  expect(steps.map((x: any) => x.position)).toEqual(steps.map((_: any, i: number) => i + 1));
  // No step comes before a step that serves one of its (transitive) prerequisites.
  const stepSkills: string[] = steps.map((x: any) => x.skill.id);
  for (let i = 0; i < stepSkills.length; i++) {
    const pre = ancestors(stepSkills[i]!);
    for (let j = i + 1; j < stepSkills.length; j++)
      expect({ step: i + 1, servesLaterPrerequisite: pre.has(stepSkills[j]!) }).toEqual({ step: i + 1, servesLaterPrerequisite: false });
  }
  // The planned skills are in DAG order too, the targets included, and each step's task exercises its skill.
  const planned: string[] = plan.skills.map((x: any) => x.skill.id);
  for (let i = 0; i < planned.length; i++)
    for (let j = i + 1; j < planned.length; j++) expect(ancestors(planned[i]!).has(planned[j]!)).toBe(false);
  expect(
    plan.skills
      .filter((x: any) => x.target)
      .map((x: any) => x.skill.id)
      .sort(),
  ).toEqual([skillByCode("percent"), skillByCode("frac-divide")].sort());
  for (const x of steps) expect(skills.get(x.skill.id)!.taskIds).toContain(x.task.id);
  expect(plan.progress.targetSkills).toBe(2);

  // Pin the third step and skip the second.
  const UPDATE = `mutation($id: UUID!, $i: UpdatePathStepInput!) { updatePathStep(id: $id, input: $i) { id pinned status position } }`;
  const pinned = steps[2],
    skipped = steps[1];
  ok(await s.gql(UPDATE, { id: pinned.id, i: { pinned: true } }, admin));
  ok(await s.gql(UPDATE, { id: skipped.id, i: { status: "SKIPPED" } }, admin));

  const again = ok(await s.gql(PLAN, { g: l.goalId }, admin)).planPath.path.steps;
  // The pinned step survives the re-plan as it was (same row, same task, still pinned and pending,
  // at the same position); the skipped step stays, skipped.
  expect(again.filter((x: any) => x.id === pinned.id)).toEqual([
    expect.objectContaining({ pinned: true, status: "PENDING", position: pinned.position, task: { id: pinned.task.id } }),
  ]);
  expect(again.filter((x: any) => x.id === skipped.id)).toEqual([
    expect.objectContaining({ status: "SKIPPED", task: { id: skipped.task.id } }),
  ]);
  // The re-planned (unpinned) steps are new and the skipped task is not planned again as a pending step.
  const replanned = again.filter((x: any) => x.status === "PENDING" && !x.pinned);
  expect(replanned.length).toBeGreaterThan(0);
  for (const x of replanned) expect(steps.map((o: any) => o.id)).not.toContain(x.id);
  expect(again.filter((x: any) => x.status === "PENDING" && x.task.id === skipped.task.id)).toEqual([]);
  expect(again.map((x: any) => x.position)).toEqual(again.map((_: any, i: number) => i + 1));
  // The re-planned steps still respect prerequisites among themselves.
  const replannedSkills: string[] = replanned.map((x: any) => x.skill.id);
  for (let i = 0; i < replannedSkills.length; i++)
    for (let j = i + 1; j < replannedSkills.length; j++) expect(ancestors(replannedSkills[i]!).has(replannedSkills[j]!)).toBe(false);

  // Recommendations for the goal never offer the skipped task, whatever the strategy and count; the pin comes first.
  for (const strategy of ["ZPD", "LOWEST_MASTERY", "CURRICULUM"]) {
    const list = ok(await recs(l.id, l.goalId!, 50, strategy)).recommendations;
    expect(list.items.length).toBeGreaterThan(5);
    expect(list.items.map((i: any) => i.task.id)).not.toContain(skipped.task.id);
    expect(list.items[0].task.id).toBe(pinned.task.id);
    expect(list.items[0].reason.code).toBe("PINNED");
  }
  // Without the goal the skip does not apply: the task is a candidate again (the skip is the goal's).
  const noGoal = ok(await recs(l.id, null, 50, "CURRICULUM")).recommendations.items.map((i: any) => i.task.id);
  expect(noGoal).toContain(skipped.task.id);
});

test("10 concurrent attempts of one learner are all applied, exactly once each; one key sent twice at once applies once", async () => {
  const meaning = skillByCode("frac-meaning");
  const tasks = skills.get(meaning)!.taskIds.slice(0, 10);
  expect(tasks).toHaveLength(10);
  const base = Date.now() - 3_600_000;
  const inputs = (learnerId: string) =>
    tasks.map((taskId, i) => ({
      learnerId,
      taskId,
      correct: i % 3 !== 0,
      occurredAt: new Date(base + i * 60_000).toISOString(),
      idempotencyKey: `conc-${learnerId}-${i}`,
    }));

  const a = await freshLearner();
  const b = await freshLearner();
  // A warm-up attempt so that the concurrent ones hit an existing state (the incremental path).
  const warm = { taskId: skills.get(meaning)!.taskIds[10]!, correct: true, occurredAt: new Date(base - 60_000).toISOString() };
  for (const l of [a, b]) ok(await s.gql(RECORD, { i: { ...warm, learnerId: l.id, idempotencyKey: `warm-${l.id}` } }, admin));
  expect(ok(await s.gql(STATE, { l: a.id }, admin)).learner.state.attemptCount).toBe(1);

  const results = await Promise.all(inputs(a.id).map((i) => s.gql(RECORD, { i }, admin)));
  for (const r of results) expect(ok(r).recordAttempt.duplicate).toBe(false);
  // Each request saw the state its predecessor left (the row lock serialises them): counts 2…11, each once.
  const seen = results
    .map((r) => r.data.recordAttempt.mastery.find((c: any) => c.skillId === meaning).attempts)
    .sort((x: number, y: number) => x - y);
  expect(seen).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  for (const i of inputs(b.id)) ok(await s.gql(RECORD, { i }, admin)); // the same attempts, one after the other, in time order

  const stA = ok(await s.gql(STATE, { l: a.id }, admin)).learner;
  expect(stA.state.attemptCount).toBe(11);
  expect(stA.attempts.nodes).toHaveLength(11);
  const [mA, mB] = [await masteryOf(a.id), await masteryOf(b.id)];
  expect(mA.get(meaning)!.attempts).toBe(11);
  expect(mB.get(meaning)!.attempts).toBe(11);
  // Whatever order they arrived in, the state is the time-ordered replay: an attempt that arrives
  // before a later-dated one was applied makes the learner's history replay in time order.
  expect(mA.get(meaning)!.mastery!).toBeCloseTo(mB.get(meaning)!.mastery!, 9);
  expect(mA.get(meaning)!.uncertainty!).toBeCloseTo(mB.get(meaning)!.uncertainty!, 9);

  // One key, twice at once: one write, one update.
  const same = {
    learnerId: a.id,
    taskId: tasks[0],
    correct: true,
    occurredAt: new Date(base + 20 * 60_000).toISOString(),
    idempotencyKey: `conc-dup-${a.id}`,
  };
  const twice = await Promise.all([s.gql(RECORD, { i: same }, admin), s.gql(RECORD, { i: same }, admin)]);
  const payloads = twice.map((r) => ok(r).recordAttempt);
  expect(payloads.map((p) => p.duplicate).sort()).toEqual([false, true]);
  expect(payloads[0].attempt.id).toBe(payloads[1].attempt.id);
  const st2 = ok(await s.gql(STATE, { l: a.id }, admin)).learner;
  expect(st2.state.attemptCount).toBe(12);
  expect(st2.attempts.nodes.filter((n: any) => n.idempotencyKey === same.idempotencyKey)).toHaveLength(1);
  expect((await masteryOf(a.id)).get(meaning)!.attempts).toBe(12);
});

test("an attempt after the learner's latest is recorded in two statements; one out of time order takes the locked path and counts once", async () => {
  const meaning = skillByCode("frac-meaning");
  const tasks = skills.get(meaning)!.taskIds.slice(0, 5);
  const base = Date.now() - 3_600_000;
  const l = await freshLearner();
  const record = async (i: number, minute: number) => {
    const before = s.app.db.queries.count;
    const r = ok(
      await s.gql(
        RECORD,
        {
          i: {
            learnerId: l.id,
            taskId: tasks[i],
            correct: true,
            occurredAt: new Date(base + minute * 60_000).toISOString(),
            idempotencyKey: `opt-${l.id}-${i}`,
          },
        },
        admin,
      ),
    );
    return {
      statements: s.app.db.queries.count - before,
      attempts: r.recordAttempt.mastery.find((c: any) => c.skillId === meaning).attempts as number,
    };
  };
  expect((await record(0, 10)).attempts).toBe(1); // no state row yet: the locked path creates it
  const inOrder = [await record(1, 11), await record(2, 12), await record(3, 13)];
  expect(inOrder.map((r) => r.attempts)).toEqual([2, 3, 4]);
  // The state read and the guarded write (a background cache reload may add a statement to one of them).
  expect(Math.min(...inOrder.map((r) => r.statements))).toBe(2);
  for (const r of inOrder) expect(r.statements).toBeLessThanOrEqual(3); // the locked path takes at least 4
  const late = await record(4, 5); // before the latest: the history is replayed under the row lock
  expect(late.statements).toBeGreaterThanOrEqual(5);
  expect(late.attempts).toBe(5);
  expect(ok(await s.gql(STATE, { l: l.id }, admin)).learner.state.attemptCount).toBe(5);
});

test("attempts arriving out of time order (a late offline sync) give the same state as in time order", async () => {
  const meaning = skillByCode("frac-meaning");
  const tasks = skills.get(meaning)!.taskIds.slice(0, 6);
  const base = Date.now() - 7_200_000;
  const attempt = (learnerId: string, i: number) => ({
    learnerId,
    taskId: tasks[i]!,
    correct: i % 2 === 0,
    occurredAt: new Date(base + i * 60_000).toISOString(),
    idempotencyKey: `order-${learnerId}-${i}`,
  });
  const inTime = await freshLearner();
  const late = await freshLearner();
  for (let i = 0; i < tasks.length; i++) ok(await s.gql(RECORD, { i: attempt(inTime.id, i) }, admin));
  // The late learner's device sends the second half first, then syncs the first half afterwards.
  for (const i of [3, 4, 5]) ok(await s.gql(RECORD, { i: attempt(late.id, i) }, admin));
  for (const i of [0, 1, 2]) {
    const before = (await masteryOf(late.id)).get(meaning)!.mastery!;
    const reply = ok(await s.gql(RECORD, { i: attempt(late.id, i) }, admin)).recordAttempt;
    // The answer speaks of this attempt: its skills only, moved from the mastery shown just before.
    const own = new Set(
      ok(await s.gql(`query($t: UUID!) { task(id: $t) { skills { skill { id } } } }`, { t: tasks[i] }, admin)).task.skills.map(
        (x: any) => x.skill.id,
      ),
    );
    expect(reply.mastery.length).toBeGreaterThan(0);
    for (const c of reply.mastery) expect(own.has(c.skillId)).toBe(true);
    const entry = reply.mastery.find((c: any) => c.skillId === meaning);
    expect(entry.delta).toBeCloseTo(entry.mastery - before, 9);
  }
  const [a, b] = [await masteryOf(inTime.id), await masteryOf(late.id)];
  expect(b.get(meaning)!.attempts).toBe(tasks.length);
  expect(b.get(meaning)!.mastery!).toBeCloseTo(a.get(meaning)!.mastery!, 9);
  expect(b.get(meaning)!.uncertainty!).toBeCloseTo(a.get(meaning)!.uncertainty!, 9);
  // And the predictions the two states give agree on every task of the skill.
  const pred = async (l: string) => ok(await s.gql(PREDICT, { l, t: tasks }, admin)).predictions.items;
  const [pa, pb] = [await pred(inTime.id), await pred(late.id)];
  pa.forEach((p: any, i: number) => {
    expect(pb[i].predictedSuccess).toBeCloseTo(p.predictedSuccess, 9);
  });
});

/**
 * The statements on attempts and learner states that `run` sent, in order (the active-model and
 * curriculum checks and the access log's background writes, which come and go with caches and
 * timers, left out).
 */
async function statementsOf<T>(run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const counter = s.app.db.queries;
  const log = counter.logQuery;
  const statements: string[] = [];
  counter.logQuery = (query: unknown) => {
    const text = statementText(query);
    if (/learner_state|attempt|^START TRANSACTION|^COMMIT/.test(text) && !text.startsWith(BACKGROUND_SQL)) statements.push(text);
    log.call(counter, query);
  };
  try {
    return { result: await run(), statements };
  } finally {
    counter.logQuery = log;
  }
}

const RECORD_MANY = `mutation($is: [RecordAttemptInput!]!) { recordAttempts(inputs: $is) { duplicate attempt { id learnerId } mastery { skillId mastery uncertainty delta trend attempts } } }`;

test("a batch of several learners' attempts, several of one learner, leaves each state as one attempt at a time would, in one statement for the states", async () => {
  const meaning = skillByCode("frac-meaning");
  const tasks = skills.get(meaning)!.taskIds.slice(0, 4);
  const base = Date.now() - 3_600_000;
  const at = (learnerId: string, i: number, key = `many-${learnerId}-${i}`) => ({
    learnerId,
    taskId: tasks[i]!,
    correct: i !== 1,
    occurredAt: new Date(base + i * 60_000).toISOString(),
    idempotencyKey: key,
  });
  const [a, b, twinA, twinB] = [await freshLearner(), await freshLearner(), await freshLearner(), await freshLearner()];
  const none = await freshLearner({ consent: false });
  // One attempt each first, so that the batch finds their state rows (no row is created in it).
  for (const l of [a, b, twinA, twinB, none]) ok(await s.gql(RECORD, { i: at(l.id, 0) }, admin));
  // a: three attempts in the batch (out of order within it), b: one, none: one (counted only).
  const batch = [at(a.id, 2), at(b.id, 1), at(a.id, 1), at(none.id, 1), at(a.id, 3)];
  const { result, statements } = await statementsOf(() => s.gql(RECORD_MANY, { is: batch }, admin));
  const recorded = ok(result).recordAttempts;
  // The states read, BEGIN, the write (with a and b's updates), the count of `none`'s attempt, COMMIT:
  // a statement per learner would be more.
  expect(statements).toHaveLength(5);
  expect(statements.filter((t) => t.includes("UPDATE learner_state"))).toHaveLength(2);
  expect(recorded.map((r: any) => [r.duplicate, r.attempt.learnerId])).toEqual(batch.map((x) => [false, x.learnerId]));
  // The twins get the same attempts one at a time, in time order.
  for (const i of [1, 2, 3]) ok(await s.gql(RECORD, { i: at(twinA.id, i) }, admin));
  ok(await s.gql(RECORD, { i: at(twinB.id, 1) }, admin));
  for (const [l, twin, n] of [
    [a, twinA, 4],
    [b, twinB, 2],
  ] as const) {
    const [ml, mt] = [(await masteryOf(l.id)).get(meaning)!, (await masteryOf(twin.id)).get(meaning)!];
    expect(ml.attempts).toBe(n);
    expect(ml.mastery!).toBeCloseTo(mt.mastery!, 9);
    expect(ml.uncertainty!).toBeCloseTo(mt.uncertainty!, 9);
    expect(ok(await s.gql(STATE, { l: l.id }, admin)).learner.state.attemptCount).toBe(n);
    // Every answer of the learner's attempts carries its mastery after the whole batch.
    for (const r of recorded.filter((x: any) => x.attempt.learnerId === l.id))
      expect(r.mastery.find((c: any) => c.skillId === meaning).mastery).toBeCloseTo(ml.mastery!, 9);
  }
  const noneState = ok(await s.gql(STATE, { l: none.id }, admin)).learner.state;
  expect(noneState).toEqual({ attemptCount: 2, modelVersionId: null });
  expect(recorded[3].mastery).toEqual([]);
});

test("a batch whose learner's state moved between its read and its write (another attempt) is updated under the lock, as in time order", async () => {
  const meaning = skillByCode("frac-meaning");
  const tasks = skills.get(meaning)!.taskIds.slice(0, 4);
  const base = Date.now() - 3_600_000;
  const at = attemptsAt(tasks, base, "moved", (i) => i !== 2);
  const [l, twin, other] = [await freshLearner(), await freshLearner(), await freshLearner()];
  for (const x of [l, twin, other]) ok(await s.gql(RECORD, { i: at(x.id, 0) }, admin));
  // The batch's read of the states is followed at once by another request's attempt of `l`: the
  // update planned from that read is stale when the batch writes.
  const model = s.app.services.training.learnerModel;
  const read = model.readStates;
  let interloper: any;
  model.readStates = async (...args: Parameters<typeof read>) => {
    const states = await read.apply(model, args);
    model.readStates = read;
    interloper = await s.gql(RECORD, { i: at(l.id, 1) }, admin);
    return states;
  };
  let recorded: any;
  try {
    recorded = ok(await s.gql(RECORD_MANY, { is: [at(l.id, 2), at(other.id, 1), at(l.id, 3)] }, admin)).recordAttempts;
  } finally {
    model.readStates = read;
  }
  expect(ok(interloper).recordAttempt.duplicate).toBe(false);
  for (const i of [1, 2, 3]) ok(await s.gql(RECORD, { i: at(twin.id, i) }, admin));
  const [ml, mt] = [(await masteryOf(l.id)).get(meaning)!, (await masteryOf(twin.id)).get(meaning)!];
  expect(ml.attempts).toBe(4);
  expect(ml.mastery!).toBeCloseTo(mt.mastery!, 9);
  expect(ml.uncertainty!).toBeCloseTo(mt.uncertainty!, 9);
  expect(ok(await s.gql(STATE, { l: l.id }, admin)).learner.state.attemptCount).toBe(4);
  expect(recorded[0].mastery.find((c: any) => c.skillId === meaning)).toMatchObject({ attempts: 4 });
  // The other learner's planned update did not move: saved by the write, counted once.
  expect(recorded[1].mastery.find((c: any) => c.skillId === meaning)).toMatchObject({ attempts: 2 });
  expect(ok(await s.gql(STATE, { l: other.id }, admin)).learner.state.attemptCount).toBe(2);
});

test("a batch of several learners' attempts out of time order replays each learner, their histories read in one statement", async () => {
  const meaning = skillByCode("frac-meaning");
  const tasks = skills.get(meaning)!.taskIds.slice(0, 3);
  const base = Date.now() - 3_600_000;
  const at = attemptsAt(tasks, base, "late", (i) => i !== 1);
  const [x, y, twinX, twinY] = [await freshLearner(), await freshLearner(), await freshLearner(), await freshLearner()];
  for (const l of [x, y]) for (const i of [1, 2]) ok(await s.gql(RECORD, { i: at(l.id, i) }, admin));
  // Both learners' attempt at minute 0 arrives last (a late sync): each state is replayed in time order.
  const { result, statements } = await statementsOf(() => s.gql(RECORD_MANY, { is: [at(x.id, 0), at(y.id, 0)] }, admin));
  const recorded = ok(result).recordAttempts;
  expect(statements.filter((t) => t.includes("string_agg(uuid_send(a.task_id)"))).toHaveLength(1);
  for (const l of [twinX, twinY]) for (const i of [0, 1, 2]) ok(await s.gql(RECORD, { i: at(l.id, i) }, admin));
  for (const [l, twin, answer] of [
    [x, twinX, recorded[0]],
    [y, twinY, recorded[1]],
  ] as const) {
    const [ml, mt] = [(await masteryOf(l.id)).get(meaning)!, (await masteryOf(twin.id)).get(meaning)!];
    expect(ml.attempts).toBe(3);
    expect(ml.mastery!).toBeCloseTo(mt.mastery!, 9);
    expect(ml.uncertainty!).toBeCloseTo(mt.uncertainty!, 9);
    expect(answer.mastery.find((c: any) => c.skillId === meaning).mastery).toBeCloseTo(ml.mastery!, 9);
    expect(ok(await s.gql(STATE, { l: l.id }, admin)).learner.state.attemptCount).toBe(3);
  }
});

test("a batch mixing new attempts and duplicates applies each new one once; a key twice in one batch is refused and writes nothing", async () => {
  const meaning = skillByCode("frac-meaning");
  const tasks = skills.get(meaning)!.taskIds.slice(0, 4);
  const base = Date.now() - 3_600_000;
  const at = attemptsAt(tasks, base, "mixed", (i) => i % 2 === 0);
  const [a, b] = [await freshLearner(), await freshLearner()];
  const first = ok(await s.gql(RECORD_MANY, { is: [at(a.id, 0), at(b.id, 0), at(a.id, 1)] }, admin)).recordAttempts;
  expect(first.map((r: any) => r.duplicate)).toEqual([false, false, false]);
  const bAfterFirst = await masteryOf(b.id);
  // a's two earlier attempts again, one new of a; b's earlier one again (b: nothing new).
  const mixed = ok(await s.gql(RECORD_MANY, { is: [at(a.id, 0), at(a.id, 2), at(b.id, 0), at(a.id, 1)] }, admin)).recordAttempts;
  expect(mixed.map((r: any) => r.duplicate)).toEqual([true, false, true, true]);
  expect([mixed[0].attempt.id, mixed[2].attempt.id, mixed[3].attempt.id]).toEqual([
    first[0].attempt.id,
    first[1].attempt.id,
    first[2].attempt.id,
  ]);
  expect(mixed[1].mastery.find((c: any) => c.skillId === meaning).attempts).toBe(3);
  expect(mixed[2].mastery).toEqual([]); // b had no new attempt: no update, no change to report
  expect(ok(await s.gql(STATE, { l: a.id }, admin)).learner.state.attemptCount).toBe(3);
  expect(ok(await s.gql(STATE, { l: b.id }, admin)).learner.state.attemptCount).toBe(1);
  expect(await masteryOf(b.id)).toEqual(bAfterFirst);
  // The same key twice in one batch: BAD_USER_INPUT naming the second, nothing written for either learner.
  const twice = await s.gql(RECORD_MANY, { is: [at(b.id, 1), at(a.id, 3), { ...at(a.id, 3), correct: true }] }, admin);
  expect(codeOf(twice)).toBe("BAD_USER_INPUT");
  expect(JSON.stringify(twice.errors)).toContain("attempts[2].idempotencyKey");
  expect(ok(await s.gql(STATE, { l: a.id }, admin)).learner.state.attemptCount).toBe(3);
  expect(ok(await s.gql(STATE, { l: b.id }, admin)).learner.state.attemptCount).toBe(1);
  expect(ok(await s.gql(STATE, { l: b.id }, admin)).learner.attempts.nodes).toHaveLength(1);
});

test("in a batch of one learner's attempts at two skills' tasks, each answer reports its own task's skill, after the whole batch", async () => {
  const [meaning, line] = [skillByCode("frac-meaning"), skillByCode("frac-number-line")];
  const tasks = [skills.get(meaning)!.taskIds[0]!, skills.get(line)!.taskIds[0]!, skills.get(meaning)!.taskIds[1]!];
  const at = attemptsAt(tasks, Date.now() - 3_600_000, "own-skill", (i) => i !== 1);
  const l = await freshLearner();
  const recorded = ok(await s.gql(RECORD_MANY, { is: [0, 1, 2].map((i) => at(l.id, i)) }, admin)).recordAttempts;
  expect(recorded.map((r: any) => r.mastery.map((c: any) => c.skillId))).toEqual([[meaning], [line], [meaning]]);
  const stored = await masteryOf(l.id);
  expect(recorded[0].mastery[0]).toEqual(recorded[2].mastery[0]);
  expect(recorded[0].mastery[0].attempts).toBe(2);
  expect(recorded[0].mastery[0].mastery).toBeCloseTo(stored.get(meaning)!.mastery!, 9);
  expect(recorded[1].mastery[0].mastery).toBeCloseTo(stored.get(line)!.mastery!, 9);
});

test("withdrawing consent to personalisation deletes the personal state; given again, the whole history is replayed", async () => {
  const meaning = skillByCode("frac-meaning");
  const tasks = skills.get(meaning)!.taskIds.slice(0, 4);
  const learner = await freshLearner();
  const twin = await freshLearner();
  const setConsent = async (l: string, g: boolean) =>
    ok(
      await s.gql(
        `mutation($l: UUID!, $g: Boolean!) { setConsent(learnerId: $l, purpose: PERSONALISATION, granted: $g, grantedBy: LEARNER) { id } }`,
        { l, g },
        admin,
      ),
    );
  const base = Date.now() - 3_600_000;
  const at = attemptsAt(tasks, base, "consent", (i) => i !== 1);
  for (const i of [0, 1]) for (const l of [learner.id, twin.id]) ok(await s.gql(RECORD, { i: at(l, i) }, admin));
  await setConsent(learner.id, false);
  const [row] = await s.app.db.dataSource.query(
    `SELECT state::jsonb AS state, mastery, model_version_id FROM learner_state WHERE learner_id = $1`,
    [learner.id],
  );
  expect(row).toEqual({ state: {}, mastery: {}, model_version_id: null });
  // Recorded while withdrawn: counted, nothing personal computed.
  expect(ok(await s.gql(RECORD, { i: at(learner.id, 2) }, admin)).recordAttempt.mastery).toEqual([]);
  ok(await s.gql(RECORD, { i: at(twin.id, 2) }, admin));
  await setConsent(learner.id, true);
  for (const l of [learner.id, twin.id]) ok(await s.gql(RECORD, { i: at(l, 3) }, admin));
  const [m1, m2] = [(await masteryOf(learner.id)).get(meaning)!, (await masteryOf(twin.id)).get(meaning)!];
  expect(m1.attempts).toBe(4);
  expect(m1.mastery!).toBeCloseTo(m2.mastery!, 9);
});

test("without consent to personalisation: the curriculum order with a notice, a typical learner's predictions, attempts recorded but no mastery", async () => {
  const learnerId = demo.noConsentLearnerId;
  const goal = ok(await s.gql(`query($l: UUID!) { goals(learnerId: $l) { nodes { id } } }`, { l: learnerId }, admin)).goals.nodes[0].id;
  for (const g of [goal, null]) {
    const list = ok(await recs(learnerId, g, 5, "ZPD")).recommendations;
    expect(list.personalisation).toBe("NO_CONSENT");
    expect(list.notice).toEqual(expect.stringContaining("consent"));
    expect(list.strategy).toBe("CURRICULUM");
    expect(list.items.length).toBe(5);
    for (const i of list.items) expect(i.reason.code).toBe("CURRICULUM_ORDER");
  }

  // Predictions are the typical learner's: exactly those of a consenting learner with no attempts yet.
  const tasks = allTaskIds.slice(0, 30);
  const p = ok(await s.gql(PREDICT, { l: learnerId, t: tasks }, admin)).predictions;
  expect(p.personalisation).toBe("NO_CONSENT");
  expect(p.notice).not.toBeNull();
  const typical = ok(await s.gql(PREDICT, { l: (await freshLearner()).id, t: tasks }, admin)).predictions;
  expect(typical.personalisation).toBe("PERSONALISED");
  p.items.forEach((item: any, i: number) => {
    expect(item.basis).toBe("TYPICAL_LEARNER");
    expect(item.task.id).toBe(tasks[i]);
    expect(isProbability(item.predictedSuccess)).toBe(true);
    expect(item.predictedSuccess).toBeCloseTo(typical.items[i].predictedSuccess, 9);
  });
  const mastery = ok(await s.gql(MASTERY, { l: learnerId }, admin)).mastery;
  expect(mastery.personalisation).toBe("NO_CONSENT");
  expect(mastery.notice).not.toBeNull();

  // Its attempts are still recorded and counted, with no personal estimate.
  const before = ok(await s.gql(STATE, { l: learnerId }, admin)).learner;
  const r = ok(await attempt(learnerId, tasks[0]!, true)).recordAttempt;
  expect(r.duplicate).toBe(false);
  expect(r.mastery).toEqual([]);
  const after = ok(await s.gql(STATE, { l: learnerId }, admin)).learner;
  expect(after.state.attemptCount).toBe(before.state.attemptCount + 1);
  const history = ok(
    await s.gql(`query($l: UUID!) { attempts(learnerId: $l, first: 100) { nodes { id } } }`, { l: learnerId }, admin),
  ).attempts.nodes.map((n: any) => n.id);
  expect(history).toContain(r.attempt.id);
  expect(ok(await s.gql(`query($l: UUID!) { learner(id: $l) { mastery { mastery } } }`, { l: learnerId }, admin)).learner.mastery).toEqual(
    [],
  );
});

test("a learner with no attempts gets finite mastery, predictions, recommendations, a plan and progress", async () => {
  // The goal: the skill the model's prior rates least mastered (a goal not reached before the first attempt).
  const prior = await masteryOf((await freshLearner()).id);
  const [goalSkill] = [...prior].sort(([, a], [, b]) => a.mastery! - b.mastery!)[0]!;
  const l = await freshLearner({ skillIds: [goalSkill] });
  const m = await masteryOf(l.id);
  expect(m.size).toBe(skills.size);
  expect(m.get(goalSkill)!.mastery).toBeLessThan(0.8);
  for (const e of m.values()) {
    expect(isProbability(e.mastery)).toBe(true);
    expect(Number.isFinite(e.uncertainty)).toBe(true);
    expect(e.attempts).toBe(0);
  }
  const p = ok(await s.gql(PREDICT, { l: l.id, t: allTaskIds }, admin)).predictions;
  expect(p.items).toHaveLength(allTaskIds.length);
  for (const i of p.items) {
    expect(i.basis).toBe("PERSONALISED");
    expect(isProbability(i.predictedSuccess)).toBe(true);
  }
  for (const strategy of ["ZPD", "LOWEST_MASTERY", "CURRICULUM"]) {
    for (const g of [l.goalId!, null]) {
      const list = ok(await recs(l.id, g, 20, strategy)).recommendations;
      expect(list.items.length).toBe(20);
      for (const i of list.items) {
        expect(isProbability(i.predictedSuccess)).toBe(true);
        expect(Number.isFinite(i.expectedProgress)).toBe(true);
        expect(isProbability(i.reason.mastery)).toBe(true);
      }
    }
  }
  const plan = ok(
    await s.gql(
      `mutation($g: UUID!) { planPath(goalId: $g) { skills { mastery estimatedAttemptsToMastery } progress { shareMastered attemptsRemaining status explanation } } }`,
      { g: l.goalId },
      admin,
    ),
  ).planPath;
  expect(plan.skills.length).toBeGreaterThan(0);
  for (const x of plan.skills) expect(isProbability(x.mastery)).toBe(true);
  expect(Number.isFinite(plan.progress.shareMastered)).toBe(true);
  expect(plan.progress.attemptsRemaining).toBeGreaterThan(0);
  const progress = ok(
    await s.gql(`query($g: UUID!) { goal(id: $g) { progress { shareMastered attemptsRemaining targetSkills } } }`, { g: l.goalId }, admin),
  ).goal.progress;
  expect(progress).toMatchObject({ shareMastered: 0, targetSkills: 1 });
});

test("who may ask: the learner itself, not another learner nor an analyst; another school sees nothing; bad arguments are BAD_USER_INPUT", async () => {
  const l = await freshLearner({ goal: ["frac-compare"] });
  const other = await freshLearner({ goal: ["frac-compare"] });
  const self = await s.token({ schoolId: demo.schoolId, role: Role.Learner, learnerId: l.id });
  expect(ok(await recs(l.id, l.goalId!, 5, "ZPD", self)).recommendations.items.length).toBe(5);
  const otherToken = await s.token({ schoolId: demo.schoolId, role: Role.Learner, learnerId: other.id });
  expect(codeOf(await recs(l.id, l.goalId!, 5, "ZPD", otherToken))).toBe("NOT_FOUND");
  expect(codeOf(await s.gql(PREDICT, { l: l.id, t: allTaskIds.slice(0, 1) }, otherToken))).toBe("NOT_FOUND");
  expect(codeOf(await s.gql(MASTERY, { l: l.id }, otherToken))).toBe("NOT_FOUND");
  const analyst = await s.token({ schoolId: demo.schoolId, role: Role.Analyst });
  expect(codeOf(await recs(l.id, l.goalId!, 5, "ZPD", analyst))).toBe("FORBIDDEN");
  expect(codeOf(await s.gql(MASTERY, { l: l.id }, analyst))).toBe("FORBIDDEN");
  // A teacher who does not teach the learner (fresh learners are in no cohort).
  const teacher = await s.token({ schoolId: demo.schoolId, role: Role.Teacher, teacherId: demo.teacherId });
  expect(codeOf(await recs(l.id, null, 5, "ZPD", teacher))).toBe("NOT_FOUND");
  const elsewhere = await s.newSchool("Elsewhere");
  expect(codeOf(await recs(l.id, null, 5, "ZPD", elsewhere.admin))).toBe("NOT_FOUND");
  expect(codeOf(await s.gql(MASTERY, { l: l.id }, elsewhere.admin))).toBe("NOT_FOUND");
  expect(codeOf(await s.gql(`mutation($g: UUID!) { planPath(goalId: $g) { path { id } } }`, { g: l.goalId }, elsewhere.admin))).toBe(
    "NOT_FOUND",
  );

  for (const count of [0, 51, -1]) expect(codeOf(await recs(l.id, null, count))).toBe("BAD_USER_INPUT");
  // 50 is accepted; how many tasks qualify depends on the model (the prerequisite gate), but more than the default 5.
  const many = ok(await recs(l.id, null, 50)).recommendations.items.length;
  expect(many).toBeGreaterThan(5);
  expect(many).toBeLessThanOrEqual(50);
  const unknown = await s.gql(`query($l: UUID!) { recommendations(learnerId: $l, strategy: RANDOM) { strategy } }`, { l: l.id }, admin);
  expect(codeOf(unknown)).toBe("GRAPHQL_VALIDATION_FAILED");
  expect(codeOf(await recs(l.id, null, 5, "RANDOM"))).toBe("BAD_USER_INPUT");
  const foreignGoal = await recs(l.id, other.goalId!, 5);
  expect(codeOf(foreignGoal)).toBe("BAD_USER_INPUT");
  expect(foreignGoal.errors![0]!.message).toContain("another learner");
  expect(codeOf(await s.gql(PREDICT, { l: l.id, t: ["00000000-0000-7000-8000-000000000000"] }, admin))).toBe("NOT_FOUND");
});

// Last: it adds a skill and tasks to the demo school.
test("a goal whose skill has no tasks answers without error; a task created after training is predicted from its skill's mastery", async () => {
  const meaning = skillByCode("frac-meaning");
  const simplify = skillByCode("frac-simplify");
  const CREATE_SKILL = `mutation($i: CreateSkillInput!) { createSkill(input: $i) { id } }`;
  const lonely = ok(await s.gql(CREATE_SKILL, { i: { code: "E2E.EMPTY", name: "A skill with no tasks" } }, admin)).createSkill.id;
  const behind = ok(await s.gql(CREATE_SKILL, { i: { code: "E2E.EMPTY2", name: "No tasks, a prerequisite" } }, admin)).createSkill.id;
  ok(
    await s.gql(
      `mutation($s: UUID!, $p: UUID!) { addPrerequisite(skillId: $s, prerequisiteId: $p) { id } }`,
      { s: behind, p: simplify },
      admin,
    ),
  );
  // No wait: a curriculum write drops the server's compiled copy at once (curriculum-cache.ts).

  const alone = await freshLearner({ skillIds: [lonely] });
  for (const strategy of ["ZPD", "LOWEST_MASTERY", "CURRICULUM"])
    expect(ok(await recs(alone.id, alone.goalId!, 5, strategy)).recommendations.items).toEqual([]);
  const planAlone = ok(
    await s.gql(
      `mutation($g: UUID!) { planPath(goalId: $g) { path { steps { id } } skills { skill { id } status } progress { attemptsRemaining status } } }`,
      { g: alone.goalId },
      admin,
    ),
  ).planPath;
  expect(planAlone.path.steps).toEqual([]);
  expect(
    ok(await s.gql(`query($g: UUID!) { goal(id: $g) { progress { targetSkills status } } }`, { g: alone.goalId }, admin)).goal.progress
      .targetSkills,
  ).toBe(1);

  // A task-less target with a prerequisite: only the prerequisite's chain is recommended.
  const chain = await freshLearner({ skillIds: [behind] });
  const pre = new Set([simplify, ...ancestors(simplify)]);
  for (const strategy of ["ZPD", "LOWEST_MASTERY", "CURRICULUM"]) {
    const list = ok(await recs(chain.id, chain.goalId!, 10, strategy)).recommendations;
    expect(list.items.length).toBeGreaterThan(0);
    for (const i of list.items) {
      expect(pre.has(i.skill.id)).toBe(true);
      expect(i.reason.role).toBe("PREREQUISITE");
      if (i.predictedSuccess !== null || strategy !== "CURRICULUM") expect(isProbability(i.predictedSuccess)).toBe(true);
    }
  }

  // A task created after training: predicted from its skill's mastery (SKILL_ESTIMATE), recommended as uncalibrated.
  const created = ok(
    await s.gql(
      `mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`,
      {
        i: {
          code: "E2E.NEW",
          title: "A task newer than the model",
          kind: "EXERCISE",
          expectedDurationSeconds: 60,
          skills: [{ skillId: meaning, weight: 1 }],
        },
      },
      admin,
    ),
  ).createTask.id;
  const l = await freshLearner();
  const known = allTaskIds[0]!;
  const p = ok(await s.gql(PREDICT, { l: l.id, t: [created, known] }, admin)).predictions.items;
  expect(p[0]).toMatchObject({ task: { id: created }, basis: "SKILL_ESTIMATE" });
  expect(p[1]).toMatchObject({ task: { id: known }, basis: "PERSONALISED" });
  expect(isProbability(p[0].predictedSuccess)).toBe(true);
  expect(p[0].predictedSuccess).toBeCloseTo((await masteryOf(l.id)).get(meaning)!.mastery!, 9);
  // It can be attempted (counted; modelled after the next retraining).
  const r = ok(await attempt(l.id, created, true)).recordAttempt;
  expect(r.duplicate).toBe(false);
  expect(ok(await s.gql(STATE, { l: l.id }, admin)).learner.state.attemptCount).toBe(1);
  const p2 = ok(await s.gql(PREDICT, { l: l.id, t: [created] }, admin)).predictions.items[0];
  expect(p2.basis).toBe("SKILL_ESTIMATE");
  expect(isProbability(p2.predictedSuccess)).toBe(true);
});
