/**
 * The engine's batch replay against the fold of `update` (issue #5, the state rebuild): CPU µs per
 * attempt to rebuild every learner of a simulated school from its initial state, as the rebuild does.
 * The school has the shape of `npm run bench:jobs` (200 skills × 10 tasks, 60–140 attempts a learner);
 * Meta and its ablation are trained for one epoch on a part of it (the cost of a replay does not depend
 * on how well the model is trained, only on its catalogue and the histories). CPU time includes GC.
 * Every round rebuilds from new task id strings, as the rebuild reads them per batch.
 *
 *   npm run build && node dist/bench/engine-replay.js [--learners 2000] [--rounds 7] [--seed 7]
 *
 * Take it under `flock /tmp/zpd-bench.lock` and report the load average it prints.
 */
import { loadavg } from "node:os";
import { initBackend } from "../src/engine/backend.js";
import { ablationTrainer, metaTrainer } from "../src/engine/meta/index.js";
import { simulateSchool } from "../src/engine/simulator/index.js";
import type { KnowledgeModel, LearnerState, Trace } from "../src/engine/types.js";
import { ATTEMPTS_PER_LEARNER, SKILLS, TASKS_PER_SKILL } from "./jobs/generate.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Each way of rebuilding every learner from the initial state; returns a checksum so nothing is optimised away. */
type Way = (m: KnowledgeModel, start: LearnerState, sequences: readonly (readonly Trace[])[]) => number;

const ways: Record<string, Way> = {
  "fold of update": (m, start, sequences) => {
    let n = 0;
    for (const seq of sequences) {
      let s = start;
      for (const t of seq) s = m.update(s, t);
      n += s.attempts;
    }
    return n;
  },
  "replay (array)": (m, start, sequences) => {
    let n = 0;
    for (const seq of sequences) n += m.replay(start, seq).attempts;
    return n;
  },
  // As the rebuild hands them over: one reused trace object from an iterator (services/personalisation/learner-history.ts, HistoryTraces).
  "replay (reused trace)": (m, start, sequences) => {
    let n = 0;
    for (const seq of sequences) n += m.replay(start, new ReusedTraces(seq)).attempts;
    return n;
  },
};

/** One trace object and one iterator result, reused (as the rebuild's iterator over a history does). */
class ReusedTraces implements Iterable<Trace>, Iterator<Trace> {
  private readonly trace = { learnerId: "", taskId: "", correct: 0 as 0 | 1, at: 0 };
  private readonly result: IteratorYieldResult<Trace> = { done: false, value: this.trace };
  private i = 0;
  constructor(private readonly seq: readonly Trace[]) {}
  [Symbol.iterator](): Iterator<Trace> {
    return this;
  }
  next(): IteratorResult<Trace> {
    if (this.i >= this.seq.length) return { done: true, value: undefined };
    const t = this.seq[this.i++]!;
    this.trace.taskId = t.taskId;
    this.trace.correct = t.correct;
    this.trace.at = t.at ?? 0;
    return this.result;
  }
}

async function main() {
  const learners = arg("learners", 2000),
    rounds = arg("rounds", 7),
    seed = arg("seed", 7);
  const loadStart = loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  await initBackend();
  const school = simulateSchool(
    { skills: SKILLS, tasksPerSkill: TASKS_PER_SKILL, learners, attemptsPerLearner: ATTEMPTS_PER_LEARNER },
    seed,
  );
  const sequences = [...school.sequences.values()];
  const attempts = sequences.reduce((n, s) => n + s.length, 0);
  // Each round gets new task id strings, as the rebuild gets them from each batch's query (split from
  // one string): looking them up hashes them first, part of the cost per attempt.
  const joined = sequences.map((seq) => seq.map((t) => t.taskId).join(","));
  const fresh = (): Trace[][] =>
    sequences.map((seq, l) => {
      const ids = joined[l]!.split(",");
      return seq.map((t, i) => ({ learnerId: t.learnerId, taskId: ids[i]!, correct: t.correct, at: t.at }));
    });
  const trainSet = { catalog: school.catalog, sequences: new Map([...school.sequences].slice(0, Math.min(500, learners))) };
  const models: KnowledgeModel[] = [
    await metaTrainer.fit(trainSet, { seed, maxEpochs: 1 }),
    await ablationTrainer.fit(trainSet, { seed, maxEpochs: 1 }),
  ];
  console.log(
    `${learners} learners, ${attempts} attempts (${(attempts / learners).toFixed(0)} a learner), ${school.catalog.tasks.length} tasks, ${school.catalog.skillIds.length} skills; ${rounds} rounds, median`,
  );
  const rows: string[][] = [];
  for (const m of models) {
    const start = m.initialState();
    const base = new Map<string, number>();
    for (const [name, way] of Object.entries(ways)) {
      way(m, start, fresh()); // warm-up
      const cpu: number[] = [],
        wall: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const seqs = fresh();
        const c = cpuMs(),
          w = performance.now();
        way(m, start, seqs);
        cpu.push(((cpuMs() - c) * 1000) / attempts);
        wall.push(((performance.now() - w) * 1000) / attempts);
      }
      base.set(name, median(cpu));
      const ref = base.get("fold of update")!;
      rows.push([
        m.name,
        name,
        median(cpu).toFixed(3),
        median(wall).toFixed(3),
        ((median(cpu) * attempts) / learners).toFixed(1),
        `${((median(cpu) / ref) * 100).toFixed(0)} %`,
      ]);
    }
  }
  const head = ["model", "way", "CPU µs/attempt", "wall µs/attempt", "CPU µs/learner", "of the fold"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log(
    `load average: start ${loadStart}; end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(", ")} (node ${process.version})`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
