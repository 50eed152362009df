#!/usr/bin/env bash
# Installs the third-party services and tools of the "real services" evaluation kit into
# /tmp/cg-real (override with CG_REAL=DIR). Idempotent: a second run only checks what is there.
#
#   $CG_REAL/venv      Python venv: httpbin + flasgger + gunicorn, jupyter_server + ipykernel, chromadb (optional)
#   $CG_REAL/node      npm prefix: @stoplight/prism-cli, @readme/oas-examples (example specs)
#   $CG_REAL/versions.txt   what was installed
#
# Only the package registries are used (PyPI, npm). Set SKIP_CHROMA=1 to skip chromadb (large).
# No FastAPI example app: none ships runnable in a package, and one written here would not be
# "third-party".
set -euo pipefail

CG_REAL=${CG_REAL:-/tmp/cg-real}
VENV=$CG_REAL/venv
NODE_PREFIX=$CG_REAL/node
mkdir -p "$CG_REAL" "$NODE_PREFIX"

# Pinned versions: the baseline in README.md was measured with these.
HTTPBIN_VERSION=${HTTPBIN_VERSION:-0.10.4}
GUNICORN_VERSION=${GUNICORN_VERSION:-27.0.1}
FLASGGER_VERSION=${FLASGGER_VERSION:-0.9.7.1}
JUPYTER_SERVER_VERSION=${JUPYTER_SERVER_VERSION:-2.21.1}
IPYKERNEL_VERSION=${IPYKERNEL_VERSION:-7.4.0}
CHROMADB_VERSION=${CHROMADB_VERSION:-1.5.9}
PRISM_VERSION=${PRISM_VERSION:-5.16.0}
OAS_EXAMPLES_VERSION=${OAS_EXAMPLES_VERSION:-8.2.2}

# --- Python services -------------------------------------------------------------------------
# ipykernel: without a kernel, jupyter_server cannot start kernels or sessions.
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
PIP="$VENV/bin/pip"
# flasgger: httpbin serves /spec.json only when it is installed (its "mainapp" extra).
"$PIP" install -q "httpbin==$HTTPBIN_VERSION" "flasgger==$FLASGGER_VERSION" "gunicorn==$GUNICORN_VERSION" \
  "jupyter_server==$JUPYTER_SERVER_VERSION" "ipykernel==$IPYKERNEL_VERSION"

# chromadb pulls in onnxruntime, tokenizers, grpc...: optional, bounded in time.
if [ "${SKIP_CHROMA:-0}" != 1 ]; then
  if ! "$VENV/bin/python" -c 'import chromadb' 2>/dev/null; then
    timeout 900 "$PIP" install -q "chromadb==$CHROMADB_VERSION" \
      || echo "setup: chromadb did not install (skipped; run.sh skips Chroma)" >&2
  fi
fi

# --- Node tools ------------------------------------------------------------------------------
if [ ! -x "$NODE_PREFIX/node_modules/.bin/prism" ] || [ ! -d "$NODE_PREFIX/node_modules/@readme/oas-examples" ]; then
  npm install --silent --no-audit --no-fund --prefix "$NODE_PREFIX" \
    "@stoplight/prism-cli@$PRISM_VERSION" "@readme/oas-examples@$OAS_EXAMPLES_VERSION"
fi

# --- What was installed ----------------------------------------------------------------------
{
  echo "python: $("$VENV/bin/python" --version 2>&1)"
  "$VENV/bin/pip" list --format=freeze 2>/dev/null \
    | grep -iE '^(httpbin|gunicorn|flask|werkzeug|flasgger|jupyter[-_]server|ipykernel|tornado|chromadb)==' || true
  echo "node: $(node --version)"
  echo "prism: $("$NODE_PREFIX/node_modules/.bin/prism" --version 2>/dev/null || echo missing)"
  echo "oas-examples: $(node -p "require('$NODE_PREFIX/node_modules/@readme/oas-examples/package.json').version" 2>/dev/null || echo missing)"
} > "$CG_REAL/versions.txt"
cat "$CG_REAL/versions.txt"
