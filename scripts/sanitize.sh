#!/usr/bin/env bash
# Builds agenthost with a sanitizer and runs the whole test suite under it.
#
#   scripts/sanitize.sh thread    ThreadSanitizer, in build-tsan/ (or $BUILD_DIR)
#   scripts/sanitize.sh address   AddressSanitizer + UBSan (+ LeakSanitizer), in build-asan/
#
# Extra arguments go to ctest (say `-R Shutdown` or `--repeat until-fail:5`).
#
# Every target, the test plugins included, is instrumented (AGENTHOST_SANITIZE in the top
# CMakeLists.txt). The integration tests spawn the real agenthost and agentctl: they inherit
# the *_OPTIONS exported below, so a report in the daemon ends it at once with exit code 66
# (TSan), 67 (ASan, LSan) or 68 (UBSan; its default, 1, is also the exit code one test
# expects), and the test that checks its exit code fails with the report in its output.
# Our options come first: the caller's own *_OPTIONS, appended, override them.
#
# Known, intentional: the hang_in_start/hang_in_health test plugins leave threads inside
# agent code; the host then ends with std::_Exit, which runs no leak check (nothing to
# suppress). Real false positives go in tests/sanitizers/*.supp, each with its reason.
#
# Exits non-zero when the build fails or any test fails; ctest prints its summary either way.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
supp_dir=$root/tests/sanitizers

usage() { echo "usage: scripts/sanitize.sh thread|address [ctest arguments...]" >&2; }
[ $# -ge 1 ] || { usage; exit 2; }
kind=$1
shift
case "$kind" in
  thread) build_dir=${BUILD_DIR:-build-tsan} ;;
  address) build_dir=${BUILD_DIR:-build-asan} ;;
  *) usage; exit 2 ;;
esac

start=$SECONDS
cmake -S . -B "$build_dir" -DAGENTHOST_SANITIZE="$kind" -DAGENTHOST_BUILD_BENCH=OFF
# Two cores on the reference machines: -j2 keeps memory and the other core's work in check.
cmake --build "$build_dir" -j"${JOBS:-2}"
built=$SECONDS

if [ "$kind" = thread ]; then
  opts="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
  [ -f "$supp_dir/tsan.supp" ] && opts+=" suppressions=$supp_dir/tsan.supp"
  export TSAN_OPTIONS="$opts ${TSAN_OPTIONS:-}"
else
  # detect_stack_use_after_return: a thread that writes to a frame that has returned (a task
  # holding a test's local by reference) is a report, not a corrupted neighbour frame.
  export ASAN_OPTIONS="detect_leaks=1 abort_on_error=0 exitcode=67 detect_stack_use_after_return=1 ${ASAN_OPTIONS:-}"
  opts="print_stacktrace=1 halt_on_error=1 exitcode=68"
  [ -f "$supp_dir/ubsan.supp" ] && opts+=" suppressions=$supp_dir/ubsan.supp"
  export UBSAN_OPTIONS="$opts ${UBSAN_OPTIONS:-}"
  if [ -f "$supp_dir/lsan.supp" ]; then
    export LSAN_OPTIONS="suppressions=$supp_dir/lsan.supp ${LSAN_OPTIONS:-}"
  fi
fi

status=0
# Serial by default: sanitized binaries are 2-15x slower, and several integration tests
# compare timings. Pass -j2 to go faster on an idle machine.
(cd "$build_dir" && ctest --output-on-failure --timeout 300 "$@") || status=$?
echo "sanitize.sh $kind: build $((built - start)) s, tests $((SECONDS - built)) s," \
     "exit $status"
exit "$status"
