#!/usr/bin/env bash
# The README quick start and its "First five minutes", as a user runs them: the section's server command
# (`… npm start`) on an empty data dir, which must run the compiled dist/ (no tsx, no esbuild); the admin
# key it prints once lists brands; the `export …` lines it prints, then every other `sh` block of that
# README section, run in order in one shell, as written (curl and jq against the server: a sandbox post
# published, a webhook verified, metrics and comments); then SIGTERM to npm (as a process manager would)
# and a check that everything exits. Prints PASS or FAIL; exits non-zero on failure.
#
#   bash scripts/smoke.sh            # from anywhere; runs in the repository root
#   SMOKE_START_TIMEOUT=60 bash scripts/smoke.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

START_TIMEOUT=${SMOKE_START_TIMEOUT:-45}
STOP_TIMEOUT=${SMOKE_STOP_TIMEOUT:-15}

for tool in curl jq node npm setsid; do
  command -v "$tool" >/dev/null || { echo "smoke: FAIL: $tool is not installed" >&2; exit 1; }
done

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/audenci-smoke.XXXXXX")
DATA_DIR="$WORK_DIR/data"
LOG="$WORK_DIR/server.log"
BODY="$WORK_DIR/body.json"
WALK_DIR="$WORK_DIR/walkthrough"
SERVER_PID=""
WALK_PID=""

# A free port: bind port 0, read the port the kernel chose, release it.
PORT=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
BASE="http://127.0.0.1:$PORT"

