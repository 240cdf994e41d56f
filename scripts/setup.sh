#!/usr/bin/env bash
# Installs what dgxpx needs on Debian 12, as root or through sudo.
#   scripts/setup.sh          everything: building, the tests and the benchmarks
#   scripts/setup.sh --tools  only what building dgxpx needs (no browser, no sprite set)
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
TOOL_PACKAGES=(
  cmake g++ ninja-build pkg-config
  libtorch-dev libyaml-cpp-dev libxxhash-dev libpng-dev libspdlog-dev
  nlohmann-json3-dev libcli11-dev catch2 libicu-dev libcurl4-openssl-dev libssl-dev
)
# The browser the report and engine tests drive, the engines they load (tests/engines, through npm),
# Tiled for the tileset test, the CC0 sprites of the pixel quality set and libjpeg that degrades
# them (test support and bench only; the product reads no JPEG), the web server (its WebDAV
# module takes PUT) and the S3 signer (for a loopback server that checks signatures) the remote
# cache tests start on 127.0.0.1, and the Slurm daemons the shard test starts there.
TEST_PACKAGES=(crawl-tiles-data libjpeg62-turbo-dev chromium tiled nginx python3-botocore slurmd slurmctld slurm-client munge)
case "${1:-}" in
  --tools) PACKAGES=("${TOOL_PACKAGES[@]}") ;;
  "") PACKAGES=("${TOOL_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  *) echo "usage: scripts/setup.sh [--tools]" >&2; exit 2 ;;
esac
# npm: the machine's own Node.js install carries it (Debian's npm conflicts with NodeSource's
# nodejs); Debian's package only where there is none.
if [ -z "${1:-}" ] && ! command -v npm > /dev/null; then PACKAGES+=(npm); fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
