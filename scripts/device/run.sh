#!/usr/bin/env bash
# The GPU device run: builds dgxpx against the device's libtorch, runs the gpu tests, then times
# SDXL text-to-image with dgxpx (bench_sdxl_speed) and with diffusers on the same random weights,
# same GPU, same torch. Run THERE, in the repo root, as the device tool's one command:
#
#   command: bash scripts/device/run.sh      carry: [".device/carry"]      timeout_s: 600
#
# after scripts/device/prepare.sh here (bench/README.md, "SDXL speed on a GPU (scripts/device)").
# No stage stops the script: each logs, records pass/fail/skip and its seconds, and the script
# goes on; $OUT/figures.json is rewritten after every stage, so a run cut off still reports.
#
#   scripts/device/run.sh [--cpu-check] [--configure-only]
#     --cpu-check       the same flow on a machine without a GPU: libtorch from $TORCH_PREFIX
#                       (e.g. /usr for Debian's libtorch-dev), build dir /tmp/dgxpx-cpu-check,
#                       no gpu tests, benches on the CPU in fp32 at 128 px, 2 steps, batch 1 (only
#                       if `bench_sdxl_speed make-model` has --config tiny)
#     --configure-only  stop after CMake's configure step (checks the carried packages resolve)
#
# Environment: OUT (default /tmp/dgxpx-device-out), DEVICE_BUDGET_S (default 540: optional
# stages are skipped when their estimated time would pass it, and every stage is cut at it),
# BUILD_DIR, SDXL_RANDOM_DIR (default /tmp/sdxl-random, reused across calls on a warm machine;
# DEVICE_FRESH_MODEL=1 rewrites it), DEVICE_JOBS (default nproc), BENCH_DTYPE (fp16|bf16),
# BENCH_CAP_S (default 240: the most one bench stage may take),
# DEVICE_SKIP_BUILD=1 (no configure or build: BUILD_DIR as it is, e.g. a second call on a warm
# machine that only reruns the benches).
#
# $OUT afterwards (at most 8 files come back): run.log (this output), build.log (configure +
# build, its last 15 MiB), gpu-tests.log, bench.log (both benches' and the worker build's output), dgxpx-speed.json,
# diffusers-speed.json (runs of all stages merged) and figures.json (stages, gpu tests,
# comparison, targets).
set -uo pipefail

usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

MODE=gpu
CONFIGURE_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-check) MODE=cpu ;;
    --configure-only) CONFIGURE_ONLY=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2
SCRIPTS=$ROOT/scripts/device
OUT=${OUT:-/tmp/dgxpx-device-out}
WORK=${DEVICE_WORK:-/tmp/dgxpx-device-work}
BUDGET=${DEVICE_BUDGET_S:-540}
JOBS=${DEVICE_JOBS:-$(nproc)}
START=$SECONDS
mkdir -p "$OUT"
rm -rf "$WORK"
mkdir -p "$WORK/json"
: > "$WORK/stages.tsv"
exec > >(tee -a "$OUT/run.log") 2>&1
TEE_PID=$!

DEV=$ROOT/.device
DEPS_PREFIX=$DEV/deps/usr
RUNLIB=$DEV/runlib
BUILD_LOG=$WORK/build.log
GPU_LOG=$OUT/gpu-tests.log
BENCH_LOG=$OUT/bench.log
if [ "$MODE" = gpu ]; then
  BUILD=${BUILD_DIR:-$ROOT/build-device}
  MODEL=${SDXL_RANDOM_DIR:-/tmp/sdxl-random}
  BENCH_DEVICE=cuda
  BENCH_DTYPE=${BENCH_DTYPE:-fp16}
  STEPS=30
  MODEL_CONFIG=""
else
  BUILD=${BUILD_DIR:-/tmp/dgxpx-cpu-check}
  MODEL=${SDXL_RANDOM_DIR:-/tmp/sdxl-random-tiny}
  BENCH_DEVICE=cpu
  BENCH_DTYPE=fp32
  STEPS=2
  MODEL_CONFIG=tiny
fi
GUIDANCE=5
TARGETS=(dgxpx-sdxl dgxpx_sdxl_gpu_tests bench_sdxl_speed dgxpx)
# The tests (and the bench's make-model, for tokenizers) read the carried fixtures.
export DGXPX_FIXTURES=$ROOT/.device/fixtures

