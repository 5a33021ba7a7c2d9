/**
 * A school's curriculum compiled for the recommender (skills with prerequisites in DAG order, tasks
 * with their Q-matrix and topics), cached for a short time: it is read on every recommendation and
 * changes rarely. Edits through the API show up within `ttlMs`.
 */
import { DataSource } from "typeorm";
import { compileCurriculum, type CompiledCurriculum } from "../../engine/recommend/index.js";

interface Entry {
  at: number;
  curriculum: Promise<CompiledCurriculum>;
}

export class CurriculumCache {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  get(schoolId: string): Promise<CompiledCurriculum> {
    const hit = this.cache.get(schoolId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.curriculum;
    const curriculum = this.load(schoolId);
    this.cache.set(schoolId, { at: this.now(), curriculum });
    curriculum.catch(() => this.cache.delete(schoolId));
    return curriculum;
  }

  invalidate(schoolId: string): void {
    this.cache.delete(schoolId);
  }

  private async load(schoolId: string): Promise<CompiledCurriculum> {
    const q = (sql: string) => this.dataSource.query(sql, [schoolId]);
    const [skills, prereqs, tasks, cells] = await Promise.all([
      q(`SELECT id, name FROM skill WHERE school_id = $1 ORDER BY code, id`) as Promise<{ id: string; name: string }[]>,
      q(`SELECT skill_id, prerequisite_id FROM skill_prerequisite WHERE school_id = $1`) as Promise<{ skill_id: string; prerequisite_id: string }[]>,
      q(`SELECT id, topics FROM task WHERE school_id = $1 ORDER BY id`) as Promise<{ id: string; topics: string[] }[]>,
      q(`SELECT task_id, skill_id, weight FROM task_skill WHERE school_id = $1`) as Promise<{ task_id: string; skill_id: string; weight: number }[]>,
    ]);
    const pre = new Map<string, string[]>();
    for (const p of prereqs) pre.set(p.skill_id, [...(pre.get(p.skill_id) ?? []), p.prerequisite_id]);
    const q2 = new Map<string, { skillId: string; weight: number }[]>();
    for (const c of cells) q2.set(c.task_id, [...(q2.get(c.task_id) ?? []), { skillId: c.skill_id, weight: c.weight }]);
    return compileCurriculum({
      skills: skills.map((s) => ({ skillId: s.id, name: s.name, prerequisites: pre.get(s.id) ?? [] })),
      tasks: tasks.map((t) => ({ taskId: t.id, skills: q2.get(t.id) ?? [], topics: t.topics })),
    });
  }
}
