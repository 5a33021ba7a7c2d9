/**
 * `npm run token -- --role <admin|teacher|analyst|learner|service> [--learner <id>] [--teacher <id>]
 *  [--school <id>] [--expires 30d]`: print a bearer token. Without --school it uses the demo school
 * of the embedded database (ZPD_DATA_DIR/demo.json); a teacher token defaults to the demo teacher
 * and a learner token to the first demo learner.
 */
import { loadConfig } from "../config/config.js";
import { embeddedJwtSecret } from "../config/embedded-secrets.js";
import { signToken } from "../api/auth/token.js";
import { Role } from "../services/auth/actor.js";
import { readDemoInfo } from "../demo-info.js";
import { parseArgs } from "./args.js";

async function run(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const pre = loadConfig();
  const config = pre.databaseUrl || !pre.jwtSecretGenerated ? pre : loadConfig(process.env, { jwtSecret: embeddedJwtSecret(pre.dataDir) });
  const roleArg = String(args.get("role") ?? "admin").toUpperCase();
  if (!Object.values(Role).includes(roleArg as Role)) throw new Error(`--role must be one of ${Object.values(Role).join(", ").toLowerCase()}`);
  const role = roleArg as Role;
  const demo = readDemoInfo(config.dataDir);
  const schoolId = (args.get("school") as string | undefined) ?? demo?.schoolId;
  if (!schoolId) throw new Error("no demo school in this data folder: start the server once (npm start) or pass --school <id>");
  const learnerId = role === Role.Learner ? ((args.get("learner") as string | undefined) ?? demo?.learnerIds[0]) : undefined;
  const teacherId = role === Role.Teacher ? ((args.get("teacher") as string | undefined) ?? demo?.teacherId) : undefined;
  if (role === Role.Learner && !learnerId) throw new Error("--learner <id> is required");
  if (role === Role.Teacher && !teacherId) throw new Error("--teacher <id> is required");
  const subject = learnerId ?? teacherId ?? `${role.toLowerCase()}-cli`;
  const token = await signToken(config.jwtSecret, { schoolId, role, subject, learnerId, teacherId }, (args.get("expires") as string | undefined) ?? "30d");
  process.stdout.write(token + "\n");
}

run().catch((e) => {
  process.stderr.write(`zpd token: ${(e as Error).message}\n`);
  process.exit(1);
});
