import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { buildSchema, graphql, GraphQLSchema } from "graphql";
import { RequestAbandonedError, RequestDeadline, abandonableSchema, watchResponse } from "./request-deadline.js";

/** A schema of its own: a root list of items, each with a counted field and a field that never answers. */
function itemsSchema(hooks: { onValue?: (n: number) => void; pending?: () => Promise<string> }): {
  schema: GraphQLSchema;
  calls: () => number;
} {
  const schema = buildSchema(`
    type Item { value: Int! slow: String }
    type Query { items(n: Int!): [Item!]! slow: String }
  `);
  let calls = 0;
  const fields = (name: string) => (schema.getType(name) as any).getFields();
  fields("Query").items.resolve = (_: unknown, { n }: { n: number }) => Array.from({ length: n }, (_x, i) => ({ i }));
  fields("Query").slow.resolve = () => hooks.pending?.() ?? "fast";
  fields("Item").value.resolve = ({ i }: { i: number }) => {
    calls++;
    hooks.onValue?.(calls);
    return i;
  };
  fields("Item").slow.resolve = () => hooks.pending?.() ?? "fast";
  return { schema: abandonableSchema(schema), calls: () => calls };
}

describe("abandonableSchema", () => {
  test("a request abandoned before it runs resolves no field and answers the abandonment", async () => {
    const { schema, calls } = itemsSchema({});
    const deadline = new RequestDeadline();
    deadline.abandon("timeout");
    const r = await graphql({ schema, source: "{ items(n: 5) { value } }", contextValue: { deadline } });
    expect(calls()).toBe(0);
    expect(r.errors?.[0]?.originalError).toBeInstanceOf(RequestAbandonedError);
    expect((r.errors![0]!.originalError as RequestAbandonedError).reason).toBe("timeout");
  });

  test("abandoned in the middle of a list, the fields not started yet are never resolved", async () => {
    const deadline = new RequestDeadline();
    const { schema, calls } = itemsSchema({ onValue: (n) => n === 10 && deadline.abandon("disconnect") });
    const r = await graphql({ schema, source: "{ items(n: 100) { value } }", contextValue: { deadline } });
    expect(calls()).toBe(10);
    expect(r.data).toBeNull(); // a non-null field failed: the list, then the root, are null
    expect((r.errors![0]!.originalError as RequestAbandonedError).reason).toBe("disconnect");
  });

  test("a field waiting on something that never answers stops being waited for when the request is abandoned", async () => {
    const deadline = new RequestDeadline();
    let started = 0;
    const { schema } = itemsSchema({
      pending: () => {
        started++;
        return new Promise<string>(() => {});
      },
    });
    const run = graphql({ schema, source: "{ slow items(n: 3) { slow } }", contextValue: { deadline } });
    await new Promise((r) => setImmediate(r));
    expect(started).toBe(4);
    deadline.abandon("timeout");
    const r = await run;
    expect(r.data).toEqual({ slow: null, items: [{ slow: null }, { slow: null }, { slow: null }] });
    expect(r.errors).toHaveLength(4);
    expect(r.errors!.every((e) => e.originalError instanceof RequestAbandonedError)).toBe(true);
  });

  test("without a deadline in the context (a schema run outside HTTP) nothing changes", async () => {
    const { schema, calls } = itemsSchema({});
    const r = await graphql({ schema, source: "{ items(n: 3) { value slow } }", contextValue: {} });
    expect(r).toEqual({ data: { items: [0, 1, 2].map((value) => ({ value, slow: "fast" })) } });
    expect(calls()).toBe(3);
  });

  describe("a request that has held the event loop for TURN_AFTER_MS lets it turn", () => {
    /** Items whose `children` (a list of objects) record whether the loop had turned when they were resolved. */
    function childrenSchema() {
      const schema = buildSchema(`
        type Item { id: Int! children: [Item!]! }
        type Query { now: [Item!]! later: [Item!]! }
      `);
      const seen: boolean[] = [];
      let turned = false;
      const items = () => [{ id: 1 }, { id: 2 }, { id: 3 }];
      const fields = (name: string) => (schema.getType(name) as any).getFields();
      fields("Query").now.resolve = items;
      fields("Query").later.resolve = () => Promise.resolve(items()); // answered in a microtask, as a PGlite statement is
      fields("Item").children.resolve = () => {
        seen.push(turned);
        return [];
      };
      // Queued before the operation runs: it runs when the event loop next turns.
      const watch = () => setImmediate(() => (turned = true));
      return { schema: abandonableSchema(schema), seen, watch };
    }
    const held = () => {
      const deadline = new RequestDeadline();
      deadline.lastTurn = performance.now() - 1_000; // as if it had run for a second without a turn
      return deadline;
    };

    test("a list field reached from a continuation (after a microtask) waits for the turn", async () => {
      const { schema, seen, watch } = childrenSchema();
      watch();
      const deadline = held();
      const r = await graphql({ schema, source: "{ later { id children { id } } }", contextValue: { deadline } });
      expect(r.errors).toBeUndefined();
      expect(seen).toEqual([true, true, true]);
      expect(performance.now() - deadline.lastTurn).toBeLessThan(1_000);
      // Without a deadline the whole operation runs in microtasks: the loop never turns.
      const control = childrenSchema();
      control.watch();
      await graphql({ schema: control.schema, source: "{ later { id children { id } } }", contextValue: {} });
      expect(control.seen).toEqual([false, false, false]);
    });

    test("the fields of the synchronous run that asked for the turn do not wait (they could not let it turn)", async () => {
      const { schema, seen, watch } = childrenSchema();
      watch();
      const r = await graphql({ schema, source: "{ now { id children { id } } }", contextValue: { deadline: held() } });
      expect(r.errors).toBeUndefined();
      expect(seen).toEqual([false, false, false]);
    });
  });

  test("the same schema object is wrapped once, however many servers use it", async () => {
    const { schema, calls } = itemsSchema({});
    const resolver = () => (schema.getType("Item") as any).getFields().value.resolve;
    const once = resolver();
    expect(abandonableSchema(schema)).toBe(schema);
    expect(resolver()).toBe(once);
    const deadline = new RequestDeadline();
    const r = await graphql({ schema, source: "{ items(n: 2) { value } }", contextValue: { deadline } });
    expect(r.errors).toBeUndefined();
    expect(calls()).toBe(2);
  });
});

