#!/usr/bin/env bash
# Issue 14: post-signature against Alibaba's own server-signature samples.
#
# Contenders (each its own process, started once, on loopback):
#   ours-v4    our post-signature binary (the one FC runs, plain-HTTP mode),
#              native route: V4 policy for a declared file
#   ours-seed  the same binary, seed route /get_post_signature_for_oss_upload
#              (V1 policy, SEED_PROFILE's rules)
#   node-seed  Alibaba's Node.js sample: express + ali-oss calculatePostSignature (bench/peers/node)
#   go-seed    Alibaba's Go net/http sample (bench/peers/gosample)
# Servers run on core 0 and the load generator (bench/load) on core 1 when
# taskset is there and the machine has 2+ cores. ROUNDS rounds; in each round
# (after PRIME s of unrecorded load on each server once, at the start)
# every contender gets WARMUP s of warm-up then SECS s of CONNS keep-alive
# connections, the order rotated by one per round. Then cold start (exec to
# the first 200, COLD_RUNS starts each) and bytes through the server per
# upload (a proxy baseline vs our signing request). Output: the raw JSON
# lines in build/bench-peers/results.jsonl and Markdown rows (bench/report)
# ready for docs/BENCHMARKS.md.
#
# Usage: [ROUNDS=5] [SECS=10] [CONNS=32] [WARMUP=1] [PRIME=2] [COLD_RUNS=20] [PROXY_SIZES="1MiB 1GiB"] scripts/bench-peers.sh
# Needs Go, Node.js 20+ and npm (npm ci of bench/peers/node's pinned packages), curl and jq.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5} SECS=${SECS:-10} CONNS=${CONNS:-32} WARMUP=${WARMUP:-1} COLD_RUNS=${COLD_RUNS:-20}
PROXY_SIZES=${PROXY_SIZES:-1MiB 1GiB}
echo "# command: ROUNDS=$ROUNDS SECS=$SECS CONNS=$CONNS WARMUP=$WARMUP PRIME=${PRIME:-2} COLD_RUNS=$COLD_RUNS PROXY_SIZES=\"$PROXY_SIZES\" scripts/bench-peers.sh"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(test -n "$(git status --porcelain 2>/dev/null)" && echo ' (modified)'), $(nproc) cores, $(go version | cut -d' ' -f3-), node $(node --version 2>/dev/null || echo missing), load average $(cut -d' ' -f1-3 /proc/loadavg)"

command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed (apt-get install curl)" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "Node.js 20+ and npm are needed for the Node sample: e.g. apt-get install nodejs npm" >&2; exit 1; }

out=build/bench-peers
mkdir -p "$out"
results=$out/results.jsonl
: >"$results"
echo "==> building (our post-signature as FC runs it: CGO_ENABLED=0 -trimpath -ldflags '-s -w'; the Go sample; the tools)" >&2
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/post-signature" ./functions/post-signature
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/gosample" ./bench/peers/gosample
for tool in load coldstart proxybytes report; do go build -o "$out/$tool" ./bench/$tool; done
lock=bench/peers/node/package-lock.json stamp=bench/peers/node/node_modules/.package-lock.json
if [ ! -e "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
  echo "==> npm ci in bench/peers/node (express, ali-oss, pinned by package-lock.json)" >&2
  (cd bench/peers/node && npm ci --no-audit --no-fund >&2 && touch node_modules/.package-lock.json)
fi

if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  SRV=(taskset -c 0) GEN=(taskset -c 1)
  echo "# pinning: servers on core 0, load generator on core 1 (taskset)"
else
  SRV=() GEN=()
  echo "# pinning: none (taskset missing or fewer than 2 cores): servers and load generator share the cores"
fi

# Obviously fake keys: nothing here talks to Alibaba Cloud.
KEY_ID=LTAIbenchmarkOnlyNotAKey KEY_SECRET=benchmark-secret-not-a-real-secret
ours_env=(OSS_BUCKET=bench-bucket OSS_REGION=cn-hangzhou AUTH_MODE=none LOG_LEVEL=warn RATE_LIMIT_PER_MINUTE=0
  ALIBABA_CLOUD_ACCESS_KEY_ID=$KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET=$KEY_SECRET)
node_env=(ALIBABA_CLOUD_ACCESS_KEY_ID=$KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET=$KEY_SECRET OSS_BUCKET=bench-bucket OSS_REGION=oss-cn-hangzhou NODE_ENV=production)
go_env=(OSS_ACCESS_KEY_ID=$KEY_ID OSS_ACCESS_KEY_SECRET=$KEY_SECRET OSS_HOST=http://bench-bucket.oss-cn-hangzhou.aliyuncs.com)
seed_path=/get_post_signature_for_oss_upload
v4_path='/?filename=a.png&contentType=image/png&size=1024'

names=(ours-v4 ours-seed node-seed go-seed)
declare -A port=([ours-v4]=18401 [ours-seed]=18402 [node-seed]=18403 [go-seed]=18404)
declare -A path=([ours-v4]=$v4_path [ours-seed]=$seed_path [node-seed]=$seed_path [go-seed]=$seed_path)
declare -A spid
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start() { # name
  local n=$1 p=${port[$1]}
  case $n in
    ours-*)    env "${ours_env[@]}" PORT=$p "${SRV[@]}" "$out/post-signature" 2>>"$out/$n.log" >&2 & ;;
    node-seed) env "${node_env[@]}" PORT=$p "${SRV[@]}" node bench/peers/node/server.js 2>>"$out/$n.log" >&2 & ;;
    go-seed)   env "${go_env[@]}" PORT=$p "${SRV[@]}" "$out/gosample" 2>>"$out/$n.log" >&2 & ;;
  esac
  pids+=($!) spid[$n]=$!
  for _ in $(seq 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$p${path[$n]}" && return 0
    sleep 0.1
  done
  echo "$n did not answer on port $p; see $out/$n.log" >&2; exit 1
}
for n in "${names[@]}"; do start "$n"; done
# Priming (not recorded): a first PRIME s of load on each, so round 1 does not
# pay for Node's JIT compiling and the Go heaps growing.
PRIME=${PRIME:-2}
for n in "${names[@]}"; do
  "${GEN[@]}" "$out/load" -c "$CONNS" -warmup 0s -d "${PRIME}s" "http://127.0.0.1:${port[$n]}${path[$n]}" >/dev/null
