#!/usr/bin/env bash
# Configures and builds agenthost into build/ (or $BUILD_DIR). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
# Two cores on the reference machines: -j2 keeps memory and the other core's work in check.
cmake --build "$build_dir" -j"${JOBS:-2}"
