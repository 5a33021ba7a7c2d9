/**
 * The BI commands as a user runs them (compiled, spawned): `bi:role` and `analytics:export`.
 *
 * The BI role can only be checked on a PostgreSQL server: connecting as it needs a login. That test runs
 * in CI's PostgreSQL pass (.ci/run lists this suite) and is named so; on embedded PGlite the command's
 * refusal, its usage errors and the CSV export run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { EntityManager } from "typeorm";
import { biRoleReach } from "../../src/persistence/audit/privacy-inputs.js";
import { buildDist, runCli } from "../support/compiled-cli.js";
import { createServerDatabase } from "../support/scratch-database.js";
import { buildAnalyticsSchool, type LearnerSpec } from "../support/analytics-world.js";
import { openDatabase, migrate, type Database } from "../../src/persistence/database.js";
import { uuidv7 } from "../../src/shared/ids.js";
import {
  AnalyticsRecommendations1764710000000,
  EVERY_ANALYTICS_VIEW as ANALYTICS_VIEWS,
  RECOMMENDATIONS_BY_STRATEGY,
} from "../../migrations/1764710000000-analytics-recommendations.js";

const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const SECRETS = { ZPD_JWT_SECRET: "bi-access-test-secret-bi-access-test-secret" };
/** Folders of this file, under one root removed at the end. */
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), "zpd-bi-access-"));
const tmp = () => fs.mkdtempSync(path.join(ROOT, "t-"));
afterAll(() => fs.rmSync(ROOT, { recursive: true, force: true }));

