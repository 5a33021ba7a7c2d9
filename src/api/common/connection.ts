/**
 * Relay cursor connections. Every list in the API is a `XConnection { edges { cursor node } nodes
 * pageInfo }` paged with `first` / `after`; the largest page is configured (ZPD_MAX_PAGE_SIZE) and a
 * larger `first` is a BAD_USER_INPUT error.
 */
import { ArgsType, ClassType, Field, Int, ObjectType } from "type-graphql";
import { IsInt, IsOptional, MaxLength, Min } from "class-validator";
import { DEFAULT_PAGE_SIZE, type Page } from "../../services/common/pagination.js";
import { formatBound, MAX_CURSOR_LENGTH } from "../../services/common/input-bounds.js";

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Page size: at least 0, at most ZPD_MAX_PAGE_SIZE (100 unless configured); default ${DEFAULT_PAGE_SIZE}.`,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  first?: number;

  @Field(() => String, {
    nullable: true,
    description: `Return the items after this cursor (an endCursor or cursor this server returned; at most ${formatBound(MAX_CURSOR_LENGTH)} characters).`,
  })
  @IsOptional()
  @MaxLength(MAX_CURSOR_LENGTH)
  after?: string;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
}

/** Makes the Edge and Connection types of a node type. */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType implements ConnectionShape<T> {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => [node], { description: "The nodes of `edges`, for clients that need no cursors." })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

/** Turns a service page into a connection, mapping each row to its GraphQL type. */
export function toConnection<R, T>(page: Page<R>, map: (row: R) => T): ConnectionShape<T> {
  const nodes = page.nodes.map(map);
  return {
    edges: nodes.map((node, i) => ({ cursor: page.cursors[i]!, node })),
    nodes,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.cursors[page.cursors.length - 1] ?? null,
    },
  };
}
