/**
 * Every encrypted column, in one list: what the re-encryption pass walks (reencrypt.ts), what the key
 * check counts, and what docs/operations.md ("Personal data at rest") lists. A value's *context* — the
 * associated data it is bound to — is "table.column:row key": the row's id, or for a protected attribute
 * its natural key (learner id / attribute name), which an upsert keeps whatever id the row was given.
 */
export interface EncryptedColumn {
  readonly table: string;
  readonly column: string;
  /** The primary key the pass pages by. */
  readonly pk: string;
  /** SQL for the row key of the context (over the table's own columns). */
  readonly rowKeySql: string;
  /** The value: one string, or a list of strings (stored as one JSON array). */
  readonly kind: "text" | "list";
}

function column(table: string, column: string, pk: string, kind: EncryptedColumn["kind"], rowKeySql = `${pk}::text`): EncryptedColumn {
  return { table, column, pk, rowKeySql, kind };
}

export const LEARNER_DISPLAY_NAME = column("learner_profile", "display_name_enc", "learner_id", "text");
export const LEARNER_EMAIL = column("learner_profile", "email_enc", "learner_id", "text");
export const LEARNER_INTERESTS = column("learner", "interests_enc", "id", "list");
export const ATTRIBUTE_VALUE = column("learner_attribute", "value_enc", "id", "text", `learner_id::text || '/' || name`);
export const GOAL_TITLE = column("goal", "title_enc", "id", "text");
export const TEACHER_NAME = column("teacher", "display_name_enc", "id", "text");
export const XAPI_STATEMENT = column("xapi_statement", "statement_enc", "row_id", "text", `school_id::text || '/' || id::text`);
export const XAPI_ATTACHMENT = column("xapi_attachment", "content_enc", "row_id", "text", `school_id::text || '/' || sha2`);
export const XAPI_DOCUMENT = column("xapi_document", "content_enc", "id", "text");
export const XAPI_INDEX_KEY = column("xapi_index_key", "secret_enc", "id", "text");

export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  LEARNER_DISPLAY_NAME,
  LEARNER_EMAIL,
  LEARNER_INTERESTS,
  ATTRIBUTE_VALUE,
  GOAL_TITLE,
  TEACHER_NAME,
  XAPI_STATEMENT,
  XAPI_ATTACHMENT,
  XAPI_DOCUMENT,
  XAPI_INDEX_KEY,
];

/** The associated data of the value of `col` in the row whose key is `rowKey`. */
export function contextOf(col: EncryptedColumn, rowKey: string): string {
  return `${col.table}.${col.column}:${rowKey}`;
}

/** A protected attribute's row key: its learner and its name (see the module comment). */
export function attributeKey(learnerId: string, name: string): string {
  return `${learnerId}/${name}`;
}
