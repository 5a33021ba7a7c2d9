/**
 * `npm run analytics:export -- --out <dir>`: one CSV file per view of schema `analytics`
 * (<dir>/<view>.csv), small cells suppressed as in the views (an empty field). For the embedded
 * database, where no BI tool can connect; it works on PostgreSQL (DATABASE_URL) as well. The embedded
 * data folder must not be open in a running server (stop it, or read the analytics over GraphQL).
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { ConfigError } from "../config/config.js";
import { analyticsViews, viewCsv } from "../persistence/analytics/analytics-csv.js";
import { analyticsRead } from "../persistence/analytics/analytics-views.js";
import { readAnalyticsK } from "../persistence/analytics/analytics-settings.js";
import { ensureAnalyticsStatistics } from "../persistence/analytics/analytics-statistics.js";
import { parseArgs } from "./args.js";
import { cliConfig, withAnalyticsDatabase } from "./analytics-database.js";

const USAGE = "usage: npm run analytics:export -- --out <dir>";

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
  for (const k of args.keys()) if (k !== "out") throw new UsageError(`unknown option --${k}`);
  const out = args.get("out");
  if (typeof out !== "string") throw new UsageError("--out <dir> is required");
  const dir = path.resolve(out);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`--out ${out} is a file, not a folder`);
  const config = cliConfig();
  await withAnalyticsDatabase(config, "read the analytics over GraphQL (query { analytics { … } }) with an analyst token", async (db) => {
    const k = await readAnalyticsK(db.dataSource);
    await ensureAnalyticsStatistics(db.dataSource);
    fs.mkdirSync(dir, { recursive: true });
    for (const v of await analyticsViews(db.dataSource)) {
      const { csv, rows } = await analyticsRead(db.dataSource, (m) => viewCsv(m, v));
      const file = path.join(dir, `${v.view}.csv`);
      fs.writeFileSync(file, csv);
      process.stdout.write(`${file}: ${rows} rows\n`);
    }
    process.stderr.write(`small cells suppressed with k = ${k} (figures over fewer than ${k} learners are empty)\n`);
  });
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`zpd analytics:export: ${e.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`zpd analytics:export: ${e instanceof ConfigError ? e.message : ((e as Error)?.message ?? e)}\n`);
    process.exit(1);
  },
);
