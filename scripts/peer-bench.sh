#!/bin/sh
# scripts/peer-bench.sh: llama.cpp and edgesplit side by side in one run, on the same GGUF file.
# Usage: scripts/peer-bench.sh [--type Q4_0] [--rounds 3] [--threads 1] [--peers DIR] [--out DIR]
# Sets up llama.cpp as ../shared/peers/README.md says (node-llama-cpp from npm, the gguf writer from pip), writes a
# random-weight GGUF with SmolLM2-135M's shape, then alternates one llama.cpp round and one `edgesplit bench` round
# (unsplit, in process) on that same file, so both see the same machine. Writes DIR/peer-bench.md.
set -eu

type=Q4_0
rounds=3
threads=1
peers=${PEERS_DIR:-/tmp/peers}
out=
while [ $# -gt 0 ]; do
  case $1 in
    --type) type=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "peer-bench: unknown option $1" >&2; exit 2 ;;
  esac
done
case $rounds in '' | *[!0-9]* | 0) echo "peer-bench: --rounds must be a positive integer" >&2; exit 2 ;; esac
case $threads in '' | *[!0-9]* | 0) echo "peer-bench: --threads must be a positive integer" >&2; exit 2 ;; esac

repo=$(cd "$(dirname "$0")/.." && pwd -P)
shared=$repo/../shared/peers
[ -f "$shared/llamacpp-bench.mjs" ] || { echo "peer-bench: $shared/llamacpp-bench.mjs is missing" >&2; exit 1; }
command -v node >/dev/null || { echo "peer-bench: node is needed (apt-get install nodejs)" >&2; exit 1; }
out=${out:-$repo/bench-results/peer-bench}
mkdir -p "$peers" "$out"

if [ ! -d "$peers/node_modules/node-llama-cpp" ]; then
  echo "peer-bench: installing node-llama-cpp into $peers" >&2
  (cd "$peers" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --silent node-llama-cpp@3.22.1)
fi
if ! "$peers/venv/bin/python" -c 'import gguf' 2>/dev/null; then
  echo "peer-bench: installing the gguf writer into $peers/venv" >&2
  python3 -m venv "$peers/venv" && "$peers/venv/bin/pip" install -q gguf numpy
fi
lower=$(echo "$type" | tr 'A-Z' 'a-z')
gguf=$peers/smollm2-$lower.gguf
[ -f "$gguf" ] || "$peers/venv/bin/python" "$shared/smollm2_shape.py" "$type" "$gguf"
cp "$shared/llamacpp-bench.mjs" "$peers/"   # it must sit beside node_modules

rows=$out/rounds.tsv
: > "$rows"
i=1
while [ "$i" -le "$rounds" ]; do
  echo "peer-bench: round $i of $rounds: llama.cpp" >&2
  node "$peers/llamacpp-bench.mjs" "$gguf" "$threads" 1 | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print("llama.cpp\t%s\t%s" % (r["decode_tok_s"], r["prefill_tok_s"]))' >> "$rows"
  echo "peer-bench: round $i of $rounds: edgesplit" >&2
  "$repo/edgesplit" bench --model "$gguf" --threads "$threads" --cut 1 --rounds 1 --no-parts --no-loopback \
      --paired-rounds 0 --prompt-tokens 128 --tokens 128 --out "$out/edgesplit-$i" >&2
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = next(m for m in d["results"][0]["modes"] if m["name"] == "unsplit")
print("edgesplit\t%.1f\t%.1f" % (m["decodeTokensPerSecond"], m["prefillTokensPerSecond"]))' \
      "$out/edgesplit-$i/bench.json" >> "$rows"
  i=$((i + 1))
done

python3 - "$rows" "$out/peer-bench.md" "$gguf" "$type" "$threads" "$rounds" <<'EOF'
import statistics, sys
rows, md, gguf, kind, threads, rounds = sys.argv[1:]
runs = {}
for line in open(rows):
    engine, decode, prefill = line.split("\t")
    runs.setdefault(engine, []).append((float(decode), float(prefill)))
med = {e: (statistics.median(d for d, _ in r), statistics.median(p for _, p in r)) for e, r in runs.items()}
ours, peer = med["edgesplit"], med["llama.cpp"]
lines = [
    f"# edgesplit and llama.cpp on one GGUF file ({kind}, SmolLM2-135M shape, random weights)",
    "",
    f"`scripts/peer-bench.sh --type {kind} --rounds {rounds} --threads {threads}`: {rounds} alternating rounds, "
    f"{threads} thread(s), 128-token prompt then 128 greedy decode tokens, unsplit; medians. File: `{gguf}`.",
    "",
    "| engine | decode tok/s | prefill tok/s | rounds (decode) |",
    "|---|---|---|---|",
]
for e in ("llama.cpp", "edgesplit"):
    lines.append(f"| {e} | {med[e][0]:.1f} | {med[e][1]:.1f} | {', '.join(f'{d:.1f}' for d, _ in runs[e])} |")
lines += ["", f"edgesplit / llama.cpp: decode {ours[0] / peer[0]:.2f}x, prefill {ours[1] / peer[1]:.2f}x", ""]
open(md, "w").write("\n".join(lines))
print("\n".join(lines))
EOF
