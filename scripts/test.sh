#!/usr/bin/env bash
# Quick start 2: install, build, and run every test. Run as root on a fresh Debian 12 machine.
# With CI=true (or --sanitizers) the suite also runs under ThreadSanitizer and
# AddressSanitizer+UBSan, each in its own build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizers=false
[ "${CI:-}" = "true" ] && sanitizers=true
[ "${1:-}" = "--sanitizers" ] && sanitizers=true

scripts/install-deps.sh --tests
scripts/build.sh
(cd build && ctest --output-on-failure --timeout 300 -j2)

if $sanitizers; then
  scripts/sanitize.sh thread
  scripts/sanitize.sh address
fi
