#!/usr/bin/env bash
# Installs what is missing, builds camdex with ASan and UBSan (warnings are
# errors) and runs the whole test suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/setup.sh
build=${CAMDEX_TEST_BUILD:-build/test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCAMDEX_WERROR=ON \
      -DCAMDEX_SANITIZE=address,undefined >/dev/null
cmake --build "$build" -j "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
