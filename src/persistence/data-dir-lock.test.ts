import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { DataDirLockedError, lockDataDir } from "./data-dir-lock.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "zpd-lock-"));

describe("the data folder lock", () => {
  test("a folder held by a live process is refused; released, it can be taken again", () => {
    const dir = tmp();
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    release();
    const again = lockDataDir(dir);
    again();
    expect(fs.existsSync(path.join(dir, "zpd.lock"))).toBe(false);
  });

  test("the lock of a dead process is stale and taken over", () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    fs.writeFileSync(path.join(dir, "zpd.lock"), dead);
    const release = lockDataDir(dir);
    expect(fs.readFileSync(path.join(dir, "zpd.lock"), "utf8")).toBe(String(process.pid));
    release();
  });

  test("another live process's lock names its pid", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "zpd.lock"), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`pid ${process.ppid}`));
  });
});
