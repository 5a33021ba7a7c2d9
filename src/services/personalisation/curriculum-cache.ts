/**
 * A school's curriculum held in memory: compiled for the recommender (skills with prerequisites in
 * DAG order, tasks with their Q-matrix and topics), and the skill and task rows the API shows with
 * a recommendation or a path step. It is read on every recommendation, attempt and plan, and
 * changes rarely, so no request waits for it except the first of a school:
 *
 * - writes through this process's services drop the entry at once (`invalidate`), so the next read
 *   loads the new curriculum;
 * - edits made by another process (a worker's import, another server) show up within `ttlMs`: an
 *   entry older than that is still served while one background reload replaces it.
 */
import { DataSource } from "typeorm";
import { compileCurriculum, type CompiledCurriculum } from "../../engine/recommend/index.js";

/** The fields of a skill the API shows (SkillType). */
export interface SkillRow {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly description: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The fields of a task the API shows (TaskType). */
export interface TaskRow {
  readonly id: string;
  readonly code: string;
  readonly title: string;
  readonly kind: string;
  readonly topics: string[];
  readonly expectedDurationSeconds: number;
  readonly activityId: string | null;
  readonly difficulty: number | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface Catalogue {
  readonly curriculum: CompiledCurriculum;
  readonly skills: ReadonlyMap<string, SkillRow>;
  readonly tasks: ReadonlyMap<string, TaskRow>;
}

interface Entry {
  at: number;
  value: Promise<Catalogue>;
  refreshing: boolean;
}

export class CurriculumCache {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(schoolId: string): Promise<CompiledCurriculum> {
    return (await this.catalogue(schoolId)).curriculum;
  }

  catalogue(schoolId: string): Promise<Catalogue> {
    const hit = this.cache.get(schoolId);
    if (!hit) return this.loadInto(schoolId).value;
    if (this.now() - hit.at >= this.ttlMs && !hit.refreshing) this.refresh(schoolId, hit);
    return hit.value;
  }

  invalidate(schoolId: string): void {
    this.cache.delete(schoolId);
  }

  private loadInto(schoolId: string): Entry {
    const entry: Entry = { at: this.now(), value: this.load(schoolId), refreshing: false };
    this.cache.set(schoolId, entry);
    entry.value.catch(() => {
      if (this.cache.get(schoolId) === entry) this.cache.delete(schoolId);
    });
    return entry;
  }

  /** Reloads in the background; the old value is served until the new one is ready (or kept if the reload fails). */
  private refresh(schoolId: string, entry: Entry): void {
    entry.refreshing = true;
    const started = this.now();
    this.load(schoolId).then(
      (fresh) => {
        // An invalidation meanwhile wins: its reader loads anew.
        if (this.cache.get(schoolId) === entry) this.cache.set(schoolId, { at: started, value: Promise.resolve(fresh), refreshing: false });
      },
      () => {
        entry.refreshing = false;
        entry.at = this.now(); // try again after another ttl, not on every request
      },
    );
  }

  private async load(schoolId: string): Promise<Catalogue> {
    const q = (sql: string) => this.dataSource.query(sql, [schoolId]);
    const [skills, prereqs, tasks, cells] = await Promise.all([
      q(
        `SELECT id, code, name, description, created_at AS "createdAt", updated_at AS "updatedAt" FROM skill WHERE school_id = $1 ORDER BY code, id`,
      ) as Promise<SkillRow[]>,
      q(`SELECT skill_id, prerequisite_id FROM skill_prerequisite WHERE school_id = $1`) as Promise<
        { skill_id: string; prerequisite_id: string }[]
      >,
      q(`SELECT id, code, title, kind, topics, expected_duration_seconds AS "expectedDurationSeconds", difficulty, activity_id AS "activityId",
         created_at AS "createdAt", updated_at AS "updatedAt"
         FROM task WHERE school_id = $1 ORDER BY id`) as Promise<TaskRow[]>,
      q(`SELECT task_id, skill_id, weight FROM task_skill WHERE school_id = $1`) as Promise<
        { task_id: string; skill_id: string; weight: number }[]
      >,
    ]);
    const pre = new Map<string, string[]>();
    for (const p of prereqs) pre.set(p.skill_id, [...(pre.get(p.skill_id) ?? []), p.prerequisite_id]);
    const q2 = new Map<string, { skillId: string; weight: number }[]>();
    for (const c of cells) q2.set(c.task_id, [...(q2.get(c.task_id) ?? []), { skillId: c.skill_id, weight: c.weight }]);
    const curriculum = compileCurriculum({
      skills: skills.map((s) => ({ skillId: s.id, name: s.name, prerequisites: pre.get(s.id) ?? [] })),
      tasks: tasks.map((t) => ({ taskId: t.id, skills: q2.get(t.id) ?? [], topics: t.topics })),
    });
    return { curriculum, skills: new Map(skills.map((s) => [s.id, s])), tasks: new Map(tasks.map((t) => [t.id, t])) };
  }
}
