#!/usr/bin/env bash
# Installs moto's SWF server into .venv, unless the pinned version is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

moto_version=5.2.5
if .venv/bin/python -c "import moto, sys; sys.exit(moto.__version__ != '$moto_version')" 2>/dev/null; then
  exit 0
fi

echo "installing moto $moto_version into .venv" >&2
python3 -m venv .venv
.venv/bin/pip install --quiet "moto[server]==$moto_version"
