/**
 * A throwaway PostgreSQL cluster of the benchmark's own (initdb into a scratch folder, a free port of
 * 127.0.0.1, trust authentication), so that the outage phase can stop and start a database server
 * without touching any server someone else uses. PostgreSQL refuses to run as root: as root, every
 * PostgreSQL program runs as the `postgres` OS user (runuser), and the folder belongs to it.
 */
import { execFile, execFileSync } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { freePort } from "../api/server.js";

const PG_BIN = process.env.ZPD_FAULTS_PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface Cluster {
  /** postgres://postgres@127.0.0.1:<port> (no database part). */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly version: string;
  /** `pg_ctl stop -m <mode>`; resolves when the server is down, with the seconds it took. */
  stop(mode: "fast" | "immediate"): Promise<number>;
  /** `pg_ctl start -w`; resolves when the server accepts connections, with the seconds it took. */
  start(): Promise<number>;
  /** Stops the server (immediately) and removes its folder. */
  dispose(): Promise<void>;
}

/** Runs a PostgreSQL program (as `postgres` when this is root); asynchronous, so the benchmark keeps reading its servers' logs. */
function asPostgres(bin: string, args: string[]): Promise<string> {
  const path = join(PG_BIN, bin);
  const [cmd, argv] = process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, args];
  return new Promise((res, rej) =>
    execFile(cmd, argv, { encoding: "utf8" }, (err, stdout, stderr) =>
      err ? rej(new Error(`${bin} ${args.join(" ")} failed: ${stderr || stdout || err.message}`)) : res(stdout),
    ),
  );
}

/** Creates and starts a cluster in a new /tmp/faults-pg-* folder. */
export async function createCluster(log: (msg: string) => void): Promise<Cluster> {
  if (!existsSync(join(PG_BIN, "initdb"))) throw new Error(`no PostgreSQL programs in ${PG_BIN} (set ZPD_FAULTS_PG_BIN)`);
  const root = mkdtempSync("/tmp/faults-pg-");
  const dir = join(root, "data");
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(root, uid, gid);
  }
  const port = await freePort();
  await asPostgres("initdb", ["-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  // Durability as shipped (fsync, synchronous_commit on); the socket in the cluster's own folder.
  const conf = [`port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${root}'`, "max_connections = 60"];
  appendFileSync(join(dir, "postgresql.conf"), `\n# bench:faults\n${conf.join("\n")}\n`);
  let running = false;
  const cluster: Cluster = {
    url: `postgres://postgres@127.0.0.1:${port}`,
    port,
    dir,
    version: (await asPostgres("postgres", ["--version"])).trim(),
    async start() {
      const t = performance.now();
      await asPostgres("pg_ctl", ["-D", dir, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
      running = true;
      return (performance.now() - t) / 1000;
    },
    async stop(mode) {
      const t = performance.now();
      await asPostgres("pg_ctl", ["-D", dir, "-m", mode, "-w", "-t", "60", "stop"]);
      running = false;
      return (performance.now() - t) / 1000;
    },
    async dispose() {
      if (running) {
        try {
          await cluster.stop("immediate");
        } catch (e) {
          log(`could not stop the throwaway cluster: ${(e as Error).message}`);
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  await cluster.start();
  log(`throwaway PostgreSQL cluster (${cluster.version}) on 127.0.0.1:${port}, folder ${dir}`);
  return cluster;
}
