#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang) and runs each for a bounded time, starting
# from its corpus in tests/fuzz/corpus/<target>/. New inputs it finds go to a temporary
# folder, not into the repository; a crash, leak, timeout or UBSan report fails the run and
# leaves its input in build-fuzz/artifacts/ (rerun it: build-fuzz/fuzz_<target> FILE).
#
#   scripts/fuzz.sh [SECONDS]     seconds per target; default $FUZZ_SECONDS or 60
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${FUZZ_SECONDS:-60}}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}

cmake -S tests/fuzz -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build_dir" -j"${JOBS:-2}"
mkdir -p "$build_dir/artifacts"
found=$(mktemp -d)
trap 'rm -rf "$found"' EXIT

status=0
for target in config_loader wire_protocol; do
  mkdir -p "$found/$target"
  echo "fuzz: $target for ${seconds}s"
  if ! "$build_dir/fuzz_$target" "$found/$target" "tests/fuzz/corpus/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build_dir/artifacts/$target-" > "$build_dir/$target.log" 2>&1; then
    echo "fuzz: $target FAILED (log: $build_dir/$target.log, input: $build_dir/artifacts/)"
    tail -40 "$build_dir/$target.log"
    status=1
  else
    grep -E "^stat::number_of_executed_units|^Done" "$build_dir/$target.log" | sed "s/^/fuzz: $target: /"
  fi
done
exit "$status"
