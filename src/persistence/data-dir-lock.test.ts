import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { buildDist, ROOT } from "../../test/support/compiled-cli.js";
import { DataDirLockedError, defaultLockMode, lockDataDir, lockHolder, type LockMode } from "./data-dir-lock.js";
import { currentRecord, formatRecord, readRecord } from "./lock-record.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "zpd-lock-"));
const lockFile = (dir: string) => path.join(dir, "zpd.lock");
const MODES: LockMode[] = ["advisory", "record"];

/** A process's state letter from /proc (Z: a zombie). */
const procState = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
};

const LOCK_JS = path.join(ROOT, "dist/src/persistence/data-dir-lock.js");

/**
 * A real other process that takes the lock (the compiled module) and holds it; resolves once it has,
 * with the holder's pid as this process sees it. `wrap`: "zombie" runs it as `sh -c '<holder> & exec
 * sleep'`, whose sleep never reaps it, so that killed it stays a zombie; "pidns" runs it as pid 1 of a
 * pid namespace of its own (`unshare --pid --fork --mount-proc`), as in a container.
 */
function startHolder(
  dir: string,
  mode: LockMode,
  wrap?: "zombie" | "pidns",
): Promise<{ child: ChildProcess; holderPid: number; pidInside: number; exited: Promise<void> }> {
  const script = `require(${JSON.stringify(LOCK_JS)}).lockDataDir(process.argv[1], process.argv[2]);
process.stdout.write("locked " + process.pid + "\\n"); setInterval(() => {}, 1000);`;
  const node = [process.execPath, "-e", script, dir, mode];
  const [command, ...args] =
    wrap === "zombie"
      ? ["sh", "-c", `"$0" "$1" "$2" "$3" "$4" & exec sleep 600`, ...node]
      : wrap === "pidns"
        ? ["unshare", "--pid", "--fork", "--mount-proc", ...node]
        : node;
  const child = spawn(command!, args, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString())); // for the message below
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /locked (\d+)/.exec(out);
      if (!m) return;
      const pidInside = Number(m[1]);
      // Inside its namespace the holder is pid 1; here it is unshare's child.
      const holderPid =
        wrap === "pidns" ? Number(fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim()) : pidInside;
      resolve({ child, holderPid, pidInside, exited });
    });
    void exited.then(() => reject(new Error(`the holder exited before locking: ${out}`)));
  });
}

beforeAll(() => buildDist(), 240_000);

