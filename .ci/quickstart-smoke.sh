#!/usr/bin/env bash
# The quickstart as a newcomer runs it: `npm start` on a fresh embedded data folder must seed the
# demo, print an admin token and answer the README's first query over HTTP; a second server on the
# same folder must be refused; SIGTERM must shut the server down cleanly (exit 0).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$(mktemp -d)
PORT=${SMOKE_PORT:-4517}
LOG=$(mktemp)
cleanup() { [ -n "${PID:-}" ] && kill -- "-$PID" 2>/dev/null || true; rm -rf "$DATA" "$LOG" "$LOG.second"; }
trap cleanup EXIT

# Its own process group, so that the interrupt reaches npm and the server as a terminal's Ctrl-C would.
ZPD_DATA_DIR="$DATA" PORT=$PORT HOST=127.0.0.1 LOG_LEVEL=info setsid npm start >"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 120); do
  grep -q '^eyJ' "$LOG" && break
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; echo "server died"; exit 1; }
  sleep 1
done
TOKEN=$(grep -m1 '^eyJ' "$LOG") || { cat "$LOG"; echo "no token printed"; exit 1; }

BODY='{"query":"{ learners(first: 3) { nodes { id externalRef profile { displayName } cohorts { name } } } }"}'
OUT=$(curl -sf -H "content-type: application/json" -H "authorization: Bearer $TOKEN" -d "$BODY" "http://127.0.0.1:$PORT/graphql")
echo "$OUT" | grep -q '"externalRef":"demo-001"' || { echo "unexpected answer: $OUT"; exit 1; }
echo "quickstart answered: ${OUT:0:160}..."

if ZPD_DATA_DIR="$DATA" PORT=$((PORT + 1)) node dist/src/main.js >/dev/null 2>"$LOG.second"; then
  echo "a second server on the same data folder was not refused"; exit 1
fi
grep -q "in use by another live process" "$LOG.second" || { cat "$LOG.second"; exit 1; }
echo "a second server on the same folder was refused"

kill -INT -- "-$PID"
wait "$PID" || true
PID=
grep -q '"msg":"shutting down"' "$LOG" || { cat "$LOG"; echo "no graceful shutdown"; exit 1; }
[ ! -e "$DATA/zpd.lock" ] || { echo "the data folder lock was not released"; exit 1; }
echo "clean shutdown on SIGINT: server closed, PGlite closed, lock released"
