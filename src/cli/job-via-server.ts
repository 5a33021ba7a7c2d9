/**
 * `npm run job` while `npm start` holds the embedded data folder (PGlite has one process per folder):
 * the job goes through that server instead — enqueued by its GraphQL mutation under an admin token
 * signed here for the school (with the secret the server verifies: serverJwtSecret), run by the server's worker, and followed by
 * polling `jobRun` until it ends, with the same progress bar and exit codes as a job run in-process.
 */
import { signToken } from "../api/auth/token.js";
import { Role } from "../services/auth/actor.js";
import { readServerInfo } from "../server-info.js";
import { progressBar } from "./progress-bar.js";
import { serverGraphql, ServerRefusedError, type GraphqlRequest } from "./server-graphql.js";

export { ServerRefusedError };

/** The job cannot go through the API; the message says why. */
export class NotThroughApiError extends Error {}

const RUN = "id name status progress message error";

type Request = GraphqlRequest;

/** The mutation that enqueues the job, or why there is none. */
function enqueueRequest(name: string, payload: Record<string, unknown>): Request {
  switch (name) {
    case "retrain":
      if (payload.cutoff !== undefined || payload.kind !== undefined)
        throw new NotThroughApiError("the API's triggerRetrain takes --seed only (no --cutoff, no --kind)");
      return { query: `mutation($seed: Int) { run: triggerRetrain(seed: $seed) { ${RUN} } }`, variables: { seed: payload.seed ?? null } };
    case "promote-model":
      return {
        query: `mutation($v: UUID!, $reason: String) { run: promoteModel(versionId: $v, overrideReason: $reason) { ${RUN} } }`,
        variables: { v: payload.versionId, reason: (payload.override as { reason?: string } | undefined)?.reason ?? null },
      };
    case "fairness-audit":
    case "privacy-audit":
      return {
        query: `mutation($v: UUID) { run: runAudit(kind: ${name === "fairness-audit" ? "FAIRNESS" : "PRIVACY"}, modelVersionId: $v) { ${RUN} } }`,
        variables: { v: payload.versionId ?? null },
      };
    case "rollback-model":
      if (payload.versionId !== undefined)
        throw new NotThroughApiError("the API's rollbackModel reactivates the previously active version only (no --version)");
      return { query: `mutation { run: rollbackModel { ${RUN} } }`, variables: {} };
    default:
      throw new NotThroughApiError(`the API has no mutation for ${name}`);
  }
}

interface JobRunAnswer {
  id: string;
  name: string;
  status: "QUEUED" | "RUNNING" | "RETRYING" | "SUCCEEDED" | "FAILED";
  progress: number;
  message: string;
  error: string | null;
}

const graphql = (url: string, token: string, req: Request): Promise<JobRunAnswer> => serverGraphql<JobRunAnswer>(url, token, req, "run");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Enqueues the job on the server that holds `dataDir` and follows it to its end. Returns the exit
 * code (0 succeeded, 1 failed). `schoolId` is the school the admin token is signed for.
 */
export async function runThroughServer(o: {
  dataDir: string;
  /** The secret the server verifies tokens with (serverJwtSecret). */
  secret: string;
  serverPid: number;
  name: string;
  payload: Record<string, unknown>;
  schoolId: string;
  pollMs?: number;
}): Promise<number> {
  const request = enqueueRequest(o.name, o.payload);
  const server = readServerInfo(o.dataDir);
  if (!server || server.pid !== o.serverPid)
    throw new NotThroughApiError(
      `the server (pid ${o.serverPid}) has not published its address in ${o.dataDir}/server.json (it is still starting, or predates this version)`,
    );
  const token = await signToken(o.secret, { schoolId: o.schoolId, role: Role.Admin, subject: "job-cli" }, "1h");
  process.stderr.write(`the data folder is in use by the server at ${server.url} (pid ${server.pid}): sending ${o.name} to it\n`);
  let run = await graphql(server.url, token, request);
  process.stderr.write(
    `${o.name} ${run.id}: ${run.status}${server.worker ? "" : " (this server runs no worker, ZPD_WORKER=false: the job waits for `npm run worker`)"}\n`,
  );
  const follow: Request = { query: `query($id: UUID!) { run: jobRun(id: $id) { ${RUN} } }`, variables: { id: run.id } };
  const bar = progressBar(o.name);
  let lastStatus = run.status;
  while (run.status !== "SUCCEEDED" && run.status !== "FAILED") {
    await sleep(o.pollMs ?? 1000);
    run = await graphql(server.url, token, follow);
    if (run.status !== lastStatus && run.status === "RETRYING")
      process.stderr.write(`\n${o.name} ${run.id}: an attempt failed (${run.error}); the worker retries it\n`);
    lastStatus = run.status;
    if (run.status === "RUNNING") bar.update(run.progress, run.message);
  }
  bar.done();
  if (run.status === "SUCCEEDED") {
    process.stdout.write(`${o.name} ${run.id}: ${run.message}\n`);
    return 0;
  }
  process.stderr.write(`zpd job: ${o.name} ${run.id} failed: ${run.error ?? run.message}\n`);
  return 1;
}
