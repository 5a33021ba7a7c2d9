/**
 * Jest's order on a clean clone (CI's): with no timings cached yet, its sequencer runs the largest
 * files first, a stand-in for the slowest. Ours are not the largest: the privacy gate's and the jobs'
 * suites spend a minute or two training models or waiting on heartbeats, and started late they ran
 * alone on one worker at the end. The files measured to take longest start first here (each figure
 * from a local `npx jest --json` run, seconds on 2 cores; re-measure when one grows). Once Jest has
 * timings of its own (a second run in one folder), its own order applies.
 */
const Sequencer = require("@jest/test-sequencer").default;

const LONGEST = [
  "test/e2e/privacy-gate-demo.db.test.ts", // 81 (CI, 2026-12-07)
  "test/e2e/jobs.db.test.ts", // 74
  "test/e2e/privacy-audit.db.test.ts", // 72
  "test/e2e/policy-serving.db.test.ts", // 61
  "test/e2e/keys-rotate-cli.db.test.ts", // 32
  "test/e2e/fairness-audit.db.test.ts", // 29
  "src/engine/baselines/baselines.test.ts", // 26
  "test/e2e/promotion-gate.db.test.ts", // 23
  "test/e2e/web.db.test.ts", // 22
  "src/engine/meta/dp-training.test.ts", // 22
  "test/e2e/bi-access.db.test.ts", // 21
  "test/e2e/personalisation.db.test.ts", // 21
  "test/e2e/rebuild.db.test.ts", // 20
  "src/engine/meta/history-features.test.ts", // 30 (alone)
  "src/engine/meta/meta-model.test.ts", // 23 (alone)
  "src/engine/meta/new-tasks.test.ts", // 23
  "test/e2e/ingest-crash.db.test.ts", // 20
];

class LongFilesFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    if (sorted.some((t) => t.duration != null)) return sorted;
    const rank = (t) => {
      const i = LONGEST.findIndex((p) => t.path.endsWith(p));
      return i < 0 ? LONGEST.length : i;
    };
    // Array.prototype.sort is stable: the others keep Jest's order (largest first).
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongFilesFirstSequencer;
