/**
 * docs/model-lifecycle.md's operations, run as written against a demo school with a worker (real
 * pg-boss): a retraining judged on evaluation learners that neither version was trained on, then the
 * promotion, the override and the rollback the page describes — whichever way the gate decided.
 * Training uses PFA (seconds): the subject is the lifecycle, not the model.
 */
import { parse, type OperationDefinitionNode } from "graphql";
import { Role } from "../../src/services/auth/actor.js";
import { seedDemo } from "../../src/services/demo/demo-seed.js";
import { createLogger } from "../../src/shared/logger.js";
import { JOBS } from "../../jobs/index.js";
import { Worker } from "../../jobs/worker.js";
import { startTestServer, TestServer } from "../support/test-server.js";
import { docOperations } from "../support/doc-operations.js";

const blocks = new Map(
  docOperations("docs/model-lifecycle.md").flatMap((text) =>
    parse(text).definitions.map(
      (d) => [(d as OperationDefinitionNode).name?.value ?? "Anonymous", text.slice(d.loc!.start, d.loc!.end)] as const,
    ),
  ),
);

const NOW = new Date("2026-11-01T12:00:00Z");
let s: TestServer;
let worker: Worker;
let admin: string;
const ran = new Set<string>();

beforeAll(async () => {
  s = await startTestServer({ ZPD_JOB_RETRY_DELAY_SECONDS: "1" });
  const demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, {
    learners: 60,
    seed: 3,
    idLabel: "model-lifecycle-docs",
  });
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: new Date(NOW.getTime() - 3 * 86_400_000), kind: "pfa" });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
  worker = new Worker({
    services: s.app.services,
    logger: createLogger("silent"),
    settings: { retrainCron: null, retrainKind: "pfa", schoolIds: [] },
    jobs: JOBS,
    schedule: false,
    pollingIntervalSeconds: 0.5,
    progressIntervalMs: 100,
  });
  await worker.start();
}, 180_000);
afterAll(async () => {
  await worker?.stop(10_000);
  await s?.stop();
});

/** Runs the page's operation `name` as written; GraphQL errors fail the test. */
async function op(name: string, variables: Record<string, unknown> = {}) {
  const text = blocks.get(name);
  if (!text) throw new Error(`docs/model-lifecycle.md has no operation ${name}`);
  const r = await s.gql(text, variables, admin);
  expect({ name, errors: r.errors }).toEqual({ name, errors: undefined });
  ran.add(name);
  return r.data;
}

const RUN = `query($id: UUID!) { jobRun(id: $id) { status error result } }`;
async function finished(id: string): Promise<{ status: string; error: string | null }> {
  for (const t0 = Date.now(); Date.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 200))) {
    const run = (await s.gql(RUN, { id }, admin)).data.jobRun;
    if (run.status === "SUCCEEDED" || run.status === "FAILED") return run;
  }
  throw new Error(`job run ${id} did not finish`);
}
const activeVersion = async () => (await op("Models")).activeModel.version as number;

test("the page's operations run as written: retrain, judged on held-out learners neither version saw; promote, override and roll back", async () => {
  const started = await op("Anonymous");
  expect(started.triggerRetrain).toMatchObject({ name: "retrain", status: "QUEUED" });
  expect((await finished(started.triggerRetrain.id)).status).toBe("SUCCEEDED");
  const runs = (await op("Runs")).jobRuns.nodes;
  expect(runs.map((r: { id: string }) => r.id)).toContain(started.triggerRetrain.id);

  const versions = (await op("Models")).modelVersions.nodes as { id: string; version: number; status: string; metrics: any }[];
  const v2 = versions.find((v) => v.version === 2)!;
  expect(v2.metrics.evaluation).toMatchObject({ excludedAsSeen: 0 });
  expect(v2.metrics.evaluation.learners).toBeGreaterThan(0);
  expect(v2.metrics.heldOutLearners).toBe(v2.metrics.evaluation.learners);
  // The school's model is PFA (its first version above): no start guard to record (a Meta version's: start-guard.test.ts).
  expect(v2.metrics.metaStart).toBeNull();
  const passed = v2.metrics.gates.every((g: { passed: boolean }) => g.passed);
  expect(v2.status).toBe(passed ? "ACTIVE" : "REJECTED");

  if (passed) {
    expect(await activeVersion()).toBe(2);
    expect((await finished((await op("Rollback")).rollbackModel.id)).status).toBe("SUCCEEDED");
    expect(await activeVersion()).toBe(1);
    // Re-judged on the same honest set: it passed once, on unchanged data it passes again.
    expect((await finished((await op("Promote", { id: v2.id })).promoteModel.id)).status).toBe("SUCCEEDED");
    expect(await activeVersion()).toBe(2);
    expect((await finished((await op("Rollback")).rollbackModel.id)).status).toBe("SUCCEEDED");
    // An override of gates that pass promotes as a plain promotion: nothing is recorded as overridden.
    expect((await finished((await op("Override", { id: v2.id })).promoteModel.id)).status).toBe("SUCCEEDED");
    expect(
      (await op("Models")).modelVersions.nodes.find((v: { version: number }) => v.version === 2).metrics.promotionOverride,
    ).toBeUndefined();
  } else {
    const refused = await finished((await op("Promote", { id: v2.id })).promoteModel.id);
    expect(refused).toMatchObject({ status: "FAILED" });
    expect(refused.error).toMatch(/the gates refuse version 2/);
    expect(await activeVersion()).toBe(1);
    expect((await finished((await op("Override", { id: v2.id })).promoteModel.id)).status).toBe("SUCCEEDED");
    const promoted = (await op("Models")).modelVersions.nodes.find((v: { version: number }) => v.version === 2);
    expect(promoted.metrics.promotionOverride.reason).toMatch(/^v1 predates the evaluation set/);
  }
  expect(await activeVersion()).toBe(2);
  expect((await finished((await op("Rollback")).rollbackModel.id)).status).toBe("SUCCEEDED");
  expect(await activeVersion()).toBe(1);
  expect([...blocks.keys()].filter((name) => !ran.has(name))).toEqual([]);
}, 180_000);
