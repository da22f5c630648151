#!/usr/bin/env bash
# One version: the project() version must be what both binaries print with --version.
#
#   same_version.sh VERSION AGENTHOST_BINARY AGENTCTL_BINARY
set -euo pipefail
version=$1
status=0
for binary in "$2" "$3"; do
  expected="$(basename "$binary") $version"
  actual=$("$binary" --version)
  if [ "$actual" != "$expected" ]; then
    echo "same_version: '$binary --version' printed '$actual', expected '$expected'"
    status=1
  fi
done
[ $status -eq 0 ] && echo "same_version: both binaries print $version"
exit $status
