#!/usr/bin/env bash
# Ahead-of-time path: quantize examples/mlp.mlir, lower it for this CPU,
# translate to LLVM IR, compile to an object file and a shared library, and
# link a C program against them.
#   bash examples/aot/build.sh [out-dir]      (default build/aot)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build/aot}
LLVM=/usr/lib/llvm-22/bin
mkdir -p "$OUT"

"${QBLOCK_BUILD_DIR:-build}/bin/quant-opt" examples/mlp.mlir \
  --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats \
  --llvm-request-c-wrappers --qblock-cpu-pipeline \
  -o "$OUT/mlp.llvm.mlir"
$LLVM/mlir-translate --mlir-to-llvmir "$OUT/mlp.llvm.mlir" -o "$OUT/mlp.ll"
$LLVM/clang -O3 -march=native -fPIC -c "$OUT/mlp.ll" -o "$OUT/mlp.o"
$LLVM/clang -shared "$OUT/mlp.o" -o "$OUT/libmlp.so" \
  -L/usr/lib/llvm-22/lib -lomp -Wl,-rpath,/usr/lib/llvm-22/lib
$LLVM/clang -O2 examples/aot/main.c -o "$OUT/mlp" -L"$OUT" -lmlp \
  -Wl,-rpath,"$(cd "$OUT" && pwd)"
echo "built $OUT/mlp.o, $OUT/libmlp.so and $OUT/mlp"
