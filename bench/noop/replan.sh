#!/usr/bin/env bash
# bench/noop/replan.sh: the planning half of run.sh's (c), without the 30,000-step first build.
# Generates the same N-asset project, plans it once, then REPEAT times: edits one asset's prompt
# and times `dgxpx -v plan` (load + plan + write .dgxpx/) and, after it, ninja loading the new
# graph (`ninja -n` of build.ninja itself: parsing, which every build pays before its first
# step starts; not the stat of every output, which needs the first build). Prints each run's
# figures and the medians; `dgxpx -v` also prints its own breakdown to stderr.
# Usage: bench/noop/replan.sh [DGXPX_BINARY] [N] [REPEAT]
set -euo pipefail
DGXPX=$(realpath "${1:-build/compiler/cli/dgxpx}")
N=${2:-10000}
REPEAT=${3:-5}
source "$(dirname "$0")/project.sh"

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
s=$(date +%s%N); "$DGXPX" plan; echo "first plan: $(ms_since "$s") ms"
s=$(date +%s%N); "$DGXPX" plan; echo "plan again, nothing changed: $(ms_since "$s") ms"

plan_runs=(); ninja_runs=()
for ((r = 0; r < REPEAT; ++r)); do
  sed -i "s/gem number 50 $r\"/gem number 50 $r edited\"/" sprites/file50.yaml
  s=$(date +%s%N); "$DGXPX" -v plan 2>&1 | grep -E "loaded|planned|re-planned" | sed 's/^.*\] //'; p=$(ms_since "$s")
  s=$(date +%s%N); ninja -f .dgxpx/build.ninja -n .dgxpx/build.ninja > /dev/null; n=$(ms_since "$s")
  echo "run $r: dgxpx plan $p ms, ninja graph load $n ms"
  plan_runs+=("$p"); ninja_runs+=("$n")
done
echo "median: dgxpx plan after one edit $(printf '%s\n' "${plan_runs[@]}" | median) ms," \
     "ninja graph load $(printf '%s\n' "${ninja_runs[@]}" | median) ms"
