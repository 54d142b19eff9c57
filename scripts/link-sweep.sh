#!/usr/bin/env bash
# Planner accuracy sweep: for each emulated link (1, 10, 100 Mbit/s x 5, 50 ms RTT) run every cut of the
# synthetic SmolLM2-135M shape (int4 edge) for real and compare measured per-token latency and edge J/token with
# the planner's predictions. Writes scripts/results/link-sweep.{txt,csv,svg} (the svg: predicted and measured per
# cut, every link) and one plan.json/plan.svg per link.
#
# Link emulation: the cloud worker runs in its own network namespace behind a veth pair. Bandwidth is shaped by
# the kernel (tc tbf on both veth ends). This kernel has no sch_netem (`tc qdisc add ... netem` fails with
# "Specified qdisc kind is unknown"), so the RTT is added by scripts/delay-proxy.py in the edge namespace, which
# holds every chunk for RTT/2 in each direction. Needs root (ip netns). Without ip netns it falls back to the
# --bandwidth/--rtt override on loopback and says so (then only the predictions' link term is emulated).
#
# Speculation (--speculate SOURCE, SOURCE one of ngram, model, early-exit; --draft-model PATH for model): after each
# link's plan, an edge agent at cut --spec-cut K (default 15) runs in the edge namespace against the same worker, once
# with --speculate none and once with --speculate SOURCE, and `edgesplit generate` (greedy, --spec-tokens N, default
# 64) reports tokens/s and tokens per round trip of each; rows in scripts/results/link-sweep-speculate.csv.
# --dry-run prints the links and the commands it would run, and exits without touching the network or the model.
#
# Usage: scripts/link-sweep.sh [--speculate SOURCE] [--draft-model PATH] [--spec-cut K] [--spec-tokens N]
#                              [--dry-run] [TOKENS_PER_POINT]   (default 5; total well under 15 minutes)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd -P)
usage() { sed -n 's/^# \{0,1\}//; /^Usage:/,/^$/p' "$0" | sed '/^set -euo/,$d'; }
speculate=none
draft_model=
spec_cut=15
spec_tokens=64
dry_run=0
tokens=5
while [ $# -gt 0 ]; do
  case $1 in
    --speculate) [ $# -ge 2 ] || { echo "--speculate needs a SOURCE" >&2; exit 2; }; speculate=$2; shift 2 ;;
    --draft-model) [ $# -ge 2 ] || { echo "--draft-model needs a PATH" >&2; exit 2; }; draft_model=$2; shift 2 ;;
    --spec-cut) [ $# -ge 2 ] || { echo "--spec-cut needs a layer" >&2; exit 2; }; spec_cut=$2; shift 2 ;;
    --spec-tokens) [ $# -ge 2 ] || { echo "--spec-tokens needs a count" >&2; exit 2; }; spec_tokens=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
    *) tokens=$1; shift ;;
  esac
done
case $speculate in
  none|ngram|model|early-exit) ;;
  *) echo "--speculate must be none, ngram, model or early-exit, got '$speculate'" >&2; exit 2 ;;
esac
for n in "$tokens" "$spec_cut" "$spec_tokens"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "expected a whole number, got '$n'" >&2; exit 2; }
done
if [ -n "$draft_model" ] && [ "$speculate" != model ]; then
  echo "--draft-model goes with --speculate model" >&2; exit 2
fi
out=$repo/scripts/results
mkdir -p "$out"
model=synthetic:smollm2-135m
common=(--model "$model" --edge-quant int4 --cloud-quant int8 --max-context 256 --accuracy-level 4)
export EDGESPLIT_HOME=${EDGESPLIT_HOME:-$out/home}
export ORT_DISABLE_TELEMETRY=1
# On this VM the first few hundred MB of memory a process touches stream 10-20% slower than later memory (a cloud
# chain opened at start-up ran 2 ms/token slower than the same chain opened later; see scripts/README.md). Both
# processes pre-touch a 1 GB heap first, so that the weights of every chain (the profiler's, the worker's default
# cut, the measured cuts) land on memory of the same speed. SWEEP_JAVA_OPTS= (empty) runs without it.
export EDGESPLIT_JAVA_OPTS=${SWEEP_JAVA_OPTS--Xms1g -XX:+AlwaysPreTouch}
es=$repo/edgesplit
cloud_ns=es-sweep-cloud
edge_ns=es-sweep-edge
cloud_ip=10.231.0.1
edge_ip=10.231.0.2
cloud_port=50152
pids=()

edge_port=50153
spec_proxy_port=50154
links=("1 5" "1 50" "10 5" "10 50" "100 5" "100 50")

