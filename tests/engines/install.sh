#!/usr/bin/env bash
# Installs the engine loaders the browser tests use (package.json + package-lock.json next to
# this script) into DEST/node_modules with `npm ci`, so the versions are exactly the locked ones.
# Skips the install when DEST already holds this lockfile's packages.   Usage: install.sh DEST
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:?usage: install.sh DEST}"
mkdir -p "$dest"
if cmp -s "$here/package-lock.json" "$dest/node_modules/.dgxpx-installed-lock.json"; then exit 0; fi
if ! command -v npm >/dev/null; then
  echo "npm not found: install Debian's npm package (scripts/setup.sh does)" >&2
  exit 1
fi
cp "$here/package.json" "$here/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error)
cp "$here/package-lock.json" "$dest/node_modules/.dgxpx-installed-lock.json"
