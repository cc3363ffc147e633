#!/usr/bin/env bash
# Creates .venv-serve/ with a pinned tritonclient[http] and numpy: the Open Inference Protocol client that the
# vesselseg-serve test TritonClientTest drives against a server on loopback (it skips when this folder is absent).
# Idempotent: does nothing when the pinned versions are already installed there.
# Usage: bash scripts/serve-venv.sh      (override the interpreter with PYTHON=..., the version with TRITONCLIENT_VERSION=...)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VERSION="${TRITONCLIENT_VERSION:-2.73.0}"
PY="${PYTHON:-python3}"
VENV=.venv-serve
PINS=("tritonclient[http]==$VERSION" "numpy>=1.26,<3")
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c \
    "import importlib.metadata as m, sys, numpy, tritonclient.http; sys.exit(m.version('tritonclient') != '$VERSION')" 2>/dev/null; then
  echo "tritonclient $VERSION already in $VENV"
  exit 0
fi
start=$(date +%s)
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PINS[@]}"
"$VENV/bin/python" -c "import importlib.metadata as m; print('tritonclient', m.version('tritonclient'), 'numpy', m.version('numpy'))"
echo "installed tritonclient[http] $VERSION into $VENV in $(( $(date +%s) - start )) s"
