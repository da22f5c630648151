#!/usr/bin/env bash
# Quick start 1: install, build, and run the 84-agent two-machine demo in one host, in the
# foreground, until Ctrl-C. Run as root on a fresh Debian 12 machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DAGENTHOST_BUILD_TESTS=OFF -DAGENTHOST_BUILD_BENCH=OFF
export AGENTHOST_PLUGIN_DIR="$PWD/build/plugins"
export AGENTHOST_CONTROL_SOCKET=${AGENTHOST_CONTROL_SOCKET:-/tmp/agenthost-demo.sock}
echo "demo: try 'build/host/agentctl --socket $AGENTHOST_CONTROL_SOCKET status' in another terminal"
exec build/host/agenthost run --config config/demo/agenthost.yaml --machine all
