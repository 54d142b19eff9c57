#!/bin/sh
# scripts/soak.sh: soak/load test of a split on loopback. Starts a cloud worker and an edge agent (stories260K,
# the given cut), runs `edgesplit load` with N concurrent clients for a fixed time, and reports requests,
# tokens, errors, p50/p99 latency and the cloud worker's resident memory (VmRSS) before and after.
# Usage: scripts/soak.sh [--duration 5m] [--clients 32] [--cut 2] [--max-tokens 64]
# Bounded: both servers are stopped on exit (also on Ctrl-C); loopback only.
set -eu

duration=5m
clients=32
cut=2
max_tokens=64
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --cut) cut=$2; shift 2 ;;
    --max-tokens) max_tokens=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "soak: unknown option $1" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd -P)
es=$repo/edgesplit
logs=$(mktemp -d "${TMPDIR:-/tmp}/edgesplit-soak.XXXXXX")

# Build once up front, so the two servers do not race to build the distribution.
"$es" --version >/dev/null

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
cloud_port=$(free_port)
edge_port=$(free_port)

cloud_pid=
edge_pid=
cleanup() {
  for p in $edge_pid $cloud_pid; do
    kill "$p" 2>/dev/null || true
  done
  for p in $edge_pid $cloud_pid; do
    wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

await_serving() {
  i=0
  until "$es" health --target "127.0.0.1:$1" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 300 ]; then
      echo "soak: $2 not serving on port $1 after 60 s; log: $logs/$2.log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

rss() {
  awk '/^VmRSS/ {print $2 " " $3}' "/proc/$1/status"
}

# EDGESPLIT_NO_BUILD: the build above is current; exec keeps the PID that of the JVM (for /proc/PID/status).
EDGESPLIT_NO_BUILD=1 "$es" cloud --cut "$cut" --listen "127.0.0.1:$cloud_port" >"$logs/cloud.log" 2>&1 &
cloud_pid=$!
await_serving "$cloud_port" cloud
EDGESPLIT_NO_BUILD=1 "$es" edge --cut "$cut" --listen "127.0.0.1:$edge_port" \
  --cloud "127.0.0.1:$cloud_port" >"$logs/edge.log" 2>&1 &
edge_pid=$!
await_serving "$edge_port" edge

rss_start=$(rss "$cloud_pid")
echo "soak: cloud worker pid $cloud_pid on 127.0.0.1:$cloud_port, edge agent pid $edge_pid on 127.0.0.1:$edge_port, cut $cut"
echo "soak: cloud VmRSS at start: $rss_start"
status=0
EDGESPLIT_NO_BUILD=1 "$es" load --target "127.0.0.1:$edge_port" --clients "$clients" --duration "$duration" \
  --max-tokens "$max_tokens" || status=$?
rss_end=$(rss "$cloud_pid")
echo "soak: cloud VmRSS at end:   $rss_end"
echo "soak: logs in $logs"
exit "$status"
