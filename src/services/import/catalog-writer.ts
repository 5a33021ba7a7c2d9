/**
 * Writes an import's catalogue — skills, tasks, Q-matrix cells, learners and consents — inside the
 * caller's transaction, before any attempt, so that every attempt batch finds its task and learner ids.
 * Everything is insert-if-missing (`ON CONFLICT DO NOTHING`): an existing row is never changed, which
 * makes a re-run of the same files add nothing.
 */
import { EntityManager } from "typeorm";
import { uuidv7 } from "../../shared/ids.js";
import { ConsentGrantor, ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { TaskKind } from "../../persistence/curriculum/task.entity.js";
import { UNKNOWN_SKILL_CODE, type ScannedTraces } from "./trace-scan.js";
import type { Counts } from "./import-summary.js";

/** The counts the catalogue adds to (the import's tally). */
export interface CatalogCounts {
  skills: Counts;
  tasks: Counts;
  taskSkills: Counts;
  learners: Counts;
  consents: Counts;
}

/** Database ids of the scanned items (tasks) and users (learners), by their external id. */
export interface CatalogIds {
  tasks: Map<string, string>;
  learners: Map<string, string>;
}

/** Writes the catalogue in statements of at most `chunk` rows each. */
export async function writeCatalog(
  m: EntityManager,
  schoolId: string,
  c: ScannedTraces,
  consent: readonly ConsentPurpose[],
  chunk: number,
  s: CatalogCounts,
): Promise<CatalogIds> {
  const skillCodes = [...new Set([...c.qMatrix.values()].flat())];
  const skills = await upsertByKey(
    m,
    "skill",
    schoolId,
    "code",
    skillCodes,
    chunk,
    s.skills,
    ["name", "description"],
    ["text", "text"],
    (code) => [code === UNKNOWN_SKILL_CODE ? "Unknown skill (imported without a skill id)" : `Skill ${code}`, ""],
  );
  const items = [...c.qMatrix.keys()];
  const tasks = await upsertByKey(
    m,
    "task",
    schoolId,
    "code",
    items,
    chunk,
    s.tasks,
    ["title", "kind", "expected_duration_seconds"],
    ["text", "text", "int"],
    (code) => [`Item ${code}`, TaskKind.Exercise, 60],
  );
  const cells: [string, string][] = [];
  for (const [item, codes] of c.qMatrix) for (const code of codes) cells.push([tasks.get(item)!, skills.get(code)!]);
  for (let i = 0; i < cells.length; i += chunk) {
    const part = cells.slice(i, i + chunk);
    const added: unknown[] = await m.query(
      `INSERT INTO task_skill (id, school_id, task_id, skill_id, weight)
       SELECT u.id, $1, u.task_id, u.skill_id, 1 FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS u(id, task_id, skill_id)
       ON CONFLICT (task_id, skill_id) DO NOTHING RETURNING 1`,
      [schoolId, part.map(() => uuidv7()), part.map((p) => p[0]), part.map((p) => p[1])],
    );
    s.taskSkills.added += added.length;
    s.taskSkills.present += part.length - added.length;
  }
  const learners = await upsertByKey(m, "learner", schoolId, "external_ref", c.users, chunk, s.learners, [], [], () => []);
  for (const purpose of consent) {
    const learnerIds = [...learners.values()];
    for (let i = 0; i < learnerIds.length; i += chunk) {
      const part = learnerIds.slice(i, i + chunk);
      const added: unknown[] = await m.query(
        `INSERT INTO consent (id, school_id, learner_id, purpose, granted, granted_by)
         SELECT u.id, $1, u.learner_id, $2, true, $3 FROM unnest($4::uuid[], $5::uuid[]) AS u(id, learner_id)
         ON CONFLICT (learner_id, purpose) DO NOTHING RETURNING 1`,
        [schoolId, purpose, ConsentGrantor.School, part.map(() => uuidv7()), part],
      );
      s.consents.added += added.length;
      s.consents.present += part.length - added.length;
    }
  }
  return { tasks, learners };
}

/**
 * Inserts the keys missing from the school (`ON CONFLICT DO NOTHING`) and returns key → id for all.
 * Counts what was added and what was already there.
 */
async function upsertByKey(
  m: EntityManager,
  table: "skill" | "task" | "learner",
  schoolId: string,
  keyCol: "code" | "external_ref",
  keys: readonly string[],
  chunk: number,
  counts: Counts,
  extraCols: string[],
  extraTypes: string[],
  extra: (key: string) => unknown[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const conflict = table === "learner" ? `(school_id, external_ref) WHERE external_ref IS NOT NULL` : `(school_id, code)`;
  for (let i = 0; i < keys.length; i += chunk) {
    const part = keys.slice(i, i + chunk);
    const extras = part.map(extra);
    const cols = ["id", keyCol, ...extraCols];
    const arrays: unknown[][] = [part.map(() => uuidv7()), part, ...extraCols.map((_, c) => extras.map((e) => e[c]))];
    const types = ["uuid", "text", ...extraTypes];
    const added: unknown[] = await m.query(
      `INSERT INTO "${table}" (school_id, ${cols.join(", ")})
       SELECT $1, ${cols.map((c) => `u.${c}`).join(", ")} FROM unnest(${types.map((t, k) => `$${k + 2}::${t}[]`).join(", ")}) AS u(${cols.join(", ")})
       ON CONFLICT ${conflict} DO NOTHING RETURNING 1`,
      [schoolId, ...arrays],
    );
    counts.added += added.length;
    counts.present += part.length - added.length;
    const found: { id: string; key: string }[] = await m.query(
      `SELECT id, ${keyCol} AS key FROM "${table}" WHERE school_id = $1 AND ${keyCol} = ANY($2::text[])`,
      [schoolId, part],
    );
    for (const f of found) out.set(f.key, f.id);
  }
  return out;
}
