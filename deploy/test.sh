#!/usr/bin/env bash
# Installs what is missing, builds camdex with ASan and UBSan (warnings are
# errors) and runs the whole test suite through ctest; then builds the
# libFuzzer targets with clang and runs each briefly.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/setup.sh
build=${CAMDEX_TEST_BUILD:-build/test}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== fuzz targets (clang, libFuzzer, ${CAMDEX_FUZZ_SECONDS:-5} s each)"
CC=clang cmake -S . -B "$build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAMDEX_WERROR=ON \
      -DCAMDEX_FUZZ=ON -DCAMDEX_SANITIZE=address,undefined \
      -DCAMDEX_FUZZ_SECONDS="${CAMDEX_FUZZ_SECONDS:-5}" >/dev/null
cmake --build "$build-fuzz" -j "$(nproc)"
ctest --test-dir "$build-fuzz" --output-on-failure -j "$(nproc)"

echo "== unit, integration and end-to-end tests (gcc, ASan + UBSan)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCAMDEX_WERROR=ON \
      -DCAMDEX_SANITIZE=address,undefined >/dev/null
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
