#!/usr/bin/env bash
# The test command (README, CI): builds and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift test "$@"
