#!/usr/bin/env bash
# bench/worker: the generation worker against in-process generation, with the tiny SDXL model
# of the reference fixtures (CPU). Every build starts from an empty project and cache.
#   (1) per-step cost at -j1: through the worker (max_batch 1) vs in-process (`worker:
#       {enabled: false}`: each step starts dgxpx-sdxl and loads the model itself)
#   (2) throughput at -j8: batching on (max_batch 4) vs off (max_batch 1)
# Prints medians of REPEAT interleaved runs and their ratios.
# Usage: bench/worker/run.sh [DGXPX_BINARY] [N_IMAGES] [REPEAT]   (fixtures: $DGXPX_FIXTURES)
set -euo pipefail
DGXPX=$(realpath "${1:-build/compiler/cli/dgxpx}")
N=${2:-16}
REPEAT=${3:-3}
FIXTURES=$(realpath "${DGXPX_FIXTURES:-$(dirname "$0")/../../../shared/fixtures}")
MODEL="$FIXTURES/sdxl-tiny/model"
[ -d "$MODEL" ] || { echo "no tiny model at $MODEL (set DGXPX_FIXTURES)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/dgxpx-bench-worker.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# make_project DIR WORKER_SETTINGS
make_project() {
  mkdir -p "$1/presets" "$1/sprites"
  printf 'manifests: sprites\nworker: %s\n' "$2" > "$1/dgxpx.yaml"
  printf 'model: %s\nsampler: euler_a\nsteps: 4\nsize: [128, 128]\npixel: {size: [16, 16], palette: pico-8, background: keep}\n' \
    "$MODEL" > "$1/presets/tiny.yaml"
  { printf 'kind: items\nname: loot\npreset: tiny\nitems:\n'
    for ((i = 0; i < N; ++i)); do printf '  - {name: thing%d, prompt: "item number %d"}\n' $i $i; done
  } > "$1/sprites/loot.yaml"
}

# build_seconds SETTINGS JOBS -> prints "wall_seconds generation_seconds largest_batch"
build_seconds() {
  local dir
  dir=$(mktemp -d "$WORK/p.XXXXXX")
  make_project "$dir" "$1"
  local json
  json=$(cd "$dir" && "$DGXPX" -q build -j "$2" --json)
  # Wait for the worker to leave so the next build starts from nothing.
  while [ -e "$dir/.dgxpx/worker.sock" ]; do sleep 0.2; done
  python3 - "$json" "$dir/.dgxpx/logs/worker-events.jsonl" <<'PY'
import json, sys, os
summary = json.loads(sys.argv[1])
assert summary["ok"], summary
gen = 0.0
largest = 0
if os.path.exists(sys.argv[2]):
    for line in open(sys.argv[2]):
        e = json.loads(line)
        if e["event"] == "batch":
            gen += e["seconds"]
            largest = max(largest, e["size"])
print(f'{summary["seconds"]:.3f} {gen:.3f} {largest}')
PY
  rm -rf "$dir"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "tiny SDXL model, $N images of 128x128, 4 euler_a steps, $REPEAT runs each, $(nproc) cores"
in_process=(); through_worker=(); worker_gen=(); batched=(); unbatched=(); largest=()
for ((r = 0; r < REPEAT; ++r)); do
  read -r wall _ _ < <(build_seconds '{enabled: false}' 1); in_process+=("$wall")
  read -r wall gen _ < <(build_seconds '{max_batch: 1}' 1); through_worker+=("$wall"); worker_gen+=("$gen")
  read -r wall _ big < <(build_seconds '{max_batch: 4}' 8); batched+=("$wall"); largest+=("$big")
  read -r wall _ _ < <(build_seconds '{max_batch: 1}' 8); unbatched+=("$wall")
done
ip=$(printf '%s\n' "${in_process[@]}" | median)
tw=$(printf '%s\n' "${through_worker[@]}" | median)
wg=$(printf '%s\n' "${worker_gen[@]}" | median)
bo=$(printf '%s\n' "${batched[@]}" | median)
bf=$(printf '%s\n' "${unbatched[@]}" | median)
calc() { python3 -c "print(f'{$1:.3f}')"; }
echo "(1) -j1, per image:  in-process $(calc "$ip / $N") s   through the worker $(calc "$tw / $N") s   ratio $(calc "$ip / $tw")x"
echo "    worker overhead per step (wall minus time inside the model, incl. one model load): $(calc "($tw - $wg) / $N") s"
echo "(2) -j8, images/s:   batching on $(calc "$N / $bo")   off $(calc "$N / $bf")   ratio $(calc "$bf / $bo")x   largest batch $(printf '%s\n' "${largest[@]}" | sort -n | tail -1)"