# The edge agent and generate commands of one speculation run (SOURCE in $1) against the worker at $2.
spec_edge_cmd() {
  local cmd=("$es" edge "${common[@]}" --cut "$spec_cut" --cloud "$2" --listen 127.0.0.1:$edge_port
    --metrics off --speculate "$1")
  [ "$1" = model ] && [ -n "$draft_model" ] && cmd+=(--draft-model "$draft_model")
  printf '%q ' "${cmd[@]}"
}
spec_generate_cmd() {
  printf '%q ' "$es" generate --target 127.0.0.1:$edge_port --max-tokens "$spec_tokens" --temperature 0 \
    --prompt "Once upon a time"
}

if [ $dry_run = 1 ]; then
  echo "link sweep (dry run): ${#links[@]} links, $tokens timed tokens per cut, speculation: $speculate"
  for link in "${links[@]}"; do
    set -- $link
    echo "  ${1} Mbit/s, ${2} ms RTT: $es plan ${common[*]} --cloud 127.0.0.1:$cloud_port --objective energy --measure-tokens $tokens"
    if [ "$speculate" != none ]; then
      for src in none "$speculate"; do
        echo "    edge:     $(spec_edge_cmd "$src" 127.0.0.1:$cloud_port)"
        echo "    generate: $(spec_generate_cmd)"
      done
    fi
  done
  exit 0
fi

cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  ip netns del "$cloud_ns" 2>/dev/null || true
  ip netns del "$edge_ns" 2>/dev/null || true
}
trap cleanup EXIT

echo "building and compiling the model once (per layer) ..."
"$es" plan "${common[@]}" --bandwidth 100 --rtt 5 --out "$out/warmup" --profile-tokens 8 >/dev/null

summary=$out/link-sweep.txt
csv=$out/link-sweep.csv
echo "bandwidth_mbit,rtt_ms,cut,predicted_ms,measured_ms,latency_error_pct,predicted_edge_j,measured_edge_j,energy_error_pct" > "$csv"
: > "$summary"

if ip netns add "$cloud_ns" 2>/dev/null; then
  ip netns add "$edge_ns"
  ip link add es-veth-c type veth peer name es-veth-e
  ip link set es-veth-c netns "$cloud_ns"
  ip link set es-veth-e netns "$edge_ns"
  ip -n "$cloud_ns" addr add $cloud_ip/30 dev es-veth-c
  ip -n "$edge_ns" addr add $edge_ip/30 dev es-veth-e
  for ns in "$cloud_ns" "$edge_ns"; do ip -n "$ns" link set lo up; done
  ip -n "$cloud_ns" link set es-veth-c up
  ip -n "$edge_ns" link set es-veth-e up
  mode=netns
else
  mode=override
  echo "ip netns add failed: falling back to --bandwidth/--rtt overrides on loopback" | tee -a "$summary"
fi

cloud_cfg=$out/cloud-sweep.yaml
# The worker listens on the veth address inside its own namespace: plaintext there is deliberate (logged).
printf 'insecure: true\nmetrics:\n  listen: "off"\n' > "$cloud_cfg"
if [ "$mode" = netns ]; then
  ip netns exec "$cloud_ns" env EDGESPLIT_NO_BUILD=1 "$es" cloud "${common[@]}" --any-cut --cut 1 \
    --listen $cloud_ip:$cloud_port --config "$cloud_cfg" > "$out/cloud.log" 2>&1 &
else
  EDGESPLIT_NO_BUILD=1 "$es" cloud "${common[@]}" --any-cut --cut 1 --listen 127.0.0.1:$cloud_port \
    --config "$cloud_cfg" > "$out/cloud.log" 2>&1 &
fi
pids+=($!)
for _ in $(seq 1 120); do grep -q "cloud worker serving" "$out/cloud.log" && break; sleep 1; done
grep -q "cloud worker serving" "$out/cloud.log" || { echo "cloud worker did not start:"; cat "$out/cloud.log"; exit 1; }

first=1
spec_csv=$out/link-sweep-speculate.csv
[ "$speculate" != none ] && echo "bandwidth_mbit,rtt_ms,cut,source,tokens_per_second,tokens_per_round_trip" > "$spec_csv"

# Runs one edge agent with draft source $1 (in the edge namespace when there is one) and one greedy generation
# through it; appends tokens/s and tokens per round trip to $spec_csv.
speculate_run() {
  local src=$1 bw=$2 rtt=$3 log=$4 target=$5 prefix=() edge_pid
  [ "$mode" = netns ] && prefix=(ip netns exec "$edge_ns")
  eval "${prefix[*]} env EDGESPLIT_NO_BUILD=1 $(spec_edge_cmd "$src" "$target")" > "$log.edge.log" 2>&1 &
  edge_pid=$!
  pids+=($edge_pid)
  for _ in $(seq 1 120); do grep -q "edge agent serving" "$log.edge.log" && break; sleep 1; done
  eval "${prefix[*]} env EDGESPLIT_NO_BUILD=1 $(spec_generate_cmd)" > "$log" 2>&1 || { cat "$log.edge.log"; exit 1; }
  kill $edge_pid 2>/dev/null || true
  wait $edge_pid 2>/dev/null || true
  python3 - "$log" "$bw" "$rtt" "$spec_cut" "$src" >> "$spec_csv" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
tps = re.search(r"([0-9.]+) tokens/s", text)
trip = re.search(r"([0-9.]+) tokens per round trip", text)
print(",".join(sys.argv[2:6] + [tps.group(1) if tps else "", trip.group(1) if trip else ""]))
PY
  grep -E "tokens/s|round trip" "$log" | sed "s/^/  $src: /" | tee -a "$summary"
}

