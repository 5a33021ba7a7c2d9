/**
 * Starts the real server in-process on a random port over real HTTP: on in-memory PGlite (from the
 * migrated snapshot of global-setup) or, when DATABASE_URL is set, on that PostgreSQL server.
 * Each test file creates its own school(s), so files never see each other's rows.
 */
import "reflect-metadata";
import fs from "node:fs";
import http from "node:http";
import { createHash } from "node:crypto";
import { loadConfig } from "../../src/config/config.js";
import { startApp, App } from "../../src/app.js";
import { createLogger, type Logger } from "../../src/shared/logger.js";
import { signToken, TokenClaims } from "../../src/api/auth/token.js";
import { Role } from "../../src/services/auth/actor.js";

/** The test servers' JWT secret: a generated one (`openssl rand -base64 48`), as the server refuses weak ones. */
export const TEST_SECRET = "tGHagDmvXijsg7gE1RnDmZN9oPo2XN4NsaWOJbxxwP2ISO3BPyq5oKWm0sW1WNc1";
/**
 * The personal-data key of every test server: one key, because on PostgreSQL the test files share a
 * database, and a server refuses to start on a database written under a key it does not hold.
 */
export const TEST_PROFILE_KEY = createHash("sha256").update("zpd test personal-data key").digest();

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown }; path?: (string | number)[] }[];
}

export interface TestServer {
  readonly app: App;
  readonly url: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  token(claims: Partial<TokenClaims> & { schoolId: string; role: Role }, expiresIn?: string | number): Promise<string>;
  /** A new school with an admin token. */
  newSchool(name?: string): Promise<{ schoolId: string; admin: string }>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Always embedded PGlite, fresh, on its own thread (ZPD_PGLITE_THREAD=true), even with DATABASE_URL. */
  readonly pgliteThread?: boolean;
  /** The server's logger (default: silent); a test that reads the logs passes one writing to a capture. */
  readonly logger?: Logger;
}

export async function startTestServer(env: Record<string, string> = {}, opts: TestServerOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    ZPD_JWT_SECRET: TEST_SECRET,
    ZPD_PROFILE_KEY: TEST_PROFILE_KEY.toString("base64"),
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    ZPD_SEED_DEMO: "false",
    ...(process.env.DATABASE_URL && !opts.pgliteThread ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ...env,
  });
  const snapshot = process.env.ZPD_TEST_SNAPSHOT;
  const database = opts.pgliteThread
    ? { thread: true }
    : config.databaseUrl
      ? { url: config.databaseUrl, poolSize: 4 }
      : { loadDataDir: snapshot ? new Blob([fs.readFileSync(snapshot)]) : undefined };
  const app = await startApp(config, { database, logger: opts.logger ?? createLogger("silent"), keys: { current: TEST_PROFILE_KEY } });
  const { url } = await app.server.listen(0, "127.0.0.1");

  // A new connection per request (no keep-alive): the test's client shares the server's event loop, and a
  // test that computes for a minute without a request delays both sides' idle timers, so a pooled socket
  // (fetch keeps one up to the server's Keep-Alive hint minus 1 s) could be reused just as the server's late
  // timer closes it (ECONNRESET). Separate processes do not share that lag.
  const gql = (query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<any>> =>
    new Promise((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify({ query, variables }));
      const req = http.request(
        url,
        {
          method: "POST",
          agent: false,
          headers: {
            "content-type": "application/json",
            "content-length": payload.length,
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            try {
              resolve({ ...(JSON.parse(Buffer.concat(chunks).toString("utf8")) as GraphQLResponse<any>), status: res.statusCode! });
            } catch (e) {
              reject(e);
            }
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  const token = (claims: Partial<TokenClaims> & { schoolId: string; role: Role }, expiresIn: string | number = "1h") =>
    signToken(TEST_SECRET, { subject: "test", ...claims }, expiresIn);
  return {
    app,
    url,
    gql,
    token,
    newSchool: async (name = "Test School") => {
      const school = await app.services.schools.create(name);
      return { schoolId: school.id, admin: await token({ schoolId: school.id, role: Role.Admin }) };
    },
    stop: () => app.stop(),
  };
}

/** The first error's code, for terse assertions. */
export const codeOf = (r: GraphQLResponse): string | undefined => r.errors?.[0]?.extensions?.code;
