// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq" -verify-diagnostics | FileCheck %s

// LUT-GEMM takes float activations, so under scheme=bcq the remark does not
// suggest full-path=true with acts= (as it does for the block schemes):
// following that advice was an error ("acts= needs a block weight scheme").
// CHECK-LABEL: func.func @weight_not_constant
// CHECK: linalg.matmul
func.func @weight_not_constant(%x: tensor<4x128xf32>, %w: tensor<128x8xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-remark@+1 {{not quantized: the weight operand is not a constant (scheme=bcq quantizes constant weights only)}}
  %r = linalg.matmul ins(%x, %w : tensor<4x128xf32>, tensor<128x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
