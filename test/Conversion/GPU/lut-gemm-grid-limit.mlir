// The LUT-GEMM kernel's grid has one row per 256 inputs of K, and a GPU
// grid at most 65535 rows: a longer K runs as the generic loop nests, with
// a remark saying why. It used to take the kernel, whose launch a GPU
// would refuse (found by an adversarial run, 2026-12-07).
// RUN: quant-opt %s --qblock-gpu-pipeline --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --implicit-check-not="remark: ["

// CHECK-DAG: lut-gemm-grid-limit.mlir:[[@LINE+6]]:8: remark: [Passed] lut-gemm-kernel
func.func @at_limit(%x: tensor<1x16776960xf32>, %st: tensor<2359296xi8>) -> tensor<1x1xf32> {
  %w = qblock.from_storage %st : tensor<2359296xi8> -> !qblock.qtensor<16776960x1xf32, #qblock.bcq<bits = 1, group = 256>, axis = 0>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
  %r = qblock.lut_gemm ins(%x, %w : tensor<1x16776960xf32>, !qblock.qtensor<16776960x1xf32, #qblock.bcq<bits = 1, group = 256>, axis = 0>) outs(%i : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %r : tensor<1x1xf32>
}

// CHECK-DAG: lut-gemm-grid-limit.mlir:[[@LINE+6]]:8: remark: [Missed] generic-loop-nests | Category:qblock-gpu | Function=beyond_limit | Reason="its K of 16777472 inputs is more than the kernel's 16776960 (one grid row per 256 inputs, at most 65535 rows)"
func.func @beyond_limit(%x: tensor<1x16777472xf32>, %st: tensor<2359488xi8>) -> tensor<1x1xf32> {
  %w = qblock.from_storage %st : tensor<2359488xi8> -> !qblock.qtensor<16777472x1xf32, #qblock.bcq<bits = 1, group = 256>, axis = 0>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
  %r = qblock.lut_gemm ins(%x, %w : tensor<1x16777472xf32>, !qblock.qtensor<16777472x1xf32, #qblock.bcq<bits = 1, group = 256>, axis = 0>) outs(%i : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %r : tensor<1x1xf32>
}
