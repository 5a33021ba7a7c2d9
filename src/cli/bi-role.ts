/**
 * `npm run bi:role -- --name <role> --password <password>`: a PostgreSQL login role for BI tools that
 * reads the `analytics` views and nothing else (src/persistence/analytics/bi-role.ts; docs/analytics.md).
 * Run it again to reset the role's password and grants (e.g. after an upgrade added views).
 *
 * PostgreSQL only (DATABASE_URL, as a user allowed to create roles): embedded PGlite has no network login
 * — export the views as CSV there (npm run analytics:export). The password is never printed.
 * Exit codes: 0 done, 1 refused or failed, 2 bad usage.
 */
import "reflect-metadata";
import { ConfigError } from "../config/config.js";
import { biPasswordProblem, biRoleNameProblem, BiRoleRefusedError, grantBiRole } from "../persistence/analytics/bi-role.js";
import { parseArgs } from "./args.js";
import { cliConfig, withAnalyticsDatabase } from "./analytics-database.js";

const USAGE = `usage: npm run bi:role -- --name <role> --password <password>
  --name      a new PostgreSQL role: a lowercase letter, then lowercase letters, digits or _ (at most 63)
  --password  at least 12 printable ASCII characters`;

class UsageError extends Error {}

async function run(argv: string[]): Promise<number> {
  let args: Map<string, string | true>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (args.has("help")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const k of args.keys()) if (k !== "name" && k !== "password") throw new UsageError(`unknown option --${k}`);
  const name = args.get("name");
  const password = args.get("password");
  if (typeof name !== "string") throw new UsageError("--name <role> is required");
  if (typeof password !== "string") throw new UsageError("--password <password> is required");
  const problem = biRoleNameProblem(name) ?? biPasswordProblem(password);
  if (problem) throw new UsageError(problem);
  const config = cliConfig();
  if (!config.databaseUrl) {
    process.stderr.write(
      "zpd bi:role: the embedded database (PGlite) has no login: BI tools connect to PostgreSQL only. Run ZPD on a PostgreSQL server (DATABASE_URL, docs/operations.md), or export the analytics views as CSV: npm run analytics:export -- --out <dir>\n",
    );
    return 1;
  }
  const result = await withAnalyticsDatabase(config, "use another database", (db) =>
    db.dataSource.transaction((m) => grantBiRole(m, name, password)),
  );
  const url = new URL(config.databaseUrl);
  process.stdout.write(
    `${result.created ? "created" : "updated"} BI role ${name}: it reads the ${result.views.length} views of schema analytics and nothing else\n` +
      `connect with: postgres://${name}:<password>@${url.host}/${result.database}\n`,
  );
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`zpd bi:role: ${e.message}\n${USAGE}\n`);
      process.exit(2);
    }
    if (e instanceof ConfigError || e instanceof BiRoleRefusedError) process.stderr.write(`zpd bi:role: ${e.message}\n`);
    else if ((e as { code?: string })?.code === "42501")
      process.stderr.write(`zpd bi:role: ${(e as Error).message}: the DATABASE_URL user needs CREATEROLE (or to be a superuser)\n`);
    else process.stderr.write(`zpd bi:role: ${(e as Error)?.message ?? e}\n`);
    process.exit(1);
  },
);
