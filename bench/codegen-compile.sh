#!/usr/bin/env bash
# Compile time of generated contract tests for a synthetic spec of N operations (default 1000),
# with every dependency already built: the cost a user pays in CI when the spec changes.
#
#   bash bench/codegen-compile.sh [N]
#
# It writes a throw-away crate under target/bench-codegen-compile/ (build.rs → Build::new, a
# tests/contract.rs of two lines), builds its tests once to warm the dependencies, then changes the
# spec's title (so build.rs regenerates and the test target recompiles) and times that rebuild.
# The crate reuses the workspace's Cargo.lock and target directory, so nothing else rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-1000}
dir=$root/target/bench-codegen-compile
rm -rf "$dir"
mkdir -p "$dir/src" "$dir/tests"

cargo bench -q -p contractgate-codegen --bench generate -- --write-spec "$n" "$dir/openapi.json" >/dev/null

cat > "$dir/Cargo.toml" <<TOML
[package]
name = "bench-codegen-compile"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dev-dependencies]
contractgate = { path = "$root/crates/contractgate" }

[build-dependencies]
contractgate-codegen = { path = "$root/crates/contractgate-codegen" }
TOML
cat > "$dir/build.rs" <<'RS'
fn main() {
    contractgate_codegen::Build::new("openapi.json").emit();
}
RS
echo "" > "$dir/src/lib.rs"
echo 'contractgate::include_tests!("openapi");' > "$dir/tests/contract.rs"
cp "$root/Cargo.lock" "$dir/Cargo.lock"

export CARGO_TARGET_DIR=$root/target
cd "$dir"
echo "warming up (builds the dependencies once)..."
cargo build -q --tests --offline 2>/dev/null || cargo build -q --tests

sed -i 's/"title": "Synthetic /"title": "Synthetic (changed) /' openapi.json
start=$(date +%s.%N)
cargo build -q --tests
end=$(date +%s.%N)
tests=$(grep -c '#\[test\]' "$(find "$CARGO_TARGET_DIR/debug/build" -path '*bench-codegen-compile*/out/contractgate/openapi.rs' | head -n 1)")
printf 'generated tests for %s operations (%s #[test] fns): regenerate + compile %.1f s (dev profile)\n' \
  "$n" "$tests" "$(echo "$end - $start" | bc)"