describe("watchResponse, on a real HTTP server", () => {
  const requests: { deadline: RequestDeadline; res: http.ServerResponse }[] = [];
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    // /answer answers at once; /hold leaves the answer to the test.
    server = http.createServer((req, res) => {
      const timeout = Number(new URL(req.url!, "http://x").searchParams.get("timeout"));
      requests.push({ deadline: watchResponse(res, timeout), res });
      if (req.url!.startsWith("/answer")) res.end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const next = async () => {
    while (requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    return requests.shift()!;
  };
  const closed = (res: http.ServerResponse) => (res.closed ? Promise.resolve() : new Promise((r) => res.once("close", r)));
  const aborted = (d: RequestDeadline) => new Promise<void>((r) => d.signal.addEventListener("abort", () => r(), { once: true }));

  test("an answered request is never abandoned", async () => {
    expect(await (await fetch(`${url}/answer?timeout=0`)).text()).toBe("ok");
    const { deadline, res } = await next();
    await closed(res);
    expect(deadline.abandoned).toBeUndefined();
  });

  test("a client that goes away abandons its request (disconnect)", async () => {
    const ac = new AbortController();
    const sent = fetch(`${url}/hold?timeout=0`, { signal: ac.signal }).catch((e: Error) => e);
    const { deadline } = await next();
    ac.abort();
    await sent;
    await aborted(deadline);
    expect(deadline.abandoned?.reason).toBe("disconnect");
  });

  test("a request past its time limit is abandoned (timeout), and its answer can still be sent", async () => {
    const sent = fetch(`${url}/hold?timeout=30`);
    const { deadline, res } = await next();
    await aborted(deadline);
    expect(deadline.abandoned?.reason).toBe("timeout");
    res.end("late");
    expect(await (await sent).text()).toBe("late");
  });
});
