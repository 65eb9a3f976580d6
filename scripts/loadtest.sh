#!/usr/bin/env bash
# Issue 14: the local stack under load. Starts `ossdirect dev` (free ports, a
# temporary data folder, --test-hooks for GET /_test/runtime, the OSS trigger
# off, LOADTEST_LOG_LEVEL=warn so the access log does not fill the disk, rate
# limit off: dev's default), primes it (a few requests to each function, so
# the STS cache and the client connections to the emulators exist), reads the
# goroutine baseline, then puts LOADTEST_CONNS keep-alive connections on
# post-signature, presigned-url and sts-token AT ONCE (bench/load spreads the
# connections over the three round-robin; sts-token asks for the same
# subject and profile every time, so after the first AssumeRole the STS cache
# answers) for LOADTEST_WARMUP + LOADTEST_SECS seconds, sampling the stack's
# VmRSS from /proc/PID/status every second.
#
# Fails (exit 1) when any request fails (warm-up included), when RSS is not
# flat after warm-up — the largest sample of the last three quarters of the
# load is above LOADTEST_RSS_FACTOR (1.2) × the sample at the end of the
# first quarter — or when the goroutines do not come back to the baseline +
# LOADTEST_GOROUTINE_SLACK (5) within LOADTEST_SETTLE (10) s after the load.
#
# Usage: [LOADTEST_SECS=60] [LOADTEST_CONNS=256] [LOADTEST_WARMUP=5] scripts/loadtest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${LOADTEST_SECS:-60} CONNS=${LOADTEST_CONNS:-256} WARMUP=${LOADTEST_WARMUP:-5}
FACTOR=${LOADTEST_RSS_FACTOR:-1.2} SLACK=${LOADTEST_GOROUTINE_SLACK:-5} SETTLE=${LOADTEST_SETTLE:-10}
LEVEL=${LOADTEST_LOG_LEVEL:-warn}
echo "# command: LOADTEST_SECS=$SECS LOADTEST_CONNS=$CONNS LOADTEST_WARMUP=$WARMUP LOADTEST_RSS_FACTOR=$FACTOR LOADTEST_GOROUTINE_SLACK=$SLACK LOADTEST_SETTLE=$SETTLE LOADTEST_LOG_LEVEL=$LEVEL scripts/loadtest.sh"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(test -n "$(git status --porcelain 2>/dev/null)" && echo ' (modified)'), $(nproc) cores, $(go version | cut -d' ' -f3-), load average $(cut -d' ' -f1-3 /proc/loadavg), open files limit $(ulimit -n)"
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed (apt-get install curl)" >&2; exit 1; }
need=$((CONNS * 2 + 200))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || { echo "open files limit $(ulimit -n) is below $need (2 × $CONNS connections + slack): raise it (ulimit -n)" >&2; exit 1; }
fi

out=build/loadtest
mkdir -p "$out" build/bin
echo "==> building build/bin/ossdirect and bench/load" >&2
go build -trimpath -o build/bin/ossdirect ./cmd/ossdirect
go build -o "$out/load" ./bench/load

if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  SRV=(taskset -c 0) GEN=(taskset -c 1)
  echo "# pinning: the stack on core 0, the load generator on core 1 (taskset)"
else
  SRV=() GEN=()
  echo "# pinning: none (taskset missing or fewer than 2 cores)"
fi

data=$(mktemp -d)
pid=
sampler=
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT
"${SRV[@]}" build/bin/ossdirect dev --addr 127.0.0.1:0 --oss-addr 127.0.0.1:0 --sts-addr 127.0.0.1:0 \
  --data "$data" --test-hooks --oss-events=false --log-level "$LEVEL" >"$out/stack.json" 2>"$out/stack.log" &
pid=$!
for _ in $(seq 100); do [ -s "$out/stack.json" ] && break; sleep 0.1; done
[ -s "$out/stack.json" ] || { echo "ossdirect dev did not come up; see $out/stack.log" >&2; exit 1; }
api=$(head -n1 "$out/stack.json" | jq -r .api)
echo "# stack: pid $pid, $(head -n1 "$out/stack.json")"
q='filename=a.png&contentType=image/png&size=1024'
urls=("$api/post-signature?$q" "$api/presigned-url?$q" "$api/sts-token")
names=(post-signature presigned-url sts-token)

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; } # KiB
goroutines() { curl -fs "$api/_test/runtime" | jq .goroutines; }

