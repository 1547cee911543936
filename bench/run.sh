#!/usr/bin/env bash
# Decider benchmark: caravan beside the Python caravan 0.2.2 decider, both against moto's SWF server
# on loopback, in the same run. Arguments go to bench/decider.py (for example --n 400).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked -p caravan -p caravan-bench-plugin
scripts/install-python-clients.sh

exec .venv/bin/python bench/decider.py \
  --caravan target/release/caravan \
  --plugin target/release/libcaravan_bench_plugin.so \
  --moto-server .venv/bin/moto_server \
  --python .venv/bin/python \
  "$@"