for bw in 1 10 100; do
  for rtt in 5 50; do
    dir=$out/bw${bw}-rtt${rtt}
    mkdir -p "$dir"
    echo "=== ${bw} Mbit/s, ${rtt} ms RTT ($mode) ===" | tee -a "$summary"
    profile_flag=()
    [ $first = 1 ] && profile_flag=(--reprofile)
    first=0
    if [ "$mode" = netns ]; then
      for dev in "$cloud_ns:es-veth-c" "$edge_ns:es-veth-e"; do
        ns=${dev%%:*}; ifc=${dev#*:}
        ip netns exec "$ns" tc qdisc replace dev "$ifc" root tbf rate ${bw}mbit burst 32kb latency 2000ms
      done
      half=$(python3 -c "print($rtt/2)")
      ip netns exec "$edge_ns" python3 "$repo/scripts/delay-proxy.py" 127.0.0.1:$cloud_port \
        $cloud_ip:$cloud_port "$half" &
      proxy=$!
      pids+=($proxy)
      sleep 1
      ip netns exec "$edge_ns" env EDGESPLIT_NO_BUILD=1 "$es" plan "${common[@]}" "${profile_flag[@]}" \
        --cloud 127.0.0.1:$cloud_port --objective energy --measure-tokens "$tokens" --out "$dir" \
        | tee -a "$summary"
      kill $proxy 2>/dev/null || true
    else
      EDGESPLIT_NO_BUILD=1 "$es" plan "${common[@]}" "${profile_flag[@]}" --cloud 127.0.0.1:$cloud_port \
        --bandwidth $bw --rtt $rtt --objective energy --measure-tokens "$tokens" --out "$dir" | tee -a "$summary"
    fi
    if [ "$speculate" != none ]; then
      # The agents reach the worker through the delay proxy at 127.0.0.1:$cloud_port of the edge namespace
      # (tbf-shaped veth behind it); without namespaces through one on loopback (RTT only, no bandwidth limit).
      half=$(python3 -c "print($rtt/2)")
      if [ "$mode" = netns ]; then
        ip netns exec "$edge_ns" python3 "$repo/scripts/delay-proxy.py" 127.0.0.1:$cloud_port \
          $cloud_ip:$cloud_port "$half" &
        spec_target=127.0.0.1:$cloud_port
      else
        python3 "$repo/scripts/delay-proxy.py" 127.0.0.1:$spec_proxy_port 127.0.0.1:$cloud_port "$half" &
        spec_target=127.0.0.1:$spec_proxy_port
      fi
      proxy=$!
      pids+=($proxy)
      sleep 1
      for src in none "$speculate"; do
        speculate_run "$src" "$bw" "$rtt" "$dir/speculate-$src.txt" "$spec_target"
      done
      kill $proxy 2>/dev/null || true
    fi
    tail -n +2 "$dir/measured.csv" | sed "s/^/$bw,$rtt,/" >> "$csv"
  done
done

python3 - "$csv" "$out" <<'PY' | tee -a "$summary"
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1])))
by = collections.defaultdict(list)
for r in rows:
    by[(r["bandwidth_mbit"], r["rtt_ms"])].append(r)
print("\nSummary (prediction error = (predicted - measured) / measured):")
print("link            max|lat err|  max|J err|  cuts within 15% (lat/J)  planned cut  best measured cut  planned cut's measured J vs best")
for (bw, rtt), rs in by.items():
    le = [abs(float(r["latency_error_pct"])) for r in rs]
    ee = [abs(float(r["energy_error_pct"])) for r in rs]
    rs_feasible = [r for r in rs if int(r["cut"]) >= 1]
    planned = min(rs_feasible, key=lambda r: float(r["predicted_edge_j"]))
    best = min(rs_feasible, key=lambda r: float(r["measured_edge_j"]))
    gap = 100 * (float(planned["measured_edge_j"]) - float(best["measured_edge_j"])) / float(best["measured_edge_j"])
    print(f"{bw:>4} Mbit {rtt:>3} ms  {max(le):10.1f}%  {max(ee):9.1f}%  {sum(e <= 15 for e in le):>3}/{len(le)} {sum(e <= 15 for e in ee):>3}/{len(ee)}"
          f"              {planned['cut']:>3}          {best['cut']:>3}                {gap:+.1f}%")
PY
python3 "$repo/scripts/sweep-chart.py" "$csv" "$out/link-sweep.svg"
echo "wrote $summary and $csv"
