#!/usr/bin/env bash
# Runs the demo workflow end to end on this machine: the caravan daemon with the demo plugin and its
# own SWF endpoint embedded on a free loopback port, and the command-line tools driving executions.
# Nothing talks to AWS: the endpoint is on 127.0.0.1 and needs no credentials.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# config/local.ini also loads the pipeline plugins, so they are built too.
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

step "caravan run (the daemon with the demo plugin and the local SWF endpoint on 127.0.0.1:$port)"
"$caravan" run "$config" 2>"$work/daemon.log" &
daemon=$!
wait_for_log "caravan is running"
sed 's/^/    daemon| /' "$work/daemon.log"

step "caravan domain list (the daemon registered CaravanDemo in its endpoint)"
"$caravan" -c "$config" domain list

step "caravan start -n Demo -v 0.1 -i demo-1, and demo-2"
"$caravan" -c "$config" start -n Demo -v 0.1 -i demo-1
"$caravan" -c "$config" start -n Demo -v 0.1 -i demo-2
sleep 1

step "caravan list --oldest 2015-01-01"
"$caravan" -c "$config" list --oldest 2015-01-01

step "caravan signal -i demo-1 -s PRINT --input 'Hello World!'"
"$caravan" -c "$config" signal -i demo-1 -s PRINT --input 'Hello World!'
wait_for_log "Hello World!"
grep "Hello World!" "$work/daemon.log" | sed 's/^/    daemon| /'

step "caravan signal -i demo-1 -s STOP --input done (demo-1 completes)"
"$caravan" -c "$config" signal -i demo-1 -s STOP --input done

step "caravan signal -i demo-2 -s ABORT --input now (demo-2 fails)"
"$caravan" -c "$config" signal -i demo-2 -s ABORT --input now
sleep 2

step "caravan list --closed --oldest 2015-01-01"
"$caravan" -c "$config" list --closed --oldest 2015-01-01

step "stopping the daemon with SIGTERM"
kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
daemon=""
tail -n 2 "$work/daemon.log" | sed 's/^/    daemon| /'
echo "daemon exit status: $status"
