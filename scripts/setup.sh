#!/usr/bin/env bash
# Installs everything dgxpx needs to build and test on Debian 12 (run as root or with sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
PACKAGES=(
  cmake g++ ninja-build pkg-config
  libtorch-dev libyaml-cpp-dev libxxhash-dev libpng-dev libspdlog-dev
  nlohmann-json3-dev catch2 libicu-dev
  crawl-tiles-data chromium
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
