#!/usr/bin/env bash
# Builds qblock with clang-22 + ASan + UBSan into build-asan/ and runs the
# unit and lit tests there, so memory errors and undefined behaviour fail.
# Tests that load our code into uninstrumented hosts (the Python package,
# plugins in Debian's mlir-opt, the C API test) are skipped in this build.
set -euo pipefail
cd "$(dirname "$0")/.."
LLVM=/usr/lib/llvm-22/bin
OUT=${QBLOCK_ASAN_BUILD_DIR:-build-asan}

bash scripts/install-deps.sh
if [ ! -f "$OUT/build.ninja" ]; then
  cmake -S . -B "$OUT" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=$LLVM/clang -DCMAKE_CXX_COMPILER=$LLVM/clang++ \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=$LLVM/lit \
    -DQBLOCK_SANITIZE=ON -DQBLOCK_ENABLE_PYTHON=OFF
fi
echo "== building (ASan + UBSan)"
cmake --build "$OUT" -j "$(nproc)" --target quant-opt qblock-inspect \
  QBlockUnitTests mlir-doc

# libMLIR.so is not instrumented; LLVM allocator poisoning requested from
# our inlined code would be reported as false use-after-poison errors.
export ASAN_OPTIONS=allow_user_poisoning=0:detect_leaks=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LOG="$OUT/test-results.log"
echo "== running tests under ASan + UBSan (log: $LOG)"
set +e
$LLVM/lit -sv "$OUT/test" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
/usr/bin/python3 scripts/lit-summary.py "qblock (asan+ubsan)" "$LOG"
exit "$status"
