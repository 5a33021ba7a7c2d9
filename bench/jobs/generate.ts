/**
 * The benchmark's school: simulated (src/engine/simulator) and written in the import folder format
 * (docs/benchmarks/datasets.md; attempts.csv: user_id,item_id,skill_id,correct,order_id; items.csv:
 * item_id,skill_ids joined by ";"), so that the import under test reads exactly what an operator
 * would give it. 200 skills × 10 tasks = 2,000 tasks; learners = attempts / 100 (60–140 each). The
 * import format has no protected attributes: each learner's simulated group comes back beside the
 * folder, for the benchmark to record after the import (bench/jobs/attributes.ts).
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { simulateSchool } from "../../src/engine/simulator/index.js";

export interface GeneratedData {
  readonly folder: string;
  readonly learners: number;
  readonly tasks: number;
  readonly skills: number;
  readonly attempts: number;
  readonly simulateSeconds: number;
  readonly writeSeconds: number;
  /** The simulator's group of each learner, by user_id (the import's learner external_ref). */
  readonly groups: ReadonlyMap<string, string>;
}

export const SKILLS = 200;
export const TASKS_PER_SKILL = 10;
export const ATTEMPTS_PER_LEARNER: readonly [number, number] = [60, 140];

export function generateFolder(folder: string, targetAttempts: number, seed: number): GeneratedData {
  mkdirSync(folder, { recursive: true });
  const mean = (ATTEMPTS_PER_LEARNER[0] + ATTEMPTS_PER_LEARNER[1]) / 2;
  const learners = Math.max(25, Math.round(targetAttempts / mean));
  let t = performance.now();
  const sim = simulateSchool(
    { skills: SKILLS, tasksPerSkill: TASKS_PER_SKILL, learners, attemptsPerLearner: ATTEMPTS_PER_LEARNER },
    seed,
    Date.UTC(2026, 0, 1),
  );
  const simulateSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const items = openSync(join(folder, "items.csv"), "w");
  try {
    const lines = ["item_id,skill_ids"];
    for (const task of sim.tasks) lines.push(`${task.taskId},${task.skills.map((s) => s.skillId).join(";")}`);
    writeSync(items, `${lines.join("\n")}\n`);
  } finally {
    closeSync(items);
  }
  const primary = new Map(sim.tasks.map((task) => [task.taskId, task.primarySkillId]));
  const fd = openSync(join(folder, "attempts.csv"), "w");
  let attempts = 0;
  try {
    let buf: string[] = ["user_id,item_id,skill_id,correct,order_id"];
    for (const [learnerId, seq] of sim.sequences) {
      for (let i = 0; i < seq.length; i++) {
        const a = seq[i]!;
        buf.push(`${learnerId},${a.taskId},${primary.get(a.taskId)},${a.correct},${i + 1}`);
      }
      attempts += seq.length;
      if (buf.length >= 50_000) {
        writeSync(fd, `${buf.join("\n")}\n`);
        buf = [];
      }
    }
    if (buf.length) writeSync(fd, `${buf.join("\n")}\n`);
  } finally {
    closeSync(fd);
  }
  return {
    folder,
    learners: sim.learners.length,
    tasks: sim.tasks.length,
    skills: sim.skills.length,
    attempts,
    simulateSeconds,
    writeSeconds: (performance.now() - t) / 1000,
    groups: new Map(sim.learners.map((l) => [l.learnerId, l.group])),
  };
}
