#!/usr/bin/env bash
# Runs `contractgate run` against third-party services and Prism mocks, one at a time, each on a
# free 127.0.0.1 port, and prints one summary line per target. Install first: setup.sh.
#
#   CG=/path/to/contractgate bash bench/realworld/run.sh [NAME...]
#
# NAME filters targets by prefix (httpbin, jupyter, chroma, prism-static-petstore, prism-dynamic,
# ...). Outputs in $OUT (default /tmp/cg-real/out): NAME.txt (stdout+stderr of contractgate),
# NAME.json (--json report), NAME.server.log (the service's log), summary.tsv.
# Only 127.0.0.1 is bound and sent traffic. Services are stopped on exit (trap).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CG_REAL=${CG_REAL:-/tmp/cg-real}
CG=${CG:-/work/main/target/release/contractgate}
OUT=${OUT:-$CG_REAL/out}
CONFIG=${CONFIG:-$HERE/contractgate.toml}
SPECS=${SPECS:-$(cd "$HERE/../../specs/oai" && pwd)}
VENV=$CG_REAL/venv
PRISM=$CG_REAL/node/node_modules/.bin/prism
OAS_EXAMPLES=$CG_REAL/node/node_modules/@readme/oas-examples
# Extra flags for every contractgate run, e.g. CG_FLAGS="--concurrency 4".
read -r -a CG_FLAGS <<<"${CG_FLAGS:-}"

[ -x "$CG" ] || { echo "run.sh: no contractgate binary at $CG (set CG=...)" >&2; exit 2; }
[ -x "$VENV/bin/python" ] && [ -x "$PRISM" ] || { echo "run.sh: run setup.sh first" >&2; exit 2; }
mkdir -p "$OUT"
echo "contractgate: $CG ($("$CG" --version), sha256 $(sha256sum "$CG" | cut -c1-16))" | tee "$OUT/tool.txt"
printf 'target\tops\tchecks\tpassed\tfailed\tnot_exercised\terrored\tskipped\tnot_applicable\texit\n' >"$OUT/summary.tsv"

SERVICE_PID=""
# Stops the current service: SIGTERM to its process group (started with setsid), then SIGKILL.
stop_service() {
  if [ -n "$SERVICE_PID" ]; then
    kill -TERM -- "-$SERVICE_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVICE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
    SERVICE_PID=""
  fi
}
trap stop_service EXIT
trap 'stop_service; exit 130' INT TERM

free_port() {
  "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_service NAME CMD...: runs CMD in its own session (so the whole group can be stopped).
start_service() {
  local name=$1; shift
  setsid "$@" >"$OUT/$name.server.log" 2>&1 &
  SERVICE_PID=$!
}

# wait_ready URL [CURL ARGS...]: until URL gives any HTTP answer, at most 120 s. (Any status:
# a Prism mock in dynamic mode may answer 500 on a documented `/`.)
wait_ready() {
  local url=$1; shift
  for _ in $(seq 240); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null || true)
    if [ -n "$code" ] && [ "$code" != 000 ]; then return 0; fi
    kill -0 "$SERVICE_PID" 2>/dev/null || { echo "service exited early" >&2; return 1; }
    sleep 0.5
  done
  echo "not ready after 120 s: $url" >&2
  return 1
}

# Wanted? (the command-line names are prefixes)
wanted() {
  [ $# -ge 2 ] || return 0
  local name=$1; shift
  for p in "$@"; do case $name in "$p"*) return 0 ;; esac; done
  return 1
}

# not_run NAME WHY: a target that could not be started: a summary line, and the next target.
not_run() {
  printf '%s\t-\t-\t-\t-\t-\t-\t-\t-\tnot run: %s\n' "$1" "$2" >>"$OUT/summary.tsv"
  printf '%-34s NOT RUN: %s (see %s)\n' "$1" "$2" "$OUT/$1.server.log"
  stop_service
}

# run_cg NAME SPEC ENV URL: contractgate with the kit's config, then the summary line.
run_cg() {
  local name=$1 spec=$2 env=$3 url=$4 rc=0
  "$CG" run "$spec" --config "$CONFIG" --env "$env" --base-url "$url" \
    --json "$OUT/$name.json" "${CG_FLAGS[@]}" >"$OUT/$name.txt" 2>&1 || rc=$?
  "$VENV/bin/python" - "$name" "$OUT/$name.json" "$rc" >>"$OUT/summary.tsv" <<'PY'
import json, sys, collections
name, path, rc = sys.argv[1:4]
try:
    r = json.load(open(path))
except Exception:
    print(f"{name}\t-\t-\t-\t-\t-\t-\t-\t-\t{rc}"); sys.exit()
c = collections.Counter(ch["status"] for op in r["operations"] for ch in op["checks"])
ops = sum(1 for op in r["operations"] if op["kind"] == "operation")
print("\t".join(map(str, [name, ops, sum(c.values()), c["passed"], c["failed"], c["not_exercised"],
      c["errored"], c["skipped"], c["not_applicable"], rc])))
PY
  tail -n 1 "$OUT/summary.tsv" | awk -F'\t' '{printf "%-34s ops=%-3s passed=%-4s failed=%-3s not_exercised=%-3s errored=%-3s skipped=%-3s n/a=%-4s exit=%s\n",$1,$2,$4,$5,$6,$7,$8,$9,$10}'
}

