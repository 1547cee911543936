#!/usr/bin/env bash
# Runs the Pipeline example workflow end to end on this machine: the caravan daemon with config/local.ini,
# its own SWF endpoint embedded on a free loopback port, an activity worker and the `summarize` Lambda
# function, and the command-line tools starting executions. Nothing talks to AWS: the endpoint is on
# 127.0.0.1 and needs no credentials.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "building caravan and the example plugins"
cargo build --locked -p caravan -p caravan-demo -p caravan-pipeline -p caravan-pipeline-activities
caravan=$PWD/target/debug/caravan

work=$(mktemp -d)
daemon=""
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The embedded endpoint needs no credentials; these settings only keep AWS settings of this machine out.
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SWF
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

# The first port from 8577 on that nothing listens on.
port=8577
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  port=$((port + 1))
done

config=$work/caravan.ini
sed -e "s|^listen = .*|listen = 127.0.0.1:$port|" \
    -e "s|%(here)s/\.\.|$PWD|" config/local.ini >"$config"

wait_for_log() {
  for _ in $(seq 150); do
    grep -q "$1" "$work/daemon.log" && return 0
    sleep 0.2
  done
  echo "the daemon did not log '$1'; its log:" >&2
  cat "$work/daemon.log" >&2
  exit 1
}

step "caravan run (the daemon with config/local.ini and the local SWF endpoint on 127.0.0.1:$port)"
"$caravan" run "$config" 2>"$work/daemon.log" &
daemon=$!
wait_for_log "caravan is running"

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