/** A migrated database for a command: a scratch database on the server, else an embedded folder. */
async function targetDatabase(label: string): Promise<{ env: Record<string, string>; open(): Promise<Database>; drop(): Promise<void> }> {
  if (ON_POSTGRES) {
    const scratch = await createServerDatabase(process.env.DATABASE_URL!, label);
    return { env: { DATABASE_URL: scratch.url }, open: () => openDatabase({ url: scratch.url, poolSize: 1 }), drop: scratch.drop };
  }
  const dir = tmp();
  return {
    env: { ZPD_DATA_DIR: dir },
    open: () => openDatabase({ dataDir: dir }),
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

beforeAll(() => buildDist(), 240_000);

describe("bi:role: bad input and the embedded database", () => {
  test.each([
    [["--name", "Bad-Name", "--password", "long-enough-password"], /--name must be/],
    [["--name", "pg_reader", "--password", "long-enough-password"], /must not start with pg_/],
    [["--name", "reader", "--password", "short"], /--password must be 12/],
    [["--name", "reader"], /--password <password> is required/],
    [["--name", "reader", "--password", "long-enough-password", "--schema", "x"], /unknown option --schema/],
  ])("%j is a usage error (exit 2)", async (args, message) => {
    const r = await runCli("src/cli/bi-role.js", args, { ...SECRETS, ZPD_DATA_DIR: tmp() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/usage: npm run bi:role/);
  });

  test("on embedded PGlite it says there is no login, and points to the CSV export (exit 1)", async () => {
    const dir = tmp();
    const r = await runCli("src/cli/bi-role.js", ["--name", "reader", "--password", "long-enough-password"], {
      ...SECRETS,
      ZPD_DATA_DIR: dir,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/embedded database \(PGlite\) has no login/);
    expect(r.stderr).toMatch(/npm run analytics:export/);
    expect(fs.readdirSync(dir)).toEqual([]); // refused before opening anything
  });
});

describe("analytics:export", () => {
  // Lone (1 learner) withheld, Mid (10) with it (school − Class − Mid would be Lone), 'Class, "B"' (11) released.
  const learners: LearnerSpec[] = Array.from({ length: 22 }, (_, i) => ({
    cohorts: [i === 0 ? "Lone" : i <= 10 ? "Mid" : 'Class, "B"'],
    mastery: { S1: 0.5 + i / 100 },
  }));

  test("one CSV per analytics view, headers as the catalogue, small cells empty", async () => {
    const target = await targetDatabase("bi_export");
    try {
      const db = await target.open();
      const schoolId = uuidv7();
      try {
        await migrate(db.dataSource);
        await db.dataSource.query(`INSERT INTO school (id, name) VALUES ($1, 'Export School')`, [schoolId]);
        await buildAnalyticsSchool(db.dataSource, schoolId, {
          cohorts: ["Lone", "Mid", 'Class, "B"'],
          skills: ["S1"],
          tasks: {},
          learners,
        });
      } finally {
        await db.close();
      }
      const out = path.join(tmp(), "csv");
      const r = await runCli("src/cli/analytics-export.js", ["--out", out], { ...SECRETS, ...target.env });
      expect(r.stderr).toMatch(/k = 10/);
      expect(r.code).toBe(0);
      expect(fs.readdirSync(out).sort()).toEqual(ANALYTICS_VIEWS.map((v) => `${v.name}.csv`).sort());
      for (const v of ANALYTICS_VIEWS)
        expect(fs.readFileSync(path.join(out, `${v.name}.csv`), "utf8").split("\r\n")[0]).toBe(v.columns.map(([c]) => c).join(","));
      const mastery = fs.readFileSync(path.join(out, "mastery_by_cohort_skill.csv"), "utf8").trim().split("\r\n");
      const mine = mastery.filter((l) => l.startsWith(`${schoolId},`));
      expect(mine).toHaveLength(4);
      // The lone learner's cohort: every figure empty, suppressed true; the 11: released, name quoted.
      expect(mine.find((l) => l.includes(",Lone,"))).toMatch(/,Lone,[0-9a-f-]{36},S1,Skill S1,,,,,,,true$/);
      expect(mine.find((l) => l.includes(",Mid,"))).toMatch(/,Mid,[0-9a-f-]{36},S1,Skill S1,,,,,,,true$/);
      expect(mine.find((l) => l.includes('"Class, ""B"""'))).toMatch(/,"Class, ""B""",[0-9a-f-]{36},S1,Skill S1,11,[0-9.]+,/);
      expect(fs.readFileSync(path.join(out, "settings.csv"), "utf8")).toMatch(
        /^k,mastery_threshold,mastery_streak,updated_at\r\n10,0.8,3,/,
      );
    } finally {
      await target.drop();
    }
  });

  test("an embedded folder held by a running server is refused with the lock's message (exit 1)", async () => {
    const dir = tmp();
    const held = await openDatabase({ dataDir: dir }); // holds the folder as `npm start` would
    try {
      const r = await runCli("src/cli/analytics-export.js", ["--out", path.join(dir, "out")], { ...SECRETS, ZPD_DATA_DIR: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/running server holds the embedded database: stop it/);
      expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
    } finally {
      await held.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--out is required (exit 2)", async () => {
    const r = await runCli("src/cli/analytics-export.js", [], { ...SECRETS, ZPD_DATA_DIR: tmp() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out <dir> is required/);
  });
});

const pgOnly = ON_POSTGRES ? test : test.skip;

describe("the BI role on PostgreSQL", () => {
  pgOnly(
    "bi:role creates a login that reads analytics.* and is refused on every other table and function (PostgreSQL only: runs in CI's PostgreSQL pass)",
    async () => {
      const target = await targetDatabase("bi_role");
      const role = `zpd_bi_test_${process.pid}`;
      const password = "a-long-test-password";
      const admin = new pg.Client({ connectionString: target.env.DATABASE_URL });
      await admin.connect();
      try {
        const db = await target.open();
        await migrate(db.dataSource);
        await db.close();
        // A function that reads a base table as its owner, made before the role: bi:role must take it away from PUBLIC.
        await admin.query(
          `CREATE FUNCTION public.zpd_probe_before() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM public.learner'`,
        );
        const r = await runCli("src/cli/bi-role.js", ["--name", role, "--password", password], { ...SECRETS, ...target.env });
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`created BI role ${role}: it reads the ${ANALYTICS_VIEWS.length} views of schema analytics`));
        expect(r.stdout + r.stderr).not.toContain(password);
        // …and one made after it (the default privileges of the schema's owner).
        await admin.query(
          `CREATE FUNCTION public.zpd_probe_after() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM public.attempt'`,
        );

        const [attrs] = (
          await admin.query(
            `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin,
                    pg_has_role($1, 'pg_read_all_data', 'MEMBER') AS read_all, (SELECT count(*)::int FROM pg_auth_members WHERE member = r.oid) AS memberships
             FROM pg_roles r WHERE rolname = $1`,
            [role],
          )
        ).rows;
        expect(attrs).toEqual({
          rolsuper: false,
          rolcreatedb: false,
          rolcreaterole: false,
          rolreplication: false,
          rolbypassrls: false,
          rolcanlogin: true,
          read_all: false,
          memberships: 0,
        });

        const url = new URL(target.env.DATABASE_URL!);
        url.username = role;
        url.password = password;
        const bi = new pg.Client({ connectionString: url.toString() });
        await bi.connect();
        const refused = async (sql: string) => {
          try {
            await bi.query(sql);
            return "allowed";
          } catch (e) {
            return (e as { code?: string }).code;
          }
        };
        try {
          const settings = await bi.query(
            `SELECT current_setting('search_path') AS path, current_setting('jit') AS jit, current_setting('default_transaction_read_only') AS ro`,
          );
          expect(settings.rows).toEqual([{ path: "analytics", jit: "off", ro: "on" }]);
          for (const v of ANALYTICS_VIEWS)
            expect({ v: v.name, rows: Array.isArray((await bi.query(`SELECT * FROM ${v.name}`)).rows) }).toEqual({ v: v.name, rows: true });
          // A view a later migration creates (here recommendations_by_strategy, dropped and made again) is
          // granted by the default privileges; its learner-level half in analytics_private is not.
          const later = await target.open();
          const runner = later.dataSource.createQueryRunner();
          try {
            await new AnalyticsRecommendations1764710000000().down(runner);
            await new AnalyticsRecommendations1764710000000().up(runner);
          } finally {
            await runner.release();
            await later.close();
          }
          expect((await bi.query(`SELECT * FROM ${RECOMMENDATIONS_BY_STRATEGY.name}`)).rows).toEqual([]);
          expect(await refused(`SELECT 1 FROM analytics_private.recommendation_served LIMIT 1`)).toBe("42501");
          const relations = (
            await admin.query(
              `SELECT format('%I.%I', n.nspname, c.relname) AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f', 'S') AND n.nspname NOT IN ('analytics', 'pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
            )
          ).rows.map((x) => x.rel as string);
          expect(relations).toEqual(
            expect.arrayContaining([
              "public.learner",
              "public.attempt",
              "public.learner_profile",
              "analytics_private.settings",
              "public.skill_mastery",
            ]),
          );
          for (const rel of relations)
            expect({ rel, result: await refused(`SELECT 1 FROM ${rel} LIMIT 1`) }).toEqual({ rel, result: "42501" });
          const functions = (
            await admin.query(
              `SELECT format('%I.%I', n.nspname, p.proname) AS fn, coalesce((SELECT string_agg('NULL::' || format_type(t, NULL), ', ') FROM unnest(p.proargtypes) t), '') AS args
               FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE p.prokind = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
            )
          ).rows as { fn: string; args: string }[];
          expect(functions.map((f) => f.fn)).toEqual(expect.arrayContaining(["public.zpd_probe_before", "public.zpd_probe_after"]));
          for (const f of functions)
            expect({ fn: f.fn, result: await refused(`SELECT ${f.fn}(${f.args})`) }).toEqual({ fn: f.fn, result: "42501" });
          // It cannot create anything outside its own session either (read-only by default; without that, no privilege).
          expect(await refused(`CREATE TABLE public.zpd_bi_probe (i int)`)).toBe("25006");
          await bi.query(`SET default_transaction_read_only = off`);
          expect(await refused(`CREATE TABLE public.zpd_bi_probe (i int)`)).toBe("42501");
          expect(await refused(`CREATE SCHEMA zpd_bi_probe`)).toBe("42501");
          expect(await refused(`CREATE VIEW analytics.zpd_bi_probe AS SELECT 1`)).toBe("42501");
        } finally {
          await bi.end();
        }

        // The privacy audit's CATALOGUE check sees the role reaching nothing beyond analytics, and catches a grant beyond it.
        const asManager = {
          query: (sql: string, params?: unknown[]) => admin.query(sql, params).then((r) => r.rows),
        } as unknown as EntityManager;
        const reach = async () => (await biRoleReach(asManager)).find((r) => r.role === role);
        expect(await reach()).toEqual({ role, beyond: [] });
        await admin.query(`GRANT SELECT ON public.attempt TO ${role}`);
        expect((await reach())!.beyond).toContain("SELECT public.attempt");
        await admin.query(`REVOKE SELECT ON public.attempt FROM ${role}`);

        // Run again: the password and grants are reset; a role bi:role did not create is never touched.
        const again = await runCli("src/cli/bi-role.js", ["--name", role, "--password", `${password}-2`], { ...SECRETS, ...target.env });
        expect(again.stdout).toMatch(new RegExp(`updated BI role ${role}`));
        const owner = new URL(process.env.DATABASE_URL!).username || "postgres"; // the server's own role
        const foreign = await runCli("src/cli/bi-role.js", ["--name", owner, "--password", "another-long-password"], {
          ...SECRETS,
          ...target.env,
        });
        expect(foreign.code).toBe(1);
        expect(foreign.stderr).toMatch(/exists and was not created by bi:role/);
      } finally {
        await admin.end();
        await target.drop();
        const server = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await server.connect();
        await server.query(`DROP ROLE IF EXISTS ${role}`).finally(() => server.end());
      }
    },
    180_000,
  );
});
