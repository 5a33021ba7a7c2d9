import { Field, Int, ObjectType } from "type-graphql";
import type { RosterCounts, RosterSummary } from "../../services/roster/roster-import.service.js";

@ObjectType("RosterCounts", { description: "What an import did to one kind of row (or, in a dry run, would do)." })
export class RosterCountsType {
  @Field(() => Int) created!: number;
  @Field(() => Int) updated!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => Int) deleted!: number;

  static from(c: RosterCounts): RosterCountsType {
    return Object.assign(new RosterCountsType(), { created: c.created, updated: c.updated, unchanged: c.unchanged, deleted: c.deleted });
  }
}

@ObjectType("RosterSkip", { description: "Rows or a file read and deliberately not imported." })
export class RosterSkipType {
  @Field() file!: string;
  @Field(() => Int, { description: "Rows skipped; 0 for a whole file." }) rows!: number;
  @Field() why!: string;
}

@ObjectType("RosterImportSummary", { description: "What a OneRoster import did: schools, cohorts, learners, teachers, memberships." })
export class RosterImportSummaryType {
  @Field({ description: 'The package\'s OneRoster version ("1.1").' }) version!: string;
  @Field({ description: "True when nothing was written (a dry run)." }) dryRun!: boolean;
  @Field(() => RosterCountsType) schools!: RosterCountsType;
  @Field(() => RosterCountsType, { description: "Classes, as cohorts." }) cohorts!: RosterCountsType;
  @Field(() => RosterCountsType, { description: "Students, as learners." }) learners!: RosterCountsType;
  @Field(() => RosterCountsType) teachers!: RosterCountsType;
  @Field(() => RosterCountsType, { description: "Enrollments: learners' memberships and teachers' assignments." })
  memberships!: RosterCountsType;
  @Field(() => RosterCountsType, { description: "Protected attributes from demographics.csv (only when asked for)." })
  attributes!: RosterCountsType;
  @Field(() => [RosterSkipType]) skipped!: RosterSkipType[];
  /** The learners the import changed, for the access log (learner-data.ts LEARNER_OF_RESULT); not a field. */
  learnerIds!: readonly string[];

  static from(s: RosterSummary): RosterImportSummaryType {
    return Object.assign(new RosterImportSummaryType(), {
      version: s.version,
      dryRun: s.dryRun,
      schools: RosterCountsType.from(s.schools),
      cohorts: RosterCountsType.from(s.cohorts),
      learners: RosterCountsType.from(s.learners),
      teachers: RosterCountsType.from(s.teachers),
      memberships: RosterCountsType.from(s.memberships),
      attributes: RosterCountsType.from(s.attributes),
      skipped: s.skipped.map((k) => Object.assign(new RosterSkipType(), { file: k.file, rows: k.rows, why: k.why })),
      learnerIds: s.learnerIds,
    });
  }
}
