#!/usr/bin/env bash
# Load test of the post-signature function on the plain-HTTP server
# (the same binary FC runs), with wrk on loopback. Prints wrk's report.
# Needs wrk (Debian: apt-get install wrk). Usage: scripts/bench-api.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}; conns=${2:-32}
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
mkdir -p build
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o build/bench-post-signature ./functions/post-signature
port=18090
for level in warn info; do
  PORT=$port OSS_BUCKET=dev-bucket OSS_REGION=cn-hangzhou AUTH_MODE=none LOG_LEVEL=$level RATE_LIMIT_PER_MINUTE=0 \
    ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIbenchmarkOnly ALIBABA_CLOUD_ACCESS_KEY_SECRET=benchmark-secret \
    build/bench-post-signature 2>/dev/null &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/?filename=a.png" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "== post-signature, LOG_LEVEL=$level, ${conns} connections, ${secs}s ($(nproc) cores, wrk and server on the same machine)"
  wrk -t1 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/?filename=a.png&contentType=image/png&size=1024"
  kill $pid; wait $pid 2>/dev/null || true
  port=$((port+1))
done