# --- httpbin (Flask, under gunicorn), Swagger 2.0 from /spec.json ---------------------------
if wanted httpbin "$@"; then
  port=$(free_port)
  start_service httpbin "$VENV/bin/gunicorn" -b "127.0.0.1:$port" -w 4 httpbin:app
  if wait_ready "http://127.0.0.1:$port/spec.json" \
    && curl -sf "http://127.0.0.1:$port/spec.json" -o "$OUT/httpbin.spec.json"; then
    run_cg httpbin "$OUT/httpbin.spec.json" httpbin "http://127.0.0.1:$port"
    stop_service
  else
    not_run httpbin "no /spec.json (is flasgger installed?)"
  fi
fi

# --- jupyter_server (Tornado), Swagger 2.0 shipped in the package -----------------------------
if wanted jupyter "$@"; then
  port=$(free_port)
  jdir=$CG_REAL/jupyter
  rm -rf "$jdir" && mkdir -p "$jdir/root"          # a fresh notebook root every run
  spec=$("$VENV/bin/python" -c 'import jupyter_server, os; print(os.path.join(os.path.dirname(jupyter_server.__file__), "services/api/api.yaml"))')
  cp "$spec" "$OUT/jupyter.spec.yaml"
  JUPYTER_CONFIG_DIR=$jdir/config JUPYTER_DATA_DIR=$jdir/data JUPYTER_RUNTIME_DIR=$jdir/runtime \
    start_service jupyter "$VENV/bin/jupyter" server --IdentityProvider.token=cgtoken \
      --ServerApp.ip=127.0.0.1 --port="$port" --no-browser --allow-root \
      --ServerApp.root_dir="$jdir/root"
  if wait_ready "http://127.0.0.1:$port/api/status" -H 'Authorization: token cgtoken'; then
    run_cg jupyter "$OUT/jupyter.spec.yaml" jupyter "http://127.0.0.1:$port"
    stop_service
  else
    not_run jupyter "did not start"
  fi
fi

# --- Chroma (its Rust frontend), OpenAPI 3.1 from /openapi.json -------------------------------
if wanted chroma "$@"; then
  if [ -x "$VENV/bin/chroma" ]; then
    port=$(free_port)
    rm -rf "$CG_REAL/chroma-data"
    start_service chroma "$VENV/bin/chroma" run --host 127.0.0.1 --port "$port" --path "$CG_REAL/chroma-data"
    if wait_ready "http://127.0.0.1:$port/api/v2/heartbeat" \
      && curl -sf "http://127.0.0.1:$port/openapi.json" -o "$OUT/chroma.spec.json"; then
      run_cg chroma "$OUT/chroma.spec.json" chroma "http://127.0.0.1:$port"
      stop_service
    else
      not_run chroma "did not start, or no /openapi.json"
    fi
  else
    echo "chroma: not installed (setup.sh skipped it)"
  fi
fi

# --- Prism mocks: static (examples) and dynamic (-d, generated from the schemas) ----------------
prism_specs=()
for f in petstore petstore-expanded api-with-examples uspto link-example callback-example; do
  prism_specs+=("oai-$f=$SPECS/$f.yaml")
done
prism_specs+=("readme-petstore=$OAS_EXAMPLES/3.0/json/petstore.json")
prism_specs+=("readme-train-travel=$OAS_EXAMPLES/3.1/json/train-travel.json")
for mode in static dynamic; do
  for entry in "${prism_specs[@]}"; do
    name=prism-$mode-${entry%%=*} spec=${entry#*=}
    wanted "$name" "$@" || continue
    port=$(free_port)
    flags=(); [ "$mode" = dynamic ] && flags=(-d)
    start_service "$name" "$PRISM" mock -h 127.0.0.1 -p "$port" "${flags[@]}" "$spec"
    if wait_ready "http://127.0.0.1:$port/"; then
      run_cg "$name" "$spec" prism "http://127.0.0.1:$port"
      stop_service
    else
      not_run "$name" "prism did not start"
    fi
  done
done

echo "summary: $OUT/summary.tsv; per-target output: $OUT/NAME.txt, NAME.json"
