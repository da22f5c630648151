#!/usr/bin/env bash
# systemd-analyze verify on packaging/systemd/agenthost.service. Before the package is
# installed /usr/bin/agenthost does not exist, and verify insists that ExecStart is
# executable: a copy points at the built binary instead, nothing else changes. Any output is a
# failure, because verify only warns (exit 0) about unknown keys and bad values.
#
#   verify_unit.sh UNIT AGENTHOST_BINARY      exit 0 ok, 1 failed, 77 no systemd-analyze
set -euo pipefail
unit=$1
binary=$2
if ! command -v systemd-analyze >/dev/null; then
  echo "verify_unit: systemd-analyze not installed (scripts/install-deps.sh --tests installs it)"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/bin/agenthost|$binary|g" "$unit" > "$dir/agenthost.service"
# --man=no: Documentation= names the man pages of the package, not installed yet.
if ! output=$(systemd-analyze verify --man=no "$dir/agenthost.service" 2>&1) || [ -n "$output" ]; then
  echo "verify_unit: systemd-analyze verify $unit:"
  echo "$output"
  exit 1
fi
echo "verify_unit: $unit ok"
