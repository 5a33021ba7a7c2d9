import { Field, ObjectType, registerEnumType } from "type-graphql";
import { UUID } from "../common/scalars.js";
import type { XapiCredentialRow, XapiScope } from "../../persistence/xapi/xapi-credential.store.js";

export enum XapiScopeValues {
  WRITE = "WRITE",
  READ = "READ",
  ALL = "ALL",
}
registerEnumType(XapiScopeValues, {
  name: "XapiScope",
  description: "What an xAPI credential may do: WRITE statements, READ them, or ALL of it.",
});

@ObjectType("XapiCredential", { description: "An HTTP Basic key/secret pair an xAPI client uses (the secret is never shown again)." })
export class XapiCredentialType {
  @Field(() => UUID) id!: string;
  @Field({ description: "The Basic authentication user name: public." }) key!: string;
  @Field() label!: string;
  @Field(() => XapiScopeValues) scope!: XapiScope;
  @Field({ description: "Whether a statement from an actor the school does not know creates the learner." }) createLearners!: boolean;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true, description: "When it was revoked; null while it works." }) revokedAt!: Date | null;

  static from(c: XapiCredentialRow): XapiCredentialType {
    return Object.assign(new XapiCredentialType(), {
      id: c.id,
      key: c.key,
      label: c.label,
      scope: c.scope,
      createLearners: c.createLearners,
      createdAt: c.createdAt,
      revokedAt: c.revokedAt,
    });
  }
}

@ObjectType("XapiCredentialIssued", { description: "A new credential and its secret: store the secret now, it is not kept." })
export class XapiCredentialIssuedType {
  @Field(() => XapiCredentialType) credential!: XapiCredentialType;
  @Field({ description: "The Basic authentication password, shown this once." }) secret!: string;
}
