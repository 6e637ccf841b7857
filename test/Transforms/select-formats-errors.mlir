// RUN: quant-opt %s --qblock-select-formats -split-input-file -verify-diagnostics

func.func @nan() -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0> {
  // expected-error@+1 {{weight 'nan.w0' holds NaN at [1, 0] (row 0, block 0); quantized weights must be finite}}
  %cst = arith.constant dense<[[1.0, 1.0], [0x7FC00000, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]> : tensor<32x2xf32>
  %q = qblock.quantize %cst : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  return %q : !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
}

// -----

func.func @inf() -> !qblock.qtensor<64xf32, #qblock.scheme<blockdialect>, axis = 0> {
  // expected-error@+1 {{weight 'inf.w0' holds Inf at [40] (row 0, block 1); quantized weights must be finite}}
  %cst = arith.constant dense<[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0x7F800000, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : tensor<64xf32>
  %q = qblock.quantize %cst : tensor<64xf32> -> !qblock.qtensor<64xf32, #qblock.scheme<blockdialect>, axis = 0>
  return %q : !qblock.qtensor<64xf32, #qblock.scheme<blockdialect>, axis = 0>
}
