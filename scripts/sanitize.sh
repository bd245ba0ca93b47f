#!/usr/bin/env bash
# Builds and runs the C kernel tests under AddressSanitizer + UndefinedBehaviorSanitizer (not part of CI:
# a separate build folder, several minutes). Extra arguments go to `swift test` (e.g. --filter GemmTests).
# swiftc on Linux has no `-sanitize=undefined`, so UBSan is applied to the C code only, in trap mode
# (undefined behaviour stops the test with SIGILL; no UBSan runtime library is needed).
set -euo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"
exec swift test --scratch-path .build-sanitize --sanitize=address \
    -Xcc -fsanitize=undefined -Xcc -fsanitize-trap=undefined \
    --filter "${1:-KernelsTests}" "${@:2}"
