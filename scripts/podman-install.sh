#!/usr/bin/env bash
# Installs Debian's podman with runc (the runtime that works on these machines' cgroup layout; see deploy/containers.conf)
# and what podman needs to build and run FROM-scratch images: the image build and run test ContainerImageTest
# (vesselseg-cli) skips without it. Idempotent: does nothing when podman and runc are already on PATH.
# Needs root or sudo, and apt (Debian/Ubuntu).
# Usage: bash scripts/podman-install.sh
set -euo pipefail
if command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1; then
  echo "podman already installed: $(podman --version)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "podman-install.sh: apt-get not found; install podman and runc with this system's package manager" >&2
  exit 1
fi
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "podman-install.sh: not root and no sudo; run it as root" >&2
    exit 1
  fi
  SUDO=(sudo)
fi
start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends podman runc uidmap fuse-overlayfs slirp4netns \
  netavark aardvark-dns iptables >/dev/null
echo "installed $(podman --version) and $(runc --version | sed -n 1p) in $(( $(date +%s) - start )) s"
