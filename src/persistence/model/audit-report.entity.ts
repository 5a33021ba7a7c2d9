import { Column, Entity, Index, ManyToOne } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { ModelVersion } from "./model-version.entity.js";

export enum AuditKind {
  Privacy = "PRIVACY",
  Fairness = "FAIRNESS",
}

/** The result of one audit of a model version: figures, pass/fail per check, a readable rendering. */
@Entity()
@Index(["modelVersionId"])
export class AuditReport extends SchoolRow {
  @Column("uuid")
  modelVersionId!: string;

  @Column({ type: "varchar", length: 16 })
  kind!: AuditKind;

  @Column("boolean")
  passed!: boolean;

  /** [{ name, passed, value, threshold }] */
  @Column({ type: "jsonb", default: () => "'[]'" })
  checks!: unknown[];

  @Column({ type: "jsonb", default: () => "'{}'" })
  figures!: Record<string, unknown>;

  /** Human-readable rendering (Markdown). */
  @Column({ type: "text", default: "" })
  rendering!: string;

  @ManyToOne(() => ModelVersion, { onDelete: "CASCADE" })
  modelVersion?: ModelVersion;
}
