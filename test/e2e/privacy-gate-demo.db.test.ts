/**
 * The demo school as `npm start` seeds it passes the privacy gate of its own retraining, with Meta trained
 * as the product trains it (services/training/private-fit.ts: the task-influence ladder climbed to the
 * first bound the membership attacks cannot see through). Its own file: the two privacy-calibrated
 * trainings take a minute, and apart from privacy-audit.db.test.ts they run beside it.
 */
import { seedDemo } from "../../src/services/demo/demo-seed.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.stop();
});

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);

test("the demo school as npm start seeds it: Meta trained as the product trains it passes the privacy gate of its retraining", async () => {
  const school = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { idLabel: "demo" });
  const first = await s.app.services.training.trainAndPublish(school.schoolId, {
    seed: 1,
    cutoff: new Date(NOW.getTime() - 4 * 86_400_000),
  });
  const r = await s.app.services.retraining.retrain(school.schoolId, { seed: 1, cutoff: NOW });
  const [row] = await q(`SELECT metrics FROM model_version WHERE id = $1`, [r.modelVersionId]);
  // Both climbed the task-influence ladder (private-fit.ts) to the first bound the membership attacks could not see through.
  for (const m of [(await q(`SELECT metrics FROM model_version WHERE id = $1`, [first.id]))[0].metrics, row.metrics]) {
    const ladder = m.privacyLadder as { taskInfluenceLearners: number; status: string }[];
    expect(ladder.length).toBeGreaterThan(0);
    expect(ladder.slice(0, -1).every((step) => step.status === "FAILED")).toBe(true);
    expect(ladder.at(-1)!.status).not.toBe("FAILED");
    expect(m.trainingOptions).toEqual({ taskInfluenceLearners: ladder.at(-1)!.taskInfluenceLearners });
  }
  const privacy = row.metrics.gates.find((g: { gate: string }) => g.gate === "privacy");
  expect(privacy).toMatchObject({ passed: true, detail: "PASSED: every check passed" });
  expect(r.promoted).toBe(true);
}, 180_000);