done

# The server's CPU time (utime + stime of every thread, /proc/PID/stat) over
# a run, divided by the run's wall time: how much of its core it really got.
# On a machine others use too, req/s divided by it (req per server
# CPU-second) moves less than req/s. The load generator's share (user + sys
# over real, from bash's time) shows when it, not the server, was the limit.
TCK=$(getconf CLK_TCK)
cputicks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }

echo
echo "## Throughput: $ROUNDS rounds, each contender ${WARMUP}s warm-up + ${SECS}s at $CONNS connections"
echo "# load: ${GEN[*]:-} $out/load -c $CONNS -warmup ${WARMUP}s -d ${SECS}s URL"
k=${#names[@]}
for r in $(seq "$ROUNDS"); do
  for i in $(seq 0 $((k - 1))); do
    n=${names[$(( (i + r - 1) % k ))]}
    url="http://127.0.0.1:${port[$n]}${path[$n]}"
    c0=$(cputicks "${spid[$n]}") w0=$(date +%s.%N)
    res=$( { TIMEFORMAT='%U %S %R'; time "${GEN[@]}" "$out/load" -c "$CONNS" -warmup "${WARMUP}s" -d "${SECS}s" -label "$n" "$url"; } 2>"$out/gen-time")
    c1=$(cputicks "${spid[$n]}") w1=$(date +%s.%N)
    share=$(awk -v c="$((c1 - c0))" -v t="$TCK" -v a="$w0" -v b="$w1" 'BEGIN {printf "%.3f", c / t / (b - a)}')
    gen=$(awk 'END {printf "%.3f", ($1 + $2) / $3}' "$out/gen-time")
    printf '{"kind":"run","round":%d,"pos":%d,"name":"%s","cpu_share":%s,"gen_share":%s,"load":%s}\n' "$r" $((i + 1)) "$n" "$share" "$gen" "$res" >>"$results"
    echo "round $r #$((i + 1)) $n: $(jq -r '"\(.rps) req/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, max \(.max_ms) ms, errors \(.errors) (warm-up \(.warmup_errors))"' <<<"$res" 2>/dev/null || echo "$res"), CPU: server $share, load generator $gen cores"
  done
done
cleanup; pids=()

echo
echo "## Cold start: exec to the first 200, $COLD_RUNS starts each"
cold() { # name port path cmd...
  local n=$1 p=$2 u=$3; shift 3
  echo "# ${GEN[*]:-} $out/coldstart -runs $COLD_RUNS -url http://127.0.0.1:$p$u -- ${SRV[*]:-} $*"
  res=$("${GEN[@]}" "$out/coldstart" -runs "$COLD_RUNS" -label "$n" -url "http://127.0.0.1:$p$u" -- "${SRV[@]}" "$@")
  printf '{"kind":"cold","name":"%s","cold":%s}\n' "$n" "$res" >>"$results"
  echo "$n: $res"
}
env "${ours_env[@]}" PORT=18411 bash -c "$(declare -f cold); $(declare -p SRV GEN out COLD_RUNS results); cold 'ours post-signature (V4 route)' 18411 '$v4_path' $out/post-signature"
env "${node_env[@]}" PORT=18412 bash -c "$(declare -f cold); $(declare -p SRV GEN out COLD_RUNS results); cold 'Node sample (express + ali-oss)' 18412 $seed_path node bench/peers/node/server.js"
env "${go_env[@]}" PORT=18413 bash -c "$(declare -f cold); $(declare -p SRV GEN out COLD_RUNS results); cold 'Go sample (net/http)' 18413 $seed_path $out/gosample"

echo
echo "## Bytes through the server per upload"
sizes=()
for s in $PROXY_SIZES; do sizes+=(-size "$s"); done
env "${ours_env[@]}" PORT=18421 "${SRV[@]}" "$out/post-signature" 2>>"$out/ours-bytes.log" >&2 &
pids+=($!)
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:18421$v4_path" && break; sleep 0.1; done
echo "# ${GEN[*]:-} $out/proxybytes ${sizes[*]} -get 'http://127.0.0.1:18421$v4_path'"
"${GEN[@]}" "$out/proxybytes" "${sizes[@]}" -get "http://127.0.0.1:18421$v4_path" | while IFS= read -r res; do
  what=$(jq -r 'if .file_bytes then "proxy upload of \(.file_bytes) B (multipart POST)" else "ours: the POST-policy signing request (GET, V4 route)" end' <<<"$res")
  printf '{"kind":"bytes","name":"%s","bytes":%s}\n' "$what" "$res" >>"$results"
  echo "$what: $res"
done
cleanup; pids=()

echo
echo "## Summary (Markdown rows for docs/BENCHMARKS.md; raw lines in $results)"
echo
"$out/report" "$results"
