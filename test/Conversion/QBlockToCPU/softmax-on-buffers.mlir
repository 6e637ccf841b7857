// linalg.softmax on buffers is not decomposed (upstream's decomposition
// builds tensor intermediates, which do not mix with buffer operands: the
// result failed to verify with a message about linalg.generic). The
// pipeline's final check names the softmax instead.
// RUN: not quant-opt %s --qblock-cpu-pipeline -o /dev/null 2>&1 | FileCheck %s --implicit-check-not=error:
// CHECK: softmax-on-buffers.mlir:[[@LINE+2]]:3: error: 'linalg.softmax' is not lowered to the LLVM dialect by --qblock-cpu-pipeline
func.func @softmax_buffers(%a: memref<2x4xf32>, %b: memref<2x4xf32>) {
  linalg.softmax dimension(1) ins(%a : memref<2x4xf32>) outs(%b : memref<2x4xf32>)
  return
}
