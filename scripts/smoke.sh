#!/usr/bin/env bash
# The README quick start, as a user runs it: `npm start` on an empty data dir, read the admin key it
# prints once, list brands with it, then stop the server with SIGTERM (sent to npm, as a process manager
# would) and check that everything exits. Prints PASS or FAIL; exits non-zero on failure.
#
#   bash scripts/smoke.sh            # from anywhere; runs in the repository root
#   SMOKE_START_TIMEOUT=60 bash scripts/smoke.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

START_TIMEOUT=${SMOKE_START_TIMEOUT:-45}
STOP_TIMEOUT=${SMOKE_STOP_TIMEOUT:-15}

for tool in curl node npm setsid; do
  command -v "$tool" >/dev/null || { echo "smoke: FAIL: $tool is not installed" >&2; exit 1; }
done

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/audenci-smoke.XXXXXX")
DATA_DIR="$WORK_DIR/data"
LOG="$WORK_DIR/server.log"
BODY="$WORK_DIR/body.json"
SERVER_PID=""

# A free port: bind port 0, read the port the kernel chose, release it.
PORT=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
BASE="http://127.0.0.1:$PORT"

group_alive() { [ -n "$SERVER_PID" ] && pgrep -g "$SERVER_PID" >/dev/null 2>&1; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if group_alive; then
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do group_alive || break; sleep 0.25; done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK_DIR"
  if [ "$status" -eq 0 ]; then echo "smoke: PASS"; else echo "smoke: FAIL" >&2; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "smoke: $*" >&2
  if [ -f "$LOG" ]; then
    echo "--- npm start output ---" >&2
    cat "$LOG" >&2
    echo "------------------------" >&2
  fi
  exit 1
}

echo "smoke: npm start (AUDENCI_DATA_DIR=$DATA_DIR PORT=$PORT)"
# setsid: npm and everything it starts share a process group of their own, so cleanup reaches them all
# even if a signal is not forwarded. Job control is off in scripts, so setsid execs and $! is npm itself.
AUDENCI_DATA_DIR="$DATA_DIR" PORT="$PORT" HOST=127.0.0.1 setsid npm start >"$LOG" 2>&1 </dev/null &
SERVER_PID=$!

deadline=$((SECONDS + START_TIMEOUT))
until curl -sf -o /dev/null "$BASE/healthz"; do
  kill -0 "$SERVER_PID" 2>/dev/null || fail "npm start exited before /healthz answered"
  [ "$SECONDS" -lt "$deadline" ] || fail "/healthz did not answer within ${START_TIMEOUT}s"
  sleep 0.5
done
echo "smoke: /healthz answers"

mapfile -t keys < <(grep -E '^sk_prod_[0-9A-Za-z]{38}$' "$LOG" || true)
[ "${#keys[@]}" -eq 1 ] || fail "expected exactly one admin key line (sk_prod_…) in the start-up output, found ${#keys[@]}"
KEY=${keys[0]}
echo "smoke: first start printed an admin key (${KEY:0:12}…)"

status=$(curl -s -o "$BODY" -w '%{http_code}' -H "Authorization: Bearer $KEY" "$BASE/api/v1/brands") ||
  fail "GET /api/v1/brands failed"
[ "$status" = 200 ] || fail "GET /api/v1/brands answered $status: $(cat "$BODY")"
node -e '
  const body = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  if (!Array.isArray(body.data) || typeof body.pagination !== "object" || body.pagination === null) {
    console.error("unexpected body: " + JSON.stringify(body));
    process.exit(1);
  }' "$BODY" || fail "GET /api/v1/brands did not answer { data: [...], pagination: {...} }"
echo "smoke: GET /api/v1/brands -> 200 with data and pagination"

# The web app (built by `npm install`'s prepare step) at /, as the quick start says.
curl -sf -o "$BODY" "$BASE/" || fail "GET / failed"
grep -q '<div id="root">' "$BODY" || fail "GET / did not answer the web app: $(head -c 300 "$BODY")"
echo "smoke: GET / -> the web app"

# SIGTERM to npm only: npm must pass it on to the server, which shuts down cleanly.
kill -TERM "$SERVER_PID"
deadline=$((SECONDS + STOP_TIMEOUT))
while kill -0 "$SERVER_PID" 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || fail "npm start did not exit within ${STOP_TIMEOUT}s of SIGTERM"
  sleep 0.25
done
npm_status=0
wait "$SERVER_PID" || npm_status=$?
sleep 0.5
if group_alive; then
  fail "npm exited but left processes running: $(pgrep -a -g "$SERVER_PID" | tr '\n' ';')"
fi
grep -q '"msg":"shut down cleanly"' "$LOG" || fail "the server did not log 'shut down cleanly' after SIGTERM"
[ "$npm_status" -eq 0 ] || fail "npm start exited with status $npm_status after SIGTERM"
if curl -s -o /dev/null --max-time 2 "$BASE/healthz"; then fail "the port still answers after shutdown"; fi
echo "smoke: SIGTERM -> shut down cleanly, npm exited 0, port closed"
