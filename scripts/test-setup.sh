#!/usr/bin/env bash
# Installs what the test suite drives for real, each step idempotent (a second run does nothing):
#   .venv-mlflow/  an MLflow tracking server (PyPI)            scripts/mlflow-venv.sh
#   .venv-serve/   the KServe/Triton client tritonclient[http]  scripts/serve-venv.sh
#   chromium, chromedriver (Debian)  the web page's browser test  scripts/browser-install.sh
#   podman, runc (Debian)            the container build-and-run  scripts/podman-install.sh
#   .venv-deploy/  kubernetes-validate for the manifests          scripts/deploy-venv.sh
# The Debian packages need root or sudo. Tests whose component is missing skip with a message naming its script.
# Usage: bash scripts/test-setup.sh && mvn -B test      (the README's test command; .ci/run runs exactly that)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bash mlflow-venv.sh
bash serve-venv.sh
bash browser-install.sh
bash podman-install.sh
bash deploy-venv.sh
