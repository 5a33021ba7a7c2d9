/**
 * A promotion's state rebuild, again and again, on a database kept by `npm run bench:jobs -- --keep`:
 * each round stages every learner under the active version and switches to it (StateRebuildService
 * `stage` then `commit`), printing wall time and the CPU of Node and of the database's backends for
 * each step, then the statements that took longest. For A/B work on the rebuild (alternate two builds);
 * the figures of record come from `npm run bench:jobs`.
 *
 *   npm run build && node dist/bench/jobs/promotion-loop.js <database> [rounds=3]
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { openDatabase } from "../../src/persistence/database.js";
import { createServices } from "../../src/services/index.js";
import { FieldCipher } from "../../src/persistence/crypto/field-cipher.js";
import { createLogger } from "../../src/shared/logger.js";
import { loadVersion } from "../../src/services/personalisation/active-models.js";
import { ModelVersion } from "../../src/persistence/model/model-version.entity.js";
import { QueryTimer } from "./query-timer.js";
import { PgCpu } from "./pg-cpu.js";

async function main(): Promise<void> {
  const [dbName, roundsArg] = process.argv.slice(2);
  if (!dbName) throw new Error("usage: node dist/bench/jobs/promotion-loop.js <database> [rounds=3]");
  const rounds = Number(roundsArg ?? 3);
  const db = await openDatabase({ url: `postgres://postgres@127.0.0.1:5432/${dbName}`, poolSize: 4 });
  const ds = db.dataSource;
  const timer = new QueryTimer();
  timer.install(ds);
  const pg = new PgCpu(dbName);
  pg.start();
  const services = createServices({
    dataSource: ds,
    cipher: FieldCipher.single(randomBytes(32)),
    logger: createLogger("warn"),
    maxPageSize: 100,
  });
  const [{ school_id: schoolId, id }] = (await ds.query(`SELECT school_id, id FROM model_version WHERE status = 'ACTIVE'`)) as [
    { school_id: string; id: string },
  ];
  const phases: string[] = [];
  for (let r = 0; r < rounds; r++) {
    // What autovacuum would have done between two nightly promotions.
    timer.phase = "vacuum";
    await ds.query(`VACUUM ANALYZE learner_state, learner_state_staged, attempt`);
    const version = await ds.getRepository(ModelVersion).findOneByOrFail({ id });
    const load = loadavg()[0]!.toFixed(1);
    const pg0 = pg.seconds();
    const c0 = process.cpuUsage();
    timer.phase = `stage ${r}`;
    const t0 = performance.now();
    const staged = await services.training.states.stage(schoolId, loadVersion(version));
    const t1 = performance.now();
    const pg1 = pg.seconds();
    const c1 = process.cpuUsage(c0);
    timer.phase = `switch ${r}`;
    const { adopted } = await services.training.states.commit(schoolId, version);
    const t2 = performance.now();
    const pg2 = pg.seconds();
    const c2 = process.cpuUsage(c0);
    phases.push(`stage ${r}`, `switch ${r}`);
    const node1 = (c1.user + c1.system) / 1e6;
    const node2 = (c2.user + c2.system) / 1e6 - node1;
    console.log(
      `round ${r} (load ${load}): ${staged} staged in ${((t1 - t0) / 1000).toFixed(2)} s (Node CPU ${node1.toFixed(2)} s, PostgreSQL ${(pg1 - pg0).toFixed(2)} s), ` +
        `${adopted} adopted in a ${((t2 - t1) / 1000).toFixed(2)} s switch (Node ${node2.toFixed(2)} s, PostgreSQL ${(pg2 - pg1).toFixed(2)} s) = ${Math.round(staged / ((t2 - t0) / 1000))} learners/s`,
    );
  }
  for (const phase of phases)
    for (const s of timer.of(phase).slice(0, 5)) console.log(`${phase}\t${s.count}\t${s.ms.toFixed(0)} ms\t${s.statement}`);
  pg.stop();
  await db.close();
}

void main();
