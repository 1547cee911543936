#!/usr/bin/env bash
# Runs the whole test suite. The integration tests use moto's SWF server as an endpoint and run
# Python SWF clients (boto3, the AWS CLI, the Python caravan, simpleflow) against caravan's local
# endpoint, so this installs them into .venv first (once). Arguments are passed on to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-python-clients.sh >&2
export CARAVAN_MOTO_SERVER="$PWD/.venv/bin/moto_server"
export CARAVAN_PYTHON_VENV="$PWD/.venv"

cargo test --workspace --locked "$@"
