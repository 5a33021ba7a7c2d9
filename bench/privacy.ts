/**
 * `npm run bench:privacy` — the privacy measures of issue #14, two phases:
 *
 *   --erasure   erasures through the real `eraseLearner` mutation while the live API carries bench:api's
 *               operations at 200 requests/s, on the 1M-attempt school (bench/privacy/erasure.ts);
 *   --mia       the membership-inference audit of Meta trained on a data set's train learners, and of
 *               the over-fitted control on top of it (bench/privacy/mia.ts).
 *
 * Prints the Markdown report and writes it to --report (default .bench/privacy-report.md; the record,
 * docs/benchmarks/privacy.md, is kept by hand from it, as api.md and jobs.md are); with
 * `--json <file>`, merges this run's phases into the file (a phase not run keeps its earlier results)
 * and renders the record from the file, so that the two phases may run apart.
 *
 *   npm run bench:privacy -- [--erasure] [--mia --data <folder>/assist2009] [--db pglite|postgres] [--json <file>]
 */
import "reflect-metadata";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { basename, dirname, resolve } from "node:path";
import { gitCommit } from "./lib/git.js";
import { parsePrivacyArgs } from "./privacy/args.js";
import { erasurePhase } from "./privacy/erasure.js";
import { miaPhase } from "./privacy/mia.js";
import { readResults, renderPrivacyReport, type RunInfo } from "./privacy/report.js";

const log = (msg: string) => process.stderr.write(`[bench:privacy ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function runInfo(): RunInfo {
  const cpu = cpus();
  return {
    // The data folder as <folder>/<set>: records name no path outside the repository.
    command: `npm run bench:privacy -- ${process.argv
      .slice(2)
      .map((a, i, all) => (all[i - 1] === "--data" ? `<folder>/${basename(a)}` : a))
      .join(" ")}`,
    commit: gitCommit(),
    date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    machine: `${cpu.length} × ${cpu[0]?.model.trim() ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
    loadavg: loadavg()
      .map((x) => x.toFixed(2))
      .join(", "),
  };
}

async function main(): Promise<void> {
  const args = parsePrivacyArgs(process.argv.slice(2));
  const results = readResults(args.json);
  if (args.erasure) {
    const run = runInfo();
    const phase = { run, ...(await erasurePhase(args, log)) };
    const key = args.control ? "erasureControl" : "erasure";
    results[key] = { ...results[key], [`${args.db}${args.noWorker ? "-no-worker" : ""}`]: phase };
  }
  if (args.mia) {
    const run = runInfo();
    results.mia = { run, ...(await miaPhase(args.data!, args.trainSeed, log)) };
  }
  const markdown = renderPrivacyReport(results);
  process.stdout.write(`${markdown}\n`);
  if (args.json) {
    mkdirSync(dirname(resolve(args.json)), { recursive: true });
    writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
    log(`wrote ${args.json}`);
  }
  if (args.report !== "none") {
    mkdirSync(dirname(resolve(args.report)), { recursive: true });
    writeFileSync(args.report, markdown);
    log(`wrote ${args.report}`);
  }
}

main().catch((e) => {
  process.stderr.write(`bench:privacy failed: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
