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

# lit reports counts per outcome; fold them into the one line CI reads.
/usr/bin/python3 - "$LOG" <<'PY'
import re, sys
counts = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\s*(Passed|Failed|Unsupported|Expectedly Failed|Unexpectedly Passed|Unresolved|Timed Out|Skipped|Excluded)\s*:\s*(\d+)", line)
    if m:
        counts[m.group(1)] = int(m.group(2))
passed = counts.get("Passed", 0) + counts.get("Expectedly Failed", 0)
failed = sum(counts.get(k, 0) for k in ("Failed", "Unexpectedly Passed", "Unresolved", "Timed Out"))
skipped = counts.get("Unsupported", 0) + counts.get("Skipped", 0)
print(f"qblock: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"
