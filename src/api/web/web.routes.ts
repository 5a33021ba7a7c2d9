/**
 * What a browser gets from the server: a page at `/` saying what ZPD is, and — when the developer
 * pages are on (config.graphiql: development, or ZPD_GRAPHIQL=true) — GraphiQL at GET /graphql, its
 * assets under /graphiql/, the README and the SDL. Mounted before Apollo: a request that is not a
 * browser's page load falls through to the GraphQL endpoint unchanged.
 */
import express from "express";
import { findProjectFiles } from "./project-files.js";
import { GRAPHIQL_ASSET_PREFIX, GRAPHIQL_INIT_SCRIPT, GRAPHIQL_PAGE_CSS, resolveGraphiqlAssets } from "./graphiql-assets.js";
import { graphiqlPage, homePage, HOME_CSS, HOME_CSS_PATH, README_PATH, SCHEMA_PATH } from "./pages.js";

/**
 * Same-origin only. Styles allow 'unsafe-inline' because GraphiQL's components (CodeMirror, Radix
 * popovers) set style attributes at run time; scripts never run inline. Fonts and icons in
 * graphiql's stylesheet are data: URLs.
 */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

function send(res: express.Response, contentType: string, body: string): void {
  res.set(PAGE_HEADERS).type(contentType).send(body);
}

/** A browser navigating to the endpoint (it prefers HTML), not a GraphQL client and not a GET query. */
function wantsPage(req: express.Request): boolean {
  return (
    req.query.query === undefined && req.accepts(["application/json", "application/graphql-response+json", "text/html"]) === "text/html"
  );
}

export function mountWebPages(app: express.Express, opts: { graphiql: boolean }): void {
  const files = opts.graphiql ? findProjectFiles() : {};
  const home = homePage({ graphiql: opts.graphiql, readme: !!files.readme, schema: !!files.schema });
  app.get("/", (_req, res) => send(res, "text/html; charset=utf-8", home));
  app.get(HOME_CSS_PATH, (_req, res) => send(res, "text/css; charset=utf-8", HOME_CSS));
  // Browsers ask for it on every page; "no content" rather than a 404 in their console.
  app.get("/favicon.ico", (_req, res) => res.status(204).end());
  if (!opts.graphiql) return;

  if (files.readme)
    app.get(README_PATH, (_req, res) =>
      res.set(PAGE_HEADERS).type("text/plain; charset=utf-8").sendFile(files.readme!, { dotfiles: "allow" }),
    );
  if (files.schema)
    app.get(SCHEMA_PATH, (_req, res) =>
      res.set(PAGE_HEADERS).type("text/plain; charset=utf-8").sendFile(files.schema!, { dotfiles: "allow" }),
    );

  const page = graphiqlPage();
  app.get("/graphql", (req, res, next) => (wantsPage(req) ? send(res, "text/html; charset=utf-8", page) : next()));

  const assets = resolveGraphiqlAssets();
  const generated = new Map([
    ["init.js", { contentType: "text/javascript; charset=utf-8", body: GRAPHIQL_INIT_SCRIPT }],
    ["page.css", { contentType: "text/css; charset=utf-8", body: GRAPHIQL_PAGE_CSS }],
  ]);
  app.get(`${GRAPHIQL_ASSET_PREFIX}/:name`, (req, res, next) => {
    const name = req.params.name as string;
    const own = generated.get(name);
    if (own) return send(res, own.contentType, own.body);
    const asset = assets.get(name);
    if (!asset) return next();
    // The files change only with npm install; an hour of caching spares reloads without pinning versions.
    res.set(PAGE_HEADERS).type(asset.contentType).sendFile(asset.file, { maxAge: 3600_000, dotfiles: "allow" });
  });
}
