#!/usr/bin/env bash
# Checks systemd/caravan.service offline, without a running systemd:
#   - `systemd-analyze verify`, on a copy whose ExecStartPre and ExecStart run CARAVAN_BINARY,
#     because verify checks that those programs exist;
#   - `systemd-analyze security --offline=true`, which must rate the unit's exposure at 2.0 or lower.
# Usage: scripts/check-unit.sh [CARAVAN_BINARY]   (default: target/debug/caravan)
# Needs systemd-analyze 250 or later (Debian's systemd package).
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-target/debug/caravan}"
# systemd-analyze takes the threshold in tenths: 20 is an exposure of 2.0.
max_exposure_tenths=20

if ! command -v systemd-analyze >/dev/null; then
  echo "error: systemd-analyze not found; install it with: apt-get install systemd" >&2
  exit 1
fi
if [[ ! -x "$binary" ]]; then
  echo "error: caravan binary $binary not found; build it with: cargo build" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
binary="$(realpath "$binary")"
sed "s|/usr/bin/caravan |$binary |g" systemd/caravan.service >"$work/caravan.service"
if grep -q /usr/bin/caravan "$work/caravan.service"; then
  echo "error: systemd/caravan.service runs /usr/bin/caravan in a form this script does not replace" >&2
  exit 1
fi

systemd-analyze verify "$work/caravan.service"
echo "systemd-analyze verify: no errors"

if ! systemd-analyze security --offline=true --threshold="$max_exposure_tenths" "$work/caravan.service" \
  >"$work/security.txt" 2>&1; then
  cat "$work/security.txt" >&2
  echo "error: the exposure of systemd/caravan.service is above 2.0 (see the lines marked ✗ above)" >&2
  exit 1
fi
grep "Overall exposure level" "$work/security.txt"
