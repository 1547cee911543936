#!/usr/bin/env bash
# Local endpoint benchmark, everything on loopback in one run:
# - no-op activity tasks per second through one `caravan run` worker at concurrency 1 and 10,
#   with its CPU time and peak memory (bench/worker.py);
# - the daemon's decide time and peak memory for one 24,990-event history through the toolkit
#   (bench/history.py);
# - decision tasks per second with `caravan local` as the endpoint, for the caravan daemon and for
#   the Python caravan 0.2.2 decider (bench/decider.py --local), with the endpoint's CPU time;
# - API calls per second, the delay from a task becoming available to the waiting poll returning,
#   and the endpoint's memory with 1,000 idle long polls (caravan-bench-endpoint).
# Usage: bench/local.sh [EXECUTIONS]   (default 5000 executions per decider run)
set -euo pipefail
cd "$(dirname "$0")/.."
executions=${1:-5000}

cargo build --release --locked -p caravan -p caravan-bench-plugin -p caravan-bench-endpoint
scripts/install-python-clients.sh

echo "== decision tasks per second, $executions executions per run"
.venv/bin/python bench/decider.py --local --pollers 1,4 \
  --caravan target/release/caravan \
  --plugin target/release/libcaravan_bench_plugin.so \
  --python .venv/bin/python \
  --n "$executions"

echo "== activity tasks per second, $executions activity tasks per run"
.venv/bin/python bench/worker.py --concurrency 1,10 \
  --caravan target/release/caravan \
  --plugin target/release/libcaravan_bench_plugin.so \
  --n "$executions"

echo "== one decision task on a 24,990-event history"
.venv/bin/python bench/history.py --runs 2 \
  --caravan target/release/caravan \
  --plugin target/release/libcaravan_bench_plugin.so

work=$(mktemp -d)
endpoint=""
cleanup() {
  [ -n "$endpoint" ] && kill "$endpoint" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '[local]\nlisten = 127.0.0.1:%s\n' "$port" >"$work/local.ini"
env -i PATH="$PATH" target/release/caravan local "$work/local.ini" 2>"$work/local.log" &
endpoint=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

measure() { target/release/caravan-bench-endpoint --address "127.0.0.1:$port" "$@"; }
echo "== API calls per second (CountOpenWorkflowExecutions)"
measure calls --connections 1 --seconds 10
measure calls --connections 4 --seconds 10
echo "== start request sent to waiting poll returned"
measure latency --samples 2000
echo "== endpoint memory with idle long polls"
measure idle-polls --polls 1000 --pid "$endpoint"
