#!/usr/bin/env bash
# Sets up (packages, build) and runs every qblock test: gtest unit tests and
# lit + FileCheck tests, then prints one summary line. Exit status is non-zero
# when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
echo "== building"
bash scripts/build.sh quant-opt qblock-inspect QBlockUnitTests mlir-doc qblock-test-depends

BUILD_DIR=${QBLOCK_BUILD_DIR:-build}
LOG="$BUILD_DIR/test-results.log"
echo "== running tests (log: $LOG)"
set +e
/usr/lib/llvm-22/bin/lit -sv --time-tests "$BUILD_DIR/test" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e

/usr/bin/python3 scripts/lit-summary.py "qblock" "$LOG"
exit "$status"
