import { IsOptional, MaxLength } from "class-validator";
import { Field, InputType } from "type-graphql";
import { MAX_UPLOAD_ZIP_BYTES } from "../../services/roster/roster-import.service.js";
import { MAX_FIELD_LENGTH } from "../../services/roster/oneroster-format.js";

/** Base64 of the largest zip accepted: 4 characters per 3 bytes. */
const MAX_PACKAGE_CHARS = Math.ceil(MAX_UPLOAD_ZIP_BYTES / 3) * 4;

@InputType({ description: "A OneRoster 1.1 CSV package to import into the caller's school." })
export class ImportOneRosterInput {
  @Field({
    description: `The package as a zip file (manifest.csv and the data files it declares), base64-encoded: at most ${MAX_PACKAGE_CHARS.toLocaleString("en-US")} characters (a ${MAX_UPLOAD_ZIP_BYTES.toLocaleString("en-US")}-byte zip). Larger packages: npm run import:oneroster.`,
  })
  @MaxLength(MAX_PACKAGE_CHARS)
  package!: string;

  @Field(() => String, {
    nullable: true,
    description: `The sourcedId of the package's org that is this school: at most ${MAX_FIELD_LENGTH} characters. Needed the first time, unless the package holds one school.`,
  })
  @IsOptional()
  @MaxLength(MAX_FIELD_LENGTH)
  schoolSourcedId?: string | null;

  @Field({ defaultValue: false, description: "Check everything and report what would change, writing nothing." })
  dryRun!: boolean;

  @Field({
    defaultValue: false,
    description:
      "Read demographics.csv into the students' protected attributes (sex, race, hispanicOrLatino), for the fairness audit only; otherwise it is skipped unread.",
  })
  demographics!: boolean;
}
