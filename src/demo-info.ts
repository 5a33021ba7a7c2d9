/**
 * `<dataDir>/demo.json`: the ids of the seeded demo school, so that `npm run token` can mint tokens
 * for it without opening the database (which the running server holds).
 */
import fs from "node:fs";
import path from "node:path";
import type { DemoSchool } from "./services/demo/demo-seed.js";

export const demoInfoPath = (dataDir: string) => path.join(dataDir, "demo.json");

export function writeDemoInfo(dataDir: string, demo: DemoSchool): void {
  fs.writeFileSync(demoInfoPath(dataDir), JSON.stringify(demo, null, 2));
}

export function readDemoInfo(dataDir: string): DemoSchool | undefined {
  try {
    return JSON.parse(fs.readFileSync(demoInfoPath(dataDir), "utf8")) as DemoSchool;
  } catch {
    return undefined;
  }
}