elapsed() { echo $(( SECONDS - START )); }
left() { echo $(( BUDGET - (SECONDS - START) )); }
say() { printf '[run %4ss] %s\n' "$(elapsed)" "$*"; }

# record NAME STATUS SECONDS NOTE: one line of the stage table, then figures.json again.
record() {
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >> "$WORK/stages.tsv"
  say "--- [$1] $2 in ${3}s${4:+ ($4)}"
  summarize
}

summarize() {
  python3 "$SCRIPTS/summarize.py" --work "$WORK" --out "$OUT" --mode "$MODE" \
    --budget "$BUDGET" --elapsed "$(elapsed)" "$@" ||
    say "warning: summarize.py failed (figures.json may be stale)"
}

# limited LOG [--show] [--cap SECONDS] CMD...: runs CMD with what is left of the budget (at most
# SECONDS) as its time limit, appending its output to LOG (and showing it with --show). Returns
# CMD's status (124 or 137 when cut off).
limited() {
  local log=$1 show=0 remaining
  shift
  if [ "${1:-}" = --show ]; then show=1; shift; fi
  remaining=$(left)
  if [ "${1:-}" = --cap ]; then
    [ "$2" -lt "$remaining" ] && remaining=$2
    shift 2
  fi
  if [ "$remaining" -le 5 ]; then
    echo "(not started: the time budget is spent)" >> "$log"
    return 124
  fi
  echo "\$ $*" >> "$log"
  if [ $show = 1 ]; then
    timeout -k 10 "$remaining" "$@" 2>&1 | tee -a "$log"
  else
    timeout -k 10 "$remaining" "$@" >> "$log" 2>&1
  fi
}

status_of() {  # status word for a command's exit code
  case "$1" in 0) echo pass ;; 124|137) echo timeout ;; *) echo fail ;; esac
}

publish_build_log() {  # files over 16 MiB do not come back: keep the end
  [ -f "$BUILD_LOG" ] && tail -c $(( 15 * 1024 * 1024 )) "$BUILD_LOG" > "$OUT/build.log"
}

# --- environment -----------------------------------------------------------------------------
stage_env() {
  local t0=$SECONDS
  say "mode $MODE, budget ${BUDGET}s, repo $ROOT, out $OUT, build $BUILD, model $MODEL"
  if [ -z "$(command -v nvcc)" ] && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH=/usr/local/cuda/bin:$PATH
  fi
  {
    echo "date: $(date -u +%FT%TZ)"
    echo "host: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) memory"
    command -v nvidia-smi > /dev/null &&
      nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
    for tool in cmake ninja g++ nvcc python3; do
      if command -v $tool > /dev/null; then
        echo "$tool: $(command -v $tool): $($tool --version 2>&1 | grep -m1 -iE 'version|[0-9]+\.[0-9]+')"
      else
        echo "$tool: not found"
      fi
    done
    df -h /tmp "$ROOT" 2>/dev/null | sed 1d | sort -u
  } | sed 's/^/    /'
  if [ "$MODE" = gpu ]; then
    # One torch import: its CMake prefix, versions and the GPU.
    local info
    info=$(python3 -c 'import torch
print(torch.utils.cmake_prefix_path)
print("torch", torch.__version__, "cuda", torch.version.cuda, "gpu",
      torch.cuda.get_device_name() if torch.cuda.is_available() else "none")' 2> "$WORK/torch.err")
    TORCH_PREFIX=$(echo "$info" | head -1)
    echo "    $(echo "$info" | sed -n 2p)"
    if [ ! -d "$TORCH_PREFIX/Torch" ]; then
      record env fail $(( SECONDS - t0 )) "python3 could not give torch's CMake prefix: $(tail -3 "$WORK/torch.err" | tr '\n' ' ')"
      TORCH_PREFIX=""
      return 1
    fi
  else
    if [ -z "${TORCH_PREFIX:-}" ]; then
      TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)
    fi
    if [ -z "${TORCH_PREFIX:-}" ]; then
      record env fail $(( SECONDS - t0 )) "--cpu-check needs TORCH_PREFIX (e.g. /usr for Debian's libtorch-dev)"
      return 1
    fi
  fi
  say "torch CMake prefix: $TORCH_PREFIX"
  record env pass $(( SECONDS - t0 ))
}

