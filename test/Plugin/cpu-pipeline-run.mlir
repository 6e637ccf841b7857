// End to end with stock tools only: Debian's mlir-opt with the plugin runs
// qblock-cpu-pipeline, Debian's mlir-runner executes the result. Weights are
// 1.0 and 0.5 (exact in every format), activations all ones, init 0.25:
// C[i][j] = 0.25 + sum_k W[k][j] = 0.25 + 64 * w_j.
// Debian's mlir-opt cannot load an ASan-instrumented plugin.
// UNSUPPORTED: sanitized
// RUN: %stock_mlir_opt --load-dialect-plugin=%qblock_plugin --load-pass-plugin=%qblock_plugin %s \
// RUN:   --pass-pipeline="builtin.module(func.func(qblock-quantize-linalg{scheme=blockdialect}),qblock-select-formats,qblock-cpu-pipeline{target=generic})" \
// RUN: | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// The weight really is quantized and packed before lowering:
// RUN: %stock_mlir_opt --load-dialect-plugin=%qblock_plugin --load-pass-plugin=%qblock_plugin %s \
// RUN:   --pass-pipeline="builtin.module(func.func(qblock-quantize-linalg{scheme=blockdialect}),qblock-select-formats)" \
// RUN: | FileCheck %s --check-prefix=PACKED
// PACKED: qblock.constant dense_resource<main.w0>
// PACKED: qblock.matmul

// CHECK: Unranked Memref
// CHECK-NEXT: {{\[}}[64.25, 32.25, 64.25, 32.25],
// CHECK-NEXT: [64.25, 32.25, 64.25, 32.25]]

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %a = arith.constant dense<1.0> : tensor<2x64xf32>
  %wfull = arith.constant dense<[
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5],
    [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5], [1.0, 0.5, 1.0, 0.5]
  ]> : tensor<64x4xf32>
  %init = arith.constant dense<0.25> : tensor<2x4xf32>
  %c = linalg.matmul ins(%a, %wfull : tensor<2x64xf32>, tensor<64x4xf32>)
         outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  %u = tensor.cast %c : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
