#!/usr/bin/env bash
# Creates .venv-deploy/ with a pinned kubernetes-validate (PyPI; Kubernetes JSON schemas bundled, validates offline):
# the validator that the vesselseg-cli test KubernetesManifestsTest runs on deploy/kubernetes/ (it skips when this
# folder is absent). Idempotent: does nothing when the pinned version is already installed there.
# Usage: bash scripts/deploy-venv.sh      (override the interpreter with PYTHON=..., the version with KUBERNETES_VALIDATE_VERSION=...)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
PY="${PYTHON:-python3}"
VENV=.venv-deploy
if [[ -x "$VENV/bin/kubernetes-validate" ]] && "$VENV/bin/python" -c \
    "import importlib.metadata as m, sys; sys.exit(m.version('kubernetes-validate') != '$VERSION')" 2>/dev/null; then
  echo "kubernetes-validate $VERSION already in $VENV"
  exit 0
fi
start=$(date +%s)
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "kubernetes-validate==$VERSION"
"$VENV/bin/kubernetes-validate" --version
echo "installed kubernetes-validate $VERSION into $VENV in $(( $(date +%s) - start )) s"
