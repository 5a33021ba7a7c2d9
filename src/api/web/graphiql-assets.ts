/**
 * GraphiQL without the internet: graphiql 4's UMD build and React 18's UMD builds (the last React with
 * them; graphiql 5 ships only unbundled ESM), served by this server straight from node_modules. The
 * page loads nothing from anywhere else: the UMD bundle includes graphql and CodeMirror, and its
 * stylesheet inlines its fonts and images as data: URLs.
 */
import fs from "node:fs";
import path from "node:path";

/** URL path under which the assets are served. */
export const GRAPHIQL_ASSET_PREFIX = "/graphiql";

export interface GraphiqlAsset {
  /** Absolute file to send. */
  readonly file: string;
  readonly contentType: string;
}

function packageDir(name: string): string {
  // package.json is resolvable for all three (their `exports` list it or they have none for it).
  return path.dirname(require.resolve(`${name}/package.json`));
}

/** Asset file name (as in `<prefix>/<name>`) → file. Throws naming the package when one is missing. */
export function resolveGraphiqlAssets(): ReadonlyMap<string, GraphiqlAsset> {
  const js = "text/javascript; charset=utf-8";
  const files: [string, string, string][] = [
    ["react.production.min.js", path.join(packageDir("react"), "umd/react.production.min.js"), js],
    ["react-dom.production.min.js", path.join(packageDir("react-dom"), "umd/react-dom.production.min.js"), js],
    // Named as graphiql names it, so that its sourceMappingURL comment resolves to the map beside it.
    ["index.umd.js", path.join(packageDir("graphiql"), "dist/index.umd.js"), js],
    ["index.umd.js.map", path.join(packageDir("graphiql"), "dist/index.umd.js.map"), "application/json; charset=utf-8"],
    ["style.css", path.join(packageDir("graphiql"), "dist/style.css"), "text/css; charset=utf-8"],
  ];
  for (const [, file] of files) {
    if (!fs.existsSync(file)) throw new Error(`GraphiQL asset missing: ${file} (run npm install; or set ZPD_GRAPHIQL=false)`);
  }
  return new Map(files.map(([name, file, contentType]) => [name, { file, contentType }]));
}

/** The scripts and the stylesheet the GraphiQL page links, in load order. */
export const GRAPHIQL_SCRIPTS = ["react.production.min.js", "react-dom.production.min.js", "index.umd.js", "init.js"];
export const GRAPHIQL_STYLES = ["style.css", "page.css"];

/** The page's own stylesheet: GraphiQL fills the window. */
export const GRAPHIQL_PAGE_CSS = `html, body, #graphiql { height: 100%; margin: 0; }
`;

/**
 * The page's own script (a file, not inline, so that the CSP can say script-src 'self'). The headers
 * editor opens prefilled with where to put the bearer token; introspection needs none, so the
 * schema and the docs load before a token is pasted.
 */
export const GRAPHIQL_INIT_SCRIPT = `"use strict";
(function () {
  var endpoint = window.location.origin + window.location.pathname;
  var headersHint = JSON.stringify({ Authorization: "Bearer <paste the token npm start printed, or one from npm run token -- --role teacher>" }, null, 2);
  var defaultQuery = [
    "# ZPD's GraphQL API. Put a bearer token in the Headers tab below: \`npm start\` prints",
    "# an admin token for the demo school, \`npm run token -- --role <role>\` makes others.",
    "# The book icon on the left browses the schema; the README (linked from /) has worked examples.",
    "",
    "query Learners {",
    "  learners(first: 5) {",
    "    nodes { id externalRef profile { displayName } cohorts { name } }",
    "  }",
    "}",
    "",
  ].join("\\n");
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: endpoint }),
      defaultQuery: defaultQuery,
      defaultHeaders: headersHint,
      defaultEditorToolsVisibility: "headers",
    }),
  );
})();
`;
