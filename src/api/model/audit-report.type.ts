import { Field, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, JSONObject, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import { AuditKind } from "../../services/model/model-version.service.js";
import type { AuditReport } from "../../persistence/model/audit-report.entity.js";

export const AuditKindValues = Object.fromEntries(Object.values(AuditKind).map((v) => [v, v])) as { readonly [K in AuditKind]: K };
registerEnumType(AuditKindValues, { name: "AuditKind", description: "A privacy or a fairness audit." });
export { AuditKind };

const asObject = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };

@ObjectType("AuditReport", {
  description: "The result of one audit of a model version: figures, pass/fail per check, a readable rendering.",
})
export class AuditReportType {
  @Field(() => UUID) id!: string;
  @Field(() => UUID) modelVersionId!: string;
  @Field(() => AuditKindValues) kind!: AuditKind;
  @Field({
    description:
      "Whether the audit lets the version go live: true when no check failed (a NOT_AUDITABLE audit passes unless the server requires audits to be possible).",
  })
  passed!: boolean;
  @Field({ description: "PASSED, FAILED or NOT_AUDITABLE." }) status!: string;
  @Field({
    description:
      "The outcome in a sentence: each failing check with its attribute, group, metric, gap and p-value, or why nothing could be audited.",
  })
  reason!: string;
  @Field({ description: "The report as a self-contained HTML page (a path on this server; GET it with an admin's bearer token)." })
  url!: string;
  @Field(() => [JSONObject], { description: "One object per check: { name, passed, value, threshold, … }." }) checks!: Record<
    string,
    unknown
  >[];
  @Field(() => JSONObject, { description: "The audit's figures (per group metrics, gaps, …)." }) figures!: Record<string, unknown>;
  @Field({ description: "A human-readable rendering (Markdown)." }) rendering!: string;
  @Field(() => DateTime) createdAt!: Date;

  static from(e: AuditReport): AuditReportType {
    const figures = asObject(e.figures ?? {});
    return Object.assign(new AuditReportType(), {
      status: typeof figures.status === "string" ? figures.status : e.passed ? "PASSED" : "FAILED",
      reason: typeof figures.reason === "string" ? figures.reason : "",
      url: `/audit-reports/${e.id}`,
      id: e.id,
      modelVersionId: e.modelVersionId,
      kind: e.kind,
      passed: e.passed,
      checks: (Array.isArray(e.checks) ? e.checks : []).map(asObject),
      figures,
      rendering: e.rendering,
      createdAt: e.createdAt,
    });
  }
}

@ObjectType()
export class AuditReportConnection extends Connection(AuditReportType, "AuditReport") {}
