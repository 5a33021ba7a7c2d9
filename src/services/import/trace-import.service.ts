/**
 * Imports traces in the benchmarks' folder format (docs/benchmarks/datasets.md) into one school: how an
 * operator brings history from another system (`npm run import`).
 *
 * Mapping (all rows belong to the one school; nothing personal is stored):
 * - skill   `code` = the external skill id, name "Skill <id>".
 * - task    `code` = the item id, title "Item <id>", kind EXERCISE, 60 s expected. Its Q-matrix:
 *           from items.csv when the folder has one (it wins: in the benchmark format attempts.csv's
 *           skill_id may use another numbering — in assist2009 it numbers the 149 skill COMBINATIONS,
 *           items.csv the 123 single skills — so mixing them would invent skills); an item missing
 *           from items.csv, or every item when there is no items.csv, gets the distinct non-missing
 *           skill_ids of its attempt rows. Each cell has weight 1 (as the benchmark loader: every
 *           skill of an item is fully exercised; the API's default too). An item left with no skill
 *           (only empty/NaN skill ids) gets the skill `import.unknown` ("Unknown skill"), so that its
 *           attempts still reach the models. The import only ADDS missing Q-matrix cells; it never
 *           removes or reweights those of an existing task.
 * - learner `external_ref` = user_id (a pseudonymous id; no profile is written).
 * - attempt `idempotency_key` = `import:<label>:<user_id>:<order_id>` (label = the folder's name
 *           unless given), `source` = "import", `score` = correct, no duration, no hints.
 *           `occurred_at` = base instant (default 2000-01-01T00:00:00Z) + order_id seconds: the
 *           format has no timestamps, so this keeps each learner's attempts in order_id order, places
 *           imported history before any live attempt, and is the same on every run. Every occurred_at
 *           lies in the API's window (input-bounds.ts): a base time before 2000, or an order_id that
 *           would date an attempt after the server's time plus the clock skew, is refused before
 *           anything is written.
 *
 * Consent: the traces come from another system, under that system's terms. The import records no
 * consent unless asked (`consent` purposes): then it writes a consent row granted by SCHOOL for each
 * imported learner WITHOUT a decision for that purpose (an existing one, granted or refused, is never
 * changed). By default nothing imported is used for training or personalisation.
 *
 * Learner states: every learner that received new attempts has its learner_state marked for rebuild
 * (attempt_count = its attempts, state '{}', model_version_id NULL), so that the next promotion or
 * recorded attempt replays the full history. The engine is not called here.
 *
 * Flow, one file a step: the options are checked (import-options.ts); items.csv is read and
 * attempts.csv streamed once, every line checked (a bad line stops the import before anything is
 * written) and kept as compact typed-array rows (trace-scan.ts); the catalogue (skills, tasks,
 * Q-matrix, learners, consents) is written in one transaction (catalog-writer.ts); then the attempts
 * in batches, each one transaction of `INSERT … ON CONFLICT DO NOTHING` from `unnest` arrays
 * (optionally a few batches in flight at once on PostgreSQL; attempt-batches.ts). A batch that fails
 * is not written; earlier ones stay, the error says which are committed, and a re-run skips them
 * (idempotent: a second run adds nothing). This file only runs the steps in order and says, when one
 * fails, what was written (import-summary.ts).
 *
 * Not checked: an attempt already present under its key is counted "already present" even if the
 * file now says something else for it (attempts are append-only facts; the first import wins).
 */
import { DataSource } from "typeorm";
import { BadInputError } from "../common/domain-error.js";
import { insertSchool } from "../school/school-fields.js";
import { checkImportOptions, ImportInputError, type ImportOptions } from "./import-options.js";
import { emptyTally, ImportFailedError, summarise, type ImportSummary } from "./import-summary.js";
import { scanTraces, type ScannedTraces } from "./trace-scan.js";
import { writeCatalog, type CatalogIds } from "./catalog-writer.js";
import { writeAttemptBatches } from "./attempt-batches.js";

// The import's public face (the CLI, the jobs benchmark and the tests import it from here).
export {
  DEFAULT_BASE_TIME,
  DEFAULT_BATCH,
  ImportInputError,
  MAX_BATCH,
  type ImportOptions,
  type ImportProgress,
} from "./import-options.js";
export { ImportFailedError, type Counts, type ImportSummary } from "./import-summary.js";
export { UNKNOWN_SKILL_CODE } from "./trace-scan.js";
export { IMPORT_SOURCE, MARK_FOR_REBUILD_SQL, WRITE_ATTEMPTS_SQL } from "./attempt-batches.js";

/** Creates a school for an import (`--create-school`). */
export async function createSchool(ds: DataSource, name: string, timeZone = "UTC"): Promise<string> {
  try {
    return (await insertSchool(ds, name, timeZone)).id;
  } catch (e) {
    if (e instanceof BadInputError) throw new ImportInputError(e.message);
    throw e;
  }
}

export class TraceImportService {
  constructor(private readonly ds: DataSource) {}

  async run(options: ImportOptions): Promise<ImportSummary> {
    const started = Date.now();
    const checked = await checkImportOptions(this.ds, options);
    const { schoolId, label } = checked;
    const progress = options.onProgress ?? (() => {});
    const s = emptyTally();
    const summary = (): ImportSummary => summarise(schoolId, label, s, started);

    // 1. Read and check everything before writing anything.
    let catalog: ScannedTraces;
    try {
      catalog = await scanTraces(checked, (done, total) => progress({ phase: "scan", done, total, unit: "bytes" }));
    } catch (e) {
      const why = (e as Error)?.message ?? String(e);
      throw new ImportFailedError(`${why}; nothing was written (the files are checked in full before anything is written)`, summary(), e);
    }
    s.itemsWithoutQMatrixRow = catalog.itemsWithoutQMatrixRow;
    s.tasksWithUnknownSkill = catalog.tasksWithUnknownSkill;

    // 2. The catalogue, in one transaction.
    progress({ phase: "catalog", done: 0, total: catalog.rows.length, unit: "attempts" });
    let ids: CatalogIds;
    try {
      ids = await this.ds.transaction((m) => writeCatalog(m, schoolId, catalog, options.consent ?? [], checked.batchSize, s));
    } catch (e) {
      // The transaction rolled back: what it counted was never written.
      for (const c of [s.skills, s.tasks, s.taskSkills, s.learners, s.consents]) c.added = c.present = 0;
      throw new ImportFailedError(
        `${(e as Error)?.message ?? String(e)}; the catalogue (skills, tasks, learners) was rolled back: nothing was written`,
        summary(),
        e,
      );
    }

    // 3. The attempts, batch by batch (up to `concurrency` batches in flight on PostgreSQL).
    const failed = await writeAttemptBatches(this.ds, { checked, options, scanned: catalog, ids, tally: s, onProgress: progress });
    if (failed) throw new ImportFailedError(failed.message, summary(), failed.cause);
    return summary();
  }
}
