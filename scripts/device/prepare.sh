#!/usr/bin/env bash
# Fills the git-ignored folder .device/ with what a GPU device run (scripts/device/run.sh) needs
# that the device machine lacks. Run it HERE, on Debian 12 (apt-get download needs no root; an
# apt-get update, run only when apt does not know a package, does).
#
#   scripts/device/prepare.sh
#
# It writes, from scratch on every run (re-running refreshes everything):
#   .device/deps/usr/...        Debian 12 -dev packages and their runtime libraries, unpacked
#                               with dpkg -x (no install), made relocatable: absolute symlinks
#                               made relative, pkg-config files prefixed with ${pcfiledir}
#   .device/python/diffusers/   the diffusers package source (pure Python), from the bare git
#                               mirror that the session's `fetch github:huggingface/diffusers`
#                               leaves under /work/.mirror (or $DIFFUSERS_GIT / $DIFFUSERS_SRC);
#                               .device/python/DIFFUSERS_COMMIT names the commit
#   .device/fixtures/sdxl-tiny/ a copy of ../shared/fixtures/sdxl-tiny (or $DGXPX_FIXTURES)
#   .device/carry/              the only part that travels: the three folders above as .tar.xz
#                               archives (together far smaller than the folders: libicudata and
#                               Python source compress well), unpacked by run.sh there
#
# At the end it prints the sizes, what would travel in all (tree + carry, limit 64 MiB) and the
# `carry` list for the device tool's run call: [".device/carry"].
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEV=$ROOT/.device
DEPS=$DEV/deps
PY=$DEV/python
FIX=$DEV/fixtures
CARRY=$DEV/carry
TRAVEL_LIMIT=$((64 * 1024 * 1024))

say() { printf '[prepare] %s\n' "$*"; }
die() { printf '[prepare] error: %s\n' "$*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg git tar xz du find sha256sum; do
  command -v "$tool" > /dev/null || die "'$tool' is not installed (this script runs on Debian 12)"
done
[ -r /etc/debian_version ] && case "$(cat /etc/debian_version)" in
  12*|bookworm*) ;;
  *) say "warning: not Debian 12 ($(cat /etc/debian_version)): package names may differ" ;;
esac

# --- 1. Debian packages ---------------------------------------------------------------------
# One -dev package per find_package/find_library that CMake's configure step meets (configure
# reads every fragment, so the test and bench fragments' finds count too, not only the three
# targets the device run builds).
DEV_PACKAGES=(
  libyaml-cpp-dev       # find_package(yaml-cpp)                       CMakeLists.txt
  libspdlog-dev         # find_package(spdlog)                         CMakeLists.txt
  libfmt-dev            #   spdlog's config finds fmt (external fmt in Debian's spdlog)
  nlohmann-json3-dev    # find_package(nlohmann_json)                  CMakeLists.txt
  libcli11-dev          # find_package(CLI11)                          CMakeLists.txt
  libcurl4-openssl-dev  # find_package(CURL) (headers; curl is dlopened) CMakeLists.txt, cache/
  libssl-dev            # find_package(OpenSSL)                        CMakeLists.txt, cache/
  libpng-dev            # find_package(PNG)                            CMakeLists.txt
  zlib1g-dev            #   FindPNG finds ZLIB
  libxxhash-dev         # find_path(xxhash.h), find_library(xxhash)    CMakeLists.txt
  libicu-dev            # find_package(ICU COMPONENTS uc)              compiler/sdxl/sources_sampling.cmake
  catch2                # find_package(Catch2) (v2, header-only)       tests/CMakeLists.txt
  libjpeg62-turbo-dev   # find_package(JPEG)                           tests/pixel.cmake, bench/pixel.cmake
)
# Depends of the -dev packages that are not fetched: the C library's headers (the device has a
# compiler, so it has them) and ICU's command-line tools (FindICU only needs the uc library).
SKIP_DEPENDS=" libc6-dev libc-dev icu-devtools "