# A process of the server's group still running; a zombie (state Z: it has exited, and waits only for
# whoever inherited it to reap it) is not running and holds nothing.
group_pids() { [ -n "$SERVER_PID" ] && ps -e -o pid=,pgid=,stat= | awk -v g="$SERVER_PID" '$2 == g && $3 !~ /^Z/ { print $1 }'; }
group_alive() { [ -n "$(group_pids)" ]; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # The walkthrough's own processes (its webhook receiver), should it have stopped half-way.
  if [ -n "$WALK_PID" ]; then kill -TERM -- "-$WALK_PID" 2>/dev/null || true; fi
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

# The README's "First five minutes": its fenced `sh` blocks, one file each (blocks/00.sh, 01.sh, …).
mkdir -p "$WORK_DIR/blocks"
awk -v dir="$WORK_DIR/blocks" '
  /^## / { inside = ($0 == "## First five minutes") }
  inside && /^```sh$/ { file = sprintf("%s/%02d.sh", dir, n++); printf "" > file; next }
  inside && file != "" && /^```$/ { close(file); file = ""; next }
  inside && file != "" { print > file }
' README.md
BLOCKS=("$WORK_DIR"/blocks/*.sh)
[ -f "${BLOCKS[0]}" ] && [ "${#BLOCKS[@]}" -ge 2 ] ||
  fail "README.md has no \"## First five minutes\" section with sh blocks"
SERVER_COMMAND=$(cat "${BLOCKS[0]}")
[[ "$SERVER_COMMAND" =~ ^([A-Z_]+=[^[:space:]]+[[:space:]]+)*npm\ start$ ]] ||
  fail "the first sh block of \"First five minutes\" must be the server command (… npm start), not: $SERVER_COMMAND"
# The walkthrough's receiver listens on this port: taken, the failure would come much later.
if (exec 3<>/dev/tcp/127.0.0.1/4242) 2>/dev/null; then fail "port 4242 (the walkthrough's webhook receiver) is in use"; fi

echo "smoke: $SERVER_COMMAND (AUDENCI_DATA_DIR=$DATA_DIR PORT=$PORT)"
# setsid: npm and everything it starts share a process group of their own, so cleanup reaches them all
# even if a signal is not forwarded. Job control is off in scripts, so setsid execs, bash -c execs its
# one command, and $! is npm itself.
AUDENCI_DATA_DIR="$DATA_DIR" PORT="$PORT" HOST=127.0.0.1 setsid bash -c "$SERVER_COMMAND" >"$LOG" 2>&1 </dev/null &
SERVER_PID=$!

deadline=$((SECONDS + START_TIMEOUT))
until curl -sf -o /dev/null "$BASE/healthz"; do
  kill -0 "$SERVER_PID" 2>/dev/null || fail "npm start exited before /healthz answered"
  [ "$SECONDS" -lt "$deadline" ] || fail "/healthz did not answer within ${START_TIMEOUT}s"
  sleep 0.5
done
echo "smoke: /healthz answers"

# npm start runs the compiled server (dist/, built by `npm install` or by bin/audenci.js when src/ changed):
# node bin/audenci.js and nothing else beside npm — no tsx loader, no esbuild service.
tree=$(ps -e -o pid=,pgid=,args= | awk -v g="$SERVER_PID" '$2 == g { $2 = ""; print }')
if grep -Eq 'tsx|esbuild' <<<"$tree"; then fail "npm start runs TypeScript through tsx, not dist/: $tree"; fi
# With the Node.js options and the environment of package.json's start script (bin/build.mjs's serverLaunch()).
options=$(node --input-type=module -e "import { serverLaunch } from './bin/build.mjs'; process.stdout.write(serverLaunch().nodeOptions.map((o) => o + ' ').join(''))")
server=$(awk -v want="node ${options}bin/audenci.js serve" '{ pid = $1; $1 = ""; sub(/^ +/, "") } $0 == want { print pid }' <<<"$tree")
[ -n "$server" ] || fail "no \`node ${options}bin/audenci.js serve\` process: $tree"
for pair in $(node --input-type=module -e "import { serverLaunch } from './bin/build.mjs'; for (const [k, v] of Object.entries(serverLaunch().env)) console.log(k + '=' + v)"); do
  tr '\0' '\n' <"/proc/$server/environ" | grep -qx "$pair" || fail "the server process's environment lacks $pair"
done
if grep -q 'through tsx' "$LOG"; then fail "bin/audenci.js fell back to tsx"; fi
echo "smoke: npm start runs dist/ JavaScript (processes: $(sed -E 's/^ *[0-9]+ +//' <<<"$tree" | paste -sd ',' | sed 's/,/, /g'))"

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

# "First five minutes": the `export` lines the first start printed (what a user pastes; the README shows
# the same variables), then the section's other sh blocks, in order, in one shell, in a directory of its
# own; then checks on what they left in their variables and files.
mapfile -t EXPORTS < <(grep -E '^export AUDENCI_[A-Z_]+=[^[:space:]]+$' "$LOG" || true)
names() { sed -E 's/^export ([A-Z_]+)=.*/\1/' | sort | tr '\n' ' '; }
printed=$(printf '%s\n' "${EXPORTS[@]}" | names)
shown=$(awk '/^## /{inside=($0=="## First five minutes")} inside && /^export AUDENCI_/' README.md | names)
[ "${#EXPORTS[@]}" -eq 2 ] && [ "$printed" = "$shown" ] ||
  fail "the first start printed export lines for '$printed', the README shows '$shown'"
mkdir -p "$WALK_DIR"
{
  echo 'set -euo pipefail'
  printf '%s\n' "${EXPORTS[@]}"
  for ((i = 1; i < ${#BLOCKS[@]}; i++)); do
    echo "echo 'smoke: README block $i'"
    cat "${BLOCKS[$i]}"
  done
  cat <<'CHECKS'
echo "smoke: checking what the walkthrough did"
[ "$STATUS" = PUBLISHED ] || { echo "smoke: the post ended $STATUS, not PUBLISHED" >&2; exit 1; }
grep -qx 'verified webhook.test' webhooks.log || { echo "smoke: the receiver verified no webhook.test" >&2; exit 1; }
if grep -q INVALID webhooks.log; then echo "smoke: a delivery's signature did not verify" >&2; exit 1; fi
[ "$SNAPSHOTS" -gt 0 ] || { echo "smoke: no metrics snapshot within a minute of publishing" >&2; exit 1; }
[ "$COMMENTS" -gt 0 ] || { echo "smoke: no comment within a minute of publishing" >&2; exit 1; }
CHECKS
} >"$WALK_DIR/walkthrough.sh"
echo "smoke: README \"First five minutes\" (${#BLOCKS[@]} sh blocks)"
(cd "$WALK_DIR" && exec setsid bash walkthrough.sh) </dev/null &
WALK_PID=$!
walk_status=0
wait "$WALK_PID" || walk_status=$?
[ "$walk_status" -eq 0 ] || fail "the README walkthrough failed (exit $walk_status; its output is above)"
echo "smoke: README walkthrough -> a sandbox post PUBLISHED, a webhook verified, metrics and comments"

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
  fail "npm exited but left processes running: $(group_pids | tr '\n' ' ')"
fi
grep -q '"msg":"shut down cleanly"' "$LOG" || fail "the server did not log 'shut down cleanly' after SIGTERM"
[ "$npm_status" -eq 0 ] || fail "npm start exited with status $npm_status after SIGTERM"
if curl -s -o /dev/null --max-time 2 "$BASE/healthz"; then fail "the port still answers after shutdown"; fi
echo "smoke: SIGTERM -> shut down cleanly, npm exited 0, port closed"
