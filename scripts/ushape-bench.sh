#!/bin/sh
# scripts/ushape-bench.sh: the U-shaped split against the plain split at the same cut, one edge agent and one
# cloud worker as two processes on loopback: tokens/s, hidden-state bytes per token each way, edge J/token.
# Usage: scripts/ushape-bench.sh [--model synthetic:smollm2-135m] [--cut 10] [--return-cuts "15 20 25 29"]
#                                [--quant int4] [--max-tokens 128] [--rounds 3] [--out DIR]
# Both shapes run the same per-layer build (int4 both sides, fp16 on the wire, 1 thread each). Writes DIR/ushape-bench.md.
set -eu

model=synthetic:smollm2-135m
cut=10
return_cuts="15 20 25 29"
quant=int4
max_tokens=128
rounds=3
out=
while [ $# -gt 0 ]; do
  case $1 in
    --model) model=$2; shift 2 ;;
    --cut) cut=$2; shift 2 ;;
    --return-cuts) return_cuts=$2; shift 2 ;;
    --quant) quant=$2; shift 2 ;;
    --max-tokens) max_tokens=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "ushape-bench: unknown option $1" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd -P)
. "$repo/scripts/lib/servers.sh"
out=${out:-$repo/docs/privacy}
mkdir -p "$out"
compiled=$logs/compiled
"$es" compile --model "$model" --per-layer --edge-quant "$quant" --cloud-quant "$quant" --max-context 512 \
  --out "$compiled" >&2

# start_pair RETURN_CUT ("" for the plain split)
start_pair() {
  u=${1:+--return-cut=$1}
  cloud_port=$(free_port)
  edge_port=$(free_port)
  # shellcheck disable=SC2086
  "$es" cloud --model "$compiled" --cut "$cut" $u --listen "127.0.0.1:$cloud_port" --metrics off --threads 1 \
    >"$logs/cloud.log" 2>&1 &
  cloud_pid=$!
  await_serving "$cloud_port" cloud
  # shellcheck disable=SC2086
  "$es" edge --model "$compiled" --cut "$cut" $u --listen "127.0.0.1:$edge_port" --metrics off --threads 1 \
    --cloud "127.0.0.1:$cloud_port" --hidden-dtype fp16 >"$logs/edge.log" 2>&1 &
  edge_pid=$!
  await_serving "$edge_port" edge
}

# median of the numbers on stdin
median() {
  sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

report=$out/ushape-bench.md
{
  echo "# U-shaped split against the plain split, loopback"
  echo
  echo "\`scripts/ushape-bench.sh --model $model --cut $cut --return-cuts \"$return_cuts\" --quant $quant --max-tokens $max_tokens --rounds $rounds\`"
  echo
  echo "$(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg). $model (synthetic: random weights, real shapes),"
  echo "$quant weights on both sides from one per-layer build, fp16 hidden states, 1 ONNX Runtime thread per process,"
  echo "edge and worker as two processes on loopback. Medians of $rounds generations of $max_tokens tokens after a warm-up"
  echo "generation; tokens/s is the summary's (prefill included); edge J/token is the edge agent's meter, whose source"
  echo "is written under the table (on a machine without a power sensor: an estimate from the process's CPU time)."
  echo
  echo "| shape | worker runs | tokens/s | decode ms/token (edge + link + cloud) | bytes/token sent | bytes/token received | edge J/token |"
  echo "|---|---|---|---|---|---|---|"
} > "$report"

for m in "" $return_cuts; do
  start_pair "$m"
  "$es" generate --target "127.0.0.1:$edge_port" --max-tokens 64 >/dev/null 2>&1
  : > "$logs/rounds.txt"
  i=0
  while [ "$i" -lt "$rounds" ]; do
    "$es" generate --target "127.0.0.1:$edge_port" --max-tokens "$max_tokens" > "$logs/gen.txt" 2>&1
    speed=$(sed -n 's/^  speed *\([0-9.]*\) tokens\/s.*/\1/p' "$logs/gen.txt")
    sent=$(sed -n 's/^  link *\([0-9.]*\) bytes sent.*/\1/p' "$logs/gen.txt")
    received=$(sed -n 's/^  link .*, \([0-9.]*\) received.*/\1/p' "$logs/gen.txt")
    parts=$(sed -n 's/^  per decode token *edge \([0-9.]*\) ms + link \([0-9.]*\) ms + cloud \([0-9.]*\) ms.*/\1 \2 \3/p' "$logs/gen.txt")
    joules=$(sed -n 's/^  edge energy *\([0-9.]*\) J\/token.*/\1/p' "$logs/gen.txt")
    sed -n 's/^  edge energy *[0-9.]* J\/token, *//p' "$logs/gen.txt" > "$logs/energy-source.txt"
    echo "$speed ${sent:-0} ${received:-0} $parts $joules" >> "$logs/rounds.txt"
    i=$((i + 1))
  done
  col() { awk "{print \$$1}" "$logs/rounds.txt" | median; }
  if [ -z "$m" ]; then shape="plain, cut $cut"; worker="[$cut,N) + head + sampling"
  else shape="U, cut $cut, return cut $m"; worker="[$cut,$m)"; fi
  echo "| $shape | $worker | $(col 1) | $(col 4) + $(col 5) + $(col 6) | $(col 2) | $(col 3) | $(col 7) |" >> "$report"
  echo "$shape: $(awk '{printf "%s%s", sep, $1; sep=" / "}' "$logs/rounds.txt") tok/s" >> "$logs/per-round.txt"
  stop_servers
done
{
  echo
  echo "Edge energy source (the edge agent's summary): $(cat "$logs/energy-source.txt")."
  echo "Each column is the median of its own rounds. Per-round tokens/s:"
  echo
  sed 's/^/- /' "$logs/per-round.txt"
} >> "$report"
cat "$report"
