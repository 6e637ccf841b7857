// Two qblock.quantize ops of one constant with one type (a weight read by
// two matmuls; tied embedding / LM-head weights) are packed once: one
// qblock.constant that both matmuls read, placed where it dominates both.
// A different scheme of the same constant is a different weight.
// A constant the pass cannot read is not packed, so its quantize ops stay
// run-time quantizes where they were: merging would hoist one out of its
// branch and run it even when the branch is not taken.
// RUN: quant-opt %s --qblock-select-formats -split-input-file 2>/dev/null | FileCheck %s
// RUN: quant-opt %s --qblock-select-formats -split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=WARN
// The pipeline stops on @tied_unreadable, whose weight's data is elided
// (pipeline-missing-resource-data.mlir); the first case still lowers.
// RUN: not quant-opt %s --qblock-select-formats --qblock-cpu-pipeline -split-input-file 2>/dev/null | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @tied
// CHECK: %[[W:.*]] = qblock.constant dense_resource<tied.w0> {{.*}}#qblock.scheme<blockdialect>
// CHECK-NOT: qblock.quantize
// CHECK: scf.if
// CHECK: qblock.matmul ins(%{{.*}}, %[[W]] :
// CHECK: } else {
// CHECK: qblock.matmul ins(%{{.*}}, %[[W]] :
// CHECK: %[[M:.*]] = qblock.constant dense_resource<tied.w1> {{.*}}#qblock.scheme<mxfp4>
// CHECK: qblock.matmul ins(%{{.*}}, %[[M]] :
// CHECK-NOT: tied.w2
// One packed global for the BlockDialect weight, one for the MXFP4 one.
// LLVM-COUNT-2: llvm.mlir.global private constant @{{.*}}(dense_resource<tied.w
// LLVM-NOT: dense_resource<tied.w
func.func @tied(%x: tensor<2x64xf32>, %init: tensor<2x32xf32>, %c: i1) -> (tensor<2x32xf32>, tensor<2x32xf32>) {
  %w = arith.constant dense<0.25> : tensor<64x32xf32>
  %r = scf.if %c -> tensor<2x32xf32> {
    %q1 = qblock.quantize %w : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
    %a = qblock.matmul ins(%x, %q1 : tensor<2x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
    scf.yield %a : tensor<2x32xf32>
  } else {
    %q2 = qblock.quantize %w : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
    %b = qblock.matmul ins(%x, %q2 : tensor<2x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
    scf.yield %b : tensor<2x32xf32>
  }
  %q3 = qblock.quantize %w : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 0>
  %m = qblock.matmul ins(%x, %q3 : tensor<2x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
  return %r, %m : tensor<2x32xf32>, tensor<2x32xf32>
}

// -----

// CHECK-LABEL: func.func @tied_unreadable
// CHECK: arith.constant dense_resource<__elided__>
// CHECK-NOT: qblock.quantize
// CHECK: scf.if
// CHECK: qblock.quantize
// CHECK: qblock.matmul
// CHECK: } else {
// CHECK: qblock.quantize
// CHECK: qblock.matmul
// WARN-COUNT-2: warning: cannot read the constant weight's values
// WARN-NOT: warning
func.func @tied_unreadable(%x: tensor<2x64xf32>, %init: tensor<2x32xf32>, %c: i1) -> tensor<2x32xf32> {
  %w = arith.constant dense_resource<__elided__> : tensor<64x32xf32>
  %r = scf.if %c -> tensor<2x32xf32> {
    %q1 = qblock.quantize %w : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
    %a = qblock.matmul ins(%x, %q1 : tensor<2x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
    scf.yield %a : tensor<2x32xf32>
  } else {
    %q2 = qblock.quantize %w : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
    %b = qblock.matmul ins(%x, %q2 : tensor<2x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
    scf.yield %b : tensor<2x32xf32>
  }
  return %r : tensor<2x32xf32>
}
