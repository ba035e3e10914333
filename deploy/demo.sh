#!/usr/bin/env bash
# Installs what is missing, builds camdex and runs its main job on the
# embedded default: a generated Sharp-Eyes-like fleet of 43,000 cameras in
# 212 units, imported into a fresh index, then the per-unit summary.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCAMDEX_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)" --target camdex
exec build/release/camdex demo "$@"
