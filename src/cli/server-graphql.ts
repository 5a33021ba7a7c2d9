/**
 * One GraphQL request to the running embedded server (`npm start` holds the data folder): what the
 * commands that cannot open the folder themselves send instead (job-via-server.ts, erase.ts).
 */

/** The server refused the request (its GraphQL errors, with their codes). */
export class ServerRefusedError extends Error {
  constructor(
    message: string,
    /** The first error's `extensions.code`, if any. */
    readonly code?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface GraphqlRequest {
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

/** Posts the request with the bearer token; returns its `data.<field>`, or throws ServerRefusedError. */
export async function serverGraphql<T>(url: string, token: string, req: GraphqlRequest, field: string): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(req),
  });
  const body = (await res.json().catch(() => null)) as {
    data?: Record<string, T | null> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  } | null;
  if (body?.errors?.length)
    throw new ServerRefusedError(
      body.errors.map((e) => `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ""}`).join("; "),
      body.errors[0]?.extensions?.code,
    );
  const value = body?.data?.[field];
  if (value === undefined || value === null)
    throw new ServerRefusedError(`the server at ${url} answered HTTP ${res.status} without ${field}`);
  return value;
}
