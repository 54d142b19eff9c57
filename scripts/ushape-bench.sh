#!/bin/sh
# scripts/ushape-bench.sh: the U-shaped split against the plain split at the same cut, one edge agent and one
# cloud worker as two processes on loopback: tokens/s, hidden-state bytes per token each way, edge J/token.
# Usage: scripts/ushape-bench.sh [--model synthetic:smollm2-135m] [--cut 10] [--return-cuts "15 20 25 29"]
#                                [--quant int4] [--max-tokens 128] [--rounds 5] [--out DIR]
# Both shapes run the same per-layer build (int4 both sides, fp16 on the wire, 1 thread each). Writes DIR/ushape-bench.md.
set -eu

model=synthetic:smollm2-135m
cut=10
return_cuts="15 20 25 29"
quant=int4
max_tokens=128
rounds=5
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

# Every shape's edge agent and worker run at once (idle between generations) and the rounds go round-robin over
# the shapes, so that a shared machine's drifting load falls on every shape alike.
all_pids=
stop_all() {
  for p in $all_pids; do kill "$p" 2>/dev/null || true; done
  for p in $all_pids; do wait "$p" 2>/dev/null || true; done
  all_pids=
}
trap stop_all EXIT INT TERM

# start_pair INDEX RETURN_CUT ("" for the plain split): writes $logs/edge-port-INDEX
start_pair() {
  u=${2:+--return-cut=$2}
  cloud_port=$(free_port)
  edge_port=$(free_port)
  # shellcheck disable=SC2086
  "$es" cloud --model "$compiled" --cut "$cut" $u --listen "127.0.0.1:$cloud_port" --metrics off --threads 1 \
    >"$logs/cloud-$1.log" 2>&1 &
  all_pids="$all_pids $!"
  await_serving "$cloud_port" "cloud-$1"
  # shellcheck disable=SC2086
  "$es" edge --model "$compiled" --cut "$cut" $u --listen "127.0.0.1:$edge_port" --metrics off --threads 1 \
    --cloud "127.0.0.1:$cloud_port" --hidden-dtype fp16 >"$logs/edge-$1.log" 2>&1 &
  all_pids="$all_pids $!"
  await_serving "$edge_port" "edge-$1"
  echo "$edge_port" > "$logs/edge-port-$1"
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
  echo "edge and worker as two processes on loopback, every shape's pair started up front and the rounds taken"
  echo "round-robin over the shapes. Medians of $rounds generations of $max_tokens tokens after a warm-up generation;"
  echo "tokens/s is the summary's (prefill included); edge J/token is the edge agent's meter, whose source"
  echo "is written under the table (on a machine without a power sensor: an estimate from the process's CPU time)."
  echo
  echo "| shape | worker runs | tokens/s | decode ms/token (edge + link + cloud) | bytes/token sent | bytes/token received | edge J/token |"
  echo "|---|---|---|---|---|---|---|"
} > "$report"

# (not $i: await_serving in servers.sh counts with it)
shapes=$(n=0; for m in "" $return_cuts; do echo "$n:${m:-plain}"; n=$((n + 1)); done)
for sm in $shapes; do
  idx=${sm%%:*}
  m=${sm#*:}
  [ "$m" = plain ] && m=
  start_pair "$idx" "$m"
  "$es" generate --target "127.0.0.1:$(cat "$logs/edge-port-$idx")" --max-tokens 64 >/dev/null 2>&1
  : > "$logs/rounds-$idx.txt"
done
r=0
while [ "$r" -lt "$rounds" ]; do
  for sm in $shapes; do
    idx=${sm%%:*}
    "$es" generate --target "127.0.0.1:$(cat "$logs/edge-port-$idx")" --max-tokens "$max_tokens" > "$logs/gen.txt" 2>&1
    speed=$(sed -n 's/^  speed *\([0-9.]*\) tokens\/s.*/\1/p' "$logs/gen.txt")
    sent=$(sed -n 's/^  link *\([0-9.]*\) bytes sent.*/\1/p' "$logs/gen.txt")
    received=$(sed -n 's/^  link .*, \([0-9.]*\) received.*/\1/p' "$logs/gen.txt")
    parts=$(sed -n 's/^  per decode token *edge \([0-9.]*\) ms + link \([0-9.]*\) ms + cloud \([0-9.]*\) ms.*/\1 \2 \3/p' "$logs/gen.txt")
    joules=$(sed -n 's/^  edge energy *\([0-9.]*\) J\/token.*/\1/p' "$logs/gen.txt")
    sed -n 's/^  edge energy *[0-9.]* J\/token, *//p' "$logs/gen.txt" > "$logs/energy-source.txt"
    echo "$speed ${sent:-0} ${received:-0} $parts $joules" >> "$logs/rounds-$idx.txt"
  done
  r=$((r + 1))
done
for sm in $shapes; do
  idx=${sm%%:*}
  m=${sm#*:}
  col() { awk "{print \$$1}" "$logs/rounds-$idx.txt" | median; }
  if [ "$m" = plain ]; then shape="plain, cut $cut"; worker="[$cut,N) + head + sampling"
  else shape="U, cut $cut, return cut $m"; worker="[$cut,$m)"; fi
  echo "| $shape | $worker | $(col 1) | $(col 4) + $(col 5) + $(col 6) | $(col 2) | $(col 3) | $(col 7) |" >> "$report"
  echo "$shape: $(awk '{printf "%s%s", sep, $1; sep=" / "}' "$logs/rounds-$idx.txt") tok/s" >> "$logs/per-round.txt"
done
stop_all
{
  echo
  echo "Edge energy source (the edge agent's summary): $(cat "$logs/energy-source.txt")."
  echo "Each column is the median of its own rounds. Per-round tokens/s:"
  echo
  sed 's/^/- /' "$logs/per-round.txt"
} >> "$report"
cat "$report"
