#!/usr/bin/env bash
# bench/remote: the remote cache on loopback. A project of N assets (default 2,000 single-frame
# item sets, 3 steps each) is built once with writes on against nginx (WebDAV PUT) on
# 127.0.0.1; then a fresh clone with an empty local cache builds against the warm remote.
# Prints the first build's time, the clone's build time (and the prefetch's part of it), the
# clone's no-op build time and their ratio, the requests per step, and as a baseline a clone
# that shares the teammate's local cache folder instead (every step a local hit, no network). Usage: bench/remote/run.sh [DGXPX_BINARY] [N]
set -euo pipefail
DGXPX=$(realpath "${1:-build/compiler/cli/dgxpx}")
N=${2:-2000}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
BASE=/tmp; [ -d /dev/shm ] && [ -w /dev/shm ] && BASE=/dev/shm
WORK=$(mktemp -d "$BASE/dgxpx-bench-remote.XXXXXX")
NGINX_PID=""
cleanup() {
  if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# nginx: anonymous GET/HEAD, PUT with the bearer token, one process.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/nginx/data/cache" "$WORK/nginx/body"
cat > "$WORK/nginx/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1;
pid $WORK/nginx/nginx.pid; error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/body; fastcgi_temp_path $WORK/nginx/body;
  uwsgi_temp_path $WORK/nginx/body; scgi_temp_path $WORK/nginx/body;
  map "\$request_method \$http_authorization" \$write_refused { default 1; "~^(GET|HEAD) " 0; "PUT Bearer bench" 0; }
  server {
    listen 127.0.0.1:$PORT; root $WORK/nginx/data;
    location /cache/ { if (\$write_refused) { return 401; } dav_methods PUT; create_full_put_path on; }
  }
}
CONF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
NGINX_PID=$!
for ((i = 0; i < 100; ++i)); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.05
done
export DGXPX_REMOTE_CACHE="http://127.0.0.1:$PORT/cache"

make_project() {  # the noop bench's project shape: 100 manifest files of N/100 item sets
  mkdir -p "$1/presets" "$1/sprites"
  printf 'manifests: sprites\ndefault_preset: tiny\n' > "$1/dgxpx.yaml"
  printf 'size: [64, 64]\npixel: {size: [32, 32], palette: pico-8}\n' > "$1/presets/tiny.yaml"
  for ((f = 0; f < 100; ++f)); do
    for ((i = 0; i < N / 100; ++i)); do
      printf 'kind: items\nname: set%d_%d\nitems:\n  - {name: icon, prompt: "gem number %d %d"}\n---\n' $f $i $f $i
    done > "$1/sprites/file$f.yaml"
  done
}
seconds() { python3 -c 'import sys; print(f"{(int(sys.argv[2]) - int(sys.argv[1])) / 1e9:.3f}")' "$1" "$2"; }
field() { python3 -c 'import json, sys; j = json.loads(sys.stdin.read().strip().splitlines()[-1]); print(eval(sys.argv[1], {}, {"j": j}))' "$1"; }

make_project "$WORK/teammate"
make_project "$WORK/clone"
echo "project: $N assets"

s=$(date +%s%N)
warm=$(cd "$WORK/teammate" && DGXPX_REMOTE_WRITE=1 DGXPX_REMOTE_TOKEN=bench "$DGXPX" -q build --json)
e=$(date +%s%N)
steps=$(echo "$warm" | field 'sum(j["ran"].values())')
echo "first build, writes on: $(seconds "$s" "$e") s, $steps steps, $(echo "$warm" | field 'j["remote"]["uploads"]') uploads," \
     "$(echo "$warm" | field 'j["remote"]["requests"]') requests"

s=$(date +%s%N)
fresh=$(cd "$WORK/clone" && "$DGXPX" -v build --json 2> "$WORK/fresh.err")
grep -oE "[0-9]+ of [0-9]+ steps about to run fetched in [0-9]+ ms" "$WORK/fresh.err" | sed 's/^/  prefetch: /' || true
e=$(date +%s%N)
fresh_s=$(seconds "$s" "$e")
echo "fresh clone, empty local cache, warm remote: $fresh_s s;" \
     "ran $(echo "$fresh" | field 'sum(j["ran"].values())'), from cache $(echo "$fresh" | field 'sum(j["from_cache"].values())')," \
     "remote hits $(echo "$fresh" | field 'j["remote"]["hits"]'), $(echo "$fresh" | field 'round(j["remote"]["requests"] / max(1, sum(j["from_cache"].values())), 2)') requests per step"

s=$(date +%s%N)
(cd "$WORK/clone" && "$DGXPX" -q build > /dev/null)
e=$(date +%s%N)
noop_s=$(seconds "$s" "$e")
echo "same clone, nothing changed: $noop_s s"
s=$(date +%s%N)
(cd "$WORK/clone" && DGXPX_REMOTE_CACHE=off "$DGXPX" -q build > /dev/null)
e=$(date +%s%N)
echo "same clone, nothing changed, remote off: $(seconds "$s" "$e") s   (a no-op asks the remote nothing)"
echo "ratio fresh/no-op: $(python3 -c "print(f'{$fresh_s / $noop_s:.1f}')")"

# Baseline: a clone that shares the teammate's local cache folder (no network at all): what
# the steps themselves cost when every one is a local hit.
make_project "$WORK/shared"
s=$(date +%s%N)
(cd "$WORK/shared" && DGXPX_REMOTE_CACHE=off DGXPX_CACHE_DIR="$WORK/teammate/.dgxpx/cache" "$DGXPX" -q build > /dev/null)
e=$(date +%s%N)
echo "baseline, fresh clone sharing the warm local cache folder: $(seconds "$s" "$e") s"