# The runtime package(s) each -dev package depends on (libyaml-cpp0.7, libspdlog1.10, libfmt9,
# libcurl4, libssl3, libpng16-16, zlib1g, libxxhash0, libicu72, libjpeg62-turbo), worked out
# from apt-cache rather than written down, so a point release's names follow.
runtime_packages() {
  local p dep
  for p in "${DEV_PACKAGES[@]}"; do
    apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
      --no-enhances "$p" |
      awk '$1 == "Depends:" || $1 == "|Depends:" { print $2 }' |
      while read -r dep; do
        case "$dep" in "<"*) continue ;; esac   # virtual package
        case "$SKIP_DEPENDS" in *" $dep "*) continue ;; esac
        case " ${DEV_PACKAGES[*]} " in *" $dep "*) continue ;; esac
        case "$dep" in
          *-dev) die "$p depends on $dep, which is not in DEV_PACKAGES: add it" ;;
        esac
        echo "$dep"
      done
  done | sort -u
}

fetch_packages() {
  local missing=() p
  for p in "${DEV_PACKAGES[@]}"; do
    apt-cache show "$p" > /dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "apt does not know ${missing[*]}: running apt-get update"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi
  fi
  mapfile -t RUNTIME_PACKAGES < <(runtime_packages)
  [ ${#RUNTIME_PACKAGES[@]} -gt 0 ] || die "apt-cache found no runtime packages"
  say "dev packages:     ${DEV_PACKAGES[*]}"
  say "runtime packages: ${RUNTIME_PACKAGES[*]}"

  local debs
  debs=$(mktemp -d /tmp/dgxpx-device-debs.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$debs'" EXIT
  say "downloading $(( ${#DEV_PACKAGES[@]} + ${#RUNTIME_PACKAGES[@]} )) packages into $debs"
  # (As root, apt warns that it downloads unsandboxed: harmless, filtered out.)
  (cd "$debs"; apt-get download -q "${DEV_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}" 2>&1 |
     grep -v 'unsandboxed as root') || true
  local n
  n=$(find "$debs" -name '*.deb' | wc -l)
  [ "$n" -eq $(( ${#DEV_PACKAGES[@]} + ${#RUNTIME_PACKAGES[@]} )) ] ||
    die "expected $(( ${#DEV_PACKAGES[@]} + ${#RUNTIME_PACKAGES[@]} )) .deb files, got $n (see apt's messages above)"

  rm -rf "$DEPS"
  mkdir -p "$DEPS"
  local deb
  for deb in "$debs"/*.deb; do dpkg -x "$deb" "$DEPS"; done
  find "$debs" -name '*.deb' -printf '%f\n' | sort > "$DEV/deps.packages"
  rm -rf "$debs"
  trap - EXIT

  # usrmerge: zlib1g still installs into /lib; keep one tree under usr/.
  if [ -d "$DEPS/lib" ]; then
    mkdir -p "$DEPS/usr/lib"
    cp -a "$DEPS/lib/." "$DEPS/usr/lib/"
    rm -rf "${DEPS:?}/lib"
  fi
  # Documentation, manual pages, lintian overrides and helper programs are not needed.
  rm -rf "${DEPS:?}/usr/share/doc" "${DEPS:?}/usr/share/man" "${DEPS:?}/usr/share/lintian" \
         "${DEPS:?}/usr/share/doc-base" "${DEPS:?}/usr/share/aclocal" "${DEPS:?}/usr/bin" \
         "${DEPS:?}/usr/sbin"
  # ICU: only libicuuc (and the libicudata it loads) is linked; drop the other libraries and
  # their pkg-config files.
  find "$DEPS/usr/lib" \( -name 'libicui18n.*' -o -name 'libicuio.*' -o -name 'libicutest.*' \
       -o -name 'libicutu.*' -o -name 'icu-i18n.pc' -o -name 'icu-io.pc' \) -delete
  # Static libraries: the build links the shared ones. Keep those a CMake config file names
  # (Catch2's targets file imports libCatch2WithMain.a and checks that it exists).
  local a base
  while IFS= read -r -d '' a; do
    base=$(basename "$a")
    if grep -rqF "$base" "$DEPS/usr/lib/cmake" "$DEPS/usr/lib/x86_64-linux-gnu/cmake" \
         "$DEPS/usr/share/cmake" 2>/dev/null; then
      continue
    fi
    rm -f "$a"
  done < <(find "$DEPS" -name '*.a' -print0)

  # Absolute symlinks (libz.so -> /lib/x86_64-linux-gnu/libz.so.1.2.13) would point into the
  # device's own /usr: make them relative inside the tree.
  local link target mapped
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    case "$target" in /lib/*) mapped=/usr$target ;; *) mapped=$target ;; esac
    [ -e "$DEPS$mapped" ] || die "symlink $link -> $target: $DEPS$mapped is not in the packages"
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$DEPS$mapped")" "$link"
  done < <(find "$DEPS" -type l -lname '/*' -print0)
  local dangling
  dangling=$(find "$DEPS" -xtype l)
  [ -z "$dangling" ] || die "dangling symlinks in $DEPS: $dangling"

  # pkg-config files: every /usr becomes the tree's own prefix, found from the file's folder.
  local pc rel
  while IFS= read -r -d '' pc; do
    rel=$(realpath -m --relative-to="$(dirname "$pc")" "$DEPS/usr")
    sed -i -E "s#(=|= |-I|-L|[[:space:]])/usr(/|[[:space:]]|\$)#\1\${pcfiledir}/$rel\2#g" "$pc"
    if grep -qE '(^|[=[:space:]]|-I|-L)/usr(/|[[:space:]]|$)' "$pc"; then
      die "$pc still names /usr after the rewrite"
    fi
  done < <(find "$DEPS" -name '*.pc' -print0)

  # The CMake package files of these packages compute their prefix from their own location
  # (checked: no /usr outside the "/usr move" guard), so CMAKE_PREFIX_PATH=.device/deps/usr works.
  # The check skips comments and CMake's own "/usr move" guard (if(_realCurr STREQUAL _realOrig)
  # ... endif()), which only applies when the file is loaded from /usr itself.
  local cm
  while IFS= read -r -d '' cm; do
    if awk '/^[[:space:]]*#/ { next }
            /_realOrig/ { if ($0 ~ /^[[:space:]]*if\(/) guard = 1; next }
            guard && /^[[:space:]]*endif\(/ { guard = 0; next }
            !guard && /"\/usr(\/|")/ { found = 1 }
            END { exit !found }' "$cm"; then
      die "$cm names an absolute /usr path: the tree would not be relocatable"
    fi
  done < <(find "$DEPS" -name '*.cmake' -print0)
  say "deps: $(du -sh "$DEPS" | cut -f1) unpacked in $DEPS"
}

# --- 2. diffusers ------------------------------------------------------------------------------
fetch_diffusers() {
  local git_dir=${DIFFUSERS_GIT:-/work/.mirror/huggingface+diffusers/repo}
  rm -rf "$PY"
  mkdir -p "$PY"
  if [ -n "${DIFFUSERS_SRC:-}" ]; then
    [ -f "$DIFFUSERS_SRC/__init__.py" ] || die "DIFFUSERS_SRC=$DIFFUSERS_SRC is not the diffusers package folder (src/diffusers)"
    cp -a "$DIFFUSERS_SRC" "$PY/diffusers"
    git -C "$DIFFUSERS_SRC" rev-parse HEAD > "$PY/DIFFUSERS_COMMIT" 2>/dev/null ||
      echo "unknown (copied from $DIFFUSERS_SRC)" > "$PY/DIFFUSERS_COMMIT"
  else
    if ! git --git-dir="$git_dir" rev-parse --verify -q HEAD > /dev/null 2>&1; then
      die "no diffusers git mirror at $git_dir. Fetch it with the session's fetch tool
  (source github:huggingface/diffusers; it answers with the git directory), then re-run with
  DIFFUSERS_GIT=<that directory>, or set DIFFUSERS_SRC=<a checkout>/src/diffusers"
    fi
    local commit
    commit=$(git --git-dir="$git_dir" rev-parse HEAD)
    git --git-dir="$git_dir" archive "$commit" src/diffusers | tar -x -C "$PY" --strip-components=1
    echo "$commit" > "$PY/DIFFUSERS_COMMIT"
  fi
  [ -f "$PY/diffusers/pipelines/stable_diffusion_xl/pipeline_stable_diffusion_xl.py" ] ||
    die "the diffusers source in $PY has no StableDiffusionXLPipeline"
  find "$PY" -name '__pycache__' -prune -exec rm -rf {} +
  local version
  version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$PY/diffusers/__init__.py")
  say "diffusers $version at commit $(cat "$PY/DIFFUSERS_COMMIT"): $(du -sh "$PY" | cut -f1) in $PY"
}

# --- 3. fixtures -------------------------------------------------------------------------------
copy_fixtures() {
  local src=${DGXPX_FIXTURES:-$ROOT/../shared/fixtures}/sdxl-tiny
  [ -f "$src/cases.json" ] || die "no sdxl-tiny fixtures at $src (set DGXPX_FIXTURES to the folder holding sdxl-tiny/)"
  [ -d "$FIX" ] && chmod -R u+w "$FIX"
  rm -rf "$FIX"
  mkdir -p "$FIX"
  # The whole set (31 MB, 24 MB as .tar.xz) fits; the gpu tests read cases.json, model/,
  # single_file.safetensors and the ref_*.safetensors files the cases name, and the bench reads
  # model/tokenizer*.
  cp -r "$src" "$FIX/sdxl-tiny"
  chmod -R u+w "$FIX"
  say "fixtures: $(du -sh "$FIX" | cut -f1) in $FIX/sdxl-tiny"
}

# --- 4. the archives that travel ---------------------------------------------------------------
pack() {
  local name=$1 dir=$2 out=$CARRY/$1.tar.xz
  say "packing $name ($(du -sh "$dir" | cut -f1)) into $out"
  # Reproducible order and owners; xz on two threads at low priority (a shared machine).
  tar -C "$DEV" --sort=name --owner=0 --group=0 --numeric-owner -cf - "$(basename "$dir")" |
    nice -n 10 xz -T2 -6 > "$out.tmp"
  mv "$out.tmp" "$out"
  # The stamp run.sh compares before unpacking: the archive's hash, also written into the folder
  # here, so an unpacked folder that matches is not unpacked again.
  sha256sum "$out" | cut -d' ' -f1 > "$dir/.from-carry"
}

mkdir -p "$DEV"
fetch_packages
fetch_diffusers
copy_fixtures
rm -rf "$CARRY"
mkdir -p "$CARRY"
pack deps "$DEPS"
pack python "$PY"
pack fixtures "$FIX"
cp "$PY/DIFFUSERS_COMMIT" "$DEV/deps.packages" "$CARRY/"

# --- 5. sizes ------------------------------------------------------------------------------------
tree_bytes=0
while IFS= read -r -d '' f; do
  [ -f "$f" ] && [ ! -L "$f" ] && tree_bytes=$(( tree_bytes + $(stat -c %s "$f") ))
done < <(git -C "$ROOT" ls-files -z --cached --others --exclude-standard)
carry_bytes=$(du -sb "$CARRY" | cut -f1)
total=$(( tree_bytes + carry_bytes ))
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo
say "unpacked here (not carried):"
du -sh "$DEPS" "$PY" "$FIX" | sed 's/^/    /'
say "carried (.device/carry):"
du -sh "$CARRY"/* | sed 's/^/    /'
say "working tree that travels: $(mib "$tree_bytes"); carry: $(mib "$carry_bytes"); together $(mib "$total") of 64 MiB"
if [ "$total" -gt "$TRAVEL_LIMIT" ]; then
  die "tree + carry is over the device tool's 64 MiB: drop something from the carry"
fi
echo
say "device tool call:"
echo '    command:   bash scripts/device/run.sh'
echo '    carry:     [".device/carry"]'
echo '    timeout_s: 600   (run.sh keeps to DEVICE_BUDGET_S=540 by default)'
