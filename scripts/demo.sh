#!/usr/bin/env bash
# Runs the demo workflow end to end on this machine: the caravan daemon with the demo plugin and its
# own SWF endpoint embedded on a free loopback port, and the command-line tools driving executions.
# Nothing talks to AWS: the endpoint is on 127.0.0.1 and needs no credentials.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/local-daemon.sh
start_daemon "the daemon with the demo plugin"
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
