/**
 * The two HTML pages a browser gets: `/` (what this server is, where to go next) and GraphiQL at
 * GET /graphql. Static text only (nothing from a request is echoed) and no inline script: the CSP
 * (web.routes.ts) allows scripts from this server's files only.
 */
import { GRAPHIQL_ASSET_PREFIX, GRAPHIQL_SCRIPTS, GRAPHIQL_STYLES } from "./graphiql-assets.js";

export interface HomePageLinks {
  readonly graphiql: boolean;
  readonly readme: boolean;
  readonly schema: boolean;
}

export const README_PATH = "/docs/README.md";
export const SCHEMA_PATH = "/schema.graphql";
export const HOME_CSS_PATH = "/home.css";

export const HOME_CSS = `body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; padding: 0 1rem; color: #1b1f24; }
code { background: #f0f2f4; padding: 0 .25em; border-radius: 3px; }
li { margin: .35rem 0; }
.muted { color: #57606a; }
`;

export function homePage(links: HomePageLinks): string {
  const items = [
    links.graphiql
      ? `<li><a href="/graphql">GraphiQL</a>: explore the schema and run queries in the browser (works offline). Put the token in its Headers tab as <code>{"Authorization": "Bearer &lt;token&gt;"}</code>.</li>`
      : `<li>The in-browser IDE (GraphiQL) is off on this server (the default with <code>NODE_ENV=production</code>); set <code>ZPD_GRAPHIQL=true</code> to serve it.</li>`,
    links.readme
      ? `<li><a href="${README_PATH}">README</a>: quickstart, tokens per role, worked examples, configuration, operations.</li>`
      : "",
    links.schema
      ? `<li><a href="${SCHEMA_PATH}">The GraphQL schema (SDL)</a>, as committed in <code>schema/schema.graphql</code>.</li>`
      : "",
    `<li><a href="/healthz">/healthz</a>: the probe endpoint.</li>`,
  ].filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ZPD</title>
<link rel="stylesheet" href="${HOME_CSS_PATH}">
</head>
<body>
<h1>ZPD</h1>
<p>ZPD is a GraphQL learning-analytics platform. Learning apps, tutors and teacher dashboards register
learners, skills, tasks and goals, report every attempt a learner makes, and ask what the learner should
do next; a meta-learned personalisation engine predicts how each learner will do on each task, tracks
mastery per skill and plans the path to a goal, aiming every recommendation at the learner's
<em>zone of proximal development</em>.</p>
<p>The API is <code>POST /graphql</code> with a bearer token. <code>npm start</code> prints an admin token
for the demo school; <code>npm run token -- --role &lt;role&gt;</code> makes more.</p>
<ul>
${items.join("\n")}
</ul>
<p class="muted">Everything on this page is served by this server; nothing is loaded from the internet.</p>
</body>
</html>
`;
}

export function graphiqlPage(): string {
  const styles = GRAPHIQL_STYLES.map((f) => `<link rel="stylesheet" href="${GRAPHIQL_ASSET_PREFIX}/${f}">`).join("\n");
  const scripts = GRAPHIQL_SCRIPTS.map((f) => `<script src="${GRAPHIQL_ASSET_PREFIX}/${f}"></script>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ZPD · GraphiQL</title>
${styles}
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
${scripts}
</body>
</html>
`;
}
