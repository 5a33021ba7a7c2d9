import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { ModelStatus, ModelStatusValues, ModelVersionConnection, ModelVersionType } from "./model-version.type.js";
import { AuditKind, AuditKindValues, AuditReportConnection, AuditReportType } from "./audit-report.type.js";
import { JobRunType } from "../jobs/job-run.type.js";
import { UpdateModelVersionInput } from "./model-version.inputs.js";
import { NotFoundError } from "../../services/common/domain-error.js";

/** Trained models and their audits: admins, analysts and services read; admins annotate. */
@Resolver(() => ModelVersionType)
export class ModelVersionResolver {
  @Query(() => ModelVersionConnection, { description: "The school's model versions, oldest first (admins, analysts, services)." })
  async modelVersions(
    @Args() page: ConnectionArgs,
    @Arg("status", () => ModelStatusValues, { nullable: true }) status: ModelStatus | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<ModelVersionConnection> {
    return toConnection(await ctx.services.models.list(ctx.actor(), { status }, page), ModelVersionType.from);
  }

  @Query(() => ModelVersionType)
  async modelVersion(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<ModelVersionType> {
    return ModelVersionType.from(await ctx.services.models.get(ctx.actor(), id));
  }

  @Query(() => ModelVersionType, { nullable: true, description: "The model serving the school; null when none is active." })
  async activeModel(@Ctx() ctx: ApiContext): Promise<ModelVersionType | null> {
    const mv = await ctx.services.models.active(ctx.actor());
    return mv ? ModelVersionType.from(mv) : null;
  }

  @Mutation(() => ModelVersionType, { description: "Annotates a model version (admins only)." })
  async updateModelVersion(
    @Arg("id", () => UUID) id: string,
    @Arg("input") input: UpdateModelVersionInput,
    @Ctx() ctx: ApiContext,
  ): Promise<ModelVersionType> {
    return ModelVersionType.from(await ctx.services.models.update(ctx.actor(), id, input));
  }

  @FieldResolver(() => AuditReportConnection, { description: "The audits of this version." })
  async auditReports(@Root() mv: ModelVersionType, @Args() page: ConnectionArgs, @Ctx() ctx: ApiContext): Promise<AuditReportConnection> {
    return toConnection(await ctx.services.models.audits(ctx.actor(), mv.id, page), AuditReportType.from);
  }
}

@Resolver(() => AuditReportType)
export class AuditReportResolver {
  @Query(() => AuditReportConnection, { description: "The audits of a model version (admins, analysts, services)." })
  async auditReports(
    @Arg("modelVersionId", () => UUID) modelVersionId: string,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: ApiContext,
  ): Promise<AuditReportConnection> {
    return toConnection(await ctx.services.models.audits(ctx.actor(), modelVersionId, page), AuditReportType.from);
  }

  @Query(() => AuditReportType)
  async auditReport(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<AuditReportType> {
    return AuditReportType.from(await ctx.services.models.audit(ctx.actor(), id));
  }

  @Mutation(() => JobRunType, {
    description:
      "Enqueues an audit of a model version of the school (admins): the worker audits it on the school's evaluation learners it was not trained on, with the data as it stands, and stores an AuditReport (its page: AuditReport.url). Returns the run (QUEUED). Only FAIRNESS is available (BAD_USER_INPUT otherwise). NOT_FOUND: no such version in the school; CONFLICT: no version given and no active model.",
  })
  async runAudit(
    @Arg("kind", () => AuditKindValues) kind: AuditKind,
    @Arg("modelVersionId", () => UUID, { nullable: true, description: "Default: the active version." }) modelVersionId: string | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<JobRunType> {
    return JobRunType.from(await ctx.services.audits.requestAudit(ctx.actor(), kind, modelVersionId));
  }

  @FieldResolver(() => ModelVersionType)
  async modelVersion(@Root() report: AuditReportType, @Ctx() ctx: ApiContext): Promise<ModelVersionType> {
    const mv = await ctx.loaders.modelVersion.load(report.modelVersionId);
    if (!mv) throw new NotFoundError("ModelVersion", report.modelVersionId);
    return ModelVersionType.from(mv);
  }
}
