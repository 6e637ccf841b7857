// RUN: quant-opt %s --qblock-fuse-activation-quant -split-input-file | FileCheck %s

// The run-time quantization of the activation moves into the matmul; no
// quantized activation value is left.
// CHECK-LABEL: func.func @fuse
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: !qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect>, axis = 0>, %[[INIT:.*]]: tensor<?x16xf32>)
// CHECK-NOT: qblock.quantize
// CHECK: %[[R:.*]] = qblock.matmul ins(%[[X]], %[[W]] : tensor<?x64xf32>, !qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%[[INIT]] : tensor<?x16xf32>) {act_scheme = #qblock.scheme<blockdialect, select = two_stage>} -> tensor<?x16xf32>
// CHECK: return %[[R]]
func.func @fuse(%x: tensor<?x64xf32>, %w: !qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect>, axis = 0>, %init: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %q = qblock.quantize %x : tensor<?x64xf32> -> !qblock.qtensor<?x64xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 1>
  %r = qblock.matmul ins(%q, %w : !qblock.qtensor<?x64xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 1>, !qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}

// -----

// Two consumers (Q and K projections of one input): each quantizes its
// blocks itself; the shared quantize disappears.
// CHECK-LABEL: func.func @two_consumers
// CHECK-NOT: qblock.quantize
// CHECK-COUNT-2: {act_scheme = #qblock.scheme<mxfp4>}
func.func @two_consumers(%x: tensor<4x64xf32>, %wq: !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %wk: !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %init: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %q = qblock.quantize %x : tensor<4x64xf32> -> !qblock.qtensor<4x64xf32, #qblock.scheme<mxfp4>, axis = 1>
  %a = qblock.matmul ins(%q, %wq : !qblock.qtensor<4x64xf32, #qblock.scheme<mxfp4>, axis = 1>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  %b = qblock.matmul ins(%q, %wk : !qblock.qtensor<4x64xf32, #qblock.scheme<mxfp4>, axis = 1>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A quantized activation that something else also uses stays for it.
// CHECK-LABEL: func.func @other_user
// CHECK: %[[Q:.*]] = qblock.quantize
// CHECK: qblock.matmul ins(%{{.*}}, %{{.*}} : tensor<4x64xf32>, {{.*}} {act_scheme = #qblock.scheme<mxfp4>}
// CHECK: qblock.dequantize %[[Q]]
func.func @other_user(%x: tensor<4x64xf32>, %w: !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %init: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x64xf32>) {
  %q = qblock.quantize %x : tensor<4x64xf32> -> !qblock.qtensor<4x64xf32, #qblock.scheme<mxfp4>, axis = 1>
  %a = qblock.matmul ins(%q, %w : !qblock.qtensor<4x64xf32, #qblock.scheme<mxfp4>, axis = 1>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  %d = qblock.dequantize %q : !qblock.qtensor<4x64xf32, #qblock.scheme<mxfp4>, axis = 1> -> tensor<4x64xf32>
  return %a, %d : tensor<4x8xf32>, tensor<4x64xf32>
}

// -----

// Quantized constants are weights (select-formats packs them): untouched.
// CHECK-LABEL: func.func @constant_lhs
// CHECK: qblock.quantize %{{.*}} : tensor<2x32xf32>
// CHECK-NOT: act_scheme
func.func @constant_lhs(%w: !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %c = arith.constant dense<1.0> : tensor<2x32xf32>
  %q = qblock.quantize %c : tensor<2x32xf32> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %a = qblock.matmul ins(%q, %w : !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>, !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %a : tensor<2x8xf32>
}
