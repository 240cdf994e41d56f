#!/usr/bin/env bash
# Configures, builds and runs every test suite (ctest). Usage: scripts/test.sh [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${DGXPX_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" -j "$(nproc)"
cd "$BUILD_DIR"
# Tests labelled gpu need CUDA; run them with `ctest -L gpu` on a GPU machine.
ctest --output-on-failure -j "$(nproc)" -LE gpu "$@"
