#!/usr/bin/env bash
# Quick start 2: install, build, and run every test. Run as root on a fresh Debian 12 machine:
# the package test installs and purges the agenthost packages on it.
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
# The .deb packages: built, lintian, installed, run, a plugin built against them, purged.
scripts/package-test.sh

if $sanitizers; then
  scripts/sanitize.sh thread
  scripts/sanitize.sh address
  scripts/fuzz.sh 30  # seconds per target: the whole CI run must stay well under 90 minutes
fi
