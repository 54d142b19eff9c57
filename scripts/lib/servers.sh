# Sourced by the scripts: start a cloud worker and an edge agent on free loopback ports, stop them on exit.
# Needs $repo. Sets $es (the launcher), $logs, $cloud_port, $edge_port, $cloud_pid, $edge_pid.
es=$repo/edgesplit
logs=$(mktemp -d "${TMPDIR:-/tmp}/edgesplit-run.XXXXXX")
cloud_pid=
edge_pid=

# Build once up front, so the two servers do not race to build the distribution; then never again, and exec
# keeps each server's PID that of its JVM (for /proc/PID/status).
"$es" --version >/dev/null
EDGESPLIT_NO_BUILD=1
export EDGESPLIT_NO_BUILD

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

stop_servers() {
  for p in $edge_pid $cloud_pid; do
    kill "$p" 2>/dev/null || true
  done
  for p in $edge_pid $cloud_pid; do
    wait "$p" 2>/dev/null || true
  done
  edge_pid=
  cloud_pid=
}
trap stop_servers EXIT INT TERM

await_serving() {
  i=0
  until "$es" health --target "127.0.0.1:$1" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 600 ]; then
      echo "$2 not serving on port $1 after 120 s; log: $logs/$2.log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

# start_servers MODEL CUT [extra cloud options...]; an empty MODEL means the default model. $edge_opts, when set,
# adds options to the edge agent's command line (a U shape's --return-cut, say).
start_servers() {
  model_opt=${1:+--model=$1}
  cut_arg=$2
  shift 2
  cloud_port=$(free_port)
  edge_port=$(free_port)
  # shellcheck disable=SC2086
  "$es" cloud $model_opt --cut "$cut_arg" --listen "127.0.0.1:$cloud_port" --metrics off "$@" \
    >"$logs/cloud.log" 2>&1 &
  cloud_pid=$!
  await_serving "$cloud_port" cloud
  # shellcheck disable=SC2086
  "$es" edge $model_opt --cut "$cut_arg" --listen "127.0.0.1:$edge_port" --metrics off \
    --cloud "127.0.0.1:$cloud_port" --hidden-dtype fp16 ${edge_opts:-} >"$logs/edge.log" 2>&1 &
  edge_pid=$!
  await_serving "$edge_port" edge
}

# parse_load LINES: reads `edgesplit load`'s report into $rate (tokens/s), $requests, $failed, $p50 and $p99 (ms).
parse_load() {
  rate=$(printf '%s\n' "$1" | sed -n 's/.*tokens  *[0-9]* (\([0-9.]*\) tokens\/s.*/\1/p')
  requests=$(printf '%s\n' "$1" | sed -n 's/.*requests *\([0-9]*\) ok.*/\1/p')
  failed=$(printf '%s\n' "$1" | sed -n 's/.*requests *[0-9]* ok, \([0-9]*\) failed.*/\1/p')
  p50=$(printf '%s\n' "$1" | sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p')
  p99=$(printf '%s\n' "$1" | sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p')
}
