// linalg.softmax, as torch-mlir and IREE emit attention's, has no lowering
// of its own: the pipelines decompose it (qblock-decompose-aggregated-ops)
// instead of leaving it for mlir-translate to reject. Rows with an analytic
// answer: softmax(0, ln 2, ln 3, ln 4) = (1, 2, 3, 4) / 10, and a row near
// 1000, which overflows exp unless the row maximum is subtracted first.
// The GPU pipeline takes the same module (its softmax runs on the host).
//
// RUN: quant-opt %s --qblock-cpu-pipeline -o %t.ll.mlir
// RUN: mlir-runner %t.ll.mlir -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.got
// RUN: mlir-runner %t.ll.mlir -e expected -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.want
// RUN: %python %S/Inputs/check_close.py %t.got %t.want --rtol 1e-4 | FileCheck %s
// CHECK: PASS
// RUN: quant-opt %s --qblock-gpu-pipeline | FileCheck %s --check-prefix=GPU --implicit-check-not=linalg.
// GPU: llvm.func @softmax

func.func private @printMemrefF32(tensor<*xf32>)

func.func @softmax(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %e = tensor.empty() : tensor<2x4xf32>
  %r = linalg.softmax dimension(1) ins(%x : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

func.func @main() {
  %x = arith.constant dense<[[0.0, 0.693147182, 1.09861231, 1.38629436],
                             [1000.0, 1000.0, 1001.09863, 1000.0]]> : tensor<2x4xf32>
  %r = call @softmax(%x) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %u = tensor.cast %r : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @expected() {
  %want = arith.constant dense<[[0.1, 0.2, 0.3, 0.4],
                                [0.166666667, 0.166666667, 0.5, 0.166666667]]> : tensor<2x4xf32>
  %u = tensor.cast %want : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
