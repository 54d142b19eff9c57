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
. "$repo/scripts/lib/servers.sh"

rss() {
  awk '/^VmRSS/ {print $2 " " $3}' "/proc/$1/status"
}

start_servers "" "$cut"

rss_start=$(rss "$cloud_pid")
echo "soak: cloud worker pid $cloud_pid on 127.0.0.1:$cloud_port, edge agent pid $edge_pid on 127.0.0.1:$edge_port, cut $cut"
echo "soak: cloud VmRSS at start: $rss_start"
status=0
"$es" load --target "127.0.0.1:$edge_port" --clients "$clients" --duration "$duration" \
  --max-tokens "$max_tokens" || status=$?
rss_end=$(rss "$cloud_pid")
echo "soak: cloud VmRSS at end:   $rss_end"
echo "soak: logs in $logs"
exit "$status"
