#!/usr/bin/env bash
# Runs the whole test suite. The integration tests use moto's SWF server as the endpoint, so this
# installs moto into .venv first (once). Arguments are passed on to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-moto.sh >&2
export CARAVAN_MOTO_SERVER="$PWD/.venv/bin/moto_server"

cargo test --workspace --locked "$@"
