/**
 * Loads a knowledge-tracing data folder (format and protocol: docs/benchmarks/datasets.md):
 *   attempts.csv   user_id,item_id,skill_id,correct,order_id — each learner's rows in order
 *   items.csv      item_id,skill_ids ("a;b;c") — the Q-matrix (optional)
 *   test_users.txt one test user id a line
 * Without items.csv, skill_id is the only skill information; an empty or "NaN" skill_id gives the item
 * no skills unless another of its rows names one (models then predict it from their intercept / item
 * terms). With items.csv, its skills win; an item missing from it falls back to its skill_id.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EngineError, EngineErrorCode } from "../../src/engine/errors.js";
import type { Catalog, TaskInfo, Trace, TrainingSet } from "../../src/engine/types.js";

export interface KtDataset {
  readonly name: string;
  readonly catalog: Catalog;
  readonly train: TrainingSet;
  readonly test: TrainingSet;
  readonly attempts: number;
  readonly hasQMatrix: boolean;
}

const bad = (why: string) => new EngineError(EngineErrorCode.InvalidData, why);
const isMissing = (s: string | undefined) => s === undefined || s === "" || s.toLowerCase() === "nan" || s.toLowerCase() === "null";

function lines(path: string): string[] {
  return readFileSync(path, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
}

/**
 * `orderAsTime`: each trace's `at` is its row's order_id, for a benchmark that needs the attempts' order
 * across learners (bench/kt-new-tasks.ts; in the shipped sets order_id is one global, time-ordered
 * sequence). No model reads `at` as a time.
 */
export function loadKtDataset(folder: string, name: string, opts: { readonly orderAsTime?: boolean } = {}): KtDataset {
  const attemptsPath = join(folder, "attempts.csv");
  if (!existsSync(attemptsPath)) throw bad(`${attemptsPath} does not exist`);
  const rows = lines(attemptsPath);
  const header = rows[0]!.split(",").map((h) => h.trim());
  const col = (h: string) => {
    const i = header.indexOf(h);
    if (i < 0) throw bad(`attempts.csv has no ${h} column (header: ${header.join(",")})`);
    return i;
  };
  const [cu, ci, cs, cc, co] = [col("user_id"), col("item_id"), col("skill_id"), col("correct"), col("order_id")];

  // Q-matrix from items.csv when present.
  const qMatrix = new Map<string, string[]>();
  const itemsPath = join(folder, "items.csv");
  const hasQMatrix = existsSync(itemsPath);
  if (hasQMatrix) {
    const itemRows = lines(itemsPath);
    for (const line of itemRows.slice(1)) {
      const comma = line.indexOf(",");
      if (comma < 0) throw bad(`items.csv: bad line ${line}`);
      const skills = line
        .slice(comma + 1)
        .split(";")
        .map((s) => s.trim())
        .filter((s) => !isMissing(s));
      qMatrix.set(line.slice(0, comma).trim(), [...new Set(skills)]);
    }
  }

  const sequences = new Map<string, { order: number; trace: Trace }[]>();
  const itemSkills = new Map<string, string[]>();
  for (let r = 1; r < rows.length; r++) {
    const f = rows[r]!.split(",");
    const user = f[cu]!,
      item = f[ci]!,
      correct = Number(f[cc]),
      order = Number(f[co]);
    if (isMissing(user) || isMissing(item)) throw bad(`attempts.csv line ${r + 1}: missing user or item`);
    if (correct !== 0 && correct !== 1) throw bad(`attempts.csv line ${r + 1}: correct is ${f[cc]}`);
    const known = itemSkills.get(item);
    if (known === undefined || (known.length === 0 && !qMatrix.has(item))) {
      // The item's first non-missing skill_id (rows with an empty/NaN skill_id do not erase it).
      const q = qMatrix.get(item);
      itemSkills.set(item, q ?? (isMissing(f[cs]?.trim()) ? [] : [f[cs]!.trim()]));
    }
    let seq = sequences.get(user);
    if (!seq) {
      seq = [];
      sequences.set(user, seq);
    }
    seq.push({
      order: Number.isFinite(order) ? order : seq.length,
      trace: {
        learnerId: user,
        taskId: item,
        correct: correct as 0 | 1,
        ...(opts.orderAsTime && Number.isFinite(order) && { at: order }),
      },
    });
  }

  const skillSet = new Set<string>();
  for (const skills of itemSkills.values()) for (const s of skills) skillSet.add(s);
  const numericFirst = (a: string, b: string) => {
    const na = Number(a),
      nb = Number(b);
    return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a < b ? -1 : a > b ? 1 : 0;
  };
  const skillIds = [...skillSet].sort(numericFirst);
  const tasks: TaskInfo[] = [...itemSkills.keys()].sort(numericFirst).map((taskId) => ({
    taskId,
    skills: itemSkills.get(taskId)!.map((skillId) => ({ skillId, weight: 1 })),
  }));
  const catalog: Catalog = { tasks, skillIds };

  const testPath = join(folder, "test_users.txt");
  if (!existsSync(testPath)) throw bad(`${testPath} does not exist`);
  const testUsers = new Set(lines(testPath).map((l) => l.trim()));
  const train = new Map<string, Trace[]>();
  const test = new Map<string, Trace[]>();
  for (const [user, seq] of sequences) {
    // Rows are in order already; a stable sort on order_id guards against files that are not.
    const sorted = seq.every((x, i) => i === 0 || seq[i - 1]!.order <= x.order) ? seq : [...seq].sort((a, b) => a.order - b.order);
    (testUsers.has(user) ? test : train).set(
      user,
      sorted.map((x) => x.trace),
    );
  }
  if (test.size === 0) throw bad("no test learner of test_users.txt appears in attempts.csv");
  return {
    name,
    catalog,
    train: { catalog, sequences: train },
    test: { catalog, sequences: test },
    attempts: rows.length - 1,
    hasQMatrix,
  };
}
