/**
 * `<dataDir>/server.json`: where the server holding an embedded data folder answers, so that
 * `npm run job` can send it the job it cannot run itself (the folder is locked by the server).
 * Written when the server listens, removed when it shuts down.
 */
import fs from "node:fs";
import path from "node:path";

export interface ServerInfo {
  readonly url: string;
  readonly pid: number;
  /** Whether the server runs the job worker (ZPD_WORKER); without it, enqueued jobs wait. */
  readonly worker: boolean;
}

const serverInfoPath = (dataDir: string) => path.join(dataDir, "server.json");

export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  fs.writeFileSync(serverInfoPath(dataDir), JSON.stringify(info, null, 2));
}

export function readServerInfo(dataDir: string): ServerInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(serverInfoPath(dataDir), "utf8")) as ServerInfo;
  } catch {
    return undefined;
  }
}

/** Removes the file if it is this process's. */
export function removeServerInfo(dataDir: string): void {
  if (readServerInfo(dataDir)?.pid === process.pid) fs.rmSync(serverInfoPath(dataDir), { force: true });
}
