// Packed activations viewed with dynamic rows: nothing says how many rows
// the bytes hold. The GPU W4A4 kernel took the rows from the result and
// read past the bytes (an audit, 2026-12-07, under the GPU emulator); the
// product now goes to the generic lowering, which refuses such a view as
// the CPU pipeline does.
// RUN: not quant-opt %s --qblock-select-formats --qblock-gpu-pipeline="format=isa" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s
// CHECK: packed-activations-dynamic-rows.mlir:[[# @LINE + 9]]:8: remark: [Missed] generic-loop-nests | Category:qblock-gpu | Function=acc | Reason="its packed activations have a dynamic shape"
// CHECK: packed-activations-dynamic-rows.mlir:[[# @LINE + 8]]:8: error: 'qblock.matmul' op reads a quantized value of dynamic shape '!qblock.qtensor<?x64xf32, #qblock.scheme<int8>, axis = 1>' whose sizes nothing gives

!A = !qblock.qtensor<?x64xf32, #qblock.scheme<int8>, axis = 1>
!W = !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 0>
func.func @acc(%bytes: tensor<?xi8>, %init: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %a = qblock.from_storage %bytes : tensor<?xi8> -> !A
  %wf = arith.constant dense<0.125> : tensor<64x32xf32>
  %w = qblock.quantize %wf : tensor<64x32xf32> -> !W
  %y = qblock.matmul ins(%a, %w : !A, !W) outs(%init : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}
