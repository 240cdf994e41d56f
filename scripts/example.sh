#!/usr/bin/env bash
# The README's main command: installs what building dgxpx needs (not the test-only packages),
# builds the dgxpx tool alone (not the test suites) and runs `dgxpx build` on the bundled
# example project in manifests/. Extra arguments go to `dgxpx build` (e.g. --json).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${DGXPX_BUILD_DIR:-build}
bash scripts/setup.sh --tools
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" -j "$(nproc)" --target dgxpx
"$(realpath "$BUILD_DIR")/compiler/cli/dgxpx" -C manifests build "$@"
