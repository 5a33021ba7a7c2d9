import { Length } from "class-validator";
import { Field, InputType } from "type-graphql";
import { UUID } from "../common/scalars.js";
import { MAX_AGENT_JSON_LENGTH } from "../../services/xapi/xapi-mapping.service.js";

@InputType({ description: "Which learner of the school an xAPI agent is." })
export class LinkXapiAgentInput {
  @Field(() => UUID) learnerId!: string;

  @Field({
    description: `The agent as xAPI JSON, e.g. {"account":{"homePage":"https://lms.example","name":"s-17"}}: at least 2, at most ${MAX_AGENT_JSON_LENGTH} characters.`,
  })
  @Length(2, MAX_AGENT_JSON_LENGTH)
  agent!: string;
}
