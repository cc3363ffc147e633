#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver): the headless browser
# that the vesselseg-serve test WebPageTest drives through Selenium (it skips when either binary is absent).
# Idempotent: does nothing when both binaries exist. Runs apt-get as root, or through sudo when not root; waits up to
# 10 min for another apt-get to release the dpkg lock.
# Usage: bash scripts/browser-install.sh      (~40 s the first time)
set -euo pipefail
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  echo "chromium and chromedriver already installed: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
  exit 0
fi
if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "browser-install.sh: needs root or sudo to run apt-get install chromium chromium-driver" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser-install.sh: no apt-get here; install chromium and its chromedriver as /usr/bin/chromium and /usr/bin/chromedriver" >&2
  exit 1
fi
start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
/usr/bin/chromium --version
/usr/bin/chromedriver --version
echo "installed chromium and chromium-driver in $(( $(date +%s) - start )) s"
