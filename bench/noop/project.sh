# Sourced by the noop benches: makes the N-asset project (100 manifest files of N/100 `items`
# assets, one icon each: 3 steps an asset) in a fresh folder on tmpfs when there is one, cds
# into it and removes it on exit. Expects N set.
BASE=/tmp; [ -d /dev/shm ] && [ -w /dev/shm ] && BASE=/dev/shm
WORK=$(mktemp -d "$BASE/dgxpx-bench-noop.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
printf 'manifests: sprites\ndefault_preset: tiny\n' > dgxpx.yaml
mkdir -p presets sprites
# The smallest generation the placeholder draws (64×64 → 32×32 sprites): the benches are about
# the build system, not the generator.
printf 'size: [64, 64]\npixel: {size: [32, 32], palette: pico-8}\n' > presets/tiny.yaml
for ((f = 0; f < 100; ++f)); do
  for ((i = 0; i < N / 100; ++i)); do
    printf 'kind: items\nname: set%d_%d\nitems:\n  - {name: icon, prompt: "gem number %d %d"}\n---\n' $f $i $f $i
  done > sprites/file$f.yaml
done
echo "project: $N assets in $WORK"
