#!/bin/sh
# scripts/ushape-batch-bench.sh: aggregate decode throughput of concurrent U-shaped sessions (the worker runs
# only layers [cut, return cut)) on one cloud worker batching their steps (--batch 16) and on one running each
# session's step on its own (--batch 1), one edge agent and one worker as two processes on loopback.
# Usage: scripts/ushape-batch-bench.sh [--model synthetic:smollm2-135m] [--cut 2] [--return-cut 28]
#                                      [--edge-quant int4] [--clients "1 16"] [--duration 30s]
#                                      [--max-tokens 48] [--out DIR]
# Bounded (each point runs --duration) and loopback only. Writes DIR/ushape-batch-bench.md.
set -eu

model=synthetic:smollm2-135m
cut=2
return_cut=28
edge_quant=int4
clients_list="1 16"
duration=30s
max_tokens=48
out=
while [ $# -gt 0 ]; do
  case $1 in
    --model) model=$2; shift 2 ;;
    --cut) cut=$2; shift 2 ;;
    --return-cut) return_cut=$2; shift 2 ;;
    --edge-quant) edge_quant=$2; shift 2 ;;
    --clients) clients_list=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --max-tokens) max_tokens=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "ushape-batch-bench: unknown option $1" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd -P)
. "$repo/scripts/lib/servers.sh"
out=${out:-$repo/scripts/results/ushape-batch-bench}
mkdir -p "$out"
compiled=$logs/compiled
# One per-layer build: fp32 cloud weights (quantized ones do not batch, docs/batching.md).
"$es" compile --model "$model" --per-layer --edge-quant "$edge_quant" --max-context 512 --out "$compiled" >&2

report=$out/ushape-batch-bench.md
{
  echo "# Concurrent U-shaped sessions: aggregate decode tokens/s"
  echo
  echo "\`scripts/ushape-batch-bench.sh --model $model --cut $cut --return-cut $return_cut --edge-quant $edge_quant --clients \"$clients_list\" --duration $duration --max-tokens $max_tokens\`"
  echo
  echo "$(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg). Model: $model, per-layer build, edge $edge_quant, cloud fp32,"
  echo "1 ONNX Runtime thread per process; the worker runs layers [$cut,$return_cut), the edge the rest, the head and sampling."
  echo
  echo "| cloud | clients | requests ok | failed | tokens/s | vs 1 client | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$report"

for batch in 16 1; do
  edge_opts="--return-cut $return_cut --threads 1" \
    start_servers "$compiled" "$cut" --return-cut "$return_cut" --batch "$batch" --threads 1
  single=
  for clients in $clients_list; do
    line=$("$es" load --target "127.0.0.1:$edge_port" --clients "$clients" --duration "$duration" \
      --max-tokens "$max_tokens" 2>&1 | tee "$logs/load-$batch-$clients.txt")
    parse_load "$line"
    single=${single:-$rate}
    ratio=$(awk -v a="$rate" -v b="$single" 'BEGIN { printf "%.2fx", a / b }')
    label=$([ "$batch" -gt 1 ] && echo "batched (up to $batch)" || echo "one session per run")
    echo "| $label | $clients | $requests | $failed | $rate | $ratio | $p50 | $p99 |" >> "$report"
  done
  stop_servers
done
cat "$report"
