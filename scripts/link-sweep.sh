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
# Usage: scripts/link-sweep.sh [TOKENS_PER_POINT]   (default 5; total well under 15 minutes)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd -P)
tokens=${1:-5}
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
