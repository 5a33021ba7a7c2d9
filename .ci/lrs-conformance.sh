#!/usr/bin/env bash
# The ADL xAPI LRS conformance suite (1.0.3; vendored in .ci/lrs-conformance-test-suite/, see its
# README-ZPD.md) against a server on PostgreSQL: a fresh database named by $1, a school and an xAPI
# credential made with the project's own commands, the server from dist/ on a free port. Passes only when
# every test passed (the suite's exit code is its failure count modulo 256: the summary in its log is read).
set -euo pipefail
cd "$(dirname "$0")/.."
DB_URL=$1
WORK=$(mktemp -d)
LOG="$WORK/server.log"
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

export DATABASE_URL="$DB_URL"
ZPD_JWT_SECRET=$(openssl rand -base64 48)
ZPD_PROFILE_KEY=$(openssl rand -base64 32)
export ZPD_JWT_SECRET ZPD_PROFILE_KEY
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

npm run -s migrate >/dev/null
SCHOOL=$(npm run -s school:create -- --name "xAPI conformance" | head -n 1)
CRED=$(npm run -s xapi:credential -- --school "$SCHOOL" --label "ADL conformance suite" --scope all)
KEY=$(echo "$CRED" | sed -n 's/.*key (Basic user): *//p')
SECRET=$(echo "$CRED" | sed -n 's/.*secret (Basic password): *//p')
[ -n "$KEY" ] && [ -n "$SECRET" ] || { echo "no credential: $CRED"; exit 1; }

PORT=$PORT HOST=127.0.0.1 node dist/src/main.js >"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; echo "the server died"; exit 1; }
  sleep 1
done

cp -r .ci/lrs-conformance-test-suite/. "$WORK/suite"
cd "$WORK/suite"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
node bin/console_runner.js -e "http://127.0.0.1:$PORT/xapi" -a -u "$KEY" -p "$SECRET" -x 1.0.3 -z >"$WORK/suite.out" 2>&1 || true
RUNLOG=$(ls -t logs/*.log 2>/dev/null | head -n 1)
[ -n "$RUNLOG" ] || { tail -40 "$WORK/suite.out"; echo "the suite wrote no log"; exit 1; }
node -e '
  const run = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const s = run.summary;
  console.log(`xAPI ${s.version} conformance: ${s.passed} of ${s.total} passed, ${s.failed} failed`);
  // Each failed test: its path of titles and the error, to read without the log (it is removed with the folder).
  const walk = (n, path) => {
    const kids = n.tests || [];
    if (!kids.length && n.status && n.status !== "passed") console.log(`  ${n.status}: ${path}\n    ${String(n.error || "").replace(/\s+/g, " ").slice(0, 400)}`);
    for (const k of kids) walk(k, `${path} / ${k.title}`);
  };
  if (run.log) walk(run.log, "");
  process.exit(s.failed === 0 && s.passed === s.total ? 0 : 1);
' "$RUNLOG" || { tail -20 "$WORK/suite.out"; exit 1; }
