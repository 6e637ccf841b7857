// qblock-inspect reads BCQ alphas and offsets (f16) through the numerics
// core: a from=uniform weight shows the exact alphas s/2, s and offset
// s * (3/2 - z0) of its INT2 grid, and values on that grid.
// RUN: quant-opt %s --qblock-select-formats | qblock-inspect --blocks=4 | FileCheck %s

// CHECK: qblock.constant w.w0 : !qblock.qtensor<16x1xf32, #qblock.bcq<bits = 2, group = 8, fit = uniform>, axis = 0>
// CHECK-NEXT: 2 groups of 8
// Range [0, 3]: s = 1, z0 = 0.
// CHECK-NEXT: row 0 group 0: alphas 0.5 1, offset 1.5
// CHECK-NEXT: values: 0 1 2 3 0 1 2 3
// Range [-3, 4.5]: s = 2.5, z0 = 1; -1.5 and 1.5 go to the nearest levels.
// CHECK-NEXT: row 0 group 1: alphas 1.25 2.5, offset 1.25
// CHECK-NEXT: values: -2.5 -2.5 0 2.5 2.5 5 -2.5 0
func.func @w() -> !qblock.qtensor<16x1xf32, #qblock.bcq<bits = 2, group = 8, fit = uniform>, axis = 0> {
  %cst = arith.constant dense<[[0.0], [1.0], [2.0], [3.0], [0.0], [1.0], [2.0], [3.0], [-3.0], [-1.5], [0.0], [1.5], [3.0], [4.5], [-3.0], [0.0]]> : tensor<16x1xf32>
  %q = qblock.quantize %cst : tensor<16x1xf32> -> !qblock.qtensor<16x1xf32, #qblock.bcq<bits = 2, group = 8, fit = uniform>, axis = 0>
  return %q : !qblock.qtensor<16x1xf32, #qblock.bcq<bits = 2, group = 8, fit = uniform>, axis = 0>
}
