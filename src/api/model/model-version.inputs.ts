import { Field, InputType } from "type-graphql";
import { IsOptional, MaxLength } from "class-validator";
import { formatBound, MAX_NOTES_LENGTH } from "../../services/common/input-bounds.js";

@InputType({ description: "Omitted (or null) fields stay as they are." })
export class UpdateModelVersionInput {
  @Field(() => String, { nullable: true, description: `The operator's notes (at most ${formatBound(MAX_NOTES_LENGTH)} characters).` })
  @IsOptional()
  @MaxLength(MAX_NOTES_LENGTH)
  notes?: string | null;
}
