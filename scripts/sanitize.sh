#!/usr/bin/env bash
# Builds and runs the C kernel tests under AddressSanitizer + UndefinedBehaviorSanitizer (not part of CI:
# a separate build folder, several minutes). Extra arguments go to `swift test` (e.g. --filter GemmTests).
set -euo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec swift test --scratch-path .build-sanitize --sanitize=address --sanitize=undefined \
    -Xcc -fno-sanitize-recover=undefined --filter "${1:-KernelsTests}" "${@:2}"