describe("the data folder lock", () => {
  test("this installation holds it with an advisory OS lock (fs-ext built)", () => {
    expect(defaultLockMode).toBe("advisory");
  });

  describe.each(MODES)("held as %s", (mode) => {
    test("a folder this process holds is refused; released, it can be taken again", () => {
      const dir = tmp();
      const release = lockDataDir(dir, mode);
      expect(readRecord(lockFile(dir))).toMatchObject({ pid: process.pid });
      expect(() => lockDataDir(dir, mode)).toThrow(DataDirLockedError);
      expect(lockHolder(dir, mode)).toBeNull(); // this process's own lock is nobody else's
      release();
      expect(fs.existsSync(lockFile(dir))).toBe(false);
      lockDataDir(dir, mode)();
    });

    test("a record naming a live process whose start time differs (the pid reused) is taken over", () => {
      const dir = tmp();
      const stale = { ...currentRecord(), pid: process.ppid, startTime: "1" };
      fs.writeFileSync(lockFile(dir), formatRecord(stale));
      expect(lockHolder(dir, mode)).toBeNull();
      const release = lockDataDir(dir, mode);
      expect(readRecord(lockFile(dir))).toEqual(currentRecord());
      release();
    });

    test("a record naming this very pid with another start time (pid 1 again in a new container) is taken over", () => {
      const dir = tmp();
      fs.writeFileSync(lockFile(dir), formatRecord({ ...currentRecord(), startTime: "1" }));
      lockDataDir(dir, mode)();
    });

    test("a record written before a reboot is taken over, even where its pid and start time now name a live process", () => {
      const dir = tmp();
      fs.writeFileSync(
        lockFile(dir),
        formatRecord({ ...currentRecord(), pid: process.ppid, startTime: undefined, bootId: "another-boot" }),
      );
      lockDataDir(dir, mode)();
    });

    test("a bare pid of a live process, as older versions wrote, is still refused (an upgrade must not open a folder an older server holds)", () => {
      const dir = tmp();
      fs.writeFileSync(lockFile(dir), String(process.ppid));
      expect(() => lockDataDir(dir, mode)).toThrow(new RegExp(`pid ${process.ppid}`));
      expect(lockHolder(dir, mode)).toBe(process.ppid);
    });

    test("a live holder in another process is refused; killed with SIGKILL, the lock is taken as soon as it has exited", async () => {
      const dir = tmp();
      const { child, holderPid, exited } = await startHolder(dir, mode);
      try {
        expect(holderPid).toBe(child.pid);
        expect(() => lockDataDir(dir, mode)).toThrow(DataDirLockedError);
        expect(() => lockDataDir(dir, mode)).toThrow(new RegExp(`pid ${holderPid}`));
        expect(lockHolder(dir, mode)).toBe(holderPid);
      } finally {
        child.kill("SIGKILL");
        await exited;
      }
      expect(lockHolder(dir, mode)).toBeNull();
      const release = lockDataDir(dir, mode);
      expect(readRecord(lockFile(dir))).toEqual(currentRecord());
      release();
    });

    test("a holder killed but not yet reaped (a zombie) holds nothing", async () => {
      const dir = tmp();
      const { child, holderPid, exited } = await startHolder(dir, mode, "zombie");
      try {
        expect(() => lockDataDir(dir, mode)).toThrow(DataDirLockedError);
        process.kill(holderPid, "SIGKILL");
        // The leader shows Z as soon as its own thread has exited; Node's other threads may still be
        // closing the shared file table, so the lock goes a moment later (bounded: 5 s).
        while (procState(holderPid) !== "Z") await new Promise((r) => setTimeout(r, 10));
        for (let i = 0; i < 500 && lockHolder(dir, mode) !== null; i++) await new Promise((r) => setTimeout(r, 10));
        expect(lockHolder(dir, mode)).toBeNull();
        expect(procState(holderPid)).toBe("Z"); // still not reaped
        lockDataDir(dir, mode)();
      } finally {
        child.kill("SIGKILL");
        await exited;
      }
    });

    test("a holder that was pid 1 of a container, killed with SIGKILL, does not stop the next pid 1 from taking the lock", async () => {
      const dir = tmp();
      const first = await startHolder(dir, mode, "pidns");
      expect(first.pidInside).toBe(1);
      process.kill(first.holderPid, "SIGKILL"); // unshare reaps it, then exits
      await first.exited;
      const second = await startHolder(dir, mode, "pidns"); // rejects if its lockDataDir throws
      expect(second.pidInside).toBe(1);
      process.kill(second.holderPid, "SIGKILL");
      await second.exited;
    });
  });

  test("the advisory lock holds across pid namespaces: while a container's pid 1 holds the folder, the host is refused", async () => {
    const dir = tmp();
    const holder = await startHolder(dir, "advisory", "pidns");
    try {
      expect(() => lockDataDir(dir, "advisory")).toThrow(DataDirLockedError);
      expect(lockHolder(dir, "advisory")).toBe(1); // the record's pid is the holder's own, inside its namespace
    } finally {
      process.kill(holder.holderPid, "SIGKILL");
      await holder.exited;
    }
    lockDataDir(dir, "advisory")();
  });

  test("without /proc (a mount namespace where it is unmounted) the record holds the pid alone: a dead pid's lock is taken over, a live one's refused", () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const script = `const fs = require("fs"); const lock = require(${JSON.stringify(LOCK_JS)});
const record = require(${JSON.stringify(path.join(ROOT, "dist/src/persistence/lock-record.js"))});
const [dir, dead] = process.argv.slice(1); const file = dir + "/zpd.lock";
const out = { proc: fs.existsSync("/proc/self/stat"), record: record.currentRecord() };
fs.writeFileSync(file, record.formatRecord({ pid: Number(dead) }));
const release = lock.lockDataDir(dir, "record"); out.written = record.readRecord(file); release();
fs.writeFileSync(file, record.formatRecord({ pid: process.ppid }));
try { lock.lockDataDir(dir, "record"); out.live = "taken"; } catch (e) { out.live = e.name; }
process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(
      "unshare",
      ["--mount", "sh", "-c", `umount -l /proc && exec "$0" -e "$1" "$2" "$3"`, process.execPath, script, dir, dead],
      {
        encoding: "utf8",
      },
    );
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ proc: false, live: "DataDirLockedError" });
    expect(out.record).toEqual({ pid: expect.any(Number) });
    expect(out.written).toEqual({ pid: out.record.pid });
  });
});
