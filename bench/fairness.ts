/**
 * `npm run bench:fairness -- [--seeds N] [--rounds R] [--quick] [--sections …] [--report <file>|none]`
 *
 * The fairness audit on simulated schools (bench/fairness/sections.ts): its detection power on injected
 * biases, its false alarms on groups that differ without bias (with the oracle and with a trained Meta
 * model), the mitigations' effect and cost, and its time on a large audited set. Writes
 * docs/benchmarks/fairness.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname } from "node:path";
import { backendStatus, initBackend } from "../src/engine/backend.js";
import { parseFairnessArgs } from "./fairness/args.js";
import { type FairnessReport, renderFairnessReport } from "./fairness/report.js";
import { detection, falseAlarms, mitigation, timing } from "./fairness/sections.js";
import { gitCommit } from "./lib/git.js";

async function main(): Promise<void> {
  const args = parseFairnessArgs(process.argv.slice(2));
  const began = process.hrtime.bigint();
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  const backend = await initBackend();
  for (const w of backendStatus().warnings) process.stderr.write(`backend: ${w}\n`);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const has = (s: Parameters<typeof args.sections.has>[0]) => args.sections.has(s);

  const detected = has("detection") ? detection(args, log) : undefined;
  const alarms = has("false-alarms") ? await falseAlarms(args, log) : undefined;
  const mitigated = has("mitigation") ? await mitigation(args, log) : undefined;
  const timed = has("timing") ? timing(args, log) : undefined;

  const cpu = cpus();
  const report: FairnessReport = {
    args,
    run: {
      command: `npm run bench:fairness${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
      commit: gitCommit(),
      machine: `${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown cpu"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, TensorFlow.js ${backend}`,
      date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
      load,
      seconds: Number(process.hrtime.bigint() - began) / 1e9,
    },
    detection: detected,
    falseAlarms: alarms,
    mitigation: mitigated,
    timing: timed,
  };
  const markdown = renderFairnessReport(report);
  process.stdout.write(markdown);
  if (args.report !== "none") {
    mkdirSync(dirname(args.report), { recursive: true });
    writeFileSync(args.report, markdown);
    process.stdout.write(`\nreport: ${args.report}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
