/**
 * The privacy audit's checks other than suppression and membership, as pure verdicts over what
 * persistence/audit/privacy-inputs.ts read (privacy-audit.types.ts says what each check means).
 */
import type { PrivacyGuarantee } from "../../engine/meta/dp-sgd.js";
import type { PrivacyBudget } from "./training-privacy.service.js";
import { plural } from "../../shared/plural.js";
import type { RelationColumn, ReceiptRow, RoleReach } from "../../persistence/audit/privacy-inputs.js";
import { ATTRIBUTE_VALUE, ENCRYPTED_COLUMNS, LEARNER_DISPLAY_NAME } from "../../persistence/crypto/encrypted-columns.js";
import { PrivacyCheckName, type PrivacyCheck } from "./privacy-audit.types.js";
import { learnerHash } from "../privacy/learner-hash.js";
import { erasureKeyId } from "../privacy/learner-hash.js";

/** Column names that hold personal data wherever they appear (an analytics relation must not release one). */
const PERSONAL_NAMES = new Set([
  "learner_id",
  "external_ref",
  "display_name",
  "email",
  "interests",
  ...ENCRYPTED_COLUMNS.flatMap((c) => [c.column, c.column.replace(/_enc$/, "")]).filter((n) => n !== "title" && n !== "value"),
]);
/** Tables no analytics view may read at all: profiles, protected attributes, receipts. */
const PERSONAL_TABLES = new Set([LEARNER_DISPLAY_NAME.table, ATTRIBUTE_VALUE.table, "erasure_receipt"]);
const ENCRYPTED = new Set(ENCRYPTED_COLUMNS.map((c) => `${c.table}.${c.column}`));

/** CATALOGUE: no personal column released by or read into `analytics`, and no BI role reaching beyond it. */
export function catalogueCheck(
  relations: ReadonlyMap<string, readonly RelationColumn[]>,
  reads: readonly { view: string; tableSchema: string; table: string; column: string }[],
  roles: readonly RoleReach[],
): PrivacyCheck {
  const released = [...relations].flatMap(([rel, cols]) =>
    cols
      .filter((c) => PERSONAL_NAMES.has(c.name) || (c.type === "uuid" && /learner/.test(c.name)))
      .map((c) => `analytics.${rel}.${c.name}`),
  );
  const read = reads
    .filter((r) => PERSONAL_TABLES.has(r.table) || ENCRYPTED.has(`${r.table}.${r.column}`) || r.column === "external_ref")
    .map((r) => `${r.view} reads ${r.tableSchema}.${r.table}.${r.column}`);
  const reach = roles
    .filter((r) => r.beyond.length > 0)
    .map((r) => `${r.role}: ${r.beyond.slice(0, 5).join(", ")}${r.beyond.length > 5 ? ", …" : ""}`);
  const problems = [...released, ...read, ...reach];
  const columns = [...relations.values()].reduce((s, c) => s + c.length, 0);
  return {
    name: PrivacyCheckName.Catalogue,
    status: problems.length ? "FAIL" : "PASS",
    reason: problems.length
      ? `personal data reachable from analytics: ${problems.slice(0, 8).join("; ")}${problems.length > 8 ? "; …" : ""}`
      : `${relations.size} analytics relations (${columns} columns) release no personal column and read none; ${roles.length} BI role(s), none reaching beyond analytics`,
    figures: {
      relations: relations.size,
      columns,
      personalColumnsReleased: released.length,
      personalColumnsRead: read.length,
      biRoles: roles.length,
      biRolesBeyondAnalytics: reach.length,
    },
  };
}

/**
 * RETENTION: no attempt older than the period, nor xAPI statement stored or document written before it,
 * nor served recommendation logged before it (the recommendation log goes by the attempts' period), with
 * a day's grace for the daily job (retentionCutoff's day).
 */
