#!/usr/bin/env bash
# Runs the Pipeline example workflow end to end on this machine: the caravan daemon with config/local.ini,
# its own SWF endpoint embedded on a free loopback port, an activity worker and the `summarize` Lambda
# function, and the command-line tools starting executions. Nothing talks to AWS: the endpoint is on
# 127.0.0.1 and needs no credentials.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/local-daemon.sh
start_daemon "the daemon with config/local.ini"

# Waits for the execution to close and prints its close status.
wait_closed() {
  for _ in $(seq 150); do
    if "$caravan" -c "$config" list --closed --oldest 2015-01-01 --id "$1" | grep -q "$1"; then
      "$caravan" -c "$config" list --closed --oldest 2015-01-01 --id "$1"
      return 0
    fi
    sleep 0.2
  done
  echo "$1 did not close; the daemon's log:" >&2
  cat "$work/daemon.log" >&2
  exit 1
}

step "caravan start -n Pipeline -v 1 -i pipeline-1 (completes: activity, Lambda function, child workflow)"
"$caravan" -c "$config" start -n Pipeline -v 1 -i pipeline-1 --input '{"text": "hello pipeline"}'
wait_closed pipeline-1
"$caravan" -c "$config" history -i pipeline-1

step "caravan start -n Pipeline -v 1 -i pipeline-2 (the activity fails twice, is retried after 1 and 2 seconds, and completes)"
"$caravan" -c "$config" start -n Pipeline -v 1 -i pipeline-2 --input '{"text": "retry me", "failAttempts": 2}'
wait_closed pipeline-2

step "caravan start -n Pipeline -v 1 -i pipeline-3 (the activity fails three times, so the execution fails)"
"$caravan" -c "$config" start -n Pipeline -v 1 -i pipeline-3 --input '{"text": "give up", "failAttempts": 3}'
wait_closed pipeline-3

step "stopping the daemon with SIGTERM"
kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
daemon=""
echo "daemon exit status: $status"
