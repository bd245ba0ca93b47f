#!/usr/bin/env bash
# The test command (README, CI): builds everything (the `ae` tool too: command-line tests run it) and runs
# the whole test suite. Extra arguments go to `swift test` (e.g. --filter RunTests).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
exec swift test --skip-build "$@"
