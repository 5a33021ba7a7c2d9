/**
 * What a browser gets, over real HTTP: `/` says what ZPD is and links to GraphiQL, the README and the
 * SDL; GET /graphql from a browser is GraphiQL, every script and stylesheet of which this server
 * serves itself (nothing from a CDN, so it works offline); GraphQL clients still get the API; with
 * NODE_ENV=production GraphiQL and its assets are not served (nor Apollo's CDN landing page).
 */
import { Role } from "../../src/services/auth/actor.js";
import { startTestServer, TestServer } from "../support/test-server.js";

/** What Chromium sends when a user types the address. */
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

const origin = (s: TestServer) => new URL(s.url).origin;
const hrefs = (html: string) => [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
const assetUrls = (html: string) => [
  ...[...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!),
  ...[...html.matchAll(/<link[^>]*\shref="([^"]+)"/g)].map((m) => m[1]!),
];
/** Absolute URLs to anywhere (SVG/XML namespace names are identifiers, not fetched). */
const externalUrls = (text: string) =>
  [...text.matchAll(/(?:src=|href=|url\(|@import\s)["']?((?:https?:)?\/\/[^"')\s]+)/g)].map((m) => m[1]);

describe("browser pages in development", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.stop());

  test("/ says what ZPD is and links to GraphiQL, the README, the SDL and /healthz, each of which answers", async () => {
    const res = await fetch(`${origin(s)}/`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const html = await res.text();
    expect(html).toMatch(/GraphQL learning-analytics platform/);
    const links = hrefs(html);
    expect(links).toEqual(expect.arrayContaining(["/graphql", "/docs/README.md", "/schema.graphql", "/healthz"]));
    expect(externalUrls(html)).toEqual([]);
    for (const link of links) {
      const r = await fetch(`${origin(s)}${link}`, { headers: { accept: BROWSER_ACCEPT } });
      expect([link, r.status]).toEqual([link, 200]);
      expect((await r.text()).length).toBeGreaterThan(0);
    }
    const readme = await fetch(`${origin(s)}/docs/README.md`);
    expect(readme.headers.get("content-type")).toMatch(/^text\/plain/); // shown by every browser, not downloaded
    expect(await readme.text()).toMatch(/^# ZPD/);
    expect(await (await fetch(`${origin(s)}/schema.graphql`)).text()).toMatch(/type Query \{/);
  });

  test("GET /graphql from a browser is GraphiQL; every script and stylesheet it links is served here, none from elsewhere", async () => {
    const res = await fetch(s.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self'(;|$)/); // no inline scripts, no other origin
    expect(csp).toMatch(/connect-src 'self'/);
    const html = await res.text();
    expect(html).toMatch(/<div id="graphiql">/);
    expect(html).not.toMatch(/<script>/); // every script is a file
    expect(externalUrls(html)).toEqual([]);

    const assets = assetUrls(html);
    expect(assets.filter((u) => u.endsWith(".js")).length).toBeGreaterThanOrEqual(4); // react, react-dom, graphiql, init
    expect(assets.filter((u) => u.endsWith(".css")).length).toBeGreaterThanOrEqual(1);
    const bodies = new Map<string, string>();
    for (const url of assets) {
      expect(url.startsWith("/") && !url.startsWith("//")).toBe(true);
      const r = await fetch(`${origin(s)}${url}`);
      expect([url, r.status]).toEqual([url, 200]);
      expect(r.headers.get("content-type")).toMatch(url.endsWith(".js") ? /^text\/javascript/ : /^text\/css/);
      const body = await r.text();
      expect(body.length).toBeGreaterThan(0);
      bodies.set(url, body);
    }
    // The stylesheets load nothing from elsewhere (graphiql's fonts and icons are data: URLs).
    for (const [url, body] of bodies) if (url.endsWith(".css")) expect([url, externalUrls(body)]).toEqual([url, []]);
    // The init script sends to this endpoint and prefills the Authorization header hint.
    const init = [...bodies].find(([u]) => u.endsWith("/init.js"))![1];
    expect(init).toMatch(/GraphiQL\.createFetcher/);
    expect(init).toMatch(/Authorization: "Bearer </);
    // The bundles are the browser builds that define the globals the init script uses.
    const bundle = (name: string) => [...bodies].find(([u]) => u.endsWith(name))![1];
    expect(bundle("/react.production.min.js")).toMatch(/\.React\s*=|global\.React|\.React=/);
    expect(bundle("/index.umd.js")).toMatch(/\.GraphiQL=/);
    // graphiql's source map, which its bundle names, is here too.
    expect((await fetch(`${origin(s)}/graphiql/index.umd.js.map`)).status).toBe(200);
  });

  test("GraphQL clients still get the API: POST queries, and GET without a browser's Accept is not the page", async () => {
    expect((await s.gql("{ __typename }")).data).toEqual({ __typename: "Query" });
    const { schoolId, admin } = await s.newSchool("Web School");
    const cohorts = await s.gql("{ cohorts(first: 1) { nodes { id } } }", undefined, admin);
    expect(cohorts.errors).toBeUndefined();
    expect(cohorts.data).toEqual({ cohorts: { nodes: [] } });
    const analyst = await s.token({ schoolId, role: Role.Analyst });
    expect((await s.gql("{ cohorts(first: 1) { nodes { id } } }", undefined, analyst)).errors).toBeUndefined();

    for (const accept of ["application/json", "*/*", "application/graphql-response+json"]) {
      const r = await fetch(`${s.url}?query=${encodeURIComponent("{ __typename }")}`, {
        headers: { accept, "apollo-require-preflight": "1" },
      });
      expect([accept, r.status]).toEqual([accept, 200]);
      expect(await r.json()).toEqual({ data: { __typename: "Query" } });
      const bare = await fetch(s.url, { headers: { accept } });
      expect(bare.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
    }
    // A browser's GET query (a link with ?query=) is executed, not answered with the page.
    const linked = await fetch(`${s.url}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: BROWSER_ACCEPT, "apollo-require-preflight": "1" },
    });
    expect(await linked.text()).not.toMatch(/<div id="graphiql">/);
  });
});

describe("browser pages in production", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ NODE_ENV: "production" });
  });
  afterAll(() => s.stop());

  test("no GraphiQL, no assets, no README, and no CDN landing page; / still says what this is", async () => {
    const page = await fetch(s.url, { headers: { accept: BROWSER_ACCEPT } });
    const body = await page.text();
    expect(body).not.toMatch(/graphiql/i);
    expect(externalUrls(body)).toEqual([]);
    // Apollo's JSON error for a GET without an operation, not a landing page of any kind.
    expect(page.status).toBe(400);
    expect(page.headers.get("content-type")).toMatch(/^application\/json/);
    expect(body).not.toMatch(/<html|<script/i);
    for (const path of ["/graphiql/index.umd.js", "/graphiql/init.js", "/docs/README.md", "/schema.graphql"]) {
      expect([path, (await fetch(`${origin(s)}${path}`)).status]).toEqual([path, 404]);
    }
    const home = await fetch(`${origin(s)}/`);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toMatch(/GraphQL learning-analytics platform/);
    expect(html).toMatch(/ZPD_GRAPHIQL=true/);
    expect(hrefs(html)).not.toContain("/graphql");
    expect((await s.gql("{ __typename }")).data).toEqual({ __typename: "Query" });
  });

  test("ZPD_GRAPHIQL=true serves GraphiQL in production too", async () => {
    const on = await startTestServer({ NODE_ENV: "production", ZPD_GRAPHIQL: "true" });
    try {
      const r = await fetch(on.url, { headers: { accept: BROWSER_ACCEPT } });
      expect(r.status).toBe(200);
      expect(await r.text()).toMatch(/<div id="graphiql">/);
    } finally {
      await on.stop();
    }
  });
});
