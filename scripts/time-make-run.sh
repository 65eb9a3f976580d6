#!/bin/sh
# time-make-run.sh ROUNDS — how long `make run` takes, from the command to
# the "ossdirect dev is up" banner (every listener bound), on a fresh clone of
# this repository (HEAD) in a temporary folder:
#   cold  the clone's first `make run`: the CLI built and templates/web's npm
#         packages installed (npm ci); Go's module and build caches are the
#         machine's own, so with GOCACHE=$(mktemp -d) GOMODCACHE=$(mktemp -d)
#         in the environment "cold" also includes compiling and downloading;
#   warm  a second `make run` in the same clone.
# Prints one line per round and the medians; ports are chosen by the OS.
set -eu
rounds=${1:-5}
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags="--addr 127.0.0.1:0 --oss-addr 127.0.0.1:0 --sts-addr 127.0.0.1:0 --log-level error"

# up DIR: seconds from `make run` to the banner in DIR, then stop it.
up() {
  out="$work/out.$$"
  start=$(date +%s.%N)
  (cd "$1" && exec make --no-print-directory run DEV_FLAGS="$flags --data $work/data") >"$out" 2>&1 &
  pid=$!
  while ! grep -q "ossdirect dev is up" "$out" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$out" >&2; echo "make run stopped before the banner" >&2; exit 1; fi
    sleep 0.05
  done
  end=$(date +%s.%N)
  pkill -TERM -f "ossdirect dev $flags --data $work/data" || true
  wait "$pid" 2>/dev/null || true
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

cold="" warm=""
for i in $(seq "$rounds"); do
  rm -rf "$work/clone" "$work/data"
  git clone -q "$repo" "$work/clone"
  c=$(up "$work/clone")
  w=$(up "$work/clone")
  echo "round $i: cold ${c}s warm ${w}s"
  cold="$cold $c" warm="$warm $w"
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
range() { printf '%s\n' $1 | sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "–" hi}'; }
echo "cold: median $(median "$cold")s (range $(range "$cold")s) over $rounds rounds"
echo "warm: median $(median "$warm")s (range $(range "$warm")s) over $rounds rounds"