export function retentionCheck(
  retentionDays: number | null,
  cutoff: Date | null,
  found: { count: number; oldest: Date | null },
  xapi: { statements: number; documents: number } = { statements: 0, documents: 0 },
  recommendationRows = 0,
): PrivacyCheck {
  const name = PrivacyCheckName.Retention;
  const oldest = found.oldest?.toISOString() ?? null;
  if (retentionDays === null || cutoff === null)
    return {
      name,
      status: "PASS",
      reason: "no retention period is configured (ZPD_RETENTION_DAYS): attempts are kept",
      figures: { retentionDays: null, oldest },
    };
  const figures = {
    retentionDays,
    cutoff: cutoff.toISOString(),
    attemptsOlder: found.count,
    oldest,
    xapiStatementsOlder: xapi.statements,
    xapiDocumentsOlder: xapi.documents,
    recommendationLogRowsOlder: recommendationRows,
  };
  const over = [
    found.count > 0 ? plural(found.count, "attempt") : null,
    xapi.statements > 0 ? plural(xapi.statements, "xAPI statement") : null,
    xapi.documents > 0 ? plural(xapi.documents, "xAPI document") : null,
    recommendationRows > 0 ? plural(recommendationRows, "recommendation-log row") : null,
  ].filter(Boolean);
  return over.length > 0
    ? {
        name,
        status: "FAIL",
        reason: `${over.join(", ")} ${over.length === 1 && over[0]!.startsWith("1 ") ? "is" : "are"} older than the ${retentionDays}-day retention period allows (before ${cutoff.toISOString()})`,
        figures,
      }
    : {
        name,
        status: "PASS",
        reason: `no attempt, xAPI statement or document, nor logged recommendation, before ${cutoff.toISOString()} (${retentionDays} days and the daily job's grace day)`,
        figures,
      };
}

/**
 * ERASURE: each receipt's hash matched against every learner id the data still holds and every learner
 * of the model's training snapshot (null: no snapshot to check). A receipt hashed under a key no longer
 * held cannot be matched: counted, and the check is then a soft NOT_AUDITABLE if nothing failed. A
 * stored version trained on learners erased since (`erasedSince`, counted at each erasure) fails: its
 * weights still encode them, and the erasure asked for a retraining.
 */
export function erasureCheck(
  receipts: readonly ReceiptRow[],
  keys: readonly Buffer[],
  inData: ReadonlySet<string>,
  snapshot: readonly string[] | null,
  erasedSince = 0,
): PrivacyCheck {
  const name = PrivacyCheckName.Erasure;
  const byId = new Map(keys.map((k) => [erasureKeyId(k), k]));
  const usable = receipts.filter((r) => byId.has(r.keyId));
  const unverifiable = receipts.length - usable.length;
  const hashesUnder = (ids: Iterable<string>) => {
    const found = new Set<string>();
    for (const key of new Set(usable.map((r) => byId.get(r.keyId)!))) for (const id of ids) found.add(learnerHash(key, id));
    return found;
  };
  const dataHashes = usable.length ? hashesUnder(inData) : new Set<string>();
  const snapshotHashes = usable.length && snapshot ? hashesUnder(snapshot) : new Set<string>();
  const inDataStill = usable.filter((r) => dataHashes.has(r.learnerHash)).map((r) => r.id);
  const inSnapshot = usable.filter((r) => snapshotHashes.has(r.learnerHash)).map((r) => r.id);
  const figures = {
    receipts: receipts.length,
    verified: usable.length,
    unverifiable,
    stillInData: inDataStill.length,
    inTrainingSnapshot: inSnapshot.length,
    learnerIdsInData: inData.size,
    snapshotLearners: snapshot?.length ?? null,
    erasedSinceTraining: erasedSince,
  };
  if (inDataStill.length || inSnapshot.length || erasedSince > 0)
    return {
      name,
      status: "FAIL",
      reason: [
        inDataStill.length && `${inDataStill.length} erased learner(s) still in the data (receipts ${inDataStill.slice(0, 3).join(", ")})`,
        inSnapshot.length &&
          `${inSnapshot.length} erased learner(s) in the model's training snapshot (receipts ${inSnapshot.slice(0, 3).join(", ")})`,
        erasedSince > 0 && `the version was trained on ${erasedSince} learner(s) erased since, whom its weights still encode: retrain`,
      ]
        .filter(Boolean)
        .join("; "),
      figures,
    };
  const against = snapshot ? "the data and the training snapshot" : "the data (no training snapshot to check)";
  if (unverifiable)
    return {
      name,
      status: "NOT_AUDITABLE",
      soft: true,
      reason: `${unverifiable} of ${receipts.length} receipts are hashed under a key no longer held (ZPD_PROFILE_KEYS_OLD) and cannot be matched; the other ${usable.length} are absent from ${against}`,
      figures,
    };
  return { name, status: "PASS", reason: `all ${receipts.length} erased learners are absent from ${against}`, figures };
}

