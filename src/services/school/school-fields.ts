/**
 * A school's own fields, checked and created in one place for every way a school comes to be:
 * the createSchool mutation, `npm run school:create`, and `npm run import -- --create-school`.
 */
import type { DataSource, EntityManager } from "typeorm";
import { BadInputError } from "../common/domain-error.js";
import { MAX_NAME_LENGTH as MAX_SCHOOL_NAME } from "../common/input-bounds.js";
import { School } from "../../persistence/school/school.entity.js";

/** The name, trimmed; 1 to 200 characters. */
export function checkSchoolName(name: string): string {
  const n = name.trim();
  if (n.length < 1 || n.length > MAX_SCHOOL_NAME)
    throw new BadInputError(`the school name must have 1 to ${MAX_SCHOOL_NAME} characters`, { field: "name" });
  return n;
}

/**
 * An IANA time zone (schedules are read in it), returned in its canonical spelling
 * ("europe/paris" → "Europe/Paris"). Offsets such as "+01:00" are refused: they know no daylight saving.
 */
export function checkTimeZone(tz: string): string {
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat("en", { timeZone: tz.trim() }).resolvedOptions().timeZone;
  } catch {
    throw new BadInputError(`unknown time zone "${tz}" (expected an IANA name such as Europe/Paris or UTC)`, { field: "timeZone" });
  }
  if (!/^[A-Za-z]/.test(canonical))
    throw new BadInputError(`"${tz}" is an offset, not an IANA time zone (expected a name such as Europe/Paris or UTC)`, {
      field: "timeZone",
    });
  return canonical;
}

/** Checks the fields and inserts the school. */
export async function insertSchool(db: DataSource | EntityManager, name: string, timeZone = "UTC"): Promise<School> {
  const fields = { name: checkSchoolName(name), timeZone: checkTimeZone(timeZone) };
  const repo = db.getRepository(School);
  return repo.save(repo.create(fields));
}
