#!/usr/bin/env bash
# bench/noop: a generated project of N assets (default 10,000 single-frame item sets, 3 steps
# each). Measures, side by side in one run:
#   (a) `dgxpx build` with nothing changed          (b) `ninja -n` on the emitted graph
#   (c) after editing one asset, the time from launching `dgxpx build` until its step starts
# Prints a, b, a/b and c (medians of REPEAT runs). Targets (2 cores): a/b <= 1.5, c <= 0.5 s.
# Usage: bench/noop/run.sh [DGXPX_BINARY] [N] [REPEAT]
set -euo pipefail
DGXPX=$(realpath "${1:-build/compiler/cli/dgxpx}")
N=${2:-10000}
REPEAT=${3:-5}
# The project lives on tmpfs when there is one: a and b are measured on the same file system.
source "$(dirname "$0")/project.sh"
start=$(date +%s.%N)
"$DGXPX" -q build -j "$(nproc)" > /dev/null
echo "first build: $(echo "$(date +%s.%N) - $start" | bc) s"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
a_runs=(); b_runs=()
for ((r = 0; r < REPEAT; ++r)); do   # interleaved, so both see the same machine noise
  a_runs+=("$(time_cmd "$DGXPX" -q build)")
  b_runs+=("$(time_cmd ninja -f .dgxpx/build.ninja -n)")
done
a=$(printf '%s\n' "${a_runs[@]}" | median)
b=$(printf '%s\n' "${b_runs[@]}" | median)
echo "(a) dgxpx build, nothing changed: $(echo "scale=3; $a / 1000" | bc) ms"
echo "(b) ninja -n on the graph:        $(echo "scale=3; $b / 1000" | bc) ms"
echo "a/b = $(echo "scale=2; $a / $b" | bc)   (target <= 1.5)"

c_runs=()
for ((r = 0; r < REPEAT; ++r)); do
  sed -i "s/gem number 50 $r\"/gem number 50 $r edited\"/" sprites/file50.yaml
  s=$(date +%s%N)
  "$DGXPX" -q build > /dev/null
  first=$(awk '$1 == "start" {print $3; exit}' .dgxpx/logs/last-build.log)
  c_runs+=($(( (first - s) / 1000 )))
done
c=$(printf '%s\n' "${c_runs[@]}" | median)
echo "(c) edit one asset -> its step starts: $(echo "scale=3; $c / 1000000" | bc) s   (target <= 0.5 s)"
