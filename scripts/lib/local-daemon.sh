# Shared set-up of scripts/demo.sh and scripts/pipeline.sh, sourced from the repository root: builds
# caravan and the example plugins, writes a copy of config/local.ini with a free loopback port, and
# defines step, wait_for_log and start_daemon. The daemon is stopped when the script exits.

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

# Starts the daemon with the copied config and waits until it runs; $1 describes it for the output.
start_daemon() {
  step "caravan run ($1 and the local SWF endpoint on 127.0.0.1:$port)"
  "$caravan" run "$config" 2>"$work/daemon.log" &
  daemon=$!
  wait_for_log "caravan is running"
}
