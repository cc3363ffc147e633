#!/usr/bin/env bash
# Creates .venv-mlflow/ with a pinned MLflow (the tracking server the mlflow-tagged tests start on loopback).
# Idempotent: does nothing when the pinned version is already installed there.
# Usage: bash scripts/mlflow-venv.sh      (override the interpreter with PYTHON=..., the version with MLFLOW_VERSION=...)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VERSION="${MLFLOW_VERSION:-2.17.2}"
PY="${PYTHON:-python3}"
VENV=.venv-mlflow
# mlflow 2.17's server imports sqlalchemy.pool.FallbackAsyncAdaptedQueuePool, which SQLAlchemy 2.1 removed.
PINS=("mlflow==$VERSION" "sqlalchemy>=1.4,<2.1")
if [[ -x "$VENV/bin/mlflow" ]] && "$VENV/bin/python" -c \
    "import importlib.metadata as m, sys; sys.exit(m.version('mlflow') != '$VERSION' or m.version('sqlalchemy').startswith('2.1'))" 2>/dev/null; then
  echo "mlflow $VERSION already in $VENV"
  exit 0
fi
start=$(date +%s)
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PINS[@]}"
"$VENV/bin/mlflow" --version
echo "installed mlflow $VERSION into $VENV in $(( $(date +%s) - start )) s"