"${GEN[@]}" "$out/load" -c 6 -warmup 0s -n 300 "${urls[@]}" >"$out/prime.json"
[ "$(jq .errors "$out/prime.json")" = 0 ] || { echo "priming failed: $(cat "$out/prime.json")" >&2; exit 1; }
sleep 2
base=$(goroutines)
for _ in 1 2 3; do sleep 0.5; g=$(goroutines); [ "$g" -lt "$base" ] && base=$g; done
rss_base=$(rss)
echo "# baseline after priming: $base goroutines, VmRSS $rss_base KiB"

echo "# load: ${GEN[*]:-} $out/load -c $CONNS -warmup ${WARMUP}s -d ${SECS}s ${urls[*]}"
(while kill -0 "$pid" 2>/dev/null; do rss; sleep 1; done) >"$out/rss.txt" &
sampler=$!
"${GEN[@]}" "$out/load" -c "$CONNS" -warmup "${WARMUP}s" -d "${SECS}s" -timeout 30s "${urls[@]}" >"$out/load.json"
kill "$sampler"; wait "$sampler" 2>/dev/null || true; sampler=
res=$(cat "$out/load.json")

settle_start=$(date +%s.%N)
after=$(goroutines)
deadline=$(( $(date +%s) + SETTLE ))
while [ "$after" -gt $((base + SLACK)) ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; after=$(goroutines); done
settled_in=$(awk -v a="$settle_start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
rss_after=$(rss)

fail=0
errors=$(jq '.errors + .warmup_errors' <<<"$res")
[ "$errors" = 0 ] || { echo "FAIL: $errors requests failed: $(jq -c '.errors_by_kind' <<<"$res") (warm-up: $(jq .warmup_errors <<<"$res"))" >&2; fail=1; }
read -r n ref restmax first peak < <(awk '{v[NR] = $1} END {
  q = int((NR + 3) / 4); m = 0; p = 0
  for (i = 1; i <= NR; i++) { if (v[i] > p) p = v[i]; if (i > q && v[i] > m) m = v[i] }
  print NR, v[q], m, v[1], p }' "$out/rss.txt")
flat=$(awk -v m="$restmax" -v r="$ref" -v f="$FACTOR" 'BEGIN {print (m <= f * r) ? "yes" : "no"}')
[ "$flat" = yes ] || { echo "FAIL: RSS not flat after warm-up: max of the last 3/4 $restmax KiB > $FACTOR × $ref KiB (end of the first quarter)" >&2; fail=1; }
back=$([ "$after" -le $((base + SLACK)) ] && echo yes || echo no)
[ "$back" = yes ] || { echo "FAIL: $after goroutines ${SETTLE}s after the load, baseline $base (+ $SLACK allowed)" >&2; fail=1; }

mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
echo
echo "## Summary (Markdown rows for docs/BENCHMARKS.md; raw: $out/load.json, $out/rss.txt)"
echo
echo "$CONNS connections for ${WARMUP} s warm-up + ${SECS} s, the three functions at once (connections round-robin):"
echo
echo "| function | req/s | p50 | p90 | p99 | max | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for i in 0 1 2; do
  jq -r --arg n "${names[$i]}" 'def f: . * 10 | round / 10; .targets['"$i"'] | "| \($n) | \(.rps | round) | \(.p50_ms | f) ms | \(.p90_ms | f) ms | \(.p99_ms | f) ms | \(.max_ms | f) ms | \(.errors) |"' <<<"$res"
done
jq -r 'def f: . * 10 | round / 10; "| all three | \(.rps | round) | \(.p50_ms | f) ms | \(.p90_ms | f) ms | \(.p99_ms | f) ms | \(.max_ms | f) ms | \(.errors) (warm-up \(.warmup_errors)) |"' <<<"$res"
echo
echo "| stack process | value |"
echo "|---|---:|"
echo "| VmRSS after priming (before the load) | $(mib "$rss_base") MiB |"
echo "| VmRSS first sample of the load / peak | $(mib "$first") / $(mib "$peak") MiB |"
echo "| VmRSS at the end of the first quarter ($n samples, 1/s) | $(mib "$ref") MiB |"
echo "| VmRSS max of the last three quarters | $(mib "$restmax") MiB (flat: $flat, limit $FACTOR×) |"
echo "| VmRSS ${settled_in} s after the load | $(mib "$rss_after") MiB |"
echo "| goroutines: baseline / ${settled_in} s after the load | $base / $after (back: $back, slack $SLACK) |"
exit $fail