/**
 * CONSENT: the training snapshot's learners without TRAINING consent. `atTraining`: the snapshot was just
 * taken (a retraining): any such learner is a FAIL. Otherwise (a stored version) consent may have been
 * withdrawn since: counted and stated, not a failure — like an erasure, the next retraining forgets them.
 */
export function consentCheck(snapshot: readonly string[] | null, without: readonly string[], atTraining: boolean): PrivacyCheck {
  const name = PrivacyCheckName.Consent;
  if (!snapshot)
    return {
      name,
      status: "NOT_AUDITABLE",
      reason: "the version's training learners were not recorded: cannot audit",
      figures: { snapshotLearners: null },
    };
  const figures = { snapshotLearners: snapshot.length, withoutTrainingConsent: without.length };
  if (without.length === 0)
    return { name, status: "PASS", reason: `all ${snapshot.length} training learners have TRAINING consent`, figures };
  return atTraining
    ? {
        name,
        status: "FAIL",
        reason: `${without.length} of the ${snapshot.length} learners in the training snapshot have no TRAINING consent`,
        figures,
      }
    : {
        name,
        status: "PASS",
        reason: `${without.length} of the ${snapshot.length} training learners have withdrawn TRAINING consent since; the next retraining leaves them out`,
        figures,
      };
}

/**
 * DIFFERENTIAL_PRIVACY: with the school's privacy budget for training set (training-privacy.service.ts),
 * the model was trained with DP-SGD to a guarantee within it: ε ≤ the budget's ε and δ ≤ its δ (or
 * 1 / the training learners when the budget leaves δ to the default). Without a budget it passes, and
 * reports the guarantee a model has anyway.
 */
export function differentialPrivacyCheck(budget: PrivacyBudget | null, guarantee: PrivacyGuarantee | null): PrivacyCheck {
  const name = PrivacyCheckName.DifferentialPrivacy;
  const figures = {
    budgetEpsilon: budget?.epsilon ?? null,
    budgetDelta: budget?.delta ?? null,
    epsilon: guarantee && Number.isFinite(guarantee.epsilon) ? guarantee.epsilon : null,
    delta: guarantee?.delta ?? null,
    noiseMultiplier: guarantee?.noiseMultiplier ?? null,
    steps: guarantee?.steps ?? null,
  };
  if (!budget)
    return {
      name,
      status: "PASS",
      reason: guarantee
        ? `no privacy budget is set; the model was trained with DP-SGD at ε = ${fmt(guarantee.epsilon)}, δ = ${fmt(guarantee.delta)}`
        : "no privacy budget is set (trained without differential privacy)",
      figures,
    };
  if (!guarantee)
    return { name, status: "FAIL", reason: `the school's budget is ε = ${fmt(budget.epsilon)}: the model was trained without DP`, figures };
  const deltaBound = budget.delta ?? 1 / guarantee.learners;
  const within = (x: number, bound: number) => x <= bound * (1 + 1e-9);
  if (!within(guarantee.epsilon, budget.epsilon) || !within(guarantee.delta, deltaBound))
    return {
      name,
      status: "FAIL",
      reason: `trained at ε = ${fmt(guarantee.epsilon)}, δ = ${fmt(guarantee.delta)}: beyond the school's budget ε = ${fmt(budget.epsilon)}, δ = ${fmt(deltaBound)}`,
      figures,
    };
  return {
    name,
    status: "PASS",
    reason: `trained with DP-SGD at ε = ${fmt(guarantee.epsilon)}, δ = ${fmt(guarantee.delta)}, within the school's budget ε = ${fmt(budget.epsilon)}, δ = ${fmt(deltaBound)}`,
    figures,
  };
}

const fmt = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : "∞");
