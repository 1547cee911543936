#!/usr/bin/env bash
# Installs the Python packages the tests run against caravan into .venv, unless the pinned versions
# are there already: moto's SWF server, and the SWF clients boto3, the AWS CLI, the Python caravan
# and simpleflow. The versions are pinned together because boto3 and the AWS CLI each require an
# exact botocore release.
set -euo pipefail
cd "$(dirname "$0")/.."

pins=(
  "moto[server]==5.2.5"
  "boto3==1.44.8"
  "awscli==1.46.3"
  "caravan==0.2.2"
  "simpleflow==0.36.0"
)

# Each pin as NAME==VERSION without extras, for the check below.
wanted=$(printf '%s\n' "${pins[@]}" | sed 's/\[[^]]*\]//')
check='
import sys
from importlib.metadata import PackageNotFoundError, version

for pin in sys.argv[1].split():
    name, expected = pin.split("==")
    try:
        installed = version(name)
    except PackageNotFoundError:
        sys.exit(1)
    if installed != expected:
        sys.exit(1)
'
if .venv/bin/python -c "$check" "$wanted" 2>/dev/null; then
  exit 0
fi

echo "installing ${pins[*]} into .venv" >&2
python3 -m venv .venv
.venv/bin/pip install --quiet "${pins[@]}"
