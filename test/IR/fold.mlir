// RUN: quant-opt %s -canonicalize -split-input-file | FileCheck %s

// dequantize(quantize(constant)) folds to the decoded values. One MXFP4 block
// with amax 7.75: scale 2^0, so x rounds to the E2M1 grid {0, .5, 1, 1.5, 2,
// 3, 4, 6} with ties to the smaller magnitude and clamping at 6.
// CHECK-LABEL: func.func @fold_mxfp4
// CHECK-NEXT: %[[CST:.*]] = arith.constant dense<{{\[\[}}0.000000e+00, 5.000000e-01, 1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 6.000000e+00, -6.000000e+00, 0.000000e+00,
// CHECK-NOT: qblock.
// CHECK: return %[[CST]]
func.func @fold_mxfp4() -> tensor<1x32xf32> {
  %cst = arith.constant dense<[[0.25, 0.75, 1.25, 2.5, 3.5, 5.0, 7.75, -7.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x32xf32>
  %q = qblock.quantize %cst : tensor<1x32xf32> -> !qblock.qtensor<1x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %d = qblock.dequantize %q : !qblock.qtensor<1x32xf32, #qblock.scheme<mxfp4>, axis = 1> -> tensor<1x32xf32>
  return %d : tensor<1x32xf32>
}

// -----

// The same values along axis 0 of a 32x1 tensor: blocks follow the axis.
// CHECK-LABEL: func.func @fold_axis0
// CHECK-NEXT: arith.constant dense<{{\[}}[0.000000e+00], [5.000000e-01], [1.000000e+00], [2.000000e+00], [3.000000e+00], [4.000000e+00], [6.000000e+00], [-6.000000e+00], [0.000000e+00],
func.func @fold_axis0() -> tensor<32x1xf32> {
  %cst = arith.constant dense<[[0.25], [0.75], [1.25], [2.5], [3.5], [5.0], [7.75], [-7.75], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0]]> : tensor<32x1xf32>
  %q = qblock.quantize %cst : tensor<32x1xf32> -> !qblock.qtensor<32x1xf32, #qblock.scheme<mxfp4>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<32x1xf32, #qblock.scheme<mxfp4>, axis = 0> -> tensor<32x1xf32>
  return %d : tensor<32x1xf32>
}

// -----

// DialectFP4 picks dialect 0 (0 .5 1 1.5 2 3 5.5 7.5) for a block whose
// values sit on its grid, so the fold is the identity on them.
// CHECK-LABEL: func.func @fold_blockdialect_exact
// CHECK-NEXT: arith.constant dense<[5.500000e+00, 7.500000e+00, -3.000000e+00, 1.500000e+00, 0.000000e+00,
func.func @fold_blockdialect_exact() -> tensor<32xf32> {
  %cst = arith.constant dense<[5.5, 7.5, -3.0, 1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<32xf32>
  %q = qblock.quantize %cst : tensor<32xf32> -> !qblock.qtensor<32xf32, #qblock.scheme<blockdialect>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<32xf32, #qblock.scheme<blockdialect>, axis = 0> -> tensor<32xf32>
  return %d : tensor<32xf32>
}

// -----

// Packed constants are never expanded back to floats.
// CHECK-LABEL: func.func @no_fold_packed
// CHECK: qblock.constant
// CHECK: qblock.dequantize
func.func @no_fold_packed() -> tensor<2x32xf32> {
  %0 = qblock.constant dense<0> : tensor<128xi8> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %d = qblock.dequantize %0 : !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1> -> tensor<2x32xf32>
  return %d : tensor<2x32xf32>
}

// -----

// A NaN weight is left for the quantization passes to report.
// CHECK-LABEL: func.func @no_fold_nan
// CHECK: qblock.quantize
// CHECK: qblock.dequantize
func.func @no_fold_nan() -> tensor<32xf32> {
  %cst = arith.constant dense<[0x7FC00000, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<32xf32>
  %q = qblock.quantize %cst : tensor<32xf32> -> !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0> -> tensor<32xf32>
  return %d : tensor<32xf32>
}

// -----

// A constant the scheme would clip is not folded: the fold cannot warn, and
// --qblock-select-formats does. NVFP4 (no tensor scale here) saturates its
// E4M3 block scale (amax / 6) at 448, so blocks with maxima above
// 448 * 6 = 2688 clip.
// CHECK-LABEL: func.func @no_fold_clipped_nvfp4
// CHECK: qblock.quantize
// CHECK: qblock.dequantize
func.func @no_fold_clipped_nvfp4() -> tensor<16xf32> {
  %cst = arith.constant dense<[3000.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<16xf32>
  %q = qblock.quantize %cst : tensor<16xf32> -> !qblock.qtensor<16xf32, #qblock.scheme<nvfp4>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<16xf32, #qblock.scheme<nvfp4>, axis = 0> -> tensor<16xf32>
  return %d : tensor<16xf32>
}

// -----

// A block at the top of the range folds.
// CHECK-LABEL: func.func @fold_nvfp4_at_range_top
// CHECK-NEXT: arith.constant dense<[2.688000e+03,
// CHECK-NOT: qblock.
func.func @fold_nvfp4_at_range_top() -> tensor<16xf32> {
  %cst = arith.constant dense<[2688.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<16xf32>
  %q = qblock.quantize %cst : tensor<16xf32> -> !qblock.qtensor<16xf32, #qblock.scheme<nvfp4>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<16xf32, #qblock.scheme<nvfp4>, axis = 0> -> tensor<16xf32>
  return %d : tensor<16xf32>
}

// -----

// One BCQ group of 32 with an outlier its f16 alphas cannot hold (above
// 65504) is not folded either.
// CHECK-LABEL: func.func @no_fold_clipped_bcq
// CHECK: qblock.quantize
// CHECK: qblock.dequantize
func.func @no_fold_clipped_bcq() -> tensor<32xf32> {
  %cst = arith.constant dense<[70000.0, 1.0, -1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<32xf32>
  %q = qblock.quantize %cst : tensor<32xf32> -> !qblock.qtensor<32xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<32xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0> -> tensor<32xf32>
  return %d : tensor<32xf32>
}

// -----

// Blocks below the range fold while they are at most 1% of the non-zero
// ones (select-formats' rule); here 2 of 2 are, too small for INT4's F16
// scale (amax / 7; maxima below 2^-18 * 7).
// CHECK-LABEL: func.func @no_fold_tiny_int4
// CHECK: qblock.quantize
// CHECK: qblock.dequantize
func.func @no_fold_tiny_int4() -> tensor<64xf32> {
  %cst = arith.constant dense<[1.0e-6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0e-6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<64xf32>
  %q = qblock.quantize %cst : tensor<64xf32> -> !qblock.qtensor<64xf32, #qblock.scheme<int4>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<64xf32, #qblock.scheme<int4>, axis = 0> -> tensor<64xf32>
  return %d : tensor<64xf32>
}
