#!/usr/bin/env bash
# bench/consistency: how alike consecutive frames of one animation look under each consistency
# mode of the character rule (independent, keyframe, strip). Builds the same character once per
# mode in a temporary project and measures its sheet with dgxpx_bench_frame_consistency: the mean
# absolute RGB difference between consecutive frames of each animation, alpha composited over
# black, 0-255; lower = more consistent. On the placeholder or a tiny model the figures only show
# that the mechanics work; real ones need real SDXL weights (a GPU).
set -euo pipefail

help_text() {
  cat <<'TEXT'
usage: bench/consistency/run.sh PRESET_OR_MODEL_DIR [FRAMES]
  PRESET_OR_MODEL_DIR  a diffusers SDXL folder (holding model_index.json), or `placeholder`
                       for the procedural backend (no model; mechanics only)
  FRAMES               frames per animation, 2..64 (default 4)
environment:
  DGXPX_BIN            the dgxpx binary (default: build/compiler/cli/dgxpx in this repo)
  DGXPX_BENCH_TOOL     the measuring tool (default: build/bench/dgxpx_bench_frame_consistency)
  DGXPX_BENCH_SIZE     generation size WxH with a model (default 1024x1024)
  DGXPX_BENCH_STEPS    sampling steps with a model (default 20)
  DGXPX_BENCH_SHEETS   a folder to copy each mode's sheet and atlas to (MODE.png, MODE.json)
TEXT
}
# usage [STATUS]: the help on stderr for a usage error (status 2), on stdout for --help (0).
usage() {
  if [ "${1:-2}" = 0 ]; then help_text; else help_text >&2; fi
  exit "${1:-2}"
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
case "$1" in -h | --help) usage 0 ;; esac
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DGXPX=${DGXPX_BIN:-$REPO/build/compiler/cli/dgxpx}
TOOL=${DGXPX_BENCH_TOOL:-$REPO/build/bench/dgxpx_bench_frame_consistency}
FRAMES=${2:-4}
SIZE=${DGXPX_BENCH_SIZE:-1024x1024}
STEPS=${DGXPX_BENCH_STEPS:-20}
MODES=(independent keyframe strip)

fail_usage() { echo "error: $1" >&2; usage; }
[[ $FRAMES =~ ^[0-9]+$ ]] && ((10#$FRAMES >= 2 && 10#$FRAMES <= 64)) ||
  fail_usage "FRAMES: expected 2..64 (one frame has no neighbour to compare), got '$FRAMES'"
FRAMES=$((10#$FRAMES))  # "08" is not octal
[ -x "$DGXPX" ] || fail_usage "no dgxpx binary at $DGXPX (build it, or set DGXPX_BIN)"
[ -x "$TOOL" ] || fail_usage "no measuring tool at $TOOL (build dgxpx_bench_frame_consistency, or set DGXPX_BENCH_TOOL)"
# Absolute: the builds run in the temporary project.
DGXPX=$(realpath "$DGXPX")
TOOL=$(realpath "$TOOL")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dgxpx-bench-consistency.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/manifests" "$WORK/presets"
printf 'manifests: manifests\noutput: assets\n' > "$WORK/dgxpx.yaml"
if [ "$1" = placeholder ]; then
  DESCRIPTION="placeholder backend (no model), 256x256 -> 32x32"
  printf 'size: [256, 256]\npixel: {size: [32, 32]}\n' > "$WORK/presets/bench.yaml"
else
  [ -d "$1" ] || fail_usage "PRESET_OR_MODEL_DIR: expected a model folder or 'placeholder', got '$1'"
  [ -f "$1/model_index.json" ] || fail_usage "$1: expected a diffusers SDXL folder, found no model_index.json"
  [[ $SIZE =~ ^([0-9]+)x([0-9]+)$ ]] || fail_usage "DGXPX_BENCH_SIZE: expected WxH, got '$SIZE'"
  WIDTH=$((10#${BASH_REMATCH[1]})) HEIGHT=$((10#${BASH_REMATCH[2]}))
  [[ $STEPS =~ ^[0-9]+$ ]] && ((10#$STEPS >= 1)) || fail_usage "DGXPX_BENCH_STEPS: expected 1 or more, got '$STEPS'"
  STEPS=$((10#$STEPS))
  # Model-backed steps run in dgxpx-sdxl (libtorch), which dgxpx finds next to itself.
  [ -x "$(dirname "$DGXPX")/dgxpx-sdxl" ] ||
    fail_usage "a model needs $(dirname "$DGXPX")/dgxpx-sdxl (build the dgxpx-sdxl target)"
  MODEL=$(realpath "$1")
  DESCRIPTION="$MODEL, ${WIDTH}x${HEIGHT}, $STEPS steps, pixel factor 16"
  printf "model: '%s'\nsize: [%d, %d]\nsteps: %d\npixel: {factor: 16}\n" "$MODEL" "$WIDTH" "$HEIGHT" "$STEPS" \
    > "$WORK/presets/bench.yaml"
fi

# write_manifest MODE: the same character each time; only the consistency mode changes.
write_manifest() {
  cat > "$WORK/manifests/hero.yaml" <<YAML
kind: character
name: hero
preset: bench
prompt: "a knight in blue armor with a red cape, pixel art"
seed: 1234
consistency: $1
directions: [down, right]
animations:
  walk: {prompt: "walking", frames: $FRAMES, duration: 120}
  idle: {prompt: "standing idle", frames: $FRAMES, duration: 300}
YAML
}

echo "frame consistency: $DESCRIPTION; walk and idle x down and right, $FRAMES frames each"
declare -A MEAN
for mode in "${MODES[@]}"; do
  write_manifest "$mode"
  if ! (cd "$WORK" && "$DGXPX" build) > "$WORK/build-$mode.log" 2>&1; then
    echo "error: dgxpx build failed for consistency: $mode; the end of its output:" >&2
    tail -n 30 "$WORK/build-$mode.log" >&2
    exit 1
  fi
  "$TOOL" "$WORK/assets/hero.png" "$WORK/assets/hero.json" "$mode" | tee "$WORK/measure-$mode.txt"
  # The tool's last line ends with the mean over the animations.
  MEAN[$mode]=$(tail -n 1 "$WORK/measure-$mode.txt" | awk '{print $NF}')
  if [ -n "${DGXPX_BENCH_SHEETS:-}" ]; then
    mkdir -p "$DGXPX_BENCH_SHEETS"
    cp "$WORK/assets/hero.png" "$DGXPX_BENCH_SHEETS/$mode.png"
    cp "$WORK/assets/hero.json" "$DGXPX_BENCH_SHEETS/$mode.json"
  fi
done

echo
printf '%-12s  %28s  %15s\n' mode "mean consecutive difference" "vs independent"
for mode in "${MODES[@]}"; do
  printf '%-12s  %28s  %15s\n' "$mode" "${MEAN[$mode]}" \
    "$(awk -v m="${MEAN[$mode]}" -v i="${MEAN[independent]}" 'BEGIN { if (i > 0) printf "%.2f", m / i; else print "n/a" }')"
done