# --- the carried folders ---------------------------------------------------------------------
# .device/carry/{deps,python,fixtures}.tar.xz -> .device/{deps,python,fixtures}, unless the
# folder was unpacked from the same archive already (its .from-carry holds the archive's hash).
stage_unpack() {
  local t0=$SECONDS name archive sum notes=() failed=0
  for name in deps python fixtures; do
    archive=$DEV/carry/$name.tar.xz
    if [ ! -f "$archive" ]; then
      if [ -d "$DEV/$name" ]; then notes+=("$name: folder as found"); continue; fi
      notes+=("$name: missing (run scripts/device/prepare.sh and carry .device/carry)")
      failed=1
      continue
    fi
    sum=$(sha256sum "$archive" | cut -d' ' -f1)
    if [ -f "$DEV/$name/.from-carry" ] && [ "$(cat "$DEV/$name/.from-carry")" = "$sum" ]; then
      notes+=("$name: up to date")
      continue
    fi
    [ -d "$DEV/$name" ] && chmod -R u+w "$DEV/$name"
    rm -rf "${DEV:?}/$name"
    if command -v xz > /dev/null; then
      tar -xJf "$archive" -C "$DEV"
    else  # no xz program: Python's lzma
      python3 -c 'import sys, tarfile
with tarfile.open(sys.argv[1], "r:xz") as t:
    t.extractall(sys.argv[2], filter="tar")' "$archive" "$DEV"
    fi || { notes+=("$name: unpacking failed"); failed=1; continue; }
    echo "$sum" > "$DEV/$name/.from-carry"
    notes+=("$name: unpacked $(du -sh "$DEV/$name" | cut -f1)")
  done
  local IFS=';'
  record unpack "$([ $failed = 0 ] && echo pass || echo fail)" $(( SECONDS - t0 )) "${notes[*]}"
  return $failed
}

