#!/usr/bin/env bash
# Ahead-of-time path: quantize examples/mlp.mlir, lower it, translate to LLVM
# IR, compile to an object file and a shared library, and link a C program
# against them. clang needs no -march: the CPU pipeline's functions name the
# CPU and features their instructions were chosen for.
#   bash examples/aot/build.sh [out-dir] [cpu|gpu]     (default build/aot cpu)
# gpu lowers with --qblock-gpu-pipeline (kernels as sm_90a PTX inside the
# library) and links qblock's CUDA runtime; the C caller is the same.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build/aot}
DEVICE=${2:-cpu}
BUILD=${QBLOCK_BUILD_DIR:-build}
LLVM=/usr/lib/llvm-22/bin
mkdir -p "$OUT"

case "$DEVICE" in
  # libm and upstream's memrefCopy: mlp.mlir needs neither, but modules
  # with math calls, slices or concats of results do (README).
  cpu) PIPELINE=--qblock-cpu-pipeline
       LIBS=(-L/usr/lib/llvm-22/lib -lomp -lmlir_c_runner_utils -lm
             -Wl,-rpath,/usr/lib/llvm-22/lib) ;;
  gpu) PIPELINE=--qblock-gpu-pipeline="chip=sm_90a format=isa"
       RUNTIME_DIR=$(cd "$BUILD/lib" && pwd)
       if [ ! -f "$RUNTIME_DIR/libqblock_cuda_runtime.so" ]; then
         echo "build.sh: $RUNTIME_DIR/libqblock_cuda_runtime.so is missing" \
              "(qblock builds it when CUDA's headers are found)" >&2
         exit 1
       fi
       LIBS=(-L"$RUNTIME_DIR" -lqblock_cuda_runtime -Wl,-rpath,"$RUNTIME_DIR") ;;
  *) echo "build.sh: device must be cpu or gpu, not '$DEVICE'" >&2; exit 2 ;;
esac

"$BUILD/bin/quant-opt" examples/mlp.mlir \
  --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats \
  --llvm-request-c-wrappers "$PIPELINE" \
  -o "$OUT/mlp.llvm.mlir"
$LLVM/mlir-translate --mlir-to-llvmir "$OUT/mlp.llvm.mlir" -o "$OUT/mlp.ll"
$LLVM/clang -O3 -fPIC -c "$OUT/mlp.ll" -o "$OUT/mlp.o"
$LLVM/clang -shared "$OUT/mlp.o" -o "$OUT/libmlp.so" "${LIBS[@]}"
$LLVM/clang -O2 examples/aot/main.c -o "$OUT/mlp" -L"$OUT" -lmlp \
  -Wl,-rpath,"$(cd "$OUT" && pwd)"
echo "built $OUT/mlp.o, $OUT/libmlp.so and $OUT/mlp ($DEVICE)"
