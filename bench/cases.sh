#!/usr/bin/env bash
# Generated cases: what `contractgate run --cases N` costs, next to Schemathesis' default profile
# on the same server in the same run. Not run in CI.
#
#   bash bench/cases.sh [ROUNDS]        # default 1 round
#
# Targets, each a fresh process on a free 127.0.0.1 port:
#   - the example service (release build, USER_SERVICE_LOG=1: one log line per request served);
#   - a Prism 5 static mock of Oxide's nexus spec (specs/oxide/nexus.json, 193 operations), from
#     bench/realworld's install (run bench/realworld/setup.sh first; skipped without it).
# Each tool's run: wall time of the whole process (start-up included) and the requests the server
# logged (neither tool's own count is trusted), hence requests per second.
# Schemathesis 4.32.5 comes from PyPI into target/bench-venv (as bench/schemathesis.py installs it),
# run with its defaults (`st run SPEC --url URL`, every phase, 100 examples per operation), the
# example's demo token for both tools.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ROUNDS=${1:-1}
CG_REAL=${CG_REAL:-/tmp/cg-real}
PRISM=$CG_REAL/node/node_modules/.bin/prism
OUT=${OUT:-$ROOT/target/bench-cases}
VENV=$ROOT/target/bench-venv
TOKEN=cg_demo_7f3a9c2e5b1d4e8f   # the example service's public demo token
mkdir -p "$OUT"

cargo build --release --quiet -p contractgate-cli -p user-service
CG=$ROOT/target/release/contractgate
if [ ! -x "$VENV/bin/st" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==4.32.5"
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

PID=""
stop() {
  if [ -n "$PID" ]; then
    kill -TERM -- "-$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
  fi
}
trap stop EXIT

# wait_ready URL: until any HTTP answer, at most 60 s.
wait_ready() {
  for _ in $(seq 240); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.25
  done
  return 1
}

# measure LABEL LOG PATTERN CMD...: runs CMD, prints a table row from the wall time and the
# number of lines of LOG matching PATTERN that CMD added.
measure() {
  local label=$1 log=$2 pattern=$3; shift 3
  local before after start end
  before=$(grep -c -E "$pattern" "$log" || true)
  start=$(date +%s.%N)
  "$@" >"$OUT/$(echo "$label" | tr ' /' '__').txt" 2>&1 || true
  end=$(date +%s.%N)
  sleep 0.5
  after=$(grep -c -E "$pattern" "$log" || true)
  python3 - "$label" "$start" "$end" "$before" "$after" <<'EOF'
import sys
label, start, end, before, after = sys.argv[1], *map(float, sys.argv[2:4]), *map(int, sys.argv[4:6])
wall = end - start
n = after - before
print(f"| {label} | {wall:.2f} s | {n} | {n / wall:,.0f} |")
EOF
}

echo "| target, tool | wall | requests | req/s |"
echo "| --- | ---: | ---: | ---: |"
for round in $(seq "$ROUNDS"); do
  # --- the example service -----------------------------------------------------------------
  port=$(free_port)
  log=$OUT/user-service.log
  : >"$log"
  USER_SERVICE_LOG=1 setsid target/release/user-service --port "$port" >"$log" 2>&1 &
  PID=$!
  wait_ready "http://127.0.0.1:$port/health"
  spec=examples/user-service/openapi.yaml
  for n in 1 10 100; do
    measure "example, contractgate --cases $n" "$log" '^user-service: [A-Z]+ ' \
      env USER_SERVICE_TOKEN=$TOKEN "$CG" run "$spec" --base-url "http://127.0.0.1:$port" \
      -H 'Authorization: Bearer ${USER_SERVICE_TOKEN}' --cases "$n" --no-regressions
  done
  measure "example, Schemathesis defaults" "$log" '^user-service: [A-Z]+ ' \
    "$VENV/bin/st" run "$spec" --url "http://127.0.0.1:$port" -H "Authorization: Bearer $TOKEN"
  stop

  # --- nexus on a Prism static mock ----------------------------------------------------------
  if [ -x "$PRISM" ]; then
    port=$(free_port)
    log=$OUT/prism-nexus.log
    : >"$log"
    setsid "$PRISM" mock -h 127.0.0.1 -p "$port" specs/oxide/nexus.json >"$log" 2>&1 &
    PID=$!
    wait_ready "http://127.0.0.1:$port/"
    for n in 1 10 100; do
      measure "nexus (Prism), contractgate --cases $n" "$log" 'Request received' \
        "$CG" run specs/oxide/nexus.json --base-url "http://127.0.0.1:$port" --cases "$n" \
        --no-regressions
    done
    # Schemathesis' defaults do not finish nexus in reasonable time here: stopped after 600 s.
    measure "nexus (Prism), Schemathesis defaults (stopped at 600 s)" "$log" 'Request received' \
      timeout 600 "$VENV/bin/st" run specs/oxide/nexus.json --url "http://127.0.0.1:$port"
    stop
  else
    echo "nexus: no Prism at $PRISM (run bench/realworld/setup.sh)" >&2
  fi
done
echo "outputs: $OUT"