# The carried shared libraries whose soname the machine lacks, linked into .device/runlib for
# LD_LIBRARY_PATH (the build runs the test binaries to list their tests). The machine's own
# copies of the others (zlib, OpenSSL, libpng...) stay first.
stage_runlib() {
  local t0=$SECONDS f soname have added=()
  rm -rf "$RUNLIB"
  mkdir -p "$RUNLIB"
  have=$(ldconfig -p 2>/dev/null | awk '{print $1}' | sort -u)
  for f in "$DEPS_PREFIX"/lib/x86_64-linux-gnu/*.so.*; do
    [ -e "$f" ] || continue
    soname=$(readelf -d "$f" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    [ -n "$soname" ] || soname=$(basename "$f")
    [ -e "$RUNLIB/$soname" ] && continue
    if ! grep -qxF "$soname" <<< "$have"; then
      ln -s "$(realpath "$f")" "$RUNLIB/$soname"
      added+=("$soname")
    fi
  done
  export LD_LIBRARY_PATH=$RUNLIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  record runlib pass $(( SECONDS - t0 )) "from the carry: ${added[*]:-none (the machine has them all)}"
}

# --- configure and build ---------------------------------------------------------------------
stage_configure() {
  local t0=$SECONDS generator=Ninja args rc
  command -v ninja > /dev/null || generator="Unix Makefiles"
  export PKG_CONFIG_PATH=$DEPS_PREFIX/lib/x86_64-linux-gnu/pkgconfig:$DEPS_PREFIX/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  args=(
    -S "$ROOT" -B "$BUILD" -G "$generator"
    -DCMAKE_BUILD_TYPE=Release
    # The carried packages first, so they win over anything half-installed on the machine.
    # (lib/x86_64-linux-gnu as a prefix too: its cmake/ configs are found even where CMake
    # does not detect the multiarch folder.)
    "-DCMAKE_PREFIX_PATH=$DEPS_PREFIX;$DEPS_PREFIX/lib/x86_64-linux-gnu;$TORCH_PREFIX"
    "-DCMAKE_LIBRARY_PATH=$DEPS_PREFIX/lib/x86_64-linux-gnu"
    "-DCMAKE_INCLUDE_PATH=$DEPS_PREFIX/include/x86_64-linux-gnu;$DEPS_PREFIX/include"
    "-DOPENSSL_ROOT_DIR=$DEPS_PREFIX"
    "-DDGXPX_FIXTURES=$DEV/fixtures"
    -DDGXPX_BUILD_FUZZ=OFF
  )
  if [ "$MODE" = gpu ]; then
    # torch's CMake config enables CUDA when it was built with it: Hopper only, no probing.
    export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
    args+=(-DCMAKE_CUDA_ARCHITECTURES=90)
    command -v nvcc > /dev/null && args+=("-DCMAKE_CUDA_COMPILER=$(command -v nvcc)")
  fi
  say "configure: cmake ${args[*]}"
  limited "$BUILD_LOG" cmake "${args[@]}"
  rc=$?
  publish_build_log
  # Where each package came from: the carried tree, or (a warning) the machine.
  if [ -f "$BUILD/CMakeCache.txt" ]; then
    grep -E '^(yaml-cpp|spdlog|fmt|nlohmann_json|CLI11|Catch2|Torch)_DIR|^(CURL|PNG|ZLIB|JPEG|XXHASH|ICU_UC|OPENSSL_SSL|OPENSSL_CRYPTO)_LIBRAR(Y|Y_RELEASE)?:|^(CURL|PNG_PNG|ZLIB|XXHASH|ICU|OPENSSL)_INCLUDE_DIR:' \
      "$BUILD/CMakeCache.txt" | sed 's/^/    /' | tee "$WORK/found.txt"
  fi
  record configure "$(status_of $rc)" $(( SECONDS - t0 )) "log: build.log"
  return $rc
}

have_target() {  # target names from `cmake --build DIR --target help` (Ninja and Makefiles)
  grep -qE "(^|\.\.\. )$1(:| |$)" "$WORK/targets.txt"
}

stage_build() {
  local t0=$SECONDS t want=() missing=() rc
  cmake --build "$BUILD" --target help > "$WORK/targets.txt" 2>&1
  for t in "${TARGETS[@]}"; do
    if have_target "$t"; then want+=("$t"); else missing+=("$t"); fi
  done
  if [ ${#want[@]} = 0 ]; then
    record build fail $(( SECONDS - t0 )) "none of ${TARGETS[*]} is defined"
    return 1
  fi
  say "build: ${want[*]} with -j$JOBS${missing[*]:+ (not defined: ${missing[*]})}"
  # -k 0: a target that fails to compile does not stop the others.
  limited "$BUILD_LOG" nice -n 5 cmake --build "$BUILD" --target "${want[@]}" -j "$JOBS" -- -k 0
  rc=$?
  publish_build_log
  grep -E 'error:|FAILED:' "$BUILD_LOG" | head -20 | sed 's/^/    /'
  local built=() b
  for t in "${want[@]}"; do
    b=$(find "$BUILD" -type f -name "$t" -perm -u+x 2>/dev/null | head -1)
    [ -n "$b" ] && built+=("$t")
  done
  record build "$(status_of $rc)" $(( SECONDS - t0 )) \
    "built: ${built[*]:-none}${missing[*]:+; not defined: ${missing[*]}}"
  return $rc
}

binary() { find "$BUILD" -type f -name "$1" -perm -u+x 2>/dev/null | head -1; }

# --- gpu tests ---------------------------------------------------------------------------------
stage_gpu_tests() {
  local t0=$SECONDS rc bin
  bin=$(binary dgxpx_sdxl_gpu_tests)
  if [ -z "$bin" ]; then
    record gpu-tests skip $(( SECONDS - t0 )) "dgxpx_sdxl_gpu_tests was not built"
    return 1
  fi
  (cd "$BUILD" && limited "$GPU_LOG" --show --cap 240 ctest -L gpu --output-on-failure --timeout 200)
  rc=$?
  if grep -q 'No tests were found' "$GPU_LOG"; then
    say "ctest found no gpu tests: running the binary with [gpu]"
    limited "$GPU_LOG" --show --cap 200 "$bin" "[gpu]"
    rc=$?
  fi
  record gpu-tests "$(status_of $rc)" $(( SECONDS - t0 )) "log: gpu-tests.log"
}

# --- the random SDXL model -----------------------------------------------------------------------
BENCH=""
stage_make_model() {
  local t0=$SECONDS rc args stamp
  BENCH=$(binary bench_sdxl_speed)
  if [ -z "$BENCH" ]; then
    record make-model skip 0 "bench_sdxl_speed was not built"
    return 1
  fi
  args=("$BENCH" make-model "$MODEL" --tokenizers "$DEV/fixtures/sdxl-tiny/model")
  if [ -n "$MODEL_CONFIG" ]; then
    if ! grep -q -- '--config' <<<"$("$BENCH" --help 2>&1)"; then
      record make-model skip $(( SECONDS - t0 )) "make-model has no --config $MODEL_CONFIG: a full-size model on the CPU is too slow; checked up to the build"
      return 1
    fi
    args+=(--config "$MODEL_CONFIG")
  fi
  stamp="config=${MODEL_CONFIG:-sdxl-base}"
  if [ "${DEVICE_FRESH_MODEL:-0}" != 1 ] && [ -f "$MODEL/model_index.json" ] &&
     [ "$(cat "$MODEL/.run-sh-stamp" 2>/dev/null)" = "$stamp" ]; then
    record make-model pass $(( SECONDS - t0 )) "reused $MODEL ($(du -sh "$MODEL" | cut -f1))"
    return 0
  fi
  rm -rf "$MODEL"
  limited "$BENCH_LOG" --show --cap 240 "${args[@]}"
  rc=$?
  if [ $rc = 0 ] && [ -f "$MODEL/model_index.json" ]; then
    echo "$stamp" > "$MODEL/.run-sh-stamp"
    record make-model pass $(( SECONDS - t0 )) "$MODEL: $(du -sh "$MODEL" | cut -f1)"
  else
    record make-model "$(status_of $rc)" $(( SECONDS - t0 )) "exit $rc, see bench.log"
    return 1
  fi
}

# --- the benches ---------------------------------------------------------------------------------
declare -A STAGE_SECONDS=()

# bench TOOL SIZE BATCH [ESTIMATE]: one bench stage, cut at BENCH_CAP_S (default 240) seconds.
# With ESTIMATE (seconds; an optional stage) it is skipped when the estimate does not fit in what
# is left of the budget.
bench() {
  local tool=$1 size=$2 batch=$3 estimate=${4:-} name="$1-$2-b$3" t0=$SECONDS rc json
  local cap=${BENCH_CAP_S:-240}
  json=$WORK/json/$name.json
  if [ -n "$estimate" ]; then
    [ "$estimate" -ge 20 ] || estimate=20  # unknown or tiny: still leave room for a load
    if [ $(( estimate + 15 )) -gt "$(left)" ]; then
      record "$name" skip 0 "optional: estimated ${estimate}s, $(left)s left of the budget"
      return 1
    fi
  fi
  if [ ! -f "$MODEL/model_index.json" ]; then
    record "$name" skip 0 "no model at $MODEL"
    return 1
  fi
  echo "=== $name" >> "$BENCH_LOG"
  if [ "$tool" = dgxpx ]; then
    limited "$BENCH_LOG" --show --cap "$cap" "$BENCH" run "$MODEL" --device "$BENCH_DEVICE" \
      --dtype "$BENCH_DTYPE" --size "$size" --steps "$STEPS" --guidance "$GUIDANCE" \
      --batches "$batch" --json "$json"
  else
    local extra=()
    [ "$MODE" = cpu ] && extra=(--runs 1)
    PYTHONPATH=$DEV/python${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 \
      limited "$BENCH_LOG" --show --cap "$cap" python3 "$ROOT/bench/sdxl_speed/diffusers_speed.py" "$MODEL" \
        --device "$BENCH_DEVICE" --dtype "$BENCH_DTYPE" --size "$size" --steps "$STEPS" \
        --guidance "$GUIDANCE" --batches "$batch" "${extra[@]}" --json "$json"
  fi
  rc=$?
  STAGE_SECONDS[$name]=$(( SECONDS - t0 ))
  local note="exit $rc"
  [ -f "$json" ] || note="$note, no JSON written"
  record "$name" "$(status_of $rc)" $(( SECONDS - t0 )) "$note"
}

# The estimate for an optional stage from a measured one: seconds * factor (integer percent).
estimate() { local s=${STAGE_SECONDS[$1]:-0}; echo $(( s * $2 / 100 )); }

# --- the worker: `dgxpx build` of a 32-frame character through the generation worker ---------------
# One model load, batches up to 8; independent frames, so the figure is the worker's throughput
# (keyframe rows would run their derived frames at 60 % of the steps). WORK/json/worker.json
# holds the build's --json summary with the frame count, size and steps.
stage_worker() {
  local t0=$SECONDS rc dgxpx project=$WORK/worker-project size=$1 estimate=${2:-}
  dgxpx=$(binary dgxpx)
  if [ -z "$dgxpx" ]; then
    record worker skip 0 "dgxpx was not built"
    return 1
  fi
  if [ -n "$estimate" ] && [ $(( estimate + 15 )) -gt "$(left)" ]; then
    record worker skip 0 "optional: estimated ${estimate}s, $(left)s left of the budget"
    return 1
  fi
  rm -rf "$project"
  mkdir -p "$project/sprites" "$project/presets"
  printf 'manifests: sprites\nworker: {max_batch: 8, device: %s}\n' "$BENCH_DEVICE" > "$project/dgxpx.yaml"
  printf "model: '%s'\nsize: [%s, %s]\nsteps: %s\nguidance: %s\nsampler: euler\npixel: {size: [64, 64]}\n" \
    "$MODEL" "$size" "$size" "$STEPS" "$GUIDANCE" > "$project/presets/bench.yaml"
  printf '%s\n' 'kind: character' 'name: hero' 'preset: bench' 'prompt: "a knight in blue armor, pixel art"' \
    'seed: 7' 'consistency: independent' 'directions: [down, left, right, up]' 'animations:' \
    '  walk: {prompt: walking, frames: 8}' > "$project/sprites/hero.yaml"
  echo "=== worker: dgxpx build, 32 frames at ${size}² through the worker" >> "$BENCH_LOG"
  (cd "$project" && limited "$WORK/worker.log" --cap "${BENCH_CAP_S:-240}" "$dgxpx" build -j 16 --json)
  rc=$?
  cat "$WORK/worker.log" >> "$BENCH_LOG"
  python3 - "$WORK/worker.log" "$WORK/json/worker.json" "$size" "$STEPS" <<'PY' || rc=1
import json, sys
log, out, size, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
summary = None
for line in open(log, errors="replace"):
    line = line.strip()
    if line.startswith("{"):
        try:
            summary = json.loads(line)
        except ValueError:
            pass
if summary is None:
    sys.exit("no --json summary in the build's output")
frames = 32
json.dump({"frames": frames, "size": size, "steps": steps, "seconds": summary.get("seconds"),
           "images_per_s": frames / summary["seconds"] if summary.get("seconds") else None,
           "summary": summary}, open(out, "w"), indent=2)
PY
  record worker "$(status_of $rc)" $(( SECONDS - t0 )) "32 frames at ${size}², see bench.log"
}

# --- the run -----------------------------------------------------------------------------------
say "=== dgxpx device run ($MODE) ==="
stage_env && stage_unpack && stage_runlib &&
  if [ "${DEVICE_SKIP_BUILD:-0}" = 1 ]; then true; else stage_configure; fi
configured=$?
if [ $configured = 0 ] && [ $CONFIGURE_ONLY = 0 ]; then
  if [ "${DEVICE_SKIP_BUILD:-0}" = 1 ]; then
    record build skip 0 "DEVICE_SKIP_BUILD=1: using what $BUILD holds"
  else
    stage_build
  fi
  if [ "$MODE" = gpu ]; then stage_gpu_tests; fi
  if stage_make_model; then
    if [ "$MODE" = gpu ]; then
      # The figures that matter first: 1024², batch 1, both tools; then batch 4.
      bench dgxpx 1024 1
      bench diffusers 1024 1
      bench dgxpx 1024 4
      bench diffusers 1024 4
      # Optional, while the budget lasts: batch 8 (about twice batch 4), 768² and 512² batch 1
      # (at most what 1024² batch 1 took).
      bench dgxpx 1024 8 "$(estimate dgxpx-1024-b4 200)"
      bench diffusers 1024 8 "$(estimate diffusers-1024-b4 200)"
      for size in 768 512; do
        bench dgxpx $size 1 "$(estimate dgxpx-1024-b1 100)"
        bench diffusers $size 1 "$(estimate diffusers-1024-b1 100)"
      done
      # 32 images of 1024² at about batch 8's rate, plus a model load.
      stage_worker 1024 "$(estimate dgxpx-1024-b4 800)"
    else
      bench dgxpx 128 1
      bench diffusers 128 1
      stage_worker 128
    fi
  fi
elif [ $CONFIGURE_ONLY = 1 ]; then
  say "--configure-only: stopping after the configure step"
fi

say "=== done in $(elapsed)s ==="
summarize --print
# Exit 1 when a stage failed or was cut off (skipped stages do not count).
failed=$(awk -F'\t' '$2 == "fail" || $2 == "timeout" { print $1 }' "$WORK/stages.tsv" | xargs)
[ -z "$failed" ] || say "failed: $failed"
exec >&- 2>&-
wait "$TEE_PID" 2>/dev/null
[ -z "$failed" ]
