// A barrier that only half of the block reaches (undefined behaviour on a
// GPU, where it hangs or corrupts) makes the emulator fail with a message
// after QBLOCK_GPU_EMULATOR_TIMEOUT seconds instead of hanging the test.
// RUN: quant-opt %s --qblock-stage-buffers-for-gpu --qblock-emulate-gpu-on-cpu \
// RUN:   | mlir-opt --finalize-memref-to-llvm --convert-scf-to-cf --convert-arith-to-llvm \
// RUN:       --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:       --convert-openmp-to-llvm --reconcile-unrealized-casts \
// RUN:   | env QBLOCK_GPU_EMULATOR_TIMEOUT=1 not mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%emulator_runner_libs 2>&1 | FileCheck %s
// CHECK: qblock GPU emulator: thread {{[0-9]+}}: waited 1 s at gpu.barrier: some thread of the block never reaches it

func.func @main() {
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %low = arith.cmpi ult, %tx, %c16 : index
    scf.if %low {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}
