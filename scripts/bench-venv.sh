#!/usr/bin/env bash
# Creates .venv-bench/: the Python environment of the PyTorch peer that `vesselseg bench speed` measures
# against (scripts/torch_peer.py). torch 2.10.0 is the libtorch version the Bytedeco presets wrap, so both
# sides run the same kernels. The PyPI wheel pulls NVIDIA CUDA packages (several GB): expected; the peer
# only uses the CPU. Pillow is for scripts/recipe_screen.py, which reads DRIVE's images, and for
# scripts/serve_peer.py, the FastAPI/uvicorn peer server of `vesselseg bench serve`. Idempotent: an existing
# environment with the right torch and the pinned FastAPI and uvicorn is left as it is.
#
#   bash scripts/bench-venv.sh            # create or complete .venv-bench/
#   TORCH_VERSION=2.9.1 bash scripts/bench-venv.sh   # another torch, when 2.10.0 will not install
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-bench
TORCH_VERSION="${TORCH_VERSION:-2.10.0}"
FASTAPI_VERSION=0.165.0
UVICORN_VERSION=0.55.0
PY="${PYTHON:-python3}"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$TORCH_VERSION" "$FASTAPI_VERSION" "$UVICORN_VERSION" <<'PYEOF' 2>/dev/null
import sys, torch, safetensors, numpy, PIL, fastapi, uvicorn
sys.exit(0 if (torch.__version__.split("+")[0], fastapi.__version__, uvicorn.__version__) == tuple(sys.argv[1:4])
         else 1)
PYEOF
then
  echo "$VENV is ready: $("$VENV/bin/python" -c 'import torch; print("torch", torch.__version__)')"
  exit 0
fi

start=$(date +%s)
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "torch==$TORCH_VERSION" safetensors numpy pillow \
  "fastapi==$FASTAPI_VERSION" "uvicorn==$UVICORN_VERSION"
end=$(date +%s)
size=$(du -sh "$VENV" | cut -f1)
echo "$VENV ready in $((end - start)) s, $size: $("$VENV/bin/python" -c 'import torch; print("torch", torch.__version__)')"
