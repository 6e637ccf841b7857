#!/usr/bin/env bash
# Configures (once) and builds qblock into build/. Extra arguments are passed
# to the build tool, e.g. `scripts/build.sh quant-opt`.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${QBLOCK_BUILD_DIR:-build}
JOBS=${QBLOCK_JOBS:-$(nproc)}

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=${QBLOCK_BUILD_TYPE:-Release} \
    -DCMAKE_C_COMPILER=${CC:-gcc} -DCMAKE_CXX_COMPILER=${CXX:-g++} \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
cmake --build "$BUILD_DIR" -j "$JOBS" -- "$@"
