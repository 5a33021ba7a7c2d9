import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { CreateXapiCredentialInput } from "./xapi-credential.inputs.js";
import { XapiCredentialIssuedType, XapiCredentialType } from "./xapi-credential.type.js";

/** A school's xAPI credentials: admins only. */
@Resolver(() => XapiCredentialType)
export class XapiCredentialResolver {
  @Query(() => [XapiCredentialType], { description: "The school's xAPI credentials, oldest first, revoked ones included (admins)." })
  async xapiCredentials(@Ctx() ctx: ApiContext): Promise<XapiCredentialType[]> {
    return (await ctx.services.xapiCredentials.list(ctx.actor())).map(XapiCredentialType.from);
  }

  @Mutation(() => XapiCredentialIssuedType, {
    description: "Issues an xAPI credential (admins): its key and secret are an xAPI client's HTTP Basic user and password.",
  })
  async createXapiCredential(@Arg("input") input: CreateXapiCredentialInput, @Ctx() ctx: ApiContext): Promise<XapiCredentialIssuedType> {
    const issued = await ctx.services.xapiCredentials.create(ctx.actor(), input);
    return Object.assign(new XapiCredentialIssuedType(), { credential: XapiCredentialType.from(issued.credential), secret: issued.secret });
  }

  @Mutation(() => XapiCredentialType, { description: "Revokes an xAPI credential (admins): refused from now on." })
  async revokeXapiCredential(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<XapiCredentialType> {
    return XapiCredentialType.from(await ctx.services.xapiCredentials.revoke(ctx.actor(), id));
  }
}
