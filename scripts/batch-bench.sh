#!/bin/sh
# scripts/batch-bench.sh: aggregate decode throughput of one edge agent + one cloud worker on loopback at
# several numbers of concurrent Generate streams, with the cloud batching decode steps and without.
# Usage: scripts/batch-bench.sh [--model synthetic:smollm2-135m] [--cut 2] [--edge-quant int4]
#                               [--clients "1 4 16"] [--duration 30s] [--max-tokens 48] [--cloud-threads 1]
#                               [--out DIR]
# Bounded (each point runs --duration) and loopback only. Writes DIR/batch-bench.md.
set -eu

model=synthetic:smollm2-135m
cut=2
edge_quant=int4
clients_list="1 4 16"
duration=30s
max_tokens=48
cloud_threads=1
out=
while [ $# -gt 0 ]; do
  case $1 in
    --model) model=$2; shift 2 ;;
    --cut) cut=$2; shift 2 ;;
    --edge-quant) edge_quant=$2; shift 2 ;;
    --clients) clients_list=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --max-tokens) max_tokens=$2; shift 2 ;;
    --cloud-threads) cloud_threads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "batch-bench: unknown option $1" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd -P)
. "$repo/scripts/lib/servers.sh"
out=${out:-$repo/scripts/results/batch-bench}
mkdir -p "$out"
compiled=$logs/compiled

"$es" compile --model "$model" --cut "$cut" --edge-quant "$edge_quant" --max-context 512 --out "$compiled" >&2

report=$out/batch-bench.md
{
  echo "# Concurrent sessions: aggregate decode tokens/s"
  echo
  echo "\`scripts/batch-bench.sh --model $model --cut $cut --edge-quant $edge_quant --clients \"$clients_list\" --duration $duration --max-tokens $max_tokens --cloud-threads $cloud_threads\`"
  echo
  echo "$(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg). Model: $model (synthetic models have random weights: their text is noise), edge $edge_quant, cloud fp32 with $cloud_threads ONNX Runtime thread(s), cut $cut."
  echo
  echo "| cloud | clients | requests | tokens/s | vs 1 client | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|---|---|"
} > "$report"

for batch in 16 1; do
  start_servers "$compiled" "$cut" --batch "$batch" --threads "$cloud_threads"
  single=
  for clients in $clients_list; do
    line=$("$es" load --target "127.0.0.1:$edge_port" --clients "$clients" --duration "$duration" \
      --max-tokens "$max_tokens" 2>&1 | tee "$logs/load-$batch-$clients.txt")
    parse_load "$line"
    single=${single:-$rate}
    ratio=$(awk -v a="$rate" -v b="$single" 'BEGIN { printf "%.2fx", a / b }')
    label=$([ "$batch" -gt 1 ] && echo "batched (up to $batch)" || echo "no batching")
    echo "| $label | $clients | $requests | $rate | $ratio | $p50 | $p99 |" >> "$report"
  done
  stop_servers
done
cat "$report"
